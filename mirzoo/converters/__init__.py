"""Converters: build mirzoo presets from another package's pretrained weights, on first use, into the user cache.

They sit above the architectures and the registry (they build a model, fill it from the other package's files
and save it as a preset directory); no architecture imports them. The registry names the converter of each
architecture whose weights are converted rather than shipped.
"""
