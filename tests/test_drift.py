"""adlib.drift: batch tests' false-alarm rate and power, streaming detectors against river."""

from __future__ import annotations

import numpy as np
import pytest
from river import drift as river_drift
from scipy import stats

from adlib.drift import ADWIN, DDM, PageHinkley, ks_drift, mmd_test, psi, psi_band


def rate_bound(alpha: float, trials: int) -> float:
    """alpha plus three binomial standard errors: the most a correct test should exceed."""
    return alpha + 3 * np.sqrt(alpha * (1 - alpha) / trials)


# --- KS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("correction", ["bonferroni", "fdr"])
def test_ks_false_alarm_rate_under_no_drift_is_at_most_alpha(rng, correction):
    trials = 300
    alarms = [
        ks_drift(
            rng.normal(size=(200, 10)), rng.normal(size=(200, 10)), correction=correction
        ).any_drift
        for _ in range(trials)
    ]
    assert np.mean(alarms) <= rate_bound(0.05, trials)


def test_ks_without_correction_would_alarm_far_more_often(rng):
    trials = 300
    per_feature = [
        ks_drift(rng.normal(size=(200, 10)), rng.normal(size=(200, 10))).p_value.min() <= 0.05
        for _ in range(trials)
    ]
    assert np.mean(per_feature) > 0.3  # 1 - 0.95**10 = 0.40


def test_ks_finds_the_shifted_feature(rng):
    hits, others = 0, 0
    for _ in range(50):
        current = rng.normal(size=(500, 5))
        current[:, 3] += 0.5
        result = ks_drift(rng.normal(size=(500, 5)), current)
        hits += result.drifted[3]
        others += result.drifted[[0, 1, 2, 4]].sum()
    assert hits >= 48 and others <= 8  # 200 null tests at 0.05 / 5 each: about 2 expected


def test_ks_matches_scipy_per_feature(rng):
    reference, current = rng.normal(size=(100, 3)), rng.normal(0.2, 1.0, size=(80, 3))
    result = ks_drift(reference, current)
    for j in range(3):
        expected = stats.ks_2samp(reference[:, j], current[:, j])
        assert result.statistic[j] == pytest.approx(expected.statistic)
        assert result.p_value[j] == pytest.approx(expected.pvalue)


def test_fdr_has_more_power_than_bonferroni_when_many_features_move(rng):
    reference, current = rng.normal(size=(150, 20)), rng.normal(size=(150, 20))
    current[:, :10] += 0.3
    bonferroni = ks_drift(reference, current, correction="bonferroni").drifted.sum()
    fdr = ks_drift(reference, current, correction="fdr").drifted.sum()
    assert fdr >= bonferroni


# --- PSI --------------------------------------------------------------------------------------


def test_psi_of_a_known_split():
    reference = np.arange(100.0)  # quartile bins hold 25 % each
    current = np.r_[np.full(50, 10.0), np.full(50, 90.0)]  # 50 % in the first and last bins
    shares = np.array([0.5, 1e-4, 1e-4, 0.5]), np.full(4, 0.25)
    expected = np.sum((shares[0] - shares[1]) * np.log(shares[0] / shares[1]))
    assert psi(reference, current, n_bins=4)[0] == pytest.approx(expected)


def test_psi_is_small_without_drift_and_large_under_a_shift(rng):
    reference = rng.normal(size=(5000, 2))
    same, shifted = rng.normal(size=(5000, 2)), rng.normal(1.0, 1.0, size=(5000, 2))
    assert psi_band(psi(reference, same).max()) == "stable"
    assert all(psi_band(v) == "significant shift" for v in psi(reference, shifted))


@pytest.mark.parametrize(
    ("value", "band"),
    [(0.0, "stable"), (0.099, "stable"), (0.1, "moderate shift"), (0.3, "significant shift")],
)
def test_psi_bands(value, band):
    assert psi_band(value) == band


# --- MMD --------------------------------------------------------------------------------------


def test_mmd_statistic_matches_the_definition(rng):
    reference, current = rng.normal(size=(7, 2)), rng.normal(0.5, 1.0, size=(5, 2))
    result = mmd_test(reference, current, n_permutations=9)
    pooled = np.vstack([reference, current])
    distances = ((pooled[:, None] - pooled[None]) ** 2).sum(-1)
    bandwidth = np.sqrt(np.median(distances[np.triu_indices(12, k=1)]))
    k = np.exp(-distances / (2 * bandwidth**2))
    expected = k[:7, :7].mean() + k[7:, 7:].mean() - 2 * k[:7, 7:].mean()
    assert result.bandwidth == pytest.approx(bandwidth)
    assert result.statistic == pytest.approx(expected)
    assert 0.1 <= result.p_value <= 1.0


def test_mmd_false_alarm_rate_under_no_drift_is_about_alpha(rng):
    trials = 150
    alarms = [
        mmd_test(
            rng.normal(size=(50, 2)), rng.normal(size=(50, 2)), n_permutations=99, seed=i
        ).drift
        for i in range(trials)
    ]
    assert np.mean(alarms) <= rate_bound(0.05, trials)


def test_mmd_sees_a_joint_change_that_per_feature_ks_misses(rng):
    positive = [[1.0, 0.9], [0.9, 1.0]]
    negative = [[1.0, -0.9], [-0.9, 1.0]]
    reference = rng.multivariate_normal([0, 0], positive, size=200)
    current = rng.multivariate_normal([0, 0], negative, size=200)
    assert mmd_test(reference, current, n_permutations=199).p_value <= 0.01
    assert not ks_drift(reference, current).any_drift


def test_mmd_power_under_a_mean_shift(rng):
    detected = [
        mmd_test(
            rng.normal(size=(100, 2)),
            rng.normal(0.6, 1.0, size=(100, 2)),
            n_permutations=99,
            seed=i,
        ).drift
        for i in range(20)
    ]
    assert np.mean(detected) >= 0.9


# --- streaming, against river ---------------------------------------------------------------


def river_indices(detector, stream) -> list[int]:
    found = []
    for i, x in enumerate(stream):
        detector.update(x)
        if detector.drift_detected:
            found.append(i)
    return found


@pytest.mark.parametrize("seed", range(5))
def test_ddm_matches_river(seed):
    rng = np.random.default_rng(seed)
    stream = np.r_[rng.random(2000) < 0.1, rng.random(2000) < 0.3, rng.random(2000) < 0.05]
    stream = stream.astype(float)
    ours = DDM().run(stream).tolist()
    assert ours == river_indices(river_drift.binary.DDM(), stream)
    assert ours  # the rise from 10 % to 30 % errors is found


@pytest.mark.parametrize("mode", ["up", "down", "both"])
@pytest.mark.parametrize("seed", range(3))
def test_page_hinkley_matches_river(mode, seed):
    rng = np.random.default_rng(seed)
    stream = np.r_[rng.normal(0, 1, 1500), rng.normal(2, 1, 1500), rng.normal(-1, 1, 1500)]
    ours = PageHinkley(threshold=30, mode=mode).run(stream).tolist()
    assert ours == river_indices(river_drift.PageHinkley(threshold=30, mode=mode), stream)
    assert ours


def test_adwin_matches_river_and_finds_a_shift(rng):
    stream = np.r_[rng.normal(0, 1, 2000), rng.normal(1, 1, 2000)]
    ours = ADWIN().run(stream).tolist()
    assert ours == river_indices(river_drift.ADWIN(), stream)
    assert any(2000 <= i < 2300 for i in ours)


def test_page_hinkley_needs_delta_and_threshold_sized_to_the_noise(rng):
    stream = rng.normal(size=5000)
    assert PageHinkley().run(stream).size > 0  # δ = 0.005 is tiny next to sd 1: a random walk
    assert PageHinkley(delta=0.5).run(stream).size == 0


def test_ddm_warns_before_it_detects():
    detector = DDM(warm_start=30)
    for x in np.r_[np.zeros(20), np.tile([0.0, 0.0, 0.0, 1.0], 50)]:
        detector.update(float(x))
    warned = drifted = None
    for i in range(200):
        drift = detector.update(1.0)
        if detector.warning_ and warned is None:
            warned = i
        if drift:
            drifted = i
            break
    assert warned is not None and drifted is not None and warned < drifted


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda r: ks_drift(r, r, alpha=0.0), ValueError, "alpha"),
        (lambda r: ks_drift(r, r, alpha=1.5), ValueError, "alpha"),
        (lambda r: ks_drift(r, r, correction="holm"), ValueError, "correction must be one of"),
        (lambda r: ks_drift(r, r[:, :2]), ValueError, "reference has 3 features but current has 2"),
        (lambda r: ks_drift(r, np.full((5, 3), np.nan)), ValueError, "NaN"),
        (lambda r: ks_drift(r, r[:1]), ValueError, "current"),
        (lambda r: psi(r, r, n_bins=1), ValueError, "n_bins"),
        (lambda r: psi(np.ones((20, 1)), r[:, :1]), ValueError, "constant"),
        (lambda r: mmd_test(np.ones((20, 2)), np.ones((20, 2))), ValueError, "bandwidth is 0"),
        (lambda r: mmd_test(r, r, n_permutations=0), ValueError, "n_permutations"),
        (lambda r: psi_band(-1.0), ValueError, "value"),
    ],
)
def test_batch_tests_reject_bad_input(rng, call, error, match):
    with pytest.raises(error, match=match):
        call(rng.normal(size=(30, 3)))


def test_streaming_detectors_reject_bad_input():
    with pytest.raises(ValueError, match="0/1 error stream"):
        DDM().update(0.5)
    with pytest.raises(ValueError, match="must exceed warning_threshold"):
        DDM(warning_threshold=3.0, drift_threshold=2.0)
    with pytest.raises(ValueError, match="mode must be one of"):
        PageHinkley(mode="sideways")
    with pytest.raises(ValueError, match="threshold"):
        PageHinkley(threshold=0.0)
    with pytest.raises(ValueError, match="delta"):
        ADWIN(delta=1.0)
    for detector in (DDM(), PageHinkley(), ADWIN()):
        with pytest.raises(ValueError, match="finite"):
            detector.update(float("nan"))
        with pytest.raises(ValueError, match="stream"):
            detector.run(np.ones((3, 2)))
