"""Seasonal baselines, signed scores and a calendar adjustment for one daily series (notebook 06).

A detector that ignores the weekly cycle mistakes every weekend for a drop. The two baselines
here bring the cycle back in the simplest ways: compare each step with the same phase one
period earlier (:func:`seasonal_naive_score`), or with the same phase over the last few periods
(:func:`seasonal_rolling_zscore`). :func:`signed_scores` gives a residual detector's score a
sign, negative for drops (outages) and positive for spikes (bot traffic), and
:func:`holidays_as_weekdays` moves known holidays from the Sunday level back to their own
weekday's level, so that a calendar fact stops looking like an outage. Series are (n_steps,)
arrays of log counts, evenly spaced by one day; every result is aligned with the input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adlib._validation import check_int
from adlib.detectors.series import (
    SeriesDetector,
    STLResidualDetector,
    as_series,
    robust_scale,
    rolling_zscore,
)


def seasonal_naive_score(series: object, period: int, n_train: int) -> np.ndarray:
    """Signed change from one period earlier, in robust sd of the training changes, (n_steps,).

    score_t = (x_t − x_{t−period}) / s, with s the MAD-based sd (:func:`robust_scale`) of the
    changes over steps ``period`` … ``n_train − 1`` (the training stretch, which must hold more
    than one period). The first ``period`` steps have no reference and score 0. On daily log
    counts with ``period=7`` it is the trivial "same weekday last week" baseline of notebook 06:
    it knows the week, but an anomaly seven days ago makes today look anomalous too (an echo).
    """
    x = as_series(series, "series", purpose="computing the seasonal naive score")
    period = check_int(period, "period", low=1)
    n_train = check_int(n_train, "n_train", low=period + 2, high=x.shape[0])
    diff = np.r_[np.zeros(period), x[period:] - x[:-period]]
    scale = robust_scale(diff[period:n_train])
    if scale <= 0:
        raise ValueError(
            f"the training changes x_t - x_(t-{period}) have no spread (MAD 0), so every change "
            "would score infinitely; pass a noisy training stretch or a longer n_train."
        )
    return diff / scale


def seasonal_rolling_zscore(series: object, period: int, window: int) -> np.ndarray:
    """Signed rolling z-score of each step against the same phase in the previous periods.

    For each phase p of the cycle (``series[p::period]``: the Mondays, the Tuesdays, … when
    ``period=7`` on daily data), :func:`rolling_zscore` with ``window`` past periods and
    ``signed=True``; shape (n_steps,), 0 until a phase has ``window`` earlier values. It keeps
    the trailing, self-excluding z-score of notebook 06 but compares a Saturday with Saturdays,
    so a weekend at weekday level stands out. Every phase needs ``window + 1`` values, i.e. the
    series at least ``period × (window + 1)`` steps.
    """
    x = as_series(series, "series", purpose="computing the seasonal rolling z-score")
    period = check_int(period, "period", low=1)
    window = check_int(window, "window", low=2)
    if x.shape[0] < period * (window + 1):
        raise ValueError(
            f"series has {x.shape[0]} steps but a window of {window} past periods of {period} "
            f"needs at least {period * (window + 1)}; pass a longer series or a smaller window."
        )
    z = np.zeros_like(x)
    for phase in range(period):
        z[phase::period] = rolling_zscore(x[phase::period], window, signed=True)
    return z


def signed_scores(detector: SeriesDetector, series: object) -> np.ndarray:
    """A fitted residual detector's score with the residual's sign, shape (n_steps,).

    sign(residual_t) × score_t: the magnitude ranks steps exactly as ``score_series`` does,
    the sign says which way the step left the model, negative for a drop and positive for a
    spike (notebook 06 reads it to tell an outage from a bot attack).
    """
    if not isinstance(detector, SeriesDetector):
        raise TypeError(
            f"detector must be a fitted SeriesDetector (STLResidualDetector, "
            f"ARIMAResidualDetector), got {type(detector).__name__}."
        )
    return np.sign(detector.residuals(series)) * detector.score_series(series)


def holidays_as_weekdays(
    series: object, dates: pd.DatetimeIndex, holiday: object, n_train: int
) -> np.ndarray:
    """Daily log counts with each holiday moved from the Sunday level to its weekday's level.

    A holiday on which a service behaves like a Sunday is a calendar fact, not an outage. A
    robust weekly STL of the training stretch (the first ``n_train`` days) gives the mean
    seasonal level of each weekday, S(d); on a holiday falling on weekday d the log count
    gets S(d) − S(Sunday) added, other days are returned unchanged, shape (n_steps,).
    ``dates`` (a daily DatetimeIndex) gives each day's weekday, ``holiday`` (n_steps,)
    booleans mark the holidays (known in advance: a calendar, not a label). Nothing after
    the training stretch is used to estimate the adjustment (notebook 06, section 3.5).
    """
    x = as_series(series, "series", purpose="adjusting holidays")
    if not isinstance(dates, pd.DatetimeIndex):
        raise TypeError(
            f"dates must be a pandas DatetimeIndex (one date per step), got "
            f"{type(dates).__name__}; pass frame.index of a daily frame."
        )
    if len(dates) != x.shape[0]:
        raise ValueError(f"dates has {len(dates)} entries but series has {x.shape[0]} steps.")
    mask = np.asarray(holiday)
    if mask.dtype != bool or mask.shape != x.shape:
        raise ValueError(
            f"holiday must be {x.shape[0]} booleans, one per day, got dtype {mask.dtype} and "
            f"shape {mask.shape}; build it with adlib.data.simulators.logins.holiday_mask."
        )
    n_train = check_int(n_train, "n_train", low=14, high=x.shape[0])
    seasonal = STLResidualDetector(period=7).fit(x[:n_train]).decomposition_.seasonal
    profile = pd.Series(seasonal).groupby(dates.day_of_week[:n_train]).mean().to_numpy()
    return np.where(mask, x + profile[dates.day_of_week] - profile[6], x)
