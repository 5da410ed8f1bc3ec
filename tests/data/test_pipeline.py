import dataclasses
import warnings

import numpy as np
import pytest
import soundfile
import soxr

import mirzoo
from mirzoo.data import ManifestEntry, SkippedAudioWarning, from_manifest, read_manifest
from mirzoo.data.pipeline import usable_clips
from mirzoo.testing import harmonic_test_signal, write_voice_pairs

tf = pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def tagger_preset():
    return mirzoo.get_preset("conv1d_tagger")  # 16 kHz, 3 s clips


def write(path, audio, rate, subtype=None):
    soundfile.write(path, audio, rate, subtype=subtype)
    return str(path)


def batches(dataset):
    return [(np.asarray(x), np.asarray(y)) for x, y in dataset]


def test_in_graph_wav_equals_soundfile_flac(tmp_path, tagger_preset):
    audio = harmonic_test_signal(16000, 4.0, channels=2)
    wav = write(tmp_path / "a.wav", audio, 16000, "PCM_16")  # decoded by tf.audio.decode_wav
    flac = write(tmp_path / "a.flac", audio, 16000, "PCM_16")  # decoded by soundfile
    entries = [ManifestEntry(wav, ("piano",)), ManifestEntry(flac, ("drums",))]
    (x, y), = batches(from_manifest(entries, tagger_preset, batch_size=2, training=False, crop="start"))
    assert x.shape == (2, 48000) and y.shape == (2, 12)
    pcm = soundfile.read(wav, dtype="int16")[0]
    np.testing.assert_allclose(x[0], (pcm / 32768.0).mean(axis=1)[:48000], atol=1e-6)
    np.testing.assert_allclose(x[1], soundfile.read(flac, dtype="float32")[0].mean(axis=1)[:48000], atol=1e-6)
    labels = tagger_preset.labels
    assert y[0, labels.index("piano")] == 1 and y[0].sum() == 1 and y[1, labels.index("drums")] == 1


def test_resampled_downmixed_and_zero_padded(tmp_path, tagger_preset):
    audio = harmonic_test_signal(44100, 2.0, channels=2)
    path = write(tmp_path / "b.ogg", audio, 44100)
    (x, _), = batches(from_manifest([ManifestEntry(path, ())], tagger_preset, batch_size=1, training=False,
                                    crop="start"))
    decoded = soundfile.read(path, dtype="float32")[0].mean(axis=1)
    expected = soxr.resample(decoded, 44100, 16000, quality="HQ")
    np.testing.assert_allclose(x[0, : len(expected)], expected, atol=1e-5)
    assert np.all(x[0, len(expected):] == 0)  # 2 s of audio padded to the 3 s clip


@pytest.mark.parametrize("cache", [False, True])
def test_random_crops_are_seeded_and_vary(tmp_path, tagger_preset, cache):
    entries = [ManifestEntry(write(tmp_path / f"{i}.wav", harmonic_test_signal(16000, 10.0, seed=i), 16000, "PCM_16"),
                             ()) for i in range(4)]

    def epoch(seed):
        dataset = from_manifest(entries, tagger_preset, batch_size=2, seed=seed, cache=cache)
        return np.concatenate([x for x, _ in batches(dataset)])

    first, again, other = epoch(1), epoch(1), epoch(2)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    dataset = from_manifest(entries, tagger_preset, batch_size=4, seed=1, cache=cache)
    one, two = [np.concatenate([x for x, _ in batches(dataset)]) for _ in range(2)]
    assert not np.array_equal(one, two), "reshuffled and re-cropped every epoch"
    try:  # `seed` alone decides: TensorFlow's global seed (which `mirzoo.train` sets) changes nothing
        tf.random.set_seed(1234)
        np.testing.assert_array_equal(epoch(1), first)
    finally:
        tf.random.set_seed(None)


def labels_naming_their_second(seconds=6):
    """Frame labels at 100 fps: class c is on during second c (c = 0..seconds-1), so each frame names its time."""
    labels = np.zeros((seconds * 100, 12), np.float32)
    for second in range(seconds):
        labels[second * 100 : (second + 1) * 100, second] = 1.0
    return labels


def test_frame_targets_follow_the_crop(tmp_path):
    preset = mirzoo.get_preset("dnn_chroma").replace(clip_seconds=2.0)  # 22.05 kHz, hop 2205 → 10 fps
    path = write(tmp_path / "song.flac", harmonic_test_signal(22050, 6.0), 22050)
    audio = soundfile.read(path, dtype="float32")[0]
    labels = labels_naming_their_second()
    np.save(tmp_path / "song.npy", labels)
    entry = ManifestEntry(path, frame_labels=str(tmp_path / "song.npy"), frame_rate=100.0)
    for seed in range(3):
        (x, y), = batches(from_manifest([entry], preset, batch_size=1, seed=seed))
        assert y.shape == (1, 21, 12)
        # Oracle: locate the crop in the audio, then read the 100 fps labels at each model frame's time.
        offset = next(s for s in range(0, len(audio) - 44100 + 1, 2205)
                      if np.allclose(audio[s : s + 44100], x[0], atol=1e-6))
        times = (offset + 2205 * np.arange(21)) / 22050
        expected = labels[np.minimum(np.floor(times * 100 + 0.5).astype(int), 599)]
        np.testing.assert_array_equal(y[0], expected)


@pytest.mark.parametrize("kind", ["clip", "soft", "frames"])
def test_mixing_adds_a_quieter_batch_mate_and_takes_the_union_of_labels(tmp_path, tagger_preset, kind):
    preset = tagger_preset
    entries = []
    for i, tag in enumerate(preset.labels[:6]):
        path = write(tmp_path / f"{i}.wav", harmonic_test_signal(16000, 5.0, seed=i), 16000, "PCM_16")
        if kind == "frames":
            np.save(tmp_path / f"{i}.npy", np.eye(12, dtype=np.float32)[[i] * 250 + [i + 6] * 250])
            entries.append(ManifestEntry(path, frame_labels=str(tmp_path / f"{i}.npy"), frame_rate=100.0))
        elif kind == "soft":  # a teacher's scores, one row a second; their union is the elementwise maximum
            np.save(tmp_path / f"{i}.npy", np.random.default_rng(i).uniform(size=(5, 12)).astype(np.float32))
            entries.append(ManifestEntry(path, frame_labels=str(tmp_path / f"{i}.npy"), frame_rate=1.0))
        else:
            entries.append(ManifestEntry(path, (tag,)))
    if kind == "frames":
        preset = mirzoo.get_preset("dnn_chroma").replace(sample_rate=16000, clip_seconds=3.0)

    def epoch(mix):
        return batches(from_manifest(entries, preset, batch_size=3, seed=4, mix=mix))

    plain, mixed, half = epoch(0.0), epoch(1.0), epoch(0.5)
    gains = []
    for (x, y), (x_mixed, y_mixed) in zip(plain, mixed):
        partner, partner_y = np.roll(x, 1, axis=0), np.roll(y, 1, axis=0)
        np.testing.assert_array_equal(y_mixed, np.maximum(y, partner_y))
        for k in range(len(x)):  # x_mixed = (x + g * partner) / (1 + g): solve for g, then check the fit
            gain = np.dot(x_mixed[k] - x[k], partner[k] - x_mixed[k]) / np.sum((partner[k] - x_mixed[k]) ** 2)
            np.testing.assert_allclose(x_mixed[k], (x[k] + gain * partner[k]) / (1 + gain), atol=1e-5)
            gains.append(gain)
    assert 0.25 <= min(gains) and max(gains) <= 1.0 and np.std(gains) > 0.05
    untouched = [np.array_equal(u, v) for (x, _), (x_half, _) in zip(plain, half) for u, v in zip(x, x_half)]
    assert 0 < sum(untouched) < len(untouched)  # mix=0.5 mixes some examples, not all
    np.testing.assert_array_equal(np.concatenate([x for x, _ in half]), np.concatenate([x for x, _ in epoch(0.5)]))
    with pytest.raises(ValueError, match="probability"):
        from_manifest(entries, preset, mix=1.5)


def test_unusable_files_are_skipped_with_one_warning_each(tmp_path, tagger_preset):
    good = write(tmp_path / "good.wav", harmonic_test_signal(16000, 3.0), 16000, "PCM_16")
    text = tmp_path / "text.wav"
    text.write_text("not audio")
    nan = write(tmp_path / "nan.wav", np.full(16000, np.nan, np.float32), 16000, "FLOAT")
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(open(good, "rb").read()[:2000])
    entries = [ManifestEntry(p, ()) for p in (str(text), good, nan, str(truncated))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = batches(from_manifest(entries, tagger_preset, batch_size=1, training=False))
    messages = [str(w.message) for w in caught if issubclass(w.category, SkippedAudioWarning)]
    assert len(data) == 2  # good, and the readable part of the truncated WAV
    assert all(np.all(np.isfinite(x)) for x, _ in data)
    assert any("text.wav" in m for m in messages) and any("nan.wav" in m for m in messages)
    with pytest.raises(ValueError, match="text.wav"):
        from_manifest(entries, tagger_preset, strict=True)


def test_a_clip_with_no_samples_left_after_resampling_is_skipped_with_a_warning(tmp_path, tagger_preset):
    good = write(tmp_path / "good.flac", harmonic_test_signal(16000, 3.0), 16000)
    one = write(tmp_path / "one_sample.wav", np.full(1, 0.5, np.float32), 44100, "FLOAT")
    assert len(soxr.resample(np.full(1, 0.5, np.float32), 44100, 16000, quality="HQ")) == 0  # the oracle
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = batches(from_manifest([ManifestEntry(one, ()), ManifestEntry(good, ())], tagger_preset, batch_size=1,
                                     training=False))
    messages = [str(w.message) for w in caught if issubclass(w.category, SkippedAudioWarning)]
    assert len(data) == 1
    assert len(messages) == 1 and "one_sample.wav" in messages[0] and "no samples at 16000 Hz" in messages[0]


def test_unknown_label_names_it(tmp_path, tagger_preset):
    entry = ManifestEntry(write(tmp_path / "a.wav", harmonic_test_signal(16000, 1.0), 16000), ("kazoo",))
    with pytest.raises(ValueError, match="kazoo"):
        from_manifest([entry], tagger_preset)


def test_frame_labels_outside_0_1_are_an_unusable_file(tmp_path):
    preset = mirzoo.get_preset("dnn_chroma")  # 12 labels
    entries = []
    for name, targets in [("good", np.eye(12, dtype=np.float32)[[0] * 50]),
                          ("mask", np.eye(12, dtype=np.uint8)[[0] * 50] * 255),
                          ("empty", np.zeros((0, 12), np.float32))]:
        np.save(tmp_path / f"{name}.npy", targets)
        audio = write(tmp_path / f"{name}.flac", harmonic_test_signal(22050, 1.0), 22050)
        entries.append(ManifestEntry(audio, frame_labels=str(tmp_path / f"{name}.npy"), frame_rate=100.0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (_, y), = batches(from_manifest(entries, preset, batch_size=4, training=False))
    messages = [str(w.message) for w in caught if issubclass(w.category, SkippedAudioWarning)]
    assert len(messages) == 2 and y.shape[0] == 1 and y.max() == 1
    assert "mask.flac: unusable frame labels, skipped" in messages[0] and "got 255" in messages[0]
    assert "empty.npy: frame labels must be a (frames, n_labels) array with at least one frame" in messages[1]
    with pytest.raises(ValueError, match=r"mask.npy: frame labels must be finite targets in \[0, 1\]; got 255"):
        from_manifest(entries, preset, batch_size=1, strict=True)


def test_an_infinite_manifest_frame_rate_stops_at_its_line_not_in_numpy(tmp_path):
    (tmp_path / "frames.csv").write_text("audio,frame_labels,frame_rate\na.flac,a.npy,Infinity\n")
    with pytest.raises(ValueError, match=r"frames.csv:2: .*'frame_rate' must be a finite number"):
        from_manifest(tmp_path / "frames.csv", mirzoo.get_preset("dnn_chroma"), strict=False)


@pytest.mark.parametrize("batch_size", [2.5, 0, -1, True, "4", None])
def test_a_batch_size_that_is_not_a_positive_integer_is_refused(tmp_path, tagger_preset, batch_size):
    entry = ManifestEntry(write(tmp_path / "a.wav", harmonic_test_signal(16000, 1.0), 16000), ())
    with pytest.raises(ValueError, match=rf"`batch_size` must be an integer >= 1; received {batch_size!r}\."):
        from_manifest([entry], tagger_preset, batch_size=batch_size)


def test_a_numpy_integer_batch_size_is_an_integer(tmp_path, tagger_preset):
    entry = ManifestEntry(write(tmp_path / "a.wav", harmonic_test_signal(16000, 1.0), 16000), ())
    (x, _), = batches(from_manifest([entry], tagger_preset, batch_size=np.int64(1)))
    assert x.shape == (1, tagger_preset.clip_samples)


def test_repeated_target_labels_are_refused(tmp_path, tagger_preset):
    entry = ManifestEntry(write(tmp_path / "a.wav", harmonic_test_signal(16000, 1.0), 16000), ("piano",))
    with pytest.raises(ValueError, match=r"`labels` must name each label once; \['piano'\] repeat"):
        from_manifest([entry], tagger_preset, labels=("piano", "drums", "piano"))


def test_fewer_training_clips_than_a_batch_is_refused_not_an_empty_dataset(tmp_path, tagger_preset):
    entries = [ManifestEntry(write(tmp_path / f"{i}.wav", harmonic_test_signal(16000, 1.0), 16000), ())
               for i in range(3)]
    with pytest.raises(ValueError, match="3 usable clip\\(s\\), fewer than batch_size=4: .*would be empty"):
        from_manifest(entries, tagger_preset, batch_size=4)
    assert len(batches(from_manifest(entries, tagger_preset, batch_size=4, training=False))) == 1


def test_a_training_dataset_knows_how_many_batches_an_epoch_has(tmp_path, tagger_preset):
    """Keras ends an epoch of unknown length only by running out of data, with a warning and an extra, empty step."""
    entries = [ManifestEntry(write(tmp_path / f"{i}.wav", harmonic_test_signal(16000, 3.0, seed=i), 16000, "PCM_16"),
                             ()) for i in range(5)]
    dataset = from_manifest(entries, tagger_preset, batch_size=2, seed=0)
    assert int(dataset.cardinality()) == 5 // 2
    assert [len(batches(dataset)) for _ in range(3)] == [2, 2, 2]
    # Evaluation leaves out what fails to decode, so it cannot know its length (train passes Keras the steps).
    assert int(from_manifest(entries, tagger_preset, batch_size=2, training=False).cardinality()) == -2  # unknown


def test_a_clip_unusable_only_once_decoded_gives_its_place_in_a_training_epoch_to_the_next_pass(tmp_path,
                                                                                                  tagger_preset):
    good = [write(tmp_path / f"{i}.wav", harmonic_test_signal(16000, 3.0, seed=i), 16000, "PCM_16") for i in range(3)]
    nan = [write(tmp_path / f"nan{i}.wav", np.full(48000, np.nan, np.float32), 16000, "FLOAT") for i in range(2)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = from_manifest([ManifestEntry(p, ()) for p in good + nan[:1]], tagger_preset, batch_size=2, seed=0)
        epoch = batches(dataset)  # 3 clips decode: a second pass supplies the 4th of 2 full batches
    assert len(epoch) == int(dataset.cardinality()) == 2
    assert all(np.all(np.isfinite(x)) and np.abs(x).max() > 0 for x, _ in epoch)
    assert any("nan0.wav" in str(w.message) for w in caught if issubclass(w.category, SkippedAudioWarning))
    # Over half of the clips unusable: two passes cannot fill an epoch, which says so instead of ending short.
    dataset = from_manifest([ManifestEntry(p, ()) for p in good[:1] + nan], tagger_preset, batch_size=1, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedAudioWarning)
        with pytest.raises(tf.errors.FailedPreconditionError, match="expected to contain 3 elements"):
            batches(dataset)


def test_usable_clips_then_clip_dataset_is_from_manifest(tmp_path, tagger_preset):
    from mirzoo.data.pipeline import clip_dataset, usable_clips

    paths = [write(tmp_path / f"{i}.wav", harmonic_test_signal(16000, 4.0, seed=i), 16000, "PCM_16") for i in range(3)]
    missing = str(tmp_path / "missing.wav")
    entries = [ManifestEntry(p, ("piano",)) for p in paths + [missing]]
    with pytest.warns(SkippedAudioWarning, match="missing.wav"):
        clips = usable_clips(entries, tagger_preset)
    assert len(clips) == 3 and clips.paths == tuple(paths) and clips.labels == tagger_preset.labels
    with pytest.warns(SkippedAudioWarning, match="missing.wav"):
        whole = from_manifest(entries, tagger_preset, batch_size=2, seed=5)
    for (x, y), (x_whole, y_whole) in zip(batches(clip_dataset(clips, tagger_preset, batch_size=2, seed=5)),
                                          batches(whole), strict=True):
        np.testing.assert_array_equal(x, x_whole)
        np.testing.assert_array_equal(y, y_whole)
    with pytest.raises(TypeError, match="`clips` must be UsableClips from usable_clips\\(\\); received a list"):
        clip_dataset(entries, tagger_preset)


# musicnn's taggram: one row per 3 s patch (187 frames of 256 samples at 16 kHz), 2.992 s.
MUSICNN_ROWS_PER_SECOND = 16000 / (187 * 256)


def ramp(tmp_path, name, seconds, rate, offset=0):
    """A float WAV whose samples are `(offset + n) / 2**20`: each names its clip and its place, exactly."""
    samples = (offset + np.arange(int(seconds * rate))) / 2**20
    return write(tmp_path / f"{name}.wav", samples.astype(np.float32), rate, "FLOAT")


def soft_entry(audio, table, rows_per_second):
    """A soft-label row: `table` (a teacher's scores) saved beside `audio`."""
    path = audio[: -len(".wav")] + ".npy"
    np.save(path, table)
    return ManifestEntry(audio, frame_labels=path, frame_rate=rows_per_second)


def overlap_weighted_rows(table, rows_per_second, begin, seconds):
    """The oracle: each row's overlap (seconds) with [begin, begin + seconds), as a weighted mean of the rows."""
    row_starts = np.arange(len(table)) / rows_per_second
    overlap = np.clip(np.minimum(row_starts + 1 / rows_per_second, begin + seconds) - np.maximum(row_starts, begin),
                      0, None)
    return overlap @ table.astype(np.float64) / overlap.sum()


def test_soft_labels_are_the_teacher_rows_weighted_by_their_overlap_with_the_crop(tmp_path, tagger_preset):
    rng = np.random.default_rng(0)
    audio = ramp(tmp_path, "ten_seconds", 10.0, 16000)
    taggram = rng.uniform(size=(3, 12)).astype(np.float32)  # 3 patches score [0, 8.976 s); the rest is unscored
    entries = [soft_entry(audio, taggram, MUSICNN_ROWS_PER_SECOND), ManifestEntry(audio, ("piano",))]
    rows = taggram.astype(np.float64)
    # By hand, rows of 2.992 s: the 3 s crop at 0 s covers 2.992 s of row 0 and 0.008 s of row 1; the centre crop,
    # [3.5, 6.5) s, 5.984 - 3.5 = 2.484 s of row 1 and 6.5 - 5.984 = 0.516 s of row 2.
    for crop, start, expected in [("start", 0, (2.992 * rows[0] + 0.008 * rows[1]) / 3),
                                  ("center", 56000, (2.484 * rows[1] + 0.516 * rows[2]) / 3)]:
        (x, y), = batches(from_manifest(entries, tagger_preset, batch_size=2, training=False, crop=crop))
        assert round(x[0, 0] * 2**20) == round(x[1, 0] * 2**20) == start
        np.testing.assert_allclose(y[0], expected, rtol=1e-6)
        # Clip labels in the same manifest: 1 for the clip's labels, 0 for the others, whatever the crop.
        np.testing.assert_array_equal(y[1], np.eye(12)[tagger_preset.labels.index("piano")])


def test_random_crops_take_the_soft_labels_of_the_audio_they_cut(tmp_path, tagger_preset):
    rng = np.random.default_rng(1)
    n = 160000  # 10 s at 16 kHz: crops start anywhere in [0, 7] s, some past the 3 rows' end (8.976 s) - 3 s
    tables = [rng.uniform(size=(3, 12)).astype(np.float32) for _ in range(4)]
    entries = [soft_entry(ramp(tmp_path, f"clip{i}", 10.0, 16000, offset=i * n), table,
                          MUSICNN_ROWS_PER_SECOND) for i, table in enumerate(tables)]
    dataset = from_manifest(entries, tagger_preset, batch_size=2, seed=3)
    starts = []
    for _ in range(4):  # epochs: new crops each time
        for x, y in batches(dataset):
            for waveform, target in zip(x, y):
                clip, start = divmod(round(waveform[0] * 2**20), n)
                np.testing.assert_array_equal(waveform * 2**20, clip * n + start + np.arange(48000))
                expected = overlap_weighted_rows(tables[clip], MUSICNN_ROWS_PER_SECOND, start / 16000, 3.0)
                np.testing.assert_allclose(target, expected, rtol=1e-6)
                starts.append(start)
    assert len(set(starts)) == 16 and max(starts) / 16000 + 3.0 > 3 / MUSICNN_ROWS_PER_SECOND  # one runs past


def test_soft_labels_of_crops_at_the_edges_of_the_teacher_rows(tmp_path):
    rng = np.random.default_rng(2)
    crnn = mirzoo.get_preset("crnn_tagger.synth")  # 12 kHz, 10 s crops
    conv1d = mirzoo.get_preset("conv1d_tagger.synth")  # 16 kHz, 3 s crops
    cases = []
    # The tutorial's case: a 10 s clip, whose last 1.024 s musicnn leaves unscored (3 patches of 2.992 s): the crop
    # is the 3 rows' plain mean (each overlaps it by 2.992 s).
    taggram = rng.uniform(size=(3, 12)).astype(np.float32)
    cases.append((crnn, "start", ramp(tmp_path, "ten", 10.0, 12000), taggram, MUSICNN_ROWS_PER_SECOND,
                  taggram.astype(np.float64).mean(axis=0)))
    # 12 s, 4 rows ([0, 11.968) s): the centre crop, [1, 11) s, overlaps them by 1.992, 2.992, 2.992, 2.024 s.
    taggram = rng.uniform(size=(4, 12)).astype(np.float32)
    cases.append((crnn, "center", ramp(tmp_path, "twelve", 12.0, 12000), taggram, MUSICNN_ROWS_PER_SECOND,
                  np.array([1.992, 2.992, 2.992, 2.024]) @ taggram.astype(np.float64) / 10.0))
    # A 2 s clip, zero-padded to the 3 s crop [0, 3) s, with rows of 1.2 s: 1.2, 1.2 and 0.6 s of overlap.
    table = rng.uniform(size=(3, 12)).astype(np.float32)
    cases.append((conv1d, "start", ramp(tmp_path, "short", 2.0, 16000), table, 1 / 1.2,
                  np.array([1.2, 1.2, 0.6]) @ table.astype(np.float64) / 3.0))
    # Rows of 1 s ending at 3 s, before the centre crop of a 10 s clip ([3.5, 6.5) s) starts: the nearest, the last.
    table = rng.uniform(size=(3, 12)).astype(np.float32)
    cases.append((conv1d, "center", ramp(tmp_path, "no_overlap", 10.0, 16000), table, 1.0, table[2]))
    for preset, crop, audio, table, rows_per_second, expected in cases:
        entry = soft_entry(audio, table, rows_per_second)
        (x, y), = batches(from_manifest([entry], preset, batch_size=1, training=False, crop=crop))
        np.testing.assert_allclose(y[0], expected, rtol=1e-6, err_msg=audio)
        assert 0 <= y.min() and y.max() <= 1


def test_soft_labels_need_one_column_per_label_and_a_frame_model_needs_frame_labels(tmp_path, tagger_preset):
    audio = ramp(tmp_path, "a", 3.0, 16000)
    entry = soft_entry(audio, np.zeros((2, 50), np.float32), MUSICNN_ROWS_PER_SECOND)
    with pytest.raises(ValueError, match=r"50 label columns, the model has 12 \(one column per label, in the "
                                         r"model's label order\)"):
        from_manifest([entry], tagger_preset, batch_size=1, strict=True)
    with pytest.raises(ValueError, match=r"a.wav: clip labels, but dnn_chroma.* is a frame model: give its rows "
                                         r"frame_labels and a frame_rate instead"):
        from_manifest([ManifestEntry(audio, ("C",))], mirzoo.get_preset("dnn_chroma"), batch_size=1)


def played_samples(waveform):
    """From a crop of a `ramp`: the source sample it starts at and the source samples per output sample."""
    source = waveform.astype(np.float64) * 2**20
    return source[0], (source[-1] - source[0]) / (len(source) - 1)


def test_speed_perturbation_plays_crops_faster_or_slower_and_frame_targets_follow(tmp_path):
    preset = mirzoo.get_preset("dnn_chroma").replace(clip_seconds=2.0)  # 22.05 kHz, hop 2205 → 10 fps
    audio = ramp(tmp_path, "six_seconds", 6.0, 22050)
    np.save(tmp_path / "six_seconds.npy", labels_naming_their_second())
    entry = ManifestEntry(audio, frame_labels=str(tmp_path / "six_seconds.npy"), frame_rate=100.0)
    dataset = from_manifest([entry] * 4, preset, batch_size=4, seed=5, speed=1.25)
    rates = []
    for _ in range(3):
        for x, y in batches(dataset):
            for waveform, target in zip(x, y):
                start, rate = played_samples(waveform)
                assert 1 / 1.25 <= rate <= 1.25 and start % 2205 == 0
                # Linear interpolation of a ramp is the ramp: output sample n is source sample start + n * rate.
                np.testing.assert_allclose(waveform * 2**20, start + rate * np.arange(44100), atol=0.02)
                # Oracle: frame k plays source second (start + k * 2205 * rate) / 22050, to half a frame (0.05 s).
                seconds = (start + 2205 * rate * np.arange(21)) / 22050
                second = target.argmax(axis=1)
                assert np.all(target.sum(axis=1) == 1)
                assert np.all((second == np.floor(seconds - 0.05)) | (second == np.floor(seconds + 0.05)))
                rates.append(rate)
    assert len(set(np.round(rates, 6))) == len(rates) == 12
    assert min(rates) < 0.95 and max(rates) > 1.05


def test_speed_perturbation_takes_the_soft_labels_of_the_audio_it_plays(tmp_path, tagger_preset):
    rng = np.random.default_rng(2)
    table = rng.uniform(size=(3, 12)).astype(np.float32)
    entry = soft_entry(ramp(tmp_path, "ten_seconds", 10.0, 16000), table, MUSICNN_ROWS_PER_SECOND)
    for x, y in batches(from_manifest([entry] * 4, tagger_preset, batch_size=4, seed=1, speed=1.5)):
        for waveform, target in zip(x, y):
            start, rate = played_samples(waveform)
            assert 1 / 1.5 <= rate <= 1.5
            expected = overlap_weighted_rows(table, MUSICNN_ROWS_PER_SECOND, start / 16000, 3.0 * rate)
            np.testing.assert_allclose(target, expected, rtol=1e-5)


def test_speed_one_leaves_the_crops_as_they_were(tmp_path, tagger_preset):
    entry = ManifestEntry(ramp(tmp_path, "ten_seconds", 10.0, 16000), ("piano",))
    plain, at_one = (batches(from_manifest([entry] * 4, tagger_preset, batch_size=4, seed=2, **speed))
                     for speed in ({}, {"speed": 1.0}))
    for (x, y), (x_one, y_one) in zip(plain, at_one, strict=True):
        np.testing.assert_array_equal(x, x_one)
        np.testing.assert_array_equal(y, y_one)
    start, rate = played_samples(plain[0][0][0])
    assert rate == 1.0 and start > 0


@pytest.mark.parametrize("speed", [0.5, 2.5, True, "1.2", float("nan")])
def test_a_speed_outside_1_to_2_is_refused(tmp_path, tagger_preset, speed):
    entry = ManifestEntry(write(tmp_path / "a.wav", harmonic_test_signal(16000, 4.0), 16000), ())
    with pytest.raises(ValueError, match=r"`speed` is the largest speed-up factor, a number in \[1, 2\]"):
        from_manifest([entry], tagger_preset, batch_size=1, speed=speed)


@pytest.mark.parametrize("mix", [-0.1, 1.5, True, "0.3", float("nan")])
def test_a_mix_that_is_not_a_probability_is_refused(tmp_path, tagger_preset, mix):
    entry = ManifestEntry(write(tmp_path / "a.wav", harmonic_test_signal(16000, 4.0), 16000), ())
    with pytest.raises(ValueError, match=r"`mix` is a probability in \[0, 1\]"):
        from_manifest([entry], tagger_preset, batch_size=1, mix=mix)


def voice_pairs(tmp_path, n_pairs):
    """`write_voice_pairs`' entries, and per pair its voice and accompaniment as written (float64, read back)."""
    entries = read_manifest(write_voice_pairs(tmp_path, n_pairs))
    parts = []
    for sung, twin in zip(entries[::2], entries[1::2]):
        accompaniment = soundfile.read(twin.audio)[0]
        parts.append((soundfile.read(sung.audio)[0] - accompaniment, accompaniment))
    return entries, parts


def find_crop(waveform, clips, hop):
    """`(clip, start)`: which of `clips` the crop `waveform` was cut from, and where (a multiple of `hop`)."""
    for number, audio in enumerate(clips):
        for start in range(0, len(audio) - len(waveform) + 1, hop):
            if np.allclose(audio[start : start + 200], waveform[:200], atol=1e-6) and np.allclose(
                    audio[start : start + len(waveform)], waveform, atol=1e-6):
                return number, start
    raise AssertionError("a crop of none of the clips")


def test_remixing_lays_each_voice_over_the_previous_examples_accompaniment_at_a_drawn_level(tmp_path):
    preset = mirzoo.get_preset("conv2d_singing_voice").replace(clip_seconds=2.0)  # 22.05 kHz, hop 315
    entries, parts = voice_pairs(tmp_path, 4)
    sung = [soundfile.read(entry.audio)[0] for entry in entries]

    def epoch(remix):
        return batches(from_manifest(entries, preset, batch_size=4, seed=3, remix=remix))

    plain, remixed, half = epoch(0.0), epoch(1.0), epoch(0.5)
    levels = []
    for (x, y), (x_remixed, y_remixed) in zip(plain, remixed, strict=True):
        np.testing.assert_array_equal(y_remixed, y)  # the targets mark the voice, wherever it is laid
        # Oracle: find each crop in its clip, then its voice, its accompaniment and the previous one's.
        found = []
        for waveform in x:
            clip, start = find_crop(waveform, sung, 315)
            voice, accompaniment = parts[clip // 2]
            found.append((voice[start : start + 44100] * (clip % 2 == 0), accompaniment[start : start + 44100]))
        for k, (voice, _) in enumerate(found):
            marked = np.repeat(y[k, :, 0] >= 0.5, 315)[:44100]
            if not marked.any():  # a twin, or a crop without voice: left as it was
                np.testing.assert_array_equal(x_remixed[k], x[k])
                continue
            donor = found[k - 1][1]
            (scale, scaled_gain), *_ = np.linalg.lstsq(np.stack([donor, voice], axis=1), x_remixed[k], rcond=None)
            np.testing.assert_allclose(x_remixed[k], scale * donor + scaled_gain * voice, atol=1e-4)
            level = 20 * np.log10(np.sqrt(np.mean((scaled_gain * voice[marked]) ** 2)
                                          / np.mean((scale * donor[marked]) ** 2)))
            assert -12.01 <= level <= 6.01
            assert 0.3 - 1e-6 <= np.abs(x_remixed[k]).max() <= 0.95 + 1e-6
            levels.append(level)
    assert len(levels) >= 3 and np.ptp(levels) > 3.0
    untouched = [np.array_equal(u, v) for (x, _), (x_half, _) in zip(plain, half) for u, v in zip(x, x_half)]
    assert 0 < sum(untouched) < len(untouched)  # remix=0.5 remixes some examples, not all
    np.testing.assert_array_equal(np.concatenate([x for x, _ in half]), np.concatenate([x for x, _ in epoch(0.5)]))


def test_remixing_needs_a_frame_model_and_every_clips_accompaniment(tmp_path, tagger_preset):
    preset = mirzoo.get_preset("conv2d_singing_voice").replace(clip_seconds=2.0)
    entries, _ = voice_pairs(tmp_path, 2)
    without = dataclasses.replace(entries[1], accompaniment=None)
    with pytest.raises(ValueError, match=r"`remix` needs every clip's accompaniment; 1 of 4 clips name none"):
        from_manifest([entries[0], without, *entries[2:]], preset, batch_size=2, remix=0.5)
    with pytest.raises(ValueError, match="is a tagger"):
        from_manifest([ManifestEntry(entries[0].audio, ("piano",))] * 2, tagger_preset, batch_size=2, remix=0.5)
    batches(from_manifest([without] * 2, preset, batch_size=2, remix=0.0))  # without remixing, none is needed


def test_a_clip_whose_accompaniment_is_unreadable_or_not_as_long_is_skipped_with_a_warning(tmp_path):
    preset = mirzoo.get_preset("conv2d_singing_voice").replace(clip_seconds=2.0)
    entries, _ = voice_pairs(tmp_path, 2)
    short = write(tmp_path / "short.flac", np.zeros(22050), 22050)
    (tmp_path / "broken.flac").write_bytes(b"not audio")
    bad = [dataclasses.replace(entries[0], accompaniment=short),
           dataclasses.replace(entries[2], accompaniment=str(tmp_path / "broken.flac"))]
    with pytest.warns(SkippedAudioWarning) as caught:
        clips = usable_clips(bad + entries, preset)
    assert len(clips) == 4
    messages = [str(warning.message) for warning in caught]
    assert any("short.flac is not as long: 22050 samples at 22050 Hz, the audio 132300" in m for m in messages)
    assert any("unreadable accompaniment" in m and "broken.flac" in m for m in messages)


@pytest.mark.parametrize("remix", [-0.1, 1.5, True, "0.3", float("nan")])
def test_a_remix_that_is_not_a_probability_is_refused(tmp_path, tagger_preset, remix):
    entry = ManifestEntry(write(tmp_path / "a.wav", harmonic_test_signal(16000, 4.0), 16000), ())
    with pytest.raises(ValueError, match=r"`remix` is a probability in \[0, 1\]"):
        from_manifest([entry], tagger_preset, batch_size=1, remix=remix)
