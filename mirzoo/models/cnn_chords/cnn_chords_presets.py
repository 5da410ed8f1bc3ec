from mirzoo.models.madmom_ports import HARMONIC_RESOLUTION, HARMONY_EVALUATION, madmom_preset

PRESETS = (
    madmom_preset(
        "cnn_chords",
        labels=tuple(f"feature_{index}" for index in range(128)),
        frame_rate=10.0,
        # 10 frames per second (hop 4410), 60 to 2600 Hz (113 bands).
        frontend=dict(HARMONIC_RESOLUTION, hop_length=4410, f_min=60.0, f_max=2600.0),
        arch_config=dict(filters=(32, 64), convolutions=(4, 2), units=128, last_kernel=(9, 12), context=11),
        paper="F. Korzeniowski and G. Widmer, 'A fully convolutional deep auditory model for musical chord "
              "recognition', MLSP 2016",
        metrics={"synthetic_chord_majmin": 0.965, "source": HARMONY_EVALUATION},
        files="chords/2016/chords_cnnfeat.pkl and chords_cnncrf.pkl",
        clip_seconds=120.0,
        extra="The activations are the network's 128 features per frame; the chords (25 classes: 12 major, 12 "
              "minor, N) are decoded from them by the authors' CRF, which the model carries as its `crf` layer.",
        decoder=dict(name="chords"),
    ),
)
