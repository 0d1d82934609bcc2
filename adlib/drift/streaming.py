"""Streaming drift detectors: one value at a time, an alarm when the stream has changed.

Every detector has ``update(x) -> bool`` (True when a drift is detected at this value, after
which it starts afresh on the values that follow) and ``run(stream)``, which returns the
indices of the detections. DDM and Page-Hinkley are written out because notebook 12 teaches
them; they reproduce river's ``drift.binary.DDM`` and ``drift.PageHinkley`` detection for
detection (tests/test_drift.py). ADWIN wraps river's implementation.
"""

from __future__ import annotations

import math

import numpy as np

from adlib._validation import as_float_vector, check_int, check_real

_MODES = ("up", "down", "both")


class StreamingDetector:
    """Base class: subclasses implement ``_reset()`` and ``_update(x) -> bool``."""

    def update(self, x: float) -> bool:
        """Feed one value; True when a drift is detected at it (then the state restarts)."""
        drift = self._update(check_real(x, "x"))
        if drift:
            self._reset()
        return drift

    def run(self, stream: object) -> np.ndarray:
        """Feed a whole stream, shape (n,), in order; returns the detection indices."""
        values = as_float_vector(stream, "stream")
        return np.array([i for i, v in enumerate(values) if self.update(float(v))], dtype=np.int64)

    def _reset(self) -> None:
        raise NotImplementedError

    def _update(self, x: float) -> bool:
        raise NotImplementedError

    def __repr__(self) -> str:
        params = ", ".join(
            f"{k}={v!r}" for k, v in vars(self).items() if not (k.endswith("_") or k[0] == "_")
        )
        return f"{type(self).__name__}({params})"


class DDM(StreamingDetector):
    """Drift Detection Method (Gama et al., 2004) on a stream of 0/1 errors.

    The error rate p_i after i values has standard deviation s_i = sqrt(p_i (1 − p_i) / i).
    After ``warm_start`` values, the detector remembers the point where p + s was lowest,
    (p_min, s_min), and signals a warning when p_i + s_i > p_min + ``warning_threshold`` ·
    s_min and a drift when p_i + s_i > p_min + ``drift_threshold`` · s_min. Feed it the
    detector's mistakes (1 = wrong) once labels arrive. ``warning_`` holds the last warning.
    """

    def __init__(
        self, warm_start: int = 30, warning_threshold: float = 2.0, drift_threshold: float = 3.0
    ) -> None:
        self.warm_start = check_int(warm_start, "warm_start", low=1)
        self.warning_threshold = check_real(warning_threshold, "warning_threshold", low=0.0)
        self.drift_threshold = check_real(drift_threshold, "drift_threshold", low=0.0)
        if self.drift_threshold <= self.warning_threshold:
            raise ValueError(
                f"drift_threshold ({drift_threshold}) must exceed warning_threshold "
                f"({warning_threshold}): a warning comes before a drift."
            )
        self._reset()

    def _reset(self) -> None:
        self.n_seen_, self.errors_ = 0, 0.0
        self.p_min_, self.s_min_ = math.inf, math.inf
        self.warning_ = False

    def _update(self, x: float) -> bool:
        if x not in (0.0, 1.0):
            raise ValueError(f"DDM watches a 0/1 error stream, got {x}; pass 1 for a mistake.")
        self.n_seen_ += 1
        self.errors_ += x
        p = self.errors_ / self.n_seen_
        s = math.sqrt(p * (1 - p) / self.n_seen_)
        if self.n_seen_ <= self.warm_start:
            return False
        if p + s <= self.p_min_ + self.s_min_:
            self.p_min_, self.s_min_ = p, s
        self.warning_ = p + s > self.p_min_ + self.warning_threshold * self.s_min_
        return p + s > self.p_min_ + self.drift_threshold * self.s_min_


class PageHinkley(StreamingDetector):
    """Page-Hinkley test (Page, 1954): a CUSUM of deviations from the running mean.

    With x̄_t the mean of the values so far, the upward statistic is
    U_t = α U_{t−1} + (x_t − x̄_t − δ) and the downward one D_t = α D_{t−1} + (x_t − x̄_t + δ).
    A drift up is signalled when U_t − min U > ``threshold`` (λ), down when max D − D_t > λ,
    after ``min_instances`` values. δ is the size of change to ignore, λ trades delay for
    false alarms, and the fading factor α < 1 forgets old deviations.
    """

    def __init__(
        self,
        min_instances: int = 30,
        delta: float = 0.005,
        threshold: float = 50.0,
        alpha: float = 1 - 1e-4,
        mode: str = "both",
    ) -> None:
        self.min_instances = check_int(min_instances, "min_instances", low=1)
        self.delta = check_real(delta, "delta", low=0.0)
        self.threshold = check_real(threshold, "threshold", low=0.0, inclusive=False)
        self.alpha = check_real(alpha, "alpha", low=0.0, high=1.0)
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {mode!r}.")
        self.mode = mode
        self._reset()

    def _reset(self) -> None:
        self.n_seen_, self.mean_ = 0, 0.0
        self.up_, self.down_ = 0.0, 0.0
        self.min_up_, self.max_down_ = math.inf, -math.inf

    def _update(self, x: float) -> bool:
        self.n_seen_ += 1
        self.mean_ += (x - self.mean_) / self.n_seen_
        deviation = x - self.mean_
        self.up_ = self.alpha * self.up_ + deviation - self.delta
        self.down_ = self.alpha * self.down_ + deviation + self.delta
        self.min_up_ = min(self.min_up_, self.up_)
        self.max_down_ = max(self.max_down_, self.down_)
        if self.n_seen_ < self.min_instances:
            return False
        up = self.up_ - self.min_up_ > self.threshold
        down = self.max_down_ - self.down_ > self.threshold
        return {"up": up, "down": down, "both": up or down}[self.mode]


class ADWIN(StreamingDetector):
    """ADaptive WINdowing (Bifet & Gavaldà, 2007), river's implementation behind this interface.

    ADWIN keeps a window of recent values and drops its older part whenever the means of
    some split of the window differ by more than a Hoeffding-style bound at confidence
    ``delta``; a drop is a detected drift. ``width_`` is the current window length and
    ``mean_`` its mean. ``clock`` sets how often (in values) the cuts are checked.
    """

    def __init__(self, delta: float = 0.002, clock: int = 32, grace_period: int = 10) -> None:
        self.delta = check_real(delta, "delta", low=0.0, high=1.0, inclusive=False)
        self.clock = check_int(clock, "clock", low=1)
        self.grace_period = check_int(grace_period, "grace_period", low=1)
        self._reset()

    def _reset(self) -> None:
        from river.drift import ADWIN as RiverADWIN

        self.n_seen_ = 0
        self._adwin = RiverADWIN(delta=self.delta, clock=self.clock, grace_period=self.grace_period)

    def update(self, x: float) -> bool:
        """Feed one value; True when ADWIN dropped part of its window (it keeps the rest)."""
        value = check_real(x, "x")
        self.n_seen_ += 1
        self._adwin.update(value)
        return bool(self._adwin.drift_detected)

    @property
    def width_(self) -> float:
        return float(self._adwin.width)

    @property
    def mean_(self) -> float:
        return float(self._adwin.estimation)
