from mirzoo.models.conv2d_singing_voice.conv2d_singing_voice_presets import FRONTEND, over_real
from mirzoo.models.labels import VOICE
from mirzoo.presets import PresetConfig, WeightsFile

# Metrics: frame F at 0.5 and ROC-AUC on the synthetic corpus's 53 sung test clips and their twins (test, held-out
# soundfont; scripts/regenerate_synth_voice_test.py), labelled where the voice sounds. The weights/README table
# has the figures against the pitch-track labels they trained with, and over all test clips.
SYNTH = PresetConfig(
    name="bilstm_singing_voice.synth",
    arch="bilstm_singing_voice",
    task="frames",
    sample_rate=22050,
    clip_seconds=20.0,
    frame_rate=70.0,
    labels=VOICE,
    frontend=dict(FRONTEND),
    arch_config=dict(units=(30, 20, 40), dropout=0.2),
    weights=WeightsFile(
        "bilstm_singing_voice.weights.h5", "ddd94c7431327848dfc09b52b03d6437dc111d6ae48b860dbc7d55983076465d"
    ),
    metrics={
        "heldout_soundfont_f_measure": 0.689,
        "heldout_soundfont_roc_auc": 0.882,
        "heldout_soundfont_sung_clips_f_measure": 0.751,
        "heldout_soundfont_twins_voice_fraction": 0.1,
        "test_f_measure": 0.689,
        "test_roc_auc": 0.888,
        "test_sung_clips_f_measure": 0.724,
        "test_twins_voice_fraction": 0.054,
    },
    license="MIT",
    paper="S. Leglaive, R. Hennequin and R. Badeau, 'Singing voice detection with deep recurrent neural "
          "networks', ICASSP 2015",
    notes="Fed the same 80-band log-mel (70 fps) as conv2d_singing_voice instead of the paper's HPSS-based "
          "features; top_db is off so that long audio processed in chunks equals audio processed whole.",
)

# Metrics measured as conv2d_singing_voice.over_real's; the threshold maximised frame F on its 120 selection pairs
# (as it had on their first 40, from which it was first chosen).
OVER_REAL = over_real(
    SYNTH,
    "54d4d64f568b9e8105ce824feaecc3e8e149d3a249c84a5c1a5fe4a4d9895c35",
    threshold=0.35,
    metrics={
        "heldout_soundfont_f_measure": 0.702,
        "heldout_soundfont_roc_auc": 0.892,
        "test_f_measure": 0.67,
        "test_roc_auc": 0.858,
        "test_twins_voice_fraction": 0.223,
        "validation_mixes_f_measure": 0.725,
        "validation_mixes_roc_auc": 0.9,
        "validation_mixes_twins_voice_fraction": 0.087,
        "wesnoth_instrumental_voice_fraction": 0.119,
    },
)

PRESETS = (SYNTH, OVER_REAL)
