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


def plot_taggram(result, path, title=""):
    """Save a tagger's taggram (labels × windows, like musicnn's figure) with the track scores beside it."""
    plt = _pyplot()
    figure, (taggram_axes, score_axes) = plt.subplots(
        1, 2, figsize=(11, 0.3 * len(result.labels) + 1.8), dpi=100, gridspec_kw={"width_ratios": [5, 1]},
        sharey=True,
    )
    # One column per window (the last may overlap its neighbour), labelled by its start time.
    image = taggram_axes.imshow(
        result.taggram.T, origin="upper", aspect="auto", interpolation="nearest", cmap="Blues", vmin=0.0, vmax=1.0,
    )
    step = max(1, len(result.window_times) // 12)
    ticks = range(0, len(result.window_times), step)
    taggram_axes.set_xticks(ticks, [f"{result.window_times[i]:g}" for i in ticks])
    taggram_axes.set_yticks(range(len(result.labels)), result.labels)
    taggram_axes.set_xlabel(f"window start (s), {result.window_seconds:g} s windows")
    taggram_axes.set_title(title or "taggram")
    score_axes.barh(range(len(result.labels)), result.scores, color="tab:blue")
    score_axes.set_xlim(0.0, 1.0)
    score_axes.set_xlabel("track score")
    figure.colorbar(image, ax=score_axes, label="score")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _draw_events(axes, result):
    """Vertical lines at the decoded events: downbeats solid and dark, other beats and onsets dashed."""
    downbeats = getattr(result, "downbeats", None)
    if downbeats is not None:
        first = downbeats[downbeats[:, 1] == 1, 0]
        others = downbeats[downbeats[:, 1] != 1, 0]
        groups = [(first, "downbeats", "black", "-"), (others, "beats", "tab:red", "--")]
    else:
        groups = [(getattr(result, kind, None), kind, "tab:red", "--") for kind in ("beats", "onsets")]
    for times, label, colour, style in groups:
        if times is not None and len(times):
            axes.vlines(times, 0.0, 1.0, colors=colour, linestyles=style, linewidth=0.8, alpha=0.7, label=label)


def plot_activations(result, path, title=""):
    """Save a frame model's output over time: a curve per label, or an image for many labels; decoded events
    (onsets, beats, downbeats) as vertical lines over the curves."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(11, 3.5 if len(result.labels) <= 3 else 4.5), dpi=100)
    if len(result.labels) <= 3:
        for column, label in enumerate(result.labels):
            axes.plot(result.times, result.activations[:, column], label=label, linewidth=1.0)
        _draw_events(axes, result)
        axes.axhline(result.threshold, color="grey", linewidth=0.5, linestyle="--")
        axes.set_ylim(-0.02, 1.02)
        axes.set_ylabel("activation")
        axes.legend(loc="upper right")
    else:
        image = axes.imshow(
            result.activations.T, origin="lower", aspect="auto", interpolation="nearest", cmap="Blues",
            vmin=0.0, vmax=max(1.0, float(result.activations.max())),
            extent=(0.0, len(result.times) / result.frame_rate, -0.5, len(result.labels) - 0.5),
        )
        if len(result.labels) <= 24:
            axes.set_yticks(range(len(result.labels)), result.labels)
        figure.colorbar(image, ax=axes, label="activation")
        _draw_chords(axes, result)
    axes.set_xlabel("time (s)")
    axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _draw_chords(axes, result):
    """A chord model's segments: their labels along the top, a line at each change."""
    chords = getattr(result, "chords", None)
    if not chords:
        return
    top = axes.get_ylim()[1]
    for start, end, label in chords:
        axes.axvline(start, color="black", linewidth=0.6, alpha=0.6)
        axes.text((start + end) / 2, top, label, ha="center", va="bottom", fontsize=7, rotation=90)


def plot_piano_roll(result, path, title=""):
    """Save a piano transcriber's note activations (keys × time) with its decoded notes outlined."""
    from matplotlib.patches import Rectangle

    plt = _pyplot()
    keys = len(result.labels) // 3
    figure, axes = plt.subplots(figsize=(11, 5), dpi=100)
    lowest = 21  # A0
    image = axes.imshow(
        result.activations[:, :keys].T, origin="lower", aspect="auto", interpolation="nearest", cmap="Greys",
        vmin=0.0, vmax=1.0, extent=(0.0, len(result.times) / result.frame_rate, lowest - 0.5, lowest + keys - 0.5),
    )
    for onset, offset, pitch in result.notes:
        axes.add_patch(Rectangle((onset, pitch - 0.5), offset - onset, 1.0, fill=False, edgecolor="tab:red",
                                 linewidth=0.8))
    axes.set_xlabel("time (s)")
    axes.set_ylabel("MIDI pitch")
    axes.set_title(title or f"{len(result.notes)} notes")
    figure.colorbar(image, ax=axes, label="note activation")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def plot_classification(result, path, title=""):
    """Save a classifier's distribution over its labels (a key model's 24 keys) as bars, the best marked."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(8, 0.25 * len(result.labels) + 1.2), dpi=100)
    best = int(result.probabilities.argmax())
    colours = ["tab:red" if index == best else "tab:blue" for index in range(len(result.labels))]
    axes.barh(range(len(result.labels)), result.probabilities, color=colours)
    axes.set_yticks(range(len(result.labels)), result.labels)
    axes.invert_yaxis()
    axes.set_xlim(0.0, 1.0)
    axes.set_xlabel("probability")
    axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
