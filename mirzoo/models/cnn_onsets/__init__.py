"""cnn_onsets: its builder (`cnn_onsets.py`) and its presets (`cnn_onsets_presets.py`)."""
