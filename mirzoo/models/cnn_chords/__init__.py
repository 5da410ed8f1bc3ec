"""cnn_chords: its builder (`cnn_chords.py`) and its presets (`cnn_chords_presets.py`)."""
