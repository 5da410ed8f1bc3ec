from mirzoo.models.madmom_ports import MULTI_RESOLUTION, madmom_preset

PRESETS = (
    madmom_preset(
        "lstm_beats",
        labels=("beat",),
        frame_rate=100.0,
        # One frame size, 12 bands per octave, frames that end at the current sample: nothing looks ahead.
        frontend=dict(MULTI_RESOLUTION, n_fft=[2048], bands_per_octave=12, origin="online"),
        arch_config=dict(members=8, units=25, layers=3),
        paper="S. Böck and M. Schedl, 'Enhanced beat tracking with context-aware neural networks', DAFx 2011 "
              "(madmom's online variant)",
        metrics={"synthetic_beat_f_measure": 0.972},
        files="beats/2016/beats_lstm_[1-8].pkl",
        extra="Causal: frames end at the current sample as in madmom's online mode (DBNBeatTracker online), so "
              "mirzoo.streaming runs it block by block; offline, beats are decoded with the DBN beat tracker.",
        decoder=dict(name="beats", min_bpm=55.0, max_bpm=215.0),
    ),
)
