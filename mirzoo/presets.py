"""Presets: what a named model is (architecture, input contract, labels, front end, weights, metrics).

A preset is data. It is written to `preset.json` beside its weights and read
back from there, so a trained model directory describes itself.
"""

import dataclasses
import hashlib
import json
import os

TASKS = ("tagging", "frames")
PRESET_FILE = "preset.json"


@dataclasses.dataclass(frozen=True)
class WeightsFile:
    """A weights file and the SHA-256 it must have.

    Attributes:
        file: file name, relative to the preset directory (`*.weights.h5`).
        sha256: lowercase hex digest of the file's bytes.
    """

    file: str
    sha256: str


@dataclasses.dataclass(frozen=True)
class PresetConfig:
    """Everything a user or a tool needs to know about a named model.

    Attributes:
        name: `"arch.tag"`.
        arch: the architecture's registered name.
        task: `"tagging"` (one score per label per clip) or `"frames"` (scores per frame).
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

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"Preset {self.name!r}: task must be one of {TASKS}; received {self.task!r}.")
        if "." not in self.name or self.name.split(".", 1)[0] != self.arch:
            raise ValueError(f"Preset names are 'arch.tag' with arch={self.arch!r}; received {self.name!r}.")
        if (self.task == "frames") != (self.frame_rate is not None):
            raise ValueError(f"Preset {self.name!r}: frame models need a frame_rate, taggers must not have one.")
        object.__setattr__(self, "labels", tuple(self.labels))
        if not self.labels:
            raise ValueError(f"Preset {self.name!r} has no labels.")

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
        data = dict(data)
        unknown = set(data) - {field.name for field in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"Unknown preset fields {sorted(unknown)}.")
        if data.get("weights") is not None:
            data["weights"] = WeightsFile(**data["weights"])
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
    """Read `directory/preset.json` into a :class:`PresetConfig`."""
    path = os.path.join(directory, PRESET_FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{directory}: not a preset directory (no {PRESET_FILE}).")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return PresetConfig.from_dict(data)
    except (json.JSONDecodeError, TypeError, ValueError) as error:
        raise ValueError(f"{path}: not a valid preset file ({error}).") from error
