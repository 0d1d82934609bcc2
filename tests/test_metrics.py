"""adlib.metrics: ranking metrics vs scikit-learn, best-F1 vs brute force, hand-computed counts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, roc_auc_score

from adlib.metrics import (
    ThresholdReport,
    best_f1,
    confusion_counts,
    pr_auc,
    precision_at_k,
    precision_recall_f1,
    recall_at_budget,
    roc_auc,
)


def _f1_at(y: np.ndarray, s: np.ndarray, t: float) -> float:
    pred = s > t
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    fn = int((~pred & (y == 1)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _brute_force_best_f1(y: np.ndarray, s: np.ndarray) -> float:
    """Best F1 of ``score > t`` over every threshold that changes the decisions."""
    candidates = [-np.inf, *np.unique(s)]
    return max(_f1_at(y, s, t) for t in candidates)


# Scores with many ties (drawn from a few values), ties between adjacent floats (which have
# no midpoint) and scores spread over a wide range.
tied_scores = st.integers(0, 4).map(float)
adjacent_scores = st.integers(0, 4).map(lambda k: 1.0 + k * float(np.finfo(np.float64).eps))
wide_scores = st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False)


@st.composite
def labelled_scores(draw, elements=wide_scores, min_size=2, max_size=25):
    n = draw(st.integers(min_size, max_size))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    assume(0 < y.sum() < n)
    s = np.array(draw(st.lists(elements, min_size=n, max_size=n)), dtype=np.float64)
    return y, s


# --- ranking metrics ----------------------------------------------------------------------


@given(labelled_scores(elements=st.one_of(tied_scores, wide_scores)))
def test_pr_auc_and_roc_auc_match_sklearn(data):
    y, s = data
    assert pr_auc(y, s) == pytest.approx(average_precision_score(y, s), abs=1e-12)
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_ranking_metrics_known_values():
    y = np.array([0, 0, 1, 1])
    perfect = np.array([0.1, 0.2, 0.8, 0.9])
    assert pr_auc(y, perfect) == 1.0
    assert roc_auc(y, perfect) == 1.0
    assert roc_auc(y, -perfect) == 0.0
    # one anomaly ranked first, the other below both normals: AP = (1 + 2/4) / 2
    assert pr_auc(y, np.array([0.5, 0.6, 0.1, 0.9])) == pytest.approx(0.75)
    assert roc_auc(y, np.full(4, 3.0)) == 0.5
    assert isinstance(pr_auc(y.tolist(), perfect.tolist()), float)


# --- best_f1 ------------------------------------------------------------------------------


@given(labelled_scores(elements=st.one_of(tied_scores, adjacent_scores, wide_scores)))
def test_best_f1_matches_brute_force(data):
    y, s = data
    report = best_f1(y, s)
    assert isinstance(report, ThresholdReport)
    expected = _brute_force_best_f1(y, s)
    assert report.f1 == pytest.approx(expected, abs=1e-12)
    # the threshold really reaches that F1 under the rule score > t
    assert _f1_at(y, s, report.threshold) == pytest.approx(expected, abs=1e-12)
    assert np.isfinite(report.threshold)


@given(labelled_scores(elements=tied_scores, max_size=12))
def test_best_f1_threshold_lies_strictly_between_scores(data):
    y, s = data
    t = best_f1(y, s).threshold
    # a midpoint between neighbouring distinct scores, never one of the scores themselves
    assert t not in set(s.tolist())


@pytest.mark.parametrize(
    ("low", "high"),
    [
        (1.0, np.nextafter(1.0, 2.0)),
        (np.nextafter(1.0, 2.0), np.nextafter(np.nextafter(1.0, 2.0), 2.0)),
        (0.1, np.nextafter(0.1, 1.0)),
        (1e308, 1.5e308),
    ],
)
def test_best_f1_separates_adjacent_and_extreme_scores(low, high):
    report = best_f1([0, 1], [low, high])
    assert report.f1 == 1.0
    assert low <= report.threshold < high


@pytest.mark.parametrize("value", [0.0, 1e17, -1e17, 1e300])
def test_best_f1_constant_scores_flag_everything(value):
    # all scores equal: the only useful rule flags every point (F1 = 2p / (1 + p), p = 2/3)
    report = best_f1([1, 1, 0], [value] * 3)
    assert report.recall == 1.0
    assert report.precision == pytest.approx(2 / 3)
    assert report.f1 == pytest.approx(0.8)


def test_best_f1_known_answer():
    y = np.array([0, 0, 1, 0, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.4, 0.8, 0.9])
    report = best_f1(y, s)
    # top 2: P=1, R=2/3, F1=0.8; top 4: P=3/4, R=1, F1=6/7 (best); top 6: P=1/2, F1=2/3
    assert report.f1 == pytest.approx(6 / 7)
    assert report.threshold == pytest.approx(0.25)
    assert (report.precision, report.recall) == pytest.approx((0.75, 1.0))


# --- precision_recall_f1 and confusion_counts ---------------------------------------------


def test_precision_recall_f1_hand_computed():
    y = [1, 1, 1, 0, 0, 0, 0, 1]
    s = [0.9, 0.8, 0.2, 0.7, 0.1, 0.3, 0.0, 0.5]
    report = precision_recall_f1(y, s, threshold=0.4)
    # flagged: 0.9, 0.8, 0.7, 0.5 -> tp=3, fp=1, fn=1
    assert report == ThresholdReport(0.4, 0.75, 0.75, 0.75)
    # strict rule: a score equal to the threshold is not flagged
    strict = precision_recall_f1(y, s, threshold=0.5)
    assert (strict.precision, strict.recall) == pytest.approx((2 / 3, 0.5))
    assert strict.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))


def test_precision_recall_f1_undefined_parts_are_zero():
    # nothing flagged: precision undefined -> 0, and so is F1
    report = precision_recall_f1([0, 1, 0], [0.1, 0.2, 0.3], threshold=1.0)
    assert report == ThresholdReport(1.0, 0.0, 0.0, 0.0)
    # a single class is allowed here (unlike the ranking metrics)
    only_normal = precision_recall_f1([0, 0, 0], [0.1, 0.5, 0.9], threshold=0.3)
    assert (only_normal.precision, only_normal.recall, only_normal.f1) == (0.0, 0.0, 0.0)
    only_anomalies = precision_recall_f1([1, 1], [0.1, 0.9], threshold=0.5)
    assert (only_anomalies.precision, only_anomalies.recall) == (1.0, 0.5)


def test_confusion_counts_hand_computed():
    counts = confusion_counts([0, 0, 1, 1, 1, 0], [0, 1, 1, 0, 1, 0])
    assert counts == {"tn": 2, "fp": 1, "fn": 1, "tp": 2}
    assert sum(counts.values()) == 6
    assert confusion_counts([True, False], [True, True]) == {"tn": 0, "fp": 1, "fn": 0, "tp": 1}


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("metric", [pr_auc, roc_auc, best_f1])
def test_ranking_metrics_need_both_classes(metric):
    with pytest.raises(ValueError, match="contains only normal points; this metric needs both"):
        metric([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="contains only anomalies"):
        metric([1, 1], [0.1, 0.2])


@pytest.mark.parametrize("metric", [pr_auc, roc_auc, best_f1])
@pytest.mark.parametrize(
    ("y", "s", "error", "match"),
    [
        ([0, 1, 1], [0.1, 0.2], ValueError, "y_true has 3 labels but there are 2 scores"),
        ([0, 1, 2], [0.1, 0.2, 0.3], ValueError, r"must hold only 0 \(normal\) and 1"),
        ([0, 0.5, 1], [0.1, 0.2, 0.3], ValueError, r"must hold only 0 \(normal\) and 1"),
        ([0, -1], [0.1, 0.2], ValueError, r"must hold only 0 \(normal\) and 1"),
        (["a", "b"], [0.1, 0.2], TypeError, "y_true must hold numbers"),
        ([0, 1], [0.1, np.nan], ValueError, "scores contains 1 NaN"),
        ([0, 1], [np.inf, 0.2], ValueError, "scores contains 0 NaN and 1 infinite"),
        ([0, 1], [0.1 + 1j, 0.2], TypeError, r"scores is complex .*np\.real\(scores\)"),
        ([0, 1 + 0j], [0.1, 0.2], TypeError, r"y_true is complex \(dtype complex128\)"),
        ([0, 1], [[0.1], [0.2]], ValueError, "scores must be 1-D"),
        ([], [], ValueError, "scores has 0 samples"),
        ([0, 1], None, TypeError, "scores is None"),
        ([0, 1], ["x", "y"], TypeError, "scores could not be converted"),
        ([[0, 1]], [0.1, 0.2], ValueError, "y_true must be 1-D"),
    ],
)
def test_metrics_reject_bad_input(metric, y, s, error, match):
    with pytest.raises(error, match=match):
        metric(y, s)


@pytest.mark.parametrize("metric", [pr_auc, roc_auc, lambda y, s: best_f1(y, s).f1])
def test_huge_finite_scores_are_ranked_not_refused(metric):
    # ranking metrics only compare scores, so any finite magnitude gives the exact answer
    y = [0, 1, 0, 1, 1]
    ordinary = metric(y, [0.1, 0.3, 0.05, 0.4, 0.0])  # the same order
    assert metric(y, [0.1, 1e300, -1e300, 1.5e308, -1.5e308]) == ordinary


def test_precision_recall_f1_rejects_bad_threshold():
    with pytest.raises(ValueError, match="threshold must be finite"):
        precision_recall_f1([0, 1], [0.1, 0.2], float("nan"))
    with pytest.raises(TypeError, match="threshold must be a real number"):
        precision_recall_f1([0, 1], [0.1, 0.2], "0.5")
    with pytest.raises(ValueError, match="y_true has 2 labels but there are 3"):
        precision_recall_f1([0, 1], [0.1, 0.2, 0.3], 0.5)


def test_confusion_counts_rejects_bad_input():
    with pytest.raises(ValueError, match="y_pred has 2 labels but there are 3"):
        confusion_counts([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="y_pred must hold only 0"):
        confusion_counts([0, 1], [0.2, 0.8])
    with pytest.raises(ValueError, match="y_true is empty"):
        confusion_counts([], [])


def test_precision_at_k_and_recall_at_budget_hand_computed():
    y = np.array([0, 1, 0, 1, 0, 0, 0, 0, 1, 0])
    s = np.array([0.1, 0.9, 0.8, 0.7, 0.2, 0.3, 0.4, 0.5, 0.05, 0.6])
    assert precision_at_k(y, s, 1) == 1.0
    assert precision_at_k(y, s, 3) == pytest.approx(2 / 3)
    assert recall_at_budget(y, s, 0.1) == pytest.approx(1 / 3)
    assert recall_at_budget(y, s, 0.3) == pytest.approx(2 / 3)
    assert recall_at_budget(y, s, 0.25) == pytest.approx(2 / 3)  # ceil(2.5) = 3 alerts


@given(labelled_scores())
def test_alert_budget_metrics_match_a_threshold_at_the_kth_score(data):
    y, s = data
    assume(len(np.unique(s)) == len(s))
    k = max(1, len(s) // 3)
    flagged = s >= np.sort(s)[::-1][k - 1]
    assert precision_at_k(y, s, k) == pytest.approx(y[flagged].mean())
    assert recall_at_budget(y, s, k / len(s)) == pytest.approx(y[flagged].sum() / y.sum())


def test_alert_budget_metrics_reject_bad_parameters():
    y, s = np.array([0, 1, 0]), np.array([0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"k must be in \[1, 3\]"):
        precision_at_k(y, s, 4)
    with pytest.raises(ValueError, match="budget"):
        recall_at_budget(y, s, 0.0)
    with pytest.raises(ValueError, match="only normal points"):
        recall_at_budget(np.zeros(3), s, 0.5)
