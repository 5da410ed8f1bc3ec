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
        arch_config=dict(filters=128, kernel_size=8, pool_size=4, units=256, dropout=0.3),
        weights=WeightsFile(
            "conv1d_tagger.weights.h5", "ab9ccfef7d86740eb016532a4e285b6c6b4dc9da333fc79b88ccf40201949cee"
        ),
        metrics={
            "heldout_soundfont_macro_pr_auc": 0.532,
            "heldout_soundfont_macro_roc_auc": 0.731,
            "heldout_soundfont_songs_macro_roc_auc": 0.734,
            "heldout_soundfont_works_macro_roc_auc": 0.592,
            "test_macro_pr_auc": 0.541,
            "test_macro_roc_auc": 0.746,
            "test_songs_macro_roc_auc": 0.748,
            "test_works_macro_roc_auc": 0.625,
        },
        license="MIT",
        paper="S. Dieleman and B. Schrauwen, 'End-to-end learning for music audio', ICASSP 2014 "
              "(the spectrogram variant)",
        notes="3 s windows as in the paper; global pooling is mean and max concatenated; 128 filters and 256 "
              "hidden units, where the paper's 32 and 100 underfit the 12 instrument families.",
    ),
)
