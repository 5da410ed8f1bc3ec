from mirzoo.models.dnn_chroma.dnn_chroma import build
from mirzoo.models.dnn_chroma.dnn_chroma_presets import PRESETS

__all__ = ["PRESETS", "build"]
