"""Presets: what a named model is (architecture, input contract, labels, front end, weights, metrics).

A preset is data. It is written to `preset.json` beside its weights and read
back from there, so a trained model directory describes itself.
"""

import dataclasses
import hashlib
import json
import math
import numbers
import os
import re

from mirzoo.audio import SAMPLE_RATE_RANGE
from mirzoo.decoders.segments import segment_parameters

TASKS = ("tagging", "frames", "classification")
# The decoders a preset may name, per task (see `PresetConfig.decoder`).
DECODERS = {"frames": ("onsets", "beats", "downbeats", "chords", "notes", "segments"), "classification": ("key",)}
PRESET_FILE = "preset.json"
WEIGHTS_SUFFIX = ".weights.h5"
_SHA256 = re.compile("[0-9a-fA-F]{64}")


class InvalidPresetError(ValueError):
    """A preset (or its `preset.json`) that is malformed or contradicts itself."""


def _is_positive_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value) and value > 0


@dataclasses.dataclass(frozen=True)
class WeightsFile:
    """A weights file and the SHA-256 it must have.

    Attributes:
        file: file name, relative to the preset directory (`*.weights.h5`).
        sha256: lowercase hex digest of the file's bytes.
    """

    file: str
    sha256: str

    def __post_init__(self):
        name = self.file
        # A bare name: a preset directory must not point at files outside itself ("../x", "/etc/x").
        if (not isinstance(name, str) or not name.endswith(WEIGHTS_SUFFIX) or "/" in name or "\\" in name
                or os.path.basename(name) != name or os.path.isabs(name)):
            raise InvalidPresetError(
                f"weights.file must be a file name ending in {WEIGHTS_SUFFIX} inside the preset directory, "
                f"without folders; received {name!r}."
            )
        if not isinstance(self.sha256, str) or not _SHA256.fullmatch(self.sha256):
            raise InvalidPresetError(f"weights.sha256 must be 64 hex digits; received {self.sha256!r}.")


@dataclasses.dataclass(frozen=True)
class PresetConfig:
    """Everything a user or a tool needs to know about a named model.

    Attributes:
        name: `"arch.tag"`.
        arch: the architecture's registered name.
        task: `"tagging"` (one score per label per clip window), `"frames"` (scores per frame) or
            `"classification"` (one probability distribution over the labels for the whole recording).
        sample_rate: sampling rate in Hz the model's input must have.
        clip_seconds: the window a tagger scores at once; for frame models, the
            chunk length `mirzoo.predict` feeds at once (any length works).
        frame_rate: output frames per second for frame models (frame `k` is at
            `k / frame_rate` s); `None` for taggers.
        labels: output names, in output order.
        frontend: the in-graph front end: `{"kind": "mel" | "logfreq", **parameters}`.
        arch_config: keyword arguments of the architecture's builder (the body).
        weights: the trained weights, or `None` when the preset has none yet.
        metrics: measured results, e.g. `{"test_macro_roc_auc": 0.93}`.
        license: licence of the weights.
        paper: the architecture's reference.
        notes: where and why the preset departs from the paper.
        training: how `mirzoo.train` made these weights, for a preset it wrote (empty
            otherwise): `base_preset` (the name it started from), `base_weights` (`None`
            for a random start, else `{"weights": "default" or the path given,
            "sha256": ...}`: what the run's first call started from, even when a resumed
            call named other weights), `train_manifest` and `validation_manifest`
            (`{"path", "sha256"}`, or `None`), `epochs` (completed, resumed ones
            included), `learning_rates` (`[[first epoch, rate], ...]`, a pair wherever a
            resumed call changed it; `null` for epochs saved before checkpoints recorded
            it), and the `seed`, `batch_size`, `crop_seconds`, `mix`, `mixed_precision`
            and `early_stopping_patience` of the call that finished the run. A distilled
            preset (`scripts/distill_taggers.py`) records its run instead: `teacher`,
            `init`, the corpus and its split, `epochs`, `best_epoch`, `history` and the
            optimisation settings. A record only: weights files do not store it in their
            contract, so it never decides whether weights load.
        decoder: how `mirzoo.predict` turns a model's activations into events (empty: none):
            `{"name": ..., **parameters}`. Frame models: `"onsets"`, `"beats"`, `"downbeats"`, `"chords"` or
            `"notes"`, with the parameters of :func:`mirzoo.decoders.pick_onsets`,
            :func:`~mirzoo.decoders.track_beats`, :func:`~mirzoo.decoders.track_downbeats`,
            :func:`~mirzoo.decoders.decode_chords` (whose CRF is the model's `crf` layer) or
            :func:`~mirzoo.decoders.track_notes`, or `"segments"` with the `threshold` and `min_seconds` of
            :func:`~mirzoo.decoders.active_segments` (a voice detector's decision threshold, chosen on validation
            data: what `FramesResult.segments` and `mirzoo predict` use unless told otherwise); classifiers:
            `"key"` (the result names its label the key).
            Outside the graph, so not in the weights' contract.
    """

    name: str
    arch: str
    task: str
    sample_rate: int
    clip_seconds: float
    frame_rate: float | None
    labels: tuple
    frontend: dict
    arch_config: dict = dataclasses.field(default_factory=dict)
    weights: WeightsFile | None = None
    metrics: dict = dataclasses.field(default_factory=dict)
    license: str = ""
    paper: str = ""
    notes: str = ""
    training: dict = dataclasses.field(default_factory=dict)
    decoder: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.name, str) or not isinstance(self.arch, str):
            raise InvalidPresetError(f"Preset name and arch must be strings; received {self.name!r}, {self.arch!r}.")
        if self.task not in TASKS:
            raise InvalidPresetError(f"Preset {self.name!r}: task must be one of {TASKS}; received {self.task!r}.")
        if "." not in self.name or self.name.split(".", 1)[0] != self.arch:
            raise InvalidPresetError(f"Preset names are 'arch.tag' with arch={self.arch!r}; received {self.name!r}.")
        if (self.task == "frames") != (self.frame_rate is not None):
            raise InvalidPresetError(
                f"Preset {self.name!r}: frame models need a frame_rate, taggers must not have one.")
        if isinstance(self.labels, (str, dict)) or not all(isinstance(label, str) for label in self.labels):
            raise InvalidPresetError(
                f"Preset {self.name!r}: labels must be a list of strings; received {self.labels!r}.")
        object.__setattr__(self, "labels", tuple(self.labels))
        if not self.labels:
            raise InvalidPresetError(f"Preset {self.name!r} has no labels.")
        repeated = sorted({label for label in self.labels if self.labels.count(label) > 1})
        if repeated:
            raise InvalidPresetError(f"Preset {self.name!r}: labels must be distinct; {repeated} appear twice or more.")
        low, high = SAMPLE_RATE_RANGE
        if (isinstance(self.sample_rate, bool) or not isinstance(self.sample_rate, int)
                or not low <= self.sample_rate <= high):
            raise InvalidPresetError(f"Preset {self.name!r}: sample_rate must be an integer number of Hz between "
                                     f"{low:,} and {high:,}; received {self.sample_rate!r}.")
        for field in ("clip_seconds",) + (("frame_rate",) if self.frame_rate is not None else ()):
            if not _is_positive_number(getattr(self, field)):
                raise InvalidPresetError(f"Preset {self.name!r}: {field} must be a finite positive number; received "
                                         f"{getattr(self, field)!r}.")
        if self.clip_samples < 1:
            raise InvalidPresetError(f"Preset {self.name!r}: clip_seconds={self.clip_seconds!r} is shorter than one "
                                     f"sample at {self.sample_rate} Hz.")
        for field in ("frontend", "arch_config", "metrics", "training", "decoder"):
            if not isinstance(getattr(self, field), dict):
                raise InvalidPresetError(f"Preset {self.name!r}: {field} must be a mapping; received "
                                         f"{getattr(self, field)!r}.")
        if self.decoder and self.decoder.get("name") not in DECODERS.get(self.task, ()):
            raise InvalidPresetError(f"Preset {self.name!r}: a {self.task} model's decoder must name one of "
                                     f"{DECODERS.get(self.task, ())}; received {self.decoder!r}.")
        if self.decoder.get("name") == "segments":
            try:
                segment_parameters(**{key: value for key, value in self.decoder.items() if key != "name"})
            except (TypeError, ValueError) as error:
                raise InvalidPresetError(f"Preset {self.name!r}: its segments decoder: {error}") from None
        if self.weights is not None and not isinstance(self.weights, WeightsFile):
            raise InvalidPresetError(f"Preset {self.name!r}: weights must be a WeightsFile or None.")

    @property
    def tag(self):
        return self.name.split(".", 1)[1]

    @property
    def clip_samples(self):
        return int(round(self.clip_seconds * self.sample_rate))

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        data = dataclasses.asdict(self)
        data["labels"] = list(self.labels)
        return data

    @classmethod
    def from_dict(cls, data):
        if not isinstance(data, dict):
            raise InvalidPresetError(f"A preset is a JSON object; received a {type(data).__name__}.")
        data = dict(data)
        fields = dataclasses.fields(cls)
        unknown = set(data) - {field.name for field in fields}
        if unknown:
            raise InvalidPresetError(f"Unknown preset fields {sorted(unknown)}.")
        missing = [field.name for field in fields if field.name not in data and field.default is dataclasses.MISSING
                   and field.default_factory is dataclasses.MISSING]
        if missing:
            raise InvalidPresetError(f"Missing preset fields {missing}.")
        weights = data.get("weights")
        if weights is not None:
            if not isinstance(weights, dict) or set(weights) != {"file", "sha256"}:
                raise InvalidPresetError(f'weights must be {{"file": ..., "sha256": ...}}; received {weights!r}.')
            data["weights"] = WeightsFile(**weights)
        return cls(**data)


def sha256_of(path):
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_preset(config, directory):
    """Write `preset.json` into `directory` (created if needed); returns its path."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, PRESET_FILE)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(config.to_dict(), handle, indent=2, sort_keys=True)
        handle.write("\n")
    return path


def read_preset(directory):
    """Read `directory/preset.json` into a :class:`PresetConfig`.

    Raises:
        FileNotFoundError: the directory has no `preset.json`.
        InvalidPresetError: the file is not JSON, lacks or adds fields, or holds values of the wrong kind
            (the message names the file).
    """
    path = os.path.join(directory, PRESET_FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{directory}: not a preset directory (no {PRESET_FILE}).")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return PresetConfig.from_dict(data)
    except (TypeError, ValueError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InvalidPresetError(f"{path}: not a valid preset file ({error}).") from error
