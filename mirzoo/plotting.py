"""Figures for the command line: spectrograms over time (matplotlib, imported on use)."""

import numpy as np


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("Plotting needs matplotlib: pip install 'mirzoo[plot]'.") from error
    return plt


def plot_spectrogram(spectrogram, frame_rate, path, title="", bin_label="bin", value_label="dB"):
    """Save a time-major spectrogram `(frames, bins)` as a PNG, time in seconds on the x axis.

    Args:
        spectrogram: array `(frames, bins)`.
        frame_rate: frames per second.
        path: output PNG path.
        title: figure title.
        bin_label: y-axis label (e.g. "mel band").
        value_label: colour-bar label (e.g. "dB").
    """
    plt = _pyplot()
    spectrogram = np.asarray(spectrogram)
    seconds = spectrogram.shape[0] / frame_rate
    figure, axes = plt.subplots(figsize=(10, 4), dpi=100)
    image = axes.imshow(
        spectrogram.T, origin="lower", aspect="auto", interpolation="nearest", cmap="magma",
        extent=(0.0, seconds, -0.5, spectrogram.shape[1] - 0.5),
    )
    axes.set_xlabel("time (s)")
    axes.set_ylabel(bin_label)
    axes.set_title(title)
    figure.colorbar(image, ax=axes, label=value_label)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
