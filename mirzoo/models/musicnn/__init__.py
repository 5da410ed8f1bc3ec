from mirzoo.models.musicnn.convert import weights_directory
from mirzoo.models.musicnn.musicnn import build
from mirzoo.models.musicnn.musicnn_presets import PRESETS

__all__ = ["PRESETS", "build", "weights_directory"]
