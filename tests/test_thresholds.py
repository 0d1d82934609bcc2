"""adlib.thresholds: each rule against its definition, and its input checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.stats import norm

from adlib.metrics import best_f1
from adlib.thresholds import (
    F1OptimalThreshold,
    FPRThreshold,
    IQRThreshold,
    KSigmaThreshold,
    PercentileThreshold,
    PrecisionTargetThreshold,
    Threshold,
)

RULES = [PercentileThreshold, KSigmaThreshold, IQRThreshold, FPRThreshold, F1OptimalThreshold]


@pytest.fixture
def labelled(rng):
    """Validation-like scores: 300 normal N(0, 1), 30 anomalous N(4, 1), shuffled."""
    scores = np.concatenate([rng.normal(size=300), rng.normal(4.0, 1.0, size=30)])
    y = np.concatenate([np.zeros(300, int), np.ones(30, int)])
    order = rng.permutation(y.size)
    return scores[order], y[order]


# --- PercentileThreshold ------------------------------------------------------------------


@pytest.mark.parametrize("q", [1.0, 50.0, 95.0, 99.9])
def test_percentile_uses_normal_scores_only(labelled, q):
    scores, y = labelled
    rule = PercentileThreshold(q).fit(scores, y)
    assert rule.threshold_ == np.percentile(scores[y == 0], q)
    assert rule.threshold_ != np.percentile(scores, q)
    # without labels every score is taken as normal
    assert PercentileThreshold(q).fit(scores).threshold_ == np.percentile(scores, q)


def test_fit_returns_self_and_predict_is_strict(labelled):
    scores, y = labelled
    rule = PercentileThreshold(90)
    assert rule.fit(scores, y) is rule
    pred = rule.predict(scores)
    assert pred.dtype == np.int64
    assert pred.shape == scores.shape
    np.testing.assert_array_equal(pred, (scores > rule.threshold_).astype(int))
    assert rule.predict([rule.threshold_]).tolist() == [0]
    assert rule.predict([np.nextafter(rule.threshold_, np.inf)]).tolist() == [1]


def test_percentile_flags_the_promised_share_of_normals(rng):
    normal = rng.normal(size=20_000)
    rule = PercentileThreshold(95).fit(normal)
    fresh = rng.normal(size=20_000)
    assert rule.predict(fresh).mean() == pytest.approx(0.05, abs=0.005)


# --- KSigmaThreshold ----------------------------------------------------------------------


def test_ksigma_is_mean_plus_k_population_std(labelled):
    scores, y = labelled
    normal = scores[y == 0]
    rule = KSigmaThreshold(2.5).fit(scores, y)
    assert rule.threshold_ == pytest.approx(normal.mean() + 2.5 * normal.std(ddof=0), rel=1e-12)


def test_ksigma_on_standard_normal_matches_one_sided_3_sigma_quantile(rng):
    draws = rng.normal(size=200_000)
    rule = KSigmaThreshold(3.0).fit(draws)
    assert rule.threshold_ == pytest.approx(norm.ppf(1 - 0.00135), abs=0.03)
    # and the false-alarm rate on fresh Gaussian draws is the nominal 0.135 %
    assert rule.predict(rng.normal(size=200_000)).mean() == pytest.approx(norm.sf(3), abs=4e-4)


# --- IQRThreshold -------------------------------------------------------------------------


def test_iqr_known_answer():
    scores = np.arange(1.0, 10.0)  # Q1 = 3, Q3 = 7, IQR = 4
    assert IQRThreshold().fit(scores).threshold_ == 7 + 1.5 * 4
    assert IQRThreshold(k=3).fit(scores).threshold_ == 7 + 3 * 4
    # an anomalous score in the labelled set does not move the fence
    labelled = IQRThreshold().fit(np.append(scores, 1e6), np.append(np.zeros(9, int), 1))
    assert labelled.threshold_ == 13.0


# --- FPRThreshold -------------------------------------------------------------------------


def _fpr(normal: np.ndarray, t: float) -> float:
    return float((normal > t).sum() / normal.size)


@given(
    st.lists(st.integers(0, 30).map(float), min_size=1, max_size=60),
    st.floats(0.001, 0.999),
)
def test_fpr_threshold_is_lowest_observed_value_within_budget(values, target):
    normal = np.array(values)
    rule = FPRThreshold(target).fit(normal)
    t = rule.threshold_
    assert t in normal
    assert _fpr(normal, t) <= target
    # every lower observed score would break the alert budget
    for lower in np.unique(normal[normal < t]):
        assert _fpr(normal, lower) > target


@given(st.integers(1, 200), st.integers(1, 199))
def test_fpr_threshold_exact_budget(n, k):
    # a target that is exactly k/n must allow exactly k false alarms (k < n)
    assume(k < n)
    normal = np.arange(float(n))
    target = k / n
    rule = FPRThreshold(target).fit(normal)
    assert _fpr(normal, rule.threshold_) == pytest.approx(target)
    assert rule.threshold_ == n - 1 - k
    # a hair below k/n allows one alarm fewer
    just_below = float(np.nextafter(target, 0.0))
    assert FPRThreshold(just_below).fit(normal).threshold_ == n - k


def test_fpr_threshold_uses_normals_only(labelled):
    scores, y = labelled
    rule = FPRThreshold(0.05).fit(scores, y)
    normal = scores[y == 0]
    assert _fpr(normal, rule.threshold_) <= 0.05
    assert rule.threshold_ == np.sort(normal)[300 - 1 - 15]


# --- F1OptimalThreshold -------------------------------------------------------------------


def test_f1_optimal_equals_best_f1_threshold(labelled):
    scores, y = labelled
    rule = F1OptimalThreshold().fit(scores, y)
    assert rule.threshold_ == best_f1(y, scores).threshold
    pred = rule.predict(scores)
    tp = int(((pred == 1) & (y == 1)).sum())
    f1 = 2 * tp / (pred.sum() + y.sum())
    assert f1 == pytest.approx(best_f1(y, scores).f1)


def test_f1_optimal_requires_labels_with_both_classes(labelled):
    scores, y = labelled
    with pytest.raises(ValueError, match="F1OptimalThreshold needs labels"):
        F1OptimalThreshold().fit(scores)
    with pytest.raises(ValueError, match="y contains only normal points"):
        F1OptimalThreshold().fit(scores, np.zeros_like(y))


# --- PrecisionTargetThreshold -------------------------------------------------------------


@pytest.mark.parametrize("target", [0.5, 0.8, 0.95, 0.999])
def test_precision_target_has_the_best_recall_that_meets_the_target(labelled, target):
    scores, y = labelled
    rule = PrecisionTargetThreshold(target).fit(scores, y)
    flagged = scores > rule.threshold_
    assert y[flagged].mean() >= target
    # brute force over every cut: none meeting the target catches more anomalies
    best_recall = max(
        y[scores >= cut].sum() / y.sum()
        for cut in np.unique(scores)
        if y[scores >= cut].mean() >= target
    )
    assert y[flagged].sum() / y.sum() == pytest.approx(best_recall)


def test_precision_target_refuses_what_it_cannot_reach(labelled):
    scores, y = labelled
    with pytest.raises(ValueError, match="PrecisionTargetThreshold needs labels"):
        PrecisionTargetThreshold().fit(scores)
    with pytest.raises(ValueError, match=r"no threshold reaches precision 0\.9"):
        PrecisionTargetThreshold(0.9).fit(-scores, y)  # reversed scores: anomalies rank last
    with pytest.raises(ValueError, match="target"):
        PrecisionTargetThreshold(1.0)


# --- common behaviour and bad input -------------------------------------------------------


def test_repr_shows_parameters_not_fitted_state(labelled):
    scores, y = labelled
    rule = KSigmaThreshold(2.0).fit(scores, y)
    assert repr(rule) == "KSigmaThreshold(k=2.0)"
    assert repr(F1OptimalThreshold()) == "F1OptimalThreshold()"
    assert isinstance(rule, Threshold)


@pytest.mark.parametrize("rule_class", RULES)
def test_predict_before_fit_is_rejected(rule_class):
    with pytest.raises(ValueError, match=rf"This {rule_class.__name__} is not fitted yet"):
        rule_class().predict([0.1, 0.2])


@pytest.mark.parametrize("rule_class", RULES)
@pytest.mark.parametrize(
    ("scores", "y", "error", "match"),
    [
        ([0.1, np.nan, 0.3, 0.4], None, ValueError, "scores contains 1 NaN"),
        ([0.1, np.inf, 0.3, 0.4], None, ValueError, "scores contains 0 NaN and 1 infinite"),
        ([0.1, 1e300, 0.3, 0.4], None, ValueError, r"scores holds a value of magnitude 1e\+300"),
        ([0.1, 0.2 + 1j, 0.3, 0.4], None, TypeError, r"scores is complex .*np\.real\(scores\)"),
        ([0.1, 0.2, 0.3, 0.4], [0, 1 + 0j, 0, 1], TypeError, r"y is complex \(dtype complex128\)"),
        ([[0.1, 0.2], [0.3, 0.4]], None, ValueError, "scores must be 1-D"),
        ([], None, ValueError, "scores has 0 samples"),
        (None, None, TypeError, "scores is None"),
        ([0.1, 0.2, 0.3, 0.4], [0, 1, 0], ValueError, "y has 3 labels but there are 4"),
        ([0.1, 0.2, 0.3, 0.4], [0, 1, 2, 0], ValueError, "y must hold only 0"),
    ],
)
def test_fit_rejects_bad_scores_and_labels(rule_class, scores, y, error, match):
    with pytest.raises(error, match=match):
        rule_class().fit(scores, y)


@pytest.mark.parametrize("rule_class", [PercentileThreshold, KSigmaThreshold, IQRThreshold])
def test_rules_need_two_normal_scores(rule_class):
    with pytest.raises(ValueError, match="only 1 normal scores to fit on; at least 2"):
        rule_class().fit([0.5, 3.0, 4.0], [0, 1, 1])


def test_fpr_threshold_needs_one_normal_score():
    assert FPRThreshold(0.5).fit([0.5]).threshold_ == 0.5
    with pytest.raises(ValueError, match="only 0 normal scores to fit on; at least 1"):
        FPRThreshold().fit([3.0, 4.0], [1, 1])


def test_predict_rejects_bad_scores(labelled):
    scores, y = labelled
    rule = PercentileThreshold().fit(scores, y)
    with pytest.raises(ValueError, match="scores contains 1 NaN"):
        rule.predict([0.1, np.nan])
    assert rule.predict([0.1, -1e300, 1.5e308]).tolist() == [0, 0, 1]  # predict only compares
    with pytest.raises(TypeError, match=r"scores is complex"):
        rule.predict([0.1, 0.2 + 0j])
    with pytest.raises(ValueError, match="scores must be 1-D"):
        rule.predict(np.zeros((2, 2)))


@pytest.mark.parametrize(
    ("factory", "error", "match"),
    [
        (lambda: PercentileThreshold(0), ValueError, r"q must be in \(0.0, 100.0\)"),
        (lambda: PercentileThreshold(100), ValueError, r"q must be in \(0.0, 100.0\)"),
        (lambda: PercentileThreshold(-5), ValueError, r"q must be in \(0.0, 100.0\)"),
        (lambda: PercentileThreshold(150.0), ValueError, r"q must be in \(0.0, 100.0\)"),
        (lambda: PercentileThreshold(float("nan")), ValueError, "q must be finite"),
        (lambda: PercentileThreshold("95"), TypeError, "q must be a real number"),
        (lambda: PercentileThreshold(True), TypeError, "q must be a real number"),
        (lambda: KSigmaThreshold(0), ValueError, r"k must be in \(0.0, inf\)"),
        (lambda: KSigmaThreshold(-1.0), ValueError, r"k must be in \(0.0, inf\)"),
        (lambda: KSigmaThreshold(float("inf")), ValueError, "k must be finite"),
        (lambda: IQRThreshold(0.0), ValueError, r"k must be in \(0.0, inf\)"),
        (lambda: IQRThreshold(None), TypeError, "k must be a real number"),
        (lambda: FPRThreshold(0.0), ValueError, r"target_fpr must be in \(0.0, 1.0\)"),
        (lambda: FPRThreshold(1.0), ValueError, r"target_fpr must be in \(0.0, 1.0\)"),
        (lambda: FPRThreshold(1.5), ValueError, r"target_fpr must be in \(0.0, 1.0\)"),
        (lambda: FPRThreshold(-0.01), ValueError, r"target_fpr must be in \(0.0, 1.0\)"),
    ],
)
def test_constructors_reject_out_of_range_parameters(factory, error, match):
    with pytest.raises(error, match=match):
        factory()


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda q: not 0 < q < 100))
def test_percentile_rejects_any_q_outside_open_interval(q):
    with pytest.raises(ValueError, match="q must be in"):
        PercentileThreshold(q)
