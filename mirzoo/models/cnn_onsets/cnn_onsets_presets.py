import numpy as np

from mirzoo.models.madmom_ports import madmom_preset

PRESETS = (
    madmom_preset(
        "cnn_onsets",
        labels=("onset",),
        frame_rate=100.0,
        # madmom stacks its three mel spectrograms as channels in the order 2048, 1024, 4096, and takes
        # ln(x + eps) with eps = np.spacing(1) (a floor, not log(1 + x)). That logarithm magnifies the float32
        # FFT's rounding in bands ~100 dB below a frame's peak (madmom's FFT runs in float64): the front end
        # computes in float64 (where the backend has it), which halves the largest activation difference.
        frontend=dict(kind="filtered", n_fft=[2048, 1024, 4096], hop_length=441, filterbank="mel_bins", n_mels=80,
                      f_min=27.5, f_max=16000.0, unique_filters=False, log_multiplier=1.0,
                      log_shift=float(np.spacing(1.0)), log_base="e", stack="channels", dtype="float64"),
        arch_config=dict(filters=(10, 20), units=256),
        paper="J. Schlüter and S. Böck, 'Musical onset detection with convolutional neural networks', MML 2013; "
              "J. Schlüter and S. Böck, 'Improved musical onset detection with convolutional neural networks', "
              "ICASSP 2014",
        metrics={"synthetic_onset_f_measure": 0.977},
        files="onsets/2013/onsets_cnn.pkl",
        extra="Onsets are picked with madmom's CNNOnsetDetector settings (threshold 0.54, smoothing 0.05 s).",
        decoder=dict(name="onsets", threshold=0.54, smooth=0.05, pre_max=0.01, post_max=0.01, combine=0.03),
    ),
)
