"""Five-minute metrics of a fleet of thousands of service instances, block by block (notebook 14).

The fleet of notebook 13 (:mod:`adlib.data.simulators.services`) at scale: the same physics
and constants, for ``n_services`` services of ``n_instances`` instances each, vectorised over
every *series* (one instance's one metric). Any block of steps is generated on its own: the
noise of step ``t`` comes from its own generator, ``SeedSequence(seed, spawn_key=(t,))``, so
``fleet.values(start, n)`` equals rows ``start:start + n`` of ``fleet.values(0, start + n)``
bit for bit, and a streaming source can produce micro-batch ``k`` without the earlier ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from adlib._validation import check_int, check_real
from adlib.data.simulators._common import make_rng, place_intervals
from adlib.data.simulators.services import (
    INCIDENT_LENGTHS,
    MIN_GAP_STEPS,
    SPIKE_RATE,
    START,
    STEP_MINUTES,
    STEPS_PER_DAY,
    _traffic_profile,
    service_parameters,
)

#: Largest array a call returns, in bytes; ask for fewer steps at a time beyond it.
MAX_BYTES = 2 * 2**30
#: Size of each incident kind at its peak, drawn uniformly per incident as in notebook 13:
#: latency multiplied by, CPU points added and error rate raised to (0 = unchanged). A leak
#: ramps up to its size; the other kinds hold it from start to end.
INCIDENT_EFFECTS: dict[str, tuple[tuple[float, float], ...]] = {
    "latency": ((2.0, 5.0), (2.0, 8.0), (0.0, 0.0)),
    "errors": ((1.0, 1.0), (0.0, 0.0), (0.03, 0.15)),
    "cpu": ((1.0, 1.0), (30.0, 50.0), (0.0, 0.0)),
    "leak": ((2.0, 4.0), (15.0, 30.0), (0.0, 0.0)),
}
#: The metrics labelled anomalous during each incident kind (a latency incident's small CPU
#: bump is not labelled).
LABELLED_METRICS: dict[str, tuple[str, ...]] = {
    "latency": ("latency_ms",),
    "errors": ("error_rate",),
    "cpu": ("cpu", "latency_ms"),
    "leak": ("cpu", "latency_ms"),
}
_KINDS = tuple(INCIDENT_LENGTHS)
#: Values simulated per internal chunk of :meth:`Fleet.values` (bounds its working memory).
_CHUNK_VALUES = 2**22


@dataclass(frozen=True, eq=False)
class Fleet:
    """A simulated fleet, from :func:`simulate_fleet`; its metrics are generated on demand.

    A series is one (service, instance, metric), with id
    ``(service * n_instances + instance) * 4 + metric_index`` in :attr:`metrics` order, as
    listed by :attr:`series`. ``services`` has one row per service with its parameters
    (those of notebook 13, plus the effect of its weekly maintenance hour);
    ``instance_load`` (n_services, n_instances) is each instance's share of traffic
    relative to an even split (0.8-1.2). ``incidents`` has one row per incident, sorted by
    start: ``service``, ``kind``, ``start`` and ``end`` (steps, inclusive), ``n_steps`` and
    the sizes of :data:`INCIDENT_EFFECTS` (``latency_factor``, ``cpu_points``,
    ``error_rate``). An incident hits every instance of its service.
    """

    metrics: ClassVar[tuple[str, ...]] = ("requests", "latency_ms", "error_rate", "cpu")

    n_services: int
    n_instances: int
    n_days: int
    seed: int
    services: pd.DataFrame
    instance_load: np.ndarray
    incidents: pd.DataFrame

    @property
    def n_series(self) -> int:
        """Number of series: services × instances × metrics."""
        return self.n_services * self.n_instances * len(self.metrics)

    @property
    def n_steps(self) -> int:
        """Number of five-minute steps in the horizon."""
        return self.n_days * STEPS_PER_DAY

    @property
    def series(self) -> pd.DataFrame:
        """One row per series, by id: ``series``, ``service``, ``instance`` (int64), ``metric``."""
        ids = np.arange(self.n_series, dtype=np.int64)
        unit, metric = np.divmod(ids, len(self.metrics))
        return pd.DataFrame(
            {
                "series": ids,
                "service": unit // self.n_instances,
                "instance": unit % self.n_instances,
                "metric": pd.Series(np.asarray(self.metrics)[metric], dtype=str),
            }
        )

    def values(self, start: int = 0, n_steps: int | None = None) -> np.ndarray:
        """Metrics of steps ``start`` to ``start + n_steps - 1``: float64 (n_steps, n_series).

        Column ``j`` is series ``j``; ``n_steps=None`` runs to the end of the horizon. Units
        are those of notebook 13: requests per step, p95 latency in ms, the failed share of
        requests (0-1) and CPU percent. Any block equals the same rows of a longer one.
        """
        steps = self._steps(start, n_steps, bytes_per_value=8)
        out = np.empty((steps.size, self.n_series))
        chunk = max(1, _CHUNK_VALUES // self.n_series)
        for first in range(0, steps.size, chunk):
            self._simulate(steps[first : first + chunk], out[first : first + chunk])
        return out

    def labels(self, start: int = 0, n_steps: int | None = None) -> np.ndarray:
        """Ground truth of the same block: int8 (n_steps, n_series), 1 where an incident of the
        series' service moves its metric (see :data:`LABELLED_METRICS`), else 0."""
        steps = self._steps(start, n_steps, bytes_per_value=1)
        moves = np.array(
            [[m in LABELLED_METRICS[k] for m in self.metrics] for k in _KINDS] + [[False] * 4],
            dtype=np.int8,
        )
        kind = self._incident_grid(steps)[0][:, self._unit_service()]
        return moves[kind].reshape(steps.size, self.n_series)  # kind -1 picks the zero row

    def maintenance(self, start: int = 0, n_steps: int | None = None) -> np.ndarray:
        """Bool (n_steps, n_services): True inside a service's weekly maintenance hour."""
        steps = self._steps(start, n_steps, bytes_per_value=1, width=self.n_services)
        index = _timestamps(steps)
        day = index.day_of_week.to_numpy()[:, None] == self.services["maintenance_day"].to_numpy()
        hour = index.hour.to_numpy()[:, None] == self.services["maintenance_hour"].to_numpy()
        return day & hour

    def rows(self, start: int = 0, n_steps: int | None = None) -> pd.DataFrame:
        """The block in a stream's long format: ``series``, ``step`` (int64) and ``value``
        (float64), one row per series and step, sorted by step then series."""
        steps = self._steps(start, n_steps, bytes_per_value=24)
        return pd.DataFrame(
            {
                "series": np.tile(np.arange(self.n_series, dtype=np.int64), steps.size),
                "step": np.repeat(steps, self.n_series),
                "value": self.values(int(steps[0]), steps.size).ravel(),
            }
        )

    def _steps(
        self, start: object, n_steps: object, *, bytes_per_value: int, width: int | None = None
    ) -> np.ndarray:
        """The checked step numbers of a block whose result has ``width`` columns."""
        start = check_int(start, "start", low=0, high=self.n_steps - 1)
        left = self.n_steps - start
        n_steps = left if n_steps is None else check_int(n_steps, "n_steps", low=1)
        if n_steps > left:
            raise ValueError(
                f"start={start} + n_steps={n_steps} runs past the fleet's {self.n_steps} steps; "
                f"ask for at most {left} steps from there or simulate more n_days."
            )
        width = self.n_series if width is None else width
        size = n_steps * width * bytes_per_value
        if size > MAX_BYTES:
            raise ValueError(
                f"{n_steps} steps × {width} columns would take {size / 2**30:.1f} GiB, above "
                f"the {MAX_BYTES / 2**30:.0f} GiB limit; ask for fewer steps at a time (at most "
                f"{MAX_BYTES // (width * bytes_per_value)}) and process the blocks one by one."
            )
        return np.arange(start, start + n_steps, dtype=np.int64)

    def _unit_service(self) -> np.ndarray:
        """Service of each instance, in instance order (n_services * n_instances,)."""
        return np.repeat(np.arange(self.n_services), self.n_instances)

    def _incident_grid(self, steps: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per step and service: kind index (-1 = none), latency factor, CPU points, error rate."""
        table = self.incidents
        begin, end = table["start"].to_numpy(), table["end"].to_numpy()
        first, last = np.maximum(begin, steps[0]), np.minimum(end, steps[-1])
        length = np.maximum(last - first + 1, 0)
        which = np.repeat(np.arange(len(table)), length)  # one entry per incident step
        step = first[which] + np.arange(which.size) - np.repeat(np.cumsum(length) - length, length)
        leak = (table["kind"].to_numpy() == "leak")[which]
        ramp = np.where(leak, (step - begin[which]) / np.maximum(end - begin, 1)[which], 1.0)
        at = step - steps[0], table["service"].to_numpy()[which]
        shape = (steps.size, self.n_services)
        kind, latency = np.full(shape, -1, dtype=np.int8), np.ones(shape)
        cpu, errors = np.zeros(shape), np.zeros(shape)
        kind[at] = table["kind"].map(_KINDS.index).to_numpy(dtype=np.int8)[which]
        latency[at] = 1.0 + (table["latency_factor"].to_numpy()[which] - 1.0) * ramp
        cpu[at] = table["cpu_points"].to_numpy()[which] * ramp
        errors[at] = table["error_rate"].to_numpy()[which]
        return kind, latency, cpu, errors

    def _simulate(self, steps: np.ndarray, out: np.ndarray) -> None:
        """Write the metrics of consecutive ``steps`` into ``out`` (n_steps, n_series)."""
        unit = self._unit_service()
        param = {name: column.to_numpy()[unit] for name, column in self.services.items()}
        load = _traffic_profile(_timestamps(steps))[:, None] * self.instance_load.ravel()
        maintenance = self.maintenance(int(steps[0]), steps.size)[:, unit]
        kind, incident_latency, incident_cpu, incident_errors = (
            grid[:, unit] for grid in self._incident_grid(steps)
        )
        mean_requests = param["peak_requests_per_min"] * STEP_MINUTES / self.n_instances * load
        error_rate = np.where(
            maintenance,
            param["maintenance_error_rate"],
            np.maximum(param["error_rate"], incident_errors),
        )
        normal, uniform, errors, successes = _noise(self.seed, steps, mean_requests, error_rate)

        cpu = param["idle_cpu"] + (param["peak_cpu"] - param["idle_cpu"]) * load
        cpu += np.where(maintenance, param["maintenance_cpu_points"], incident_cpu)
        cpu = np.clip(cpu + 2.0 * normal[0], 0.5, 100.0)
        spike = (uniform[0] < SPIKE_RATE) & ~maintenance & (kind < 0)
        latency_factor = np.where(
            maintenance, param["maintenance_latency_factor"], incident_latency
        )
        latency_factor *= np.where(spike, 2.0 + 2.0 * uniform[1], 1.0)
        congestion = 1.0 + 2.0 * (cpu / 100.0) ** 4  # queueing near saturation
        latency = param["idle_latency_ms"] * congestion * latency_factor * np.exp(0.08 * normal[1])
        requests = errors + successes
        metrics = out.reshape(steps.size, -1, len(self.metrics))  # a view: (step, instance, metric)
        for k, metric in enumerate((requests, latency, errors / np.maximum(requests, 1.0), cpu)):
            metrics[..., k] = metric


def simulate_fleet(
    n_services: int = 1000,
    n_instances: int = 4,
    n_days: int = 14,
    incidents_per_service: float = 1.0,
    warmup_days: int = 7,
    seed: int = 0,
) -> Fleet:
    """A fleet of ``n_services`` × ``n_instances`` instances over ``n_days`` (notebook 14).

    Per service, drawn once from ``np.random.default_rng(seed)`` as in notebook 13: peak
    traffic, idle and peak CPU, idle latency, base error rate and a weekly maintenance hour
    (with its CPU, latency and error effect). Each instance gets an even share of its
    service's traffic times a factor of 0.8-1.2; its CPU load share scales with it. Each
    service has a Poisson number of incidents (mean ``incidents_per_service`` over the
    horizon) of a random kind of :data:`INCIDENT_LENGTHS`, never in the first
    ``warmup_days`` days nor in maintenance, at least two hours apart. Only the schedule
    is built here (well under a second at the defaults); :meth:`Fleet.values` generates
    the metrics of any block of steps on demand.
    """
    n_services = check_int(n_services, "n_services", low=1)
    n_instances = check_int(n_instances, "n_instances", low=1)
    n_days = check_int(n_days, "n_days", low=2)
    warmup_days = check_int(warmup_days, "warmup_days", low=0, high=n_days - 1)
    shortest = min(low for low, _ in INCIDENT_LENGTHS.values())
    most = (n_days - warmup_days) * STEPS_PER_DAY / (shortest + MIN_GAP_STEPS)
    rate = check_real(incidents_per_service, "incidents_per_service", low=0.0, high=most)
    if n_services * n_instances * len(Fleet.metrics) * 8 > MAX_BYTES:
        raise ValueError(
            f"{n_services} services × {n_instances} instances is too many: one step of their "
            f"metrics would exceed {MAX_BYTES / 2**30:.0f} GiB; simulate fewer."
        )
    rng = make_rng(seed)
    services = service_parameters(rng, n_services)
    services["maintenance_cpu_points"] = rng.uniform(30.0, 50.0, n_services)
    services["maintenance_latency_factor"] = rng.uniform(1.5, 3.0, n_services)
    services["maintenance_error_rate"] = rng.uniform(0.02, 0.10, n_services)
    instance_load = rng.uniform(0.8, 1.2, (n_services, n_instances))
    incidents = _schedule_incidents(rng, services, rate, n_days * STEPS_PER_DAY, warmup_days)
    return Fleet(n_services, n_instances, n_days, int(seed), services, instance_load, incidents)


def _schedule_incidents(
    rng: np.random.Generator, services: pd.DataFrame, rate: float, n_steps: int, warmup_days: int
) -> pd.DataFrame:
    """The incident table of :class:`Fleet`, placed per service with ``place_intervals``."""
    counts = rng.poisson(rate, len(services))
    service = np.repeat(services["service"].to_numpy(), counts)
    kinds = rng.choice(_KINDS, size=service.size)
    bounds = np.array([INCIDENT_LENGTHS[k] for k in kinds], dtype=np.int64).reshape(-1, 2)
    lengths = rng.integers(bounds[:, 0], bounds[:, 1] + 1)
    index = _timestamps(np.arange(n_steps))
    day, hour = index.day_of_week.to_numpy(), index.hour.to_numpy()
    onsets = np.empty(service.size, dtype=np.int64)
    ends = np.cumsum(counts)
    for s in np.flatnonzero(counts):
        row = services.iloc[s]
        free = (day != row["maintenance_day"]) | (hour != row["maintenance_hour"])
        free[: warmup_days * STEPS_PER_DAY] = False
        part = slice(ends[s] - counts[s], ends[s])
        onsets[part] = place_intervals(
            rng,
            lengths[part],
            free,
            gap=MIN_GAP_STEPS,
            what=f"{counts[s]} incidents in service {s}",
            fix="lower incidents_per_service or raise n_days",
        )
    ranges = np.array([INCIDENT_EFFECTS[k] for k in kinds]).reshape(-1, 3, 2)
    sizes = rng.uniform(ranges[..., 0], ranges[..., 1])
    table = pd.DataFrame(
        {
            "service": service.astype(np.int64),
            "kind": pd.Series(kinds, dtype=str),
            "start": onsets,
            "end": onsets + lengths - 1,
            "n_steps": lengths.astype(np.int64),
            "latency_factor": sizes[:, 0],
            "cpu_points": sizes[:, 1],
            "error_rate": sizes[:, 2],
        }
    )
    return table.sort_values(["start", "service"], kind="stable").reset_index(drop=True)


def _timestamps(steps: np.ndarray) -> pd.DatetimeIndex:
    """Timestamps of step numbers, from :data:`START` every :data:`STEP_MINUTES` minutes."""
    return pd.DatetimeIndex(START + pd.to_timedelta(steps * STEP_MINUTES, unit="min"))


def _noise(
    seed: int, steps: np.ndarray, mean_requests: np.ndarray, error_rate: np.ndarray
) -> tuple[np.ndarray, ...]:
    """All random draws of a block, each step's from its own generator.

    Returns standard normals and uniforms (2, n_steps, n_units) each, and the failed and
    successful requests (n_steps, n_units): Poisson with means ``mean_requests × rate`` and
    ``mean_requests × (1 - rate)``, which is exactly Poisson requests with binomial failures
    (notebook 13's model), drawn faster. The loop over steps only draws; the physics
    around it is vectorised over the whole block.
    """
    n_units = mean_requests.shape[1]
    means = np.stack([mean_requests * error_rate, mean_requests * (1.0 - error_rate)], axis=1)
    normal, uniform = np.empty((2, steps.size, n_units)), np.empty((2, steps.size, n_units))
    counts = np.empty((steps.size, 2, n_units))
    for i, step in enumerate(steps):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(step),)))
        normal[:, i] = rng.standard_normal((2, n_units))
        uniform[:, i] = rng.random((2, n_units))
        counts[i] = rng.poisson(means[i])
    return normal, uniform, counts[:, 0], counts[:, 1]
