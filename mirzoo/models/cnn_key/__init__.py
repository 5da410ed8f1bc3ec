"""cnn_key: its builder (`cnn_key.py`) and its presets (`cnn_key_presets.py`)."""
