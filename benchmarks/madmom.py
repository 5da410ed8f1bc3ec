"""madmom: mirzoo's madmom ports against madmom 0.17's own processors, on one file, in one run.

    python benchmarks/madmom.py [--minutes 3] [--repeats 3] [--long-minutes 60] [--skip-memory]
                                [--only NAME [NAME ...]]

The test file is `rhythmic_test_signal` at 44.1 kHz (madmom's rate), four pieces of a quarter of `--minutes`
each at other tempi and metres (120 bpm 4/4, 96 bpm 3/4, 140 bpm 4/4 without drums, 75 bpm 3/4), written as a
16-bit mono WAV (`round(32767 · x)`, as scripts/make_madmom_references.py) into a temporary folder; the piano
model reads a piano file of the same length instead, `piano_test_signal(44100, 60 · minutes, seed=0)` written
the same way. Each pair is madmom's processor and decoder against `mirzoo.predict` on that path:

- `dnn_chroma.madmom` (`.activations`): `DeepChromaProcessor()`;
- `cnn_onsets.madmom` (`.onsets`): `CNNOnsetProcessor()` + `OnsetPeakPickingProcessor(threshold=0.54,
  smooth=0.05, pre_max=0.01, post_max=0.01, combine=0.03, fps=100)`;
- `brnn_onsets.madmom` (`.onsets`): `RNNOnsetProcessor()` + `OnsetPeakPickingProcessor(threshold=0.35,
  smooth=0.07, …)`;
- `blstm_beats.madmom` (`.beats`): `RNNBeatProcessor()` + `DBNBeatTrackingProcessor(fps=100)`;
- `lstm_beats.madmom` (`.beats`): `RNNBeatProcessor(online=True, origin='online')` +
  `DBNBeatTrackingProcessor(fps=100)`, offline;
- `blstm_downbeats.madmom` (`.downbeats`): `RNNDownBeatProcessor()` +
  `DBNDownBeatTrackingProcessor(beats_per_bar=[3, 4], fps=100)`;
- `cnn_key.madmom` (`.key`): `CNNKeyRecognitionProcessor()` + `key_prediction_to_label`;
- `cnn_chords.madmom` (`.chords`): `CNNChordFeatureProcessor()` + `CRFChordRecognitionProcessor()`;
- `dnn_chroma.madmom_chords` (`.chords`): `DeepChromaProcessor()` + `DeepChromaChordRecognitionProcessor()`;
- `cnn_piano.madmom` (`.notes`, on the piano file): `CNNPianoNoteProcessor()` + `ADSRNoteTrackingProcessor()`.

`--only` runs some of them (preset names), or `analysis`: `mirzoo.analysis.Analyzer` with the tasks of
`mirzoo.analysis.analyze` (key, beats, chords, onsets and tags; and the same without tags) against the madmom
processors that answer the same questions, one after the other on the file, each reading it
(`CNNKeyRecognitionProcessor`; `RNNDownBeatProcessor` + `DBNDownBeatTrackingProcessor(beats_per_bar=[3, 4],
fps=100)`; `DeepChromaProcessor` + `DeepChromaChordRecognitionProcessor`; `CNNOnsetProcessor` + the peak picking
above). madmom has no tagger: its chain answers everything but tags. Cold (a fresh process: import,
`Analyzer(...)`, one call) and warm as below, `analyze(path)` (which loads the models on every call) warm as well,
and where each spends its time (mirzoo: the `on_progress` calls between its steps, after decoding and after each
model).

Measures:

- end to end, file path in, events out, decoding included. Models and processors are loaded before any timing
  (madmom's processors and decoders constructed once, as its programs do; mirzoo's pickles converted into the
  cache first, the conversion excluded). **cold**: mirzoo's first `predict` in a fresh process (Keras tracing
  included; import and `mirzoo.load` reported apart); madmom's first
  call in this process (madmom compiles nothing). **warm**: `--repeats` calls after that, in this process,
  interleaved model by model with madmom's so that a change in load hits both; median (min).
  madmom is called stage by stage (its processor's stages before the network, the network, the decoder: the
  calls `processor(path)` makes, in the same order), which also gives its network-only time.
- network only, on madmom's own features of that file: madmom's `NeuralNetworkEnsemble` / `NeuralNetwork`
  stage (and the steps between it and the decoder: the chord CNN's superframe average, the key CNN's softmax)
  against mirzoo's network: recurrent ensembles `EnsembleRunner(model)(features)` (the runner `predict` uses);
  the others a sub-model from the output of a layer of the model to its output, one `predict_on_batch` on the
  whole file (the deep chroma from `flatten_context`, fed madmom's flattened 15-frame context windows; the CNNs
  from `frontend`, fed madmom's spectrograms without the edge padding madmom adds before its network, 7 frames
  for onsets, 11 for chords, 5 for piano, which the sub-model's `pad_frames` adds), and the largest difference of
  the two networks' outputs.
- where the time goes (warm medians): madmom decode (`Signal(path)` alone), features, network, decoder;
  mirzoo decode (`stream_audio` alone), front end (the chunked front end, less decoding), network (recurrence,
  the key CNN on the whole spectrogram, or the chunked model less its front end) and decoder: the pieces
  `predict` runs, timed one by one.
- no output changed: events compared exactly (beat, onset and note times, chord segments, the key's label),
  activations' (the key's probabilities') largest absolute difference, from the file path
  (madmom reads int16 as x / 32767, mirzoo x / 32768) and from the same audio (mirzoo given the samples / 32767
  as an array); and mirzoo's front end against madmom's features on the same audio.
- peak memory on a `--long-minutes` file (the test file written over and over, block by block): one fresh process
  per preset runs `mirzoo.predict(name, path)` once; its peak RSS is `VmHWM` of /proc/self/status, not
  `getrusage().ru_maxrss`, which Linux carries over from the parent across fork and exec (see README). The same
  process on the short file gives the cold time above, and the slope between the two the bytes that stay per
  frame. madmom's RNNBeatProcessor + DBN gets the same on the short file and twice its length; its run on the
  long file is done only when that line predicts under `--madmom-rss-limit` MB and `--rss-timeout` seconds,
  and it is killed when it passes either.
"""

import argparse
import dataclasses
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# This file is itself named madmom.py: take its folder off the path so that `import madmom` finds the package.
sys.path[:] = [path for path in sys.path if os.path.abspath(path or os.curdir) != HERE]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SAMPLE_RATE = 44100
# (bpm, beats per bar, drums) of the pieces of the test file, piece i drawn with seed i.
PIECES = ((120.0, 4, True), (96.0, 3, True), (140.0, 4, False), (75.0, 3, True))
# Peak picking of madmom's CNNOnsetDetector and OnsetDetector programs (scripts/make_madmom_references.py).
CNN_PEAK_PICKING = {"threshold": 0.54, "smooth": 0.05, "pre_max": 0.01, "post_max": 0.01, "combine": 0.03, "fps": 100}
RNN_PEAK_PICKING = {"threshold": 0.35, "smooth": 0.07, "pre_max": 0.01, "post_max": 0.01, "combine": 0.03, "fps": 100}
TARGET = 10.0


@dataclasses.dataclass(frozen=True)
class Pair:
    preset: str
    madmom: str  # the madmom calls, as printed
    events: str | None  # the result attribute compared with the decoder's output
    network_input: str | None  # non-recurrent models: the layer whose output the network-only sub-model starts from
    edge_frames: int = 0  # frames madmom pads its features with on each side before the network
    signal: str = "rhythmic"  # the test file it reads: "rhythmic" or "piano"


PAIRS = (
    Pair("dnn_chroma.madmom", "DeepChromaProcessor", None, "flatten_context"),
    # madmom's _cnn_onset_processor_pad repeats the first and last frame 7 times.
    Pair("cnn_onsets.madmom", "CNNOnsetProcessor + OnsetPeakPicking(0.54, 0.05)", "onsets", "frontend", 7),
    Pair("brnn_onsets.madmom", "RNNOnsetProcessor + OnsetPeakPicking(0.35, 0.07)", "onsets", None),
    Pair("blstm_beats.madmom", "RNNBeatProcessor + DBNBeatTracking", "beats", None),
    Pair("lstm_beats.madmom", "RNNBeatProcessor(online, origin='online') + offline DBN", "beats", None),
    Pair("blstm_downbeats.madmom", "RNNDownBeatProcessor + DBNDownBeatTracking([3, 4])", "downbeats", None),
    Pair("cnn_key.madmom", "CNNKeyRecognitionProcessor + key_prediction_to_label", "key", "frontend"),
    # madmom's _cnncfp_pad adds 11 frames of zeros on each side.
    Pair("cnn_chords.madmom", "CNNChordFeatureProcessor + CRFChordRecognition", "chords", "frontend", 11),
    Pair("dnn_chroma.madmom_chords", "DeepChromaProcessor + DeepChromaChordRecognition", "chords", "flatten_context"),
    # madmom's notes._cnn_pad repeats the first and last frame 5 times.
    Pair("cnn_piano.madmom", "CNNPianoNoteProcessor + ADSRNoteTracking (piano file)", "notes", "frontend", 5,
         "piano"),
)
CHROMA_CONTEXT = 15  # DeepChromaProcessor's network reads 15 spectrogram frames centred on its own
ANALYSIS = "analysis"  # the --only name of the analyze comparison
ANALYSIS_TASKS = {"with tags": ("key", "beats", "chords", "onsets", "tags"),
                  "without tags": ("key", "beats", "chords", "onsets")}


def import_madmom():
    """madmom through mirzoo/testing/madmom.py, loaded as a lone file: the `mirzoo.testing` package imports Keras,
    which would add about 700 MB to the RSS of the madmom-only memory process."""
    spec = importlib.util.spec_from_file_location("_madmom_import", os.path.join(ROOT, "mirzoo", "testing",
                                                                                 "madmom.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.import_madmom()


def memory_mb():
    """`(VmRSS, VmHWM)` of this process in MB."""
    return proc_memory_mb(os.getpid())


def proc_memory_mb(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def test_signal(minutes):
    """int16 `(samples,)`: the pieces of PIECES, a quarter of `minutes` each."""
    import numpy as np

    from mirzoo.testing.signals import rhythmic_test_signal

    seconds = 60.0 * minutes / len(PIECES)
    pieces = [rhythmic_test_signal(SAMPLE_RATE, seconds, bpm=bpm, beats_per_bar=metre, drums=drums, seed=seed)
              for seed, (bpm, metre, drums) in enumerate(PIECES)]
    return np.round(np.concatenate(pieces).astype(np.float64) * 32767).astype(np.int16)


def piano_signal(minutes):
    """int16 `(samples,)`: `piano_test_signal` of `minutes`, seed 0."""
    import numpy as np

    from mirzoo.testing.signals import piano_test_signal

    return np.round(piano_test_signal(SAMPLE_RATE, 60.0 * minutes, seed=0).astype(np.float64) * 32767).astype(
        np.int16)


def write_wav(path, pcm, times=1):
    """`pcm` written `times` over into one 16-bit WAV, one copy at a time."""
    import soundfile

    with soundfile.SoundFile(path, "w", SAMPLE_RATE, 1, "PCM_16") as handle:
        for _ in range(times):
            handle.write(pcm)


def madmom_processors(presets):
    """`{preset: (processor, decoder or None)}` for `presets`, constructed (their pickles loaded) once."""
    from madmom.audio.chroma import DeepChromaProcessor
    from madmom.features.beats import DBNBeatTrackingProcessor, RNNBeatProcessor
    from madmom.features.chords import (
        CNNChordFeatureProcessor,
        CRFChordRecognitionProcessor,
        DeepChromaChordRecognitionProcessor,
    )
    from madmom.features.downbeats import DBNDownBeatTrackingProcessor, RNNDownBeatProcessor
    from madmom.features.key import CNNKeyRecognitionProcessor, key_prediction_to_label
    from madmom.features.notes import ADSRNoteTrackingProcessor, CNNPianoNoteProcessor
    from madmom.features.onsets import CNNOnsetProcessor, OnsetPeakPickingProcessor, RNNOnsetProcessor

    constructors = {
        "dnn_chroma.madmom": lambda: (DeepChromaProcessor(), None),
        "cnn_onsets.madmom": lambda: (CNNOnsetProcessor(), OnsetPeakPickingProcessor(**CNN_PEAK_PICKING)),
        "brnn_onsets.madmom": lambda: (RNNOnsetProcessor(), OnsetPeakPickingProcessor(**RNN_PEAK_PICKING)),
        "blstm_beats.madmom": lambda: (RNNBeatProcessor(), DBNBeatTrackingProcessor(fps=100)),
        "lstm_beats.madmom": lambda: (RNNBeatProcessor(online=True, origin="online"),
                                      DBNBeatTrackingProcessor(fps=100)),
        "blstm_downbeats.madmom": lambda: (RNNDownBeatProcessor(),
                                           DBNDownBeatTrackingProcessor(beats_per_bar=[3, 4], fps=100)),
        "cnn_key.madmom": lambda: (CNNKeyRecognitionProcessor(), key_prediction_to_label),
        "cnn_chords.madmom": lambda: (CNNChordFeatureProcessor(), CRFChordRecognitionProcessor()),
        "dnn_chroma.madmom_chords": lambda: (DeepChromaProcessor(), DeepChromaChordRecognitionProcessor()),
        "cnn_piano.madmom": lambda: (CNNPianoNoteProcessor(), ADSRNoteTrackingProcessor()),
    }
    return {preset: constructors[preset]() for preset in presets}


def madmom_layout(pair, activations):
    """madmom's network output in mirzoo's layout: the piano CNN's `(frames, 88, [note, onset, offset])` as
    `(frames, [88 notes | 88 onsets | 88 offsets])`; the others as they are."""
    import numpy as np

    if pair.events != "notes":
        return activations
    activations = np.asarray(activations)
    return activations.transpose(0, 2, 1).reshape(len(activations), -1)


def madmom_events(kind, events):
    """madmom's decoder output in the form of mirzoo's: chord segments as `(start, end, label)` tuples, notes as
    rows `[onset, offset, pitch]` (madmom's are `[onset, pitch, duration]`); the key's label and the rest as
    they are."""
    import numpy as np

    if kind == "chords":
        return [(float(start), float(end), str(label))
                for start, end, label in zip(events["start"], events["end"], events["label"])]
    if kind == "notes":
        onset, pitch, duration = np.asarray(events, np.float64).reshape(-1, 3).T
        return np.stack([onset, onset + duration, pitch], axis=1)
    return events


def mirzoo_events(pair, result):
    """`result`'s events named by `pair.events`, chord segments as plain `(start, end, label)` tuples."""
    events = getattr(result, pair.events)
    if pair.events == "chords":
        return [(float(start), float(end), str(label)) for start, end, label in events]
    return events


def result_activations(result):
    """A frame model's activations, or a classifier's probabilities."""
    return result.activations if hasattr(result, "activations") else result.probabilities


class MadmomPipeline:
    """A madmom processor cut in front of its network, and its decoder: the calls `processor(path)` makes."""

    def __init__(self, processor, decoder):
        from madmom.ml.nn import NeuralNetwork, NeuralNetworkEnsemble
        from madmom.processors import SequentialProcessor

        stages = list(processor.processors)
        first = next(i for i, stage in enumerate(stages) if isinstance(stage, (NeuralNetwork, NeuralNetworkEnsemble)))
        self.features = SequentialProcessor(stages[:first])
        self.network = SequentialProcessor(stages[first:])
        self.decoder = decoder

    def __call__(self, path):
        """`(seconds per stage, features, activations, events)`."""
        from madmom.audio.signal import Signal

        start = time.perf_counter()
        Signal(path, num_channels=1)
        decoded = time.perf_counter()
        features = self.features(path)
        featured = time.perf_counter()
        activations = self.network(features)
        networked = time.perf_counter()
        events = None if self.decoder is None else self.decoder(activations)
        done = time.perf_counter()
        seconds = {"decode": decoded - start, "features": featured - decoded, "network": networked - featured,
                   "decoder": done - networked}
        seconds["end_to_end"] = seconds["features"] + seconds["network"] + seconds["decoder"]
        return seconds, features, activations, events


class MirzooPipeline:
    """A loaded preset, with the pieces `mirzoo.predict` runs for it and its network alone."""

    def __init__(self, pair):
        import keras

        import mirzoo
        from mirzoo.inference import _sequence_parts, front_end_and_network
        from mirzoo.sequences import is_recurrent_ensemble

        self.pair = pair
        self.model = mirzoo.load(pair.preset)
        self.preset = self.model.preset
        self.recurrent = is_recurrent_ensemble(self.model)
        self.classifier = self.preset.task == "classification"  # the key CNN: the whole spectrogram at once
        if self.recurrent:
            self.frontend, self.runner = _sequence_parts(self.model)  # the front end and runner predict uses
            self.network = self.runner
        else:
            self.frontend = front_end_and_network(self.model)[0]  # the front end a classifier's predict uses
            sub_model = keras.Model(self.model.get_layer(pair.network_input).output, self.model.outputs[0])
            self.network = lambda features: sub_model.predict_on_batch(features[None])[0]

    def network_input(self, madmom_features):
        import numpy as np

        features = np.asarray(madmom_features, np.float32)
        edge = self.pair.edge_frames
        return features[edge:-edge] if edge else features

    def frontend_difference(self, madmom_features, waveform):
        """Largest difference between madmom's features and mirzoo's front end on the same `waveform` (chunked as
        `predict` does); for dnn_chroma, the middle frame of madmom's 15-frame context windows."""
        import numpy as np

        from mirzoo.inference import _frames

        theirs = self.network_input(madmom_features)
        if self.pair.network_input == "flatten_context":
            theirs = theirs.reshape(len(theirs), CHROMA_CONTEXT, -1)[:, CHROMA_CONTEXT // 2]
        features, _ = _frames(self.frontend, self.preset, iter([waveform]))
        return float(np.abs(features - theirs).max()) if features.shape == theirs.shape else float("nan")

    def predict(self, audio):
        import mirzoo

        if isinstance(audio, str):
            return mirzoo.predict(self.model, audio)
        return mirzoo.predict(self.model, audio, sample_rate=SAMPLE_RATE)

    def split(self, path):
        """Seconds of decoding, front end, network and decoder, each as `predict` runs it (a classifier's decoder,
        the argmax, is part of its network call)."""
        from mirzoo.audio import stream_audio
        from mirzoo.inference import _events, _frames, classify_features

        rate = self.preset.sample_rate
        start = time.perf_counter()
        for _ in stream_audio(path, rate):
            pass
        decoded = time.perf_counter()
        features, total = _frames(self.frontend, self.preset, stream_audio(path, rate))
        featured = time.perf_counter()
        if self.recurrent:
            activations = self.runner(features)
        elif self.classifier:
            classify_features(self.model, self.preset, features, total)
        else:  # the whole model over the chunks, decoding and front end included
            activations, _ = _frames(self.model, self.preset, stream_audio(path, rate))
        networked = time.perf_counter()
        if not self.classifier:
            _events(self.model, self.preset, activations)
        done = time.perf_counter()
        decode, frontend_with_decode = decoded - start, featured - decoded
        chunked_model = not (self.recurrent or self.classifier)
        network = networked - featured - (frontend_with_decode if chunked_model else 0.0)
        return {"decode": decode, "frontend": frontend_with_decode - decode, "network": network,
                "decoder": done - networked}


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def run_child(arguments, directory, timeout, rss_limit_mb=None):
    """Run this script with `arguments` in a fresh process, watching its peak RSS; its JSON line, or what stopped
    it (`{"stopped": why, "seconds", "peak_mb"}`): a run past `timeout` seconds or `rss_limit_mb` is killed."""
    out, err = (os.path.join(directory, f"child.{name}") for name in ("out", "err"))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    with open(out, "w") as stdout, open(err, "w") as stderr:
        process = subprocess.Popen([sys.executable, os.path.abspath(__file__), *arguments], stdout=stdout,
                                   stderr=stderr, env=env, cwd=ROOT)
        start, peak, stopped = time.perf_counter(), 0.0, None
        while process.poll() is None:
            try:
                peak = proc_memory_mb(process.pid)[1]
            except (FileNotFoundError, ProcessLookupError):  # it has just ended
                pass
            if time.perf_counter() - start > timeout:
                stopped = f"killed after {timeout} s"
            elif rss_limit_mb is not None and peak > rss_limit_mb:
                stopped = f"killed at {peak:,.0f} MB (limit {rss_limit_mb:,} MB)"
            if stopped:
                process.kill()
                process.wait()
                break
            time.sleep(0.25)
    seconds = time.perf_counter() - start
    with open(out) as stdout, open(err) as stderr:
        lines, error = stdout.read().strip().splitlines(), stderr.read().strip().splitlines()
    if stopped:
        return {"stopped": stopped, "seconds": seconds, "peak_mb": peak}
    if process.returncode != 0 or not lines:
        return {"stopped": f"failed (exit {process.returncode}): {error[-1:]}", "seconds": seconds, "peak_mb": peak}
    return json.loads(lines[-1])


def mirzoo_child(preset, path):
    """Import mirzoo, load `preset`, time one `predict` on `path`; print one JSON line."""
    start = time.perf_counter()
    import mirzoo
    from mirzoo.inference import frame_count

    model = mirzoo.load(preset)
    loaded = time.perf_counter()
    baseline, _ = memory_mb()
    result = mirzoo.predict(model, path)
    done = time.perf_counter()
    _, peak = memory_mb()
    rate = model.preset.sample_rate
    frames = (len(result.activations) if hasattr(result, "activations")
              else frame_count(model.preset, round(result.duration * rate)))  # the key CNN's spectrogram frames
    print(json.dumps({"load": loaded - start, "seconds": done - loaded, "baseline_mb": baseline, "peak_mb": peak,
                      "frames": frames}))


def analysis_child(tasks, path):
    """Import mirzoo, make an `Analyzer(tasks)`, analyse `path` once; print one JSON line."""
    start = time.perf_counter()
    from mirzoo.analysis import Analyzer

    analyzer = Analyzer(tasks.split(","))
    loaded = time.perf_counter()
    baseline, _ = memory_mb()
    analyzer(path)
    done = time.perf_counter()
    _, peak = memory_mb()
    print(json.dumps({"load": loaded - start, "seconds": done - loaded, "baseline_mb": baseline, "peak_mb": peak}))


def madmom_child(path):
    """madmom's RNNBeatProcessor + DBNBeatTrackingProcessor(fps=100) on `path`; print one JSON line."""
    import_madmom()
    from madmom.features.beats import DBNBeatTrackingProcessor, RNNBeatProcessor

    processor, decoder = RNNBeatProcessor(), DBNBeatTrackingProcessor(fps=100)
    baseline, _ = memory_mb()
    start = time.perf_counter()
    activations = processor(path)
    decoder(activations)
    seconds = time.perf_counter() - start
    _, peak = memory_mb()
    print(json.dumps({"seconds": seconds, "baseline_mb": baseline, "peak_mb": peak, "frames": len(activations)}))


def compare_events(theirs, ours):
    """'identical', or how the two event arrays (key labels, chord segment lists) differ."""
    import numpy as np

    if isinstance(theirs, str):
        return "identical" if theirs == ours else f"DIFFER: {theirs} vs {ours}"
    if isinstance(theirs, list):  # chord segments (start, end, label)
        if len(theirs) != len(ours):
            return f"DIFFER: {len(theirs)} vs {len(ours)} segments"
        labels = sum(a[2] != b[2] for a, b in zip(theirs, ours))
        times = [a[:2] for a in theirs], [b[:2] for b in ours]
        if not labels and times[0] == times[1]:
            return "identical"
        return f"DIFFER: {labels} labels of {len(theirs)}, max |Δ| times {np.abs(np.subtract(*times)).max():.3g}"
    theirs, ours = np.asarray(theirs, np.float64), np.asarray(ours, np.float64)
    if theirs.shape != ours.shape:
        return f"DIFFER: {len(theirs)} vs {len(ours)}"
    if np.array_equal(theirs, ours):
        return "identical"
    return f"DIFFER: {int(np.sum(np.any((theirs != ours).reshape(len(theirs), -1), axis=1)))} of {len(theirs)}, " \
           f"max |Δ| {np.abs(theirs - ours).max():.3g}"


def event_count(events):
    """How many events, or the key's label."""
    return events if isinstance(events, str) else len(events)


def max_difference(theirs, ours):
    import numpy as np

    ours = np.asarray(ours, np.float64)
    theirs = np.asarray(theirs, np.float64).reshape(ours.shape) if np.size(theirs) == ours.size else None
    return float("nan") if theirs is None else float(np.abs(theirs - ours).max())


def median(values):
    return statistics.median(values)


def seconds_cell(values):
    return f"{median(values):.2f} ({min(values):.2f})"


def ratio_cell(theirs, ours, fastest=None):
    """`theirs / ours`, then the ratio of the fastest calls `fastest = (theirs, ours)` if given, and MISSES when
    the first is under the target."""
    ratio = theirs / ours
    cell = f"{ratio:.1f}×" + ("" if fastest is None else f" ({fastest[0] / fastest[1]:.1f}×)")
    return cell + ("" if ratio >= TARGET else " MISSES")


def load_average():
    return f"{os.getloadavg()[0]:.2f}"


def print_table(header, rows):
    print("| " + " | ".join(name for name, _ in header) + " |")
    print("|" + "|".join("---:" if right else "---" for _, right in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="length of the timed test file")
    parser.add_argument("--repeats", type=int, default=3, help="warm calls per model, after the first")
    parser.add_argument("--long-minutes", type=int, default=60, help="length of the memory test file (whole minutes)")
    parser.add_argument("--skip-memory", action="store_true", help="no peak-memory runs on the long file")
    parser.add_argument("--rss-timeout", type=int, default=300, help="seconds a memory process may run")
    parser.add_argument("--madmom-rss-limit", type=int, default=12000, help="MB madmom's long run may reach")
    names = [pair.preset for pair in PAIRS] + [ANALYSIS]
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME",
                        help=f"run only these presets and/or '{ANALYSIS}' (the analyze comparison); default all: "
                             + ", ".join(names))
    parser.add_argument("--mirzoo-child", nargs=2, metavar=("PRESET", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--madmom-child", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--analysis-child", nargs=2, metavar=("TASKS", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.mirzoo_child:
        mirzoo_child(*args.mirzoo_child)
        return 0
    if args.madmom_child:
        madmom_child(args.madmom_child)
        return 0
    if args.analysis_child:
        analysis_child(*args.analysis_child)
        return 0
    if args.repeats < 3:
        parser.error(f"--repeats must be at least 3 for a median of warm calls; received {args.repeats}")
    if args.long_minutes % args.minutes and not args.skip_memory:
        parser.error(f"--long-minutes ({args.long_minutes}) must be a multiple of --minutes ({args.minutes:g}): "
                     "the long file repeats the test file")

    with tempfile.TemporaryDirectory(prefix="mirzoo-madmom-bench-") as directory:
        return run(args, directory)


def run(args, directory):
    """The benchmark proper; every file it writes goes into `directory`."""
    began = time.perf_counter()
    load_at_start = load_average()
    import keras
    import numpy as np
    import tensorflow as tf

    import mirzoo

    madmom = import_madmom()
    only = set(args.only or [pair.preset for pair in PAIRS] + [ANALYSIS])
    pairs = [pair for pair in PAIRS if pair.preset in only]
    # {signal: (int16 samples, path, the float32 samples madmom computes on)}
    signals = {}
    for name, make in (("rhythmic", test_signal), ("piano", piano_signal)):
        if name == "rhythmic" or any(pair.signal == name for pair in pairs):
            pcm = make(args.minutes)
            path = os.path.join(directory, f"{name}.wav")
            write_wav(path, pcm)
            signals[name] = (pcm, path, pcm.astype(np.float32) / np.float32(32767))
    pcm, path, _ = signals["rhythmic"]

    # Load everything before timing: mirzoo converts madmom's pickles into its cache on first use.
    ours = {pair.preset: MirzooPipeline(pair) for pair in pairs}
    theirs = {preset: MadmomPipeline(*processors)
              for preset, processors in madmom_processors([pair.preset for pair in pairs]).items()}

    cold = {pair.preset: run_child(["--mirzoo-child", pair.preset, signals[pair.signal][1]], directory,
                                   args.rss_timeout)
            for pair in pairs}
    load_after_cold = load_average()

    # Round 0: madmom's cold calls and mirzoo's warm-up (tracing of the predict functions and sub-models).
    timings = {pair.preset: {"madmom": [], "predict": [], "split": [], "network": []} for pair in pairs}
    outputs = {}
    for round_index in range(args.repeats + 1 if pairs else 0):
        for pair in pairs:
            record, pair_path = timings[pair.preset], signals[pair.signal][1]
            stages, features, activations, events = theirs[pair.preset](pair_path)
            seconds, result = timed(ours[pair.preset].predict, pair_path)
            split = ours[pair.preset].split(pair_path)
            network_input = ours[pair.preset].network_input(features)
            network_seconds, network_output = timed(ours[pair.preset].network, network_input)
            if round_index == 0:
                record["madmom_cold"] = stages
                outputs[pair.preset] = (madmom_layout(pair, activations), events, result, network_output,
                                        np.shape(features),
                                        ours[pair.preset].frontend_difference(features, signals[pair.signal][2]))
                continue
            record["madmom"].append(stages)
            record["predict"].append(seconds)
            record["split"].append(split)
            record["network"].append(network_seconds)
    load_after_timing = load_average()

    same = {pair.preset: ours[pair.preset].predict(signals[pair.signal][2]) for pair in pairs}
    frames = len(pcm)
    print(f"# madmom {madmom.__version__} vs mirzoo {mirzoo.__version__}\n")
    print(f"{args.minutes:g}-minute 44.1 kHz 16-bit mono WAV ({frames / SAMPLE_RATE:.0f} s, pieces at "
          + ", ".join(f"{bpm:g} bpm {metre}/4{'' if drums else ' no drums'}" for bpm, metre, drums in PIECES)
          + ("; `cnn_piano.madmom` on `piano_test_signal(44100, "
             f"{60 * args.minutes:g}, seed=0)` instead" if "piano" in signals else "")
          + f"); {args.repeats} warm calls after a first one; seconds as median (min)")
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, numpy {np.__version__}, Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs ({platform.machine()}); load average "
          f"{load_at_start} at start, {load_after_cold} after the cold runs, {load_after_timing} after the warm runs\n")
    if pairs:
        print_pairs(pairs, timings, cold, outputs, same, ours)
    if ANALYSIS in only:
        analysis(args, path, directory)
    if not args.skip_memory and pairs:
        memory(args, pairs, signals, directory, cold, timings)
    minutes, seconds = divmod(round(time.perf_counter() - began), 60)
    print(f"load average {load_average()} at the end; run time {minutes} min {seconds} s")
    return 0


def print_pairs(pairs, timings, cold, outputs, same, ours):
    """The tables of the preset pairs: end to end, network only, where the time goes, no output changed."""
    print("## End to end (file path in, events out)\n")
    rows = []
    for pair in pairs:
        record, child = timings[pair.preset], cold[pair.preset]
        madmom_warm = [stages["end_to_end"] for stages in record["madmom"]]
        madmom_cold = record["madmom_cold"]["end_to_end"]
        if "stopped" in child:
            cold_cells = [f"{child['stopped']}", "", "", ""]
        else:
            cold_cells = [f"{child['load']:.1f}", f"{child['seconds']:.2f}", f"{madmom_cold:.2f}",
                          ratio_cell(madmom_cold, child["seconds"])]
        rows.append([f"`{pair.preset}`", pair.madmom, cold_cells[0], cold_cells[2], cold_cells[1], cold_cells[3],
                     seconds_cell(madmom_warm), seconds_cell(record["predict"]),
                     ratio_cell(median(madmom_warm), median(record["predict"]),
                                (min(madmom_warm), min(record["predict"])))])
    print_table([("mirzoo preset", False), ("madmom", False), ("mirzoo import + load s", True),
                 ("madmom cold s", True), ("mirzoo cold s", True), ("cold madmom ÷ mirzoo", True),
                 ("madmom warm s", True), ("mirzoo warm s", True), ("warm madmom ÷ mirzoo, median (min)", True)], rows)
    print(f"Target: ≥ {TARGET:g}× faster than madmom end to end for every model; MISSES marks the ratios below it "
          "(warm: the ratio of medians; in brackets the ratio of the fastest calls, least disturbed by other load).\n")

    print("## Network only, on madmom's features of the file\n")
    rows = []
    for pair in pairs:
        record = timings[pair.preset]
        madmom_network = [stages["network"] for stages in record["madmom"]]
        activations, _, _, network_output, features_shape, _ = outputs[pair.preset]
        kind = ("EnsembleRunner" if ours[pair.preset].recurrent
                else f"sub-model `{pair.network_input}` → output")
        rows.append([f"`{pair.preset}`", kind, " × ".join(map(str, features_shape)),
                     seconds_cell(madmom_network), seconds_cell(record["network"]),
                     f"{median(madmom_network) / median(record['network']):.1f}×",
                     f"{max_difference(activations, network_output):.1e}"])
    print_table([("mirzoo preset", False), ("mirzoo network", False), ("madmom features", True),
                 ("madmom network s", True), ("mirzoo network s", True), ("madmom ÷ mirzoo", True),
                 ("max |Δ| outputs", True)], rows)

    print("## Where the time goes (warm medians, seconds)\n")
    rows = []
    for pair in pairs:
        record = timings[pair.preset]
        theirs_split = {name: median([stages[name] for stages in record["madmom"]])
                        for name in ("decode", "features", "network", "decoder")}
        ours_split = {name: median([split[name] for split in record["split"]])
                      for name in ("decode", "frontend", "network", "decoder")}
        rows.append([f"`{pair.preset}`", f"{theirs_split['decode']:.2f}", f"{theirs_split['features']:.2f}",
                     f"{theirs_split['network']:.2f}", f"{theirs_split['decoder']:.3f}",
                     f"{ours_split['decode']:.2f}", f"{ours_split['frontend']:.2f}", f"{ours_split['network']:.2f}",
                     f"{ours_split['decoder']:.3f}", f"{sum(ours_split.values()):.2f}",
                     f"{median(record['predict']):.2f}"])
    print_table([("mirzoo preset", False), ("madmom decode", True), ("madmom features (incl. decode)", True),
                 ("madmom network", True), ("madmom decoder", True), ("mirzoo decode", True),
                 ("mirzoo front end", True), ("mirzoo network", True), ("mirzoo decoder", True),
                 ("mirzoo sum", True), ("mirzoo predict", True)], rows)

    print("## No output changed\n")
    rows = []
    for pair in pairs:
        activations, events, result, _, _, frontend_difference = outputs[pair.preset]
        row = [f"`{pair.preset}`", f"{max_difference(activations, result_activations(result)):.1e}",
               f"{max_difference(activations, result_activations(same[pair.preset])):.1e}",
               f"{frontend_difference:.1e}"]
        if pair.events is None:
            row += ["(activations only)", "", ""]
        else:
            events = madmom_events(pair.events, events)
            row += [f"{event_count(events)} / {event_count(mirzoo_events(pair, result))}",
                    compare_events(events, mirzoo_events(pair, result)),
                    compare_events(events, mirzoo_events(pair, same[pair.preset]))]
        rows.append(row)
    print_table([("mirzoo preset", False), ("max |Δ| activations, file", True),
                 ("max |Δ| activations, same audio", True), ("max |Δ| features, same audio", True),
                 ("events madmom / mirzoo (file)", True),
                 ("events, file", False), ("events, same audio", False)], rows)


class MadmomAnalysis:
    """madmom's processors that answer what `mirzoo.analysis.analyze` answers but tags, run one after the other
    on a file (each reads it): key; beats and downbeats; chords; onsets."""

    def __init__(self):
        from madmom.audio.chroma import DeepChromaProcessor
        from madmom.features.chords import DeepChromaChordRecognitionProcessor
        from madmom.features.downbeats import DBNDownBeatTrackingProcessor, RNNDownBeatProcessor
        from madmom.features.key import CNNKeyRecognitionProcessor, key_prediction_to_label
        from madmom.features.onsets import CNNOnsetProcessor, OnsetPeakPickingProcessor

        self.steps = {
            "key": (CNNKeyRecognitionProcessor(), key_prediction_to_label),
            "beats": (RNNDownBeatProcessor(), DBNDownBeatTrackingProcessor(beats_per_bar=[3, 4], fps=100)),
            "chords": (DeepChromaProcessor(), DeepChromaChordRecognitionProcessor()),
            "onsets": (CNNOnsetProcessor(), OnsetPeakPickingProcessor(**CNN_PEAK_PICKING)),
        }

    def __call__(self, path):
        """`({task: seconds}, {task: answer})`."""
        seconds, answers = {}, {}
        for task, (processor, decoder) in self.steps.items():
            start = time.perf_counter()
            answers[task] = decoder(processor(path))
            seconds[task] = time.perf_counter() - start
        return seconds, answers


def timed_analysis(analyzer, path):
    """`(seconds per step, analysis)` of `analyzer(path)`: decoding (and resampling), then each model run in the
    analyzer's order, from the times of its `on_progress` calls."""
    marks = []
    start = time.perf_counter()
    result = analyzer(path, on_progress=lambda fraction: marks.append(time.perf_counter()))
    done = time.perf_counter()
    # on_progress is called after decoding, then after each model not reading another's features (those run
    # with the model whose features they read: the key CNN with the deep chroma).
    steps = ["decode"] + ["+".join([task] + [c for c, (p, _) in analyzer.shared.items() if p == task])
                          for task in analyzer.tasks if task not in analyzer.shared]
    times = [start] + marks[: len(steps)]
    seconds = {step: end - begin for step, begin, end in zip(steps, times, times[1:])}
    seconds["total"] = done - start
    return seconds, result


def analysis(args, path, directory):
    """mirzoo.analysis.Analyzer (and analyze) against madmom's processors for the same questions."""
    from mirzoo.analysis import Analyzer, analyze

    load_before = load_average()
    theirs = MadmomAnalysis()
    analyzers = {name: Analyzer(tasks) for name, tasks in ANALYSIS_TASKS.items()}
    cold = {name: run_child(["--analysis-child", ",".join(tasks), path], directory, args.rss_timeout)
            for name, tasks in ANALYSIS_TASKS.items()}
    # Round 0: madmom's cold call, the analyzers' warm-up; then madmom's and mirzoo's calls interleaved.
    madmom_seconds, ours_seconds, analyze_seconds, results = [], {name: [] for name in analyzers}, [], {}
    for round_index in range(args.repeats + 1):
        seconds, answers = theirs(path)
        if round_index == 0:
            madmom_cold, madmom_answers = seconds, answers
        else:
            madmom_seconds.append(seconds)
        for name, analyzer in analyzers.items():
            seconds, result = timed_analysis(analyzer, path)
            if round_index == 0:
                results[name] = result
            else:
                ours_seconds[name].append(seconds)
        if round_index:  # analyze makes a new Analyzer (loads its models) on each call
            analyze_seconds.append(timed(analyze, path)[0])
    load_after = load_average()

    print(f"## `mirzoo.analysis` against madmom's processors for the same questions (load average {load_before} "
          f"before, {load_after} after)\n")
    print("madmom: " + "; ".join(f"{task}: {type(processor).__name__} + "
                                 f"{getattr(decoder, '__name__', type(decoder).__name__)}"
                                 for task, (processor, decoder) in theirs.steps.items())
          + ", one after the other on the file (each reads it); no tags. mirzoo: `Analyzer(tasks)` made once "
          "(the file decoded once, the key CNN reading the deep chroma's features), tags by `musicnn.mtt` at "
          "16 kHz; `mirzoo.analysis.analyze(path)` loads its models on each call.\n")
    madmom_warm = [sum(seconds.values()) for seconds in madmom_seconds]
    madmom_cold_total = sum(madmom_cold.values())
    rows = [["madmom: 4 processors + decoders", "key, beats, downbeats, chords, onsets", "", "",
             f"{madmom_cold_total:.2f}", "", seconds_cell(madmom_warm), "1.0×"]]
    for name, tasks in ANALYSIS_TASKS.items():
        warm = [seconds["total"] for seconds in ours_seconds[name]]
        child = cold[name]
        if "stopped" in child:
            cold_cells = [child["stopped"], "", "", ""]
        else:
            cold_cells = [f"{child['load']:.1f}", f"{child['peak_mb']:,.0f}", f"{child['seconds']:.2f}",
                          ratio_cell(madmom_cold_total, child["seconds"])]
        rows.append([f"`Analyzer({', '.join(tasks)})`", ", ".join(tasks) + ("" if "tags" in tasks else " (no tags)"),
                     *cold_cells, seconds_cell(warm),
                     ratio_cell(median(madmom_warm), median(warm), (min(madmom_warm), min(warm)))])
    rows.append(["`analyze(path)`, warm process", "key, beats, chords, onsets, tags", "", "", "", "",
                 seconds_cell(analyze_seconds), ratio_cell(median(madmom_warm), median(analyze_seconds),
                                                           (min(madmom_warm), min(analyze_seconds)))])
    print_table([("run", False), ("answers", False), ("mirzoo import + load s", True), ("mirzoo peak RSS MB", True),
                 ("cold s", True), ("cold madmom ÷ it", True), ("warm s", True),
                 ("warm madmom ÷ it, median (min)", True)], rows)
    print("Cold: madmom's first call in this process (processors constructed before); mirzoo's first call in a "
          "fresh process after `import` and `Analyzer(...)` (their seconds, and the process's peak RSS, apart).\n")

    print("Where the time goes (warm medians, seconds):\n")
    columns = ("decode", "key", "beats", "chords", "onsets", "tags")
    cells = {task: f"{median([seconds[task] for seconds in madmom_seconds]):.2f}" for task in theirs.steps}
    rows = [["madmom", "(in each)", *(cells.get(task, "—") for task in columns[1:]), f"{median(madmom_warm):.2f}"]]
    for name in analyzers:
        cells = {}
        for step in ours_seconds[name][0]:
            if step == "total":
                continue
            provider, *consumers = step.split("+")
            cells[provider] = f"{median([seconds[step] for seconds in ours_seconds[name]]):.2f}" + (
                f" (with {', '.join(consumers)})" if consumers else "")
            cells.update({consumer: f"in {provider}" for consumer in consumers})
        rows.append([f"mirzoo, {name}", *(cells.get(column, "—") for column in columns),
                     f"{median([seconds['total'] for seconds in ours_seconds[name]]):.2f}"])
    print_table([("", False), *[(column, True) for column in columns], ("total", True)], rows)

    print("Same answers as madmom's processors (first calls):\n")
    rows = []
    for name, result in results.items():
        key_cell = compare_events(str(madmom_answers["key"]), result.key)
        downbeats = compare_events(madmom_answers["beats"], result.downbeats)
        chords = compare_events(madmom_events("chords", madmom_answers["chords"]),
                                [(float(a), float(b), str(c)) for a, b, c in result.chords])
        onsets = compare_events(madmom_answers["onsets"], result.onsets)
        rows.append([f"`Analyzer`, {name}", f"{key_cell} ({result.key})",
                     f"{downbeats} ({len(result.downbeats)})", f"{chords} ({len(result.chords)})",
                     f"{onsets} ({len(result.onsets)})", ", ".join(label for label, _ in result.tags or [])])
    print_table([("", False), ("key", False), ("beats and downbeats", False), ("chords", False), ("onsets", False),
                 ("top tags", False)], rows)


def memory(args, pairs, signals, directory, cold, timings):
    """Peak RSS of one `predict` per preset on the long file, and madmom's beat processor where it fits."""
    copies = int(args.long_minutes // args.minutes)
    pcm, path, _ = signals["rhythmic"]
    long_paths = {}
    for name, (signal_pcm, _, _) in signals.items():
        long_paths[name] = os.path.join(directory, f"long.{name}.wav")
        write_wav(long_paths[name], signal_pcm, copies)
    long_seconds = copies * len(pcm) / SAMPLE_RATE
    print(f"## Peak memory, {long_seconds / 60:.0f}-minute file (one fresh process per row; load average "
          f"{load_average()} before)\n")
    rows = []
    for pair in pairs:
        child = run_child(["--mirzoo-child", pair.preset, long_paths[pair.signal]], directory, args.rss_timeout)
        short = cold[pair.preset]
        if "stopped" in child or "stopped" in short:
            rows.append([f"`{pair.preset}`", child.get("stopped") or short["stopped"], "", "", "", "", "", ""])
            continue
        per_frame = (child["peak_mb"] - short["peak_mb"]) * 2**20 / (child["frames"] - short["frames"])
        rows.append([f"`{pair.preset}`", f"{child['seconds']:.1f}", f"{long_seconds / child['seconds']:.0f}×",
                     f"{child['baseline_mb']:,.0f}", f"{short['peak_mb']:,.0f}", f"{child['peak_mb']:,.0f}",
                     f"{child['peak_mb'] - child['baseline_mb']:,.0f}", f"{per_frame:,.0f}"])
    print_table([("mirzoo preset", False), ("wall s (1 cold call)", True), ("× real time", True),
                 ("RSS after load MB", True), (f"peak, {args.minutes:g}-min file MB", True),
                 (f"peak, {args.long_minutes}-min file MB", True), ("peak − after load MB", True),
                 ("bytes per frame (slope)", True)], rows)
    if "blstm_beats.madmom" not in timings:
        return
    # madmom holds every stage of the whole file: predict its long run from the test file and twice its length.
    double_path = os.path.join(directory, "double.wav")
    write_wav(double_path, pcm, 2)
    short = run_child(["--madmom-child", path], directory, args.rss_timeout)
    double = run_child(["--madmom-child", double_path], directory, args.rss_timeout)
    os.remove(double_path)
    print("madmom `RNNBeatProcessor()` + `DBNBeatTrackingProcessor(fps=100)`, one fresh process per file:\n")
    rows = [[f"{args.minutes * factor:g} min", f"{child['seconds']:.1f}", f"{child['baseline_mb']:,.0f}",
             f"{child['peak_mb']:,.0f}", f"{child['peak_mb'] - child['baseline_mb']:,.0f}"]
            for factor, child in ((1, short), (2, double)) if "stopped" not in child]
    long_frames = -(-copies * len(pcm) // 441)
    if "stopped" in short or "stopped" in double:
        print(f"madmom's memory runs stopped: {short.get('stopped')}, {double.get('stopped')}\n")
        return
    per_frame_mb = (double["peak_mb"] - short["peak_mb"]) / (double["frames"] - short["frames"])
    predicted_mb = short["peak_mb"] + per_frame_mb * (long_frames - short["frames"])
    predicted_seconds = median([stages["end_to_end"] for stages in timings["blstm_beats.madmom"]["madmom"]]) * copies
    reasons = []
    if predicted_mb > args.madmom_rss_limit:
        reasons.append(f"its peak would be about {predicted_mb:,.0f} MB (limit {args.madmom_rss_limit:,} MB)")
    if predicted_seconds > args.rss_timeout:
        reasons.append(f"it would take about {predicted_seconds:.0f} s (limit {args.rss_timeout} s)")
    if reasons:
        rows.append([f"{args.long_minutes} min", "skipped", "", f"predicted {predicted_mb:,.0f}", ""])
    else:
        child = run_child(["--madmom-child", long_paths["rhythmic"]], directory, args.rss_timeout,
                          args.madmom_rss_limit)
        if "stopped" in child:
            rows.append([f"{args.long_minutes} min", child["stopped"], "", f"≥ {child['peak_mb']:,.0f}", ""])
        else:
            rows.append([f"{args.long_minutes} min", f"{child['seconds']:.1f}", f"{child['baseline_mb']:,.0f}",
                         f"{child['peak_mb']:,.0f}", f"{child['peak_mb'] - child['baseline_mb']:,.0f}"])
    print_table([("file", False), ("wall s", True), ("RSS after construction MB", True), ("peak MB", True),
                 ("peak − after construction MB", True)], rows)
    print(f"madmom: {per_frame_mb * 2**20:,.0f} bytes per frame between the two files; predicted peak on the "
          f"{args.long_minutes}-minute file {predicted_mb:,.0f} MB in about {predicted_seconds:.0f} s"
          + (f"; not run: {' and '.join(reasons)}." if reasons else ".") + "\n")


if __name__ == "__main__":
    sys.exit(main())
