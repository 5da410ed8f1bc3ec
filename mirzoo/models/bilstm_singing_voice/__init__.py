"""bilstm_singing_voice: its builder (`bilstm_singing_voice.py`) and its presets (`bilstm_singing_voice_presets.py`)."""
