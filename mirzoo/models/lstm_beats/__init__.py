"""lstm_beats: its builder (`lstm_beats.py`) and its presets (`lstm_beats_presets.py`)."""
