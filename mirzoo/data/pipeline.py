"""`from_manifest`: a `tf.data.Dataset` of `(waveform, target)` batches for a preset.

It is two steps, also callable apart (`mirzoo.train` does, to size batches by the
clips it has): `usable_clips` checks the files (one warning naming each unusable
audio or frame label file, or an error with `strict=True`; frame labels must be
finite targets in [0, 1] with one column per label), and `clip_dataset` batches
those clips. 16-bit PCM WAVs already at the preset's rate are decoded in the
graph (`tf.audio.decode_wav`); everything else (FLAC, OGG, MP3, other rates or
sample formats) is decoded with soundfile and resampled with soxr outside the
graph. Clips are downmixed, cropped (randomly when training, from the centre
otherwise) or zero-padded to the preset's `clip_seconds`; frame targets are
resampled to the model's frame rate and cut with the audio, so target frame `k`
is model frame `k`. A tagger's soft labels (a teacher's scores, rows at their
own rate) are averaged over the crop, each row weighted by its overlap with it
(the rules are in `mirzoo.data.manifest`). Training batches can mix clips (`mix`):
a clip plus another one of its batch at a random lower level, labelled with the
union of their labels; a frame model's clips that name their accompaniment can
have their marked part (a voice: the clip minus its accompaniment) laid over
another clip's accompaniment at a random level (`remix`); training crops can be
played faster or slower, their targets following (`speed`). A training dataset
knows how many batches an epoch has, as Keras needs.
"""

import dataclasses
import numbers
import os
import warnings
import wave

import numpy as np
import soundfile
import soxr

from mirzoo.audio import check_sample_rate, check_samples
from mirzoo.data.manifest import ManifestEntry, read_frame_labels, read_manifest
from mirzoo.inference import check_count
from mirzoo.models.frontend import frame_rate_of
from mirzoo.tensorflow_support import require_tensorflow

CROPS = ("random", "center", "start")
# A mixed-in clip's level relative to the clip it joins (linear amplitude): -12 to 0 dB.
MIX_GAINS = (0.25, 1.0)
# A remixed clip's marked part over its new accompaniment (RMS over the marked samples, dB), as the over-real
# builder (`mirzoo corpus over-real`) draws it, and the remix's peak level, drawn as the builder scales its mixes.
REMIX_LEVELS_DB = (-12.0, 6.0)
REMIX_PEAKS = (0.3, 0.95)
# Below this RMS (dB re full scale) over the marked samples, a new accompaniment is too quiet to set a level against:
# that example keeps its own.
REMIX_MIN_ACCOMPANIMENT_DB = -60.0
# Beyond twice or half the speed, a crop would read more than twice its length of audio, or alias half its band.
MAX_SPEED = 2.0


class SkippedAudioWarning(UserWarning):
    """An audio file left out of a dataset because it cannot be used."""


def _skip(message, strict):
    if strict:
        raise ValueError(message)
    warnings.warn(message, SkippedAudioWarning, stacklevel=3)


def _wav_decodes_in_graph(path, sample_rate):
    """True for an intact 16-bit PCM WAV at `sample_rate` (its data chunk fits in the file)."""
    if not path.lower().endswith(".wav"):
        return False
    try:
        with wave.open(path, "rb") as handle:
            header_ok = handle.getsampwidth() == 2 and handle.getframerate() == sample_rate
            needed = handle.getnframes() * handle.getnchannels() * 2
    except (wave.Error, EOFError, OSError):
        return False
    return header_ok and os.path.getsize(path) >= needed + 44


def _label_table(entry, n_labels):
    """The entry's `(rows, n_labels)` frame label file, read and checked against the model's label count."""
    table = read_frame_labels(entry.frame_labels)
    if table.shape[1] != n_labels:
        raise ValueError(f"{entry.frame_labels}: {table.shape[1]} label columns, the model has {n_labels} (one "
                         f"column per label, in the model's label order).")
    return table


def _frame_targets(entry, n_labels, n_samples, hop_length, model_frame_rate):
    """The entry's frame targets at the model's frame rate, one row per model frame of the whole clip."""
    targets = _label_table(entry, n_labels)
    model_frames = 1 + n_samples // hop_length
    # Nearest labelled frame to each model frame's time; past the labels' end, no label sounds.
    source = np.floor(np.arange(model_frames) / model_frame_rate * entry.frame_rate + 0.5).astype(np.int64)
    aligned = np.zeros((model_frames, n_labels), np.float32)
    inside = source < len(targets)
    aligned[inside] = targets[source[inside]]
    return aligned


def _soft_target_weights(tf, rows, row_samples, start, clip):
    """Each teacher row's weight in the soft target of the crop `[start, start + clip)` (samples): float64 `(rows,)`.

    Row `k` covers samples `[k * row_samples, (k + 1) * row_samples)` (`row_samples = sample_rate / frame_rate`).
    A row's weight is its overlap with the crop over the crop's total overlap with the rows, so a crop reaching
    past the last row (the teacher leaves its last partial patch unscored, or the clip is zero-padded) is described
    by the rows it overlaps. A crop that overlaps no row (it starts after the last row ends) takes the nearest
    row, the last.
    """
    edges = tf.range(rows + 1, dtype=tf.float64) * row_samples
    begin = tf.cast(start, tf.float64)
    overlap = tf.maximum(tf.minimum(edges[1:], begin + clip) - tf.maximum(edges[:-1], begin), 0.0)
    total = tf.reduce_sum(overlap)
    return tf.where(total > 0, tf.math.divide_no_nan(overlap, total), tf.one_hot(rows - 1, rows, dtype=tf.float64))


@dataclasses.dataclass(frozen=True)
class UsableClips:
    """The clips of a manifest that :func:`usable_clips` accepted, with their targets, for :func:`clip_dataset`.

    Attributes:
        paths: audio file paths, in manifest order.
        decodes_in_graph: per clip, whether `tf.audio.decode_wav` reads it (an intact 16-bit PCM WAV at the
            preset's rate); the others are decoded with soundfile and soxr.
        targets: per clip, float32 `(n_labels,)` (taggers' labels: 1 for a label the clip has, else 0),
            `(rows, n_labels)` (taggers' soft labels, a teacher's scores at `target_rates[i]` rows per second),
            or `(frames, n_labels)` over the whole clip at the model's frame rate (frame models).
        labels: label names in target order.
        target_rates: per clip, the rows per second of a tagger's soft labels, else `None`.
        accompaniments: per clip, the path of its accompaniment (see `mirzoo.data.manifest`), else `None`.
        accompaniments_decode_in_graph: per clip, whether `tf.audio.decode_wav` reads its accompaniment.
    """

    paths: tuple
    decodes_in_graph: tuple
    targets: tuple
    labels: tuple
    target_rates: tuple
    accompaniments: tuple
    accompaniments_decode_in_graph: tuple

    def __len__(self):
        return len(self.paths)


def _accompaniment_error(entry, info):
    """Why `entry`'s accompaniment cannot go with its audio (`info`, soundfile's), or `None` when it can."""
    try:
        other = soundfile.info(entry.accompaniment)
    except (RuntimeError, OSError) as error:
        return f"unreadable accompaniment {entry.accompaniment} ({error})"
    if (other.samplerate, other.frames) != (info.samplerate, info.frames):
        return (f"its accompaniment {entry.accompaniment} is not as long: {other.frames} samples at "
                f"{other.samplerate} Hz, the audio {info.frames} at {info.samplerate} Hz")
    return None


def _prepare(entries, preset, labels, strict):
    """Usable entries → `UsableClips` fields: paths, in-graph flags, targets (arrays), the rows per second of soft
    labels, accompaniments and their in-graph flags."""
    index = {label: i for i, label in enumerate(labels)}
    hop = preset.frontend["hop_length"]
    frame_task = preset.task == "frames"
    paths, in_graph, targets, rates, accompaniments, accompaniments_in_graph = [], [], [], [], [], []
    for entry in entries:
        if frame_task and entry.labels is not None:
            raise ValueError(f"{entry.audio}: clip labels, but {preset.name} is a frame model: give its rows "
                             f"frame_labels and a frame_rate instead.")
        try:
            info = soundfile.info(entry.audio)
            if info.frames <= 0:
                raise ValueError("no samples")
            check_sample_rate(info.samplerate, "the header's rate")
        except (RuntimeError, ValueError, OSError) as error:
            _skip(f"{entry.audio}: unusable audio, skipped ({error}).", strict)
            continue
        # A clip with nothing to mark (a twin) is its own accompaniment: nothing to compare.
        problem = entry.accompaniment not in (None, entry.audio) and _accompaniment_error(entry, info)
        if problem:
            _skip(f"{entry.audio}: {problem}, skipped.", strict)
            continue
        n_samples = int(np.ceil(info.frames * preset.sample_rate / info.samplerate))
        if entry.labels is not None:
            unknown = [label for label in entry.labels if label not in index]
            if unknown:
                raise ValueError(f"{entry.audio}: labels {unknown} are not among the model's labels {list(labels)}.")
            target = np.zeros(len(labels), np.float32)
            target[[index[label] for label in entry.labels]] = 1.0
        else:
            try:
                if frame_task:
                    target = _frame_targets(entry, len(labels), n_samples, hop, frame_rate_of(preset))
                else:  # soft labels: the teacher's rows as they are, averaged over each crop in `clip_dataset`
                    target = _label_table(entry, len(labels))
            except (OSError, ValueError) as error:
                _skip(f"{entry.audio}: unusable frame labels, skipped ({error}).", strict)
                continue
        paths.append(entry.audio)
        in_graph.append(_wav_decodes_in_graph(entry.audio, preset.sample_rate))
        targets.append(target)
        rates.append(None if frame_task or entry.labels is not None else entry.frame_rate)
        accompaniments.append(entry.accompaniment)
        accompaniments_in_graph.append(bool(entry.accompaniment)
                                       and _wav_decodes_in_graph(entry.accompaniment, preset.sample_rate))
    if not paths:
        raise ValueError("No usable audio in the manifest.")
    return paths, in_graph, targets, rates, accompaniments, accompaniments_in_graph


def _decode_outside_graph(path, sample_rate, strict):
    """soundfile + soxr, for tf.numpy_function: mono float32 at `sample_rate`.

    An unusable file (NaN/inf samples only show when decoded) gives an empty array and a
    warning, or with `strict` a ValueError naming it, which stops the iteration.
    """
    path = path.decode() if isinstance(path, bytes) else str(path)
    try:
        audio, rate = soundfile.read(path, dtype="float32", always_2d=True)
        check_samples(audio, "the samples")
        mono = audio.mean(axis=1, dtype=np.float32)
        if rate != sample_rate:
            mono = soxr.resample(mono, rate, int(sample_rate), quality="HQ").astype(np.float32)
        # Also after resampling: one sample at 44.1 kHz is none at 16 kHz, which the dataset would drop unsaid.
        if not len(mono):
            raise ValueError(f"no samples at {int(sample_rate)} Hz")
    except (RuntimeError, ValueError, OSError) as error:
        if strict:
            raise ValueError(f"{path}: unreadable during decoding ({error}).") from error
        warnings.warn(f"{path}: unreadable during decoding, skipped ({error}).", SkippedAudioWarning, stacklevel=2)
        return np.zeros(0, np.float32)
    return mono


def _checked_labels(labels):
    """`labels` as a tuple of distinct label names."""
    names = tuple(labels) if isinstance(labels, (list, tuple)) else None
    if names is None or not all(isinstance(label, str) for label in names):
        raise ValueError(f"`labels` must be a list or tuple of label names (strings); received {labels!r}.")
    labels = names
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise ValueError(f"`labels` must name each label once; {repeated} repeat in {labels!r}.")
    return labels


def _mix_batch(tf, probability, waveform, target, seed):
    """Mix each example, with `probability`, with the previous one of its batch; targets become their union.

    `seed` is the batch's stateless seed pair (int64 `(2,)`)."""
    size = tf.shape(waveform)[0]
    chosen = tf.random.stateless_uniform([size], seed=seed) < probability
    gain = tf.random.stateless_uniform([size], seed=seed + [0, 1], minval=MIX_GAINS[0], maxval=MIX_GAINS[1])
    gain = tf.where(chosen, gain, 0.0)
    waveform = (waveform + gain[:, None] * tf.roll(waveform, 1, axis=0)) / (1.0 + gain[:, None])
    union = tf.maximum(target, tf.roll(target, 1, axis=0))
    chosen = tf.reshape(chosen, tf.concat([[size], tf.ones([tf.rank(target) - 1], tf.int32)], axis=0))
    return waveform, tf.where(chosen, union, target)


def _remix_batch(tf, probability, waveform, accompaniment, target, hop, seed):
    """Lay each example's marked part over the previous example's accompaniment, with `probability`.

    An example's marked part is `waveform - accompaniment`; its marked samples are those of the frames where a
    target reaches 0.5. The part is scaled so that its RMS over the marked samples lies a level drawn uniformly
    from `REMIX_LEVELS_DB` above the new accompaniment's RMS over the same samples, and the sum is scaled to a
    peak drawn from `REMIX_PEAKS`. An example with no marked sample, or whose new accompaniment is quieter than
    `REMIX_MIN_ACCOMPANIMENT_DB` there, keeps its own audio. Targets are unchanged: they mark the part.

    Args:
        waveform, accompaniment: float32 `(batch, samples)`.
        target: float32 `(batch, frames, n_labels)`, frame `k` starting at sample `k * hop`.
        seed: the batch's stateless seed pair (int64 `(2,)`).

    Returns:
        float32 `(batch, samples)`.
    """
    size, samples = tf.shape(waveform)[0], tf.shape(waveform)[1]
    marked = tf.cast(tf.reduce_max(target, axis=-1) >= 0.5, waveform.dtype)
    marked = tf.repeat(marked, hop, axis=1)[:, :samples]
    count = tf.reduce_sum(marked, axis=1)

    def mean_square(signal):
        return tf.math.divide_no_nan(tf.reduce_sum(tf.square(signal) * marked, axis=1), count)

    part = waveform - accompaniment
    donor = tf.roll(accompaniment, 1, axis=0)
    donor_power = mean_square(donor)
    level = tf.random.stateless_uniform([size], seed=seed + [0, 2], minval=REMIX_LEVELS_DB[0],
                                        maxval=REMIX_LEVELS_DB[1])
    gain = 10.0 ** (level / 20.0) * tf.sqrt(tf.math.divide_no_nan(donor_power, mean_square(part)))
    remixed = donor + gain[:, None] * part
    peak = tf.random.stateless_uniform([size], seed=seed + [0, 3], minval=REMIX_PEAKS[0], maxval=REMIX_PEAKS[1])
    remixed *= tf.math.divide_no_nan(peak, tf.reduce_max(tf.abs(remixed), axis=1))[:, None]
    chosen = ((tf.random.stateless_uniform([size], seed=seed + [0, 4]) < probability)
              & (donor_power > 10.0 ** (REMIX_MIN_ACCOMPANIMENT_DB / 10.0)))
    return tf.where(chosen[:, None], remixed, waveform)


def _resampled(tf, segment, rate, samples):
    """`samples` rows of `segment` (`(length, channels)`) read at `n * rate` (float64 scalar), n = 0, 1, ..., by
    linear interpolation."""
    position = tf.range(samples, dtype=tf.float64) * rate
    before = tf.cast(tf.floor(position), tf.int32)
    fraction = tf.cast(position - tf.floor(position), segment.dtype)[:, None]
    return tf.gather(segment, before) * (1.0 - fraction) + tf.gather(segment, before + 1) * fraction


def _pass_seeds(tf, seed):
    """A dataset of one stateless seed pair (int64 `(2,)`), a new one each time it is iterated (each pass over the
    clips), drawn from `seed` alone: TensorFlow's global seed (`tf.random.set_seed`, which Keras's
    `set_random_seed` sets) does not change it, as it would change `Dataset.shuffle(seed=...)`."""
    generator = tf.random.Generator.from_seed(seed)
    return tf.data.Dataset.from_tensors(0).map(lambda _: generator.make_seeds(1)[:, 0])


def _shuffled_in_blocks(tf, dataset, block, seed):
    """`dataset`'s `(index, waveform)` elements shuffled within consecutive blocks of `block` (as a shuffle buffer
    would, for a cache that can only be read in order), each block by its own stateless permutation."""
    def permuted(number, elements):
        indices, waveforms = elements
        size = tf.shape(indices, out_type=tf.int64)[0]
        order = tf.random.experimental.index_shuffle(
            tf.range(size), tf.random.experimental.stateless_fold_in(seed, number), size - 1)
        return tf.data.Dataset.from_tensor_slices((tf.gather(indices, order), tf.gather(waveforms, order)))

    return dataset.ragged_batch(block).enumerate().flat_map(permuted)


def usable_clips(manifest, preset, labels=None, strict=False):
    """The clips of `manifest` that can train or evaluate `preset`, each file checked once (one warning per skip).

    Args:
        manifest: a `.csv` / `.jsonl` manifest path, or a list of `ManifestEntry`.
        preset: the model's `PresetConfig`: sample rate, hop and labels come from it.
        labels: label names in target order, each once; default `preset.labels`.
        strict: raise on the first unusable file instead of skipping it with a warning.

    Returns:
        :class:`UsableClips`; `len()` counts them.

    Raises:
        ValueError: a manifest that cannot be read (see `mirzoo.data.manifest`); a clip label that is not in
            `labels`; no usable clip. With `strict`, the first unusable audio or frame label file (frame labels
            must be finite, in [0, 1], with one column per label).
    """
    labels = _checked_labels(labels or preset.labels)
    entries = read_manifest(manifest) if isinstance(manifest, (str, os.PathLike)) else list(manifest)
    if not all(isinstance(entry, ManifestEntry) for entry in entries):
        raise ValueError("`manifest` must be a manifest path or a list of ManifestEntry.")
    paths, in_graph, targets, rates, accompaniments, accompaniments_in_graph = _prepare(entries, preset, labels, strict)
    return UsableClips(tuple(paths), tuple(in_graph), tuple(targets), labels, tuple(rates), tuple(accompaniments),
                       tuple(accompaniments_in_graph))


def check_augmentation(mix, speed, remix=0.0):
    """Raise a ValueError naming `mix`, `speed` or `remix` (see :func:`clip_dataset`) when it is not a number in its
    range."""
    for name, probability in (("mix", mix), ("remix", remix)):
        if (isinstance(probability, bool) or not isinstance(probability, numbers.Real)
                or not 0.0 <= probability <= 1.0):
            raise ValueError(f"`{name}` is a probability in [0, 1]; received {probability!r}.")
    if isinstance(speed, bool) or not isinstance(speed, numbers.Real) or not 1.0 <= speed <= MAX_SPEED:
        raise ValueError(f"`speed` is the largest speed-up factor, a number in [1, {MAX_SPEED:g}] (1: off); "
                         f"received {speed!r}.")


def _checked_options(crop, training, mix, batch_size, speed, remix):
    """`(crop, batch_size)` with the default crop, or a ValueError naming a bad option."""
    crop = crop or ("random" if training else "center")
    if crop not in CROPS:
        raise ValueError(f"`crop` must be one of {CROPS}; received {crop!r}.")
    check_augmentation(mix, speed, remix)
    return crop, check_count("batch_size", batch_size)


def from_manifest(manifest, preset, batch_size=16, training=True, seed=0, crop=None, cache=False, strict=False,
                  labels=None, mix=0.0, speed=1.0, remix=0.0):
    """A `tf.data.Dataset` of `(waveform, target)` batches for `preset`: :func:`usable_clips`, then
    :func:`clip_dataset`.

    Args:
        manifest: a `.csv` / `.jsonl` manifest path, or a list of `ManifestEntry`.
        preset: the model's `PresetConfig` (`model.preset`): sample rate, clip
            length, hop and labels come from it.
        batch_size, training, seed, crop, cache, mix, speed, remix: see :func:`clip_dataset`.
        strict: raise on the first unusable file instead of skipping it with a warning
            (files whose samples are NaN/inf raise when iteration reaches them).
        labels: label names in target order, each once; default `preset.labels`.

    Returns:
        `tf.data.Dataset`, as :func:`clip_dataset`.

    Raises:
        ValueError: as :func:`usable_clips` and :func:`clip_dataset`; bad options before any file is read.
    """
    _checked_options(crop, training, mix, batch_size, speed, remix)  # before any file is read
    clips = usable_clips(manifest, preset, labels=labels, strict=strict)
    return clip_dataset(clips, preset, batch_size=batch_size, training=training, seed=seed, crop=crop, cache=cache,
                        strict=strict, mix=mix, speed=speed, remix=remix)


def clip_dataset(clips, preset, batch_size=16, training=True, seed=0, crop=None, cache=False, strict=False, mix=0.0,
                 speed=1.0, remix=0.0):
    """A `tf.data.Dataset` of `(waveform, target)` batches of `clips` for `preset`.

    Args:
        clips: :class:`UsableClips` from :func:`usable_clips` for the same `preset`.
        preset: the model's `PresetConfig`: sample rate, clip length and hop come from it.
        batch_size: examples per batch, an integer >= 1 (the last partial batch is
            dropped when training, so training needs at least `batch_size` clips).
        training: shuffle (seeded, reshuffled each epoch) and crop randomly.
        seed: decides the shuffling, crops and mixing of every epoch, alone: TensorFlow's global seed
            (`tf.random.set_seed`) does not change them.
        crop: `"random"`, `"center"` or `"start"`; default random when training,
            center otherwise.
        cache: keep decoded audio in memory (`True`) or in files at this path prefix.
        strict: a file whose samples turn out NaN/inf (or unreadable) when decoded
            raises when iteration reaches it, instead of being skipped with a warning.
        mix: when training, the probability that an example is mixed with the
            previous one of its batch (its level drawn between -12 and 0 dB, the sum
            rescaled to keep the peak level) and labelled with the union of both
            targets (their elementwise maximum, for soft labels too). A timbre and
            polyphony augmentation; 0 turns it off.
        speed: when training, each crop is played at a speed drawn log-uniformly from
            `[1 / speed, speed]` (`speed` in [1, 2]; 1 turns it off): `clip_samples * r`
            samples of the clip, from the crop's start, linearly interpolated to
            `clip_samples`, so pitch and tempo change together by `r` (speed
            perturbation; Schlüter & Grill 2015 found pitch shifts the most useful
            augmentation for singing voice detection). No anti-aliasing filter: at
            `r > 1` what lies above `sample_rate / (2 r)` folds back above it.
            Frame targets follow (model frame `k` takes the source frame nearest to
            `k * r`), and soft labels are weighted by the rows' overlap with the audio
            played.
        remix: when training a frame model, the probability that an example's
            marked part (the clip minus its accompaniment: every clip needs one,
            see `mirzoo.data.manifest`) is laid over the previous example's
            accompaniment instead of its own, at a level drawn from -12 to +6 dB
            (RMS over the frames its targets mark, as `mirzoo corpus over-real`
            draws it) and a peak drawn from 0.3 to 0.95; targets are unchanged. A
            clip with nothing marked in its crop keeps its audio. Applied before
            `mix`; 0 turns it off. Remixing keeps each clip's accompaniment in
            memory beside it (twice the `cache`).

    Returns:
        `tf.data.Dataset` of `waveform` float32 `(batch, clip_samples)` and
        `target` float32 `(batch, n_labels)` (taggers: a clip's labels, or its soft
        labels averaged over the crop) or `(batch, frames, n_labels)` (frame models,
        `frames = 1 + clip_samples // hop_length`), all in [0, 1].

        A training dataset knows its length, `len(clips) // batch_size` batches per
        epoch, which Keras needs to end an epoch without "running out of data": a clip
        found unusable only when decoded (NaN samples) is replaced by one of the next,
        reshuffled pass (over half of them unusable: `tf.errors.FailedPreconditionError`
        at the end of the epoch). An evaluation dataset leaves such clips out, so its
        length is unknown: tell Keras `steps=math.ceil(len(clips) / batch_size)`.

    Raises:
        ValueError: a bad argument (naming its value); when training, fewer clips
            than `batch_size` (the dataset would be empty); `remix` for a tagger, or
            for clips without an accompaniment.
    """
    tf = require_tensorflow("mirzoo.data.from_manifest (tf.data)")
    crop, batch_size = _checked_options(crop, training, mix, batch_size, speed, remix)
    if not isinstance(clips, UsableClips):
        raise TypeError(f"`clips` must be UsableClips from usable_clips(); received a {type(clips).__name__}.")
    remixing = training and remix > 0
    if remixing:
        if preset.task != "frames":
            raise ValueError(f"`remix` lays a frame model's marked part over other accompaniment; {preset.name} "
                             f"is a tagger.")
        missing = [path for path, accompaniment in zip(clips.paths, clips.accompaniments) if accompaniment is None]
        if missing:
            raise ValueError(f"`remix` needs every clip's accompaniment; {len(missing)} of {len(clips)} clips name "
                             f"none (the first: {missing[0]}). Give the manifest an accompaniment column.")
    count = len(clips)
    if training and count < batch_size:
        raise ValueError(f"{count} usable clip(s), fewer than batch_size={batch_size}: training drops the "
                         f"last partial batch, so the dataset would be empty. Use a smaller batch_size.")
    frame_task = preset.task == "frames"
    clip, hop, n_labels = preset.clip_samples, preset.frontend["hop_length"], len(clips.labels)
    clip_frames = 1 + clip // hop

    path_table = tf.constant(clips.paths)
    graph_table = tf.constant(clips.decodes_in_graph)
    if remixing:
        accompaniment_table = tf.constant(clips.accompaniments)
        accompaniment_graph_table = tf.constant(clips.accompaniments_decode_in_graph)
    if frame_task:
        tables = clips.targets
    else:
        # Clip labels are a one-row table: whatever the crop, its target is that row (overlapped, or the nearest),
        # so the row may last anything (one clip); soft labels' rows last `sample_rate / rate` samples.
        tables = [np.atleast_2d(target) for target in clips.targets]
        row_samples = tf.constant([preset.sample_rate / rate if rate else clip for rate in clips.target_rates],
                                  tf.float64)
    target_table = tf.RaggedTensor.from_row_lengths(np.concatenate(tables), [len(t) for t in tables], validate=False)

    def read(path, in_graph):
        def in_graph_decode():
            audio, _ = tf.audio.decode_wav(tf.io.read_file(path))
            return tf.reduce_mean(audio, axis=1)

        def outside_graph_decode():
            audio = tf.numpy_function(_decode_outside_graph, [path, preset.sample_rate, strict], tf.float32,
                                      stateful=False)
            return tf.reshape(audio, [-1])

        return tf.cond(in_graph, in_graph_decode, outside_graph_decode)

    def decode(index):
        """`(index, waveform)`: float32 `(samples, channels)`, the clip and, when remixing, its accompaniment."""
        audio = read(path_table[index], graph_table[index])
        if not remixing:
            return index, audio[:, None]
        accompaniment = tf.cond(accompaniment_table[index] == path_table[index], lambda: audio,  # a twin: read once
                                lambda: read(accompaniment_table[index], accompaniment_graph_table[index]))
        length = tf.minimum(tf.shape(audio)[0], tf.shape(accompaniment)[0])  # one unreadable: none
        return index, tf.stack([audio[:length], accompaniment[:length]], axis=1)

    perturbed = training and speed > 1.0
    channels = 2 if remixing else 1

    def cut(index, waveform, seed_pair):
        example_seed = tf.random.experimental.stateless_fold_in(seed_pair, index)
        if perturbed:
            draw = tf.random.stateless_uniform([], seed=tf.random.experimental.stateless_fold_in(example_seed, 1),
                                               minval=-1.0, maxval=1.0, dtype=tf.float64)
            rate = tf.exp(draw * np.log(speed))
            # Output sample n reads source sample n * rate: the last one needs the sample after floor((clip-1)*rate).
            span = tf.cast(tf.floor((clip - 1) * rate), tf.int32) + 2
        else:
            rate, span = 1.0, clip
        length = tf.shape(waveform)[0]
        spare = tf.maximum(length - span, 0)
        if crop == "random":
            draw = tf.random.stateless_uniform([], seed=example_seed)
            start = tf.cast(draw * tf.cast(spare + 1, tf.float32), tf.int32)
        elif crop == "center":
            start = spare // 2
        else:
            start = tf.constant(0)
        start = tf.minimum(start // hop * hop, spare) if frame_task else tf.minimum(start, spare)
        segment = waveform[start : start + span]
        segment = tf.pad(segment, [[0, span - tf.shape(segment)[0]], [0, 0]])
        if perturbed:
            segment = _resampled(tf, segment, rate, clip)
        segment = tf.ensure_shape(segment, [clip, channels])
        if not frame_task:
            rows = target_table[index]
            weights = _soft_target_weights(tf, tf.shape(rows)[0], row_samples[index], start, clip * rate)
            target = tf.cast(tf.linalg.matvec(tf.cast(rows, tf.float64), weights, transpose_a=True), tf.float32)
            return segment, tf.ensure_shape(target, [n_labels]), seed_pair
        # Model frame k plays the source frame nearest k * rate; past the table's end, no label sounds.
        table = target_table[index]
        source = start // hop + tf.cast(tf.round(tf.range(clip_frames, dtype=tf.float64) * rate), tf.int32)
        frames = tf.gather(table, tf.minimum(source, tf.shape(table)[0] - 1))
        frames = tf.where((source < tf.shape(table)[0])[:, None], frames, tf.zeros_like(frames))
        return segment, tf.ensure_shape(frames, [clip_frames, n_labels]), seed_pair

    decoded = tf.data.Dataset.range(count)
    if cache or not training:
        decoded = decoded.map(decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        decoded = decoded.filter(lambda index, waveform: tf.size(waveform) > 0)
    if cache:
        decoded = decoded.cache("" if cache is True else os.fspath(cache))

    def one_pass(seed_pair):
        """The clips of one pass, in a new order when training, each with the pass's seed pair."""
        if not training:
            clips = decoded
        elif cache:
            clips = _shuffled_in_blocks(tf, decoded, min(count, 1024), seed_pair)
        else:
            order = tf.data.Dataset.range(count).map(
                lambda i: tf.random.experimental.index_shuffle(i, seed_pair, tf.constant(count - 1, tf.int64)))
            clips = order.map(decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
            clips = clips.filter(lambda index, waveform: tf.size(waveform) > 0)
        return clips.map(lambda index, waveform: (index, waveform, seed_pair))

    dataset = _pass_seeds(tf, seed).flat_map(one_pass)
    if training:
        # The filter leaves the length unknown; a second pass fills the place of a clip skipped while decoding, so
        # that every epoch has `count` clips and can say so.
        dataset = dataset.repeat(2).take(count).apply(tf.data.experimental.assert_cardinality(count))
    dataset = dataset.map(cut, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    dataset = dataset.batch(batch_size, drop_remainder=training).enumerate()

    def augment(number, batch):
        """A batch's `(waveform, target)`: its clips, remixed and mixed when asked."""
        waveform, target, seed_pairs = batch
        seed_pair = tf.random.experimental.stateless_fold_in(seed_pairs[0], number)
        if remixing:
            waveform = _remix_batch(tf, remix, waveform[..., 0], waveform[..., 1], target, hop, seed_pair)
        else:
            waveform = waveform[..., 0]
        if training and mix > 0:
            return _mix_batch(tf, mix, waveform, target, seed_pair)
        return waveform, target

    dataset = dataset.map(augment, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    options = tf.data.Options()
    options.deterministic = True
    return dataset.with_options(options).prefetch(tf.data.AUTOTUNE)
