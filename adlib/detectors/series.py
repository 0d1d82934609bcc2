"""Classical detectors on one whole series, one score per time step (notebooks 06 and 07).

Where the window detectors of :mod:`adlib.detectors.windows` score windows, these score
every step of a single series directly: a trailing rolling z-score, the residual of an STL
decomposition or of an ARIMA one-step forecast, and least-squares changepoints in the mean.
A series is (n_steps,) or (n_steps, 1), evenly spaced and without gaps; a pandas Series is
read by its values (its index is ignored) and the results are NumPy arrays aligned with it.
The two residual detectors share a small contract, :class:`SeriesDetector`: ``fit(series)``
on a training stretch, ``residuals(series)`` (signed, in the series' units: negative for
drops, positive for spikes) and ``score_series(series)`` (|residual| in robust training
standard deviations, higher = more anomalous).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.statespace.sarimax import SARIMAX
from threadpoolctl import threadpool_limits

from adlib._validation import _as_numeric_array, _check_magnitude, check_int

#: MAD × 1.4826 is the standard deviation for Gaussian data: the robust scale of residuals.
MAD_TO_SD = 1.4826
# A flat stretch of history has zero spread; its sd is floored at this fraction of the
# whole series' sd so that the z-score stays finite and still ranks breaks by their size.
_FLAT_SD_FRACTION = 1e-6
# Training residuals with a robust sd below this fraction of the series' sd are round-off.
_NEGLIGIBLE_SCALE = 1e-9
_TRENDS = (None, "n", "c")


def as_series(series: object, name: str, *, purpose: str) -> np.ndarray:
    """Return one series as a finite float64 array of shape (n_steps,).

    Accepts (n_steps,) or (n_steps, 1) real values; several channels, NaN gaps, infinities
    and magnitudes that would overflow raise a ValueError (complex values a TypeError) that
    says how to fix them (``purpose`` completes "impute or drop the gap before ...").
    """
    array = _as_numeric_array(series, name)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim == 2:
        raise ValueError(
            f"{name} has shape {array.shape}: {array.shape[1]} channels, but these detectors "
            "model one series at a time; pass one column (series[:, j]) per call, or use a "
            "window detector (adlib.detectors.WindowDiscordDetector) for several channels."
        )
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be one series of shape (n_steps,) or (n_steps, 1), got shape "
            f"{array.shape}."
        )
    if not np.isfinite(array).all():
        n_nan, n_inf = int(np.isnan(array).sum()), int(np.isinf(array).sum())
        raise ValueError(
            f"{name} with NaN gaps ({n_nan} NaN and {n_inf} infinite values): impute or drop "
            f"the gap before {purpose}; these methods need an evenly spaced series without "
            "holes (interpolate short gaps: dropping them shifts the seasonal phase)."
        )
    _check_magnitude(array, name)
    return array


def _check_length(x: np.ndarray, name: str, min_steps: int, needs: str) -> None:
    if x.shape[0] < min_steps:
        raise ValueError(
            f"{name} has {x.shape[0]} steps but {needs} needs at least {min_steps}; pass a "
            "longer stretch."
        )


def _reject_constant(x: np.ndarray, name: str, method: str) -> None:
    if np.ptp(x) == 0:
        raise ValueError(
            f"{name} is constant (every value is {float(x[0])!r}), so {method} has nothing "
            "to model; check that the right column was passed."
        )


def rolling_zscore(
    series: object, window: int, min_periods: int | None = None, signed: bool = False
) -> np.ndarray:
    """Z-score of each step against the ``window`` steps *before* it, shape (n_steps,).

    z_t = (x_t − mean) / sd of x_{t−window}, ..., x_{t−1} (population sd, ddof=0): the
    history is trailing and excludes the step itself, so a spike cannot inflate the sd it
    is measured against and mask itself. Steps with fewer than ``min_periods`` (default
    ``window``) past steps have no reference and get 0. A perfectly flat history has sd 0;
    it is floored at 1e-6 × the sd of the whole series, so a break from a flat stretch
    scores very high but finite, ranked by its size. ``signed=False`` returns |z| (drops and
    spikes alike score high); ``signed=True`` keeps the sign, negative for drops (outages)
    and positive for spikes (bot traffic). Introduced in notebook 06.
    """
    x = as_series(series, "series", purpose="computing the rolling z-score")
    window = check_int(window, "window", low=2)
    min_periods = window if min_periods is None else min_periods
    min_periods = check_int(min_periods, "min_periods", low=2, high=window)
    if not isinstance(signed, bool):
        raise TypeError(f"signed must be True or False, got {signed!r}.")
    _check_length(x, "series", min_periods + 1, f"a rolling z-score with min_periods={min_periods}")
    _reject_constant(x, "series", "the rolling z-score")
    history = pd.Series(x).shift(1).rolling(window, min_periods=min_periods)
    sd = np.maximum(history.std(ddof=0).to_numpy(), _FLAT_SD_FRACTION * x.std())
    z = np.nan_to_num((x - history.mean().to_numpy()) / sd, nan=0.0)
    return z if signed else np.abs(z)


@dataclass(frozen=True)
class Changepoint:
    """One change in mean, from :func:`cusum_changepoint`.

    ``index`` is the first step of the new regime: ``series[:index]`` is before the change
    and ``series[index:]`` after it (the same convention as ruptures' breakpoints).
    ``statistic`` is the absolute two-sample t statistic of that split (pooled sd); as the
    best of all splits it is not t-distributed, so read it as a size, not a p-value.
    """

    index: int
    statistic: float
    mean_before: float
    mean_after: float


def _best_split(x: np.ndarray, min_size: int) -> tuple[int, float] | None:
    """The split k maximising the least-squares gain, and that gain; None if none fits.

    Splitting x into x[:k] and x[k:] lowers the sum of squared deviations from the segment
    means by C_k² · n / (k (n − k)), with C_k = Σ_{i<k} (x_i − x̄) the CUSUM, so the
    least-squares split is the maximum of the standardised CUSUM.
    """
    n = x.shape[0]
    k = np.arange(min_size, n - min_size + 1)
    if k.size == 0:
        return None
    cusum = np.cumsum(x - x.mean())[k - 1]
    gain = cusum**2 * n / (k * (n - k))
    best = int(np.argmax(gain))
    return int(k[best]), float(gain[best])


def _check_changepoint_input(
    series: object, min_size: object, n_segments: int
) -> tuple[np.ndarray, int]:
    x = as_series(series, "series", purpose="looking for changepoints")
    min_size = check_int(min_size, "min_size", low=1)
    _check_length(x, "series", n_segments * min_size, f"{n_segments} segments of {min_size}+ steps")
    _reject_constant(x, "series", "a change in mean")
    return x, min_size


def cusum_changepoint(series: object, min_size: int = 2) -> Changepoint:
    """The single change in mean that best splits the series by least squares.

    Tries every split into a before and an after segment of at least ``min_size`` steps
    and keeps the one with the smallest total squared deviation from the two segment means,
    which is the maximum of the standardised CUSUM |C_k| / sqrt(k (n − k) / n), C_k being
    the running sum of deviations from the overall mean (ties go to the earliest split).
    The same split as ruptures' ``Dynp``/``Binseg(model="l2", jump=1)`` with one
    breakpoint. On the Nile flows (:func:`adlib.data.load_nile`) it returns index 28: 1871-1898
    before, 1899 onwards after. Introduced in notebook 06.
    """
    x, min_size = _check_changepoint_input(series, min_size, 2)
    k, gain = _best_split(x, min_size)
    n = x.shape[0]
    residual = float(((x - x.mean()) ** 2).sum()) - gain
    statistic = np.inf if residual <= 0 else float(np.sqrt(gain * (n - 2) / residual))
    return Changepoint(k, statistic, float(x[:k].mean()), float(x[k:].mean()))


def split_t_statistics(series: object, min_size: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The two-sample t statistic of every split, as :func:`cusum_changepoint` scores them.

    Returns (k, t): every split index k (``series[:k]`` | ``series[k:]``, each side at least
    ``min_size`` steps) and the absolute t statistic of that split with a pooled sd, both of
    shape (n_splits,). Its maximum is :func:`cusum_changepoint`'s statistic and its argmax
    the changepoint; plotting t against k shows how sharply the data pick one split
    (notebook 06's Nile figure).
    """
    x, min_size = _check_changepoint_input(series, min_size, 2)
    n = x.shape[0]
    k = np.arange(min_size, n - min_size + 1)
    cusum = np.cumsum(x - x.mean())[k - 1]
    gain = cusum**2 * n / (k * (n - k))
    residual = ((x - x.mean()) ** 2).sum() - gain
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.sqrt(gain * (n - 2) / residual)
    return k, np.where(residual <= 0, np.inf, t)


def mean_shift_changepoints(series: object, n_changepoints: int, min_size: int = 2) -> np.ndarray:
    """``n_changepoints`` changes in mean by binary segmentation, as sorted step indices.

    Greedy: each round splits, by :func:`cusum_changepoint`'s least-squares rule, the one
    current segment whose best split lowers the squared error most. Each index is the first
    step of a new segment. Matches ruptures' ``Binseg(model="l2", jump=1)``; being greedy it
    can differ from the optimal ``Dynp`` segmentation once there are several changes.
    """
    n_changepoints = check_int(n_changepoints, "n_changepoints", low=1)
    x, min_size = _check_changepoint_input(series, min_size, n_changepoints + 1)
    bounds = [0, x.shape[0]]
    for _ in range(n_changepoints):
        best: tuple[float, int] | None = None
        for start, stop in pairwise(bounds):
            split = _best_split(x[start:stop], min_size)
            if split is not None and (best is None or split[1] > best[0]):
                best = (split[1], start + split[0])
        if best is None:
            raise ValueError(
                f"binary segmentation found no segment left to split after "
                f"{len(bounds) - 2} changepoints (min_size={min_size}); ask for fewer "
                "changepoints or a smaller min_size."
            )
        bounds = sorted([*bounds, best[1]])
    return np.asarray(bounds[1:-1], dtype=np.int64)


def robust_scale(residuals: np.ndarray) -> float:
    """MAD × 1.4826 of ``residuals``: their sd if Gaussian, barely moved by a few outliers."""
    return float(MAD_TO_SD * np.median(np.abs(residuals - np.median(residuals))))


class SeriesDetector(BaseEstimator):
    """Base class for residual detectors on one series (notebooks 06-07).

    Subclasses implement ``_requirements(fitting) -> (min_steps, needs, n_warmup)`` (which
    also validates the parameters), ``_fit(x) -> training residuals`` and
    ``_residuals(x)``. ``fit`` stores ``scale_``, the robust sd (:func:`robust_scale`) of
    the training residuals after the ``n_warmup`` first steps, which have no full history
    yet; ``score_series`` is |residual| / ``scale_`` with those first steps set to 0, as in
    :func:`rolling_zscore`.
    """

    def fit(self, series: object) -> SeriesDetector:
        """Fit on a normal training stretch of shape (n_steps,) or (n_steps, 1)."""
        min_steps, needs, n_warmup = self._requirements(fitting=True)
        x = as_series(series, "series", purpose=f"fitting {type(self).__name__}")
        _check_length(x, "series", min_steps, needs)
        _reject_constant(x, "series", type(self).__name__)
        scale = robust_scale(self._fit(x)[n_warmup:])
        if scale <= _NEGLIGIBLE_SCALE * x.std():
            raise ValueError(
                f"{type(self).__name__}: the training residuals have no spread (MAD × 1.4826 "
                f"= {scale:.3g} against a series sd of {x.std():.3g}), so the model reproduces "
                "the series exactly and any new residual would look infinitely anomalous; "
                "fit on a real, noisy stretch."
            )
        self.scale_ = scale
        return self

    def residuals(self, series: object) -> np.ndarray:
        """Signed residual of each step, shape (n_steps,), in the series' units."""
        if not hasattr(self, "scale_"):
            raise ValueError(
                f"This {type(self).__name__} is not fitted yet; call .fit(series_train) "
                "before scoring."
            )
        min_steps, needs, _ = self._requirements(fitting=False)
        x = as_series(series, "series", purpose="scoring")
        _check_length(x, "series", min_steps, needs)
        return self._residuals(x)

    def score_series(self, series: object) -> np.ndarray:
        """|residual| / ``scale_`` per step, shape (n_steps,); higher = more anomalous."""
        scores = np.abs(self.residuals(series)) / self.scale_
        scores[: self._requirements(fitting=False)[2]] = 0.0
        return scores

    def _requirements(self, fitting: bool) -> tuple[int, str, int]:
        raise NotImplementedError

    def _fit(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _residuals(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class STLResidualDetector(SeriesDetector):
    """Score = |STL residual| / robust sd of the training residuals (notebook 06).

    STL (statsmodels) splits a series into trend + seasonal (of length ``period``) +
    residual with LOESS smoothers; ``seasonal`` is the odd length of the seasonal smoother
    and ``robust=True`` downweights outliers while fitting, so a spike stays in the residual
    instead of bending the trend and season around it. ``fit`` decomposes the training
    stretch, keeps it as ``decomposition_`` (statsmodels' DecomposeResult: ``.trend``,
    ``.seasonal``, ``.resid`` arrays and ``.plot()``) and its residuals' robust sd as
    ``scale_``; ``score_series`` decomposes the series it is given with the same settings.
    Every series needs at least two full periods.
    """

    def __init__(self, period: int, robust: bool = True, seasonal: int = 7) -> None:
        self.period = period
        self.robust = robust
        self.seasonal = seasonal

    def _requirements(self, fitting):
        period = check_int(self.period, "period", low=2)
        seasonal = check_int(self.seasonal, "seasonal", low=3)
        if seasonal % 2 == 0:
            raise ValueError(
                f"seasonal must be odd (it is the length of a centred LOESS window), got "
                f"{seasonal}; use {seasonal + 1}."
            )
        if not isinstance(self.robust, bool):
            raise TypeError(f"robust must be True or False, got {self.robust!r}.")
        return 2 * period, f"STL with period={period} (two full periods)", 0

    def _decompose(self, x: np.ndarray):
        return STL(x, period=self.period, seasonal=self.seasonal, robust=self.robust).fit()

    def _fit(self, x):
        self.decomposition_ = self._decompose(x)
        return self.decomposition_.resid

    def _residuals(self, x):
        return self._decompose(x).resid


class ARIMAResidualDetector(SeriesDetector):
    """Score = |one-step-ahead ARIMA forecast error| / robust sd of the training errors.

    A statsmodels SARIMAX model with ``order`` (p, d, q), ``seasonal_order`` (P, D, Q, s)
    and ``trend`` (None or "n": no intercept, "c": an intercept) is fitted by maximum
    likelihood (L-BFGS, up to 500 iterations) to the training stretch standardised by its
    own mean and sd (``center_``, ``spread_``; so trend=None means "mean = training mean"):
    on raw weekly log counts the optimiser stops in a poor local optimum, on the
    standardised series it converges, and a genuine ConvergenceWarning is left to show.
    The fit is ``results_``. ``score_series`` applies the fitted parameters to a new series
    (``results_.apply``, no refitting) and the filter starts afresh there: the first
    d + D·s + max(p + P·s, q + Q·s) steps, whose forecasts lack a full history, score 0, so
    score the training stretch and the stretch after it together to avoid that restart. A
    time trend ("t", "ct") is refused, since it too would restart at step 0 of every scored
    series: difference instead (d=1). Introduced in notebook 06; a baseline in notebook 07.
    """

    def __init__(
        self,
        order: tuple[int, int, int] = (1, 0, 0),
        seasonal_order: tuple[int, int, int, int] = (0, 0, 0, 0),
        trend: str | None = None,
    ) -> None:
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend

    def _requirements(self, fitting):
        p, d, q = _int_tuple(self.order, "order", ("p", "d", "q"))
        P, D, Q, s = _int_tuple(self.seasonal_order, "seasonal_order", ("P", "D", "Q", "s"))
        if (P or D or Q) and s < 2:
            raise ValueError(
                f"seasonal_order={self.seasonal_order!r} has seasonal terms but period s={s}; "
                "s must be at least 2 (e.g. 7 for a weekly cycle in daily data)."
            )
        if self.trend not in _TRENDS:
            raise ValueError(
                f"trend must be None, 'n' or 'c', got {self.trend!r}; a time trend would "
                "restart at step 0 of every scored series, so model a trend with d=1 instead."
            )
        if p + q + P + Q + d + D == 0:
            raise ValueError(
                "order and seasonal_order are all zero: the model would forecast a constant; "
                "use at least one AR, MA or differencing term, e.g. order=(1, 0, 0)."
            )
        n_warmup = d + D * s + max(p + P * s, q + Q * s)
        if not fitting:
            return n_warmup + 1, f"ARIMA warm-up of {n_warmup} steps plus one to score", n_warmup
        n_params = p + q + P + Q + (self.trend == "c") + 1
        needs = (
            f"ARIMA{(p, d, q)}×{(P, D, Q, s)} ({n_warmup} warm-up steps, then one per "
            f"estimated parameter: {n_params}; a few seasonal cycles are better)"
        )
        return n_warmup + n_params, needs, n_warmup

    def _fit(self, x):
        self.center_, self.spread_ = float(x.mean()), float(x.std())
        model = SARIMAX(
            (x - self.center_) / self.spread_,
            order=self.order,
            seasonal_order=self.seasonal_order,
            trend=self.trend,
        )
        # statsmodels' Kalman filter calls BLAS on tiny matrices, where extra threads only
        # add overhead (about 10× slower on two cores).
        with threadpool_limits(limits=1), warnings.catch_warnings():
            # Only the notices that statsmodels replaced its own starting values by zeros;
            # convergence warnings still show.
            warnings.filterwarnings(
                "ignore", message="Non-(stationary|invertible) starting", category=UserWarning
            )
            self.results_ = model.fit(method="lbfgs", maxiter=500, disp=False)
        return self.results_.resid * self.spread_

    def _residuals(self, x):
        with threadpool_limits(limits=1):
            applied = self.results_.apply((x - self.center_) / self.spread_)
        return applied.resid * self.spread_


def _int_tuple(value: object, name: str, parts: tuple[str, ...]) -> tuple[int, ...]:
    if not isinstance(value, tuple | list) or len(value) != len(parts):
        raise TypeError(
            f"{name} must be a tuple ({', '.join(parts)}) of {len(parts)} non-negative "
            f"integers, got {value!r}."
        )
    pairs = zip(value, parts, strict=True)
    return tuple(check_int(v, f"{name} {part}", low=0) for v, part in pairs)
