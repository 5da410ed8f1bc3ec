from mirzoo.models.crnn_tagger.crnn_tagger import build
from mirzoo.models.crnn_tagger.crnn_tagger_presets import PRESETS

__all__ = ["PRESETS", "build"]
