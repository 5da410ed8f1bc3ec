from mirzoo.models.conv1d_tagger.conv1d_tagger import build
from mirzoo.models.conv1d_tagger.conv1d_tagger_presets import PRESETS

__all__ = ["PRESETS", "build"]
