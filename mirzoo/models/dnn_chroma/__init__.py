"""dnn_chroma: its builder (`dnn_chroma.py`) and its presets (`dnn_chroma_presets.py`)."""
