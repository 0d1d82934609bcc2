"""Detection metrics for scores where higher means more anomalous (notebook 00).

Ranking metrics (PR-AUC, ROC-AUC) judge the scores before any threshold; the threshold
metrics (precision, recall, F1, confusion counts) judge one decision rule. Under heavy
imbalance PR-AUC is the informative one: a random scorer's PR-AUC equals the anomaly rate,
while its ROC-AUC is 0.5 whatever the rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

from adlib._validation import (
    as_binary_labels,
    as_float_vector,
    check_both_classes,
    check_int,
    check_real,
)


@dataclass(frozen=True)
class ThresholdReport:
    """Precision, recall and F1 of the rule ``score > threshold``, with its threshold."""

    threshold: float
    precision: float
    recall: float
    f1: float


def pr_auc(y_true: object, scores: object) -> float:
    """Area under the precision-recall curve, as average precision (step-wise, no interpolation).

    y_true: (n,) with 1 = anomaly; scores: (n,), higher = more anomalous.
    """
    y, s = _check(y_true, scores)
    return float(average_precision_score(y, s))


def roc_auc(y_true: object, scores: object) -> float:
    """Area under the ROC curve: the probability that a random anomaly outscores a random normal."""
    y, s = _check(y_true, scores)
    return float(roc_auc_score(y, s))


def best_f1(y_true: object, scores: object) -> ThresholdReport:
    """The highest F1 over all thresholds and the threshold that reaches it.

    The returned threshold ``t`` is a score value such that flagging ``score > t`` gives the
    reported F1 (it is the midpoint between the two neighbouring distinct scores, so it
    transfers to new data sensibly). Choose it on validation data: on test data it is an
    optimistic upper bound, not a result.
    """
    y, s = _check(y_true, scores)
    precision, recall, cut = precision_recall_curve(y, s)
    precision, recall = precision[:-1], recall[:-1]
    f1 = np.divide(
        2 * precision * recall,
        precision + recall,
        out=np.zeros_like(precision),
        where=(precision + recall) > 0,
    )
    best = int(np.argmax(f1))
    threshold = _threshold_below(s, float(cut[best]))
    return precision_recall_f1(y, s, threshold)


def _threshold_below(scores: np.ndarray, cut: float) -> float:
    """A finite t with ``score > t`` exactly for the scores >= ``cut`` (midpoint when it can)."""
    below = scores[scores < cut]
    if below.size:
        low = float(below.max())
        threshold = (low + cut) / 2
        if not np.isfinite(threshold):  # the sum overflowed near the float maximum
            threshold = low / 2 + cut / 2
        # adjacent floats have no midpoint: it rounds onto one of them, so take the lower
        return threshold if low <= threshold < cut else low
    threshold = cut - 1.0
    # for |cut| >= 2**53, cut - 1 rounds back to cut; step down to the next float instead
    return threshold if threshold < cut else float(np.nextafter(cut, -np.inf))


def precision_recall_f1(y_true: object, scores: object, threshold: float) -> ThresholdReport:
    """Precision, recall and F1 of flagging ``score > threshold`` (0 where undefined)."""
    y, s = _check(y_true, scores, need_both=False)
    threshold = check_real(threshold, "threshold")
    counts = confusion_counts(y, (s > threshold).astype(np.int64))
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ThresholdReport(threshold, float(precision), float(recall), float(f1))


def confusion_counts(y_true: object, y_pred: object) -> dict[str, int]:
    """True/false positives and negatives of 0/1 predictions: keys tn, fp, fn, tp."""
    y = as_binary_labels(y_true, "y_true")
    pred = as_binary_labels(y_pred, "y_pred", n=y.shape[0])
    return {
        "tn": int(((y == 0) & (pred == 0)).sum()),
        "fp": int(((y == 0) & (pred == 1)).sum()),
        "fn": int(((y == 1) & (pred == 0)).sum()),
        "tp": int(((y == 1) & (pred == 1)).sum()),
    }


def precision_at_k(y_true: object, scores: object, k: int) -> float:
    """Share of true anomalies among the ``k`` highest scores (notebook 08).

    What an investigation team with capacity for ``k`` cases sees. Ties at the cut are
    broken by position (a stable sort), so the result is deterministic.
    """
    y, s = _check(y_true, scores, need_both=False)
    k = check_int(k, "k", low=1, high=len(s))
    return float(y[_top(s, k)].mean())


def recall_at_budget(y_true: object, scores: object, budget: float) -> float:
    """Share of all anomalies among the top ``budget`` fraction of scores (notebook 08).

    The alert-budget view of fraud teams: with room to review 0.5 % of transactions
    (``budget=0.005``), how many frauds are in that 0.5 %? The number of alerts is
    ``ceil(budget * n)``.
    """
    y, s = _check(y_true, scores)
    budget = check_real(budget, "budget", low=0.0, high=1.0, inclusive=False)
    return float(y[_top(s, _alert_count(len(s), budget))].sum() / y.sum())


def _alert_count(n: int, budget: float) -> int:
    """How many of ``n`` cases a review budget (a share in (0, 1]) flags: ceil(budget * n),
    at least one."""
    return max(1, int(np.ceil(budget * n - 1e-9)))


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-scores, kind="stable")[:k]


def _check(y_true: object, scores: object, need_both: bool = True) -> tuple[np.ndarray, np.ndarray]:
    s = as_float_vector(scores, "scores")
    y = as_binary_labels(y_true, "y_true", n=s.shape[0])
    if need_both:
        check_both_classes(y, "y_true")
    return y, s
