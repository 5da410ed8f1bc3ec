from mirzoo.models.labels import KEYS
from mirzoo.models.madmom_ports import HARMONIC_RESOLUTION, HARMONY_EVALUATION, madmom_preset

PRESETS = (
    madmom_preset(
        "cnn_key",
        labels=KEYS,
        frame_rate=None,
        task="classification",
        # 5 frames per second (hop 8820), 65 to 2100 Hz (105 bands): the deep chroma's spectrogram at half its rate.
        frontend=dict(HARMONIC_RESOLUTION, hop_length=8820, f_min=65.0, f_max=2100.0),
        arch_config=dict(filters=(24, 48, 96, 192), first_kernel=5),
        paper="F. Korzeniowski and G. Widmer, 'Genre-agnostic key classification with convolutional neural "
              "networks', ISMIR 2018",
        metrics={"synthetic_key_weighted_score": 0.625, "source": HARMONY_EVALUATION},
        files="key/2018/key_cnn.pkl",
        clip_seconds=300.0,
        extra="The whole recording is one input, as in madmom: mirzoo.predict runs the front end in chunks and "
              "the network once over the whole spectrogram.",
        decoder=dict(name="key"),
    ),
)
