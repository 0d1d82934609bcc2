"""The fleet's online detector: its equations against pandas and a scalar loop, its tails."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from adlib.fleet.detector import FleetDetector, SeriesState, tail_thresholds
from adlib.thresholds.pot import gpd_tail_quantile


def scalar_reference(x, alpha, clip, warmup, eps):
    """The module docstring's equations for one series, one value at a time."""
    mean = var = 0.0
    out = []
    for n, value in enumerate(x):
        error = value - mean
        sd = math.sqrt(var)
        z = error / math.sqrt(var + eps**2)
        if n >= warmup and sd > 0:
            error = min(max(error, -clip * sd), clip * sd)
        rate = max(alpha, 1.0 / (n + 1))
        mean += rate * error
        var = (1.0 - rate) * (var + rate * error**2)
        out.append(z if n >= warmup else 0.0)
    return np.array(out), mean, var


@pytest.fixture(scope="module")
def calibration():
    rng = np.random.default_rng(0)
    return rng.normal(10.0, 2.0, size=(400, 30))


def test_without_clipping_it_is_pandas_ewm():
    # alpha = 0.5 makes the warm-up rate max(alpha, 1/(n+1)) equal pandas' adjust=False start
    x = np.random.default_rng(1).normal(size=(60, 4))
    detector = FleetDetector(alpha=0.5, clip=1e9, warmup=1)
    _, state = detector.score(x, SeriesState.cold(range(4)))
    ewm = pd.DataFrame(x).ewm(alpha=0.5, adjust=False)
    np.testing.assert_allclose(state.mean, ewm.mean().iloc[-1], rtol=1e-12)
    np.testing.assert_allclose(state.var, ewm.var(bias=True).iloc[-1], rtol=1e-12)


def test_first_values_give_the_running_mean_and_variance():
    x = np.random.default_rng(2).normal(size=(5, 3))
    _, state = FleetDetector(alpha=0.01, warmup=10).score(x, SeriesState.cold(range(3)))
    np.testing.assert_allclose(state.mean, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(state.var, x.var(axis=0), rtol=1e-12)


def test_vectorised_equals_the_scalar_equations_with_outliers():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 5))
    x[rng.random(x.shape) < 0.03] += 25.0
    detector = FleetDetector(alpha=0.1, clip=2.5, warmup=12, min_scale=1e-6)
    z, state = detector.score(x, SeriesState.cold(range(5)))
    for j in range(5):
        z_ref, mean, var = scalar_reference(x[:, j], 0.1, 2.5, 12, 1e-6)
        np.testing.assert_allclose(z[:, j], z_ref, rtol=1e-10, atol=1e-12)
        assert state.mean[j] == pytest.approx(mean, rel=1e-12)
        assert state.var[j] == pytest.approx(var, rel=1e-12)


def test_clipping_keeps_an_outlier_from_moving_the_state():
    x = np.full((100, 1), 5.0) + np.random.default_rng(4).normal(0, 0.1, (100, 1))
    spiked = x.copy()
    spiked[60] = 1e4
    robust = FleetDetector(alpha=0.05, clip=3.0, warmup=10)
    _, calm = robust.score(x[:61], SeriesState.cold([0]))
    _, hit = robust.score(spiked[:61], SeriesState.cold([0]))
    assert abs(hit.mean[0] - calm.mean[0]) < 0.1
    _, naive = FleetDetector(alpha=0.05, clip=1e12, warmup=10).score(
        spiked[:61], SeriesState.cold([0])
    )
    assert naive.mean[0] > 400.0


def test_a_series_constant_at_first_still_learns():
    x = np.r_[np.zeros(50), np.random.default_rng(5).normal(1e-3, 1e-4, 200)][:, None]
    z, state = FleetDetector(warmup=10).score(x, SeriesState.cold([0]))
    assert state.mean[0] == pytest.approx(1e-3, rel=0.2)
    assert np.mean(np.abs(z[-50:]) > 5) < 0.1


def test_rows_of_a_subset_in_any_order_equal_the_whole_fleet(calibration):
    detector = FleetDetector().fit(calibration)
    new = np.random.default_rng(6).normal(10.0, 2.0, size=(6, 30))
    z, after = detector.score(new)
    ids = np.array([3, 7, 11, 29])
    rows = pd.DataFrame(
        {
            "series": np.tile(ids, 6),
            "step": np.repeat(np.arange(6), 4),
            "value": new[:, ids].ravel(),
        }
    ).sample(frac=1.0, random_state=0)
    z_rows, bucket = detector.score_rows(detector.state_.take(ids), *rows.to_numpy().T)
    np.testing.assert_array_equal(z_rows, z[rows["step"], rows["series"]])
    np.testing.assert_array_equal(bucket.mean, after.mean[ids])
    np.testing.assert_array_equal(detector.state_.mean, detector.state_.take(range(30)).mean)


def test_state_packs_to_bytes_and_back(calibration):
    state = FleetDetector().fit(calibration).state_.take([0, 5, 9])
    back = SeriesState.unpack(state.pack())
    for name in ("series", "mean", "var", "count"):
        np.testing.assert_array_equal(getattr(back, name), getattr(state, name))
    assert back.series.dtype == np.int64 and back.count.dtype == np.int64


def test_thresholds_reach_the_risk_on_new_data():
    rng = np.random.default_rng(7)
    scores = np.abs(rng.standard_t(df=5, size=(20_000, 8)))
    thresholds = tail_thresholds(scores, risk=1e-3, tail_level=0.95)
    fresh = np.abs(rng.standard_t(df=5, size=(200_000, 8)))
    rates = (fresh > thresholds).mean(axis=0)
    assert np.all((rates > 3e-4) & (rates < 3e-3))


def test_threshold_formula_matches_the_scalar_pot_quantile():
    scores = np.abs(np.random.default_rng(8).normal(size=(5000, 3)))
    thresholds = tail_thresholds(scores, risk=1e-4, tail_level=0.98)
    for j in range(3):
        column = scores[:, j]
        u = np.quantile(column, 0.98)
        y = column[column > u] - u
        ratio = y.mean() ** 2 / y.var(ddof=1)
        shape, scale = 0.5 * (1 - ratio), 0.5 * y.mean() * (1 + ratio)
        ref = gpd_tail_quantile(u, shape, scale, 1e-4, column.size, y.size)
        assert thresholds[j] == pytest.approx(ref, rel=1e-10)


def test_moment_estimates_recover_a_known_tail():
    shape, scale = 0.2, 1.5
    y = stats.genpareto.rvs(shape, scale=scale, size=(400_000, 1), random_state=9)
    threshold = tail_thresholds(y, risk=1e-4, tail_level=0.5)[0]
    assert threshold == pytest.approx(stats.genpareto.ppf(1 - 1e-4, shape, scale=scale), rel=0.1)


def test_fit_sets_a_threshold_per_series_and_flags(calibration):
    detector = FleetDetector(risk=1e-3, min_threshold=2.0).fit(calibration)
    assert detector.thresholds_.shape == (30,) and np.all(detector.thresholds_ >= 2.0)
    z = np.zeros((2, 30))
    z[1, 4] = 100.0
    flags = detector.flags(z)
    assert flags.sum() == 1 and flags[1, 4]
    assert detector.flags(np.array([100.0, 0.0]), series=[4, 5]).tolist() == [True, False]


@pytest.mark.parametrize(
    ("values", "error", "match"),
    [
        (np.full((50, 2), np.nan), ValueError, "NaN"),
        (np.ones((50, 2)) * 1e200, ValueError, "overflow"),
        (np.ones(50), ValueError, "2-D"),
        (np.ones((50, 2)) + 1j, TypeError, "complex"),
        (np.array([["a", "b"]] * 50), TypeError, "numbers"),
        (np.ones((20, 2)), ValueError, "warmup"),
    ],
)
def test_bad_values_are_refused(values, error, match):
    with pytest.raises(error, match=match):
        FleetDetector(warmup=12).fit(values)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alpha": 0.0}, "alpha"),
        ({"alpha": 1.5}, "alpha"),
        ({"clip": -1.0}, "clip"),
        ({"warmup": 0}, "warmup"),
        ({"risk": 0.5}, "risk"),
        ({"min_scale": 0.0}, "min_scale"),
    ],
)
def test_bad_parameters_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FleetDetector(**kwargs)


def test_unfitted_and_mismatched_use_is_refused(calibration):
    with pytest.raises(ValueError, match="not fitted"):
        FleetDetector().score(calibration)
    detector = FleetDetector().fit(calibration)
    with pytest.raises(ValueError, match="covers 30 series"):
        detector.score(calibration[:, :5])
    with pytest.raises(TypeError, match="SeriesState"):
        detector.score(calibration, state="warm")
    with pytest.raises(ValueError, match="not in this state"):
        detector.score_rows(detector.state_.take([1, 2]), [3], [0], [1.0])
    with pytest.raises(ValueError, match="repeats"):
        detector.score_rows(detector.state_, [1, 1], [0, 0], [1.0, 2.0])
    with pytest.raises(ValueError, match="repeat"):
        SeriesState.cold([1, 1])
