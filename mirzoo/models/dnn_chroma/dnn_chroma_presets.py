from mirzoo.models.labels import PITCH_CLASSES
from mirzoo.models.madmom_ports import HARMONIC_RESOLUTION, HARMONY_EVALUATION, madmom_preset
from mirzoo.presets import PresetConfig, WeightsFile

PAPER = ("F. Korzeniowski and G. Widmer, 'Feature learning for chord recognition: the deep chroma extractor', "
         "ISMIR 2016")

# madmom's deep chroma extractor: 10 frames per second (hop 4410), 24 bands per octave from 65 to 2100 Hz,
# log10(1 + x), ±7 frames of zero-padded context, three dense layers of 256.
MADMOM_NETWORK = dict(
    labels=PITCH_CLASSES,
    frame_rate=10.0,
    frontend=dict(HARMONIC_RESOLUTION, hop_length=4410, f_min=65.0, f_max=2100.0),
    arch_config=dict(context=7, units=256, n_hidden=3, dropout=0.0, input_norm=False, context_padding="zeros"),
    paper=PAPER,
    clip_seconds=300.0,
)

PRESETS = (
    PresetConfig(
        name="dnn_chroma.synth",
        arch="dnn_chroma",
        task="frames",
        sample_rate=22050,
        clip_seconds=30.0,
        frame_rate=10.0,
        labels=PITCH_CLASSES,
        frontend=dict(kind="logfreq", n_fft=4096, hop_length=2205, power=1.0, bins_per_octave=24, f_min=30.0,
                      f_max=5500.0, norm="sum", compression="log"),
        arch_config=dict(context=7, units=512, n_hidden=3, dropout=0.3),
        weights=WeightsFile(
            "dnn_chroma.weights.h5", "d2d1723d10553875416b560a5b172c96948568ee5fb71ec353d2c2c23a12e56c"
        ),
        metrics={
            "heldout_soundfont_chroma_cqt_cosine": 0.788,
            "heldout_soundfont_chroma_cqt_f_measure": 0.644,
            "heldout_soundfont_chroma_stft_cosine": 0.738,
            "heldout_soundfont_chroma_stft_f_measure": 0.597,
            "heldout_soundfont_cosine": 0.928,
            "heldout_soundfont_f_measure": 0.907,
            "test_chroma_cqt_cosine": 0.8,
            "test_chroma_cqt_f_measure": 0.661,
            "test_chroma_stft_cosine": 0.744,
            "test_chroma_stft_f_measure": 0.609,
            "test_cosine": 0.927,
            "test_f_measure": 0.905,
        },
        license="MIT",
        paper=PAPER,
        notes="22.05 kHz with n_fft 4096 and hop 2205 keeps the paper's 5.4 Hz bin spacing and 10 fps at half the "
              "paper's 44.1 kHz rate. Trained on the project's synthetic corpus.",
    ),
    # The authors' network, trained on real recordings with chord labels; not the default tag because its
    # licence is non-commercial (CC BY-NC-SA) and it needs madmom installed to convert.
    madmom_preset("dnn_chroma", **MADMOM_NETWORK, files="chroma/2016/chroma_dnn.pkl",
                  metrics={"synthetic_chroma_cosine": 0.964},
                  extra="Trained on chord labels of real recordings: it hears the pitch classes of the chord, not "
                        "every sounding note."),
    # The same network with the authors' chord CRF on its chroma (madmom's DeepChromaChordRecognitionProcessor).
    madmom_preset("dnn_chroma", **{**MADMOM_NETWORK,
                                   "arch_config": {**MADMOM_NETWORK["arch_config"], "crf_classes": 25}},
                  tag="madmom_chords", files="chroma/2016/chroma_dnn.pkl and chords/2016/chords_dccrf.pkl",
                  metrics={"synthetic_chord_majmin": 0.940, "source": HARMONY_EVALUATION}, decoder=dict(name="chords"),
                  extra="The activations are the deep chroma; the chords (25 classes: 12 major, 12 minor, N) are "
                        "decoded from them by the authors' CRF, which the model carries as its `crf` layer."),
)
