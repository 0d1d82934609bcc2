"""Alarms from windowed scores, and how far ahead of an event they come (notebooks 07 and 09).

A *unit* (a borrower, a machine) is watched period by period (months, hours). At period t a
detector scores the window of the last ``window`` periods, and an alarm is raised when that
score is above a threshold, for ``persist`` periods in a row if asked. The threshold is set on
healthy validation units only, never on the units being judged. For units that later have an
event (a default, a failure), what counts is the first alarm and its lead time before the
event; on healthy units, and on failing units before their degradation starts, every alarm
is a false one. Notebook 07 judges borrowers by month, notebook 09 machines by hour, with the
same :class:`AlarmProtocol`, in three steps::

    protocol = AlarmProtocol(window=6, first_step=12, quantile=0.95)
    val, healthy, failing = (protocol.unit_scores(model.score_samples, h) for h in parts)
    report = protocol.report(val, healthy, failing, event_times, leads=[1, 2, 3])

Scoring is left to the caller, unit group by unit group, so that a detector drawing random
scores draws them in the order the caller chooses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from adlib import metrics
from adlib._validation import as_float_vector, check_int, check_real
from adlib.data.windows import sliding_windows

_THRESHOLD_OVER = ("units", "steps")


def persisted(scores: object, persist: int) -> np.ndarray:
    """Rolling minimum of the last ``persist`` scores, shape (n,): high only if high throughout.

    Entry t is ``min(scores[t - persist + 1 : t + 1])`` (fewer at the start), so it is above a
    threshold only when the last ``persist`` scores all were: a one- or two-period transient
    cannot raise an alarm that needs three. ``persist=1`` returns the scores unchanged.
    """
    values = as_float_vector(scores, "scores")
    persist = check_int(persist, "persist", low=1)
    if persist == 1:
        return values
    padded = np.concatenate([np.full(persist - 1, np.inf), values])
    return np.lib.stride_tricks.sliding_window_view(padded, persist).min(axis=1)


def alarm_episodes(alarm_steps: object) -> int:
    """Number of alarm episodes: runs of consecutive alarmed steps, each counted once.

    ``alarm_steps`` are increasing integer periods at which the alarm was on, e.g.
    ``[3, 4, 5, 9]`` is two episodes (3-5 and 9). An alarm that stays on for a day pages an
    engineer once, so false alarms are counted by episode (rising edge), not by period.
    """
    steps = np.asarray(alarm_steps)
    if steps.ndim != 1:
        raise ValueError(f"alarm_steps must be 1-D, got shape {steps.shape}.")
    if steps.size == 0:
        return 0
    if not np.issubdtype(steps.dtype, np.number) or np.any(np.diff(steps) <= 0):
        raise ValueError(
            "alarm_steps must be strictly increasing periods (as np.flatnonzero returns them), "
            f"got {steps[:10].tolist()}."
        )
    return int(1 + np.sum(np.diff(steps) > 1))


@dataclass(frozen=True)
class AlarmReport:
    """What :meth:`AlarmProtocol.report` measured, for one detector at one threshold.

    ``first_alarms``, ``lead_times`` (m,): one per failing unit, in periods, NaN where it never
    alarmed (after its onset); ``warned`` (k,): share warned at least ``leads[i]`` periods
    ahead; ``caught``: share alarmed at all; ``median_lead``: median lead time of those caught
    (NaN if none); ``healthy_flagged``: share of healthy test units alarmed at least once;
    ``false_alarms``: alarm episodes on healthy units and on failing units before onset,
    over ``healthy_periods`` periods of healthy operation watched.
    """

    threshold: float
    first_alarms: np.ndarray
    lead_times: np.ndarray
    leads: np.ndarray
    warned: np.ndarray
    caught: float
    median_lead: float
    healthy_flagged: float
    false_alarms: int
    healthy_periods: float

    def false_alarms_per(self, periods: float) -> float:
        """False-alarm episodes per ``periods`` periods of healthy operation (e.g. 720 h = 30 d)."""
        periods = check_real(periods, "periods", low=0.0, inclusive=False)
        if self.healthy_periods <= 0:
            raise ValueError("no healthy period was watched, so there is no false-alarm rate.")
        return self.false_alarms / self.healthy_periods * periods


@dataclass(frozen=True)
class AlarmProtocol:
    """How window scores become alarms, and how the alarm threshold is set.

    window: periods per window (as the detector was trained); first_step: the first period
    scored, at least ``window - 1`` (default: the end of the first window), e.g. month 12 when
    earlier months are a burn-in; persist: periods in a row the score must stay above the
    threshold; quantile: the quantile of the healthy validation scores the threshold sits at;
    threshold_over: ``"units"`` takes it over each validation unit's *highest* score, so that
    about ``1 - quantile`` of healthy units are ever flagged (notebook 07), ``"steps"`` over
    every validation period's score (notebook 09, with a quantile such as 0.999).
    """

    window: int
    first_step: int | None = None
    persist: int = 1
    quantile: float = 0.95
    threshold_over: str = "units"

    def __post_init__(self) -> None:
        window = check_int(self.window, "window", low=1)
        if self.first_step is not None:
            check_int(self.first_step, "first_step", low=window - 1)
        check_int(self.persist, "persist", low=1)
        check_real(self.quantile, "quantile", low=0.0, high=1.0)
        if self.threshold_over not in _THRESHOLD_OVER:
            raise ValueError(
                f"threshold_over must be one of {_THRESHOLD_OVER}, got {self.threshold_over!r}."
            )

    @property
    def start(self) -> int:
        """The first period scored: ``first_step``, or ``window - 1`` when it is None."""
        return self.window - 1 if self.first_step is None else self.first_step

    def unit_scores(
        self, score_windows: Callable[[np.ndarray], object], histories: Sequence[object]
    ) -> list[np.ndarray]:
        """One score per period for each unit, from period :attr:`start` on (index 0 = start).

        ``histories`` holds one (n_periods,) or (n_periods, n_channels) array per unit;
        ``score_windows`` maps (n_windows, window, n_channels) windows to (n_windows,) scores
        (a detector's ``score_samples``, or any rule). Each unit is windowed with
        :func:`adlib.data.sliding_windows`, scored in order, cut to start at :attr:`start` and
        persisted (:func:`persisted`).
        """
        if not callable(score_windows):
            raise TypeError(
                f"score_windows must be a function of windows, got {type(score_windows).__name__}."
            )
        if isinstance(histories, np.ndarray) and histories.ndim < 2:
            raise TypeError("histories must be a sequence of per-unit arrays, one per unit.")
        out = []
        for i, history in enumerate(histories):
            windows = sliding_windows(history, self.window)
            if len(windows) <= self.start - self.window + 1:
                raise ValueError(
                    f"unit {i} has {len(windows) + self.window - 1} periods, none after period "
                    f"{self.start}; drop it or lower first_step."
                )
            scores = as_float_vector(score_windows(windows), f"scores of unit {i}")
            if scores.shape[0] != len(windows):
                raise ValueError(
                    f"score_windows returned {scores.shape[0]} scores for unit {i}'s "
                    f"{len(windows)} windows; it must return one score per window."
                )
            out.append(persisted(scores[self.start - self.window + 1 :], self.persist))
        return out

    def threshold(self, validation_scores: Sequence[object]) -> float:
        """The alarm threshold from healthy validation units' scores (see ``threshold_over``)."""
        units = _score_list(validation_scores, "validation_scores")
        if self.threshold_over == "units":
            return float(np.quantile([s.max() for s in units], self.quantile))
        return float(np.quantile(np.concatenate(units), self.quantile))

    def alarm_steps(self, scores: object, threshold: float) -> np.ndarray:
        """Periods at which one unit's scores (from :meth:`unit_scores`) exceed the threshold."""
        threshold = check_real(threshold, "threshold")
        return np.flatnonzero(as_float_vector(scores, "scores") > threshold) + self.start

    def first_alarms(
        self, unit_scores: Sequence[object], threshold: float, onset_times: object = None
    ) -> np.ndarray:
        """First alarmed period of each unit, at or after its onset if given; NaN if none."""
        units = _score_list(unit_scores, "unit_scores")
        onsets = self._onsets(onset_times, len(units))
        firsts = []
        for scores, onset in zip(units, onsets, strict=True):
            steps = self.alarm_steps(scores, threshold)
            after = steps[steps >= onset]
            firsts.append(after[0] if after.size else np.nan)
        return np.array(firsts, dtype=float)

    def report(
        self,
        validation: Sequence[object],
        healthy: Sequence[object],
        failing: Sequence[object],
        event_times: object,
        onset_times: object = None,
        leads: object = (1,),
    ) -> AlarmReport:
        """Set the threshold on ``validation``, then judge the alarms on the test units.

        All three are lists of per-unit scores from :meth:`unit_scores`; ``event_times`` (m,)
        is the period of each failing unit's event, ``onset_times`` (m,) optionally when its
        degradation starts (alarms before it are false; without it, every alarm of a failing
        unit counts as a warning); ``leads`` the lead times to report warning rates for.
        """
        threshold = self.threshold(validation)
        healthy, failing = _score_list(healthy, "healthy"), _score_list(failing, "failing")
        events = as_float_vector(event_times, "event_times")
        if events.shape[0] != len(failing):
            raise ValueError(
                f"event_times has {events.shape[0]} entries for {len(failing)} failing units; "
                "pass one event time per failing unit, in the same order."
            )
        onsets = self._onsets(onset_times, len(failing))
        first = self.first_alarms(failing, threshold, onsets)
        false_alarms, healthy_periods = 0, 0.0
        for scores, onset in zip(failing, onsets, strict=True):
            steps = self.alarm_steps(scores, threshold)
            false_alarms += alarm_episodes(steps[steps < onset])
            healthy_periods += max(onset - self.start, 0)
        for scores in healthy:
            false_alarms += alarm_episodes(self.alarm_steps(scores, threshold))
            healthy_periods += len(scores)
        lead = metrics.lead_times(first, events)
        leads = as_float_vector([leads] if np.ndim(leads) == 0 else leads, "leads")
        return AlarmReport(
            threshold=threshold,
            first_alarms=first,
            lead_times=lead,
            leads=leads,
            warned=metrics.advance_warning_rate(first, events, leads),
            caught=float(np.mean(~np.isnan(first))),
            median_lead=float(np.nanmedian(lead)) if np.any(~np.isnan(lead)) else float("nan"),
            healthy_flagged=float(np.mean(~np.isnan(self.first_alarms(healthy, threshold)))),
            false_alarms=false_alarms,
            healthy_periods=healthy_periods,
        )

    def _onsets(self, onset_times: object, n_units: int) -> np.ndarray:
        if onset_times is None:
            return np.full(n_units, float(self.start))
        onsets = as_float_vector(onset_times, "onset_times")
        if onsets.shape[0] != n_units:
            raise ValueError(
                f"onset_times has {onsets.shape[0]} entries for {n_units} units; pass one per "
                "unit, in the same order."
            )
        return onsets


def _score_list(units: Sequence[object], name: str) -> list[np.ndarray]:
    if isinstance(units, np.ndarray) and units.ndim < 2:
        raise TypeError(f"{name} must be a list of per-unit score arrays, one per unit.")
    out = [as_float_vector(scores, f"{name}[{i}]") for i, scores in enumerate(units)]
    if not out:
        raise ValueError(f"{name} is empty; pass at least one unit's scores.")
    return out
