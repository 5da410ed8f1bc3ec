from mirzoo.models.labels import INSTRUMENT_FAMILIES, MTT_LABELS
from mirzoo.presets import PresetConfig, WeightsFile

SYNTH = PresetConfig(
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
)

MTT_DISTILLED = SYNTH.replace(
    name="conv1d_tagger.mtt_distilled",
    labels=MTT_LABELS,
    weights=WeightsFile(
        "conv1d_tagger.weights.h5", "0746613559c1d89ea2d544d4f6b3cfa08ab9f179a984c3ad0cba9d80f3a67aab"
    ),
    # Against the teacher on the Debian corpus's validation packages (133 tracks, 4.4 h never trained on):
    # segments are the 3 s windows, tracks their mean; ROC-AUC positives are the teacher's top 20 % per tag.
    metrics={
        "teacher_segments_macro_roc_auc": 0.864,
        "teacher_segments_spearman": 0.693,
        "teacher_segments_top5_agreement": 0.718,
        "teacher_tracks_macro_roc_auc": 0.91,
        "teacher_tracks_spearman": 0.78,
        "teacher_tracks_top5_agreement": 0.761,
    },
    notes="musicnn.mtt's 50 MagnaTagATune tags, distilled on 25 h of real music (Debian game soundtracks, "
          "scripts/distill_taggers.py): the .synth architecture, contract and front end, its body the starting "
          "point. It follows the teacher; it knows no more than the teacher heard in this music (almost no vocals).",
)

PRESETS = (SYNTH, MTT_DISTILLED)
