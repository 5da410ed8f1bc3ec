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
            "dnn_chroma.weights.h5", "abc10978819092051baa7af3ee53d5a02dc4a0cd9acac66961a540ad48de0494"
        ),
        metrics={
            "heldout_soundfont_chroma_cqt_cosine": 0.761,
            "heldout_soundfont_chroma_cqt_f_measure": 0.62,
            "heldout_soundfont_chroma_stft_cosine": 0.737,
            "heldout_soundfont_chroma_stft_f_measure": 0.609,
            "heldout_soundfont_cosine": 0.93,
            "heldout_soundfont_f_measure": 0.907,
            "test_chroma_cqt_cosine": 0.776,
            "test_chroma_cqt_f_measure": 0.644,
            "test_chroma_stft_cosine": 0.739,
            "test_chroma_stft_f_measure": 0.621,
            "test_cosine": 0.928,
            "test_f_measure": 0.905,
        },
        license="MIT",
        paper="F. Korzeniowski and G. Widmer, 'Feature learning for chord recognition: the deep chroma extractor', "
              "ISMIR 2016",
        notes="22.05 kHz with n_fft 4096 and hop 2205 keeps the paper's 5.4 Hz bin spacing and 10 fps at half the "
              "paper's 44.1 kHz rate. Trained on the project's synthetic corpus.",
    ),
)
