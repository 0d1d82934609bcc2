"""Range-aware metrics for time series (notebooks 07, 09 and 11).

In a time series an anomaly is usually a segment, a run of consecutive anomalous steps, and
point-wise metrics judge it badly: a 200-step segment weighs as much as 200 one-step ones,
so finding one long segment and missing every short one still scores well. The popular
repair, point adjustment (PA), overshoots the other way: a single flagged point anywhere in
a segment counts the whole segment as detected, so on data with long segments even random
scores reach a high PA-F1. This module gives the segments themselves, PA and its F1 (to
reproduce, and criticise, published numbers), the event-based "composite" F1, the UCR
anomaly-archive hit rule, the threshold-free VUS-PR (matching the TSB-AD reference
implementation) and lead-time metrics for early warnings.

Conventions: ``labels`` hold 0 (normal) or 1 (anomalous) per time step, ``scores`` one real
value per time step, higher = more anomalous, and a step is flagged when
``score > threshold``.
"""

from __future__ import annotations

import numpy as np

from adlib._validation import (
    MAX_MAGNITUDE,
    _as_numeric_array,
    _check_magnitude,
    as_binary_labels,
    as_float_vector,
    check_both_classes,
    check_int,
    check_real,
)
from adlib.metrics._point import ThresholdReport, _threshold_below

__all__ = [
    "advance_warning_rate",
    "anomaly_segments",
    "best_event_f1",
    "event_f1",
    "lead_times",
    "point_adjust",
    "point_adjusted_f1",
    "range_pr_auc",
    "ucr_hit",
    "vus_pr",
]


# --------------------------------------------------------------------------- segments


def anomaly_segments(labels: object) -> list[tuple[int, int]]:
    """The anomalous segments of a 0/1 label series, as ``(start, end)`` index pairs.

    labels: (n,) with 1 = anomalous step. Each pair delimits one maximal run of 1s, both
    ends inclusive, in time order: ``[0, 1, 1, 0, 1]`` gives ``[(1, 2), (4, 4)]``. A series
    without anomalies gives an empty list.
    """
    y = as_binary_labels(labels, "labels")
    starts, ends = _segment_bounds(y)
    return [(int(start), int(end)) for start, end in zip(starts, ends, strict=True)]


def point_adjust(labels: object, predictions: object) -> np.ndarray:
    """0/1 predictions after point adjustment: a segment with one flagged step is all flagged.

    labels, predictions: (n,) of 0/1. Returns an (n,) int array equal to ``predictions``
    except inside the true anomalous segments that contain at least one predicted 1, which
    are set to 1 entirely; predictions outside the segments (false alarms) are unchanged.
    This is the protocol behind most published "F1" numbers on SMD, SMAP, MSL, SWaT...
    """
    y = as_binary_labels(labels, "labels")
    pred = as_binary_labels(predictions, "predictions", n=y.shape[0])
    return _point_adjust(y, pred.astype(bool)).astype(np.int64)


def point_adjusted_f1(
    labels: object, scores: object, threshold: float | None = None
) -> ThresholdReport:
    """Precision, recall and F1 after point adjustment of the rule ``score > threshold``.

    labels: (n,) of 0/1 with at least one anomaly; scores: (n,), higher = more anomalous.
    With a ``threshold``, flag ``score > threshold``, apply :func:`point_adjust` and count
    point-wise. With ``threshold=None`` (as papers commonly report it) return the best F1
    over all thresholds, with a threshold reaching it (the midpoint below the cut, as in
    ``best_f1``); it is an upper bound that the notebooks criticise, not a result. The
    search is O(n log n): a segment is detected exactly when the threshold is below its
    highest score. Pass 0/1 predictions with ``threshold=0.5`` to score fixed alarms.
    """
    y, s = _labels_and_scores(labels, scores)
    if threshold is not None:
        return _pa_report(y, s, check_real(threshold, "threshold"))

    starts, ends = _segment_bounds(y)
    lengths = ends - starts + 1
    segment_max = _run_max(s, starts, ends)
    # Flagging `score >= cut` for every distinct score `cut` visits every distinct decision.
    cuts = np.unique(s)
    normal = np.sort(s[y == 0])
    fp = normal.size - np.searchsorted(normal, cuts, side="left")
    order = np.argsort(segment_max, kind="stable")
    # length_above[k]: total length of the segments whose maximum is the k-th smallest or above
    length_above = np.concatenate([np.cumsum(lengths[order][::-1])[::-1], [0]])
    tp = length_above[np.searchsorted(segment_max[order], cuts, side="left")]
    fn = lengths.sum() - tp
    f1 = 2 * tp / (2 * tp + fp + fn)  # the denominator is > 0: there is an anomaly
    best = int(np.argmax(f1))
    return _pa_report(y, s, _threshold_below(s, float(cuts[best])))


def event_f1(
    labels: object, predictions_or_scores: object, threshold: float | None = None
) -> ThresholdReport:
    """Event-based ("composite") F1: recall over segments, precision over time steps.

    labels: (n,) of 0/1 with at least one anomaly. With ``threshold=None``,
    ``predictions_or_scores`` are 0/1 predictions (reported with threshold 0.5); with a
    threshold they are scores, higher = more anomalous, flagged where ``score > threshold``.
    Recall is the share of true segments holding at least one flagged step (each event
    counts once, whatever its length); precision is the share of flagged steps that are
    anomalous (false alarms cost in proportion to their length). This is the composite
    F-score of Garg et al. (2021), TSB-AD's "Event-based-F1".
    """
    values = as_float_vector(predictions_or_scores, "predictions_or_scores")
    if threshold is None:
        if not np.isin(values, (0.0, 1.0)).all():
            raise ValueError(
                "predictions_or_scores holds values other than 0 and 1 but threshold is None; "
                "pass threshold=... to flag scores above it, or 0/1 predictions."
            )
        threshold = 0.5
    threshold = check_real(threshold, "threshold")
    y = as_binary_labels(labels, "labels", n=values.shape[0])
    _check_has_anomaly(y)
    flagged = values > threshold
    starts, ends = _segment_bounds(y)
    detected = int(_run_max(flagged, starts, ends).sum())
    n_flagged = int(flagged.sum())
    precision = int((flagged & (y == 1)).sum()) / n_flagged if n_flagged else 0.0
    return _report(threshold, precision, detected / starts.size)


def best_event_f1(labels: object, scores: object) -> ThresholdReport:
    """The highest event-based F1 (see :func:`event_f1`) over all thresholds, and its threshold.

    labels: (n,) of 0/1 with at least one anomaly; scores: (n,), higher = more anomalous.
    Like ``best_f1`` it is an optimistic upper bound on test data. O(n log n): a segment is
    detected once the threshold falls below its highest score.
    """
    y, s = _labels_and_scores(labels, scores)
    starts, ends = _segment_bounds(y)
    segment_max = np.sort(_run_max(s, starts, ends))
    everything = np.sort(s)
    anomalous = np.sort(s[y == 1])
    cuts = np.unique(s)  # flag `score >= cut`
    n_flagged = s.size - np.searchsorted(everything, cuts, side="left")  # >= 1
    tp = anomalous.size - np.searchsorted(anomalous, cuts, side="left")
    detected = segment_max.size - np.searchsorted(segment_max, cuts, side="left")
    precision = tp / n_flagged
    recall = detected / segment_max.size
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
    best = int(np.argmax(f1))
    return event_f1(y, s, threshold=_threshold_below(s, float(cuts[best])))


def ucr_hit(labels: object, scores: object, tolerance: int = 100) -> bool:
    """The UCR anomaly-archive rule: is the highest score within ``tolerance`` of the anomaly?

    labels: (n,) of 0/1 holding exactly one anomalous segment ``(start, end)``, as every
    UCR archive series does; scores: (n,), higher = more anomalous. True when the index of
    the maximum score (the first one on ties) lies in ``[start - tolerance, end +
    tolerance]``. Some papers widen the tolerance to the anomaly's length when it is longer
    than 100: pass ``tolerance=max(100, end - start + 1)`` for that variant.
    """
    y, s = _labels_and_scores(labels, scores)
    tolerance = check_int(tolerance, "tolerance", low=0)
    segments = anomaly_segments(y)
    if len(segments) != 1:
        raise ValueError(
            f"labels hold {len(segments)} anomalous segments; the UCR rule is for "
            "single-anomaly series. Use event_f1 or vus_pr for series with several anomalies."
        )
    start, end = segments[0]
    peak = int(np.argmax(s))
    return start - tolerance <= peak <= end + tolerance


# --------------------------------------------------------------------------- VUS-PR


def range_pr_auc(labels: object, scores: object, buffer: int, n_thresholds: int = 250) -> float:
    """Range-PR-AUC with one buffer length: the slice of :func:`vus_pr` at ``buffer``.

    labels: (n,) of 0/1 with both classes; scores: (n,), higher = more anomalous.
    ``buffer`` (an integer >= 0) widens each true segment by ``buffer // 2`` steps on each
    side, with soft labels ``sqrt(1 - d / buffer)`` at distance ``d`` (so buffers 0 and 1
    coincide, as in TSB-AD). At each of ``n_thresholds`` cuts (the scores at evenly spaced
    ranks, flagging ``score >= cut``), TP is the soft-label mass flagged, precision
    ``TP / flagged``, and recall ``min(1, TP / (P + B / 2))`` (P anomalous steps, B the
    buffer mass flagged) times the share of widened segments hit; the area is the sum of
    precision times the recall increments, exactly as TSB-AD 1.5 computes it.
    """
    y, s = _ranking_inputs(labels, scores)
    buffer = check_int(buffer, "buffer", low=0)
    n_thresholds = check_int(n_thresholds, "n_thresholds", low=1)
    return _RangePrecisionRecall(y, s, n_thresholds, buffer).area(buffer)


def vus_pr(labels: object, scores: object, max_buffer: int = 100, n_thresholds: int = 250) -> float:
    """Volume under the range-PR surface (VUS-PR, Paparrizos et al., VLDB 2022).

    labels: (n,) of 0/1 with both classes; scores: (n,), higher = more anomalous. The mean
    of :func:`range_pr_auc` over the buffer lengths ``0, 1, ..., max_buffer``, so that the
    metric neither depends on one arbitrary tolerance around the labels nor needs a
    threshold. It reproduces TSB-AD 1.5's VUS-PR (``get_metrics(score, labels,
    slidingWindow=max_buffer)``, up to float rounding); TSB-AD's benchmark sets the window
    to the series' dominant period, its ``get_metrics`` defaults to 100, as here.
    ``n_thresholds`` cuts at evenly spaced ranks of the sorted scores (250 in TSB-AD; pass
    ``len(scores)`` to use every rank). Time O(max_buffer * n) and memory O(n).
    """
    y, s = _ranking_inputs(labels, scores)
    max_buffer = check_int(max_buffer, "max_buffer", low=0)
    n_thresholds = check_int(n_thresholds, "n_thresholds", low=1)
    surface = _RangePrecisionRecall(y, s, n_thresholds, max_buffer)
    return float(np.mean([surface.area(buffer) for buffer in range(max_buffer + 1)]))


class _RangePrecisionRecall:
    """The range-PR curves of one (labels, scores) pair, for buffers up to ``max_buffer``.

    Everything that does not depend on the buffer is computed once: the thresholds, the
    number of flagged steps at each, and the steps that a buffer can weigh (the segments
    and up to ``max_buffer // 2`` steps around them), sorted by decreasing score so that
    "the steps flagged at threshold j" is a prefix and sums over it are cumulative sums.
    """

    def __init__(self, y: np.ndarray, s: np.ndarray, n_thresholds: int, max_buffer: int):
        self.n = s.size
        self.y = y
        self.scores = s
        self.starts, self.ends = _segment_bounds(y)
        self.n_anomalous = int(y.sum())
        ascending = np.sort(s)
        # TSB-AD's grid: the scores at evenly spaced ranks, highest first; flag `score >= cut`.
        ranks = np.linspace(0, self.n - 1, n_thresholds).astype(int)
        self.cuts = ascending[::-1][ranks]
        self.n_flagged = self.n - np.searchsorted(ascending, self.cuts, side="left")
        reach = max_buffer // 2
        near = _runs_mask(
            self.n, np.maximum(self.starts - reach, 0), np.minimum(self.ends + reach, self.n - 1)
        )
        steps = np.flatnonzero(near)
        self.steps = steps[np.argsort(-s[steps], kind="stable")]
        near_scores = np.sort(s[steps])
        # flagged_near[j]: how many of the steps near a segment are flagged at threshold j
        self.flagged_near = near_scores.size - np.searchsorted(near_scores, self.cuts, "left")
        self.anomalies_flagged = np.concatenate([[0], np.cumsum(y[self.steps])])[self.flagged_near]

    def soft_labels(self, buffer: int) -> np.ndarray:
        """(n,) labels: 1 on the segments, ``sqrt(1 - d / buffer)`` up to ``buffer // 2`` away.

        Where the ramps of two segments overlap (or a ramp reaches a segment) they add up
        and are capped at 1, as in TSB-AD.
        """
        soft = self.y.astype(np.float64)
        distances = np.arange(1, buffer // 2 + 1)
        if distances.size:
            ramp = np.sqrt(1 - distances / buffer)
            after = self.ends[:, None] + distances  # (segments, reach)
            before = self.starts[:, None] - distances
            weights = np.broadcast_to(ramp, after.shape)
            for where in (after, before):
                inside = (where >= 0) & (where < self.n)
                np.add.at(soft, where[inside], weights[inside])
        return np.minimum(soft, 1.0)

    def area(self, buffer: int) -> float:
        """The range-PR-AUC at one buffer length (``buffer <= max_buffer``)."""
        soft = self.soft_labels(buffer)
        # tp[j]: soft-label mass of the steps flagged at threshold j
        tp = np.concatenate([[0.0], np.cumsum(soft[self.steps])])[self.flagged_near]
        # TSB-AD's "positives": the true anomalies plus half the buffer mass that was flagged
        positives = self.n_anomalous + (tp - self.anomalies_flagged) / 2
        recall = np.minimum(tp / positives, 1.0)
        # a segment, with its buffer (merged with the neighbours its buffer reaches), is
        # detected when at least one of its steps is flagged
        region_starts, region_ends = self._regions(buffer // 2)
        region_max = np.sort(_run_max(self.scores, region_starts, region_ends))
        detected = region_max.size - np.searchsorted(region_max, self.cuts, side="left")
        tpr = recall * (detected / region_max.size)
        precision = tp / self.n_flagged
        return float(np.diff(tpr, prepend=0.0) @ precision)

    def _regions(self, reach: int) -> tuple[np.ndarray, np.ndarray]:
        """The segments widened by ``reach`` on each side, overlapping ones merged."""
        separate = self.starts[1:] - self.ends[:-1] > 2 * reach
        first = np.concatenate([[True], separate])
        last = np.concatenate([separate, [True]])
        return (
            np.maximum(self.starts[first] - reach, 0),
            np.minimum(self.ends[last] + reach, self.n - 1),
        )


# --------------------------------------------------------------------------- early warning


def lead_times(first_alarm_times: object, event_times: object) -> np.ndarray:
    """How long before each event its first alarm came: ``event_times - first_alarm_times``.

    first_alarm_times: (m,) floats, NaN where the unit never alarmed (allowed here, unlike
    in every other adlib function); event_times: (m,) finite floats, in the same time unit.
    Returns (m,) floats: positive = warned that many steps ahead, 0 or negative = alarm at or
    after the event, NaN = never alarmed.
    """
    alarms, events = _alarms_and_events(first_alarm_times, event_times)
    return events - alarms


def advance_warning_rate(
    first_alarm_times: object, event_times: object, leads: object
) -> np.ndarray:
    """Share of events whose first alarm came at least ``k`` steps ahead, for each ``k`` in leads.

    first_alarm_times: (m,) floats, NaN = never alarmed (counts as not warned);
    event_times: (m,) finite floats (a default, a failure...); leads: a number or (k,)
    array of lead times >= 0. Returns (k,) floats in [0, 1]: entry i is the share of the m
    events with ``event_time - first_alarm_time >= leads[i]``, non-increasing in the lead.
    """
    lags = lead_times(first_alarm_times, event_times)
    if leads is not None and np.ndim(leads) == 0:
        leads = [leads]
    leads = as_float_vector(leads, "leads")
    if (leads < 0).any():
        raise ValueError(
            f"leads must be >= 0 (steps of warning before the event), got {leads.min()}; "
            "an alarm after the event is no warning, see lead_times for those."
        )
    warned = np.nan_to_num(lags, nan=-np.inf)[None, :] >= leads[:, None]
    return warned.mean(axis=1)


# --------------------------------------------------------------------------- helpers


def _segment_bounds(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and inclusive end indices of the runs of 1s in a 0/1 int array."""
    change = np.diff(np.concatenate([[0], y, [0]]))
    return np.flatnonzero(change == 1), np.flatnonzero(change == -1) - 1


def _run_max(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The maximum of ``values`` over each disjoint, sorted run ``[start, end]``."""
    lengths = ends - starts + 1
    offsets = np.cumsum(lengths) - lengths
    positions = np.arange(lengths.sum()) + np.repeat(starts - offsets, lengths)
    return np.maximum.reduceat(values[positions], offsets)


def _runs_mask(n: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """(n,) bool, True on the union of the runs ``[start, end]`` (they may overlap)."""
    depth = np.zeros(n + 1, dtype=np.int64)
    np.add.at(depth, starts, 1)
    np.add.at(depth, ends + 1, -1)
    return np.cumsum(depth[:-1]) > 0


def _point_adjust(y: np.ndarray, flagged: np.ndarray) -> np.ndarray:
    starts, ends = _segment_bounds(y)
    adjusted = flagged.copy()
    if starts.size:
        hit = _run_max(flagged, starts, ends)
        adjusted[y == 1] |= np.repeat(hit, ends - starts + 1)
    return adjusted


def _pa_report(y: np.ndarray, s: np.ndarray, threshold: float) -> ThresholdReport:
    adjusted = _point_adjust(y, s > threshold)
    tp = int((adjusted & (y == 1)).sum())
    n_flagged = int(adjusted.sum())
    return _report(threshold, tp / n_flagged if n_flagged else 0.0, tp / int(y.sum()))


def _report(threshold: float, precision: float, recall: float) -> ThresholdReport:
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ThresholdReport(float(threshold), float(precision), float(recall), float(f1))


def _check_has_anomaly(y: np.ndarray) -> None:
    if not y.any():
        raise ValueError(
            "labels hold no anomalous segment (no 1s); recall over anomalies is undefined. "
            "Evaluate on a series that contains at least one anomaly."
        )


def _labels_and_scores(labels: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
    s = as_float_vector(scores, "scores")
    y = as_binary_labels(labels, "labels", n=s.shape[0])
    _check_has_anomaly(y)
    return y, s


def _ranking_inputs(labels: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
    y, s = _labels_and_scores(labels, scores)
    check_both_classes(y, "labels")
    return y, s


def _alarms_and_events(
    first_alarm_times: object, event_times: object
) -> tuple[np.ndarray, np.ndarray]:
    events = as_float_vector(event_times, "event_times", max_magnitude=MAX_MAGNITUDE)
    alarms = _as_numeric_array(first_alarm_times, "first_alarm_times")
    if alarms.shape != events.shape:
        raise ValueError(
            f"first_alarm_times has shape {alarms.shape} but event_times has shape "
            f"{events.shape}; pass one first-alarm time (NaN if none) per event."
        )
    if np.isinf(alarms).any():
        raise ValueError("first_alarm_times contains infinite values; use NaN for 'never alarmed'.")
    _check_magnitude(alarms, "first_alarm_times")
    return alarms, events
