"""blstm_downbeats: its builder (`blstm_downbeats.py`) and its presets (`blstm_downbeats_presets.py`)."""
