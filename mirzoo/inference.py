"""Predictions for real audio of any length: windows for taggers, chunks for frame models and patch taggers.

Audio is streamed: a file is decoded, downmixed and resampled block by block,
and the model sees one batch of windows (taggers) or one chunk (frame models,
patch taggers) at a time, so an hour of audio never has to be in memory, as a
waveform or as a spectrogram.

Patch taggers (the musicnn ports, whose presets set `arch_config["patch_frames"]`)
cut the whole-file spectrogram into non-overlapping patches themselves; they are
fed chunks that start and end on patch boundaries, with the context their first
frames read, so the chunked taggram equals the whole-file one.

Recurrent ensembles (madmom's onset, beat and downbeat networks) need the whole
recording: their front end runs on chunks, their network over the whole feature
sequence in bounded memory (:mod:`mirzoo.sequences`). A frame model whose preset
names a decoder also gets its events (onsets, beats, downbeats, tempo, chords, notes).

Classifiers (madmom's key CNN) see the whole recording as one input, as the original
does: the front end runs on chunks and the network once on the whole spectrogram.
"""

import dataclasses
import math
import numbers
import os
import threading
import weakref

import numpy as np

from mirzoo import decoders
from mirzoo.audio import AudioError, prepare_waveform, stream_audio
from mirzoo.decoders import active_segments
from mirzoo.decoders.segments import MIN_SEGMENT_SECONDS
from mirzoo.dsp import num_frames

# Context kept on each side of a frame model's chunk (dropped from its output):
# longer than the receptive field of the convolutional and dense frame models,
# so chunked output equals whole-file output for them (the BiLSTM's is unbounded).
CHUNK_CONTEXT_SECONDS = 3.0
WINDOWS_PER_CALL = 8
PATCHES_PER_CALL = 32


def patch_frames_of(preset):
    """Frames per patch of a patch tagger (a tagging preset whose model patches the whole spectrogram), else None."""
    return preset.arch_config.get("patch_frames") if preset.task == "tagging" else None


def check_hop(preset, hop_seconds):
    """Refuse a window hop that is not a positive number of seconds of at least one sample, and any hop for a
    model that takes none: patch taggers score fixed non-overlapping patches, frame models every frame."""
    if hop_seconds is None:
        return
    if patch_frames_of(preset):
        raise ValueError(
            f"{preset.name} scores non-overlapping {preset.clip_seconds:g} s patches of the whole recording, as "
            f"the original does; it takes no hop (received {hop_seconds} s)."
        )
    if preset.task == "classification":
        raise ValueError(f"{preset.name} classifies the whole recording at once; it takes no hop (received "
                         f"{hop_seconds} s).")
    if preset.task != "tagging":
        raise ValueError(
            f"{preset.name} scores every frame ({preset.frame_rate:g} per second); a window hop applies to "
            f"taggers only (received {hop_seconds} s)."
        )
    if (isinstance(hop_seconds, bool) or not isinstance(hop_seconds, numbers.Real)
            or not math.isfinite(hop_seconds) or round(hop_seconds * preset.sample_rate) < 1):
        raise ValueError(
            f"hop_seconds must be a finite number of seconds of at least one sample (1 / {preset.sample_rate} s); "
            f"received {hop_seconds!r}."
        )


def check_count(name, value):
    """`value` as an int, or a ValueError naming it unless it is an integer >= 1 (a bool is not): `batch_size`,
    `k`, and the `from_manifest` and `export` arguments of that kind."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"`{name}` must be an integer >= 1; received {value!r}.")
    return int(value)


def _top(labels, scores, k):
    order = np.argsort(-scores, kind="stable")[:check_count("k", k)]
    return [(labels[i], float(scores[i])) for i in order]


@dataclasses.dataclass
class TaggingResult:
    """Scores of a tagger for one recording.

    Attributes:
        labels: label names, in score order.
        scores: `(n_labels,)`, the mean of the window scores (the track-level tags).
        taggram: `(windows, n_labels)`, the score of each window (patch taggers: of each patch).
        window_times: `(windows,)`, start of each window in seconds.
        window_seconds: length of a window in seconds (patch taggers: the patch hop,
            `patch_frames · hop_length / sample_rate`).
        duration: length of the recording in seconds.
    """

    labels: tuple
    scores: np.ndarray
    taggram: np.ndarray
    window_times: np.ndarray
    window_seconds: float
    duration: float

    def top(self, k=5):
        """The `k` best `(label, score)` pairs, best first; equal scores keep label order."""
        return _top(self.labels, self.scores, k)

    def to_dict(self):
        return {
            "duration": self.duration,
            "scores": {label: float(score) for label, score in zip(self.labels, self.scores)},
            "window_seconds": self.window_seconds,
            "window_times": self.window_times.tolist(),
            "taggram": self.taggram.tolist(),
        }


@dataclasses.dataclass
class FramesResult:
    """Frame-wise scores of a frame model for one recording, and the events its preset's decoder finds.

    Attributes:
        labels: label names, in column order.
        activations: `(frames, n_labels)`.
        times: `(frames,)`, time of each frame in seconds (`k / frame_rate`).
        frame_rate: frames per second.
        duration: length of the recording in seconds.
        onsets: onset models: `(onsets,)` onset times in seconds (madmom's peak picking); else None.
        beats: beat and downbeat models: `(beats,)` beat times in seconds (the DBN beat tracker); else None.
        downbeats: downbeat models: `(beats, 2)` rows `[time in seconds, position in the bar]`, position 1
            being the downbeat (the bar-tracking DBN, 3/4 or 4/4); else None.
        tempo: beat and downbeat models: beats per minute from the median beat interval (NaN with fewer
            than 2 beats); else None.
        chords: chord models: list of :class:`mirzoo.decoders.Chord` `(start, end, label)` in seconds, labels in
            the major/minor vocabulary (`"A:min"`, `"F:maj"`, `"N"`), covering the recording; else None.
        notes: piano transcription: `(notes, 3)` rows `[onset seconds, offset seconds, MIDI pitch]`; else None.
        threshold: the activation at or above which a label is active in :meth:`segments`: the preset's
            `"segments"` decoder's, else 0.5.
        min_seconds: the shortest segment :meth:`segments` keeps as its own: the `"segments"` decoder's, else
            MIN_SEGMENT_SECONDS.
    """

    labels: tuple
    activations: np.ndarray
    times: np.ndarray
    frame_rate: float
    duration: float
    onsets: np.ndarray | None = None
    beats: np.ndarray | None = None
    downbeats: np.ndarray | None = None
    tempo: float | None = None
    chords: list | None = None
    notes: np.ndarray | None = None
    threshold: float = 0.5
    min_seconds: float = MIN_SEGMENT_SECONDS

    @property
    def scores(self):
        """`(n_labels,)`: the mean activation over all frames."""
        return self.activations.mean(axis=0)

    def top(self, k=5):
        """The `k` labels with the highest mean activation, as `(label, score)` pairs; ties keep label order."""
        return _top(self.labels, self.scores, k)

    def segments(self, threshold=None, min_seconds=None):
        """Time segments with the labels active in each (see :func:`mirzoo.decoders.active_segments`).

        For a voice detector, the segments whose `labels` are `("voice",)` are the sung ones; for a chroma
        model, each segment's `labels` are the pitch classes present there.

        Args:
            threshold: a label is active at a frame when its activation is at least this (default
                :attr:`threshold`, the preset's).
            min_seconds: shorter segments are absorbed by their neighbour (default :attr:`min_seconds`).

        Returns:
            List of :class:`mirzoo.decoders.Segment` (`start`, `end` in seconds, `labels`), covering the
            recording without gaps.
        """
        return active_segments(self.activations, self.frame_rate, self.labels,
                               self.threshold if threshold is None else threshold,
                               self.min_seconds if min_seconds is None else min_seconds)

    def events(self):
        """The decoded events that are present, JSON-ready: `{"onsets": [...], "beats": [...], ...}`."""
        events = {}
        for name in ("onsets", "beats", "downbeats", "notes"):
            if getattr(self, name) is not None:
                events[name] = getattr(self, name).tolist()
        if self.tempo is not None:
            events["tempo"] = None if math.isnan(self.tempo) else self.tempo
        if self.chords is not None:
            events["chords"] = [[chord.start, chord.end, chord.label] for chord in self.chords]
        return events

    def to_dict(self):
        return {
            "duration": self.duration,
            "frame_rate": self.frame_rate,
            **self.events(),
            "threshold": self.threshold,
            "segments": [[segment.start, segment.end, list(segment.labels)] for segment in self.segments()],
            "mean_activation": {label: float(score) for label, score in zip(self.labels, self.scores)},
            "times": self.times.tolist(),
            "activations": self.activations.tolist(),
        }


@dataclasses.dataclass
class ClassificationResult:
    """One probability distribution over a classifier's labels for a whole recording.

    Attributes:
        labels: label names, in probability order.
        probabilities: `(n_labels,)`, summing to 1.
        duration: length of the recording in seconds.
        key: key models: the most probable key in madmom's spelling (`"A minor"`, `"Bb major"`); else None.
    """

    labels: tuple
    probabilities: np.ndarray
    duration: float
    key: str | None = None

    @property
    def scores(self):
        """`(n_labels,)`: the probabilities (the name every result's scores go by)."""
        return self.probabilities

    @property
    def label(self):
        """The most probable label (the first of equals)."""
        return self.labels[int(np.argmax(self.probabilities))]

    @property
    def probability(self):
        """The probability of :attr:`label`."""
        return float(np.max(self.probabilities))

    def top(self, k=5):
        """The `k` most probable `(label, probability)` pairs, best first; ties keep label order."""
        return _top(self.labels, self.probabilities, k)

    def events(self):
        """The decoded result, JSON-ready: `{"key": ..., "key_probability": ...}` for key models."""
        return {} if self.key is None else {"key": self.key, "key_probability": self.probability}

    def to_dict(self):
        return {
            "duration": self.duration,
            **self.events(),
            "label": self.label,
            "probability": self.probability,
            "probabilities": {label: float(p) for label, p in zip(self.labels, self.probabilities)},
        }


def _blocks(source, sample_rate, target_rate):
    """Mono float32 blocks at `target_rate` from a path or an in-memory array."""
    if isinstance(source, (str, os.PathLike)):
        if sample_rate is not None:
            raise ValueError("sample_rate is read from the file; pass it only with in-memory audio.")
        return stream_audio(source, target_rate)
    if sample_rate is None:
        raise AudioError(
            f"In-memory audio needs its sample_rate (Hz): predict(model, audio, sample_rate=...); received "
            f"{_describe(source)}. Files are given as paths (str or pathlib.Path), several as a list of paths."
        )
    waveform, _ = prepare_waveform(np.asarray(source), sample_rate, target_rate)
    return iter([waveform])


def _describe(source):
    if isinstance(source, np.ndarray):
        return f"an array of shape {source.shape}"
    return f"a {type(source).__name__}"


def _reporting(blocks, sample_rate, on_progress):
    """`blocks`, calling `on_progress(seconds)` with the seconds of audio consumed so far after each one."""
    done = 0
    for block in blocks:
        yield block
        done += len(block)
        on_progress(done / sample_rate)


def _is_recording_list(audio):
    """True for a list or tuple of recordings (paths or arrays), as opposed to one waveform given as a list."""
    return (isinstance(audio, (list, tuple)) and len(audio) > 0
            and all(isinstance(item, (str, os.PathLike, np.ndarray)) for item in audio))


class _Buffer:
    """A growing window onto a stream: samples `[offset, offset + len)` of the whole signal."""

    def __init__(self):
        self.samples = np.zeros(0, np.float32)
        self.offset = 0

    def extend(self, block):
        self.samples = np.concatenate([self.samples, block])

    @property
    def end(self):
        return self.offset + len(self.samples)

    def get(self, start, stop):
        return self.samples[start - self.offset : stop - self.offset]

    def drop_before(self, position):
        cut = position - self.offset
        if cut > 0:
            self.samples = self.samples[cut:]
            self.offset = position


_call_locks = weakref.WeakKeyDictionary()
_call_locks_guard = threading.Lock()


def _call(model, batch):
    """`model.predict_on_batch(batch)`. On JAX, calls on one model are serialised: its compiled function
    donates the model's state buffers, so two threads calling it at once fail with "Buffer has been deleted
    or donated". TensorFlow and PyTorch run concurrent calls as they are."""
    import keras

    if keras.config.backend() != "jax":
        return model.predict_on_batch(batch)
    with _call_locks_guard:
        lock = _call_locks.setdefault(model, threading.Lock())
    with lock:
        return model.predict_on_batch(batch)


def _run_batch(model, windows):
    return np.asarray(_call(model, np.stack(windows).astype(np.float32)))


def _tag(model, preset, blocks, hop_seconds, batch_size):
    window = preset.clip_samples
    hop = window if hop_seconds is None else int(round(hop_seconds * preset.sample_rate))
    buffer, starts, taggram, pending = _Buffer(), [], [], []

    def flush():
        if pending:
            taggram.append(_run_batch(model, [w for _, w in pending]))
            starts.extend(s for s, _ in pending)
            pending.clear()

    next_start = 0
    for block in blocks:
        buffer.extend(block)
        while buffer.end >= next_start + window:
            pending.append((next_start, buffer.get(next_start, next_start + window)))
            next_start += hop
            if len(pending) == batch_size:
                flush()
        # Keep the last window's worth for a tail window aligned to the end.
        buffer.drop_before(min(next_start, buffer.end - window))
    total = buffer.end
    last_start = pending[-1][0] if pending else (starts[-1] if starts else None)
    if last_start is None:  # shorter than one window: zero-pad it to one
        pending.append((0, np.pad(buffer.get(0, total), (0, window - total))))
    elif last_start + window < total:  # a tail the hops did not reach: one window aligned to the end
        pending.append((total - window, buffer.get(total - window, total)))
    flush()
    taggram = np.concatenate(taggram, axis=0)
    return TaggingResult(
        labels=preset.labels,
        scores=taggram.mean(axis=0),
        taggram=taggram,
        window_times=np.asarray(starts, dtype=np.float64) / preset.sample_rate,
        window_seconds=preset.clip_seconds,
        duration=total / preset.sample_rate,
    )


def _patch_tag(model, preset, blocks, patches_per_call):
    patch_frames = patch_frames_of(preset)
    n_fft, hop = preset.frontend["n_fft"], preset.frontend["hop_length"]
    center = preset.frontend.get("center", True)
    patch = patch_frames * hop  # samples between patch starts
    # Frame j reads samples [j·hop − offset, j·hop − offset + n_fft): a chunk needs `offset` samples before
    # its first patch (taken as whole patches, so the model's own patching stays aligned) and
    # n_fft − offset − hop after its last.
    offset = n_fft // 2 if center else 0
    left = -(-offset // patch)
    right = max(0, n_fft - offset - hop)
    buffer, taggrams = _Buffer(), []

    def run(first, stop, count=None):
        """Patches `first, first + 1, …` (`count` of them, or all) from audio up to sample `stop`."""
        context = min(left, first)
        audio = buffer.get((first - context) * patch, stop)
        taggram = np.asarray(_call(model, audio[None].astype(np.float32))["taggram"])[0, context:]
        taggrams.append(taggram if count is None else taggram[:count])

    first = 0
    for block in blocks:
        buffer.extend(block)
        while buffer.end >= (first + patches_per_call) * patch + right:
            run(first, (first + patches_per_call) * patch + right, patches_per_call)
            first += patches_per_call
            buffer.drop_before((first - min(left, first)) * patch)
    total = buffer.end
    whole_patches = num_frames(total, n_fft, hop, center) // patch_frames if total + 2 * offset >= n_fft else 0
    if not taggrams or first < whole_patches:
        run(first, total)  # the remaining patches; audio shorter than one patch is zero-padded by the model
    taggram = np.concatenate(taggrams, axis=0)
    return TaggingResult(
        labels=preset.labels,
        scores=taggram.mean(axis=0),
        taggram=taggram,
        window_times=np.arange(len(taggram)) * patch / preset.sample_rate,
        window_seconds=patch / preset.sample_rate,
        duration=total / preset.sample_rate,
    )


def frame_count(preset, samples):
    """Frames a frame model gives for `samples` samples: `ceil(samples / hop)` with madmom's framing (the
    `"filtered"` front ends), else `1 + samples // hop` (centred STFT frames)."""
    hop = preset.frontend["hop_length"]
    if preset.frontend.get("kind") == "filtered":
        return -(-samples // hop)
    return 1 + samples // hop


def _events(model, preset, activations):
    """The keyword arguments of `FramesResult` that `preset.decoder` decodes from `model`'s `activations`."""
    parameters = dict(preset.decoder)
    name = parameters.pop("name", None)
    if name is None:
        return {}
    if name == "segments":
        return decoders.segment_parameters(**parameters)
    if name == "chords":
        crf = model.get_layer("crf").parameters()
        return {"chords": decoders.decode_chords(activations, crf, preset.frame_rate, **parameters)}
    if name == "notes":
        keys = activations.shape[1] // 3  # [notes | onsets | offsets] → madmom's (frames, keys, 3)
        per_key = activations.reshape(len(activations), 3, keys).transpose(0, 2, 1)
        return {"notes": decoders.track_notes(per_key, preset.frame_rate, **parameters)}
    if name == "onsets":
        return {"onsets": decoders.pick_onsets(activations[:, 0], preset.frame_rate, **parameters)}
    if name == "beats":
        beats = decoders.track_beats(activations[:, 0], preset.frame_rate, **parameters)
        return {"beats": beats, "tempo": decoders.estimate_tempo(beats)}
    downbeats = decoders.track_downbeats(activations, preset.frame_rate, **parameters)
    beats = downbeats[:, 0]
    return {"beats": beats, "downbeats": downbeats, "tempo": decoders.estimate_tempo(beats)}


_runners = weakref.WeakKeyDictionary()
_runners_guard = threading.Lock()


def _sequence_parts(model):
    """`(front-end model, EnsembleRunner)` of a recurrent ensemble, made once per model."""
    frontend = front_end_and_network(model)[0]
    with _runners_guard:
        if model not in _runners:
            from mirzoo.sequences import EnsembleRunner

            _runners[model] = EnsembleRunner(model)
        return frontend, _runners[model]


def _frames(model, preset, blocks):
    """Frames of `model`'s output for the stream, computed in chunks with context (see CHUNK_CONTEXT_SECONDS)."""
    hop = preset.frontend["hop_length"]
    chunk = max(hop, preset.clip_samples // hop * hop)
    context = int(np.ceil(CHUNK_CONTEXT_SECONDS * preset.sample_rate / hop)) * hop
    buffer, outputs, start = _Buffer(), [], 0

    def run(begin, end, stop_frame):
        """Frames [begin/hop, stop_frame) from audio [begin - context, end + context) ∩ the signal."""
        left = max(0, begin - context)
        audio = buffer.get(left, min(buffer.end, end + context))
        frames = _run_batch(model, [audio])[0]
        first = (begin - left) // hop
        outputs.append(frames[first : first + stop_frame - begin // hop])

    for block in blocks:
        buffer.extend(block)
        while buffer.end >= start + chunk + context:
            run(start, start + chunk, (start + chunk) // hop)
            start += chunk
            buffer.drop_before(max(0, start - context))
    total = buffer.end
    n_frames = frame_count(preset, total)
    while start // hop < n_frames:
        run(start, start + chunk, min(n_frames, (start + chunk) // hop))
        start += chunk
    return np.concatenate(outputs, axis=0), total


def _frames_result(model, preset, blocks):
    from mirzoo.sequences import is_recurrent_ensemble

    if is_recurrent_ensemble(model):
        frontend, runner = _sequence_parts(model)
        features, total = _frames(frontend, preset, blocks)
        activations = runner(features)
    else:
        activations, total = _frames(model, preset, blocks)
    return frames_result(model, preset, activations, total)


def frames_result(model, preset, activations, total):
    """The :class:`FramesResult` of a frame model's `(frames, n_labels)` activations for `total` samples, with
    the events its preset's decoder finds."""
    return FramesResult(
        labels=preset.labels,
        activations=activations,
        times=np.arange(len(activations)) / preset.frame_rate,
        frame_rate=preset.frame_rate,
        duration=total / preset.sample_rate,
        **_events(model, preset, activations),
    )


_bodies = weakref.WeakKeyDictionary()


def front_end_and_network(model):
    """`(front-end model, network model, fewest frames)`: `model` split at its front end's output, made once per
    model (a whole-recording classifier's network, or one whose front end another model shares); the network's
    max-pools need at least the product of their sizes over time."""
    with _runners_guard:
        if model not in _bodies:
            import keras

            frontend = model.get_layer("frontend")
            network = keras.Model(frontend.output, model.outputs[0])
            fewest = math.prod(layer.pool_size[0] for layer in network.layers
                               if isinstance(layer, keras.layers.MaxPooling2D))
            _bodies[model] = (keras.Model(model.inputs[0], frontend.output), network, fewest)
        return _bodies[model]


def front_end_features(model, audio, sample_rate=None):
    """`model`'s front-end output for a whole recording (a path, or an array with its `sample_rate`), computed in
    chunks as the frame models' activations are: `(frames, ...)`, frame `k` centred on sample `k · hop_length`."""
    frontend = front_end_and_network(model)[0]
    return _frames(frontend, model.preset, _blocks(audio, sample_rate, model.preset.sample_rate))[0]


def _classify(model, preset, blocks):
    """The whole recording's distribution: the front end in chunks, then the network once on all frames."""
    features, total = _frames(front_end_and_network(model)[0], preset, blocks)
    return classify_features(model, preset, features, total)


def classify_features(model, preset, features, total):
    """The :class:`ClassificationResult` of a whole-recording classifier for its front end's `(frames, ...)`
    features of a recording of `total` samples (the network runs once, on all frames)."""
    _, network, fewest = front_end_and_network(model)
    if len(features) < fewest:
        hop = preset.frontend["hop_length"]
        raise AudioError(f"{preset.name} needs more than {(fewest - 1) * hop / preset.sample_rate:.2f} s of audio "
                         f"({fewest} frames) for its pooling; the recording has {total / preset.sample_rate:.2f} s, "
                         f"{len(features)} frames.")
    probabilities = np.asarray(_call(network, features[None].astype(np.float32)))[0]
    result = ClassificationResult(labels=preset.labels, probabilities=probabilities,
                                  duration=total / preset.sample_rate)
    if preset.decoder.get("name") == "key":
        result.key = result.label
    return result


def predict(model, audio, sample_rate=None, hop_seconds=None, batch_size=None, on_progress=None):
    """Run a model on a recording of any length, or on each of several.

    Args:
        model: a preset name (`"crnn_tagger"`, `"arch.tag"`, a preset directory;
            loaded with its default weights) or a model from `mirzoo.build` /
            `mirzoo.load` (it carries `model.preset`).
        audio: a file path (WAV, FLAC, OGG, MP3), or an array `(samples,)` /
            `(samples, channels)` of float or integer PCM (the channels of one
            recording, averaged into mono), or a list of such paths or arrays
            (one result each, in order).
        sample_rate: the rate of in-memory arrays in Hz (files carry their own).
        hop_seconds: taggers: seconds between window starts (default: the window
            length, i.e. no overlap; at least one sample). Patch taggers score
            non-overlapping patches and frame models every frame: they take no hop.
        batch_size: tagger windows per model call (default 8); for patch taggers,
            patches per model call (default 32, about 96 s at 16 kHz).
        on_progress: optional `callable(seconds)`, called as the recording is consumed with the
            seconds of audio (at the model's rate) read so far: a progress bar within a file.

    Returns:
        :class:`TaggingResult` for taggers (scores per label, taggram per window),
        :class:`FramesResult` for frame models (activations per frame, times, and the events of a
        preset with a decoder: onsets, beats, downbeats, tempo, chords, notes),
        :class:`ClassificationResult` for classifiers (one distribution for the whole recording; the key
        of a key model).
        Audio shorter than a tagger window is zero-padded to one window; audio
        longer than a whole number of windows gets a last window aligned to its end.
        Patch taggers score the patches of the whole file exactly as musicnn does
        (the frames after the last whole patch are dropped; audio shorter than one
        patch is zero-padded to one), whatever the chunking. A list of recordings
        gives a list of results.
    """
    if isinstance(model, (str, os.PathLike)):
        from mirzoo.loading import load

        model = load(model)
    preset = getattr(model, "preset", None)
    if preset is None:
        raise ValueError("This model carries no preset: build it with mirzoo.build or mirzoo.load.")
    patch_frames = patch_frames_of(preset)
    if batch_size is None:
        batch_size = PATCHES_PER_CALL if patch_frames else WINDOWS_PER_CALL
    batch_size = check_count("batch_size", batch_size)
    check_hop(preset, hop_seconds)
    if _is_recording_list(audio):
        return [predict(model, item, sample_rate, hop_seconds, batch_size, on_progress) for item in audio]
    blocks = _blocks(audio, sample_rate, preset.sample_rate)
    if on_progress is not None:
        blocks = _reporting(blocks, preset.sample_rate, on_progress)
    if patch_frames:
        return _patch_tag(model, preset, blocks, batch_size)
    if preset.task == "tagging":
        return _tag(model, preset, blocks, hop_seconds, batch_size)
    if preset.task == "classification":
        return _classify(model, preset, blocks)
    return _frames_result(model, preset, blocks)
