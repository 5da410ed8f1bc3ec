"""The bad-input matrix (docs/bad-input.md): one test per row, through the four ways audio gets in.

Each row is a file (or its bytes) and what must happen to it through the Python API
(`mirzoo.predict`), the CLI (`mirzoo predict`), the data pipeline (`mirzoo.data.from_manifest`)
and an exported SavedModel's `serve_wav` signature: a correct result or a specific error. A
correct result is checked against an oracle: the closed-form test signal at the model's rate,
scored by the Keras model itself (no windowing, decoding or resampling code of mirzoo involved).
"""

import dataclasses
import io
import json
import os
import re
import struct
import warnings

import numpy as np
import pytest
import soundfile
import soxr

import mirzoo
from mirzoo.audio import AudioError
from mirzoo.cli import main
from mirzoo.data import ManifestEntry, SkippedAudioWarning, from_manifest

tf = pytest.importorskip("tensorflow")

PRESET = "conv1d_tagger.synth"  # 16 kHz, one 3 s window per clip
RATE = 16000
SECONDS = 3.0
DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "bad-input.md")
# Partials below 2.7 kHz: every rate from 8 kHz up carries the same signal.
PARTIALS = ((220.0, 0.30), (330.0, 0.2), (440.0, 0.15), (880.0, 0.1), (1320.0, 0.08), (2640.0, 0.05))


def clip_signal(rate, seconds=SECONDS):
    """The closed-form clip at `rate`: partials with a 4 Hz tremolo, peak below 0.9."""
    t = np.arange(int(round(seconds * rate))) / rate
    tone = sum(a * np.sin(2 * np.pi * f * t) for f, a in PARTIALS)
    return (tone * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))).astype(np.float32)


def wav_bytes(audio, rate, subtype, fmt="WAV"):
    buffer = io.BytesIO()
    soundfile.write(buffer, audio, rate, subtype=subtype, format=fmt)
    return buffer.getvalue()


def with_huge_length_fields(data):
    """A WAV whose RIFF and data chunk sizes claim ~4 GB (as streaming writers leave them)."""
    data = bytearray(data)
    chunk = data.find(b"data")
    data[4:8] = struct.pack("<I", 0xFFFFFFF8)
    data[chunk + 4 : chunk + 8] = struct.pack("<I", 0xFFFFFFF0)
    return bytes(data)


@dataclasses.dataclass
class Row:
    """One row of docs/bad-input.md.

    `make(path)` writes the input (or a directory) and returns `(path, expected_waveform)`:
    the mono waveform at 16 kHz a correct result must come from (None for rows that must fail).
    `error` is `(exception, message fragment)` for the API, CLI and pipeline; `serve_wav` the
    fragment of serve_wav's InvalidArgument error (None: it must give the correct result;
    "n/a": a path, not bytes, so it never reaches serve_wav). `atol` bounds the waveform the
    pipeline hands to training against the expected one (streaming and one-shot resampling).
    """

    name: str
    make: callable
    error: tuple = None
    serve_wav: str = None
    atol: float = 1e-6
    filename: str = "clip.wav"


def _write(data):
    def make(path):
        path.write_bytes(data() if callable(data) else data)
        return path, None
    return make


def _pcm(subtype, fmt="WAV", rate=RATE, channels=1, signal=None):
    """The clip as PCM. A correct result comes from the same clip stored mono in that format, decoded by
    libsndfile and, at another rate, resampled to 16 kHz in one go by soxr (HQ): the oracle for mirzoo's
    plumbing (downmix, streaming resampler, windows), not for the resampler itself."""
    def make(path):
        audio = clip_signal(rate) if signal is None else signal()
        frames = np.repeat(audio[:, None], channels, axis=1) if channels > 1 else audio
        path.write_bytes(wav_bytes(frames, rate, subtype, fmt))
        expected = soundfile.read(io.BytesIO(wav_bytes(audio, rate, subtype, fmt)), dtype="float32")[0]
        if rate != RATE:
            expected = soxr.resample(expected, rate, RATE, quality="HQ").astype(np.float32)
        return path, expected
    return make


def _non_finite(value):
    def make(path):
        audio = clip_signal(RATE)
        audio[RATE] = value
        path.write_bytes(wav_bytes(audio, RATE, "FLOAT"))
        return path, None
    return make


def _beyond_full_scale(path):
    path.write_bytes(wav_bytes(np.float32(1e19) * clip_signal(RATE), RATE, "FLOAT"))
    return path, None


def _directory(path):
    path.mkdir()
    return path, None


def _huge_length_field(path):
    intact = wav_bytes(clip_signal(RATE), RATE, "PCM_16")
    path.write_bytes(with_huge_length_fields(intact))
    return path, soundfile.read(io.BytesIO(intact), dtype="float32")[0]


def _clipped_noise():
    return np.sign(np.random.default_rng(0).standard_normal(int(SECONDS * RATE))).astype(np.float32)


NOT_16_BIT = "Can only read 16-bit WAV files"
NOT_PCM = "Bad audio format for WAV"
ROWS = [
    Row("empty file", _write(b""), (AudioError, "cannot decode"), "Data too short"),
    Row("zero-length audio", _write(lambda: wav_bytes(np.zeros(0, np.int16), RATE, "PCM_16")),
        (AudioError, "empty (0 samples)"), "waveform has no samples"),
    Row("single sample", _pcm("PCM_16", signal=lambda: np.array([0.5], np.float32))),
    Row("NaN samples", _non_finite(np.nan), (AudioError, "NaN or infinite"), NOT_PCM),
    Row("inf samples", _non_finite(np.inf), (AudioError, "NaN or infinite"), NOT_PCM),
    Row("float samples far beyond full scale", _beyond_full_scale, (AudioError, "float audio must lie in [-1, 1]"),
        NOT_PCM),
    Row("silence", _pcm("PCM_16", signal=lambda: np.zeros(int(SECONDS * RATE), np.float32))),
    Row("clipped full-scale noise", _pcm("PCM_16", signal=_clipped_noise)),
    Row("8-bit PCM (WAV, unsigned)", _pcm("PCM_U8"), serve_wav=NOT_16_BIT),
    Row("8-bit PCM (FLAC, signed)", _pcm("PCM_S8", "FLAC"), serve_wav="Header mismatch",
        filename="clip.flac"),
    Row("16-bit PCM", _pcm("PCM_16")),
    Row("24-bit PCM", _pcm("PCM_24"), serve_wav=NOT_16_BIT),
    Row("32-bit PCM", _pcm("PCM_32"), serve_wav=NOT_16_BIT),
    Row("32-bit float", _pcm("FLOAT"), serve_wav=NOT_PCM),
    Row("64-bit float", _pcm("DOUBLE"), serve_wav=NOT_PCM),
    *[Row(f"{n} channels", _pcm("PCM_16", channels=n)) for n in range(2, 9)],
    *[Row(f"{rate} Hz", _pcm("PCM_16", rate=rate), serve_wav="serve_wav expects WAV audio at 16000 Hz", atol=1e-4)
      for rate in (8000, 11025, 22050, 44100, 48000, 96000, 192000)],
    Row("500 Hz in the header", _write(lambda: wav_bytes(clip_signal(RATE), 500, "PCM_16")),
        (AudioError, "sample_rate must be a number of Hz between 1,000 and 1,000,000; received 500"),
        "serve_wav expects WAV audio at 16000 Hz"),
    Row("truncated WAV header", _write(lambda: wav_bytes(clip_signal(RATE), RATE, "PCM_16")[:30]),
        (AudioError, "cannot decode"), "Data too short"),
    Row("text file named .wav", _write(b"these are notes, not audio\n"), (AudioError, "cannot decode"),
        "Header mismatch: Expected RIFF"),
    Row("huge header length field", _huge_length_field, serve_wav="is too large"),
    Row("directory passed as a file", _directory, (IsADirectoryError, "is a directory"), "n/a"),
    Row("unicode and spaces in the path", _pcm("PCM_16"),
        filename=os.path.join("dossier à espaces", "ñandú 音楽 clip.wav")),
]


def test_the_docs_table_lists_exactly_these_rows():
    with open(DOC, encoding="utf-8") as handle:
        documented = re.findall(r"^\| ([^|]+?) \|", handle.read(), flags=re.MULTILINE)
    assert documented[1:] == [row.name for row in ROWS]  # after the header row


@pytest.fixture(scope="module")
def model():
    return mirzoo.load(PRESET)


@pytest.fixture(scope="module")
def serve_wav(model, tmp_path_factory):
    path = mirzoo.export(model, str(tmp_path_factory.mktemp("serving")))
    return tf.saved_model.load(path).signatures["serve_wav"]


def oracle_scores(model, waveform):
    """The Keras model on `waveform` zero-padded to its 3 s input, called directly."""
    clip = np.zeros(model.preset.clip_samples, np.float32)
    clip[: min(len(waveform), len(clip))] = waveform[: len(clip)]
    return np.asarray(model(clip[None], training=False))[0]


def cli_scores(path, capsys):
    code = main(["predict", PRESET, str(path), "--format", "json", "--no-progress"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_row(row, model, serve_wav, tmp_path, capsys):
    path = tmp_path / row.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path, expected = row.make(path)
    other = tmp_path / "other.wav"
    other.write_bytes(wav_bytes(clip_signal(RATE), RATE, "PCM_16"))
    entries = [ManifestEntry(str(path), ("piano",)), ManifestEntry(str(other), ("drums",))]
    preset = model.preset

    if row.error:
        kind, fragment = row.error
        with pytest.raises(kind, match=re.escape(fragment)) as raised:
            mirzoo.predict(model, str(path))
        assert str(path) in str(raised.value)
        code, out, err = cli_scores(path, capsys)
        assert code == 1 and out == ""
        assert err.strip().splitlines() == [f"mirzoo: error: {raised.value}"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            batches = list(from_manifest(entries, preset, batch_size=1, training=False))
        skipped = [str(w.message) for w in caught if issubclass(w.category, SkippedAudioWarning)]
        assert len(skipped) == 1 and str(path) in skipped[0] and len(batches) == 1
        with pytest.raises((ValueError, tf.errors.InvalidArgumentError), match=re.escape(str(path))):
            list(from_manifest(entries, preset, batch_size=1, training=False, strict=True))
    else:
        result = mirzoo.predict(model, str(path))
        oracle = oracle_scores(model, expected)
        assert np.all(np.isfinite(result.scores)) and np.all((result.scores >= 0) & (result.scores <= 1))
        np.testing.assert_allclose(result.scores, oracle, atol=1e-3 if row.atol > 1e-5 else 1e-4)
        code, out, err = cli_scores(path, capsys)
        assert code == 0 and err == ""
        record = json.loads(out)
        assert record["file"] == str(path)
        np.testing.assert_allclose([record["scores"][label] for label in result.labels], result.scores)
        (waveform, target), _ = [(np.asarray(x), np.asarray(y)) for x, y in
                                 from_manifest(entries, preset, batch_size=1, training=False, crop="start")]
        reference = np.zeros(preset.clip_samples, np.float32)
        reference[: min(len(expected), len(reference))] = expected[: preset.clip_samples]
        np.testing.assert_allclose(waveform[0][: len(expected)], reference[: len(expected)], atol=row.atol)
        assert target[0][preset.labels.index("piano")] == 1

    if row.serve_wav == "n/a":
        return
    request = tf.constant([path.read_bytes()])
    if row.serve_wav is None:
        served = serve_wav(wav=request)["scores"].numpy()[0]
        np.testing.assert_allclose(served, result.scores, atol=1e-4)
    else:
        with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(row.serve_wav)):
            serve_wav(wav=request)
        # The server still answers the next, good request.
        assert np.all(np.isfinite(serve_wav(wav=tf.constant([other.read_bytes()]))["scores"].numpy()))


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "float32", "float64"])
def test_in_memory_pcm_of_every_dtype(model, dtype):
    """Arrays: integer PCM is scaled by its full scale, floats are taken as they are."""
    reference = clip_signal(RATE)
    if dtype.startswith("int"):
        scale = 2.0 ** (np.iinfo(dtype).bits - 1)
        audio = np.round(reference * (scale - 1)).astype(dtype)
        expected = audio / scale
    else:
        audio = expected = reference.astype(dtype)
    result = mirzoo.predict(model, audio, sample_rate=RATE)
    np.testing.assert_allclose(result.scores, oracle_scores(model, expected.astype(np.float32)),
                               atol=2e-2 if dtype == "int8" else 1e-4)


@pytest.mark.parametrize("audio, fragment", [
    (np.zeros(0, np.float32), "empty (0 samples)"),
    (np.array([0.1, np.nan], np.float32), "NaN or infinite"),
    (np.zeros((2, 3, 4), np.float32), "expected shape (samples,) or (samples, channels)"),
    (np.zeros((2, 48000), np.float32), "would be 2 samples of 48000 channels"),
    (np.zeros(100, np.complex64), "Unsupported audio dtype complex64"),
    (np.zeros(100, bool), "Unsupported audio dtype bool"),
])
def test_bad_arrays_are_refused_by_name(model, audio, fragment):
    with pytest.raises(AudioError, match=re.escape(fragment)):
        mirzoo.predict(model, audio, sample_rate=RATE)


@pytest.mark.parametrize("rate", [0, -16000, None])
def test_an_array_without_a_valid_sample_rate_is_refused(model, rate):
    with pytest.raises(ValueError, match="sample_rate"):
        mirzoo.predict(model, clip_signal(RATE), sample_rate=rate)
