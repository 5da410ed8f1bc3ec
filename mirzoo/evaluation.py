"""Metrics for taggers, chroma and frame-wise detectors (NumPy only)."""

import numpy as np


def average_ranks(values):
    """1-based ranks of `values` `(n,)`, ties sharing their average rank (as `scipy.stats.rankdata`)."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    boundaries = np.flatnonzero(np.diff(sorted_values)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(values)]])
    for start, end in zip(starts, ends):
        ranks[order[start:end]] = (start + end + 1) / 2.0
    return ranks


def spearman(targets, scores):
    """Spearman's rank correlation of one label's `(n,)` targets and scores, or NaN where either is constant."""
    a, b = average_ranks(targets), average_ranks(scores)
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt(np.sum(a * a) * np.sum(b * b))
    return float(np.sum(a * b) / denominator) if denominator > 0 else float("nan")


def top_k_agreement(targets, scores, k=5):
    """Mean share of each row's `k` best targets that are also among its `k` best scores (`(n, labels)` each)."""
    best = np.argsort(-np.asarray(targets), axis=1, kind="stable")[:, :k]
    guessed = np.argsort(-np.asarray(scores), axis=1, kind="stable")[:, :k]
    return float(np.mean([len(np.intersect1d(a, b)) / k for a, b in zip(best, guessed)]))


def roc_auc(targets, scores):
    """Area under the ROC curve of one label (ties count half), or NaN without both classes.

    Args:
        targets: `(n,)` of 0/1.
        scores: `(n,)` real.
    """
    targets = np.asarray(targets).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    positives, negatives = targets.sum(), (~targets).sum()
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = average_ranks(scores)
    return float((ranks[targets].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def average_precision(targets, scores):
    """Average precision (area under the precision-recall curve, step-wise) of one label, or NaN without positives."""
    targets = np.asarray(targets).astype(bool)
    if targets.sum() == 0:
        return float("nan")
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="mergesort")
    hits = targets[order]
    precision_at_hits = np.cumsum(hits)[hits] / (np.flatnonzero(hits) + 1)
    return float(precision_at_hits.mean())


def macro(metric, targets, scores):
    """`metric` per label (column), averaged over labels where it is defined; also the per-label values."""
    values = np.array([metric(targets[:, j], scores[:, j]) for j in range(targets.shape[1])])
    return float(np.nanmean(values)), values


def f_measure(targets, predictions):
    """F1 of binary arrays (all cells pooled)."""
    targets, predictions = np.asarray(targets).astype(bool), np.asarray(predictions).astype(bool)
    true_positives = np.sum(targets & predictions)
    denominator = targets.sum() + predictions.sum()
    return float(2.0 * true_positives / denominator) if denominator else float("nan")


def mean_cosine(targets, predictions, mask=None):
    """Mean cosine similarity of row vectors (frames), over the rows selected by `mask`."""
    targets = np.asarray(targets, dtype=np.float64)
    predictions = np.asarray(predictions, dtype=np.float64)
    if mask is not None:
        targets, predictions = targets[mask], predictions[mask]
    norms = np.linalg.norm(targets, axis=1) * np.linalg.norm(predictions, axis=1)
    valid = norms > 0
    return float(np.mean(np.sum(targets * predictions, axis=1)[valid] / norms[valid]))
