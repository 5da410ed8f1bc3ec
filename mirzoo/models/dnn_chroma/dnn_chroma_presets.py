from mirzoo.models.labels import PITCH_CLASSES
from mirzoo.presets import PresetConfig, WeightsFile

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
            "dnn_chroma.weights.h5", "ff651ff93a4cd2f36edc13b802b751e3ba5d230f55f56e589b46cbd0257bfd15"
        ),
        metrics={
            "heldout_soundfont_chroma_cqt_cosine": 0.757,
            "heldout_soundfont_chroma_cqt_f_measure": 0.613,
            "heldout_soundfont_chroma_stft_cosine": 0.738,
            "heldout_soundfont_chroma_stft_f_measure": 0.609,
            "heldout_soundfont_cosine": 0.932,
            "heldout_soundfont_f_measure": 0.909,
            "test_chroma_cqt_cosine": 0.757,
            "test_chroma_cqt_f_measure": 0.607,
            "test_chroma_stft_cosine": 0.706,
            "test_chroma_stft_f_measure": 0.58,
            "test_cosine": 0.921,
            "test_f_measure": 0.894,
        },
        license="MIT",
        paper="F. Korzeniowski and G. Widmer, 'Feature learning for chord recognition: the deep chroma extractor', "
              "ISMIR 2016",
        notes="22.05 kHz with n_fft 4096 and hop 2205 keeps the paper's 5.4 Hz bin spacing and 10 fps at half the "
              "paper's 44.1 kHz rate. Trained on the project's synthetic corpus.",
    ),
)
