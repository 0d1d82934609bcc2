"""Counters and latency percentiles of a running scorer, and a health check over them."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from adlib._validation import check_int, check_real


class Monitor:
    """What a scorer did: predictions, anomalies, errors and per-call latency (seconds).

    ``record(n_predictions, n_anomalies, latency_s)`` after each scored call and
    ``record_error()`` after each rejected or failed one. Counts are totals since start;
    the error rate covers the last ``window`` calls, the anomaly rate and latency
    percentiles the last ``window`` scored calls, so that they follow the present (and
    recover once a fault is fixed) rather than the average of all time.
    """

    def __init__(self, window: int = 1000) -> None:
        self.window = check_int(window, "window", low=1)
        self.prediction_count, self.anomaly_count, self.error_count, self.call_count = 0, 0, 0, 0
        self._latencies: deque[float] = deque(maxlen=self.window)
        self._recent: deque[tuple[int, int]] = deque(maxlen=self.window)
        self._failed: deque[bool] = deque(maxlen=self.window)

    def record(self, n_predictions: int, n_anomalies: int, latency_s: float) -> None:
        """Count one scored call of ``n_predictions`` rows, ``n_anomalies`` flagged."""
        n_predictions = check_int(n_predictions, "n_predictions", low=1)
        n_anomalies = check_int(n_anomalies, "n_anomalies", low=0, high=n_predictions)
        latency_s = check_real(latency_s, "latency_s", low=0.0)
        self.call_count += 1
        self.prediction_count += n_predictions
        self.anomaly_count += n_anomalies
        self._latencies.append(latency_s)
        self._recent.append((n_predictions, n_anomalies))
        self._failed.append(False)

    def record_error(self) -> None:
        """Count one call that was rejected or failed."""
        self.call_count += 1
        self.error_count += 1
        self._failed.append(True)

    @property
    def anomaly_rate(self) -> float:
        """Share of flagged rows over the last ``window`` scored calls (NaN before any)."""
        if not self._recent:
            return float("nan")
        rows, flagged = np.sum(list(self._recent), axis=0)
        return float(flagged / rows)

    @property
    def error_rate(self) -> float:
        """Share of the last ``window`` calls that were errors (NaN before any call)."""
        return float(np.mean(self._failed)) if self._failed else float("nan")

    def latency_ms(self, percentiles: tuple[float, ...] = (50, 95, 99)) -> dict[str, float]:
        """Latency percentiles of the last ``window`` scored calls, in milliseconds."""
        if not self._latencies:
            return {f"p{p:g}": float("nan") for p in percentiles}
        values = np.quantile(np.asarray(self._latencies) * 1e3, np.asarray(percentiles) / 100)
        return {f"p{p:g}": float(v) for p, v in zip(percentiles, values, strict=True)}


@dataclass(frozen=True)
class HealthReport:
    """``ok`` is True when ``problems`` is empty; each problem says what is wrong, in numbers."""

    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def health_check(
    monitor: Monitor,
    expected_anomaly_rate: float,
    max_error_rate: float = 0.01,
    p95_budget_ms: float = 20.0,
    rate_tolerance: float = 3.0,
    check_quiet: bool = True,
) -> HealthReport:
    """Compare a monitor with its budgets: error rate, p95 latency and the anomaly rate.

    The anomaly rate is unhealthy when it leaves ``[expected / rate_tolerance, expected ·
    rate_tolerance]``: far above means an alert flood (or drift), far below a detector that
    went quiet, often a broken feed of constant values. Pass ``check_quiet=False`` for a
    detector whose flags are mostly real incidents (a high precision target): for it, hours
    without a single flag are normal, and only the upper bound says something is wrong.
    """
    expected = check_real(expected_anomaly_rate, "expected_anomaly_rate", low=0.0, high=1.0)
    max_error_rate = check_real(max_error_rate, "max_error_rate", low=0.0, high=1.0)
    p95_budget_ms = check_real(p95_budget_ms, "p95_budget_ms", low=0.0, inclusive=False)
    rate_tolerance = check_real(rate_tolerance, "rate_tolerance", low=1.0)
    if not isinstance(check_quiet, bool):
        raise TypeError(f"check_quiet must be True or False, got {check_quiet!r}.")
    problems = []
    if monitor.call_count and monitor.error_rate > max_error_rate:
        problems.append(
            f"error rate {monitor.error_rate:.3f} above {max_error_rate:.3f} over the last "
            f"{min(monitor.call_count, monitor.window)} calls ({monitor.error_count} rejected "
            "or failed since start)"
        )
    p95 = monitor.latency_ms((95,))["p95"]
    if p95 > p95_budget_ms:
        problems.append(f"p95 latency {p95:.1f} ms above the {p95_budget_ms:g} ms budget")
    rate = monitor.anomaly_rate
    if not np.isnan(rate):
        if rate > expected * rate_tolerance:
            problems.append(
                f"anomaly rate {rate:.4f} above {rate_tolerance:g}× the expected {expected:.4f}"
            )
        elif check_quiet and rate < expected / rate_tolerance:
            problems.append(
                f"anomaly rate {rate:.4f} below 1/{rate_tolerance:g} of the expected {expected:.4f}"
            )
    return HealthReport(problems)
