"""Bad input gets a specific ValueError naming what was received and what is expected."""

import keras
import librosa
import numpy as np
import pytest

from mirzoo.layers import (
    STFT,
    ApplyFilterbank,
    LogCompression,
    LogFrequencySpectrogram,
    MagnitudeToDecibel,
    MelSpectrogram,
    RandomGain,
    SpecAugment,
)

FRONTEND = dict(sample_rate=16000, n_fft=512, hop_length=256, n_mels=40)


def clip(*shape):
    return (0.1 * np.random.default_rng(0).standard_normal(shape)).astype("float32")


def test_empty_audio():
    with pytest.raises(ValueError, match=r"empty audio \(0 samples\)"):
        MelSpectrogram(**FRONTEND)(np.zeros((1, 0), "float32"))


def test_shorter_than_one_frame_without_centering():
    with pytest.raises(ValueError, match="at least 512 samples .*Received 300 samples.*use center=True"):
        MelSpectrogram(**FRONTEND, center=False)(clip(1, 300))


def test_shorter_than_reflect_padding():
    with pytest.raises(ValueError, match="at least 257 samples"):
        STFT(n_fft=512, pad_mode="reflect")(clip(1, 200))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples(bad):
    audio = clip(2, 4000)
    audio[1, 123] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        MelSpectrogram(**FRONTEND)(audio)


@pytest.mark.parametrize("dtype", ["int16", "int32", "uint8"])
def test_integer_dtypes(dtype):
    with pytest.raises(ValueError, match=f"floating-point audio .*dtype {dtype}"):
        MelSpectrogram(**FRONTEND)(np.zeros((1, 4000), dtype))


@pytest.mark.parametrize("shape, hint", [((4000,), "Add a batch axis"), ((1, 4000, 2, 1), "rank 4")])
def test_wrong_rank(shape, hint):
    with pytest.raises(ValueError, match=hint):
        MelSpectrogram(**FRONTEND)(clip(*shape))


def test_channels_first():
    with pytest.raises(ValueError, match=r"channels last.*\(1, 2, 4000\).*looks like \(batch, channels, samples\)"):
        MelSpectrogram(**FRONTEND)(clip(1, 2, 4000))


def test_spectrogram_with_wrong_rank():
    with pytest.raises(ValueError, match="spectrogram of shape"):
        ApplyFilterbank("mel", 16000, 512, {"n_mels": 40})(clip(10, 257))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_fft": 256, "win_length": 512}, "win_length.*must not exceed.*n_fft"),
        ({"f_max": 9000.0}, "f_max.*Nyquist.*8000"),
        ({"hop_length": 0}, "hop_length.*positive integer.*0"),
        ({"hop_length": -256}, "hop_length.*positive integer"),
        ({"n_mels": 0}, "n_mels"),
        ({"f_min": 9000.0, "f_max": 8000.0}, "f_min.*below"),
        ({"top_db": 0.0}, "top_db"),
        ({"window": "triangle"}, "window"),
    ],
)
def test_invalid_parameters_fail_at_construction(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MelSpectrogram(**{**FRONTEND, **kwargs})


def test_numpy_integers_are_accepted_and_stored_as_python_ints():
    import json

    layer = MelSpectrogram(sample_rate=16000, n_fft=np.int64(512), hop_length=np.int32(128),
                           n_mels=np.int16(40))
    config = layer.get_config()
    assert json.loads(json.dumps(config))["n_fft"] == 512 and type(config["hop_length"]) is int
    with pytest.raises(ValueError, match="n_mels.*positive integer"):
        MelSpectrogram(sample_rate=16000, n_mels=np.bool_(True))


def chroma(**kwargs):
    return ApplyFilterbank("chroma", 16000, 512, kwargs)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: STFT(n_fft=512, center="no"), "`center` must be True or False. Received: center='no'"),
        (lambda: MelSpectrogram(**{**FRONTEND, "n_mels": True}), "`n_mels` must be a positive integer. .*=True"),
        (lambda: ApplyFilterbank("mel", 16000, 512, {"htk": "yes"}), "`htk` must be True or False. .*='yes'"),
        (lambda: chroma(n_chroma=True), "`n_chroma` must be a positive multiple of 12"),
        (lambda: chroma(octwidth=0.0), r"`octwidth` must be > 0 \(octaves\), or None"),
        (lambda: chroma(octwidth=-1.5), "Received: octwidth=-1.5"),
    ],
)
def test_flags_and_sizes_of_the_wrong_kind_are_refused(build, message):
    # bool("no") is True and True == 1: without these checks each would build a valid-looking layer.
    with pytest.raises(ValueError, match=message):
        build()


# --- Parameters that float32 cannot hold: refused, instead of NaN or inf from finite input --------------------

FLOAT32_MAX = float(np.finfo(np.float32).max)


FLOAT32_REFUSALS = {
    "SpecAugment mask_value=nan": (
        lambda: SpecAugment(mask_value=np.nan),
        (
            r"`mask_value` must be a finite number that float32 can hold \(\|mask_value\| <= 3\.4028235e\+38\)\. "
            r"Received: mask_value=nan"
        ),
    ),
    "SpecAugment mask_value=inf": (lambda: SpecAugment(mask_value=np.inf), "Received: mask_value=inf"),
    "SpecAugment mask_value=-1e39": (lambda: SpecAugment(mask_value=-1e39), r"Received: mask_value=-1e\+39"),
    "RandomGain min_gain_db=-inf": (
        lambda: RandomGain(min_gain_db=-np.inf),
        r"`min_gain_db` must be a finite number of dB in \[-120, 120\]\. Received: min_gain_db=-inf",
    ),
    "RandomGain 1e6 dB": (lambda: RandomGain(min_gain_db=1e6, max_gain_db=1e6), r"Received: min_gain_db=1000000\.0"),
    "RandomGain max_gain_db=nan": (lambda: RandomGain(max_gain_db=np.nan), "Received: max_gain_db=nan"),
    "RandomGain -121 dB": (lambda: RandomGain(min_gain_db=-121.0), r"Received: min_gain_db=-121\.0"),
    "MelSpectrogram log_multiplier=1e39": (
        lambda: MelSpectrogram(**FRONTEND, compression="log", log_multiplier=1e39),
        r"`log_multiplier` must be at most 3\.4028235e\+38, the largest float32.*Received: log_multiplier=1e\+39",
    ),
    "LogCompression multiplier=1e39": (
        lambda: LogCompression(multiplier=1e39),
        r"`multiplier` must be at most .*Received: multiplier=1e\+39",
    ),
    "MelSpectrogram power=1e39": (
        lambda: MelSpectrogram(**FRONTEND, power=1e39),
        r"`power` must be at most .*Received: power=1e\+39",
    ),
    "MelSpectrogram ref=1e39": (lambda: MelSpectrogram(**FRONTEND, ref=1e39), r"`ref` must be at most .*ref=1e\+39"),
    "MelSpectrogram amin=1e39": (
        lambda: MelSpectrogram(**FRONTEND, amin=1e39),
        r"`amin` must be at most .*Received: amin=1e\+39",
    ),
    "MelSpectrogram amin=1e-40": (
        lambda: MelSpectrogram(**FRONTEND, amin=1e-40),
        r"`amin` must be at least 1\.1754944e-38, the smallest normal float32.*Received: amin=1e-40",
    ),
    "MagnitudeToDecibel power=1e-31": (
        lambda: MagnitudeToDecibel(power=1e-31),
        r"`power` must be at least 1e-30 for decibels.*Received: power=1e-31",
    ),
    "ApplyFilterbank custom 1e39": (
        lambda: ApplyFilterbank("custom", matrix=np.full((4, 40), 1e39)),
        (
            r"`matrix` must hold finite values that float32 can represent .*Received 160 that are not, "
            r"e\.g\. matrix\[0, 0\]=1e\+39"
        ),
    ),
    "ApplyFilterbank custom nan": (
        lambda: ApplyFilterbank("custom", matrix=np.where(np.eye(4, 40) > 0, np.nan, 0.0)),
        r"Received 4 that are not, e\.g\. matrix\[0, 0\]=nan",
    ),
}


@pytest.mark.parametrize("name", FLOAT32_REFUSALS)
def test_parameters_that_float32_cannot_hold_are_refused(name):
    build, message = FLOAT32_REFUSALS[name]
    with pytest.raises(ValueError, match=message):
        build()


def test_extreme_parameters_that_are_accepted_give_finite_output():
    """At the edges of the accepted ranges the output is finite and follows its formula (in float64 here)."""
    spectrogram = np.array([[[0.0, 1e-30, 1.0, FLOAT32_MAX]]], "float32")
    x = spectrogram.astype(np.float64)
    # log(1 + C·x) with the largest C: finite for x <= 1.
    small = spectrogram[..., :3]
    out = np.asarray(LogCompression(multiplier=FLOAT32_MAX)(small))
    np.testing.assert_allclose(out, np.log1p(np.float64(np.float32(FLOAT32_MAX)) * small), rtol=1e-6)
    # The widest dB scale over the whole float32 range, from the smallest floor.
    tiny = float(np.finfo(np.float32).tiny)
    out = np.asarray(MagnitudeToDecibel(amin=tiny, top_db=None, power=1e-30)(spectrogram))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, 20 / 1e-30 * np.log10(np.maximum(x, tiny)), rtol=1e-5)
    # The largest custom weight.
    out = np.asarray(ApplyFilterbank("custom", matrix=[[FLOAT32_MAX, 0.0]])(np.array([[[1.0, 5.0]]], "float32")))
    np.testing.assert_array_equal(out, [[[np.float32(FLOAT32_MAX)]]])


# --- Half-precision dtypes compute in float32 -----------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype", ["float16", "mixed_float16", "bfloat16", "mixed_bfloat16", keras.DTypePolicy("mixed_float16")],
    ids=str,
)
def test_half_precision_dtype_computes_in_float32(dtype):
    audio = clip(2, 4000)
    layer = MelSpectrogram(**FRONTEND, compression=None, dtype=dtype)
    out = layer(audio)
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    assert layer.dtype_policy.name == layer.stft.dtype_policy.name == "float32"
    for ours, y in zip(np.asarray(out), audio):
        reference = librosa.feature.melspectrogram(
            y=y.astype(np.float64), sr=16000, n_fft=512, hop_length=256, n_mels=40, pad_mode="constant"
        ).T
        np.testing.assert_allclose(ours, reference, rtol=1e-3, atol=1e-6 * reference.max())
    # Saved as float32, so a reloaded layer does the same.
    assert MelSpectrogram.from_config(layer.get_config()).dtype_policy.name == "float32"


def test_dtype_that_is_not_floating_point_is_refused():
    with pytest.raises(ValueError, match="MelSpectrogram computes in floating point .*Received: dtype='int32'"):
        MelSpectrogram(**FRONTEND, dtype="int32")


# --- An empty batch gives an empty output ---------------------------------------------------------------------


def compiled(layer):
    """The layer's call compiled as `model.predict` would run it."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(layer.__call__)
    import tensorflow as tf

    return tf.function(layer.__call__)


EMPTY_FRONTENDS = {
    "db": (lambda: MelSpectrogram(**FRONTEND), 40),
    "db ref=max": (lambda: MelSpectrogram(**FRONTEND, ref="max"), 40),
    "log": (lambda: MelSpectrogram(**FRONTEND, compression="log"), 40),
    "gather": (lambda: MelSpectrogram(**FRONTEND, framing="gather"), 40),
    # Semitones from 65.41 Hz (C2, 33 below 440 Hz) to 2093 Hz (C7, 27 above): 61 bins.
    "log-frequency": (lambda: LogFrequencySpectrogram(sample_rate=16000, n_fft=512, hop_length=256,
                                                      bins_per_octave=12, f_min=65.0, f_max=2100.0), 61),
}


@pytest.mark.parametrize("name", EMPTY_FRONTENDS)
@pytest.mark.parametrize("channels", [(), (2,)], ids=["mono", "stereo"])
@pytest.mark.parametrize("run", ["eager", "compiled"])
def test_empty_batch_gives_empty_output(name, channels, run):
    build, bins = EMPTY_FRONTENDS[name]
    layer = build()
    call = layer if run == "eager" else compiled(layer)
    out = call(np.zeros((0, 8000) + channels, "float32"))
    # Centred frames with an even n_fft: 1 + samples // hop_length.
    assert tuple(out.shape) == (0, 1 + 8000 // 256, bins) + channels


def test_empty_batch_of_spectrograms():
    assert tuple(MagnitudeToDecibel(ref="max")(np.zeros((0, 10, 5), "float32")).shape) == (0, 10, 5)
