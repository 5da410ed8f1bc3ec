import re

import keras
import numpy as np
import pytest
import soundfile
import soxr

import mirzoo
from mirzoo.audio import AudioError
from mirzoo.testing import TestCase, harmonic_test_signal


@pytest.fixture(scope="module")
def tagger():
    return mirzoo.build("conv1d_tagger")  # 16 kHz, 3 s windows


@pytest.fixture(scope="module")
def frame_model():
    return mirzoo.build("dnn_chroma", clip_seconds=4.0)  # 22.05 kHz, 10 fps; short chunks exercise stitching


def run_windows(model, audio, starts):
    """Oracle: the model applied to explicit windows, one call each."""
    window = model.preset.clip_samples
    return np.stack([np.asarray(model.predict(audio[None, s : s + window], verbose=0))[0] for s in starts])


class TestTagging(TestCase):
    def test_windows_hop_and_tail(self, tagger):
        audio = harmonic_test_signal(16000, 10.0)
        result = mirzoo.predict(tagger, audio, sample_rate=16000)
        # 3 s windows at 0, 3, 6 and a tail window aligned to the 10 s end.
        np.testing.assert_allclose(result.window_times, [0.0, 3.0, 6.0, 7.0])
        starts = [0, 48000, 96000, 112000]
        self.assert_allclose(result.taggram, run_windows(tagger, audio, starts), atol=1e-5)
        self.assert_allclose(result.scores, result.taggram.mean(axis=0), atol=1e-7)
        assert result.duration == pytest.approx(10.0)
        # Random weights saturate the sigmoid, so ties at 1.0 are common: best first, ties in label order.
        by_score = sorted(range(len(result.scores)), key=lambda i: (-result.scores[i], i))
        assert [label for label, _ in result.top(3)] == [tagger.preset.labels[i] for i in by_score[:3]]

    def test_overlapping_hop(self, tagger):
        audio = harmonic_test_signal(16000, 6.0)
        result = mirzoo.predict(tagger, audio, sample_rate=16000, hop_seconds=1.5, batch_size=2)
        np.testing.assert_allclose(result.window_times, [0.0, 1.5, 3.0])

    def test_short_audio_is_zero_padded_to_one_window(self, tagger):
        audio = harmonic_test_signal(16000, 1.0)
        result = mirzoo.predict(tagger, audio, sample_rate=16000)
        padded = np.pad(audio, (0, 32000))
        self.assert_allclose(result.taggram, run_windows(tagger, padded, [0]), atol=1e-5)
        assert result.duration == pytest.approx(1.0)

    def test_file_stereo_44k_int16_equals_the_array_path(self, tagger, tmp_path):
        stereo = harmonic_test_signal(44100, 7.0, channels=2)
        path = tmp_path / "stereo.wav"
        soundfile.write(path, stereo, 44100, subtype="PCM_16")
        from_file = mirzoo.predict(tagger, str(path))
        pcm = soundfile.read(path, dtype="int16")[0]
        from_array = mirzoo.predict(tagger, pcm, sample_rate=44100)
        # The stream resamples block by block; the array in one go: equal up to the resampler's edges.
        self.assert_allclose(from_file.scores, from_array.scores, atol=2e-3)
        # Oracle for the audio path: mean of channels, soxr HQ to 16 kHz.
        mono = soxr.resample((pcm.astype(np.float64) / 32768).mean(axis=1), 44100, 16000, quality="HQ")
        expected = run_windows(tagger, mono.astype("float32"), [0, 48000, len(mono) - 48000])
        self.assert_allclose(from_array.taggram, expected, atol=1e-4)

    def test_in_memory_audio_needs_its_rate(self, tagger):
        with pytest.raises(AudioError, match="sample_rate"):
            mirzoo.predict(tagger, np.zeros(16000, "float32"))

    def test_bad_audio_is_refused(self, tagger, tmp_path):
        with pytest.raises(AudioError, match="NaN"):
            mirzoo.predict(tagger, np.full(16000, np.nan, "float32"), sample_rate=16000)
        with pytest.raises(AudioError, match="empty"):
            mirzoo.predict(tagger, np.zeros(0, "float32"), sample_rate=16000)
        garbage = tmp_path / "garbage.mp3"
        garbage.write_bytes(b"\x00" * 1000)
        with pytest.raises(AudioError, match="cannot decode"):
            mirzoo.predict(tagger, str(garbage))


    @pytest.mark.parametrize("sample_rate", [float("nan"), float("inf"), 0.01, 999, 2_000_000, True, "16000"])
    def test_a_sample_rate_that_is_not_a_number_of_hz_in_range_is_refused(self, tagger, sample_rate):
        """Before resampling: NaN used to hang soxr and 0.01 Hz to ask it for 1.6e9 samples."""
        with pytest.raises(AudioError, match=rf"sample_rate must be a number of Hz between 1,000 and 1,000,000; "
                                              rf"received {re.escape(repr(sample_rate))}"):
            mirzoo.predict(tagger, np.zeros(1000, "float32"), sample_rate=sample_rate)

    @pytest.mark.parametrize("rate", [1, 500, 2_000_000])
    def test_a_file_whose_header_claims_a_rate_out_of_range_is_refused(self, tagger, tmp_path, rate):
        path = tmp_path / "odd_rate.wav"
        soundfile.write(path, harmonic_test_signal(16000, 1.0), rate, subtype="PCM_16")
        assert soundfile.info(path).samplerate == rate
        with pytest.raises(AudioError, match=rf"{re.escape(str(path))}: sample_rate must be a number of Hz between "
                                              rf"1,000 and 1,000,000; received {rate}\."):
            mirzoo.predict(tagger, str(path))

    @pytest.mark.parametrize("scale, dtype", [
        (1e19, "float32"),  # overflows the power spectrum: NaN scores before
        (1e300, "float64"),  # beyond float32: inf after the cast
        (32767, "float64"),  # int16 PCM held in floats
    ])
    def test_float_audio_far_beyond_full_scale_is_refused(self, tagger, scale, dtype):
        audio = harmonic_test_signal(16000, 3.0).astype(dtype) * np.array(scale, dtype)
        peak = f"{np.abs(audio).max():.4g}"
        with pytest.raises(AudioError, match=rf"float audio must lie in \[-1, 1\]; this peaks at {re.escape(peak)} "):
            mirzoo.predict(tagger, audio, sample_rate=16000)

    def test_float_audio_a_little_over_full_scale_is_scored(self, tagger):
        audio = 4.0 * harmonic_test_signal(16000, 3.0)  # a hot mix
        scores = mirzoo.predict(tagger, audio, sample_rate=16000).scores
        self.assert_allclose(scores, run_windows(tagger, audio, [0])[0], atol=1e-5)

    @pytest.mark.parametrize("batch_size", [0, -1, 2.5, float("nan"), True, "8"])
    def test_batch_size_must_be_a_positive_integer(self, tagger, batch_size):
        message = rf"`batch_size` must be an integer >= 1; received {re.escape(repr(batch_size))}"
        with pytest.raises(ValueError, match=message):
            mirzoo.predict(tagger, np.zeros(16000, "float32"), sample_rate=16000, batch_size=batch_size)

    @pytest.mark.parametrize("hop", [0, -1.0, 1e-9, float("inf"), float("nan"), "1", True])
    def test_a_hop_must_be_at_least_one_sample(self, tagger, hop):
        with pytest.raises(ValueError, match=r"hop_seconds must be a finite number of seconds of at least one sample"):
            mirzoo.predict(tagger, np.zeros(16000, "float32"), sample_rate=16000, hop_seconds=hop)

    @pytest.mark.parametrize("k", [0, -1, 2.5, None])
    def test_top_takes_a_positive_count(self, tagger, k):
        result = mirzoo.predict(tagger, harmonic_test_signal(16000, 3.0), sample_rate=16000)
        assert len(result.top(100)) == len(result.labels)
        with pytest.raises(ValueError, match=rf"`k` must be an integer >= 1; received {re.escape(repr(k))}"):
            result.top(k)


    def test_a_list_of_recordings_gives_one_result_each(self, tagger, tmp_path):
        first, second = harmonic_test_signal(16000, 4.0), harmonic_test_signal(16000, 7.0) * 0.5
        paths = []
        for index, audio in enumerate((first, second)):
            paths.append(str(tmp_path / f"clip{index}.wav"))
            soundfile.write(paths[-1], audio, 16000, subtype="FLOAT")
        for results, alone in ((mirzoo.predict(tagger, paths), [mirzoo.predict(tagger, p) for p in paths]),
                               (mirzoo.predict(tagger, [first, second], sample_rate=16000),
                                [mirzoo.predict(tagger, a, sample_rate=16000) for a in (first, second)])):
            assert len(results) == 2
            for result, expected in zip(results, alone):
                np.testing.assert_array_equal(result.taggram, expected.taggram)

    def test_two_clips_stacked_as_rows_are_not_taken_for_channels(self, tagger):
        with pytest.raises(AudioError, match=r"\(2, 24000\) would be 2 samples of 24000 channels.*list of them"):
            mirzoo.predict(tagger, np.zeros((2, 24000), "float32"), sample_rate=16000)

    def test_progress_reports_the_seconds_read(self, tagger, tmp_path):
        path = tmp_path / "long.flac"
        soundfile.write(path, harmonic_test_signal(44100, 25.0), 44100)
        seen = []
        mirzoo.predict(tagger, str(path), on_progress=seen.append)
        assert len(seen) >= 3 and seen == sorted(seen)  # stream_audio reads 10 s blocks
        assert seen[-1] == pytest.approx(25.0, abs=1e-3)


class TestFrames(TestCase):
    def test_chunked_equals_whole(self, frame_model):
        audio = harmonic_test_signal(22050, 13.7)
        result = mirzoo.predict(frame_model, audio, sample_rate=22050)
        whole = np.asarray(frame_model.predict(audio[None], verbose=0))[0]
        assert result.activations.shape == whole.shape == (1 + len(audio) // 2205, 12)
        self.assert_allclose(result.activations, whole, atol=1e-5)
        np.testing.assert_allclose(result.times, np.arange(len(whole)) / 10.0)

    def test_short_and_one_sample_audio(self, frame_model):
        assert mirzoo.predict(frame_model, np.full(1, 0.1, "float32"), sample_rate=22050).activations.shape == (1, 12)
        assert mirzoo.predict(frame_model, np.zeros(3000, "float32"), sample_rate=22050).activations.shape == (2, 12)

    def test_file_streaming_matches_array(self, frame_model, tmp_path):
        audio = harmonic_test_signal(22050, 25.0)
        path = tmp_path / "long.flac"
        soundfile.write(path, audio, 22050)
        from_file = mirzoo.predict(frame_model, str(path))
        from_array = mirzoo.predict(frame_model, soundfile.read(path, dtype="float32")[0], sample_rate=22050)
        self.assert_allclose(from_file.activations, from_array.activations, atol=1e-6)

    def test_a_hop_is_refused_for_frame_models(self, frame_model):
        """Frame models score every frame; a hop used to be ignored without a word."""
        with pytest.raises(ValueError, match="scores every frame .* a window hop applies to taggers only"):
            mirzoo.predict(frame_model, np.zeros(22050, "float32"), sample_rate=22050, hop_seconds=0.5)

    def test_a_segments_decoder_sets_the_threshold_segments_use(self):
        """A preset's `"segments"` decoder (a voice detector's threshold chosen on validation data) is what
        `segments()` uses unless told otherwise; the oracle is the runs of the thresholded activations."""
        model = mirzoo.build("dnn_chroma", clip_seconds=4.0)
        audio = harmonic_test_signal(22050, 6.0)
        plain = mirzoo.predict(model, audio, sample_rate=22050)
        assert (plain.threshold, plain.min_seconds) == (0.5, 0.25) and "threshold" in plain.to_dict()
        threshold = float(np.round(np.median(plain.activations), 3))
        model.preset = model.preset.replace(decoder={"name": "segments", "threshold": threshold, "min_seconds": 0})
        result = mirzoo.predict(model, audio, sample_rate=22050)
        assert (result.threshold, result.min_seconds) == (threshold, 0.0) and result.to_dict()["threshold"] == threshold

        def runs(active):
            changes = [0] + [k for k in range(1, len(active)) if (active[k] != active[k - 1]).any()] + [len(active)]
            return [(start / 10.0, end / 10.0, tuple(np.array(model.preset.labels)[active[start]]))
                    for start, end in zip(changes[:-1], changes[1:])]

        def found(segments):
            return [(segment.start, segment.end, segment.labels) for segment in segments]

        assert found(result.segments()) == runs(result.activations >= threshold)
        assert found(result.segments(threshold=0.5)) == runs(result.activations >= 0.5)
        assert len(runs(result.activations >= threshold)) > 1

    def test_a_segments_decoder_with_a_bad_threshold_is_an_invalid_preset(self):
        from mirzoo.presets import InvalidPresetError

        preset = mirzoo.get_preset("conv2d_singing_voice.synth")
        with pytest.raises(InvalidPresetError, match="threshold must be a number in"):
            preset.replace(decoder={"name": "segments", "threshold": 2.0})
        with pytest.raises(InvalidPresetError, match="unexpected keyword argument 'median'"):
            preset.replace(decoder={"name": "segments", "median": 5})
        with pytest.raises(InvalidPresetError, match="decoder must name one of"):
            mirzoo.get_preset("crnn_tagger.synth").replace(decoder={"name": "segments"})

    def test_model_without_preset_is_refused(self):
        inputs = keras.Input((None,))
        plain = keras.Model(inputs, inputs)
        with pytest.raises(ValueError, match="carries no preset"):
            mirzoo.predict(plain, np.zeros(100, "float32"), sample_rate=16000)


@pytest.mark.parametrize("fixture", ["tagger", "frame_model"])
def test_one_model_from_four_threads_gives_the_serial_results(fixture, request, tmp_path):
    """Files of different lengths and rates, 3 rounds each, through one model from 4 threads at once."""
    from concurrent.futures import ThreadPoolExecutor

    model = request.getfixturevalue(fixture)
    paths = []
    for i, (rate, seconds) in enumerate([(16000, 7.0), (22050, 11.5), (44100, 4.2), (8000, 9.0)]):
        paths.append(str(tmp_path / f"{i}.flac"))
        soundfile.write(paths[-1], harmonic_test_signal(rate, seconds, seed=i, channels=2), rate)

    def rows(path):
        result = mirzoo.predict(model, path)
        return result.taggram if model.preset.task == "tagging" else result.activations

    serial = [rows(path) for path in paths]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(rows, paths * 3))
    for k, result in enumerate(concurrent):
        np.testing.assert_array_equal(result, serial[k % len(paths)])


def test_a_classifier_sees_the_whole_recording_at_once():
    """The key CNN's distribution: one for the recording, equal to the model called on the whole waveform
    (the front end runs in chunks, the network once on all frames), and a clear error below its pooling."""
    model = mirzoo.build("cnn_key.madmom", clip_seconds=4.0)  # 4 s chunks: 30 s of audio takes several
    audio = harmonic_test_signal(44100, 30.0, seed=2)
    result = mirzoo.predict(model, audio, sample_rate=44100)
    whole = model.predict(audio[None], verbose=0)[0]
    np.testing.assert_allclose(result.probabilities, whole, atol=1e-6)
    assert result.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert result.key == result.label == model.preset.labels[int(np.argmax(whole))]
    assert result.top(2)[0] == (result.label, result.probability) and result.duration == pytest.approx(30.0)
    assert set(result.to_dict()) == {"duration", "key", "key_probability", "label", "probability", "probabilities"}
    with pytest.raises(AudioError, match=r"needs more than 1.40 s of audio \(8 frames\).*has 1.00 s, 5 frames"):
        mirzoo.predict(model, audio[:44100], sample_rate=44100)
    with pytest.raises(ValueError, match="classifies the whole recording at once; it takes no hop"):
        mirzoo.predict(model, audio, sample_rate=44100, hop_seconds=1.0)
