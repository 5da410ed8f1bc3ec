"""Bad input gets a specific ValueError naming what was received and what is expected."""

import numpy as np
import pytest

from mirzoo.layers import STFT, ApplyFilterbank, MelSpectrogram

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
