from mirzoo.models.madmom_ports import MULTI_RESOLUTION, madmom_preset

PRESETS = (
    madmom_preset(
        "brnn_onsets",
        labels=("onset",),
        frame_rate=100.0,
        # log10(5x + 1), and differences over 1, 2 and 3 frames (diff_ratio 0.25).
        frontend=dict(MULTI_RESOLUTION, log_multiplier=5.0, diff_ratio=0.25),
        arch_config=dict(members=8, units=25, layers=3),
        paper="F. Eyben, S. Böck, B. Schuller and A. Graves, 'Universal onset detection with bidirectional long "
              "short-term memory neural networks', ISMIR 2010; S. Böck, A. Arzt, F. Krebs and M. Schedl, 'Online "
              "real-time onset detection with recurrent neural networks', DAFx 2012",
        metrics={"synthetic_onset_f_measure": 0.981},
        files="onsets/2013/onsets_brnn_[1-8].pkl",
        extra="Onsets are picked with madmom's OnsetDetector settings (threshold 0.35, smoothing 0.07 s).",
        decoder=dict(name="onsets", threshold=0.35, smooth=0.07, pre_max=0.01, post_max=0.01, combine=0.03),
    ),
)
