"""adlib.drift.detection_report, drift_free_alarm_counts and batch_test_alarms (notebook 12)."""

from __future__ import annotations

import numpy as np
import pytest

from adlib.drift import (
    BATCH_TESTS,
    DDM,
    PageHinkley,
    batch_test_alarms,
    detection_report,
    drift_free_alarm_counts,
    ks_drift,
    mmd_test,
    psi,
)

# --- detection_report --------------------------------------------------------------------------


def test_report_counts_false_alarms_delay_and_repeats():
    report = detection_report(np.array([40, 2020, 2500]), drift_start=2000)
    assert report == {
        "false alarms before": 1,
        "found": True,
        "delay": 20.0,
        "detections after": 2,
    }


def test_report_sorts_and_counts_a_detection_at_the_start_as_found():
    report = detection_report([2100, 2000, 5], 2000)
    assert report["delay"] == 0.0 and report["detections after"] == 2


def test_report_of_a_missed_drift_has_no_delay():
    report = detection_report(np.array([], dtype=np.int64), 2000)
    assert report["found"] is False and np.isnan(report["delay"])
    assert report["false alarms before"] == report["detections after"] == 0


def test_report_agrees_with_a_real_detector_run():
    stream = np.r_[np.zeros(500), np.ones(500) * 3] + np.random.default_rng(0).normal(size=1000)
    hits = PageHinkley(delta=0.25, threshold=25).run(stream)
    report = detection_report(hits, 500)
    assert report["found"] and 0 <= report["delay"] < 100


@pytest.mark.parametrize(
    ("detections", "start", "error"),
    [([1.5, 3.0], 10, TypeError), ([-1, 3], 10, ValueError), ([1, 3], -5, ValueError)],
)
def test_report_refuses_bad_input(detections, start, error):
    with pytest.raises(error):
        detection_report(np.array(detections), start)


# --- drift_free_alarm_counts -------------------------------------------------------------------


def test_counts_match_running_the_detector_by_hand():
    counts = drift_free_alarm_counts(lambda v: DDM().run((v > 1.28).astype(float)), 2000, [3, 4])
    by_hand = [
        DDM().run((np.random.default_rng(s).normal(size=2000) > 1.28).astype(float)).size
        for s in (3, 4)
    ]
    assert counts.tolist() == by_hand and counts.dtype == np.int64


def test_a_tolerant_detector_stays_silent_on_noise_and_a_touchy_one_does_not():
    seeds = range(10)
    calm = drift_free_alarm_counts(
        lambda v: PageHinkley(delta=0.25, threshold=25).run(v), 2000, seeds
    )
    touchy = drift_free_alarm_counts(
        lambda v: PageHinkley(delta=0.0, threshold=2).run(v), 2000, seeds
    )
    assert calm.sum() == 0
    assert (touchy > 0).all()


@pytest.mark.parametrize(
    ("detect", "length", "seeds", "error"),
    [
        ("PageHinkley", 100, [0], TypeError),
        (lambda v: np.array([]), 0, [0], ValueError),
        (lambda v: np.array([]), 100, [], ValueError),
        (lambda v: np.array([]), 100, [-1], ValueError),
    ],
)
def test_counts_refuse_bad_input(detect, length, seeds, error):
    with pytest.raises(error):
        drift_free_alarm_counts(detect, length, seeds)


# --- batch_test_alarms -------------------------------------------------------------------------


def test_battery_agrees_with_each_test_run_alone(rng):
    reference = rng.normal(size=(150, 4))
    current = rng.normal(size=(150, 4)) + np.array([0.0, 0.0, 0.4, 0.0])
    alarms = batch_test_alarms(reference, current, seed=3)
    ks = ks_drift(reference, current)
    centre, scale = reference.mean(axis=0), reference.std(axis=0)
    mmd = mmd_test(
        (reference - centre) / scale, (current - centre) / scale, n_permutations=99, seed=3
    )
    assert list(alarms) == list(BATCH_TESTS)
    assert alarms["KS, no correction"] == bool((ks.p_value <= 0.05).any())
    assert alarms["KS, Bonferroni"] == ks.any_drift
    assert alarms["KS, FDR"] == ks_drift(reference, current, correction="fdr").any_drift
    assert alarms["PSI"] == bool((psi(reference, current) > 0.25).any())
    assert alarms["MMD"] == mmd.drift
    assert all(isinstance(v, bool) for v in alarms.values())


def test_battery_sees_a_large_shift_with_every_test(rng):
    reference, current = (
        rng.normal(size=(200, 3)),
        rng.normal(size=(200, 3)) + np.array([2.0, 0, 0]),
    )
    assert all(batch_test_alarms(reference, current).values())


def test_battery_skips_constant_features_for_psi_and_scales_them_by_one(rng):
    reference = np.c_[rng.normal(size=(100, 2)), np.ones(100)]
    current = np.c_[rng.normal(size=(100, 2)), np.ones(100)]
    alarms = batch_test_alarms(reference, current)
    assert set(alarms) == set(BATCH_TESTS)


@pytest.mark.parametrize(
    ("current", "kwargs", "error", "match"),
    [
        (np.zeros((10, 3)), {}, ValueError, "features"),
        (np.zeros((10, 2)), {"alpha": 1.5}, ValueError, "alpha"),
        (np.zeros((10, 2)), {"n_permutations": 0}, ValueError, "n_permutations"),
        (np.zeros((10, 2)), {"seed": -1}, ValueError, "seed"),
        (np.zeros((1, 2)), {}, ValueError, "current"),
    ],
)
def test_battery_refuses_bad_input(rng, current, kwargs, error, match):
    with pytest.raises(error, match=match):
        batch_test_alarms(rng.normal(size=(10, 2)), current, **kwargs)


def test_battery_refuses_an_all_constant_reference():
    with pytest.raises(ValueError, match="constant"):
        batch_test_alarms(np.ones((10, 2)), np.zeros((10, 2)))
