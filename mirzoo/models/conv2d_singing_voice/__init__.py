"""conv2d_singing_voice: its builder (`conv2d_singing_voice.py`) and its presets (`conv2d_singing_voice_presets.py`)."""
