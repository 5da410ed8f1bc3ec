from mirzoo.models.madmom_ports import MULTI_RESOLUTION, madmom_preset

PRESETS = (
    madmom_preset(
        "blstm_beats",
        labels=("beat",),
        frame_rate=100.0,
        frontend=MULTI_RESOLUTION,
        arch_config=dict(members=8, units=25, layers=3),
        paper="S. Böck and M. Schedl, 'Enhanced beat tracking with context-aware neural networks', DAFx 2011",
        metrics={"synthetic_beat_f_measure": 0.972},
        files="beats/2015/beats_blstm_[1-8].pkl",
        extra="Beats are decoded with madmom's DBN beat tracker (55–215 bpm).",
        decoder=dict(name="beats", min_bpm=55.0, max_bpm=215.0),
    ),
)
