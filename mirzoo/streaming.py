"""Causal beat tracking on a live stream: madmom's online LSTM beat ensemble, block by block.

`lstm_beats.madmom` looks at no future sample: each frame ends at the current sample and its
LSTMs run forward only. :class:`BeatStream` feeds it audio as it arrives (10 ms hops, 1 s blocks,
any size), keeps what the next frames need (the last `n_fft - 1` samples, the previous spectrum
for the positive difference, each LSTM's state), and decodes beats with madmom's online DBN
(:class:`mirzoo.decoders.OnlineBeatTracker`). Whatever the block sizes, the activations equal one
offline pass of the model over the whole stream (to float32 rounding), and the beats equal
madmom's `DBNBeatTracker online`.

A frame is computed as soon as its last sample has arrived: frame `k` (at `k / 100` s) needs
samples up to `k · 441`, so a block's last frame is at most 10 ms old.
"""

import dataclasses

import numpy as np

from mirzoo.audio import prepare_waveform
from mirzoo.decoders import OnlineBeatTracker

DEFAULT_MODEL = "lstm_beats.madmom"


@dataclasses.dataclass
class StreamUpdate:
    """What one block added.

    Attributes:
        times: `(frames,)` times in seconds of the frames this block completed.
        activations: `(frames,)` their beat activations.
        beats: beat times in seconds detected in these frames (madmom's online DBN).
    """

    times: np.ndarray
    activations: np.ndarray
    beats: np.ndarray


class BeatStream:
    """Beat activations and beats of a stream, block by block.

    Args:
        model: a causal recurrent-ensemble beat model (`"lstm_beats.madmom"`, loaded on first use, or a
            loaded model with `preset.frontend["origin"] == "online"`).
        sample_rate: the rate of the blocks you will feed (Hz); mono float or integer PCM. Only the
            model's rate (44 100 Hz) is accepted: resample the stream before.
        **tracker: parameters of :class:`~mirzoo.decoders.OnlineBeatTracker` (tempo range …); default: the
            preset's decoder settings.

    Example:
    >>> stream = BeatStream()                                        # doctest: +SKIP
    >>> for block in microphone_blocks():                            # doctest: +SKIP
    ...     update = stream.process(block)
    ...     for beat in update.beats: print(f"beat at {beat:.2f} s")
    """

    def __init__(self, model=DEFAULT_MODEL, sample_rate=44100, **tracker):
        from mirzoo.models.ensembles import RecurrentEnsemble
        from mirzoo.sequences import LayerWeights

        if isinstance(model, str):
            from mirzoo.loading import load

            model = load(model)
        preset = getattr(model, "preset", None)
        if preset is None or preset.frontend.get("origin") != "online":
            raise ValueError("BeatStream needs a causal beat model (its front end's origin is 'online'), such as "
                             f"{DEFAULT_MODEL!r}; received {getattr(preset, 'name', model)!r}.")
        if sample_rate != preset.sample_rate:
            raise ValueError(f"{preset.name} takes {preset.sample_rate} Hz; the stream is {sample_rate} Hz. Resample "
                             f"it first (e.g. soxr.ResampleStream({sample_rate}, {preset.sample_rate}, 1)).")
        self.preset, self.sample_rate = preset, sample_rate
        self.frontend = model.get_layer("frontend")
        self.layers = [layer for layer in model.layers if isinstance(layer, RecurrentEnsemble)]
        self.head = model.get_layer("head")
        self.hop = self.frontend.hop_length
        longest = max(self.frontend.n_fft)
        # Frames of context a block's front end recomputes: those reading samples before the kept audio, and
        # the one the positive difference compares with.
        self.context = -(-(longest - 1) // self.hop) + max(self.frontend.difference_lags, default=0)
        self._weights = [LayerWeights(layer, "forward") for layer in self.layers]
        decoder = {key: value for key, value in preset.decoder.items() if key in ("min_bpm", "max_bpm")}
        self.tracker = OnlineBeatTracker(preset.frame_rate, **{**decoder, **tracker})
        self.reset()

    def reset(self):
        """Start a new stream: no audio, zero states, a fresh beat tracker."""
        self._audio = np.zeros(0, np.float32)
        self._audio_start = 0  # absolute sample index of self._audio[0]
        self._samples = 0
        self._frames = 0
        self._states = [np.zeros((layer.members, layer.state_size), np.float32) for layer in self.layers]
        self.tracker.reset()

    @property
    def seconds(self):
        """Audio consumed so far, in seconds."""
        return self._samples / self.sample_rate

    def process(self, block):
        """Feed the next block of samples (`(samples,)`, or `(samples, channels)` to downmix); returns a
        :class:`StreamUpdate` with the frames it completed (none if the block completed no frame)."""
        block = np.asarray(block)
        if block.size:
            block, _ = prepare_waveform(block, self.sample_rate, self.sample_rate)
        self._audio = np.concatenate([self._audio, block.astype(np.float32)])
        self._samples += len(block)
        ready = -(-self._samples // self.hop)  # frames whose last sample (k · hop) has arrived
        if ready <= self._frames:
            return StreamUpdate(np.zeros(0), np.zeros(0, np.float32), np.zeros(0))
        first = max(0, self._frames - self.context)  # frame the recomputed span starts at
        audio = self._audio[first * self.hop - self._audio_start :]
        features = np.asarray(self.frontend(audio[None]))[0, self._frames - first : ready - first]
        activations = self._network(features)[:, 0]
        times = np.arange(self._frames, ready) / self.preset.frame_rate
        self._frames = ready
        keep = max(0, ready - self.context) * self.hop
        self._audio = self._audio[keep - self._audio_start :]
        self._audio_start = keep
        beats = np.asarray(self.tracker.process(activations), dtype=np.float64)
        return StreamUpdate(times, activations, beats)

    def _network(self, features):
        from mirzoo.sequences import apply_head, recurrence

        x = features
        for index, (layer, weights) in enumerate(zip(self.layers, self._weights)):
            x, self._states[index] = recurrence(weights.project(x, layer.shared_input), self._states[index],
                                                weights.recurrent, weights.peepholes, layer.cell, layer.units)
        return apply_head(self.head, x)
