from mirzoo.models.labels import INSTRUMENT_FAMILIES, MTT_LABELS
from mirzoo.presets import PresetConfig, WeightsFile

SYNTH = PresetConfig(
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
)

MTT_DISTILLED = SYNTH.replace(
    name="crnn_tagger.mtt_distilled",
    labels=MTT_LABELS,
    # 128-unit GRUs: the .synth preset's 32-unit final state is narrower than the 50 tags it must reproduce.
    arch_config=dict(SYNTH.arch_config, gru_units=(128, 128)),
    weights=WeightsFile(
        "crnn_tagger.weights.h5", "a52380341e3758731095268013460986538e891a4a1c646c3247b77f4d938c1e"
    ),
    # Against the teacher on the Debian corpus's validation packages (133 tracks, 4.4 h never trained on):
    # segments are the 10 s windows, tracks their mean; ROC-AUC positives are the teacher's top 20 % per tag.
    metrics={
        "teacher_segments_macro_roc_auc": 0.907,
        "teacher_segments_spearman": 0.805,
        "teacher_segments_top5_agreement": 0.792,
        "teacher_tracks_macro_roc_auc": 0.928,
        "teacher_tracks_spearman": 0.821,
        "teacher_tracks_top5_agreement": 0.823,
    },
    notes="musicnn.mtt's 50 MagnaTagATune tags, distilled on 25 h of real music (Debian game soundtracks, "
          "scripts/distill_taggers.py): the .synth contract and front end, its convolutional body the starting "
          "point, its GRUs 128 units wide instead of 32; trained with binary cross-entropy, then with both "
          "models' scores softened by a temperature of 2; 10 s windows. It follows the teacher; it knows no more "
          "than the teacher heard in this music (almost no vocals).",
)

PRESETS = (MTT_DISTILLED, SYNTH)  # the default tag first: real music
