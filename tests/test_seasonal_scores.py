"""adlib.detectors.seasonal: seasonal baselines, signed scores and the holiday adjustment.

Cross-checked against pandas (``diff`` and a per-weekday ``groupby().rolling()``) and
statsmodels' own STL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.seasonal import STL

from adlib.data import simulate_logins
from adlib.data.simulators.logins import holiday_mask
from adlib.detectors import ARIMAResidualDetector, STLResidualDetector
from adlib.detectors.seasonal import (
    holidays_as_weekdays,
    seasonal_naive_score,
    seasonal_rolling_zscore,
    signed_scores,
)
from adlib.detectors.series import MAD_TO_SD

WEEKLY = np.array([1.00, 1.04, 1.03, 1.00, 0.93, 0.45, 0.38])


def log_logins(n: int = 210, seed: int = 0) -> np.ndarray:
    """Log daily counts with a weekly profile and 3 % noise, shape (n,)."""
    t = np.arange(n)
    return np.log(10_000 * WEEKLY[t % 7]) + 0.03 * np.random.default_rng(seed).normal(size=n)


# --- seasonal_naive_score -----------------------------------------------------------------


def test_seasonal_naive_score_matches_pandas_diff_over_a_robust_scale():
    x = log_logins()
    diff = pd.Series(x).diff(7).fillna(0.0).to_numpy()
    train = diff[7:140]
    scale = MAD_TO_SD * np.median(np.abs(train - np.median(train)))
    np.testing.assert_allclose(seasonal_naive_score(x, 7, 140), diff / scale, rtol=1e-12)


def test_seasonal_naive_score_is_zero_for_the_first_period_and_signed():
    x = log_logins()
    x[150] -= 1.0  # a drop
    x[170] += 1.0  # a spike
    score = seasonal_naive_score(x, 7, 140)
    assert (score[:7] == 0).all()
    assert score[150] < -10 and score[170] > 10
    assert score[157] > 10  # the echo one week after the drop


def test_seasonal_naive_score_ignores_changes_after_training_for_its_scale():
    x = log_logins()
    y = x.copy()
    y[150:] += np.random.default_rng(1).normal(scale=1.0, size=y.size - 150)
    a, b = seasonal_naive_score(x, 7, 140), seasonal_naive_score(y, 7, 140)
    np.testing.assert_array_equal(a[:140], b[:140])


@pytest.mark.parametrize(
    ("period", "n_train", "error", "match"),
    [
        (0, 100, ValueError, "period"),
        (7.0, 100, TypeError, "period"),
        (7, 8, ValueError, "n_train"),
        (7, 1000, ValueError, "n_train"),
    ],
)
def test_seasonal_naive_score_rejects_bad_arguments(period, n_train, error, match):
    with pytest.raises(error, match=match):
        seasonal_naive_score(log_logins(), period, n_train)


def test_seasonal_naive_score_rejects_a_training_stretch_without_spread():
    x = np.tile(np.log(WEEKLY), 30)  # the same week again and again: every change is 0
    with pytest.raises(ValueError, match="no spread"):
        seasonal_naive_score(x, 7, 140)


# --- seasonal_rolling_zscore --------------------------------------------------------------


def test_seasonal_rolling_zscore_matches_a_pandas_groupby_rolling():
    x = log_logins()
    phase = np.arange(x.size) % 7
    s = pd.Series(x)
    history = s.groupby(phase).shift(1)
    mean = history.groupby(phase).rolling(6, min_periods=6).mean().droplevel(0).sort_index()
    sd = history.groupby(phase).rolling(6, min_periods=6).std(ddof=0).droplevel(0).sort_index()
    expected = np.nan_to_num(((s - mean) / sd).to_numpy(), nan=0.0)
    np.testing.assert_allclose(seasonal_rolling_zscore(x, 7, 6), expected, rtol=1e-9, atol=1e-12)


def test_seasonal_rolling_zscore_sees_a_weekend_at_weekday_level():
    x = log_logins()
    saturday = 180 + (5 - 180 % 7)  # a Saturday (phase 5) late in the series
    x[saturday] = np.log(10_000)  # a weekday's level
    z = seasonal_rolling_zscore(x, 7, 6)
    assert z[saturday] > 10
    assert np.abs(z).argmax() == saturday


def test_seasonal_rolling_zscore_needs_enough_periods():
    with pytest.raises(ValueError, match="at least 49"):
        seasonal_rolling_zscore(log_logins(48), 7, 6)
    with pytest.raises(ValueError, match="window"):
        seasonal_rolling_zscore(log_logins(), 7, 1)


# --- signed_scores ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "detector",
    [STLResidualDetector(period=7), ARIMAResidualDetector((1, 0, 1), (0, 1, 1, 7))],
    ids=["STL", "ARIMA"],
)
def test_signed_scores_keep_the_magnitude_and_take_the_residual_sign(detector):
    x = log_logins()
    x[150] -= 1.0
    x[170] += 1.0
    detector.fit(x[:140])
    signed = signed_scores(detector, x)
    np.testing.assert_array_equal(np.abs(signed), detector.score_series(x))
    assert signed[150] < 0 < signed[170]


def test_signed_scores_refuse_something_that_is_not_a_series_detector():
    with pytest.raises(TypeError, match="SeriesDetector"):
        signed_scores(object(), log_logins())


def test_signed_scores_refuse_an_unfitted_detector():
    with pytest.raises(ValueError, match="not fitted"):
        signed_scores(STLResidualDetector(period=7), log_logins())


# --- holidays_as_weekdays -----------------------------------------------------------------


@pytest.fixture(scope="module")
def scenario():
    return simulate_logins(n_days=730, seed=0)


def test_holidays_as_weekdays_matches_statsmodels_stl_by_hand(scenario):
    frame = scenario.frame
    x = np.log(frame["logins"].to_numpy())
    holiday = holiday_mask(frame.index)
    seasonal = STL(x[:365], period=7, seasonal=7, robust=True).fit().seasonal
    weekday = frame.index.day_of_week.to_numpy()
    profile = np.array([seasonal[weekday[:365] == d].mean() for d in range(7)])
    expected = x + np.where(holiday, profile[weekday] - profile[6], 0.0)
    np.testing.assert_allclose(
        holidays_as_weekdays(x, frame.index, holiday, 365), expected, rtol=0, atol=1e-12
    )


def test_holidays_as_weekdays_changes_only_holidays_and_lifts_weekday_ones(scenario):
    frame = scenario.frame
    x = np.log(frame["logins"].to_numpy())
    holiday = holiday_mask(frame.index)
    moved = holidays_as_weekdays(x, frame.index, holiday, 365)
    np.testing.assert_array_equal(moved[~holiday], x[~holiday])
    workday = holiday & (frame.index.day_of_week < 5)
    assert (moved[workday] - x[workday] > 0.5).all()  # a weekday is ~2.5x a Sunday
    sunday = holiday & (frame.index.day_of_week == 6)
    np.testing.assert_allclose(moved[sunday], x[sunday])


def test_holidays_as_weekdays_validates_its_inputs(scenario):
    frame = scenario.frame
    x = np.log(frame["logins"].to_numpy())
    holiday = holiday_mask(frame.index)
    with pytest.raises(TypeError, match="DatetimeIndex"):
        holidays_as_weekdays(x, list(frame.index), holiday, 365)
    with pytest.raises(ValueError, match="dates has"):
        holidays_as_weekdays(x, frame.index[:-1], holiday, 365)
    with pytest.raises(ValueError, match="booleans"):
        holidays_as_weekdays(x, frame.index, holiday.astype(int), 365)
    with pytest.raises(ValueError, match="n_train"):
        holidays_as_weekdays(x, frame.index, holiday, 10)
