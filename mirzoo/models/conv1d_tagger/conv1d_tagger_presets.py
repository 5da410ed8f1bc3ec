from mirzoo.models.labels import INSTRUMENT_FAMILIES
from mirzoo.presets import PresetConfig, WeightsFile

PRESETS = (
    PresetConfig(
        name="conv1d_tagger.synth",
        arch="conv1d_tagger",
        task="tagging",
        sample_rate=16000,
        clip_seconds=3.0,
        frame_rate=None,
        labels=INSTRUMENT_FAMILIES,
        frontend=dict(kind="mel", n_fft=1024, hop_length=512, n_mels=128, compression="db", top_db=80.0),
        arch_config=dict(filters=32, kernel_size=8, pool_size=4, units=100, dropout=0.3),
        weights=WeightsFile(
            "conv1d_tagger.weights.h5", "6004d03376d2a95e9123f90a2247581be01bdc4e58a0d93e2f1f55e2bb2edd6f"
        ),
        metrics={
            "heldout_soundfont_macro_pr_auc": 0.485,
            "heldout_soundfont_macro_roc_auc": 0.711,
            "test_macro_pr_auc": 0.504,
            "test_macro_roc_auc": 0.723,
        },
        license="MIT",
        paper="S. Dieleman and B. Schrauwen, 'End-to-end learning for music audio', ICASSP 2014 "
              "(the spectrogram variant)",
        notes="3 s windows as in the paper; global pooling is mean and max concatenated.",
    ),
)
