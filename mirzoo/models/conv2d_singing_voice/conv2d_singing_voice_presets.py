from mirzoo.models.labels import VOICE
from mirzoo.presets import PresetConfig, WeightsFile

# Schlüter's front end; bilstm_singing_voice is fed the same one.
FRONTEND = dict(kind="mel", n_fft=1024, hop_length=315, n_mels=80, f_min=27.5, f_max=8000.0, compression="db",
                top_db=None)


def over_real(synth, sha256, threshold, metrics, speeds=None):
    """The `.over_real` preset of a voice detector: `synth` fine-tuned over real accompaniment, its weights file
    (same name, `sha256`) deciding at `threshold` (its `"segments"` decoder, which its notes quote); with `speeds`,
    the network averages its scores over the audio played at those speeds (`arch_config["speeds"]`)."""
    arch_config = dict(synth.arch_config) if speeds is None else dict(synth.arch_config, speeds=tuple(speeds))
    views = "" if speeds is None else (
        " It averages its frame scores over the audio as recorded and played " + " and ".join(
            f"{speed:g}" for speed in speeds if speed != 1.0) + " times as fast (resampled in the graph).")
    return synth.replace(
        name=f"{synth.arch}.over_real",
        arch_config=arch_config,
        weights=WeightsFile(synth.weights.file, sha256),
        decoder={"name": "segments", "threshold": threshold},
        metrics=metrics,
        notes="Fine-tuned from .synth on Festival + WORLD melodies sung over real music (Debian game soundtracks, "
              "`mirzoo corpus over-real`, scripts/train_voice_over_real.sh) and the same excerpts alone, labelled "
              f"where the voice sounds; decides at {threshold:g}.{views} One synthetic singer family: it has never "
              "heard a human voice.",
    )


# Metrics: frame F at 0.5 and ROC-AUC on the synthetic corpus's 53 sung test clips and their twins (test, held-out
# soundfont; scripts/regenerate_synth_voice_test.py), labelled where the voice sounds. The weights/README table
# has the figures against the pitch-track labels they trained with, and over all test clips.
SYNTH = PresetConfig(
    name="conv2d_singing_voice.synth",
    arch="conv2d_singing_voice",
    task="frames",
    sample_rate=22050,
    clip_seconds=20.0,
    frame_rate=70.0,
    labels=VOICE,
    frontend=dict(FRONTEND),
    arch_config=dict(filters=(64, 32, 128, 64), units=(256, 64), pool_size=3, leak=0.01, dropout=0.5),
    weights=WeightsFile(
        "conv2d_singing_voice.weights.h5", "a16934cb821b52df2114e164d9214f89aa1d2db46ba1f0cd9ce49c86cdc9029f"
    ),
    metrics={
        "heldout_soundfont_f_measure": 0.733,
        "heldout_soundfont_roc_auc": 0.927,
        "heldout_soundfont_sung_clips_f_measure": 0.76,
        "heldout_soundfont_twins_voice_fraction": 0.037,
        "test_f_measure": 0.725,
        "test_roc_auc": 0.941,
        "test_sung_clips_f_measure": 0.738,
        "test_twins_voice_fraction": 0.018,
    },
    license="MIT",
    paper="J. Schlüter and T. Grill, 'Exploring data augmentation for improved singing voice detection with "
          "neural networks', ISMIR 2015; J. Schlüter, 'Learning to pinpoint singing voice from weakly labeled "
          "examples', ISMIR 2016",
    notes="The paper's front end (22.05 kHz, frame 1024, hop 315, 80 mel bands 27.5 Hz-8 kHz, 115-frame "
          "excerpts); evaluated densely with dilated pooling instead of excerpt by excerpt. top_db is off so "
          "that long audio processed in chunks equals audio processed whole.",
)

# The views (the audio as recorded and played 1.5 times as fast) and the threshold maximised frame F on the
# selection pairs (120, validation packages; two views scored as well as three, 0.858). Metrics at it: frame
# F and ROC-AUC on 100 sung melodies over excerpts of the Debian corpus's validation packages and their twins; the
# same on the synthetic corpus's sung test pairs (test, held-out soundfont); the share of frames called voice in 33
# wesnoth-1.16-music tracks nobody sings in (first 60 s).
OVER_REAL = over_real(
    SYNTH,
    "bbeb1311119f1b593ff39f8c1f47d55f412fbd058b500f59d8c2e99215c93a76",
    threshold=0.5,
    metrics={
        "heldout_soundfont_f_measure": 0.854,
        "heldout_soundfont_roc_auc": 0.965,
        "test_f_measure": 0.824,
        "test_roc_auc": 0.957,
        "test_twins_voice_fraction": 0.011,
        "validation_mixes_f_measure": 0.856,
        "validation_mixes_roc_auc": 0.967,
        "validation_mixes_twins_voice_fraction": 0.023,
        "wesnoth_instrumental_voice_fraction": 0.013,
    },
    speeds=(1.0, 1.5),
)

PRESETS = (SYNTH, OVER_REAL)
