"""musicnn: its builder (`musicnn.py`) and its presets (`musicnn_presets.py`)."""
