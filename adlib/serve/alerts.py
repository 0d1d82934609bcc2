"""What an on-call engineer sees of a detector: pages, their precision and their delay.

Notebook 13 measures alerting the way the people paged experience it. A detector flags
*steps* (one row per service and time step); consecutive flagged steps of one service make
one *page*. :func:`alert_report` counts pages per day, the share of pages that overlap a
real incident (page precision), the share of incidents that paged at least once and the
delay to the first page, beside the step-level precision and recall. :func:`static_flags`
is a fleet-wide rule set, :func:`service_limits` and :func:`limit_flags` the per-service
static thresholds set at a stated false-alarm rate, :func:`debounce` pages only after a run
of flagged steps and :func:`choose_page_after` picks that run length on validation,
:func:`pages_per_day` counts pages by day for a plot, and :func:`evaluate_alerts` fits a
precision-target threshold on validation scores and reports the test week.

Every function takes ``part``, a pandas DataFrame of one period with one row per (service,
step), sorted by service then step, as :func:`adlib.data.simulate_services` gives it: an
integer ``service`` and ``step`` column and a 0/1 ``label`` column where needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from adlib._validation import as_float_vector, check_int, check_real
from adlib.data.simulators.services import STEP_MINUTES, STEPS_PER_DAY
from adlib.metrics import anomaly_segments
from adlib.thresholds import F1OptimalThreshold, PrecisionTargetThreshold


def _check_part(part: object, columns: tuple[str, ...]) -> pd.DataFrame:
    if not isinstance(part, pd.DataFrame):
        raise TypeError(
            f"part must be a pandas DataFrame with one row per (service, step), got "
            f"{type(part).__name__}."
        )
    missing = [c for c in columns if c not in part.columns]
    if missing:
        raise ValueError(
            f"part has no column {missing}; it needs {list(columns)} (the frame of "
            "adlib.data.simulate_services, or a slice of it)."
        )
    if len(part) == 0:
        raise ValueError("part is empty; pass the rows of at least one step.")
    return part


def _check_flags(flags: object, n: int) -> np.ndarray:
    array = np.asarray(flags)
    if array.ndim != 1 or array.shape[0] != n:
        raise ValueError(
            f"flags must be one 0/1 value per row of part ({n}), got shape {array.shape}."
        )
    if array.dtype != bool and not np.isin(array, (0, 1)).all():
        raise ValueError("flags must hold only 0 and 1 (or True and False).")
    return array.astype(int)


def alert_report(
    part: pd.DataFrame,
    flags: object,
    steps_per_day: int = STEPS_PER_DAY,
    step_minutes: float = STEP_MINUTES,
) -> dict[str, float]:
    """Pages per day, page precision, incidents caught, delay and step precision / recall.

    part: one period, columns ``service``, ``step`` and ``label`` (0/1), sorted by service
    then step; flags: (len(part),) of 0/1, the detector's decision per row. A page is a
    maximal run of flagged steps of one service, *true* when it overlaps an incident; an
    incident (a run of label 1) is *caught* when one of its steps is flagged, and its delay
    is the minutes from its first step to its first flagged step. The number of days is the
    number of distinct steps divided by ``steps_per_day``. Ratios with nothing to count
    (no page, no flag, no caught incident) are NaN.
    """
    part = _check_part(part, ("service", "step", "label"))
    flags = _check_flags(flags, len(part))
    steps_per_day = check_int(steps_per_day, "steps_per_day", low=1)
    step_minutes = check_real(step_minutes, "step_minutes", low=0.0, inclusive=False)
    labels = part["label"].to_numpy()
    n_days = part["step"].nunique() / steps_per_day
    pages = true_pages = caught = incidents = 0
    delays = []
    for positions in part.groupby("service").indices.values():
        flag, label = flags[positions], labels[positions]
        for start, end in anomaly_segments(flag):
            pages += 1
            true_pages += int(label[start : end + 1].any())
        for start, end in anomaly_segments(label):
            incidents += 1
            hits = np.flatnonzero(flag[start : end + 1])
            if hits.size:
                caught += 1
                delays.append(hits[0] * step_minutes)
    flagged = flags == 1
    return {
        "pages per day": pages / n_days,
        "page precision": true_pages / pages if pages else np.nan,
        "incidents caught": caught / incidents if incidents else np.nan,
        "median delay (min)": float(np.median(delays)) if delays else np.nan,
        "step precision": labels[flagged].mean() if flagged.any() else np.nan,
        "step recall": flagged[labels == 1].mean() if (labels == 1).any() else np.nan,
    }


def static_flags(part: pd.DataFrame, rules: Mapping[str, float]) -> np.ndarray:
    """A bool per row: True where any metric is above its fleet-wide limit.

    rules: metric column -> limit, e.g. ``{"cpu": 80.0, "latency_ms": 500.0}``; the same
    line for every service and every hour, which is what floods on-call (notebook 13).
    """
    if not isinstance(rules, Mapping) or not rules:
        raise ValueError(f"rules must be a non-empty mapping of metric -> limit, got {rules!r}.")
    part = _check_part(part, tuple(rules))
    flags = np.zeros(len(part), dtype=bool)
    for metric, limit in rules.items():
        flags |= (part[metric] > check_real(limit, f"rules[{metric!r}]")).to_numpy()
    return flags


def service_limits(
    part: pd.DataFrame, metrics: Sequence[str], false_alarm_rate: float
) -> pd.DataFrame:
    """Per-service upper limits: each metric's ``1 - false_alarm_rate`` quantile per service.

    part: the rows the limits are set on (e.g. a validation week's normal steps outside
    maintenance), columns ``service`` and ``metrics``; false_alarm_rate: in (0, 1), the
    share of those rows each metric's limit lets through. Returns a DataFrame indexed by
    service, one column per metric. A static rule that knows each service's normal level,
    unlike one fleet-wide line (notebook 13).
    """
    metrics = list(metrics)
    if not metrics:
        raise ValueError("metrics must name at least one column.")
    part = _check_part(part, ("service", *metrics))
    rate = check_real(false_alarm_rate, "false_alarm_rate", low=0.0, high=1.0, inclusive=False)
    return part.groupby("service")[metrics].quantile(1.0 - rate)


def limit_flags(part: pd.DataFrame, limits: pd.DataFrame) -> np.ndarray:
    """A bool per row: True where any metric is above its service's limit.

    limits: :func:`service_limits`' output (indexed by service, one column per metric);
    every service of ``part`` must have a row.
    """
    if not isinstance(limits, pd.DataFrame) or limits.empty:
        raise TypeError("limits must be a non-empty DataFrame from service_limits.")
    part = _check_part(part, ("service", *limits.columns))
    missing = sorted(set(part["service"].unique()) - set(limits.index))
    if missing:
        raise ValueError(f"limits has no row for services {missing[:5]}.")
    columns = list(limits.columns)
    bounds = limits.loc[part["service"].to_numpy(), columns].to_numpy()
    return (part[columns].to_numpy() > bounds).any(axis=1)


def debounce(part: pd.DataFrame, flags: object, page_after: int) -> np.ndarray:
    """Flags kept only where this step and the ``page_after - 1`` before it are all flagged.

    part: columns ``service`` (and rows sorted by service then step); flags: (len(part),)
    of 0/1. Runs are counted within each service, so one service's flags never complete
    another's run. Returns an int array of 0/1: a run of k flagged steps keeps its last
    ``k - page_after + 1`` steps, a shorter run disappears. ``page_after=1`` changes nothing.
    """
    part = _check_part(part, ("service",))
    flags = _check_flags(flags, len(part))
    page_after = check_int(page_after, "page_after", low=1)
    out = np.zeros_like(flags)
    for positions in part.groupby("service").indices.values():
        run = pd.Series(flags[positions]).rolling(page_after, min_periods=page_after).min()
        out[positions] = run.fillna(0).to_numpy(dtype=int)
    return out


def choose_page_after(
    part: pd.DataFrame, flags: object, grid: Sequence[int] = range(1, 7), keep: float = 0.9
) -> tuple[int, pd.DataFrame]:
    """The debounce length for ``flags``, chosen on a validation period, and the grid.

    Each length in ``grid`` debounces the flags (:func:`debounce`) and is scored with
    :func:`alert_report`. The objective: the fewest pages per day among the lengths that
    keep at least ``keep`` (0-1] of the incidents caught without debouncing (length 1);
    ties go to the shorter length, which pages sooner. Returns the chosen length and one
    report row per length, indexed by it. Choose on validation, never on the test period.
    """
    grid = sorted({check_int(k, "grid value", low=1) for k in grid})
    if not grid:
        raise ValueError("grid must hold at least one run length.")
    keep = check_real(keep, "keep", low=0.0, high=1.0)
    flags = _check_flags(flags, len(_check_part(part, ("service", "step", "label"))))
    reports = pd.DataFrame(
        {k: alert_report(part, debounce(part, flags, k)) for k in grid}
    ).T.rename_axis("page after")
    floor = keep * np.nan_to_num(alert_report(part, flags)["incidents caught"])
    allowed = reports[reports["incidents caught"].fillna(0.0) >= floor - 1e-12]
    if allowed.empty:
        return grid[0], reports
    fewest = allowed["pages per day"].min()
    return int(allowed.index[allowed["pages per day"] <= fewest + 1e-12][0]), reports


def pages_per_day(
    part: pd.DataFrame, flags: object, steps_per_day: int = STEPS_PER_DAY
) -> np.ndarray:
    """Pages started on each day of ``part``, as an array from its first day to its last.

    part: columns ``service`` and ``step``, sorted by service then step; flags: (len(part),)
    of 0/1. A page counts on the day its first step falls in (day = step // steps_per_day).
    The counts sum to the total number of pages (:func:`alert_report` divides it by days).
    """
    part = _check_part(part, ("service", "step"))
    flags = _check_flags(flags, len(part))
    steps_per_day = check_int(steps_per_day, "steps_per_day", low=1)
    days = part["step"].to_numpy() // steps_per_day
    counts = np.zeros(days.max() - days.min() + 1)
    for positions in part.groupby("service").indices.values():
        for start, _ in anomaly_segments(flags[positions]):
            counts[days[positions][start] - days.min()] += 1
    return counts


class AlertEvaluation(NamedTuple):
    """The threshold fitted on validation, the test flags and the test week's alert report."""

    threshold: float
    flags: np.ndarray
    report: dict[str, float]


def evaluate_alerts(
    scores_val: object,
    y_val: object,
    scores_test: object,
    part_test: pd.DataFrame,
    target_precision: float,
) -> AlertEvaluation:
    """Fit a threshold for a precision target on validation, then report the test week.

    scores_val, y_val: (n_val,) validation scores and 0/1 labels; scores_test: (len(part_test),)
    test scores. The threshold is :class:`~adlib.thresholds.PrecisionTargetThreshold` when
    some threshold reaches ``target_precision`` on validation, else the F1-optimal one; the
    report (:func:`alert_report` on the test flags) says which, under "target reached on
    validation" (1.0 or 0.0). The test labels are only read by the report (notebook 13).
    """
    scores_val = as_float_vector(scores_val, "scores_val")
    scores_test = as_float_vector(scores_test, "scores_test")
    part_test = _check_part(part_test, ("service", "step", "label"))
    if len(scores_test) != len(part_test):
        raise ValueError(
            f"scores_test has {len(scores_test)} scores but part_test {len(part_test)} rows; "
            "score every test row, in the frame's order."
        )
    try:
        rule = PrecisionTargetThreshold(target_precision).fit(scores_val, y_val)
        reached = 1.0
    except ValueError as error:
        if "no threshold reaches precision" not in str(error):
            raise
        rule = F1OptimalThreshold().fit(scores_val, y_val)
        reached = 0.0
    flags = rule.predict(scores_test)
    report = alert_report(part_test, flags) | {"target reached on validation": reached}
    return AlertEvaluation(rule.threshold_, flags, report)
