"""crf_viterbi and decode_chords against madmom's ConditionalRandomField and chord recognition processors, with the
CRFs of madmom's own pickles (deep chroma, CNN features), and against a brute-force closed form (every label
sequence scored) that needs no madmom."""

import itertools
import warnings

import numpy as np
import pytest

from mirzoo.decoders import MAJMIN_LABELS, Chord, crf_viterbi, decode_chords

# The triad of each major/minor class on madmom's roots (A = 0): root, third, fifth.
TRIADS = [(root, root + 4, root + 7) for root in range(12)] + [(root, root + 3, root + 7) for root in range(12)]


def load_crf(madmom, name):
    """madmom's pickled CRF (`"dccrf"`: deep chroma, `"cnncrf"`: CNN features) and the same as a mirzoo mapping."""
    from madmom.ml.crf import ConditionalRandomField
    from madmom.models import CHORDS_CFCRF, CHORDS_DCCRF

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        crf = ConditionalRandomField.load({"dccrf": CHORDS_DCCRF, "cnncrf": CHORDS_CFCRF}[name][0])
    return crf, {"weights": crf.W, "bias": crf.c, "transitions": crf.A, "initial": crf.pi, "final": crf.tau}


def madmom_processor(name, fps):
    from madmom.features.chords import CRFChordRecognitionProcessor, DeepChromaChordRecognitionProcessor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {"dccrf": DeepChromaChordRecognitionProcessor, "cnncrf": CRFChordRecognitionProcessor}[name](fps=fps)


def observations(name, kind, frames, seed, dtype=np.float32):
    """Observations for a CRF: `"random"` uniform values; `"structured"` blocks of 5–40 frames that hold one
    chord's triad in chroma (deep chroma CRF) or one random non-negative feature vector (CNN features, ReLU-like),
    plus noise, so that the decoded sequence has many segments."""
    rng = np.random.default_rng(seed)
    features = 12 if name == "dccrf" else 128
    if kind == "random":
        return rng.random((frames, features)).astype(dtype)
    rows = []
    while sum(len(block) for block in rows) < frames:
        length = int(rng.integers(5, 40))
        if name == "dccrf":
            block = np.zeros(features)
            chord = int(rng.integers(25))
            if chord < 24:
                block[[note % 12 for note in TRIADS[chord]]] = 0.9
        else:
            block = np.maximum(rng.normal(0, 1, features), 0)
        rows.append(np.clip(block + 0.15 * rng.random((length, features)), 0, None))
    return np.concatenate(rows)[:frames].astype(dtype)


def as_tuples(segments):
    return [(float(start), float(end), str(label)) for start, end, label in segments]


def test_the_labels_are_madmoms(madmom):
    from madmom.features.chords import majmin_targets_to_chord_labels

    assert MAJMIN_LABELS == tuple(majmin_targets_to_chord_labels(np.arange(25), fps=1)["label"])
    assert MAJMIN_LABELS[:4] + MAJMIN_LABELS[12:13] + MAJMIN_LABELS[-1:] == ("A:maj", "A#:maj", "B:maj", "C:maj",
                                                                            "A:min", "N")


@pytest.mark.parametrize("name", ["dccrf", "cnncrf"])
@pytest.mark.parametrize("kind, frames, seed, dtype", [
    ("random", 1, 0, np.float32),
    ("random", 2, 1, np.float32),
    ("random", 600, 2, np.float32),
    ("random", 600, 3, np.float64),  # float64 observations promote madmom's float32 scores from frame 0 on
    ("structured", 3000, 4, np.float32),
    ("structured", 3000, 5, np.float64),
])
def test_paths_are_madmoms(madmom, name, kind, frames, seed, dtype):
    crf, parameters = load_crf(madmom, name)
    x = observations(name, kind, frames, seed, dtype)
    path = crf_viterbi(x, **parameters)
    assert path.dtype == np.int64 and path.shape == (frames,)
    np.testing.assert_array_equal(path, crf.process(x))
    if kind == "structured":
        assert len(np.flatnonzero(np.diff(path))) > 20


@pytest.mark.parametrize("name", ["dccrf", "cnncrf"])
@pytest.mark.parametrize("kind, frames, seed, fps", [
    ("random", 1, 10, 10),
    ("random", 400, 11, 10),
    ("structured", 2000, 12, 10),
    ("structured", 500, 13, 3),
    ("structured", 500, 14, 43.066),
])
def test_segments_are_madmoms(madmom, name, kind, frames, seed, fps):
    _, crf = load_crf(madmom, name)
    x = observations(name, kind, frames, seed)
    chords = decode_chords(x, crf, fps)
    assert all(isinstance(chord, Chord) for chord in chords)
    assert as_tuples(chords) == as_tuples(madmom_processor(name, fps)(x))
    if kind == "structured":
        assert len(chords) > 10
        assert all(a.label != b.label and a.end == b.start for a, b in itertools.pairwise(chords))


def brute_force(observations, weights, bias, transitions, initial, final, virtual_start=True):
    """The best label sequence by scoring all of them. `virtual_start`: π scores a free label before frame 0,
    which transitions into frame 0 (madmom's code); otherwise π scores frame 0's label (madmom's docstring)."""
    frames, classes = len(observations), len(initial)
    emissions = bias + observations @ weights
    best, best_score = None, -np.inf
    for labels in itertools.product(range(classes), repeat=frames + int(virtual_start)):
        score = initial[labels[0]] + final[labels[-1]]
        steps = labels[1:] if virtual_start else labels
        score += sum(emissions[frame, label] for frame, label in enumerate(steps))
        score += sum(transitions[a, b] for a, b in itertools.pairwise(labels))
        if score > best_score:
            best, best_score = steps, score
    return np.array(best)


def test_paths_are_the_best_of_all_label_sequences():
    differs = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        parameters = {"weights": rng.normal(size=(4, 3)), "bias": rng.normal(size=3),
                      "transitions": rng.normal(scale=2, size=(3, 3)), "initial": rng.normal(scale=2, size=3),
                      "final": rng.normal(size=3)}
        x = rng.random((5, 4))
        expected = brute_force(x, **parameters)
        np.testing.assert_array_equal(crf_viterbi(x, **parameters), expected, err_msg=f"seed {seed}")
        differs += not np.array_equal(brute_force(x, **parameters, virtual_start=False), expected)
    assert differs > 0  # the seeds tell madmom's order (a virtual label before frame 0) from the docstring's


def test_segments_merge_equal_labels_and_end_one_frame_after_the_last():
    # W one-hot: each frame's label is the class its observation selects (no transition or prior preference).
    crf = {"weights": 10 * np.eye(25), "bias": np.zeros(25), "transitions": np.zeros((25, 25)),
           "initial": np.zeros(25), "final": np.zeros(25)}
    x = np.eye(25)[[24, 0, 0, 12, 12, 12, 24]]
    assert decode_chords(x, crf, 10) == [Chord(0.0, 0.1, "N"), Chord(0.1, 0.30000000000000004, "A:maj"),
                                         Chord(0.30000000000000004, 0.6000000000000001, "A:min"),
                                         Chord(0.6000000000000001, 0.7000000000000001, "N")]
    three = {key: value[:3] if value.ndim == 1 else value[:3, :3] for key, value in crf.items()}
    assert decode_chords(np.eye(3)[[1, 1, 1]], three, 2, labels=("x", "y", "z")) == [Chord(0.0, 1.5, "y")]
    # Equal labels of different classes merge too (madmom compares the label strings).
    assert decode_chords(np.eye(3)[[0, 1, 2]], three, 2, labels=("x", "x", "z")) == [Chord(0.0, 1.0, "x"),
                                                                                     Chord(1.0, 1.5, "z")]


def test_ties_go_to_the_lowest_label():
    parameters = {"weights": np.zeros((1, 3)), "bias": np.zeros(3), "transitions": np.zeros((3, 3)),
                  "initial": np.zeros(3), "final": np.zeros(3)}
    np.testing.assert_array_equal(crf_viterbi(np.zeros((4, 1)), **parameters), [0, 0, 0, 0])


def good_parameters():
    return {"weights": np.zeros((2, 3)), "bias": np.zeros(3), "transitions": np.zeros((3, 3)),
            "initial": np.zeros(3), "final": np.zeros(3)}


@pytest.mark.parametrize("x, changes, message", [
    (np.zeros((0, 2)), {}, r"empty \(0 frames\)"),
    (np.zeros(2), {}, r"observations must have 2 dimensions; received shape \(2,\)"),
    (np.full((3, 2), np.nan), {}, "observations contain NaN or infinite"),
    (np.array([["a", "b"]]), {}, "observations must be real numbers"),
    (np.zeros((3, 4)), {}, r"weights must have shape \(features, classes\) = \(4, 3\)"),
    (np.zeros((3, 2)), {"weights": np.zeros((2, 4))}, r"weights must have shape .* received shape \(2, 4\)"),
    (np.zeros((3, 2)), {"bias": np.zeros(4)}, r"bias must have shape \(3,\)"),
    (np.zeros((3, 2)), {"final": np.zeros((3, 1))}, "final must have 1 dimension"),
    (np.zeros((3, 2)), {"transitions": np.zeros((3, 2))}, r"transitions must have shape \(3, 3\)"),
    (np.zeros((3, 2)), {"transitions": np.full((3, 3), -np.inf)}, "transitions contain NaN or infinite"),
    (np.zeros((3, 2)), {"initial": np.zeros(0), "weights": np.zeros((2, 0))}, "at least one class"),
])
def test_bad_input_is_refused_with_a_specific_message(x, changes, message):
    with pytest.raises(ValueError, match=message):
        crf_viterbi(x, **{**good_parameters(), **changes})


def test_decode_chords_refuses_a_bad_crf_labels_or_frame_rate():
    parameters = good_parameters()
    with pytest.raises(ValueError, match=r"missing \['final'\]"):
        decode_chords(np.zeros((3, 2)), {key: value for key, value in parameters.items() if key != "final"}, 10)
    with pytest.raises(ValueError, match="name each of the CRF's 3 classes; received 25 labels"):
        decode_chords(np.zeros((3, 2)), parameters, 10)
    with pytest.raises(ValueError, match="frame_rate"):
        decode_chords(np.zeros((3, 2)), parameters, 0, labels="xyz")
