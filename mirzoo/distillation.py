"""Distillation: a teacher tagger's taggrams over a corpus as soft labels, and student taggers trained on them.

A corpus is a folder with `tracks.jsonl` (one JSON row per track: `file`, the audio's path relative to the
folder, `seconds`, and `split`, "train" or "validation"; `mirzoo corpus debian` writes one). Four steps, each
resumable (a track whose output exists is skipped), each a function:

- :func:`label_with_teacher`: the teacher's taggram of every track (`teacher/<teacher>/<track>.npy`,
  `(patches, labels)` float32), and one soft-label manifest per split (`teacher/<teacher>/<split>.jsonl`, rows
  `{"audio", "frame_labels", "frame_rate"}`: the form `mirzoo.train` reads, see `mirzoo.data.manifest`).
- :func:`extract_features`: the student's front-end output of every track (`features/<student>/<track>.npy`,
  float16). The front end has no trainable weights, so computing it once gives the features every epoch would
  recompute; the on-graph front end of the trained model computes the same features at inference.
- :func:`train_student`: the student's network (all of it after the front end) on random crops of those
  features, each labelled with the teacher's scores over the crop (:func:`crop_target`), with binary
  cross-entropy, softened by a temperature where asked (:class:`TemperedBinaryCrossentropy`); checkpointed every
  epoch (`mirzoo.checkpoints`), so a run stops and resumes without loss.
- :func:`compare_with_teacher`: the student against the teacher on a split's tracks, end to end through
  `mirzoo.predict` (ROC-AUC, Spearman correlation, top-5 agreement).

:func:`folder_as_corpus` makes a corpus of one split ("test") of any folder of recordings, to measure a student
against its teacher on music held out of the corpus altogether.
"""

import dataclasses
import json
import os
import time

import keras
import numpy as np

from mirzoo import checkpoints

TRACKS = "tracks.jsonl"
# Positives of the ROC-AUC against a teacher: the segments whose teacher score is in the tag's top 20 %.
POSITIVE_QUANTILE = 0.8
# The recordings :func:`folder_as_corpus` lists.
AUDIO_EXTENSIONS = (".flac", ".ogg", ".wav", ".mp3", ".opus")


def read_tracks(corpus_dir):
    """The rows of `corpus_dir/tracks.jsonl`, in file order."""
    path = os.path.join(corpus_dir, TRACKS)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no track list; build the corpus first (mirzoo corpus debian).")
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def folder_as_corpus(audio_dir, out_dir, split="test"):
    """Make a corpus of every recording under `audio_dir` (recursively, by extension), all in `split`: music held
    out of training (another package of Debian's archive) to measure students against their teacher on.

    `out_dir/audio` links to `audio_dir` (nothing is copied) and `out_dir/tracks.jsonl` lists the recordings
    (`file`, `seconds`, `split`), sorted; the teacher's taggrams then go to `out_dir/teacher` as for any corpus.

    Returns:
        `out_dir`.
    """
    import soundfile

    audio_dir = os.path.abspath(audio_dir)
    found = sorted(os.path.relpath(os.path.join(folder, name), audio_dir)
                   for folder, _, names in os.walk(audio_dir, followlinks=True) for name in names
                   if name.lower().endswith(AUDIO_EXTENSIONS))
    if not found:
        raise ValueError(f"{audio_dir}: no recordings ({', '.join(AUDIO_EXTENSIONS)}).")
    os.makedirs(out_dir, exist_ok=True)
    link = os.path.join(out_dir, "audio")
    if os.path.islink(link) and os.readlink(link) != audio_dir:
        os.remove(link)
    if not os.path.lexists(link):
        os.symlink(audio_dir, link)
    rows = [{"file": f"audio/{path}", "seconds": round(soundfile.info(os.path.join(audio_dir, path)).duration, 3),
             "split": split} for path in found]
    listing = os.path.join(out_dir, TRACKS)
    with open(f"{listing}.tmp", "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)
    os.replace(f"{listing}.tmp", listing)
    return out_dir


def _track_name(row):
    """The track's output name: its audio path below `audio/`, without the extension (`0ad-data/Sands_of_Time`)."""
    name = os.path.splitext(row["file"])[0]
    return name[len("audio/"):] if name.startswith("audio/") else name


def _save_atomically(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.tmp-{os.getpid()}.npy"
    np.save(temporary, array)
    os.replace(temporary, path)


def _progress(rows, description, progress):
    from tqdm.auto import tqdm

    return tqdm(rows, desc=description, unit="track", disable=not progress)


def teacher_dir(corpus_dir, teacher):
    return os.path.join(corpus_dir, "teacher", teacher)


def label_with_teacher(corpus_dir, teacher="musicnn.mtt", progress=True):
    """Score every track of the corpus with `teacher` and write one soft-label manifest per split.

    Args:
        corpus_dir: the corpus folder (`tracks.jsonl` and the audio).
        teacher: a tagging preset name. A patch tagger (musicnn's) scores non-overlapping patches; of another
            tagger's windows, those end to end are kept (not the tail window aligned to the end of the file).
        progress: show a progress bar.

    Returns:
        `{split: manifest path}`. Each manifest row is `{"audio", "frame_labels", "frame_rate"}` (paths relative
        to the manifest), `frame_rate` in taggram rows per second: row `k` scores `[k / rate, (k + 1) / rate)` s.
    """
    from mirzoo.inference import predict
    from mirzoo.loading import load

    rows = read_tracks(corpus_dir)
    out = teacher_dir(corpus_dir, teacher)
    model, rate = None, None
    rate_path = os.path.join(out, "frame_rate.json")
    if os.path.isfile(rate_path):
        with open(rate_path, encoding="utf-8") as handle:
            rate = json.load(handle)["frame_rate"]
    for row in _progress(rows, f"{teacher} taggrams", progress):
        path = os.path.join(out, _track_name(row) + ".npy")
        if os.path.isfile(path):
            continue
        model = model or load(teacher)
        result = predict(model, os.path.join(corpus_dir, row["file"]))
        rate = 1.0 / result.window_seconds
        # Rows end to end: a window tagger's last window, aligned to the end of the file, overlaps the one before.
        end_to_end = np.isclose(result.window_times, np.arange(len(result.window_times)) * result.window_seconds)
        _save_atomically(path, result.taggram[end_to_end].astype(np.float32))
    if rate is None:
        raise ValueError(f"{corpus_dir}: no tracks to label.")
    os.makedirs(out, exist_ok=True)
    with open(rate_path, "w", encoding="utf-8") as handle:
        json.dump({"frame_rate": rate}, handle)
    manifests = {}
    for split in sorted({row.get("split", "train") for row in rows}):
        manifest = os.path.join(out, f"{split}.jsonl")
        with open(manifest, "w", encoding="utf-8") as handle:
            for row in rows:
                if row.get("split", "train") == split:
                    handle.write(json.dumps({
                        "audio": os.path.relpath(os.path.join(corpus_dir, row["file"]), out),
                        "frame_labels": _track_name(row) + ".npy", "frame_rate": rate}) + "\n")
        manifests[split] = manifest
    return manifests


def read_taggram(corpus_dir, teacher, row):
    """`(taggram (rows, labels), rate rows/s)` of one track, as :func:`label_with_teacher` wrote it."""
    out = teacher_dir(corpus_dir, teacher)
    with open(os.path.join(out, "frame_rate.json"), encoding="utf-8") as handle:
        rate = json.load(handle)["frame_rate"]
    return np.load(os.path.join(out, _track_name(row) + ".npy")), rate


def crop_target(taggram, rate, start, seconds):
    """The teacher's scores over the crop `[start, start + seconds)` (seconds): the mean of the taggram rows it
    overlaps, each weighted by its overlap (row `k` covers `[k / rate, (k + 1) / rate)`). A crop that overlaps no
    row (past the last, which scores whole patches only) takes the last row.

    Returns:
        float32 `(labels,)`.
    """
    first = max(0, int(np.floor(start * rate)))
    last = min(len(taggram), int(np.ceil((start + seconds) * rate)))
    if last <= first:
        return taggram[-1].astype(np.float32)
    rows = np.arange(first, last)
    overlap = np.minimum(start + seconds, (rows + 1) / rate) - np.maximum(start, rows / rate)
    weights = np.clip(overlap, 0.0, None)
    return (weights @ taggram[first:last] / weights.sum()).astype(np.float32)


def features_dir(corpus_dir, student):
    return os.path.join(corpus_dir, "features", student)


def extract_features(corpus_dir, student, progress=True):
    """Write the front-end output of `student` (a model from `mirzoo.build` / `load`) for every track.

    A decibel front end's `top_db` floor is relative to each example's peak, so it is left out here and applied
    to each crop when training (:func:`floor_like_the_front_end`), as the model applies it to each input.

    Returns:
        the features folder: `<track>.npy`, float16 `(frames, ...)`, frame `k` centred on sample
        `k · hop_length` at the student's rate (the front end of the whole recording, computed in chunks).
    """
    from mirzoo.inference import front_end_features
    from mirzoo.loading import build

    front_end = build(student.preset, top_db=None) if "top_db" in student.preset.frontend else student
    out = features_dir(corpus_dir, student.preset.name)
    for row in _progress(read_tracks(corpus_dir), f"{student.preset.name} features", progress):
        path = os.path.join(out, _track_name(row) + ".npy")
        if not os.path.isfile(path):
            _save_atomically(path, front_end_features(front_end, os.path.join(corpus_dir, row["file"]))
                             .astype(np.float16))
    return out


def floor_like_the_front_end(crop, preset):
    """`crop` (float32 `(frames, ...)` of :func:`extract_features`) with the front end's `top_db` floor below
    the crop's own peak, as the model floors each input."""
    top_db = preset.frontend.get("top_db") if preset.frontend.get("compression") == "db" else None
    return crop if top_db is None else np.maximum(crop, crop.max() - np.float32(top_db))


@dataclasses.dataclass
class _Crops:
    """The tracks one split trains or validates on: features, teacher taggrams and rates."""

    features: list
    taggrams: list
    rate: float

    @property
    def weights(self):
        """Chance of each track being drawn: its share of the frames."""
        lengths = np.array([len(f) for f in self.features], np.float64)
        return lengths / lengths.sum()


def _load_split(corpus_dir, student, teacher, split, crop_frames):
    rows = [row for row in read_tracks(corpus_dir) if row.get("split", "train") == split]
    folder = features_dir(corpus_dir, student.preset.name)
    features, taggrams, rate = [], [], None
    for row in rows:
        frames = np.load(os.path.join(folder, _track_name(row) + ".npy"))
        if len(frames) < crop_frames:
            continue  # shorter than one crop: padding would show the network silence it never meets
        taggram, rate = read_taggram(corpus_dir, teacher, row)
        features.append(frames)
        taggrams.append(taggram)
    if not features:
        raise ValueError(f"{corpus_dir}: no {split} track is as long as one crop ({crop_frames} frames).")
    return _Crops(features, taggrams, rate)


def _crop_batch(crops, preset, crop_frames, batch_size, rng):
    """`(features (batch, crop_frames, ...), targets (batch, labels))`: crops of tracks drawn by length."""
    hop_seconds = preset.frontend["hop_length"] / preset.sample_rate
    tracks = rng.choice(len(crops.features), size=batch_size, p=crops.weights)
    inputs, targets = [], []
    for track in tracks:
        frames = crops.features[track]
        start = int(rng.integers(0, len(frames) - crop_frames + 1))
        inputs.append(floor_like_the_front_end(frames[start : start + crop_frames].astype(np.float32), preset))
        targets.append(crop_target(crops.taggrams[track], crops.rate, start * hop_seconds, preset.clip_seconds))
    return np.stack(inputs), np.stack(targets)


def start_from_trained_layers(student, trained):
    """Copy into `student` every layer of `trained` (another model of the same architecture) whose name and weight
    shapes it shares: a student begins from a network that already tells timbres apart. Layers whose shapes
    differ (the head, with the teacher's labels; GRUs the student widens) keep their fresh initialisation.

    Returns:
        The names of the layers copied, in the student's order.
    """
    trained_layers = {layer.name: layer for layer in trained.layers}
    copied = []
    for layer in student.layers:
        source = trained_layers.get(layer.name)
        if source is None or not layer.weights:
            continue
        weights = source.get_weights()
        if [w.shape for w in weights] == [tuple(w.shape) for w in layer.weights]:
            layer.set_weights(weights)
            copied.append(layer.name)
    return copied


def start_from_the_prior(student, crops):
    """Set the bias of `student`'s output layer (`head`, sigmoid) to the logit of the teacher's mean score of each
    label over `crops`' tracks, so that training starts from the best constant answer.

    From a bias of 0 (scores of 0.5 against teacher scores near 0.05) the quickest way down the loss is to saturate
    the layer before the head: the CRNN's GRU state, bounded in [-1, 1], then gives every input the same scores, and
    the network stays there (measured: a Spearman correlation with the teacher near 0 after 300 steps).
    """
    head = student.get_layer("head")
    kernel, _ = head.get_weights()
    prior = np.clip(np.concatenate(crops.taggrams).mean(axis=0), 1e-4, 1 - 1e-4)
    head.set_weights([kernel, np.log(prior / (1 - prior)).astype(kernel.dtype)])


@keras.saving.register_keras_serializable(package="mirzoo")
class TemperedBinaryCrossentropy(keras.losses.Loss):
    """Binary cross-entropy between teacher and student scores softened by a temperature `T` (Hinton et al. 2015,
    per label with sigmoids): both scores' logits are divided by `T` before the cross-entropy, and the loss is
    multiplied by `T²` so that its gradients keep their scale.

    At `T = 1` it is binary cross-entropy. Above 1 it weighs the teacher's small scores by their logits, not their
    size: which of two segments the teacher scores 0.002 and which 0.02 for a tag it rarely gives matters almost
    nothing to plain cross-entropy (the gradient is the difference of the scores) and as much as any other
    difference of logits here. A student's rank order of segments per tag follows the teacher's the more closely.

    Scores (`y_true`, `y_pred`: probabilities in [0, 1]) are clipped to `[epsilon, 1 - epsilon]` before their
    logits are taken.
    """

    def __init__(self, temperature=2.0, epsilon=1e-6, name="tempered_binary_crossentropy", **kwargs):
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature!r}")
        super().__init__(name=name, **kwargs)
        self.temperature, self.epsilon = float(temperature), float(epsilon)

    def _soft_logits(self, scores):
        scores = keras.ops.clip(keras.ops.cast(scores, "float32"), self.epsilon, 1 - self.epsilon)
        return (keras.ops.log(scores) - keras.ops.log1p(-scores)) / self.temperature

    def call(self, y_true, y_pred):
        targets = keras.ops.sigmoid(self._soft_logits(y_true))
        cross_entropy = keras.ops.binary_crossentropy(targets, self._soft_logits(y_pred), from_logits=True)
        return self.temperature**2 * keras.ops.mean(cross_entropy, axis=-1)

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature, "epsilon": self.epsilon}


class CropBatches(keras.utils.PyDataset):
    """`steps` batches of random crops per epoch; batch `i` of epoch `e` is drawn from `(seed, e, i)` alone, so a
    resumed run sees the batches an uninterrupted one would."""

    def __init__(self, crops, preset, crop_frames, batch_size, steps, seed, initial_epoch):
        super().__init__()
        self.crops, self.preset, self.crop_frames, self.batch_size = crops, preset, crop_frames, batch_size
        self.steps, self.seed, self.epoch = steps, seed, initial_epoch

    def __len__(self):
        return self.steps

    def __getitem__(self, index):
        rng = np.random.default_rng([self.seed, self.epoch, index])
        return _crop_batch(self.crops, self.preset, self.crop_frames, self.batch_size, rng)

    def on_epoch_end(self):
        self.epoch += 1


class EpochTimes(keras.callbacks.Callback):
    """Appends each epoch's wall time (seconds) to a JSON list at `path`, kept across resumed runs."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = []
        if os.path.isfile(self.path):
            with open(self.path, encoding="utf-8") as handle:
                seconds = json.load(handle)
        checkpoints.atomic_write_json(seconds[:epoch] + [round(time.perf_counter() - self.started, 1)], self.path)


def _fixed_batches(crops, preset, crop_frames, batch_size, steps, seed):
    """The same `steps` batches every time: the validation crops."""
    rng = np.random.default_rng([seed, 2**31])
    batches = [_crop_batch(crops, preset, crop_frames, batch_size, rng) for _ in range(steps)]
    return np.concatenate([x for x, _ in batches]), np.concatenate([y for _, y in batches])


def train_student(corpus_dir, student, output_dir, teacher="musicnn.mtt", epochs=10, batch_size=32,
                  learning_rate=1e-3, seed=0, steps_per_epoch=None, temperature=1.0, fresh_head=True,
                  verbose="auto"):
    """Train `student`'s network on the corpus's train split against the teacher's soft labels.

    An epoch is `steps_per_epoch` batches of random crops (the student's `clip_seconds`), by default as many
    crops as the train split holds end to end; validation is a fixed set of crops of the validation split, a
    fifth as many as it holds end to end. The best epoch by validation
    loss is kept; calling again with more `epochs` resumes from the last one.

    Args:
        corpus_dir: the corpus, with features (:func:`extract_features`) and taggrams (:func:`label_with_teacher`).
        student: a model from `mirzoo.build` whose labels are the teacher's (same order).
        output_dir: checkpoints (`checkpoints/`) and each epoch's wall time (`epoch_seconds.json`).
        steps_per_epoch: batches per epoch (keep it when resuming: it decides which crops an epoch draws).
        learning_rate: Adam's rate from this call on: resuming with a lower one decays it step-wise.
        temperature: 1 trains with binary cross-entropy, above 1 with :class:`TemperedBinaryCrossentropy` (the
            validation loss, which picks the best epoch, is then the tempered one).
        fresh_head: start the head's bias from the teacher's mean scores (:func:`start_from_the_prior`); `False`
            for a student whose head is trained already (one that goes on from another run's weights).

    Returns:
        `student`, with the best epoch's weights, and the training history (`{metric: [per epoch]}`).
    """
    from mirzoo.inference import front_end_and_network

    preset = student.preset
    crop_frames = 1 + preset.clip_samples // preset.frontend["hop_length"]
    train = _load_split(corpus_dir, student, teacher, "train", crop_frames)
    validation = _load_split(corpus_dir, student, teacher, "validation", crop_frames)
    steps = steps_per_epoch or max(1, sum(len(f) for f in train.features) // crop_frames // batch_size)
    validation_steps = max(1, sum(len(f) for f in validation.features) // crop_frames // batch_size // 5)
    network = front_end_and_network(student)[1]
    loss = "binary_crossentropy" if temperature == 1 else TemperedBinaryCrossentropy(temperature)
    network.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
    checkpoint_dir = os.path.join(output_dir, "checkpoints")
    keras.utils.set_random_seed(seed)
    if fresh_head:
        start_from_the_prior(student, train)
    initial_epoch = checkpoints.restore(network, checkpoint_dir)  # goes on at this call's learning rate
    timer = EpochTimes(os.path.join(output_dir, "epoch_seconds.json"))
    if initial_epoch < epochs:
        network.fit(CropBatches(train, preset, crop_frames, batch_size, steps, seed, initial_epoch),
                    validation_data=_fixed_batches(validation, preset, crop_frames, batch_size, validation_steps, seed),
                    epochs=epochs, initial_epoch=initial_epoch, verbose=verbose,
                    callbacks=[checkpoints.Checkpoints(checkpoint_dir, monitor="val_loss"), timer])
    network.load_weights(os.path.join(checkpoint_dir, checkpoints.BEST_FILE))
    return student, checkpoints.read_state(checkpoint_dir)["history"]


def compare_with_teacher(student, corpus_dir, teacher="musicnn.mtt", split="validation", progress=True):
    """The student against the teacher on a split's tracks, end to end (`mirzoo.predict` on each file).

    Segments are the student's windows (`clip_seconds`, end to end); a segment's teacher score is
    :func:`crop_target` over it; tracks are scored by the mean of their windows, as `TaggingResult.scores`.

    Returns:
        `{"segments": {...}, "tracks": {...}}`, each with `macro_roc_auc` (positives: the teacher's scores in the
        tag's top 20 %), `spearman` (mean per-tag rank correlation), `top5_agreement` (mean share of the teacher's
        five best tags among the student's five best), and `count`.
    """
    from mirzoo.inference import predict

    student_segments, teacher_segments, student_tracks, teacher_tracks = [], [], [], []
    rows = [row for row in read_tracks(corpus_dir) if row.get("split", "train") == split]
    for row in _progress(rows, f"{student.preset.name} vs {teacher}", progress):
        result = predict(student, os.path.join(corpus_dir, row["file"]))
        taggram, rate = read_taggram(corpus_dir, teacher, row)
        targets = np.stack([crop_target(taggram, rate, start, result.window_seconds)
                            for start in result.window_times])
        student_segments.append(result.taggram)
        teacher_segments.append(targets)
        student_tracks.append(result.scores)
        teacher_tracks.append(taggram.mean(axis=0))
    return {"segments": agreement(np.concatenate(teacher_segments), np.concatenate(student_segments)),
            "tracks": agreement(np.stack(teacher_tracks), np.stack(student_tracks))}


def agreement(teacher_scores, student_scores):
    """How well `(n, labels)` student scores follow the teacher's: see :func:`compare_with_teacher`."""
    from mirzoo.evaluation import macro, roc_auc, spearman, top_k_agreement

    positives = teacher_scores >= np.quantile(teacher_scores, POSITIVE_QUANTILE, axis=0)
    return {"macro_roc_auc": macro(roc_auc, positives, student_scores)[0],
            "spearman": macro(spearman, teacher_scores, student_scores)[0],
            "top5_agreement": top_k_agreement(teacher_scores, student_scores, 5),
            "count": int(len(teacher_scores))}
