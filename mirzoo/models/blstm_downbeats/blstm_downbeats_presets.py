from mirzoo.models.madmom_ports import MULTI_RESOLUTION, madmom_preset

PRESETS = (
    madmom_preset(
        "blstm_downbeats",
        labels=("beat", "downbeat"),
        frame_rate=100.0,
        frontend=dict(MULTI_RESOLUTION, bands_per_octave=[3, 6, 12]),
        arch_config=dict(members=8, units=25, layers=3),
        paper="S. Böck, F. Krebs and G. Widmer, 'Joint beat and downbeat tracking with recurrent neural networks', "
              "ISMIR 2016",
        metrics={"synthetic_beat_f_measure": 1.0, "synthetic_downbeat_f_measure": 1.0},
        files="downbeats/2016/downbeats_blstm_[1-8].pkl",
        extra="Downbeats are decoded with madmom's bar-tracking DBN (3/4 and 4/4, 55–215 bpm).",
        decoder=dict(name="downbeats", beats_per_bar=[3, 4], min_bpm=55.0, max_bpm=215.0),
    ),
)
