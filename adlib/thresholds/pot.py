"""Extreme-value thresholds: peaks over threshold (POT) and streaming SPOT (notebook 11).

A threshold for a false-alarm risk of 1e-4 sits where a validation set has almost no
points, so a plain percentile is noise. Extreme-value theory fills the gap: above a high
*initial* threshold t, the excesses of almost any score distribution follow a generalised
Pareto distribution (GPD, the Pickands-Balkema-de Haan theorem). Fit it to the peaks by
maximum likelihood (scipy), and the score exceeded with probability ``q`` is

    z_q = t + (σ / ξ) · ((q · n / N_t)^(-ξ) - 1)        (ξ ≠ 0; t - σ · ln(q · n / N_t) at ξ = 0)

with n scores of which N_t exceed t (Siffer et al., KDD 2017). :class:`SPOT` keeps that
threshold up to date on a stream, one value at a time.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from adlib._validation import (
    MAX_MAGNITUDE,
    _check_magnitude,
    as_float_vector,
    check_int,
    check_real,
)
from adlib.thresholds.rules import Threshold, _normal_scores

#: Below this |ξ| the GPD is treated as exponential (the ξ → 0 limit of the formula).
_EXPONENTIAL_SHAPE = 1e-8


def gpd_tail_quantile(
    initial_threshold: float, shape: float, scale: float, q: float, n: int, n_peaks: int
) -> float:
    """The score exceeded with probability ``q``, from a GPD fitted to the ``n_peaks`` excesses.

    ``n`` is the number of scores the peaks came from; ``n_peaks / n`` estimates the chance
    of exceeding ``initial_threshold`` at all. Returns z_q of the module docstring.
    """
    ratio = q * n / n_peaks
    if abs(shape) < _EXPONENTIAL_SHAPE:
        return float(initial_threshold - scale * math.log(ratio))
    return float(initial_threshold + scale / shape * (ratio ** (-shape) - 1.0))


def _check_risk(q: object, initial_quantile: object, min_peaks: object) -> tuple[float, float, int]:
    q = check_real(q, "q", low=0.0, high=1.0, inclusive=False)
    initial_quantile = check_real(
        initial_quantile, "initial_quantile", low=0.0, high=1.0, inclusive=False
    )
    if q >= 1.0 - initial_quantile:
        raise ValueError(
            f"risk q={q} must be below the share of scores over the initial threshold "
            f"(1 - initial_quantile = {1.0 - initial_quantile:.4g}); otherwise the answer is "
            "not in the tail. Lower q or raise initial_quantile."
        )
    return q, initial_quantile, check_int(min_peaks, "min_peaks", low=3)


def _fit_peaks(scores: np.ndarray, initial_quantile: float, min_peaks: int):
    """Initial threshold t, the excesses over it, and the GPD (shape, scale) fitted to them."""
    initial = float(np.quantile(scores, initial_quantile))
    excesses = scores[scores > initial] - initial
    if excesses.size < min_peaks:
        raise ValueError(
            f"only {excesses.size} scores exceed the initial threshold (the "
            f"{initial_quantile} quantile); fitting a GPD needs at least {min_peaks} peaks. "
            "Give more scores or lower initial_quantile."
        )
    if np.ptp(excesses) == 0:
        raise ValueError(
            "all peaks over the initial threshold are equal; a GPD cannot be fitted to a "
            "constant. The scores are too coarse (ties) for an extreme-value threshold."
        )
    return initial, excesses, _gpd_fit(excesses)


def _gpd_fit(excesses: np.ndarray, start: tuple[float, float] | None = None) -> tuple[float, float]:
    """Maximum-likelihood (shape ξ, scale σ) of a GPD at location 0; ``start`` warm-starts it."""
    if start is None:
        shape, _, scale = stats.genpareto.fit(excesses, floc=0.0)
    else:
        shape, _, scale = stats.genpareto.fit(excesses, start[0], floc=0.0, scale=start[1])
    return float(shape), float(scale)


class POTThreshold(Threshold):
    """The score exceeded with probability ``q`` under a GPD tail fitted to validation peaks.

    The initial threshold is the ``initial_quantile`` of the normal scores (all scores when
    no labels are given); at least ``min_peaks`` scores must exceed it. After ``fit``:
    ``threshold_``, ``initial_threshold_``, ``shape_`` (ξ), ``scale_`` (σ), ``n_peaks_`` and
    ``n_``.
    """

    def __init__(
        self, q: float = 1e-3, initial_quantile: float = 0.98, min_peaks: int = 10
    ) -> None:
        self.q, self.initial_quantile, self.min_peaks = _check_risk(q, initial_quantile, min_peaks)

    def _fit(self, scores, y):
        normal = _normal_scores(scores, y, minimum=self.min_peaks)
        initial, excesses, (shape, scale) = _fit_peaks(
            normal, self.initial_quantile, self.min_peaks
        )
        self.initial_threshold_, self.shape_, self.scale_ = initial, shape, scale
        self.n_peaks_, self.n_ = excesses.size, normal.size
        return gpd_tail_quantile(initial, shape, scale, self.q, self.n_, self.n_peaks_)


class SPOT:
    """Streaming POT: calibrate on a batch, then update the threshold one score at a time.

    ``fit(scores)`` runs :class:`POTThreshold` on an initial batch of normal scores. Then
    each ``update(score)`` returns True (an alarm) when the score exceeds the current
    threshold. A score that is not an alarm is counted, and if it exceeds the initial
    threshold its excess joins the peaks, the GPD is refitted and the threshold moves.
    With ``learn_from_alarms=False`` (Siffer et al.'s algorithm) alarms leave the model
    unchanged, so that a run of anomalies cannot drag the threshold up; the price is that
    the top of the tail is censored, and on a stationary stream the threshold drifts down
    and the alarm rate settles above ``q`` (notebook 11 measures by how much). With
    ``learn_from_alarms=True`` every score updates the model, and on a stationary stream
    the alarm rate tends to ``q``.
    """

    def __init__(
        self,
        q: float = 1e-3,
        initial_quantile: float = 0.98,
        min_peaks: int = 10,
        learn_from_alarms: bool = False,
    ) -> None:
        self.q, self.initial_quantile, self.min_peaks = _check_risk(q, initial_quantile, min_peaks)
        if not isinstance(learn_from_alarms, bool):
            raise TypeError(f"learn_from_alarms must be True or False, got {learn_from_alarms!r}.")
        self.learn_from_alarms = learn_from_alarms

    def fit(self, scores: object) -> SPOT:
        """Calibrate on an initial batch of (normal) scores, shape (n,); returns self."""
        s = as_float_vector(scores, "scores", min_rows=self.min_peaks, max_magnitude=MAX_MAGNITUDE)
        initial, excesses, (shape, scale) = _fit_peaks(s, self.initial_quantile, self.min_peaks)
        self.initial_threshold_, self.shape_, self.scale_ = initial, shape, scale
        self.peaks_, self.n_ = list(excesses), s.size
        self.threshold_ = self._quantile()
        return self

    def update(self, score: float) -> bool:
        """Process one score; True means an alarm (the score exceeded the threshold)."""
        self._check_fitted()
        value = check_real(score, "score")
        _check_magnitude(np.asarray(value), "score")
        alarm = value > self.threshold_
        if alarm and not self.learn_from_alarms:
            return True
        self.n_ += 1
        if value > self.initial_threshold_:
            self.peaks_.append(value - self.initial_threshold_)
            self.shape_, self.scale_ = _gpd_fit(
                np.asarray(self.peaks_), start=(self.shape_, self.scale_)
            )
            self.threshold_ = self._quantile()
        return alarm

    def run(self, scores: object) -> tuple[np.ndarray, np.ndarray]:
        """Update on each score in turn; returns the alarms (0/1) and each score's threshold.

        Both have shape (n,): ``thresholds[i]`` is the threshold ``scores[i]`` was compared with.
        """
        self._check_fitted()
        s = as_float_vector(scores, "scores", max_magnitude=MAX_MAGNITUDE)
        alarms, thresholds = np.zeros(s.size, dtype=np.int64), np.empty(s.size)
        for i, value in enumerate(s):
            thresholds[i] = self.threshold_
            alarms[i] = self.update(float(value))
        return alarms, thresholds

    def _check_fitted(self) -> None:
        if not hasattr(self, "threshold_"):
            raise ValueError("This SPOT is not fitted yet; call .fit(initial_scores) first.")

    def _quantile(self) -> float:
        return gpd_tail_quantile(
            self.initial_threshold_, self.shape_, self.scale_, self.q, self.n_, len(self.peaks_)
        )

    def __repr__(self) -> str:
        return (
            f"SPOT(q={self.q!r}, initial_quantile={self.initial_quantile!r}, "
            f"min_peaks={self.min_peaks!r}, learn_from_alarms={self.learn_from_alarms!r})"
        )
