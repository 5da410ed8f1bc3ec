"""The architectures, one package each: `<arch>.py` builds it, `<arch>_presets.py` names its presets."""
