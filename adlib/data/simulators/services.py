"""Five-minute metrics of a fleet of microservices, with incidents and maintenance (notebook 13).

Each service has its own traffic level, CPU cost per request, base latency and error rate,
so one static alert rule cannot fit them all. Traffic follows a daily cycle (peak mid
afternoon, quieter weekends) and drives CPU, which in turn slows requests down. Two kinds of
*normal* trouble make static thresholds fire: one-step latency spikes (a garbage-collection
pause, say) and a weekly maintenance window per service, when deploys and restarts push
CPU, latency and errors up on schedule. Incidents are the anomalies to catch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from adlib._validation import check_int
from adlib.data.simulators._common import entity_arrays, event_table, make_rng, place_intervals

#: Timestamp of step 0 (a Monday).
START = pd.Timestamp("2024-03-04 00:00")
#: Minutes per step.
STEP_MINUTES = 5
STEPS_PER_DAY = 24 * 60 // STEP_MINUTES
#: Maintenance lasts one hour, once a week, at night (01:00-04:00) on a day fixed per service.
MAINTENANCE_STEPS = 12
#: Probability, per step, of a harmless one-step latency spike of 2-4×.
SPIKE_RATE = 0.004
#: Incidents are at least this many normal steps apart (two hours).
MIN_GAP_STEPS = 24
#: (kind, shortest, longest) length in steps of each incident kind.
INCIDENT_LENGTHS: dict[str, tuple[int, int]] = {
    "latency": (6, 36),
    "errors": (3, 12),
    "cpu": (12, 48),
    "leak": (24, 72),
}


@dataclass(frozen=True, eq=False)
class ServiceMetrics:
    """Metrics of a service fleet with ground truth, from :func:`simulate_services`.

    ``frame`` is long format, sorted by service then time: ``service`` and ``step`` (int64;
    steps of :data:`STEP_MINUTES` minutes from 0), ``timestamp`` (datetime64), the four
    :attr:`metrics` ``requests`` (requests in the step, float64), ``latency_ms`` (p95
    latency, ms), ``error_rate`` (failed share of requests, 0-1) and ``cpu`` (percent,
    0-100), ``maintenance`` (bool: inside the service's scheduled window), ``label``
    (int64, 1 during an incident) and ``kind`` (str: ``"normal"``, ``"maintenance"``,
    ``"spike"`` or an incident kind of :data:`INCIDENT_LENGTHS`). ``incidents`` has one row
    per incident, sorted by start: ``service``, ``kind``, ``start``, ``end`` (inclusive),
    ``n_steps`` and ``onset`` (the step). ``services`` has one row per service with its
    parameters and its maintenance ``maintenance_day`` (0 = Monday) and ``maintenance_hour``.
    """

    metrics: ClassVar[tuple[str, ...]] = ("requests", "latency_ms", "error_rate", "cpu")

    frame: pd.DataFrame
    incidents: pd.DataFrame
    services: pd.DataFrame

    def sequences(
        self, service_ids: object = None, columns: tuple[str, ...] | None = None
    ) -> list[np.ndarray]:
        """Per-service float64 arrays of shape (n_steps, 4), in :attr:`metrics` order.

        ``service_ids`` (an int or a sequence of ints) picks services in the order given;
        ``None`` returns all of them. ``columns`` replaces the metrics, e.g. ``("label",)``.
        """
        ids = self.services["service"].to_numpy()
        return entity_arrays(self.frame, "service", ids, service_ids, columns or self.metrics)


def simulate_services(
    n_services: int = 20,
    n_days: int = 21,
    incidents_per_service: int = 3,
    warmup_days: int = 7,
    seed: int = 0,
) -> ServiceMetrics:
    """Simulate ``n_days`` of 5-minute metrics for ``n_services`` services (notebook 13).

    Per service: a peak traffic of 200-6,000 requests a minute (log-uniform) following a
    daily cycle (trough at 03:00, peak at 15:00, weekends at 60 %); CPU of 5-12 % idle plus
    a load share that reaches 35-80 % at peak, with noise; p95 latency of 40-300 ms at idle
    that grows steeply with CPU; a base error rate of 0.05-0.8 % (binomial in the number of
    requests). Normal trouble: one-step latency spikes of 2-4× (:data:`SPIKE_RATE` per
    step) and a weekly one-hour maintenance window (CPU +30-50 points, latency 1.5-3×,
    errors 2-10 %). ``incidents_per_service`` incidents per service, of a random kind,
    never in the first ``warmup_days`` days nor in a maintenance window, at least two hours
    apart: ``"latency"`` (2-5× slower, 30 min-3 h), ``"errors"`` (3-15 % failures,
    15 min-1 h), ``"cpu"`` (a runaway process: CPU +30-50 points and the latency that
    follows, 1-4 h) and ``"leak"`` (latency and CPU climb steadily, 2-6 h). Runs in well
    under a second at the defaults; the same ``seed`` gives the same fleet.
    """
    n_services = check_int(n_services, "n_services", low=1)
    n_days = check_int(n_days, "n_days", low=2)
    incidents_per_service = check_int(incidents_per_service, "incidents_per_service", low=0)
    warmup_days = check_int(warmup_days, "warmup_days", low=0, high=n_days - 1)
    rng = make_rng(seed)
    n_steps = n_days * STEPS_PER_DAY
    index = pd.date_range(START, periods=n_steps, freq=f"{STEP_MINUTES}min", name="timestamp")
    profile = _traffic_profile(index)

    services = service_parameters(rng, n_services)
    frames, tables = [], []
    for service in services.itertuples(index=False):
        frame, table = _one_service(
            service, index, profile, incidents_per_service, warmup_days, rng
        )
        frames.append(frame)
        tables.append(table)
    frame = pd.concat(frames, ignore_index=True)
    incidents = pd.concat(tables, ignore_index=True)
    incidents = incidents.sort_values(["start", "service"], kind="stable").reset_index(drop=True)
    return ServiceMetrics(frame=frame, incidents=incidents, services=services)


def service_parameters(rng: np.random.Generator, n_services: int) -> pd.DataFrame:
    """One row per service: its traffic, CPU, latency, error rate and maintenance slot.

    Drawn from ``rng`` in a fixed order (notebooks 13 and 14 share it): ``service``,
    ``peak_requests_per_min`` (200-6,000, log-uniform), ``idle_cpu`` (5-12 %), ``peak_cpu``
    (35-80 %), ``idle_latency_ms`` (40-300), ``error_rate`` (0.05-0.8 %), ``maintenance_day``
    (0 = Monday) and ``maintenance_hour`` (1-3).
    """
    return pd.DataFrame(
        {
            "service": np.arange(n_services, dtype=np.int64),
            "peak_requests_per_min": np.exp(rng.uniform(np.log(200), np.log(6000), n_services)),
            "idle_cpu": rng.uniform(5.0, 12.0, n_services),
            "peak_cpu": rng.uniform(35.0, 80.0, n_services),
            "idle_latency_ms": rng.uniform(40.0, 300.0, n_services),
            "error_rate": rng.uniform(0.0005, 0.008, n_services),
            "maintenance_day": rng.integers(0, 7, n_services),
            "maintenance_hour": rng.integers(1, 4, n_services),
        }
    )


def _one_service(
    service: object,
    index: pd.DatetimeIndex,
    profile: np.ndarray,
    n_incidents: int,
    warmup_days: int,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One service's frame and incident table (see :func:`simulate_services`)."""
    n_steps = len(index)
    mean_requests = service.peak_requests_per_min * STEP_MINUTES * profile
    cpu = service.idle_cpu + (service.peak_cpu - service.idle_cpu) * profile
    latency_factor = np.ones(n_steps)
    error_rate = np.full(n_steps, service.error_rate)
    kind = np.full(n_steps, "normal", dtype=object)

    maintenance = (index.day_of_week == service.maintenance_day) & (
        index.hour == service.maintenance_hour
    )
    maintenance = np.asarray(maintenance)
    cpu = cpu + np.where(maintenance, rng.uniform(30.0, 50.0), 0.0)
    latency_factor[maintenance] *= rng.uniform(1.5, 3.0)
    error_rate[maintenance] = rng.uniform(0.02, 0.10)
    kind[maintenance] = "maintenance"

    free = ~maintenance
    free[: warmup_days * STEPS_PER_DAY] = False
    kinds = rng.choice(list(INCIDENT_LENGTHS), size=n_incidents).tolist()
    lengths = [int(rng.integers(lo, hi + 1)) for lo, hi in (INCIDENT_LENGTHS[k] for k in kinds)]
    onsets = place_intervals(
        rng,
        lengths,
        free,
        gap=MIN_GAP_STEPS,
        what=f"{n_incidents} incidents in service {service.service}",
        fix="reduce incidents_per_service or increase n_days",
        unit="steps",
    )
    for incident, onset, length in zip(kinds, onsets, lengths, strict=True):
        steps = slice(onset, onset + length)
        ramp = np.linspace(0.0, 1.0, length)
        if incident == "latency":
            latency_factor[steps] *= rng.uniform(2.0, 5.0)
            cpu[steps] += rng.uniform(2.0, 8.0)
        elif incident == "errors":
            error_rate[steps] = rng.uniform(0.03, 0.15)
        elif incident == "cpu":
            cpu[steps] += rng.uniform(30.0, 50.0)
        else:  # leak: a steady climb
            cpu[steps] += rng.uniform(15.0, 30.0) * ramp
            latency_factor[steps] *= 1.0 + rng.uniform(1.0, 3.0) * ramp
        kind[steps] = incident

    cpu = np.clip(cpu + rng.normal(0.0, 2.0, n_steps), 0.5, 100.0)
    spikes = (rng.random(n_steps) < SPIKE_RATE) & (kind == "normal")
    latency_factor[spikes] *= rng.uniform(2.0, 4.0, int(spikes.sum()))
    kind[spikes] = "spike"
    # queueing: latency grows steeply as CPU nears saturation
    congestion = 1.0 + 2.0 * (cpu / 100.0) ** 4
    latency = service.idle_latency_ms * congestion * latency_factor
    latency *= np.exp(rng.normal(0.0, 0.08, n_steps))
    requests = rng.poisson(mean_requests).astype(np.float64)
    errors = rng.binomial(requests.astype(np.int64), np.clip(error_rate, 0.0, 1.0))
    frame = pd.DataFrame(
        {
            "service": np.full(n_steps, service.service, dtype=np.int64),
            "step": np.arange(n_steps, dtype=np.int64),
            "timestamp": index,
            "requests": requests,
            "latency_ms": latency,
            "error_rate": errors / np.maximum(requests, 1.0),
            "cpu": cpu,
            "maintenance": maintenance,
            "label": np.isin(kind, list(INCIDENT_LENGTHS)).astype(np.int64),
            "kind": pd.array(kind.tolist(), dtype=str),
        }
    )
    table = event_table(kinds, onsets, lengths, index, unit="steps")
    table.insert(0, "service", np.full(len(table), service.service, dtype=np.int64))
    return frame, table


def _traffic_profile(index: pd.DatetimeIndex) -> np.ndarray:
    """Traffic relative to the weekday peak: trough at 03:00 (15 %), peak at 15:00 (100 %)."""
    hours = index.hour.to_numpy() + index.minute.to_numpy() / 60.0
    daily = 0.575 + 0.425 * np.cos(2 * np.pi * (hours - 15.0) / 24.0)
    weekend = np.asarray(index.day_of_week >= 5)
    return daily * np.where(weekend, 0.6, 1.0)
