from mirzoo.models.labels import INSTRUMENT_FAMILIES
from mirzoo.presets import PresetConfig, WeightsFile

PRESETS = (
    PresetConfig(
        name="crnn_tagger.synth",
        arch="crnn_tagger",
        task="tagging",
        sample_rate=12000,
        clip_seconds=10.0,
        frame_rate=None,
        labels=INSTRUMENT_FAMILIES,
        frontend=dict(kind="mel", n_fft=512, hop_length=256, n_mels=96, compression="db", top_db=80.0),
        arch_config=dict(filters=(64, 128, 128, 128), pools=((2, 2), (3, 3), (4, 4), (4, 4)), gru_units=(32, 32),
                         dropout=0.1),
        weights=WeightsFile(
            "crnn_tagger.weights.h5", "318c2015e1e49fa10aec150b74180c1f5962187adf23a3c2a0bf5d165d150c17"
        ),
        metrics={
            "heldout_soundfont_macro_pr_auc": 0.564,
            "heldout_soundfont_macro_roc_auc": 0.767,
            "heldout_soundfont_songs_macro_roc_auc": 0.76,
            "heldout_soundfont_works_macro_roc_auc": 0.62,
            "test_macro_pr_auc": 0.576,
            "test_macro_roc_auc": 0.765,
            "test_songs_macro_roc_auc": 0.748,
            "test_works_macro_roc_auc": 0.641,
        },
        license="MIT",
        paper="K. Choi, G. Fazekas, M. Sandler and K. Cho, 'Convolutional recurrent neural networks for music "
              "classification', ICASSP 2017",
        notes="10 s windows instead of the paper's 29.1 s: the training corpus is made of 15 s clips. "
              "The network itself takes any length.",
    ),
)
