"""One pass over a track for what a music library, a DJ tool or a musicologist asks of it: key, tempo, beats,
downbeats, chords, onsets, top tags (and, on request, piano notes).

Each file is decoded once, at its own rate, and resampled once for each rate the models take (44.1 kHz for
madmom's, 16 kHz for musicnn's). Models whose front ends compute the same features share them: the key CNN's
spectrogram is the deep chroma's, every second frame (same filterbank, twice the hop), so with the default
`dnn_chroma.madmom_chords` chord model the key network reads the chroma model's features and no second
front end runs. The other models run through :func:`mirzoo.predict` on the decoded waveform.

The JSON an analysis writes (:meth:`Analysis.to_dict`) is documented in `docs/analysis.md`.
"""

import dataclasses
import math
import os

import numpy as np

from mirzoo.audio import load_audio, prepare_waveform

SCHEMA_VERSION = 1
# Task → the preset that answers it by default.
MODELS = {
    "key": "cnn_key.madmom",
    "beats": "blstm_downbeats.madmom",  # beats, downbeats (bar positions) and tempo
    "chords": "dnn_chroma.madmom_chords",
    "onsets": "cnn_onsets.madmom",
    "tags": "musicnn.mtt",
    "notes": "cnn_piano.madmom",
}
TASKS = tuple(MODELS)
DEFAULT_TASKS = ("key", "beats", "chords", "onsets", "tags")
TOP_TAGS = 5


@dataclasses.dataclass
class Analysis:
    """What :func:`analyze` found in one recording; a field is None when its task was not asked for.

    Attributes:
        duration: length of the recording in seconds.
        models: task → the preset that answered it.
        key: e.g. `"A minor"` (madmom's spelling); `key_probability` its probability.
        tempo: beats per minute from the median beat interval (NaN with fewer than 2 beats).
        beats: `(beats,)` beat times in seconds.
        downbeats: `(beats, 2)` rows `[time, position in the bar]`, 1 for a downbeat.
        chords: `(start, end, label)` segments in the major/minor vocabulary, covering the recording.
        onsets: `(onsets,)` onset times in seconds.
        tags: the top tags, `(label, score)` pairs, best first.
        notes: `(notes, 3)` rows `[onset s, offset s, MIDI pitch]`.
    """

    duration: float
    models: dict
    key: str | None = None
    key_probability: float | None = None
    tempo: float | None = None
    beats: np.ndarray | None = None
    downbeats: np.ndarray | None = None
    chords: list | None = None
    onsets: np.ndarray | None = None
    tags: list | None = None
    notes: np.ndarray | None = None

    def to_dict(self):
        """The analysis as JSON-ready data (schema: `docs/analysis.md`); tasks not asked for are left out."""
        data = {"schema_version": SCHEMA_VERSION, "duration": self.duration, "models": dict(self.models)}
        if self.key is not None:
            data.update(key=self.key, key_probability=self.key_probability)
        if self.tempo is not None:
            data["tempo"] = None if math.isnan(self.tempo) else self.tempo
        for name in ("beats", "downbeats", "onsets", "notes"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name).tolist()
        if self.chords is not None:
            data["chords"] = [[start, end, label] for start, end, label in self.chords]
        if self.tags is not None:
            data["tags"] = [[label, score] for label, score in self.tags]
        return data


def _check_tasks(tasks, models):
    tasks = tuple(tasks)
    unknown = [task for task in tasks if task not in TASKS]
    if unknown or not tasks:
        raise ValueError(f"Unknown analysis task(s) {unknown}; choose from {', '.join(TASKS)}." if unknown else
                         f"No analysis task given; choose from {', '.join(TASKS)}.")
    extra = set(models or {}) - set(TASKS)
    if extra:
        raise ValueError(f"models names unknown task(s) {sorted(extra)}; tasks: {', '.join(TASKS)}.")
    return tuple(dict.fromkeys(tasks))


def _shared_stride(provider, consumer):
    """How many of `provider`'s frames make one of `consumer`'s when the two front ends compute the same
    features at hops that are multiples (madmom's framing: frame k centred at sample k · hop), else None."""
    a, b = provider.frontend, consumer.frontend
    if provider.sample_rate != consumer.sample_rate or a.get("kind") != "filtered" or b.get("kind") != "filtered":
        return None
    if {k: v for k, v in a.items() if k != "hop_length"} != {k: v for k, v in b.items() if k != "hop_length"}:
        return None
    return b["hop_length"] // a["hop_length"] if b["hop_length"] % a["hop_length"] == 0 else None


def check_model(task, preset):
    """Refuse a preset that cannot answer `task` (a key model for the key, a downbeat or beat model for beats…)."""
    answers = {"key": {("classification", "key")}, "beats": {("frames", "downbeats"), ("frames", "beats")},
               "chords": {("frames", "chords")}, "onsets": {("frames", "onsets")}, "tags": {("tagging", None)},
               "notes": {("frames", "notes")}}[task]
    if (preset.task, preset.decoder.get("name")) not in answers:
        raise ValueError(f"{preset.name} cannot answer {task!r}: it is a {preset.task} model decoding "
                         f"{preset.decoder.get('name') or 'nothing'}.")


def _is_recurrent(model):
    from mirzoo.sequences import is_recurrent_ensemble

    return is_recurrent_ensemble(model)


class Analyzer:
    """Loads the models of an analysis once; call it on each recording.

    Args:
        tasks: which of `TASKS` to answer (default `DEFAULT_TASKS`; `"notes"` is for piano recordings).
        models: task → preset name, replacing `MODELS`' choice (e.g. `{"chords": "cnn_chords.madmom"}`).
        top_tags: how many tags to keep.

    Raises:
        ValueError: unknown tasks or a model whose task does not match (`load` errors name missing packages).
    """

    def __init__(self, tasks=DEFAULT_TASKS, models=None, top_tags=TOP_TAGS):
        from mirzoo.inference import check_count
        from mirzoo.loading import load

        self.tasks = _check_tasks(tasks, models)
        self.top_tags = check_count("top_tags", top_tags)
        names = {**MODELS, **(models or {})}
        self.models = {task: load(names[task]) for task in self.tasks}
        for task, model in self.models.items():
            check_model(task, model.preset)
        self.rates = sorted({model.preset.sample_rate for model in self.models.values()}, reverse=True)
        # consumer task → (provider task, stride): a model reads another's front-end features where they are the
        # same (the key CNN the deep chroma's). A provider is a frame model run whole on its features (not a
        # recurrent ensemble, whose network runs in NumPy) and reads no one else's.
        self.shared = {}
        providers = [task for task, model in self.models.items()
                     if model.preset.task == "frames" and not _is_recurrent(model)]
        for task, model in self.models.items():
            if any(provider == task for provider, _ in self.shared.values()):
                continue  # it already provides for another: it runs its own front end
            for provider in providers:
                stride = _shared_stride(self.models[provider].preset, model.preset) if provider != task else None
                if stride and provider not in self.shared:
                    self.shared[task] = (provider, stride)
                    if task in providers:  # a consumer provides for no one
                        providers.remove(task)
                    break

    def __call__(self, audio, sample_rate=None, on_progress=None):
        """Analyse one recording.

        Args:
            audio: a file path, or an array `(samples,)` / `(samples, channels)` with its `sample_rate`.
            sample_rate: the rate of an in-memory array in Hz.
            on_progress: optional `callable(fraction)`, called with the share of the work done (0 to 1).

        Returns:
            :class:`Analysis`.
        """
        from mirzoo.inference import _is_recording_list, predict

        if _is_recording_list(audio):
            raise ValueError("Analyzer takes one recording; call it on each file of a list.")
        report = on_progress or (lambda fraction: None)
        if not isinstance(audio, (str, os.PathLike)):
            if sample_rate is None:
                raise ValueError("In-memory audio needs its sample_rate (Hz).")
            source, source_rate = prepare_waveform(np.asarray(audio), sample_rate)  # checked, mono, float32
        else:
            if sample_rate is not None:
                raise ValueError("sample_rate is read from the file; pass it only with in-memory audio.")
            source, source_rate = load_audio(audio)  # decoded once, at the file's own rate
        # Resampled once for each rate the models take, from the source.
        waveforms = {rate: source if rate == source_rate else prepare_waveform(source, source_rate, rate)[0]
                     for rate in self.rates}
        report(0.1)
        results, steps = {}, 0
        order = [task for task in self.tasks if task not in self.shared]
        for task in order:
            model = self.models[task]
            consumers = [t for t, (provider, _) in self.shared.items() if provider == task]
            if consumers:
                results.update(self._run_sharing(task, consumers, waveforms))
            else:
                results[task] = predict(model, waveforms[model.preset.sample_rate],
                                        sample_rate=model.preset.sample_rate)
            steps += 1 + len(consumers)
            report(0.1 + 0.9 * steps / len(self.tasks))
        return self._collect(results, len(source) / source_rate)

    def _run_sharing(self, task, consumers, waveforms):
        """`task`'s result and its consumers', from one run of `task`'s front end."""
        from mirzoo.inference import _call, _frames, classify_features, frames_result, front_end_and_network

        model = self.models[task]
        preset = model.preset
        frontend, network, _ = front_end_and_network(model)
        features, total = _frames(frontend, preset, iter([waveforms[preset.sample_rate]]))
        activations = np.asarray(_call(network, features[None]))[0]
        results = {task: frames_result(model, preset, activations, total)}
        for consumer in consumers:
            stride = self.shared[consumer][1]
            other = self.models[consumer]
            if other.preset.task == "classification":
                results[consumer] = classify_features(other, other.preset, features[::stride], total)
            else:
                _, other_network, _ = front_end_and_network(other)
                other_activations = np.asarray(_call(other_network, features[::stride][None]))[0]
                results[consumer] = frames_result(other, other.preset, other_activations, total)
        return results

    def _collect(self, results, duration):
        missing = set(self.tasks) - set(results)
        if missing:  # a sharing plan that skipped a task: a bug, never a silent gap in the analysis
            raise RuntimeError(f"Analyzer computed no result for {sorted(missing)}.")
        analysis = Analysis(duration=duration, models={task: self.models[task].preset.name for task in self.tasks})
        if "key" in results:
            analysis.key, analysis.key_probability = results["key"].key, results["key"].probability
        if "beats" in results:
            result = results["beats"]
            analysis.beats, analysis.downbeats, analysis.tempo = result.beats, result.downbeats, result.tempo
        if "chords" in results:
            analysis.chords = results["chords"].chords
        if "onsets" in results:
            analysis.onsets = results["onsets"].onsets
        if "tags" in results:
            analysis.tags = results["tags"].top(self.top_tags)
        if "notes" in results:
            analysis.notes = results["notes"].notes
        return analysis


def analyze(audio, sample_rate=None, tasks=DEFAULT_TASKS, models=None, on_progress=None):
    """Key, tempo, beats, downbeats, chords, onsets and top tags of a recording, in one pass.

    Loads the models on each call: to analyse many files, make one :class:`Analyzer` and call it on each.

    Args:
        audio: a file path, or an array `(samples,)` / `(samples, channels)` with its `sample_rate`.
        sample_rate: the rate of an in-memory array in Hz.
        tasks: which of `TASKS` to answer (default `DEFAULT_TASKS`).
        models: task → preset name, replacing the default choice.
        on_progress: optional `callable(fraction)`.

    Returns:
        :class:`Analysis`.
    """
    return Analyzer(tasks, models)(audio, sample_rate, on_progress)
