"""From per-series flags to the notifications an on-call engineer receives (notebook 14).

Thousands of series flagged independently flood their operators: at a false-alarm rate of
0.1 % per series, 16,000 series raise 16 alerts every five minutes with nothing wrong.
These helpers, vectorised for millions of flags, set per-series static limits, flag the
values outside them, keep the flags that other series of the same service corroborate,
clear flags during scheduled maintenance, merge the alerts of one service into
notifications, match them to the fleet's incidents, measure the flood and choose a policy
on validation.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse

from adlib._validation import as_float_matrix, as_float_vector, check_int, check_real
from adlib.data.simulators.services import STEP_MINUTES
from adlib.fleet.simulator import Fleet

_NOTIFICATION_COLUMNS = ("service", "start", "end", "n_alerts", "n_series")


def static_limits(values: object, false_alarm_rate: float = 0.001) -> tuple[np.ndarray, np.ndarray]:
    """Per-series two-sided limits ``(low, high)``, each of shape (n,), from calibration data.

    ``values`` (n_steps, n_series) should be normal behaviour (the warm-up weeks, say).
    ``low`` is each column's ``false_alarm_rate / 2`` quantile and ``high`` its
    ``1 - false_alarm_rate / 2`` quantile, so that on data like the calibration period a
    fraction ``false_alarm_rate`` of each series' values falls outside (half on each side).
    That needs enough steps: below ``2 / false_alarm_rate`` the limits are close to the
    calibration extremes and the rate on new data comes out higher than asked.
    """
    values = as_float_matrix(values, "values")
    rate = check_real(false_alarm_rate, "false_alarm_rate", low=0.0, high=1.0, inclusive=False)
    low, high = np.quantile(values, [rate / 2, 1.0 - rate / 2], axis=0)
    return low, high


def limit_flags(values: object, low: object, high: object) -> np.ndarray:
    """Bool (n_steps, n_series): True where a value is below its series' ``low`` or above
    its ``high`` (both of shape (n_series,), from :func:`static_limits`), strictly."""
    values = as_float_matrix(values, "values")
    low = as_float_vector(low, "low")
    high = as_float_vector(high, "high")
    if not low.size == high.size == values.shape[1]:
        raise ValueError(
            f"low ({low.size}) and high ({high.size}) need one limit per column of values "
            f"({values.shape[1]}); compute them with static_limits on the same series."
        )
    if np.any(low > high):
        raise ValueError("low is above high for some series; did you swap them?")
    return (values < low) | (values > high)


def group_alerts(
    flags: object, series_service: object, start_step: int = 0, gap_steps: int = 6
) -> pd.DataFrame:
    """Merge flagged values into one notification per burst of alerts of a service.

    ``flags`` (n_steps, n_series) bool marks the alerts, its row 0 being step
    ``start_step``; ``series_service`` (n_series,) int gives each series' service. A
    service's alerts, across all its series, belong to the same notification while
    consecutive flagged steps are at most ``gap_steps`` apart. Returns one row per
    notification, sorted by start then service: ``service``, ``start`` and ``end`` (steps of
    its first and last alert), ``n_alerts`` (flagged values) and ``n_series`` (distinct
    series flagged), all int64. Vectorised: sorts and differences, no loop over alerts.
    """
    flags = _check_flags(flags)
    service_of = _check_services(series_service, flags.shape[1])
    start_step = check_int(start_step, "start_step", low=0)
    gap_steps = check_int(gap_steps, "gap_steps", low=0)
    step, series = np.nonzero(flags)
    if step.size == 0:
        return pd.DataFrame({column: np.empty(0, np.int64) for column in _NOTIFICATION_COLUMNS})
    service = service_of[series].astype(np.int64)
    order = np.lexsort((step, service))  # by service, then step
    service, step, series = service[order], step[order] + start_step, series[order]
    new = np.ones(step.size, dtype=bool)
    new[1:] = (np.diff(service) != 0) | (np.diff(step) > gap_steps)
    group = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    last = np.append(first[1:], step.size) - 1
    by_series = np.lexsort((series, group))
    group_sorted, series_sorted = group[by_series], series[by_series]
    distinct = np.ones(step.size, dtype=bool)
    distinct[1:] = (np.diff(group_sorted) != 0) | (np.diff(series_sorted) != 0)
    table = pd.DataFrame(
        {
            "service": service[first],
            "start": step[first],
            "end": step[last],
            "n_alerts": last - first + 1,
            "n_series": np.bincount(group_sorted[distinct], minlength=first.size),
        }
    ).astype(np.int64)
    return table.sort_values(["start", "service"], kind="stable").reset_index(drop=True)


def corroborate(flags: object, series_service: object, min_series: int = 2) -> np.ndarray:
    """Keep a flag only when at least ``min_series`` series of its service flag the same step.

    ``flags`` (n_steps, n_series) bool; ``series_service`` (n_series,) int, each series'
    service. An incident of a service moves several of its series at once (every instance,
    often two metrics), while noise (a latency spike, one unlucky value) hits one series:
    asking for corroboration inside the service removes most noise without a higher
    threshold. Counting per (step, service) is one sparse product, flags @ membership.
    ``min_series=1`` returns the flags unchanged.
    """
    flags = _check_flags(flags)
    min_series = check_int(min_series, "min_series", low=1)
    service_of = _check_services(series_service, flags.shape[1])
    members = sparse.csr_matrix(
        (np.ones(service_of.size), (np.arange(service_of.size), service_of))
    )
    counts = sparse.csr_matrix(flags, dtype=np.float64) @ members
    confirmed = counts.multiply(counts >= min_series).toarray() > 0
    return flags & confirmed[:, service_of]


def suppress_maintenance(flags: object, fleet: Fleet, start_step: int = 0) -> np.ndarray:
    """A copy of ``flags`` (n_steps, n_series) bool, row 0 being step ``start_step``, with
    every flag of a service cleared during its scheduled maintenance (:meth:`Fleet.maintenance`)."""
    flags = _check_block(flags, fleet, start_step)
    maintenance = fleet.maintenance(start_step, flags.shape[0])
    return flags & ~maintenance[:, fleet.series["service"].to_numpy()]


class Outcomes(NamedTuple):
    """Notifications and incidents of one period, each marked with what became of it."""

    notifications: pd.DataFrame
    incidents: pd.DataFrame
    hours: float
    n_alerts: int


def match_incidents(
    flags: object, fleet: Fleet, start_step: int = 0, gap_steps: int = 6
) -> Outcomes:
    """Group ``flags`` (n_steps, n_series) bool into notifications and match them to incidents.

    Row 0 of ``flags`` is step ``start_step`` of ``fleet``; alerts are grouped with
    :func:`group_alerts` and ``gap_steps``. ``notifications`` is that table plus ``true``
    (it overlaps an incident of its service); ``incidents`` has the fleet's incidents that
    overlap the period, plus ``notified`` (some notification overlaps it) and
    ``delay_minutes`` (from its start to the start of its first overlapping notification, 0
    when one was already open; NaN when none). ``hours`` is the period's length.
    """
    flags = _check_block(flags, fleet, start_step)
    notes = group_alerts(flags, fleet.series["service"].to_numpy(), start_step, gap_steps)
    incidents = fleet.incidents
    in_period = (incidents["end"] >= start_step) & (incidents["start"] < start_step + len(flags))
    incidents = incidents.loc[in_period, ["service", "kind", "start", "end"]]
    incidents = incidents.reset_index(drop=True)
    pairs = notes.reset_index(names="note").merge(
        incidents.reset_index(names="incident"), on="service", suffixes=("", "_incident")
    )
    pairs = pairs[
        (pairs["start"] <= pairs["end_incident"]) & (pairs["end"] >= pairs["start_incident"])
    ]
    first_note = pairs.groupby("incident")["start"].min()
    delay = (first_note - incidents["start"].loc[first_note.index]).clip(lower=0) * STEP_MINUTES
    notes["true"] = notes.index.isin(pairs["note"])
    incidents["notified"] = incidents.index.isin(first_note.index)
    incidents["delay_minutes"] = delay.astype(float).reindex(incidents.index)
    hours = flags.shape[0] * STEP_MINUTES / 60
    return Outcomes(notes, incidents, hours, int(flags.sum()))


def alert_flood(
    flags: object, fleet: Fleet, start_step: int = 0, gap_steps: int = 6
) -> dict[str, float]:
    """How loud and how useful the alerts ``flags`` (n_steps, n_series) bool are.

    Summarises :func:`match_incidents`: ``hours`` (the period's length), ``n_alerts`` and
    ``alerts_per_hour`` (flagged values), ``n_notifications`` and ``notifications_per_hour``
    (after grouping), ``precision`` (share of notifications overlapping an incident of
    their service), ``n_incidents`` (incidents overlapping the period),
    ``incidents_notified`` (share of them overlapped by at least one notification) and
    ``median_delay_minutes`` (over the notified incidents). Shares and the delay are NaN
    when there is nothing to divide by.
    """
    notes, incidents, hours, n_alerts = match_incidents(flags, fleet, start_step, gap_steps)
    notified = incidents["notified"]
    return {
        "hours": hours,
        "n_alerts": n_alerts,
        "alerts_per_hour": n_alerts / hours,
        "n_notifications": len(notes),
        "notifications_per_hour": len(notes) / hours,
        "precision": float(notes["true"].mean()) if len(notes) else np.nan,
        "n_incidents": len(incidents),
        "incidents_notified": float(notified.mean()) if len(incidents) else np.nan,
        "median_delay_minutes": (
            float(incidents["delay_minutes"].median()) if notified.any() else np.nan
        ),
    }


def choose_policy(reports: pd.DataFrame, target_precision: float) -> object:
    """The row label of ``reports`` to deploy, chosen by one rule stated in advance.

    ``reports`` has one row per candidate policy, measured on a validation period, with the
    columns ``precision``, ``incidents_notified`` and ``notifications_per_hour`` of
    :func:`alert_flood`. Among the rows whose precision reaches ``target_precision``, the
    one that notifies the most incidents, then the one with the fewest notifications; if no
    row reaches the target, the most precise. Never choose on the test period.
    """
    if not isinstance(reports, pd.DataFrame) or reports.empty:
        raise TypeError("reports must be a non-empty DataFrame of alert_flood rows.")
    missing = {"precision", "incidents_notified", "notifications_per_hour"} - set(reports)
    if missing:
        raise ValueError(f"reports lacks the columns {sorted(missing)} of alert_flood.")
    target = check_real(target_precision, "target_precision", low=0.0, high=1.0)
    table = reports.fillna({"precision": 0.0, "incidents_notified": 0.0})
    reached = table[table["precision"] >= target]
    if reached.empty:
        return table["precision"].idxmax()
    ranked = reached.sort_values(
        ["incidents_notified", "notifications_per_hour"], ascending=[False, True], kind="stable"
    )
    return ranked.index[0]


def _check_flags(flags: object) -> np.ndarray:
    """``flags`` as a non-empty 2-D bool array, or a TypeError/ValueError saying how to fix it."""
    array = np.asarray(flags)
    if array.dtype != bool:
        raise TypeError(
            f"flags must be a bool array, got dtype {array.dtype}; build it with a comparison "
            "(scores > threshold) or limit_flags, or convert 0/1 with .astype(bool)."
        )
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(
            f"flags must be 2-D (n_steps, n_series) with at least one of each, got shape "
            f"{array.shape}."
        )
    return array


def _check_services(series_service: object, n_series: int) -> np.ndarray:
    """``series_service`` as non-negative int64 service ids, one per column of the flags."""
    service_of = np.asarray(series_service)
    if service_of.shape != (n_series,) or not np.issubdtype(service_of.dtype, np.integer):
        raise ValueError(
            f"series_service must be 1-D integers, one per column of flags ({n_series}), "
            f"got shape {service_of.shape} and dtype {service_of.dtype}; pass "
            "fleet.series['service'].to_numpy()."
        )
    if service_of.size and service_of.min() < 0:
        raise ValueError("series_service holds a negative service id; ids start at 0.")
    return service_of.astype(np.int64)


def _check_block(flags: object, fleet: Fleet, start_step: object) -> np.ndarray:
    """``flags`` checked against ``fleet``: one column per series, rows inside its horizon."""
    if not isinstance(fleet, Fleet):
        raise TypeError(f"fleet must be a Fleet from simulate_fleet, got {type(fleet).__name__}.")
    flags = _check_flags(flags)
    start_step = check_int(start_step, "start_step", low=0)
    if flags.shape[1] != fleet.n_series:
        raise ValueError(
            f"flags has {flags.shape[1]} columns but the fleet has {fleet.n_series} series; "
            "pass one column per series, in series-id order."
        )
    if start_step + flags.shape[0] > fleet.n_steps:
        raise ValueError(
            f"flags covers steps {start_step} to {start_step + flags.shape[0] - 1}, past the "
            f"fleet's last step {fleet.n_steps - 1}; check start_step."
        )
    return flags
