"""adlib.metrics.ranges: hand-computed cases, properties, bad input, TSB-AD cross-checks.

The reference is TSB-AD 1.5 (PyPI ``TSB-AD==1.5``, github.com/TheDatumOrg/TSB-AD, Apache-2.0),
file ``TSB_AD/evaluation/basic_metrics.py``, vendored unmodified as
``tests/reference/tsb_ad_1.5_basic_metrics.py.txt`` (licence beside it). It cannot be pinned
in requirements.txt: every TSB-AD release requires numpy<2.0 (and transformers, tslearn,
arch, ...), which conflicts with numpy==2.4.6, so ``pip install -r requirements.txt`` would
fail. The file itself imports only numpy, scikit-learn, math and copy; the ``.txt`` suffix
keeps ruff and pytest off it, and a test checks its sha256 against the wheel's RECORD.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.machinery
import importlib.util
import math
import warnings
from dataclasses import astuple
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from adlib.metrics import (
    ThresholdReport,
    advance_warning_rate,
    anomaly_segments,
    best_event_f1,
    best_f1,
    event_f1,
    lead_times,
    point_adjust,
    point_adjusted_f1,
    range_pr_auc,
    ucr_hit,
    vus_pr,
)

REFERENCE = Path(__file__).parent / "reference" / "tsb_ad_1.5_basic_metrics.py.txt"
# sha256 of TSB_AD/evaluation/basic_metrics.py in TSB_AD-1.5.dist-info/RECORD
REFERENCE_RECORD_SHA256 = "H83e31raHVIh857laMf9255xgb1-HBljbCy-z0DJdwc"


# ---------------------------------------------------------------- a small worked example
#
# index:   0    1    2    3    4    5    6    7    8    9
# labels:  0    1    1    1    0    0    1    1    0    0      segments (1, 3) and (6, 7)
# scores: .1   .2   .9   .3   .8   .1   .4   .2   .1   0
Y = np.array([0, 1, 1, 1, 0, 0, 1, 1, 0, 0])
S = np.array([0.1, 0.2, 0.9, 0.3, 0.8, 0.1, 0.4, 0.2, 0.1, 0.0])


def test_anomaly_segments_by_hand():
    assert anomaly_segments(Y) == [(1, 3), (6, 7)]
    assert anomaly_segments([1, 1, 0, 0, 1]) == [(0, 1), (4, 4)]  # touching both edges
    assert anomaly_segments(np.array([True, False, True])) == [(0, 0), (2, 2)]
    assert anomaly_segments([0, 0, 0]) == []
    assert anomaly_segments([1]) == [(0, 0)]


def test_point_adjust_by_hand():
    # (1, 3) holds a predicted 1 at index 2 -> 1, 2, 3 all become 1; (6, 7) holds none -> 0;
    # the false alarms at 0 and 8 stay as they are.
    predictions = [1, 0, 1, 0, 0, 0, 0, 0, 1, 0]
    expected = [1, 1, 1, 1, 0, 0, 0, 0, 1, 0]
    assert point_adjust(Y, predictions).tolist() == expected
    assert point_adjust(Y, np.zeros(10)).tolist() == [0] * 10
    assert point_adjust([0, 0], [1, 0]).tolist() == [1, 0]  # no segment: nothing to adjust


def test_point_adjusted_f1_at_a_threshold_by_hand():
    # score > 0.5 flags 2 and 4. PA: (1, 3) detected -> TP = 3; (6, 7) missed -> FN = 2;
    # index 4 is a false alarm -> FP = 1. precision 3/4, recall 3/5, F1 = 6 / (6 + 1 + 2).
    report = point_adjusted_f1(Y, S, threshold=0.5)
    assert astuple(report) == pytest.approx((0.5, 3 / 4, 3 / 5, 2 / 3))


def test_best_point_adjusted_f1_by_hand():
    # F1 = 2TP / (2TP + FP + FN), flagging score >= cut:
    #   cut .9: {2}            TP 3 FP 0 FN 2 -> 6/8
    #   cut .8: {2, 4}         TP 3 FP 1 FN 2 -> 6/9
    #   cut .4: {2, 4, 6}      TP 5 FP 1 FN 0 -> 10/11   (both segments detected)
    #   cut .3, .2: adds anomalies only      -> 10/11
    #   cut .1: adds 0, 5, 8   TP 5 FP 4      -> 10/14
    # The best is 10/11; ties go to the lowest cut (.2), as in best_f1: threshold (.1+.2)/2.
    report = point_adjusted_f1(Y, S)
    assert astuple(report) == pytest.approx((0.15, 5 / 6, 1.0, 10 / 11))
    assert point_adjusted_f1(Y, S, report.threshold) == report


def test_event_f1_by_hand():
    # score > 0.5 flags 2 and 4: event recall 1/2 ((1, 3) hit, (6, 7) missed), point
    # precision 1/2 (2 is anomalous, 4 is not) -> F1 1/2.
    assert astuple(event_f1(Y, S, threshold=0.5)) == pytest.approx((0.5, 0.5, 0.5, 0.5))
    # the same flags as 0/1 predictions, reported with the threshold 0.5
    predictions = (S > 0.5).astype(int)
    assert astuple(event_f1(Y, predictions)) == pytest.approx((0.5, 0.5, 0.5, 0.5))
    # One flag inside a 100-step segment: event recall 1, precision 1 -> F1 = 1, while the
    # point recall would be 1/100.
    long = np.r_[np.zeros(10), np.ones(100), np.zeros(10)]
    one_flag = np.zeros(120)
    one_flag[50] = 1
    assert event_f1(long, one_flag).f1 == 1.0


def test_best_event_f1_by_hand():
    # precision = anomalous flagged / flagged, recall = detected segments / 2:
    #   cut .9: {2}                 P 1    R 1/2 -> 2/3
    #   cut .8: {2, 4}              P 1/2  R 1/2 -> 1/2
    #   cut .4: {2, 4, 6}           P 2/3  R 1   -> 4/5
    #   cut .3: {2, 3, 4, 6}        P 3/4  R 1   -> 6/7
    #   cut .2: {1, 2, 3, 4, 6, 7}  P 5/6  R 1   -> 10/11  <- best
    #   cut .1: + {0, 5, 8}         P 5/9  R 1   -> 10/14
    report = best_event_f1(Y, S)
    assert astuple(report) == pytest.approx((0.15, 5 / 6, 1.0, 10 / 11))
    assert event_f1(Y, S, report.threshold) == report


def test_ucr_hit_by_hand():
    labels = np.zeros(200, dtype=int)
    labels[50:60] = 1  # the segment (50, 59)

    def peak_at(i: int) -> np.ndarray:
        scores = np.zeros(200)
        scores[i] = 1.0
        return scores

    # with tolerance 5 a hit is a peak in [50 - 5, 59 + 5] = [45, 64]
    assert [ucr_hit(labels, peak_at(i), tolerance=5) for i in (44, 45, 55, 64, 65)] == [
        False,
        True,
        True,
        True,
        False,
    ]
    assert ucr_hit(labels, peak_at(0))  # default tolerance 100: [-50, 159]
    assert not ucr_hit(labels, peak_at(160))
    assert not ucr_hit(labels, peak_at(49), tolerance=0)  # tolerance 0: inside only
    # ties: the first maximum counts (index 10 is a hit, 190 would not be)
    tied = np.zeros(200)
    tied[[10, 190]] = 1.0
    assert ucr_hit(labels, tied)


def test_range_pr_auc_without_buffer_by_hand():
    # labels 0 0 1 1 0 0, scores .1 .5 .9 .2 .3 0; buffer 0: soft labels = labels, one
    # region, P = 2. Cutting at each score, highest first (TPR = min(TP/P, 1) * share of
    # regions hit; precision = TP / flagged):
    #   .9: {2}          TP 1  TPR 1/2  precision 1    -> 1/2 * 1
    #   .5, .3: + 1, 4   TP 1  TPR 1/2                 -> 0
    #   .2: + 3          TP 2  TPR 1    precision 2/4  -> 1/2 * 1/2
    # area 1/2 + 1/4 = 3/4 (the point-wise average precision as well, here).
    labels = [0, 0, 1, 1, 0, 0]
    scores = [0.1, 0.5, 0.9, 0.2, 0.3, 0.0]
    assert range_pr_auc(labels, scores, buffer=0, n_thresholds=6) == pytest.approx(0.75)
    # the 250-cut grid repeats cuts on 6 scores; a repeated cut adds nothing
    assert range_pr_auc(labels, scores, buffer=0) == pytest.approx(0.75)
    # buffer 1 reaches 1 // 2 = 0 steps: identical to buffer 0 (as in TSB-AD)
    assert range_pr_auc(labels, scores, buffer=1) == pytest.approx(0.75)


def test_range_pr_auc_counts_missed_segments_by_hand():
    # labels 0 1 0 0 1 0, scores 0 .9 .1 .2 .3 .4; buffer 0, P = 2, two regions.
    #   .9: {1}       TP 1  recall 1/2, 1 of 2 regions -> TPR 1/4, precision 1  -> 1/4
    #   .4: + 5       TP 1  TPR 1/4                                             -> 0
    #   .3: + 4       TP 2  recall 1, 2 of 2 regions   -> TPR 1, precision 2/3  -> 3/4 * 2/3
    # area 1/4 + 1/2 = 3/4, below the point-wise AP (1 * 1/2 + 2/3 * 1/2 = 5/6): finding
    # one of the two segments first earns only half the recall of the point-wise view.
    labels = [0, 1, 0, 0, 1, 0]
    scores = [0.0, 0.9, 0.1, 0.2, 0.3, 0.4]
    assert range_pr_auc(labels, scores, buffer=0) == pytest.approx(0.75)


def test_range_pr_auc_with_a_buffer_by_hand():
    # Same series as without buffer; buffer 2 reaches 2 // 2 = 1 step on each side with
    # weight a = sqrt(1 - 1/2): soft labels 0 a 1 1 a 0, one region [1, 4], P = 2.
    # "Positives" are P + (flagged buffer mass) / 2; TP is the flagged soft-label mass.
    a = math.sqrt(0.5)
    tpr = [
        1 / 2,  # .9: {2}           TP 1            positives 2
        (1 + a) / (2 + a / 2),  # .5: + 1   TP 1 + a        positives 2 + a/2
        (1 + 2 * a) / (2 + a),  # .3: + 4   TP 1 + 2a       positives 2 + a
        1.0,  # .2: + 3              TP 2 + 2a > positives -> recall capped at 1
    ]
    precision = [1.0, (1 + a) / 2, (1 + 2 * a) / 3, (2 + 2 * a) / 4]
    expected = sum(
        (t - previous) * p for t, previous, p in zip(tpr, [0.0, *tpr[:-1]], precision, strict=True)
    )
    labels = [0, 0, 1, 1, 0, 0]
    scores = [0.1, 0.5, 0.9, 0.2, 0.3, 0.0]
    assert range_pr_auc(labels, scores, buffer=2) == pytest.approx(expected)  # 0.9186...
    # VUS-PR up to buffer 2 averages buffers 0, 1 and 2
    assert vus_pr(labels, scores, max_buffer=2) == pytest.approx((0.75 + 0.75 + expected) / 3)


def test_lead_times_and_advance_warning_rate_by_hand():
    alarms = [0.0, 5.0, np.nan, 9.0, 12.0]
    events = [10.0, 10.0, 10.0, 10.0, 10.0]
    # event - first alarm: 10, 5, never, 1, -2 (alarm after the event)
    np.testing.assert_array_equal(lead_times(alarms, events), [10, 5, np.nan, 1, -2])
    # share of the 5 events with lead >= k:
    #   k 0, 1: {10, 5, 1} -> 3/5;  k 5: {10, 5} -> 2/5;  k 6, 10: {10} -> 1/5;  k 11: 0
    rates = advance_warning_rate(alarms, events, leads=[0, 1, 5, 6, 10, 11])
    np.testing.assert_allclose(rates, [3 / 5, 3 / 5, 2 / 5, 1 / 5, 1 / 5, 0])
    assert advance_warning_rate(alarms, events, leads=5).tolist() == [2 / 5]


# ---------------------------------------------------------------------------- properties


@st.composite
def labelled_series(draw: st.DrawFn, need_normal: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Short 0/1 labels with at least one anomaly, and scores with ties or spread."""
    n = draw(st.integers(2, 30))
    labels = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    assume(labels.any() and not (need_normal and labels.all()))
    value = st.one_of(
        st.integers(0, 4).map(float),
        st.floats(-10, 10, allow_nan=False, allow_infinity=False),
    )
    scores = np.array(draw(st.lists(value, min_size=n, max_size=n)))
    return labels, scores


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _brute_force_pa_f1(y: np.ndarray, s: np.ndarray) -> float:
    """Best F1 after point adjustment over every threshold that changes the decisions."""
    best = 0.0
    for t in [-np.inf, *np.unique(s)]:
        adjusted = point_adjust(y, s > t)
        tp = int((adjusted & y).sum())
        if tp:
            best = max(best, _f1(tp / adjusted.sum(), tp / y.sum()))
    return best


def _brute_force_event_f1(y: np.ndarray, s: np.ndarray) -> float:
    best = 0.0
    segments = anomaly_segments(y)
    for t in [-np.inf, *np.unique(s)]:
        flagged = s > t
        if flagged.any():
            recall = np.mean([flagged[a : b + 1].any() for a, b in segments])
            best = max(best, _f1((flagged & (y == 1)).sum() / flagged.sum(), recall))
    return best


@given(labelled_series())
def test_best_point_adjusted_f1_matches_brute_force(case):
    y, s = case
    report = point_adjusted_f1(y, s)
    assert report.f1 == pytest.approx(_brute_force_pa_f1(y, s), abs=1e-12)
    assert point_adjusted_f1(y, s, report.threshold) == report


@given(labelled_series())
def test_best_event_f1_matches_brute_force(case):
    y, s = case
    report = best_event_f1(y, s)
    assert report.f1 == pytest.approx(_brute_force_event_f1(y, s), abs=1e-12)
    assert event_f1(y, s, report.threshold) == report


@given(labelled_series(need_normal=True))
def test_point_adjustment_never_lowers_the_best_f1(case):
    # at every threshold PA only turns false negatives into true positives
    y, s = case
    assert point_adjusted_f1(y, s).f1 >= best_f1(y, s).f1 - 1e-12


@given(labelled_series(need_normal=True), st.integers(0, 8))
def test_vus_pr_is_the_mean_of_range_pr_aucs_and_rank_based(case, max_buffer):
    y, s = case
    volume = vus_pr(y, s, max_buffer=max_buffer)
    slices = [range_pr_auc(y, s, buffer) for buffer in range(max_buffer + 1)]
    assert volume == pytest.approx(np.mean(slices), abs=1e-12)
    assert 0.0 <= volume <= 1.0 + 1e-12
    # only the order of the scores matters: their dense ranks give the same volume
    ranks = np.unique(s, return_inverse=True)[1]
    assert vus_pr(y, ranks, max_buffer=max_buffer) == pytest.approx(volume, abs=1e-12)


def test_random_scores_on_long_segments_get_a_high_point_adjusted_f1():
    # 5 segments of 200 steps in 10,000 (10 % anomalous), uniform random scores: flagging the
    # top ~1 % hits each segment with probability 1 - 0.99**200 = 0.87, so PA credits ~87 %
    # of the anomalous steps for ~90 false alarms, while the best plain F1 is that of
    # flagging everything, 2 * 0.1 / 1.1 = 0.18.
    labels = np.zeros(10_000, dtype=int)
    for start in (1_000, 3_000, 5_000, 7_000, 9_000):
        labels[start : start + 200] = 1
    scores = np.random.default_rng(0).random(10_000)
    pa = point_adjusted_f1(labels, scores)
    plain = best_f1(labels, scores)
    assert pa.f1 > 0.85
    assert plain.f1 < 0.2
    # the threshold-free VUS-PR stays near the anomaly rate (no skill)
    assert vus_pr(labels, scores) < 0.2


def test_advance_warning_rate_is_non_increasing_in_the_lead(rng):
    events = rng.integers(50, 100, size=40).astype(float)
    alarms = events - rng.integers(-5, 30, size=40)
    alarms[rng.random(40) < 0.2] = np.nan
    rates = advance_warning_rate(alarms, events, np.arange(0, 40))
    assert (np.diff(rates) <= 0).all()
    assert rates[0] <= np.mean(~np.isnan(alarms))


# ----------------------------------------------------------------------------- bad input

SCORING = {
    "point_adjusted_f1": lambda y, s: point_adjusted_f1(y, s),
    "point_adjusted_f1@t": lambda y, s: point_adjusted_f1(y, s, 0.5),
    "event_f1": lambda y, s: event_f1(y, s, threshold=0.5),
    "best_event_f1": best_event_f1,
    "ucr_hit": ucr_hit,
    "range_pr_auc": lambda y, s: range_pr_auc(y, s, 4),
    "vus_pr": vus_pr,
}
scoring = pytest.mark.parametrize("metric", list(SCORING.values()), ids=list(SCORING))
GOOD_Y = np.array([0, 0, 1, 1, 0, 0])
GOOD_S = np.array([0.1, 0.2, 0.9, 0.8, 0.3, 0.0])


@scoring
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_scores_are_rejected(metric, bad):
    scores = GOOD_S.copy()
    scores[1] = bad
    with pytest.raises(ValueError, match="NaN"):
        metric(GOOD_Y, scores)


@scoring
@pytest.mark.parametrize("bad", [0.2 + 1j, 0.2 + 0j])
def test_complex_scores_and_labels_are_rejected(metric, bad):
    scores = GOOD_S.astype(complex)
    scores[1] = bad
    with pytest.raises(TypeError, match=r"is complex \(dtype complex128\); .*imaginary part"):
        metric(GOOD_Y, scores)
    with pytest.raises(TypeError, match=r"labels is complex"):
        metric(GOOD_Y + 0j, GOOD_S)


@scoring
def test_huge_finite_scores_are_ranked_not_refused(metric):
    # the metrics compare scores only: the top score raised to 1e300 keeps every ranking
    scores = GOOD_S.copy()
    scores[2] = 1e300
    result, ordinary = metric(GOOD_Y, scores), metric(GOOD_Y, GOOD_S)
    assert getattr(result, "f1", result) == getattr(ordinary, "f1", ordinary)


@scoring
def test_misaligned_lengths_are_rejected(metric):
    with pytest.raises(ValueError, match="aligned one to one"):
        metric(GOOD_Y, GOOD_S[:-1])


@scoring
def test_labels_without_an_anomaly_are_rejected(metric):
    with pytest.raises(ValueError, match="no anomalous segment"):
        metric(np.zeros(6, dtype=int), GOOD_S)


@scoring
def test_non_binary_labels_are_rejected(metric):
    with pytest.raises(ValueError, match=r"only 0 \(normal\) and 1 \(anomaly\)"):
        metric(np.array([0, 0, 2, 1, 0, 0]), GOOD_S)


@pytest.mark.parametrize("metric", [vus_pr, lambda y, s: range_pr_auc(y, s, 3)])
def test_ranking_metrics_need_normal_steps(metric):
    with pytest.raises(ValueError, match="only anomalies"):
        metric(np.ones(6, dtype=int), GOOD_S)


def test_bad_label_and_prediction_inputs_are_rejected():
    with pytest.raises(ValueError, match="only 0"):
        anomaly_segments([0, 1, -1])
    with pytest.raises(ValueError, match="1-D"):
        anomaly_segments(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="only 0"):
        point_adjust(GOOD_Y, GOOD_S)
    with pytest.raises(ValueError, match="aligned"):
        point_adjust(GOOD_Y, [0, 1])
    with pytest.raises(ValueError, match="pass threshold="):
        event_f1(GOOD_Y, GOOD_S)  # scores without a threshold


def test_bad_thresholds_tolerances_and_buffers_are_rejected():
    with pytest.raises(ValueError, match="finite"):
        point_adjusted_f1(GOOD_Y, GOOD_S, threshold=np.nan)
    with pytest.raises(TypeError, match="real number"):
        event_f1(GOOD_Y, GOOD_S, threshold="0.5")
    with pytest.raises(ValueError, match=r"tolerance must be in \[0, inf\]"):
        ucr_hit(GOOD_Y, GOOD_S, tolerance=-1)
    with pytest.raises(TypeError, match="tolerance must be an integer"):
        ucr_hit(GOOD_Y, GOOD_S, tolerance=2.5)
    with pytest.raises(ValueError, match=r"buffer must be in \[0, inf\]"):
        range_pr_auc(GOOD_Y, GOOD_S, buffer=-2)
    with pytest.raises(TypeError, match="buffer must be an integer"):
        range_pr_auc(GOOD_Y, GOOD_S, buffer=1.5)
    with pytest.raises(ValueError, match=r"max_buffer must be in \[0, inf\]"):
        vus_pr(GOOD_Y, GOOD_S, max_buffer=-1)
    with pytest.raises(TypeError, match="max_buffer must be an integer"):
        vus_pr(GOOD_Y, GOOD_S, max_buffer=None)
    with pytest.raises(ValueError, match=r"n_thresholds must be in \[1, inf\]"):
        vus_pr(GOOD_Y, GOOD_S, n_thresholds=0)


def test_ucr_rule_refuses_several_anomalies():
    with pytest.raises(ValueError, match="single-anomaly series"):
        ucr_hit([1, 0, 0, 1], [0.1, 0.2, 0.3, 0.4])


def test_bad_alarm_inputs_are_rejected():
    with pytest.raises(ValueError, match="infinite"):
        lead_times([1.0, np.inf], [2.0, 3.0])
    with pytest.raises(ValueError, match="event_times contains 1 NaN"):
        lead_times([1.0, 2.0], [np.nan, 3.0])
    with pytest.raises(ValueError, match="one first-alarm time"):
        lead_times([1.0, 2.0, 3.0], [2.0, 3.0])
    with pytest.raises(TypeError, match="could not be converted"):
        lead_times(["soon", 1.0], [2.0, 3.0])
    with pytest.raises(ValueError, match="leads must be >= 0"):
        advance_warning_rate([1.0], [2.0], leads=[-1, 2])
    with pytest.raises(ValueError, match="leads contains 1 NaN"):
        advance_warning_rate([1.0], [2.0], leads=[np.nan])
    with pytest.raises(ValueError, match=r"first_alarm_times holds a value of magnitude 1e\+300"):
        lead_times([1.0, -1e300], [2.0, 3.0])
    with pytest.raises(ValueError, match=r"event_times holds a value of magnitude 1e\+300"):
        lead_times([1.0, np.nan], [2.0, 1e300])
    assert advance_warning_rate([1.0], [2.0], leads=[1e300]).tolist() == [0.0]  # compared only
    with pytest.raises(TypeError, match=r"first_alarm_times is complex .*np\.real"):
        lead_times([1.0 + 1j, np.nan], [2.0, 3.0])
    with pytest.raises(TypeError, match=r"event_times is complex"):
        lead_times([1.0, 2.0], np.array([2.0, 3.0], dtype=complex))


# ------------------------------------------------------------ cross-checks against TSB-AD


@pytest.fixture(scope="module")
def tsb_ad():
    """TSB-AD 1.5's basic_metrics module, loaded from the vendored, unmodified file."""
    loader = importlib.machinery.SourceFileLoader("tsb_ad_basic_metrics", str(REFERENCE))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_vendored_reference_is_the_released_file():
    digest = hashlib.sha256(REFERENCE.read_bytes()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == REFERENCE_RECORD_SHA256


def _labels(n: int, segments: list[tuple[int, int]]) -> np.ndarray:
    labels = np.zeros(n, dtype=int)
    for start, end in segments:
        labels[start : end + 1] = 1
    return labels


def _cases() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(2024)
    n = 600
    spread = _labels(n, [(100, 120), (300, 303), (450, 500)])
    close = _labels(n, [(50, 60), (64, 80), (90, 90), (350, 380)])  # buffers overlap
    edges = _labels(n, [(0, 10), (250, 253), (590, 599)])  # touching both ends
    return {
        "random": (spread, rng.random(n)),
        "good detector": (spread, spread + 0.6 * rng.random(n)),
        "close segments": (close, 0.4 * close + rng.random(n)),
        "edges": (edges, 0.3 * edges + rng.random(n)),
        "ties": (spread, np.round(4 * rng.random(n) + spread)),
    }


CASES = _cases()
# TSB-AD's point adjustment skips index 0 and its events drop the last step of the series
# (see the two tests below), so the F1 cross-checks use the cases away from the edges.
INTERIOR = [name for name in CASES if name != "edges"]


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("max_buffer", [0, 16])
def test_vus_pr_matches_tsb_ad(tsb_ad, name, max_buffer):
    labels, scores = CASES[name]
    reference = tsb_ad.basic_metricor().RangeAUC_volume_opt(
        labels_original=labels, score=scores, windowSize=max_buffer, thre=250
    )
    tpr, precision, volume = reference[0], reference[2], reference[5]
    assert vus_pr(labels, scores, max_buffer=max_buffer) == pytest.approx(volume, abs=1e-12)
    # and each slice of the surface: area = sum of precision times the TPR increments
    for buffer in {0, min(1, max_buffer), max_buffer // 2, max_buffer}:
        area = np.diff(tpr[buffer][:-1]) @ precision[buffer][1:]
        assert range_pr_auc(labels, scores, buffer) == pytest.approx(area, abs=1e-12)


def test_vus_pr_matches_tsb_ad_get_metrics_defaults(tsb_ad):
    # get_metrics(score, labels, slidingWindow=100) takes VUS-PR from generate_curve(...)[7];
    # a short series with segments at both edges, within reach of the 50-step buffers
    labels = _labels(300, [(0, 5), (280, 299)])
    scores = 0.5 * labels + np.random.default_rng(7).random(300)
    volume = tsb_ad.generate_curve(labels.astype(int), scores, 100, "opt", 250)[7]
    assert vus_pr(labels, scores) == pytest.approx(volume, abs=1e-12)


def _tsb_grid(scores: np.ndarray) -> np.ndarray:
    """TSB-AD's thresholds for its "best" PA-F1 and event F1: 100 evenly spaced values."""
    return np.linspace(scores.min(), scores.max(), 100)


@pytest.mark.parametrize("name", INTERIOR)
def test_point_adjustment_and_event_f1_match_tsb_ad_at_fixed_thresholds(tsb_ad, name):
    labels, scores = CASES[name]
    metricor = tsb_ad.basic_metricor()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn: precision undefined with no flags
        for threshold in _tsb_grid(scores)[::20]:
            flagged = (scores > threshold).astype(int)
            theirs = metricor._adjust_predicts(scores, labels, pred=flagged)
            np.testing.assert_array_equal(point_adjust(labels, flagged), theirs)
            assert point_adjusted_f1(labels, scores, threshold).f1 == pytest.approx(
                metricor.metric_PointF1PA(labels, scores, preds=flagged), abs=1e-12
            )
            # TSB-AD divides by (recall + precision + 1e-15): equal to ~1e-15
            assert event_f1(labels, flagged).f1 == pytest.approx(
                metricor.metric_EventF1PA(labels, scores, preds=flagged), abs=1e-12
            )


@pytest.mark.parametrize("name", ["close segments"])
def test_best_point_adjusted_and_event_f1_bound_tsb_ads(tsb_ad, name):
    # TSB-AD searches 100 evenly spaced thresholds, we search all of them: on its grid we
    # find its value, over all thresholds at least as much.
    labels, scores = CASES[name]
    metricor = tsb_ad.basic_metricor()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference_pa = metricor.metric_PointF1PA(labels, scores)
        reference_event = metricor.metric_EventF1PA(labels, scores)
    grid = _tsb_grid(scores)
    pa_on_grid = max(point_adjusted_f1(labels, scores, t).f1 for t in grid)
    event_on_grid = max(event_f1(labels, scores, t).f1 for t in grid)
    assert pa_on_grid == pytest.approx(reference_pa, abs=1e-12)
    assert event_on_grid == pytest.approx(reference_event, abs=1e-12)
    assert point_adjusted_f1(labels, scores).f1 >= reference_pa - 1e-12
    assert best_event_f1(labels, scores).f1 >= reference_event - 1e-12


def test_documented_difference_tsb_ad_point_adjustment_skips_index_0(tsb_ad):
    # A segment starting at index 0, first flagged at index 2: TSB-AD back-fills with
    # `for j in range(i, 0, -1)`, which stops before 0; we adjust the whole segment.
    labels = np.array([1, 1, 1, 1, 0, 0])
    flagged = np.array([0, 0, 1, 0, 0, 1])
    theirs = tsb_ad.basic_metricor()._adjust_predicts(np.zeros(6), labels, pred=flagged)
    assert theirs.tolist() == [0, 1, 1, 1, 0, 1]
    assert point_adjust(labels, flagged).tolist() == [1, 1, 1, 1, 0, 1]


def test_documented_difference_tsb_ad_events_drop_the_last_step(tsb_ad):
    # A segment running to the end of the series: TSB-AD's _get_events ends it at n - 2,
    # so a flag on the last step detects nothing there; here it detects the event.
    labels = np.array([0, 0, 0, 1, 1, 1])
    flagged = np.array([0, 0, 0, 0, 0, 1])
    assert tsb_ad.basic_metricor()._get_events(labels) == {1: (3, 4)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tsb_ad.basic_metricor().metric_EventF1PA(labels, flagged, preds=flagged) == 0.0
    assert event_f1(labels, flagged) == ThresholdReport(0.5, 1.0, 1.0, 1.0)
