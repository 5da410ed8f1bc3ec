"""cnn_piano: its builder (`cnn_piano.py`) and its presets (`cnn_piano_presets.py`)."""
