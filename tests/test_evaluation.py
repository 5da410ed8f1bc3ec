import numpy as np
import pytest

from mirzoo.evaluation import (
    average_precision,
    average_ranks,
    f_measure,
    macro,
    mean_cosine,
    roc_auc,
    spearman,
    top_k_agreement,
)


def brute_force_auc(targets, scores):
    """Oracle: the probability that a random positive outscores a random negative (ties half)."""
    positive, negative = scores[targets == 1], scores[targets == 0]
    wins = (positive[:, None] > negative[None, :]).sum() + 0.5 * (positive[:, None] == negative[None, :]).sum()
    return wins / (len(positive) * len(negative))


@pytest.mark.parametrize("seed", range(5))
def test_roc_auc_equals_the_pairwise_definition(seed):
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, 2, 50)
    scores = np.round(rng.random(50) + 0.3 * targets, 1)  # rounding makes ties
    assert roc_auc(targets, scores) == pytest.approx(brute_force_auc(targets, scores))


def test_average_precision_closed_form():
    # Ranked: +, -, +, -  → precisions at the hits 1/1 and 2/3.
    assert average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx((1 + 2 / 3) / 2)
    assert np.isnan(average_precision([0, 0], [0.1, 0.2]))


def test_macro_skips_undefined_labels():
    targets = np.array([[1, 0], [0, 0], [1, 0]])
    scores = np.array([[0.9, 0.1], [0.2, 0.5], [0.8, 0.3]])
    value, per_label = macro(roc_auc, targets, scores)
    assert value == 1.0 and np.isnan(per_label[1])


def test_f_measure_and_cosine():
    assert f_measure([[1, 0], [1, 1]], [[1, 1], [0, 1]]) == pytest.approx(2 * 2 / (3 + 3))
    assert mean_cosine([[1, 0], [0, 1], [0, 0]], [[2, 0], [1, 1], [1, 0]]) == pytest.approx((1 + 2 ** -0.5) / 2)


@pytest.mark.parametrize("seed", range(3))
def test_spearman_and_ranks_equal_scipy(seed):
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(seed)
    a, b = np.round(rng.random(40), 1), np.round(rng.random(40), 1)  # ties
    np.testing.assert_allclose(average_ranks(a), stats.rankdata(a))
    assert spearman(a, b) == pytest.approx(stats.spearmanr(a, b).statistic)
    assert spearman(a, a ** 3) == pytest.approx(1.0)
    assert np.isnan(spearman(np.ones(5), np.arange(5)))


def test_top_k_agreement_counts_shared_best_labels():
    targets = np.array([[0.9, 0.8, 0.1, 0.0], [0.1, 0.2, 0.3, 0.4]])
    scores = np.array([[0.1, 0.8, 0.9, 0.0], [0.4, 0.3, 0.2, 0.1]])
    # Row 1: best two {0, 1} vs {2, 1}: one shared. Row 2: {3, 2} vs {0, 1}: none.
    assert top_k_agreement(targets, scores, k=2) == pytest.approx((1 / 2 + 0) / 2)
    assert top_k_agreement(targets, targets, k=3) == 1.0
