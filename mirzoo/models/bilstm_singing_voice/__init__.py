from mirzoo.models.bilstm_singing_voice.bilstm_singing_voice import build
from mirzoo.models.bilstm_singing_voice.bilstm_singing_voice_presets import PRESETS

__all__ = ["PRESETS", "build"]
