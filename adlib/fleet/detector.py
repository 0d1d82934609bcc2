"""Online per-series anomaly scores for a whole fleet: a robust EWMA z-score, vectorised.

Each series keeps three numbers, whatever its length: an exponentially weighted mean μ, an
exponentially weighted variance σ² and the count n of values seen. For a new value x_t,

    e_t = x_t - μ_{t-1},    z_t = e_t / sqrt(σ²_{t-1} + ε²)
    ẽ_t = clip(e_t, -c·σ_{t-1}, +c·σ_{t-1})          (ẽ_t = e_t in warm-up or if σ_{t-1} = 0)
    μ_t = μ_{t-1} + α_t · ẽ_t
    σ²_t = (1 - α_t) · (σ²_{t-1} + α_t · ẽ_t²)

with α_t = max(α, 1 / (n + 1)): the first values give a plain running mean and (population)
variance, later ones forget at rate α. Clipping the innovation at c standard deviations makes
the state robust: an outlier moves μ and σ² as if it were only c·σ away, so one incident
does not teach the detector that incidents are normal, while a lasting change of level is
still absorbed within tens of steps. A value is flagged when |z_t| exceeds its series' own
threshold, fitted by peaks over threshold on a calibration period (:func:`tail_thresholds`).

The state of every series is three arrays, updated for all series of a step with a handful
of numpy operations: that is what makes a million series cheap on one core, and what Spark
keeps per bucket of series (:class:`SeriesState` packs to bytes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adlib._validation import as_float_matrix, check_int, check_real

#: Below this |ξ| the GPD tail is treated as exponential (the ξ → 0 limit).
_EXPONENTIAL_SHAPE = 1e-8


@dataclass(frozen=True, eq=False)
class SeriesState:
    """The detector's memory for some series: ids and, per series, μ, σ² and the count.

    ``series`` (k,) int64 sorted ids; ``mean`` and ``var`` (k,) float64; ``count`` (k,)
    int64 values seen. :meth:`pack` and :meth:`unpack` turn it into one bytes object and
    back, the compact form a stream processor keeps per key.
    """

    series: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    count: np.ndarray

    @classmethod
    def cold(cls, series: object) -> SeriesState:
        """A state that has seen nothing, for the given series ids (any order, no repeats)."""
        ids = np.unique(np.asarray(series, dtype=np.int64))
        if ids.size != np.asarray(series).size:
            raise ValueError("series ids must not repeat; pass each series once.")
        zeros = np.zeros(ids.size)
        return cls(ids, zeros, zeros.copy(), np.zeros(ids.size, dtype=np.int64))

    def positions(self, series: np.ndarray) -> np.ndarray:
        """Index into this state of each id in ``series``; ValueError names unknown ids."""
        where = np.searchsorted(self.series, series)
        where = np.minimum(where, max(self.series.size - 1, 0))
        unknown = self.series.size == 0 or (self.series[where] != series)
        if np.any(unknown):
            missing = np.unique(np.asarray(series)[np.broadcast_to(unknown, series.shape)])
            raise ValueError(
                f"series {missing[:5].tolist()} are not in this state; route unknown series "
                "elsewhere (a dead-letter sink) or add them with SeriesState.cold."
            )
        return where

    def take(self, series: object) -> SeriesState:
        """The state restricted to the given ids (a bucket's share of a fitted fleet)."""
        ids = np.unique(np.asarray(series, dtype=np.int64))
        at = self.positions(ids)
        return SeriesState(ids, self.mean[at], self.var[at], self.count[at])

    def pack(self) -> bytes:
        """The state as bytes: 4 rows of float64 (ids and counts are exact below 2**53)."""
        table = np.stack([self.series, self.mean, self.var, self.count]).astype(np.float64)
        return table.tobytes()

    @classmethod
    def unpack(cls, blob: bytes) -> SeriesState:
        """The inverse of :meth:`pack`."""
        table = np.frombuffer(blob, dtype=np.float64).reshape(4, -1)
        return cls(
            table[0].astype(np.int64), table[1].copy(), table[2].copy(), table[3].astype(np.int64)
        )


class FleetDetector:
    """Robust EWMA z-scores for many series at once, with a threshold per series.

    ``alpha`` (0, 1): the forgetting rate α; ``clip`` > 0: the innovation limit c in
    standard deviations; ``warmup``: values a series must have seen before it is scored (its
    z is 0 until then); ``risk``: the per-value false-alarm probability each threshold
    targets; ``tail_level``: the quantile of |z| above which the tail is fitted;
    ``min_threshold``: the lowest threshold allowed; ``min_scale``: ε, the smallest standard
    deviation a z-score divides by (a series constant so far would divide by 0).

    ``fit(values)`` runs the detector over a calibration period (T, n_series) from a cold
    start and sets ``state_`` (the memory at its end, to continue from) and ``thresholds_``
    (n_series,). ``score`` continues from any state, ``score_rows`` scores long-format rows
    of any subset of series (how a stream processor calls it per bucket).
    """

    def __init__(
        self,
        alpha: float = 0.05,
        clip: float = 3.0,
        warmup: int = 36,
        risk: float = 1e-4,
        tail_level: float = 0.98,
        min_threshold: float = 3.0,
        min_scale: float = 1e-9,
    ) -> None:
        self.alpha = check_real(alpha, "alpha", low=0.0, high=1.0, inclusive=False)
        self.clip = check_real(clip, "clip", low=0.0, inclusive=False)
        self.warmup = check_int(warmup, "warmup", low=1)
        self.tail_level = check_real(tail_level, "tail_level", low=0.0, high=1.0, inclusive=False)
        self.risk = check_real(risk, "risk", low=0.0, high=1.0 - self.tail_level, inclusive=False)
        self.min_threshold = check_real(min_threshold, "min_threshold", low=0.0)
        self.min_scale = check_real(min_scale, "min_scale", low=0.0, inclusive=False)

    def fit(self, values: object) -> FleetDetector:
        """Calibrate on ``values`` (T, n_series), T > warmup + 10: state and thresholds."""
        values = as_float_matrix(values, "values")
        if values.shape[0] <= self.warmup + 10:
            raise ValueError(
                f"values has {values.shape[0]} steps; calibration needs more than warmup + 10 "
                f"= {self.warmup + 10} so that every series has scores to fit a threshold on."
            )
        z, self.state_ = self.score(values, SeriesState.cold(np.arange(values.shape[1])))
        self.thresholds_ = np.maximum(
            tail_thresholds(np.abs(z[self.warmup :]), self.risk, self.tail_level),
            self.min_threshold,
        )
        return self

    def score(self, values: object, state: SeriesState | None = None) -> tuple:
        """z-scores (T, n) of ``values`` (T, n) continuing from ``state``, and the new state.

        ``state`` covers series 0..n-1 (default: the fitted ``state_``); it is not modified.
        """
        values = as_float_matrix(values, "values")
        state = self._check_state(state, values.shape[1])
        mean, var, count = state.mean.copy(), state.var.copy(), state.count.copy()
        z = np.empty_like(values)
        for t, x in enumerate(values):
            z[t] = self._update(mean, var, count, x)
        return z, SeriesState(state.series, mean, var, count)

    def score_rows(self, state: SeriesState, series: object, step: object, value: object) -> tuple:
        """z per row for long-format rows (k,) of the series in ``state``, and the new state.

        Rows may come in any order and mix steps; they are applied step by step (each
        (series, step) at most once), so the result equals :meth:`score` on the same values.
        """
        series = np.asarray(series, dtype=np.int64)
        step = np.asarray(step, dtype=np.int64)
        value = as_float_matrix(np.asarray(value, dtype=np.float64).reshape(1, -1), "value")[0]
        if not series.shape == step.shape == value.shape:
            raise ValueError("series, step and value must be 1-D and of the same length.")
        where = state.positions(series)
        order = np.lexsort((where, step))
        ordered_steps = step[order]
        if np.any((np.diff(ordered_steps) == 0) & (np.diff(where[order]) == 0)):
            raise ValueError("a (series, step) pair repeats; send each value once.")
        mean, var, count = state.mean.copy(), state.var.copy(), state.count.copy()
        z = np.empty(value.size)
        for block in np.split(order, np.flatnonzero(np.diff(ordered_steps)) + 1):
            at = where[block]
            m, v, n = mean[at], var[at], count[at]
            z[block] = self._update(m, v, n, value[block])
            mean[at], var[at], count[at] = m, v, n
        return z, SeriesState(state.series, mean, var, count)

    def flags(self, z: object, series: object | None = None) -> np.ndarray:
        """|z| above each series' threshold: z (T, n) for all series, or (k,) with ids."""
        thresholds = self._fitted().thresholds_
        z = np.asarray(z, dtype=np.float64)
        if series is None:
            return np.abs(z) > thresholds
        return np.abs(z) > thresholds[np.asarray(series, dtype=np.int64)]

    def _update(self, mean, var, count, x) -> np.ndarray:
        """One step for the series given, in place: returns z (0 during warm-up)."""
        error = x - mean
        sd = np.sqrt(var)
        z = error / np.sqrt(var + self.min_scale**2)
        warm = count >= self.warmup
        bound = np.where(warm & (sd > 0), self.clip * sd, np.inf)
        error = np.clip(error, -bound, bound)
        rate = np.maximum(self.alpha, 1.0 / (count + 1.0))
        mean += rate * error
        var[:] = (1.0 - rate) * (var + rate * error**2)
        count += 1
        return np.where(warm, z, 0.0)

    def _fitted(self) -> FleetDetector:
        if not hasattr(self, "thresholds_"):
            raise ValueError("this FleetDetector is not fitted; call fit(values) first.")
        return self

    def _check_state(self, state: SeriesState | None, n_series: int) -> SeriesState:
        state = self._fitted().state_ if state is None else state
        if not isinstance(state, SeriesState):
            raise TypeError(f"state must be a SeriesState, got {type(state).__name__}.")
        if state.series.size != n_series or np.any(state.series != np.arange(n_series)):
            raise ValueError(
                f"state covers {state.series.size} series but values has {n_series} columns; "
                "score() needs the state of series 0..n-1 (use score_rows for a subset)."
            )
        return state


def tail_thresholds(scores: object, risk: float, tail_level: float = 0.98) -> np.ndarray:
    """Per-column score exceeded with probability ``risk``: peaks over threshold, vectorised.

    scores: (T, n) non-negative scores, one column per series. Per column, u is its
    ``tail_level`` quantile, the excesses y = s - u over it are fitted with a generalised
    Pareto distribution by the method of moments (mean m and variance v of y):
    ξ = (1 - m²/v) / 2 and σ = m (1 + m²/v) / 2, and the threshold is
    u + (σ/ξ)((risk·T/N_u)^(-ξ) - 1) (u - σ ln(risk·T/N_u) as ξ → 0), N_u the number of
    excesses. Columns with fewer than 3 excesses, or equal ones, get the tail as exponential
    with the mean excess. Moments instead of maximum likelihood: closed form, so a million
    series are fitted at once.
    """
    scores = as_float_matrix(scores, "scores")
    risk = check_real(risk, "risk", low=0.0, high=1.0 - tail_level, inclusive=False)
    u = np.quantile(scores, tail_level, axis=0)
    over = scores > u
    n_peaks = over.sum(axis=0)
    excess = np.where(over, scores - u, 0.0)
    peaks = np.maximum(n_peaks, 1)
    m = excess.sum(axis=0) / peaks
    v = np.where(over, (excess - m) ** 2, 0.0).sum(axis=0) / np.maximum(n_peaks - 1, 1)
    usable = (n_peaks >= 3) & (v > 0)
    ratio_mv = np.divide(m**2, v, out=np.zeros_like(m), where=usable)
    shape = np.where(usable, 0.5 * (1.0 - ratio_mv), 0.0)
    scale = np.where(usable, 0.5 * m * (1.0 + ratio_mv), m)
    ratio = risk * scores.shape[0] / peaks
    exponential = np.abs(shape) < _EXPONENTIAL_SHAPE
    safe_shape = np.where(exponential, 1.0, shape)
    return np.where(
        exponential,
        u - scale * np.log(ratio),
        u + scale / safe_shape * (ratio ** (-safe_shape) - 1.0),
    )
