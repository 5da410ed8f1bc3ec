"""Throughput of mirzoo's log-mel front end against its peers, measured in one run.

Candidates (each in its fastest form: with and without XLA where that applies):
  - librosa: a per-clip loop of melspectrogram + power_to_db (how users precompute features);
  - mirzoo.layers.MelSpectrogram;
  - keras.layers.MelSpectrogram (HTK mel, batch-global top_db: faster to set up, not librosa-equal);
  - a hand-written tf.signal pipeline (pad, stft, re² + im², mel matmul, per-example dB);
  - kapre 0.4.1 (if importable), uncentred magnitude mel as it ships;
  - the kernel limit: tf.signal.rfft on the already framed, windowed batch plus the mel matmul alone.

Settings: A = 16 kHz, n_fft 512, hop 256, 96 mels, 16 × 3 s; B = 22.05 kHz, 2048/512, 128 mels, 8 × 30 s.
Reports audio-seconds per wall second (min time and median time of the repetitions, interleaved across
candidates after a warm-up) and mirzoo's ratio to each peer.

    python benchmarks/frontend.py [--repeats 15] [--settings A B]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# 2 shared cores: one BLAS thread avoids oversubscription in the librosa loop.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import keras  # noqa: E402
import librosa  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from mirzoo import dsp  # noqa: E402
from mirzoo.layers import MelSpectrogram  # noqa: E402
from mirzoo.testing import harmonic_test_signal  # noqa: E402

SETTINGS = {
    "A": dict(sample_rate=16000, n_fft=512, hop_length=256, n_mels=96, batch=16, seconds=3.0),
    "B": dict(sample_rate=22050, n_fft=2048, hop_length=512, n_mels=128, batch=8, seconds=30.0),
}


def librosa_loop(s):
    def run(batch):
        return [
            librosa.power_to_db(
                librosa.feature.melspectrogram(y=clip, sr=s["sample_rate"], n_fft=s["n_fft"],
                                               hop_length=s["hop_length"], n_mels=s["n_mels"]),
                top_db=80.0,
            )
            for clip in batch
        ]

    return run


def mirzoo_frontend(s, xla):
    # framing="gather" is the layer's faster form under XLA, "stft" without it (see STFT's docstring).
    layer = MelSpectrogram(sample_rate=s["sample_rate"], n_fft=s["n_fft"], hop_length=s["hop_length"],
                           n_mels=s["n_mels"], framing="gather" if xla else "stft")
    return tf.function(layer, jit_compile=xla)


def keras_frontend(s, xla):
    layer = keras.layers.MelSpectrogram(
        fft_length=s["n_fft"], sequence_stride=s["hop_length"], sequence_length=s["n_fft"],
        sampling_rate=s["sample_rate"], num_mel_bins=s["n_mels"], min_freq=0.0, power_to_db=True, top_db=80.0,
    )
    return tf.function(layer, jit_compile=xla)


def tf_signal_pipeline(s, xla):
    mel = tf.constant(dsp.mel_filterbank(s["sample_rate"], s["n_fft"], s["n_mels"]).T.astype(np.float32))
    pad = s["n_fft"] // 2

    @tf.function(jit_compile=xla)
    def run(audio):
        audio = tf.pad(audio, [[0, 0], [pad, pad]])
        spectrum = tf.signal.stft(audio, s["n_fft"], s["hop_length"], s["n_fft"], window_fn=tf.signal.hann_window)
        power = tf.math.square(tf.math.real(spectrum)) + tf.math.square(tf.math.imag(spectrum))
        db = 10.0 * tf.math.log(tf.maximum(tf.matmul(power, mel), 1e-10)) / tf.math.log(10.0)
        return tf.maximum(db, tf.reduce_max(db, axis=[1, 2], keepdims=True) - 80.0)

    return run


def kapre_frontend(s, xla):
    from kapre.composed import get_melspectrogram_layer

    layer = get_melspectrogram_layer(
        input_shape=(int(s["sample_rate"] * s["seconds"]), 1), n_fft=s["n_fft"], hop_length=s["hop_length"],
        sample_rate=s["sample_rate"], n_mels=s["n_mels"], return_decibel=True,
    )
    function = tf.function(layer, jit_compile=xla)
    return lambda audio: function(audio[..., None])


def kernel_limit(s, xla):
    """rfft of the framed, windowed batch plus the mel matmul: nothing else."""
    mel = tf.constant(dsp.mel_filterbank(s["sample_rate"], s["n_fft"], s["n_mels"]).T.astype(np.float32))

    @tf.function(jit_compile=xla)
    def run(frames):
        spectrum = tf.signal.rfft(frames)
        return tf.matmul(tf.math.square(tf.math.real(spectrum)) + tf.math.square(tf.math.imag(spectrum)), mel)

    return run


def framed_windowed(audio, s):
    padded = np.pad(audio, ((0, 0), (s["n_fft"] // 2, s["n_fft"] // 2)))
    frames = dsp.num_frames(audio.shape[1], s["n_fft"], s["hop_length"])
    index = np.arange(s["n_fft"])[None, :] + s["hop_length"] * np.arange(frames)[:, None]
    return (padded[:, index] * dsp.get_window("hann", s["n_fft"]).astype(np.float32)).astype(np.float32)


def candidates(s):
    found = {"librosa (per-clip loop)": (librosa_loop(s), "numpy")}
    for xla in (False, True):
        tag = " + XLA" if xla else ""
        found[f"mirzoo MelSpectrogram{tag}"] = (mirzoo_frontend(s, xla), "tensor")
        found[f"keras.layers.MelSpectrogram{tag}"] = (keras_frontend(s, xla), "tensor")
        found[f"hand-written tf.signal{tag}"] = (tf_signal_pipeline(s, xla), "tensor")
        found[f"kernel limit (rfft + matmul){tag}"] = (kernel_limit(s, xla), "frames")
        try:
            found[f"kapre 0.4.1{tag}"] = (kapre_frontend(s, xla), "tensor")
        except ImportError:
            pass
    return found


def measure(setting, repeats):
    s = SETTINGS[setting]
    audio = np.stack([harmonic_test_signal(s["sample_rate"], s["seconds"], seed=i) for i in range(s["batch"])])
    inputs = {"numpy": audio, "tensor": tf.constant(audio), "frames": tf.constant(framed_windowed(audio, s))}
    runs = candidates(s)
    for function, kind in runs.values():  # warm-up: tracing and XLA compilation
        np.asarray(function(inputs[kind])[0])
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, (function, kind) in runs.items():
            start = time.perf_counter()
            result = function(inputs[kind])
            np.asarray(result[0])  # wait for the value
            times[name].append(time.perf_counter() - start)
    audio_seconds = s["batch"] * s["seconds"]
    return {name: (audio_seconds / min(t), audio_seconds / float(np.median(t))) for name, t in times.items()}


def best_of(results, prefix):
    matching = {name: value for name, value in results.items() if name.startswith(prefix)}
    if not matching:
        return None, None
    name = max(matching, key=lambda n: matching[n][0])
    return name, matching[name]


def report(setting, results):
    s = SETTINGS[setting]
    print(f"\n### Setting {setting}: {s['sample_rate']} Hz, n_fft {s['n_fft']}, hop {s['hop_length']}, "
          f"{s['n_mels']} mels, {s['batch']} × {s['seconds']:g} s  (load average {os.getloadavg()[0]:.2f})\n")
    ours_name, ours = best_of(results, "mirzoo")
    print("| candidate | audio-s/s (min time) | audio-s/s (median) | mirzoo best ÷ this (min) |")
    print("|---|---:|---:|---:|")
    for name, (fast, typical) in sorted(results.items(), key=lambda item: -item[1][0]):
        print(f"| {name} | {fast:,.0f} | {typical:,.0f} | {ours[0] / fast:.2f}× |")
    print(f"\nmirzoo best: {ours_name}")
    for label, prefix, target in (
        ("kapre", "kapre", 1.1),
        ("best hand-written tf.signal", "hand-written", 1.0),
        ("kernel limit", "kernel limit", 0.8),
    ):
        peer_name, peer = best_of(results, prefix)
        if peer is None:
            print(f"- vs {label}: not importable, not measured")
            continue
        ratio = ours[0] / peer[0]
        verdict = "meets" if ratio >= target else "MISSES"
        print(f"- vs {label} ({peer_name}): {ratio:.2f}× (target ≥ {target:.2f}×: {verdict}; "
              f"median-based {ours[1] / peer[1]:.2f}×)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--settings", nargs="+", default=["A", "B"], choices=sorted(SETTINGS))
    args = parser.parse_args()
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, librosa {librosa.__version__}, "
          f"{os.cpu_count()} CPUs, {args.repeats} repetitions")
    for setting in args.settings:
        report(setting, measure(setting, args.repeats))


if __name__ == "__main__":
    main()
