"""blstm_beats: its builder (`blstm_beats.py`) and its presets (`blstm_beats_presets.py`)."""
