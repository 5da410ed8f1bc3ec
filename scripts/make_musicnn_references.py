"""Make the musicnn parity references: the ORIGINAL musicnn 0.1.0 code, unchanged, run on clips made here.

Usage (from the repository root, in the project's environment):

    python scripts/make_musicnn_references.py --reference-python /tmp/musicnn-ref-venv/bin/python

The reference environment runs musicnn as published (see musicnn.md, "Running the original"):

    python3 -m venv /tmp/musicnn-ref-venv
    /tmp/musicnn-ref-venv/bin/pip install tensorflow-cpu==2.15.1 numpy==1.26.4 librosa==0.11.0
    /tmp/musicnn-ref-venv/bin/pip install --no-deps musicnn==0.1.0

This script (1) synthesises three deterministic clips and writes them as 16 kHz mono 16-bit WAVs, so
that musicnn's `librosa.load` neither resamples nor downmixes; (2) re-runs itself with
`--worker` under the reference Python, where it calls `musicnn.extractor.extractor(wav, model,
extract_features=True)` for all four models and `musicnn.extractor.batch_data` for the log-mel; and
(3) writes `tests/models/data/musicnn_references.npz`. numpy must be < 2 there: under numpy 2 the
original's `10000 * float16` overflows to inf (pitfall P1), and the worker refuses to run.

The worker wraps `tf.compat.v1.train.Saver.restore` to check, after musicnn's own restore, that every
variable of its graph equals the checkpoint tensor: musicnn hides a failed restore behind a bare
`except` (pitfall P2) and would otherwise produce references from random weights.

What is stored, per clip (`notes`, `drums`, `long`):

- `<clip>/pcm_sha256`: SHA-256 of the int16 samples, so the tests know they regenerated the same audio.
- `<clip>/mel_float16` (`notes` and `drums` only; frames × 96): musicnn's mel power after its
  `astype(np.float16)`. musicnn's log-mel is exactly `np.log10(10000 * mel.astype(np.float32) + 1)`
  of it (checked here against `batch_data`'s output, bit for bit), so storing the float16 mel is
  lossless and half the size of the float32 log-mel.
- `<clip>/<model>/taggram` (patches × 50, float32): the sigmoid outputs per 187-frame patch.
- `<clip>/<model>/embedding`: for the musicnn models the 200-d `penultimate` features of patch 0
  only (musicnn's extractor returns stale copies of patch 0 for later patches, pitfall P12); for the
  vgg models the flattened `pool5` of every patch (patches × 256, (time, freq, channel) order).
- `versions`: the reference environment's tensorflow, numpy, librosa and musicnn versions.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

SAMPLE_RATE = 16000
MODELS = ("MTT_musicnn", "MSD_musicnn", "MTT_vgg", "MSD_vgg")
OUTPUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "models", "data",
                      "musicnn_references.npz")
# Clips whose log-mel is stored (the long clip's would add ~360 KB).
LOGMEL_CLIPS = ("notes", "drums")


def _drum_kit(n, rng, bpm, swing=0.0):
    """A kick / snare / hi-hat pattern, `n` samples at 16 kHz."""
    t = np.arange(n) / SAMPLE_RATE
    y = np.zeros(n)
    beat = 60.0 / bpm
    eighth = beat / 2
    for index in range(int(t[-1] / eighth) + 1):
        start = index * eighth + (swing * eighth if index % 2 else 0.0)
        first = int(start * SAMPLE_RATE)
        if first >= n:
            break
        length = min(n - first, int(0.4 * SAMPLE_RATE))
        local = np.arange(length) / SAMPLE_RATE
        if index % 4 == 0:  # kick: a sine falling from 120 to 45 Hz
            phase = 2 * np.pi * (45 * local + 75 * (1 - np.exp(-local / 0.03)) * 0.03)
            y[first : first + length] += 0.9 * np.sin(phase) * np.exp(-local / 0.12)
        if index % 4 == 2:  # snare: noise and a 190 Hz body
            body = 0.3 * np.sin(2 * np.pi * 190 * local) * np.exp(-local / 0.05)
            y[first : first + length] += (0.5 * rng.standard_normal(length) * np.exp(-local / 0.06) + body)
        hat = min(length, int(0.05 * SAMPLE_RATE))  # hi-hat: differentiated noise, every eighth
        noise = np.diff(rng.standard_normal(hat + 1))
        y[first : first + hat] += 0.12 * noise * np.exp(-np.arange(hat) / SAMPLE_RATE / 0.01)
    return y


def _sawtooth_chords(n, rng, chord_seconds):
    """Band-limited sawtooth triads with a bass line, a new chord every `chord_seconds`."""
    t = np.arange(n) / SAMPLE_RATE
    y = np.zeros(n)
    roots = rng.choice([0, 3, 5, 7, 8, 10], size=int(np.ceil(n / SAMPLE_RATE / chord_seconds)))
    for index, root in enumerate(roots):
        segment = slice(int(index * chord_seconds * SAMPLE_RATE), min(n, int((index + 1) * chord_seconds
                                                                              * SAMPLE_RATE)))
        local = t[segment] - t[segment][0]
        envelope = np.minimum(1.0, local / 0.02) * np.exp(-local / (2 * chord_seconds))
        for interval in (0, 4, 7):
            f0 = 220.0 * 2 ** ((root + interval) / 12)
            for harmonic in range(1, int(7000 / f0)):
                y[segment] += 0.08 / harmonic * envelope * np.sin(2 * np.pi * harmonic * f0 * local)
        bass = 55.0 * 2 ** (root / 12)
        y[segment] += 0.3 * envelope * np.sin(2 * np.pi * bass * local)
    return y


def make_clips():
    """The three reference clips as int16 PCM at 16 kHz: `{name: (samples,) int16}`.

    - `notes`: `mirzoo.testing.harmonic_test_signal` (notes with harmonics and vibrato over pink
      noise, with a silent stretch), 12 s: 751 frames, 4 patches, 3 frames dropped.
    - `drums`: a 120 bpm drum pattern, 143,500 samples (8.97 s): exactly 561 frames = 3 patches,
      the last frame's window running 116 samples past the end.
    - `long`: chords, bass and a swung 96 bpm drum pattern, 30 s: 1876 frames, 10 patches.
    """
    from mirzoo.testing import harmonic_test_signal

    rng = np.random.default_rng(2019)
    clips = {
        "notes": harmonic_test_signal(SAMPLE_RATE, 12.0, seed=3).astype(np.float64),
        "drums": _drum_kit(143_500, rng, bpm=120),
    }
    long = 30 * SAMPLE_RATE
    clips["long"] = _sawtooth_chords(long, rng, chord_seconds=2.5) + _drum_kit(long, rng, bpm=96, swing=0.3)
    return {name: np.round(0.9 * y / np.abs(y).max() * 32767).astype(np.int16) for name, y in clips.items()}


def pcm_sha256(pcm):
    return hashlib.sha256(np.ascontiguousarray(pcm, dtype="<i2").tobytes()).hexdigest()


def write_wav(path, pcm):
    import soundfile

    soundfile.write(path, pcm, SAMPLE_RATE, subtype="PCM_16")


def _checked_restore():
    """Wrap `Saver.restore` so that every restored variable is compared with the checkpoint; returns a log."""
    import tensorflow as tf

    log = []
    original = tf.compat.v1.train.Saver.restore

    def restore(self, sess, save_path):
        try:
            original(self, sess, save_path)
            reader = tf.compat.v1.train.NewCheckpointReader(save_path)
            variables = tf.compat.v1.global_variables()
            for variable, value in zip(variables, sess.run(variables)):
                name = variable.op.name
                if not np.array_equal(value, reader.get_tensor(name)):
                    raise AssertionError(f"{name} differs from the checkpoint after restore")
            log.append(("ok", save_path, len(variables)))
        except Exception as error:  # musicnn swallows it: record it for the worker to re-raise
            log.append(("failed", save_path, repr(error)))
            raise

    tf.compat.v1.train.Saver.restore = restore
    return log


def worker(wav_dir, output):
    """Run in the reference environment: the original extractor on every clip and model."""
    import librosa
    import tensorflow as tf

    if int(np.__version__.split(".")[0]) >= 2:
        sys.exit(f"numpy {np.__version__}: musicnn's preprocessing overflows under numpy >= 2 (pitfall P1); "
                 "use numpy 1.26.4 in the reference environment.")
    from musicnn import configuration, extractor

    log = _checked_restore()
    results = {}
    for clip in sorted(name[:-4] for name in os.listdir(wav_dir) if name.endswith(".wav")):
        path = os.path.join(wav_dir, f"{clip}.wav")
        if clip in LOGMEL_CLIPS:
            # The mel power exactly as batch_data computes it, before its log; checked against its output.
            audio, rate = librosa.load(path, sr=configuration.SR)
            mel = librosa.feature.melspectrogram(y=audio, sr=rate, hop_length=configuration.FFT_HOP,
                                                 n_fft=configuration.FFT_SIZE, n_mels=configuration.N_MELS).T
            mel16 = mel.astype(np.float16)
            _, logmel = extractor.batch_data(path, 187, 187)
            if not np.array_equal(np.log10(10000 * mel16.astype(np.float32) + 1), logmel):
                raise AssertionError(f"{clip}: the float16 mel does not reproduce batch_data's log-mel")
            results[f"{clip}/mel_float16"] = mel16
        for model in MODELS:
            taggram, labels, features = extractor.extractor(path, model=model, extract_features=True)
            status = log[-1]
            if status[0] != "ok":
                raise RuntimeError(f"{model}: musicnn's restore failed silently: {status}")
            results[f"{clip}/{model}/taggram"] = taggram.astype(np.float32)
            if "vgg" in model:
                results[f"{clip}/{model}/embedding"] = features["pool5"].reshape(len(taggram), -1).astype(np.float32)
            else:
                results[f"{clip}/{model}/embedding"] = np.asarray(features["penultimate"][:1], np.float32)
            results[f"{clip}/{model}/labels"] = np.asarray(labels)
    from importlib.metadata import version

    import musicnn  # noqa: F401  (its version, for the record)

    results["versions"] = np.asarray(json.dumps({
        "tensorflow": tf.__version__, "numpy": np.__version__, "librosa": librosa.__version__,
        "musicnn": version("musicnn"),
    }))
    np.savez(output, **results)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference-python", default="/tmp/musicnn-ref-venv/bin/python",
                        help="python of the environment with the original musicnn (default: %(default)s)")
    parser.add_argument("--output", default=OUTPUT, help="the .npz to write (default: %(default)s)")
    parser.add_argument("--worker", nargs=2, metavar=("WAV_DIR", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    clips = make_clips()
    with tempfile.TemporaryDirectory() as directory:
        for name, pcm in clips.items():
            write_wav(os.path.join(directory, f"{name}.wav"), pcm)
        raw = os.path.join(directory, "reference.npz")
        subprocess.run([args.reference_python, os.path.abspath(__file__), "--worker", directory, raw], check=True,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""})
        results = dict(np.load(raw))
    for name, pcm in clips.items():
        results[f"{name}/pcm_sha256"] = np.asarray(pcm_sha256(pcm))
        results[f"{name}/samples"] = np.asarray(len(pcm))
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    np.savez_compressed(args.output, **results)
    print(f"wrote {args.output} ({os.path.getsize(args.output) / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
