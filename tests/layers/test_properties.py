"""Property-based tests of the public layers: random shapes, random valid parameters (hypothesis).

For every layer in `mirzoo.layers` but the training-only augmentations:
finite input gives finite output of the documented shape (frame and bin counts
computed here from the docstrings' formulas); a clip's output does not depend on
the clips batched with it nor on the batch size; `get_config` round trips; and
invalid parameters are refused at construction with a ValueError that names the
parameter and the value received.
"""

import dataclasses
import functools
import json
import math
import re
from typing import Callable

import keras
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mirzoo.layers import (
    STFT,
    ApplyFilterbank,
    Delta,
    Downmix,
    FrameContext,
    LogCompression,
    LogFrequencySpectrogram,
    Magnitude,
    MagnitudeToDecibel,
    MelSpectrogram,
)

# No example database: each run is fresh rather than replaying the failures of whoever shares the
# working tree; a failure prints its example and a @reproduce_failure blob. No deadline: backend
# calls vary in time on a busy machine.
SETTINGS = dict(deadline=None, database=None, print_blob=True)


def examples(count):
    """Examples per property: JAX compiles every new shape (a few hundred ms each), so it runs fewer."""
    return max(3, count // 4) if keras.backend.backend() == "jax" else count


MAX_SAMPLES = 8000  # 1 s at 8 kHz, less at higher rates
WINDOWS = ("hann", "hamming", "blackman", "boxcar")
SIGNAL_KINDS = ("silence", "noise", "loud", "sparse", "tiny", "sine")
NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_- "


# --- Signals -------------------------------------------------------------------------------------


def waveform(kind, shape, seed):
    """Audio in [-1, 1] of `shape` `(samples[, channels])`, float32."""
    rng = np.random.default_rng(seed)
    if kind == "silence":
        x = np.zeros(shape)
    elif kind == "loud":  # every sample at full scale
        x = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
    elif kind == "sparse":  # a few full-scale clicks in silence
        x = np.zeros(shape)
        x.flat[rng.integers(0, x.size, size=3)] = rng.choice([-1.0, 1.0], size=3)
    elif kind == "tiny":  # squares underflow float32 to 0
        x = 1e-30 * rng.standard_normal(shape)
    elif kind == "sine":
        t = np.arange(shape[0]).reshape((-1,) + (1,) * (len(shape) - 1))
        x = np.sin(2 * np.pi * rng.uniform(0, 0.5) * t + rng.uniform(0, 2 * np.pi)) * np.ones(shape)
    else:
        x = np.clip(10 ** rng.uniform(-4, 0.3) * rng.standard_normal(shape), -1.0, 1.0)
    return x.astype("float32")


def magnitudes(kind, shape, seed):
    """A non-negative spectrogram-like array, float32, at most 1e6."""
    return np.abs(features(kind, shape, seed))


def features(kind, shape, seed):
    """A signed feature array, float32, |x| <= 1e6."""
    rng = np.random.default_rng(seed)
    if kind == "silence":
        x = np.zeros(shape)
    elif kind == "loud":
        x = rng.choice([-1e6, 1e6], size=shape)
    elif kind == "sparse":
        x = np.zeros(shape)
        x.flat[rng.integers(0, x.size, size=3)] = 10 ** rng.uniform(-3, 6, size=3)
    elif kind == "tiny":
        x = 1e-30 * rng.standard_normal(shape)
    else:
        x = 10 ** rng.uniform(-6, 3) * rng.standard_normal(shape)
    return x.astype("float32")


# --- Documented output sizes, computed here ---------------------------------------------------------


def expected_frames(samples, n_fft, hop_length, center):
    """STFT frame count, from the documentation.

    `1 + samples // hop_length` centred with even `n_fft` (STFT's docstring), `1 + (samples - n_fft) //
    hop_length` uncentred (`mirzoo.dsp.num_frames`); otherwise the number of frame starts `0, hop, 2·hop, …`
    whose `n_fft` samples fit in the signal padded by `n_fft // 2` on each side.
    """
    if center and n_fft % 2 == 0:
        return 1 + samples // hop_length
    if not center:
        return 1 + (samples - n_fft) // hop_length
    return len(range(0, samples + 2 * (n_fft // 2) - n_fft + 1, hop_length))


def log_frequency_count(bins_per_octave, f_min, f_max, f_ref):
    """How many of `f_ref · 2^(k / bins_per_octave)` lie in `[f_min, f_max]`, by enumerating k."""
    edges = bins_per_octave * np.log2(np.array([f_min, f_max]) / f_ref)
    # Centres within float noise of an edge count (the range is inclusive); near misses are ambiguous.
    distance = np.abs(edges - np.round(edges))
    assume(np.all((distance < 1e-12) | (distance > 1e-6)))
    k = np.arange(-64 * bins_per_octave, 64 * bins_per_octave + 1)
    return int(np.sum((k >= edges[0] - 1e-12) & (k <= edges[1] + 1e-12)))


def effective_hop(stft_kwargs):
    """`hop_length=None` means `win_length // 4` (at least 1), `win_length=None` means `n_fft`."""
    if stft_kwargs["hop_length"] is not None:
        return stft_kwargs["hop_length"]
    win_length = stft_kwargs["win_length"] or stft_kwargs["n_fft"]
    return max(1, win_length // 4)


def min_samples(stft_kwargs):
    """Shortest input: one frame uncentred, more than the padding for reflection, else one sample."""
    if not stft_kwargs["center"]:
        return stft_kwargs["n_fft"]
    return stft_kwargs["n_fft"] // 2 + 1 if stft_kwargs["pad_mode"] == "reflect" else 1


# --- Random valid layers -------------------------------------------------------------------------------


@dataclasses.dataclass
class Case:
    """A layer's class and valid arguments, how to make one clip for it, and the documented output shapes."""

    layer_cls: type
    kwargs: dict
    make_clip: Callable  # (kind, seed) -> tuple of float32 arrays, one per input, without batch axis
    output_shapes: tuple  # one per output, without batch axis

    def layer(self):
        return self.layer_cls(**self.kwargs)

    def batch(self, clips):
        """Stack clips (each a tuple of arrays) into the layer's input: an array, or a tuple for Magnitude."""
        stacked = tuple(np.stack(parts) for parts in zip(*clips))
        return stacked if len(stacked) > 1 else stacked[0]


clip_draws = st.tuples(st.sampled_from(SIGNAL_KINDS), st.integers(0, 2**32 - 1))
sample_rates = st.sampled_from([8000, 11025, 16000, 22050, 44100]) | st.integers(4000, 48000)
n_ffts = st.sampled_from([16, 32, 64, 128, 256, 512, 1024]) | st.integers(16, 1024)
channel_counts = st.none() | st.integers(1, 3)
positive_powers = st.sampled_from([1.0, 2.0]) | st.floats(0.1, 3.0)


def with_channels(shape, channels):
    return shape if channels is None else shape + (channels,)


@st.composite
def stft_kwargs(draw):
    n_fft = draw(n_ffts)
    return dict(
        n_fft=n_fft,
        win_length=draw(st.none() | st.integers(max(1, n_fft // 8), n_fft)),
        hop_length=draw(st.none() | st.integers(max(1, n_fft // 16), 2 * n_fft)),
        window=draw(st.sampled_from(WINDOWS)),
        center=draw(st.booleans()),
        pad_mode=draw(st.sampled_from(["constant", "reflect"])),
        framing=draw(st.sampled_from(["stft", "gather"])),
    )


@st.composite
def waveform_shapes(draw, stft):
    """`(samples[, channels])` long enough for `stft`; channels never outnumber samples."""
    channels = draw(channel_counts)
    samples = draw(st.integers(max(min_samples(stft), channels or 1), MAX_SAMPLES))
    return with_channels((samples,), channels)


@st.composite
def mel_kwargs(draw, sample_rate):
    nyquist = sample_rate / 2
    f_min = draw(st.just(0.0) | st.floats(0.0, 0.9 * nyquist))
    return dict(
        n_mels=draw(st.integers(1, 128)),
        f_min=f_min,
        f_max=draw(st.none() | st.floats(f_min + 1.0, nyquist)),
        htk=draw(st.booleans()),
        norm=draw(st.sampled_from(["slaney", None])),
    )


@st.composite
def log_frequency_kwargs(draw, sample_rate):
    """Ranges of at least an octave, so at least one centre lies inside."""
    nyquist = sample_rate / 2
    f_min = draw(st.floats(20.0, nyquist / 2))
    return dict(
        bins_per_octave=draw(st.integers(1, 48)),
        f_min=f_min,
        f_max=draw(st.floats(2 * f_min, nyquist)),
        f_ref=draw(st.just(440.0) | st.floats(100.0, 1000.0)),
        norm=draw(st.sampled_from(["sum", None])),
    )


def log_frequency_bins(kwargs):
    return log_frequency_count(kwargs["bins_per_octave"], kwargs["f_min"], kwargs["f_max"], kwargs["f_ref"])


@st.composite
def chroma_kwargs(draw):
    return dict(
        n_chroma=draw(st.sampled_from([12, 24, 36])),
        tuning=draw(st.floats(-0.5, 0.5)),
        ctroct=draw(st.floats(2.0, 8.0)),
        octwidth=draw(st.none() | st.floats(0.5, 4.0)),
        norm=draw(st.sampled_from([None, 1, 2, math.inf])),
        base_c=draw(st.booleans()),
    )


@st.composite
def compression_kwargs(draw):
    return dict(
        # "db", the default, twice as often: its per-example range is what batching could break.
        compression=draw(st.sampled_from(["db", "db", "log", "log10", None])),
        ref=draw(st.sampled_from([1.0, "max"]) | st.floats(1e-3, 1e3)),
        amin=draw(st.sampled_from([1e-10, 1e-5]) | st.floats(1e-12, 1e-3)),
        top_db=draw(st.none() | st.floats(1.0, 120.0)),
        log_multiplier=draw(st.floats(1e-2, 1e4)),
    )


@st.composite
def stft_cases(draw):
    kwargs = draw(stft_kwargs())
    shape = draw(waveform_shapes(kwargs))
    frames = expected_frames(shape[0], kwargs["n_fft"], effective_hop(kwargs), kwargs["center"])
    out = (frames, kwargs["n_fft"] // 2 + 1) + shape[1:]
    return Case(STFT, kwargs, lambda kind, seed: (waveform(kind, shape, seed),), (out, out))


@st.composite
def spectrogram_shapes(draw, bins=None, min_frames=1):
    frames = draw(st.integers(min_frames, 64))
    bins = draw(st.integers(1, 129)) if bins is None else bins
    return with_channels((frames, bins), draw(st.none() | st.integers(1, 2)))


@st.composite
def magnitude_cases(draw):
    shape = draw(spectrogram_shapes())

    def make_clip(kind, seed):
        return features(kind, shape, seed) / 1e3, features(kind, shape, seed + 1) / 1e3

    return Case(Magnitude, dict(power=draw(positive_powers)), make_clip, (shape,))


@st.composite
def filterbank_cases(draw):
    kind = draw(st.sampled_from(["mel", "log", "chroma", "custom"]))
    if kind == "custom":
        n_filters, bins = draw(st.integers(1, 16)), draw(st.integers(1, 129))
        matrix = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).standard_normal((n_filters, bins)).tolist()
        kwargs = dict(kind=kind, matrix=matrix)
    else:
        sample_rate, n_fft = draw(sample_rates), draw(n_ffts)
        bins = n_fft // 2 + 1
        if kind == "mel":
            filterbank_kwargs = draw(mel_kwargs(sample_rate))
            n_filters = filterbank_kwargs["n_mels"]
        elif kind == "log":
            filterbank_kwargs = draw(log_frequency_kwargs(sample_rate))
            n_filters = log_frequency_bins(filterbank_kwargs)
        else:
            filterbank_kwargs = draw(chroma_kwargs())
            n_filters = filterbank_kwargs["n_chroma"]
        kwargs = dict(kind=kind, sample_rate=sample_rate, n_fft=n_fft, filterbank_kwargs=filterbank_kwargs)
    kwargs["trainable_filterbank"] = draw(st.booleans())
    shape = draw(spectrogram_shapes(bins=bins))
    out = (shape[0], n_filters) + shape[2:]
    return Case(ApplyFilterbank, kwargs, lambda kind, seed: (magnitudes(kind, shape, seed),), (out,))


@st.composite
def decibel_cases(draw):
    kwargs = dict(
        ref=draw(st.sampled_from([1.0, "max"]) | st.floats(1e-3, 1e3)),
        amin=draw(st.sampled_from([1e-10, 1e-5]) | st.floats(1e-12, 1e-3)),
        top_db=draw(st.none() | st.floats(1.0, 120.0)),
        power=draw(positive_powers),
    )
    shape = draw(spectrogram_shapes())
    return Case(MagnitudeToDecibel, kwargs, lambda kind, seed: (magnitudes(kind, shape, seed),), (shape,))


@st.composite
def log_compression_cases(draw):
    kwargs = dict(
        multiplier=draw(st.sampled_from([1.0, 1e4]) | st.floats(1e-3, 1e4)),
        base=draw(st.sampled_from(["e", "10"])),
    )
    shape = draw(spectrogram_shapes())
    return Case(LogCompression, kwargs, lambda kind, seed: (magnitudes(kind, shape, seed),), (shape,))


@st.composite
def delta_cases(draw):
    width = draw(st.sampled_from([3, 5, 7, 9, 11, 15]))
    kwargs = dict(width=width, order=draw(st.integers(1, min(3, width - 1))))
    shape = draw(spectrogram_shapes(min_frames=width))
    return Case(Delta, kwargs, lambda kind, seed: (features(kind, shape, seed),), (shape,))


@st.composite
def frame_context_cases(draw):
    context = draw(st.integers(0, 8))
    shape = draw(spectrogram_shapes())
    out = (shape[0], 2 * context + 1) + shape[1:]
    return Case(FrameContext, dict(context=context), lambda kind, seed: (features(kind, shape, seed),), (out,))


@st.composite
def downmix_cases(draw):
    channels = draw(channel_counts)
    shape = with_channels((draw(st.integers(channels or 1, MAX_SAMPLES)),), channels)
    return Case(Downmix, {}, lambda kind, seed: (waveform(kind, shape, seed),), (shape[:1],))


@st.composite
def frontend_cases(draw, layer_cls):
    stft = draw(stft_kwargs())
    sample_rate = draw(sample_rates)
    if layer_cls is MelSpectrogram:
        filterbank_kwargs = draw(mel_kwargs(sample_rate))
        n_filters = filterbank_kwargs["n_mels"]
    else:
        filterbank_kwargs = draw(log_frequency_kwargs(sample_rate))
        n_filters = log_frequency_bins(filterbank_kwargs)
    kwargs = dict(
        sample_rate=sample_rate,
        **stft,
        power=draw(positive_powers),
        **filterbank_kwargs,
        **draw(compression_kwargs()),
        trainable_filterbank=draw(st.booleans()),
    )
    shape = draw(waveform_shapes(stft))
    out = (expected_frames(shape[0], stft["n_fft"], effective_hop(stft), stft["center"]), n_filters) + shape[1:]
    return Case(layer_cls, kwargs, lambda kind, seed: (waveform(kind, shape, seed),), (out,))


CASES = {
    "STFT": stft_cases(),
    "Magnitude": magnitude_cases(),
    "ApplyFilterbank": filterbank_cases(),
    "MagnitudeToDecibel": decibel_cases(),
    "LogCompression": log_compression_cases(),
    "Delta": delta_cases(),
    "FrameContext": frame_context_cases(),
    "Downmix": downmix_cases(),
    "MelSpectrogram": frontend_cases(MelSpectrogram),
    "LogFrequencySpectrogram": frontend_cases(LogFrequencySpectrogram),
}


def run(layer, batch):
    """The layer's outputs on `batch`, as a tuple of NumPy arrays.

    On JAX the call is compiled with `jax.jit`, as `model.predict` compiles it: eager JAX compiles
    every op anew for every new shape, about a second per call here, too slow for hundreds of
    random shapes.
    """
    if keras.backend.backend() == "jax":
        import jax

        if not layer.built:  # variables (a trainable filterbank) are created outside the trace
            layer.build(input_shape(batch))
        outputs = jax.jit(layer.__call__)(batch)
    else:
        outputs = layer(batch)
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    return tuple(np.asarray(output) for output in outputs)


def input_shape(batch):
    return tuple(part.shape for part in batch) if isinstance(batch, tuple) else batch.shape


# --- Properties ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
@settings(max_examples=examples(30), **SETTINGS)
@given(data=st.data())
def test_finite_input_gives_finite_output_of_documented_shape(name, data):
    case = data.draw(CASES[name])
    batch_size = data.draw(st.integers(1, 3))
    batch = case.batch([case.make_clip(*data.draw(clip_draws)) for _ in range(batch_size)])
    layer = case.layer()
    outputs = run(layer, batch)
    static = layer.compute_output_shape(input_shape(batch))
    static = static if isinstance(static[0], tuple) else (static,)
    assert len(outputs) == len(case.output_shapes) == len(static)
    for output, expected, computed in zip(outputs, case.output_shapes, static):
        assert output.shape == (batch_size,) + expected
        assert tuple(computed) == output.shape
        assert np.all(np.isfinite(output)), f"{np.sum(~np.isfinite(output))} non-finite values"


@settings(max_examples=examples(30), **SETTINGS)
@given(
    data=st.data(),
    # Every finite non-negative float32, subnormals and the largest included.
    values=st.lists(st.floats(0.0, float(np.finfo("float32").max), width=32), min_size=1, max_size=64),
)
def test_decibels_of_any_finite_power_are_finite(data, values):
    layer = data.draw(decibel_cases()).layer()
    x = np.asarray(values, "float32").reshape(1, 1, -1)
    assert np.all(np.isfinite(run(layer, x)[0]))


def assert_same_clip(actual, expected):
    """Equal up to float rounding: 1e-5 relative, or 1e-5 of the clip's largest value."""
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5 * scale + 1e-30)


@pytest.mark.parametrize("name", CASES)
@settings(max_examples=examples(20), **SETTINGS)
@given(data=st.data())
def test_clip_output_does_not_depend_on_its_batch(name, data):
    case = data.draw(CASES[name])
    layer = case.layer()
    clip = case.make_clip(*data.draw(clip_draws))
    alone = run(layer, case.batch([clip]))
    # Two batches of different sizes and neighbours, the clip at a random place in each.
    for size in data.draw(st.lists(st.integers(1, 4), min_size=2, max_size=2, unique=True)):
        neighbours = [case.make_clip(*data.draw(clip_draws)) for _ in range(size)]
        position = data.draw(st.integers(0, len(neighbours)))
        batched = run(layer, case.batch(neighbours[:position] + [clip] + neighbours[position:]))
        for output, expected in zip(batched, alone):
            assert_same_clip(output[position], expected[0])


@pytest.mark.parametrize("name", CASES)
@settings(max_examples=examples(10), **SETTINGS)
@given(data=st.data())
def test_get_config_round_trips(name, data):
    case = data.draw(CASES[name])
    layer = case.layer()
    config = layer.get_config()
    revived = layer.__class__.from_config(config)
    assert revived.get_config() == config
    # Through JSON too, as a saved model stores it.
    from_json = layer.__class__.from_config(json.loads(json.dumps(config)))
    assert json.dumps(from_json.get_config(), sort_keys=True) == json.dumps(config, sort_keys=True)
    batch = case.batch([case.make_clip(*data.draw(clip_draws)) for _ in range(data.draw(st.integers(1, 2)))])
    expected = run(layer, batch)
    for other in (revived, from_json):
        for output, reference in zip(run(other, batch), expected):
            np.testing.assert_array_equal(output, reference)


# --- Invalid parameters ------------------------------------------------------------------------------------


non_positive_ints = st.integers(-(2**31), 0)
not_ints = st.sampled_from([True, 1.0, 256.0, "512"]) | st.floats(0.5, 1e4)
not_positive_numbers = st.floats(max_value=0.0) | st.sampled_from([math.nan, math.inf, -math.inf, None, True, "1.0"])
non_finite = st.sampled_from([math.nan, math.inf, -math.inf])


def names_not_in(choices):
    return st.text(NAME_CHARACTERS, max_size=12).filter(lambda name: name not in choices)


def one(name, values):
    """Strategy for `{name: value}`."""
    return st.fixed_dictionaries({name: values})


@st.composite
def win_longer_than_n_fft(draw):
    n_fft = draw(st.integers(1, 4096))
    return dict(n_fft=n_fft, win_length=n_fft + draw(st.integers(1, 4096)))


@st.composite
def above_nyquist(draw):
    sample_rate = draw(sample_rates)
    return dict(sample_rate=sample_rate, f_max=sample_rate / 2 + draw(st.floats(1e-6, 1e5)))


@st.composite
def f_min_not_below_f_max(draw):
    f_max = draw(st.floats(1.0, 8000.0))
    return dict(sample_rate=200000, f_min=draw(st.floats(f_max, 1e5)), f_max=f_max)


@st.composite
def one_ulp_mel_range(draw):
    """f_max one float step above f_min: the mel band edges coincide and the triangles divide 0 by 0."""
    f_min = draw(st.floats(0.0, 7000.0))
    return dict(f_min=f_min, f_max=math.nextafter(f_min, math.inf))


@st.composite
def empty_frequency_range(draw):
    """f_min and f_max strictly between two neighbouring centres of the log-frequency grid."""
    bins_per_octave = draw(st.integers(1, 48))
    step = draw(st.integers(-3 * bins_per_octave, 3 * bins_per_octave))
    low, high = sorted(draw(st.lists(st.floats(0.01, 0.99), min_size=2, max_size=2, unique=True)))
    assume(high - low > 1e-3)
    f_min, f_max = (440.0 * 2 ** ((step + offset) / bins_per_octave) for offset in (low, high))
    return dict(sample_rate=48000, n_fft=1024, bins_per_octave=bins_per_octave, f_min=f_min, f_max=f_max)


@st.composite
def non_finite_frequency(draw):
    kind, name = draw(
        st.sampled_from(
            [("mel", "f_min"), ("mel", "f_max"), ("log", "f_min"), ("log", "f_max"), ("log", "f_ref")]
            + [("chroma", name) for name in ("tuning", "ctroct", "octwidth")]
        )
    )
    return {"kind": kind, name: draw(non_finite)}


def filterbank(kind, sample_rate=16000, n_fft=512, **filterbank_kwargs):
    return ApplyFilterbank(kind, sample_rate, n_fft, filterbank_kwargs)


mel_filterbank = functools.partial(filterbank, "mel")
log_filterbank = functools.partial(filterbank, "log")
mel_frontend = functools.partial(MelSpectrogram, sample_rate=16000, n_fft=512, hop_length=256, n_mels=40)
log_frontend = functools.partial(LogFrequencySpectrogram, sample_rate=16000, n_fft=1024, hop_length=512, f_max=5500.0)


def positive_int_message(name):
    return lambda kw: f"`{name}` must be a positive integer. Received: {name}={kw[name]!r}"


def positive_number_message(name):
    return lambda kw: f"`{name}` must be a finite number > 0. Received: {name}={kw[name]!r}"


def choice_message(name, choices):
    return lambda kw: f"`{name}` must be one of {choices}. Received: {name}={kw[name]!r}"


def bad_choice(name, choices):
    """Strategy and message for a parameter that must be one of `choices` (printed as given)."""
    return one(name, names_not_in(choices)), choice_message(name, choices)


def nyquist_message(kw):
    return (
        f"`f_max` must not exceed the Nyquist frequency sample_rate / 2 = {kw['sample_rate'] / 2.0} Hz. "
        f"Received: f_max={kw['f_max']} with sample_rate={kw['sample_rate']}"
    )


def win_length_message(kw):
    return f"`win_length` must not exceed `n_fft`. Received: win_length={kw['win_length']}, n_fft={kw['n_fft']}"


def f_min_not_below_message(kw):
    return f"`f_min` must be below `f_max`. Received: f_min={kw['f_min']}, f_max={kw['f_max']}"


def n_mels_message(kw):
    return f"`n_mels` must be a positive integer. Received: n_mels={kw['n_mels']!r}"


def top_db_message(kw):
    return f"`top_db` must be a number of dB > 0, or None. Received: top_db={kw['top_db']!r}"


# Finite in float64 but inf in float32, where the layers compute.
beyond_float32 = st.floats(min_value=float(np.finfo("float32").max), exclude_min=True, allow_infinity=False)


def float32_overflow_message(name):
    return lambda kw: (
        f"`{name}` must be at most 3.4028235e+38, the largest float32; larger values overflow to inf. "
        f"Received: {name}={kw[name]!r}"
    )


@st.composite
def custom_matrix_with_one_value_beyond_float32(draw):
    rows, columns = draw(st.integers(1, 8)), draw(st.integers(1, 40))
    row, column = draw(st.integers(0, rows - 1)), draw(st.integers(0, columns - 1))
    matrix = np.zeros((rows, columns))
    matrix[row, column] = draw(st.sampled_from([1.0, -1.0])) * draw(beyond_float32 | non_finite)
    return dict(kind="custom", matrix=matrix.tolist(), position=(row, column))


WINDOW_NAMES = sorted(WINDOWS + ("hann_symmetric",))  # the periodic windows drawn above, and madmom's
MEL_NORMS = ("slaney", None)
COMPRESSIONS = ("db", "log", "log10", None)

# id: (constructor, strategy for its invalid keyword arguments, the message expected from those arguments)
INVALID = {
    "STFT n_fft <= 0": (STFT, one("n_fft", non_positive_ints), positive_int_message("n_fft")),
    "STFT n_fft not an int": (STFT, one("n_fft", not_ints), positive_int_message("n_fft")),
    "STFT hop_length <= 0": (STFT, one("hop_length", non_positive_ints), positive_int_message("hop_length")),
    "STFT hop_length not an int": (STFT, one("hop_length", not_ints), positive_int_message("hop_length")),
    "STFT win_length > n_fft": (STFT, win_longer_than_n_fft(), win_length_message),
    "STFT window": (STFT, *bad_choice("window", WINDOW_NAMES)),
    "STFT pad_mode": (STFT, *bad_choice("pad_mode", ("constant", "reflect"))),
    "STFT framing": (STFT, *bad_choice("framing", ("stft", "gather"))),
    "Magnitude power": (Magnitude, one("power", not_positive_numbers), positive_number_message("power")),
    "MagnitudeToDecibel top_db <= 0": (
        MagnitudeToDecibel,
        one("top_db", st.floats(max_value=0.0) | st.sampled_from([math.nan, "80", True])),
        top_db_message,
    ),
    "MagnitudeToDecibel amin": (MagnitudeToDecibel, one("amin", not_positive_numbers), positive_number_message("amin")),
    "MagnitudeToDecibel ref": (
        MagnitudeToDecibel,
        one("ref", not_positive_numbers | names_not_in(("max",))),
        lambda kw: f'`ref` must be a finite number > 0 or "max". Received: ref={kw["ref"]!r}',
    ),
    "MagnitudeToDecibel power": (
        MagnitudeToDecibel,
        one("power", not_positive_numbers),
        positive_number_message("power"),
    ),
    "LogCompression multiplier": (
        LogCompression,
        one("multiplier", not_positive_numbers),
        positive_number_message("multiplier"),
    ),
    "LogCompression base": (LogCompression, *bad_choice("base", ("e", "10"))),
    "Delta width": (
        Delta,
        one("width", st.integers(-100, 2) | st.integers(2, 50).map(lambda half: 2 * half)),
        lambda kw: f"`width` must be an odd integer >= 3 (frames). Received: width={kw['width']!r}",
    ),
    "Delta order": (
        Delta,
        st.integers(1, 10).flatmap(
            lambda half: st.fixed_dictionaries(
                {"width": st.just(2 * half + 1), "order": st.integers(-10, 0) | st.integers(2 * half + 1, 50)}
            )
        ),
        lambda kw: f"`order` must be an integer in [1, width). Received: order={kw['order']!r}, width={kw['width']}",
    ),
    "FrameContext context": (
        FrameContext,
        one("context", st.integers(max_value=-1) | st.sampled_from([1.0, True, None])),
        lambda kw: f"`context` must be an integer >= 0 (frames). Received: context={kw['context']!r}",
    ),
    "ApplyFilterbank kind": (filterbank, *bad_choice("kind", ("mel", "log", "chroma", "log_bins", "mel_bins",
                                                              "custom"))),
    "ApplyFilterbank sample_rate": (
        mel_filterbank,
        # None has its own message: the parameter is missing.
        one("sample_rate", not_positive_numbers.filter(lambda value: value is not None)),
        positive_number_message("sample_rate"),
    ),
    "ApplyFilterbank unknown filterbank_kwargs": (
        mel_filterbank,
        one("n_mel", st.integers(1, 128)),
        lambda kw: "`filterbank_kwargs` for kind='mel' accepts ['n_mels', 'f_min', 'f_max', 'htk', 'norm']. "
        "Received unknown keys ['n_mel']",
    ),
    "ApplyFilterbank f_max > Nyquist": (mel_filterbank, above_nyquist(), nyquist_message),
    "ApplyFilterbank f_min >= f_max": (mel_filterbank, f_min_not_below_f_max(), f_min_not_below_message),
    "ApplyFilterbank f_min < 0": (
        mel_filterbank,
        one("f_min", st.floats(max_value=-1e-300, allow_infinity=False)),
        lambda kw: f"`f_min` must be >= 0 Hz. Received: f_min={kw['f_min']}",
    ),
    "ApplyFilterbank non-finite frequency": (
        filterbank,
        non_finite_frequency(),
        lambda kw: next(f"`{k}` must be a finite number. Received: {k}={v!r}" for k, v in kw.items() if k != "kind"),
    ),
    "ApplyFilterbank mel range one float step wide": (
        mel_filterbank,
        one_ulp_mel_range(),
        lambda kw: f"The 'mel' filterbank for sample_rate=16000, n_fft=512 and filterbank_kwargs={kw!r} "
        "has non-finite weights",
    ),
    "ApplyFilterbank n_mels": (
        mel_filterbank,
        one("n_mels", non_positive_ints | st.sampled_from([40.0, None])),
        n_mels_message,
    ),
    "ApplyFilterbank mel norm": (mel_filterbank, *bad_choice("norm", MEL_NORMS)),
    "ApplyFilterbank log norm": (log_filterbank, *bad_choice("norm", ("sum", None))),
    "ApplyFilterbank log f_min = 0": (
        log_filterbank,
        one("f_min", st.just(0.0)),
        lambda kw: "`f_min` must be > 0 Hz on a logarithmic axis. Received: f_min=0.0",
    ),
    "ApplyFilterbank log empty range": (
        log_filterbank,
        empty_frequency_range(),
        lambda kw: f"No {kw['bins_per_octave']}-per-octave frequency lies between "
        f"f_min={kw['f_min']} and f_max={kw['f_max']} Hz",
    ),
    "ApplyFilterbank chroma n_chroma": (
        functools.partial(filterbank, "chroma"),
        one("n_chroma", st.integers(-100, 200).filter(lambda n: n < 12 or n % 12)),
        lambda kw: f"`n_chroma` must be a positive multiple of 12. Received: n_chroma={kw['n_chroma']!r}",
    ),
    "MelSpectrogram hop_length <= 0": (
        mel_frontend,
        one("hop_length", non_positive_ints),
        positive_int_message("hop_length"),
    ),
    "MelSpectrogram win_length > n_fft": (mel_frontend, win_longer_than_n_fft(), win_length_message),
    "MelSpectrogram f_max > Nyquist": (mel_frontend, above_nyquist(), nyquist_message),
    "MelSpectrogram f_min >= f_max": (mel_frontend, f_min_not_below_f_max(), f_min_not_below_message),
    "MelSpectrogram n_mels <= 0": (mel_frontend, one("n_mels", non_positive_ints), n_mels_message),
    "MelSpectrogram top_db <= 0": (mel_frontend, one("top_db", st.floats(max_value=0.0)), top_db_message),
    "MelSpectrogram power": (mel_frontend, one("power", not_positive_numbers), positive_number_message("power")),
    "MelSpectrogram window": (mel_frontend, *bad_choice("window", WINDOW_NAMES)),
    "MelSpectrogram norm": (mel_frontend, *bad_choice("norm", MEL_NORMS)),
    "MelSpectrogram compression": (mel_frontend, *bad_choice("compression", COMPRESSIONS)),
    "MelSpectrogram sample_rate": (
        mel_frontend,
        one("sample_rate", not_positive_numbers.filter(lambda value: value is not None)),
        positive_number_message("sample_rate"),
    ),
    "LogFrequencySpectrogram f_max > Nyquist": (log_frontend, above_nyquist(), nyquist_message),
    "LogFrequencySpectrogram bins_per_octave": (
        log_frontend,
        one("bins_per_octave", non_positive_ints),
        lambda kw: f"`bins_per_octave` must be a positive integer. Received: bins_per_octave={kw['bins_per_octave']!r}",
    ),
    "LogCompression multiplier beyond float32": (
        LogCompression,
        one("multiplier", beyond_float32),
        float32_overflow_message("multiplier"),
    ),
    "Magnitude power beyond float32": (Magnitude, one("power", beyond_float32), float32_overflow_message("power")),
    "MagnitudeToDecibel amin beyond float32": (
        MagnitudeToDecibel,
        one("amin", beyond_float32),
        float32_overflow_message("amin"),
    ),
    "MagnitudeToDecibel amin below the normal float32": (
        MagnitudeToDecibel,
        one("amin", st.floats(min_value=0.0, max_value=float(np.finfo("float32").tiny), exclude_min=True,
                              exclude_max=True)),
        lambda kw: "`amin` must be at least 1.1754944e-38, the smallest normal float32; a smaller floor is subnormal "
        f"or 0 in float32 (flushed to 0 on some hardware), and silence gives -inf dB. Received: amin={kw['amin']!r}",
    ),
    "MagnitudeToDecibel ref beyond float32": (
        MagnitudeToDecibel,
        one("ref", beyond_float32),
        float32_overflow_message("ref"),
    ),
    "MagnitudeToDecibel power < 1e-30": (
        MagnitudeToDecibel,
        one("power", st.floats(min_value=0.0, max_value=1e-30, exclude_min=True, exclude_max=True)),
        lambda kw: "`power` must be at least 1e-30 for decibels: the scale 20 / power would make dB values overflow "
        f"float32. Received: power={kw['power']!r}",
    ),
    "ApplyFilterbank custom matrix beyond float32": (
        lambda position, **kwargs: ApplyFilterbank(**kwargs),
        custom_matrix_with_one_value_beyond_float32(),
        lambda kw: "`matrix` must hold finite values that float32 can represent (|value| <= 3.4028235e+38). Received "
        f"1 that are not, e.g. matrix[{kw['position'][0]}, {kw['position'][1]}]="
        f"{kw['matrix'][kw['position'][0]][kw['position'][1]]!r}.",
    ),
    "MelSpectrogram log_multiplier beyond float32": (
        functools.partial(mel_frontend, compression="log"),
        one("log_multiplier", beyond_float32),
        float32_overflow_message("log_multiplier"),
    ),
    "MelSpectrogram amin beyond float32": (mel_frontend, one("amin", beyond_float32), float32_overflow_message("amin")),
    "LogFrequencySpectrogram log_multiplier": (
        log_frontend,
        one("log_multiplier", not_positive_numbers),
        positive_number_message("log_multiplier"),
    ),
}


# The filterbank builders warn about their 0 / 0 before ApplyFilterbank refuses the result.
@pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")
@pytest.mark.parametrize("name", INVALID)
@settings(max_examples=20, **SETTINGS)
@given(data=st.data())
def test_invalid_parameters_are_refused_at_construction(name, data):
    constructor, invalid_kwargs, message = INVALID[name]
    kwargs = data.draw(invalid_kwargs)
    with pytest.raises(ValueError, match=re.escape(message(kwargs))):
        constructor(**kwargs)
