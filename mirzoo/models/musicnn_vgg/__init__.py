"""musicnn_vgg: its builder (`musicnn_vgg.py`) and its presets (`musicnn_vgg_presets.py`)."""
