from mirzoo.models.conv2d_singing_voice.conv2d_singing_voice import build
from mirzoo.models.conv2d_singing_voice.conv2d_singing_voice_presets import PRESETS

__all__ = ["PRESETS", "build"]
