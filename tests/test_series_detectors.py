"""adlib.detectors.series: rolling z-score, STL and ARIMA residuals, changepoints.

Cross-checked against a direct loop, statsmodels' own STL and SARIMAX results, scipy's t-test
and ruptures (a test-only reference implementation of binary segmentation and dynamic
programming changepoints).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import ruptures as rpt
from scipy.stats import ttest_ind
from sklearn.base import clone
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.statespace.sarimax import SARIMAX

from adlib.data import load_nile
from adlib.detectors import (
    ARIMAResidualDetector,
    STLResidualDetector,
    cusum_changepoint,
    mean_shift_changepoints,
    rolling_zscore,
)

WEEKLY = np.array([1.00, 1.04, 1.03, 1.00, 0.93, 0.45, 0.38])
SPIKE, DROP = 230, 251  # injected into the seasonal series, after the training stretch
N_TRAIN = 196  # 28 weeks


def logins(n: int = 280, seed: int = 0) -> np.ndarray:
    """Log daily counts with a weekly profile, slow growth and 3 % noise, shape (n,)."""
    t = np.arange(n)
    level = 10_000 * (1 + 0.1 * t / 365) * WEEKLY[t % 7]
    return np.log(level) + 0.03 * np.random.default_rng(seed).normal(size=n)


@pytest.fixture(scope="module")
def seasonal() -> np.ndarray:
    """:func:`logins` with a spike (+0.5, about +65 %) at SPIKE and a drop (−0.5) at DROP."""
    x = logins()
    x[SPIKE] += 0.5
    x[DROP] -= 0.5
    return x


@pytest.fixture(scope="module")
def arima(seasonal) -> ARIMAResidualDetector:
    """The weekly SARIMA of notebook 06, fitted on the clean first 28 weeks."""
    return ARIMAResidualDetector((1, 0, 1), (1, 0, 1, 7)).fit(seasonal[:N_TRAIN])


def noisy_steps(seed: int, means: tuple[float, ...], n: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([m + rng.normal(size=n) for m in means])


# --- rolling z-score ----------------------------------------------------------------------


def loop_zscore(x: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    out = np.zeros(len(x))
    for t in range(len(x)):
        history = x[max(0, t - window) : t]
        if len(history) >= min_periods:
            out[t] = (x[t] - history.mean()) / history.std()
    return out


@pytest.mark.parametrize(("window", "min_periods"), [(10, None), (10, 4), (2, 2), (25, 25)])
def test_rolling_zscore_matches_a_direct_loop(window, min_periods, rng):
    x = np.cumsum(rng.normal(size=120)) + 50
    expected = loop_zscore(x, window, window if min_periods is None else min_periods)
    signed = rolling_zscore(x, window, min_periods, signed=True)
    np.testing.assert_allclose(signed, expected, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(rolling_zscore(x, window, min_periods), np.abs(expected), atol=1e-8)
    assert (signed[: window if min_periods is None else min_periods] == 0).all()


def test_rolling_zscore_sign_tells_drops_from_spikes(rng):
    x = 100 + rng.normal(size=200)
    x[120] += 10
    x[160] -= 10
    z = rolling_zscore(pd.Series(x), 30, signed=True)
    assert z[120] > 5 and z[160] < -5
    assert set(np.argsort(rolling_zscore(x, 30))[-2:]) == {120, 160}
    # the spike is not part of its own reference, so it cannot mask itself
    assert z[120] == pytest.approx((x[120] - x[90:120].mean()) / x[90:120].std())


def test_rolling_zscore_of_a_break_from_a_flat_stretch_is_large_but_finite(rng):
    x = np.concatenate([rng.normal(size=50), np.full(20, 2.0), [2.0, 5.0]])
    z = rolling_zscore(x.reshape(-1, 1), 10)
    assert np.isfinite(z).all()
    assert z[70] == 0.0  # equal to its flat history
    assert z[71] == pytest.approx(3.0 / (1e-6 * x.std()))


# --- STL ----------------------------------------------------------------------------------


def test_stl_residuals_are_statsmodels_stl_residuals(seasonal):
    detector = STLResidualDetector(period=7).fit(seasonal[:N_TRAIN])
    train = STL(seasonal[:N_TRAIN], period=7, seasonal=7, robust=True).fit()
    for part in ("trend", "seasonal", "resid"):
        np.testing.assert_array_equal(getattr(detector.decomposition_, part), getattr(train, part))
    mad = np.median(np.abs(train.resid - np.median(train.resid)))
    assert detector.scale_ == pytest.approx(1.4826 * mad, rel=1e-12)
    full = STL(seasonal, period=7, seasonal=7, robust=True).fit().resid
    np.testing.assert_array_equal(detector.residuals(seasonal), full)
    np.testing.assert_allclose(detector.score_series(seasonal), np.abs(full) / detector.scale_)


def test_stl_parameters_reach_statsmodels(seasonal):
    detector = STLResidualDetector(period=14, robust=False, seasonal=11).fit(seasonal[:N_TRAIN])
    expected = STL(seasonal, period=14, seasonal=11, robust=False).fit().resid
    np.testing.assert_array_equal(detector.residuals(seasonal), expected)


# --- ARIMA --------------------------------------------------------------------------------


def test_arima_residuals_are_statsmodels_one_step_residuals(arima, seasonal):
    standardised = (seasonal - arima.center_) / arima.spread_
    model = SARIMAX(standardised, order=(1, 0, 1), seasonal_order=(1, 0, 1, 7))
    expected = model.filter(arima.results_.params).resid * arima.spread_
    np.testing.assert_allclose(arima.residuals(seasonal), expected, rtol=1e-9, atol=1e-12)
    # on the training stretch, the residuals of the fit itself
    np.testing.assert_allclose(
        arima.residuals(seasonal[:N_TRAIN]), arima.results_.resid * arima.spread_, rtol=1e-9
    )
    assert (arima.center_, arima.spread_) == (seasonal[:N_TRAIN].mean(), seasonal[:N_TRAIN].std())


def test_arima_fit_converges_quietly_and_deterministically(seasonal):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any ConvergenceWarning or other warning fails
        detector = ARIMAResidualDetector((1, 0, 1), (1, 0, 1, 7), trend="c")
        detector.fit(seasonal[:N_TRAIN])
    assert detector.results_.mle_retvals["converged"]
    again = clone(detector).fit(seasonal[:N_TRAIN])
    np.testing.assert_array_equal(again.results_.params, detector.results_.params)
    np.testing.assert_array_equal(again.score_series(seasonal), detector.score_series(seasonal))


def test_arima_warmup_steps_score_zero(arima, seasonal):
    scores = arima.score_series(seasonal[N_TRAIN:])
    assert (scores[:8] == 0).all() and (scores[8:] > 0).all()  # 0 + 0 + max(1 + 7, 1 + 7)
    differenced = ARIMAResidualDetector((0, 1, 1)).fit(seasonal[:N_TRAIN])
    assert (differenced.score_series(seasonal)[:2] == 0).all()


# --- both residual detectors find the injected events -------------------------------------


@pytest.mark.parametrize("kind", ["stl", "arima"])
def test_residual_detectors_find_spike_and_drop(kind, arima, seasonal):
    detector = arima if kind == "arima" else STLResidualDetector(period=7).fit(seasonal[:N_TRAIN])
    scores = detector.score_series(seasonal)
    assert scores.shape == seasonal.shape and np.isfinite(scores).all()
    assert set(np.argsort(scores)[-2:]) == {SPIKE, DROP}
    assert scores[SPIKE] > 6 and scores[DROP] > 6
    residuals = detector.residuals(seasonal)
    assert residuals[SPIKE] > 0 > residuals[DROP]


# --- changepoints -------------------------------------------------------------------------


def ruptures_split(x: np.ndarray, algo) -> int:
    return algo(model="l2", min_size=2, jump=1).fit(x).predict(n_bkps=1)[0]


CHANGE_SERIES = {
    "step": noisy_steps(0, (0.0, 1.5)),
    "small step": noisy_steps(1, (0.0, 0.4), n=60),
    "three levels": noisy_steps(2, (0.0, 2.0, -1.0)),
    "noise only": noisy_steps(3, (5.0,)),
    "random walk": np.cumsum(noisy_steps(4, (0.0,), n=150)),
    "nile": load_nile().to_numpy(),
}


@pytest.mark.parametrize("name", CHANGE_SERIES)
def test_cusum_changepoint_matches_ruptures_and_brute_force(name):
    x = CHANGE_SERIES[name]
    change = cusum_changepoint(x)
    assert change.index == ruptures_split(x, rpt.Binseg) == ruptures_split(x, rpt.Dynp)
    sse = [
        ((x[:k] - x[:k].mean()) ** 2).sum() + ((x[k:] - x[k:].mean()) ** 2).sum()
        for k in range(2, len(x) - 1)
    ]
    assert change.index == 2 + int(np.argmin(sse))
    t = ttest_ind(x[: change.index], x[change.index :]).statistic
    assert change.statistic == pytest.approx(abs(t), rel=1e-9)
    assert (change.mean_before, change.mean_after) == pytest.approx(
        (x[: change.index].mean(), x[change.index :].mean())
    )


def test_nile_change_is_after_1898():
    nile = load_nile()
    change = cusum_changepoint(nile)
    assert change.index == 28
    assert nile.index[change.index - 1] == 1898 and nile.index[change.index] == 1899
    assert change.mean_before == pytest.approx(1097.75)
    assert change.mean_after == pytest.approx(849.97, abs=0.01)


@pytest.mark.parametrize("min_size", [1, 5])
def test_cusum_respects_min_size(min_size):
    x = np.r_[10.0, np.zeros(30)] + 0.01 * np.random.default_rng(0).normal(size=31)
    expected = rpt.Dynp(model="l2", min_size=min_size, jump=1).fit(x).predict(n_bkps=1)[0]
    assert cusum_changepoint(x, min_size=min_size).index == expected == max(1, min_size)


@pytest.mark.parametrize(("name", "n"), [("three levels", 2), ("random walk", 4), ("nile", 3)])
def test_binary_segmentation_matches_ruptures_binseg(name, n):
    x = CHANGE_SERIES[name]
    expected = rpt.Binseg(model="l2", min_size=2, jump=1).fit(x).predict(n_bkps=n)[:-1]
    np.testing.assert_array_equal(mean_shift_changepoints(x, n), expected)


def test_binary_segmentation_finds_planted_changes():
    x = noisy_steps(5, (0.0, 3.0, -2.0, 1.0))
    np.testing.assert_array_equal(mean_shift_changepoints(x, 3), [40, 80, 120])


def test_a_clean_step_has_an_infinite_statistic():
    change = cusum_changepoint([1.0, 1.0, 1.0, 4.0, 4.0])
    assert (change.index, change.statistic) == (3, np.inf)


# --- bad input ----------------------------------------------------------------------------


def _with_nan(x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=float)
    x[20] = np.nan
    return x


SERIES_CALLS = {
    "rolling_zscore": lambda x: rolling_zscore(x, 7),
    "cusum_changepoint": cusum_changepoint,
    "mean_shift_changepoints": lambda x: mean_shift_changepoints(x, 2),
    "STL fit": lambda x: STLResidualDetector(period=7).fit(x),
    "ARIMA fit": lambda x: ARIMAResidualDetector().fit(x),
}


@pytest.mark.parametrize("call", SERIES_CALLS)
def test_nan_gaps_multichannel_and_constant_series_are_rejected(call, seasonal):
    run = SERIES_CALLS[call]
    x = seasonal[:N_TRAIN]
    with pytest.raises(ValueError, match=r"series with NaN gaps \(1 NaN and 0 infinite.*impute"):
        run(_with_nan(x))
    huge = np.array(x, dtype=float)
    huge[20] = -1e300
    with pytest.raises(ValueError, match=r"series holds a value of magnitude 1e\+300, above the"):
        run(huge)
    with pytest.raises(TypeError, match=r"series is complex \(dtype complex128\).*np\.real"):
        run(x + 0j)
    with pytest.raises(ValueError, match=r"shape \(196, 2\): 2 channels.*one series at a time"):
        run(np.column_stack([x, x]))
    with pytest.raises(ValueError, match=r"one series of shape \(n_steps,\)"):
        run(x[None, :, None])
    with pytest.raises(ValueError, match=r"series is constant \(every value is 3\.0\)"):
        run(np.full(N_TRAIN, 3.0))
    with pytest.raises(TypeError, match="series is None"):
        run(None)


@pytest.mark.parametrize("detector", [STLResidualDetector(period=7), ARIMAResidualDetector()])
def test_residual_detectors_reject_unfitted_use_and_gaps_when_scoring(detector, seasonal):
    with pytest.raises(ValueError, match=r"not fitted yet; call \.fit\(series_train\)"):
        detector.score_series(seasonal)
    detector.fit(seasonal[:N_TRAIN])
    with pytest.raises(ValueError, match=r"NaN gaps .* impute or drop the gap before scoring"):
        detector.score_series(_with_nan(seasonal))
    with pytest.raises(ValueError, match=r"series holds a value of magnitude 1e\+300"):
        detector.score_series(np.where(np.arange(seasonal.size) == 20, 1e300, seasonal))
    with pytest.raises(TypeError, match=r"series is complex"):
        detector.residuals(seasonal + 1j)
    with pytest.raises(ValueError, match="2 channels"):
        detector.residuals(np.column_stack([seasonal, seasonal]))


@pytest.mark.parametrize(
    ("run", "match"),
    [
        (lambda x: STLResidualDetector(period=7).fit(x[:13]), "13 steps but STL with period=7"),
        (
            lambda x: STLResidualDetector(period=7).fit(x).score_series(x[:10]),
            r"10 steps but STL with period=7 \(two full periods\) needs at least 14",
        ),
        (
            lambda x: ARIMAResidualDetector((1, 0, 1), (1, 0, 1, 7)).fit(x[:12]),
            r"12 steps but ARIMA\(1, 0, 1\)×\(1, 0, 1, 7\) \(8 warm-up steps.*at least 13",
        ),
        (
            lambda x: ARIMAResidualDetector((2, 0, 0)).fit(x).score_series(x[:2]),
            "2 steps but ARIMA warm-up of 2 steps plus one to score needs at least 3",
        ),
        (lambda x: rolling_zscore(x[:7], 7), "7 steps but a rolling z-score with min_periods=7"),
        (
            lambda x: cusum_changepoint(x[:3]),
            r"3 steps but 2 segments of 2\+ steps needs at least 4",
        ),
        (lambda x: mean_shift_changepoints(x[:8], 4, min_size=2), "needs at least 10"),
    ],
)
def test_too_short_series_are_rejected(run, match, seasonal):
    with pytest.raises(ValueError, match=match):
        run(seasonal[:N_TRAIN])


def test_binary_segmentation_stops_when_no_segment_can_be_split():
    x = np.r_[np.zeros(3), np.ones(3), np.zeros(3)] + np.arange(9) * 1e-3
    with pytest.raises(ValueError, match="no segment left to split after 2 changepoints"):
        mean_shift_changepoints(x, 3, min_size=2)


@pytest.mark.parametrize(
    ("run", "error", "match"),
    [
        (lambda x: rolling_zscore(x, 1), ValueError, r"window must be in \[2, inf\]"),
        (lambda x: rolling_zscore(x, 7.0), TypeError, "window must be an integer"),
        (lambda x: rolling_zscore(x, 7, 8), ValueError, r"min_periods must be in \[2, 7\]"),
        (lambda x: rolling_zscore(x, 7, signed=1), TypeError, "signed must be True or False"),
        (lambda x: cusum_changepoint(x, min_size=0), ValueError, r"min_size must be in \[1"),
        (lambda x: mean_shift_changepoints(x, 0), ValueError, r"n_changepoints must be in \[1"),
        (lambda x: STLResidualDetector(1).fit(x), ValueError, r"period must be in \[2, inf\]"),
        (lambda x: STLResidualDetector(7.0).fit(x), TypeError, "period must be an integer"),
        (lambda x: STLResidualDetector("7").fit(x), TypeError, "period must be an integer"),
        (lambda x: STLResidualDetector(7, seasonal=8).fit(x), ValueError, "odd .* use 9"),
        (lambda x: STLResidualDetector(7, seasonal=1).fit(x), ValueError, r"seasonal must be in"),
        (lambda x: STLResidualDetector(7, robust=1).fit(x), TypeError, "robust must be True"),
        (lambda x: ARIMAResidualDetector((1, 0)).fit(x), TypeError, r"order must be a tuple \(p"),
        (lambda x: ARIMAResidualDetector("101").fit(x), TypeError, "order must be a tuple"),
        (lambda x: ARIMAResidualDetector((-1, 0, 0)).fit(x), ValueError, r"order p must be in"),
        (lambda x: ARIMAResidualDetector((1.5, 0, 0)).fit(x), TypeError, "order p must be an int"),
        (
            lambda x: ARIMAResidualDetector(seasonal_order=(1, 0, 0)).fit(x),
            TypeError,
            r"seasonal_order must be a tuple \(P, D, Q, s\)",
        ),
        (
            lambda x: ARIMAResidualDetector(seasonal_order=(1, 0, 0, 1)).fit(x),
            ValueError,
            "s must be at least 2",
        ),
        (
            lambda x: ARIMAResidualDetector(trend="t").fit(x),
            ValueError,
            "trend must be None, 'n' or 'c', got 't'; a time trend would restart",
        ),
        (lambda x: ARIMAResidualDetector((0, 0, 0)).fit(x), ValueError, "all zero"),
    ],
)
def test_bad_parameters_are_rejected(run, error, match, seasonal):
    with pytest.raises(error, match=match):
        run(seasonal[:N_TRAIN])


def test_parameters_are_stored_untouched_and_cloned():
    order = [2, 0, 1]
    detector = ARIMAResidualDetector(order=order, trend="c")
    assert detector.get_params()["order"] is order
    assert clone(STLResidualDetector(period=7)).get_params() == {
        "period": 7,
        "robust": True,
        "seasonal": 7,
    }


def test_a_noise_free_training_stretch_is_rejected():
    x = np.tile(np.log(WEEKLY), 8)  # exactly periodic: every STL residual is 0
    with pytest.raises(ValueError, match=r"residuals have no spread .*fit on a real, noisy"):
        STLResidualDetector(period=7).fit(x)
