"""conv1d_tagger: its builder (`conv1d_tagger.py`) and its presets (`conv1d_tagger_presets.py`)."""
