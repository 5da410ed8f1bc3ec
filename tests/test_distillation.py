import json

import numpy as np
import pytest
import soundfile

import mirzoo
from mirzoo import distillation
from mirzoo.distillation import CropBatches, crop_target
from mirzoo.inference import front_end_and_network
from mirzoo.testing import harmonic_test_signal

keras = pytest.importorskip("keras")
# A shipped tagger as the teacher keeps the test offline and fast; musicnn's ports are patch taggers of the same
# form (one taggram row per 3 s).
TEACHER = "conv1d_tagger.synth"


def test_crop_target_is_the_overlap_weighted_mean_of_the_rows():
    taggram = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], np.float32)  # rows of 2 s: rate 0.5
    # [1, 4) s overlaps row 0 for 1 s and row 1 for 2 s.
    np.testing.assert_allclose(crop_target(taggram, 0.5, 1.0, 3.0), [1 / 3, 2 / 3], rtol=1e-6)
    np.testing.assert_allclose(crop_target(taggram, 0.5, 2.0, 2.0), [0.0, 1.0])
    # Past the last row's end only that row counts; past everything, the last row.
    np.testing.assert_allclose(crop_target(taggram, 0.5, 5.0, 10.0), [0.5, 0.5])
    np.testing.assert_allclose(crop_target(taggram, 0.5, 9.0, 1.0), [0.5, 0.5])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Four tracks, three for training and one for validation, as `mirzoo corpus debian` lays them out."""
    folder = tmp_path_factory.mktemp("corpus")
    rows = []
    for index in range(4):
        path = folder / "audio" / "pkg" / f"track{index}.flac"
        path.parent.mkdir(parents=True, exist_ok=True)
        seconds = 3.0 * (3 + index)  # whole windows of the teacher: the tail needs no window of its own
        soundfile.write(path, harmonic_test_signal(22050, seconds, seed=index), 22050, subtype="PCM_16")
        rows.append({"file": f"audio/pkg/track{index}.flac", "seconds": seconds,
                     "split": "validation" if index == 3 else "train"})
    (folder / "tracks.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return folder


def test_teacher_manifests_are_soft_label_manifests_mirzoo_reads(corpus):
    from mirzoo.data.manifest import read_frame_labels, read_manifest

    manifests = distillation.label_with_teacher(str(corpus), TEACHER, progress=False)
    assert sorted(manifests) == ["train", "validation"]
    entries = read_manifest(manifests["train"])
    assert len(entries) == 3 and len(read_manifest(manifests["validation"])) == 1
    teacher = mirzoo.load(TEACHER)
    expected = mirzoo.predict(teacher, str(corpus / "audio" / "pkg" / "track0.flac"))
    np.testing.assert_allclose(read_frame_labels(entries[0].frame_labels), expected.taggram, atol=1e-6)
    assert entries[0].frame_rate == pytest.approx(1 / expected.window_seconds)
    assert entries[0].audio == str(corpus / "audio" / "pkg" / "track0.flac")


def test_features_are_the_students_own_front_end(corpus):
    student = mirzoo.build(TEACHER)
    folder = distillation.extract_features(str(corpus), student, progress=False)
    features = np.load(f"{folder}/pkg/track1.npy")
    audio = mirzoo.audio.load_audio(str(corpus / "audio" / "pkg" / "track1.flac"), student.preset.sample_rate)[0]
    floored = student.get_layer("frontend")
    whole = np.asarray(mirzoo.build(student.preset, top_db=None).get_layer("frontend")(audio[None]))[0]
    assert features.dtype == np.float16 and features.shape == whole.shape
    np.testing.assert_allclose(features.astype(np.float32), whole, atol=0.06, rtol=2e-3)  # float16 of dB values
    # The per-example top_db floor, applied to a crop, gives what the model's own front end gives on that crop
    # (away from the crop's edges, where the model pads and the whole recording has audio).
    hop, frames = student.preset.frontend["hop_length"], 94
    crop = distillation.floor_like_the_front_end(features[50 : 50 + frames].astype(np.float32), student.preset)
    own = np.asarray(floored(audio[None, 50 * hop : 50 * hop + student.preset.clip_samples]))[0]
    np.testing.assert_allclose(crop[2:-2], own[2:-2], atol=0.06, rtol=2e-3)


def test_crop_batches_depend_on_seed_epoch_and_index_alone(corpus):
    student = mirzoo.build(TEACHER)
    distillation.label_with_teacher(str(corpus), TEACHER, progress=False)
    distillation.extract_features(str(corpus), student, progress=False)
    crops = distillation._load_split(str(corpus), student, TEACHER, "train", 94)
    one, again = (CropBatches(crops, student.preset, 94, 4, 3, seed=7, initial_epoch=2)[1] for _ in range(2))
    np.testing.assert_array_equal(one[0], again[0])
    later = CropBatches(crops, student.preset, 94, 4, 3, seed=7, initial_epoch=3)[1]
    assert not np.array_equal(one[0], later[0])
    assert one[0].shape == (4, 94, 128) and one[1].shape == (4, len(student.preset.labels))


def test_training_resumes_and_the_teacher_agrees_with_itself(corpus, tmp_path):
    distillation.label_with_teacher(str(corpus), TEACHER, progress=False)
    student = mirzoo.build(TEACHER)
    distillation.extract_features(str(corpus), student, progress=False)
    _, history = distillation.train_student(str(corpus), student, str(tmp_path), TEACHER, epochs=1, batch_size=2,
                                            steps_per_epoch=2, verbose=0)
    assert len(history["loss"]) == 1 and np.isfinite(history["val_loss"][0])
    resumed = mirzoo.build(TEACHER)
    _, history = distillation.train_student(str(corpus), resumed, str(tmp_path), TEACHER, epochs=2,
                                            batch_size=2, steps_per_epoch=2, learning_rate=1e-4, verbose=0)
    assert len(history["loss"]) == 2
    # The resumed epoch ran at the new rate: the optimizer state came back, the rate is this call's.
    optimizer = front_end_and_network(resumed)[1].optimizer
    assert float(optimizer.learning_rate) == pytest.approx(1e-4) and int(optimizer.iterations) == 4
    assert len(json.loads((tmp_path / "epoch_seconds.json").read_text())) == 2
    # The teacher as its own student: its windows are the taggram rows, so every measure is perfect.
    table = distillation.compare_with_teacher(mirzoo.load(TEACHER), str(corpus), TEACHER, "train", progress=False)
    for scope in ("segments", "tracks"):
        assert table[scope]["spearman"] == pytest.approx(1.0)
        assert table[scope]["top5_agreement"] == 1.0
    assert table["segments"]["macro_roc_auc"] == pytest.approx(1.0)


def test_training_starts_from_the_teachers_mean_scores(corpus):
    distillation.label_with_teacher(str(corpus), TEACHER, progress=False)
    student = mirzoo.build(TEACHER)
    distillation.extract_features(str(corpus), student, progress=False)
    crops = distillation._load_split(str(corpus), student, TEACHER, "train", 94)
    distillation.start_from_the_prior(student, crops)
    rows = np.concatenate([distillation.read_taggram(str(corpus), TEACHER, {"file": f"audio/pkg/track{i}.flac"})[0]
                           for i in range(3)])
    bias = student.get_layer("head").get_weights()[1]
    np.testing.assert_allclose(1 / (1 + np.exp(-bias)), np.clip(rows.mean(axis=0), 1e-4, 1 - 1e-4), rtol=1e-5)


def _binary_cross_entropy(targets, scores):
    return -np.mean(targets * np.log(scores) + (1 - targets) * np.log(1 - scores), axis=-1)


def _soften(scores, temperature):
    logits = np.log(scores) - np.log1p(-scores)
    return 1 / (1 + np.exp(-logits / temperature))


@pytest.mark.parametrize("temperature", [1.0, 2.0, 4.0])
def test_tempered_cross_entropy_is_the_cross_entropy_of_softened_scores(temperature):
    rng = np.random.default_rng(0)
    teacher = rng.uniform(0.001, 0.999, (6, 5))
    student = rng.uniform(0.001, 0.999, (6, 5))
    loss = distillation.TemperedBinaryCrossentropy(temperature, reduction=None)
    expected = temperature**2 * _binary_cross_entropy(_soften(teacher, temperature), _soften(student, temperature))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loss(teacher, student)), expected, rtol=1e-4)


def test_tempered_cross_entropy_ranks_small_scores_by_their_logits():
    """A student that scores 0.02 where the teacher scores 0.002: plain cross-entropy counts the miss at about
    0.014 (a miss of 0.018 in score), the tempered loss at about 0.43 (a miss of 2.3 in logit, quartered)."""
    teacher = np.array([[0.002]])
    hit, miss = np.array([[0.002]]), np.array([[0.02]])
    plain = distillation.TemperedBinaryCrossentropy(1.0)
    tempered = distillation.TemperedBinaryCrossentropy(4.0)

    def excess(loss, student):
        return float(keras.ops.convert_to_numpy(loss(teacher, student) - loss(teacher, hit)))

    assert excess(plain, miss) < 0.02 < excess(tempered, miss)
    # Still a divergence: the student that matches the teacher has the least loss.
    for student in (0.0015, 0.0025):
        assert excess(tempered, np.array([[student]])) > 0


def test_tempered_cross_entropy_round_trips_and_refuses_a_temperature_of_zero():
    loss = distillation.TemperedBinaryCrossentropy(3.0)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
    assert isinstance(restored, distillation.TemperedBinaryCrossentropy) and restored.temperature == 3.0
    with pytest.raises(ValueError, match="temperature must be positive"):
        distillation.TemperedBinaryCrossentropy(0.0)


def test_a_trained_student_goes_on_with_its_head_and_the_tempered_loss(corpus, tmp_path):
    distillation.label_with_teacher(str(corpus), TEACHER, progress=False)
    student = mirzoo.load(TEACHER)
    distillation.extract_features(str(corpus), student, progress=False)
    head = student.get_layer("head").get_weights()
    network = front_end_and_network(student)[1]
    _, history = distillation.train_student(str(corpus), student, str(tmp_path), TEACHER, epochs=1, batch_size=2,
                                            steps_per_epoch=1, learning_rate=0.0, temperature=2.0,
                                            fresh_head=False, verbose=0)
    assert isinstance(network.loss, distillation.TemperedBinaryCrossentropy) and network.loss.temperature == 2.0
    # At a rate of 0 the weights that come back are the trained head's, not the teacher's mean scores.
    for got, want in zip(student.get_layer("head").get_weights(), head, strict=True):
        np.testing.assert_array_equal(got, want)
    assert np.isfinite(history["val_loss"][0])


def test_a_student_starts_from_the_trained_layers_whose_shapes_it_shares():
    trained = mirzoo.load("crnn_tagger.synth")
    student = mirzoo.build("crnn_tagger.synth", num_classes=50, gru_units=(48, 48))
    fresh = {layer.name: layer.get_weights() for layer in student.layers}
    copied = distillation.start_from_trained_layers(student, trained)
    # Widened GRUs and a head with other labels cannot take the trained weights; every other layer can.
    assert copied == [layer.name for layer in trained.layers
                      if layer.weights and layer.name not in ("gru_1", "gru_2", "head")]
    for layer in student.layers:
        expected = trained.get_layer(layer.name).get_weights() if layer.name in copied else fresh[layer.name]
        for got, want in zip(layer.get_weights(), expected, strict=True):
            np.testing.assert_array_equal(got, want)


def test_a_folder_of_held_out_music_is_a_corpus_of_one_split(tmp_path):
    music = tmp_path / "music"
    for path, seconds in (("b/two.ogg", 1.5), ("one.flac", 2.0)):
        (music / path).parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(music / path, harmonic_test_signal(22050, seconds, seed=1), 22050)
    (music / "notes.txt").write_text("not audio")
    corpus = distillation.folder_as_corpus(str(music), str(tmp_path / "work"))
    rows = distillation.read_tracks(corpus)
    assert [(row["file"], row["seconds"], row["split"]) for row in rows] == [
        ("audio/b/two.ogg", 1.5, "test"), ("audio/one.flac", 2.0, "test")]
    assert (tmp_path / "work" / "audio" / "b" / "two.ogg").is_file()  # a link: nothing copied
    # The teacher labels it as any corpus, and a student is compared on it.
    distillation.label_with_teacher(corpus, TEACHER, progress=False)
    table = distillation.compare_with_teacher(mirzoo.load(TEACHER), corpus, TEACHER, "test", progress=False)
    assert table["tracks"]["count"] == 2 and table["segments"]["top5_agreement"] == 1.0
    (music / "empty").mkdir()
    with pytest.raises(ValueError, match="no recordings"):
        distillation.folder_as_corpus(str(music / "empty"), str(tmp_path / "other"))
