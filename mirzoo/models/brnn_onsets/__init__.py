"""brnn_onsets: its builder (`brnn_onsets.py`) and its presets (`brnn_onsets_presets.py`)."""
