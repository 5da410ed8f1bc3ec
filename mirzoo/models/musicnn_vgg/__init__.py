from mirzoo.models.musicnn.convert import weights_directory
from mirzoo.models.musicnn_vgg.musicnn_vgg import build
from mirzoo.models.musicnn_vgg.musicnn_vgg_presets import PRESETS

__all__ = ["PRESETS", "build", "weights_directory"]
