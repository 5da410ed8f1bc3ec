"""crnn_tagger: its builder (`crnn_tagger.py`) and its presets (`crnn_tagger_presets.py`)."""
