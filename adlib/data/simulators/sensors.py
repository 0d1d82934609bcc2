"""Hourly temperature, pressure and vibration of a machine fleet, some degrading to failure.

Introduced in notebook 09 and reused later. Each machine has its own operating point; the
temperature follows the daily ambient cycle and a shared load, pressure follows temperature,
and short start-up transients (1-2 h vibration and pressure spikes) are harmless hard
negatives. Failing machines degrade for a few days first, subtly at the beginning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from adlib._validation import check_int, check_real
from adlib.data.simulators._common import check_int_pair, entity_arrays, make_rng

#: Timestamp of hour 0.
START = pd.Timestamp("2024-01-01 00:00")
#: Every machine has at least one clean week before any degradation starts.
WARMUP_HOURS = 7 * 24
#: Failures happen in the last 40 % of the period (from this share of ``n_hours`` on).
FAILURE_FROM = 0.6
#: Hourly probability that a start-up transient begins; it lasts 1-2 hours.
TRANSIENT_RATE = 1 / 120


@dataclass(frozen=True, eq=False)
class SensorFleet:
    """Hourly sensor readings of a fleet with ground truth, from :func:`simulate_sensors`.

    ``frame`` is long format, sorted by machine then hour: ``machine`` and ``hour`` (int64,
    hours counted from 0), ``timestamp`` (datetime64, hourly from :data:`START`), the three
    :attr:`channels` ``temperature`` (°C), ``pressure`` (bar) and ``vibration`` (mm/s RMS),
    all float64, ``degrading`` (int64, 1 from a failing machine's onset hour to its failure
    hour inclusive), ``failure`` (int64, 1 only at the failure hour) and ``transient``
    (int64, 1 during a harmless start-up transient; for error analysis, not a label).
    ``machines`` has one row per machine: ``machine``, ``fails`` (int64 0/1),
    ``failure_hour``, ``onset_hour`` and ``degradation_hours`` (nullable Int64, ``<NA>``
    for machines that do not fail; ``onset_hour = failure_hour - degradation_hours``) and
    ``n_hours`` (int64, series length: ``failure_hour + 1`` for failing machines, whose
    series ends at the failure).
    """

    channels: ClassVar[tuple[str, ...]] = ("temperature", "pressure", "vibration")

    frame: pd.DataFrame
    machines: pd.DataFrame

    def sequences(
        self, machine_ids: object = None, columns: tuple[str, ...] | None = None
    ) -> list[np.ndarray]:
        """Per-machine float64 arrays of shape (n_hours_i, 3), in :attr:`channels` order.

        ``machine_ids`` (an int or a sequence of ints) picks machines in the order given;
        ``None`` returns all of them in id order. ``columns`` replaces the three channels,
        e.g. ``("degrading",)`` for the matching per-hour labels.
        """
        ids = self.machines["machine"].to_numpy()
        return entity_arrays(self.frame, "machine", ids, machine_ids, columns or self.channels)


def simulate_sensors(
    n_machines: int = 24,
    n_hours: int = 24 * 45,
    failure_fraction: float = 0.5,
    degradation_hours: tuple[int, int] = (48, 120),
    seed: int = 0,
) -> SensorFleet:
    """Simulate ``n_hours`` of hourly sensor readings for ``n_machines`` machines (notebook 09).

    Each machine has its own operating temperature (55-75 °C), pressure (4-8 bar) and
    vibration level (1.5-3.5 mm/s); temperature adds a daily ambient cycle (peak mid
    afternoon) and a slowly varying load, pressure rises with temperature (0.03-0.06 bar/°C),
    vibration has multiplicative noise. Start-up transients (about one every five days, 1-2 h)
    spike vibration and pressure and dip temperature: harmless. ``round(failure_fraction *
    n_machines)`` machines fail at an hour in the last 40 % of the period, after at least
    one clean week; for a number of hours drawn from ``degradation_hours`` (inclusive) before
    it, vibration grows at an accelerating rate to 2.5-5 times its level, temperature creeps
    up by 3-10 °C and pressure becomes several times noisier, all starting subtly. Returns a
    :class:`SensorFleet`; the same ``seed`` gives the same fleet, in a few milliseconds.
    """
    n_machines = check_int(n_machines, "n_machines", low=1)
    n_hours = check_int(n_hours, "n_hours", low=WARMUP_HOURS + 2)
    failure_fraction = check_real(failure_fraction, "failure_fraction", low=0.0, high=1.0)
    deg_lo, deg_hi = check_int_pair(degradation_hours, "degradation_hours", low=1)
    if WARMUP_HOURS + deg_hi > n_hours - 1:
        raise ValueError(
            f"degradation_hours={(deg_lo, deg_hi)} is too long for n_hours={n_hours}: a failing "
            f"machine needs a {WARMUP_HOURS}-hour clean week, up to {deg_hi} degradation hours "
            f"and the failure hour, so n_hours must be at least {WARMUP_HOURS + deg_hi + 1}; "
            "shorten degradation_hours or increase n_hours."
        )
    rng = make_rng(seed)
    n_m, n_h = n_machines, n_hours
    hour = np.arange(n_h)[None, :]

    # Which machines fail, when, after how long a degradation.
    fails = np.zeros(n_m, dtype=bool)
    fails[rng.choice(n_m, size=round(failure_fraction * n_m), replace=False)] = True
    duration = rng.integers(deg_lo, deg_hi + 1, size=n_m)
    earliest = np.maximum(int(np.ceil(FAILURE_FROM * n_h)), WARMUP_HOURS + duration)
    failure_hour = np.where(fails, rng.integers(np.minimum(earliest, n_h - 1), n_h), n_h)
    onset = failure_hour - duration
    degrading = fails[:, None] & (hour >= onset[:, None])
    progress = np.where(degrading, (hour - onset[:, None]) / duration[:, None], 0.0)

    # Healthy behaviour: ambient cycle, a slowly varying load, correlated pressure.
    temp_base = rng.uniform(55.0, 75.0, n_m)[:, None]
    ambient = rng.uniform(1.5, 4.0, n_m)[:, None] * np.cos(
        2 * np.pi * (hour % 24 - 15.0 - rng.normal(0.0, 1.0, n_m)[:, None]) / 24.0
    )
    innovations = rng.normal(0.0, 0.3, (n_m, n_h))
    load = np.zeros((n_m, n_h))
    for t in range(n_h):
        load[:, t] = innovations[:, t] + (0.95 * load[:, t - 1] if t else 0.0)
    temperature = temp_base + ambient + load + rng.normal(0.0, 0.4, (n_m, n_h))
    pressure_noise = rng.uniform(0.03, 0.08, n_m)[:, None]
    pressure = (
        rng.uniform(4.0, 8.0, n_m)[:, None]
        + rng.uniform(0.03, 0.06, n_m)[:, None] * (temperature - temp_base)
        + pressure_noise * rng.standard_normal((n_m, n_h))
    )
    vibration = (
        rng.uniform(1.5, 3.5, n_m)[:, None]
        * np.exp(rng.uniform(0.05, 0.10, n_m)[:, None] * rng.standard_normal((n_m, n_h)))
        * (1.0 + 0.03 * load)
    )

    # Degradation: accelerating vibration, creeping temperature, noisier pressure.
    growth = np.expm1(3.0 * progress) / np.expm1(3.0)
    vibration *= 1.0 + rng.uniform(1.5, 4.0, n_m)[:, None] * growth
    temperature += rng.uniform(3.0, 10.0, n_m)[:, None] * progress**1.5
    pressure += (
        pressure_noise
        * rng.uniform(4.0, 10.0, n_m)[:, None]
        * progress**2
        * rng.standard_normal((n_m, n_h))
    )

    # Harmless start-up transients of 1-2 hours.
    starts = rng.random((n_m, n_h)) < TRANSIENT_RATE
    two_hours = rng.random((n_m, n_h)) < 0.5
    transient = starts.copy()
    transient[:, 1:] |= starts[:, :-1] & two_hours[:, :-1]
    vibration *= np.where(transient, rng.uniform(1.8, 3.0, (n_m, n_h)), 1.0)
    pressure += transient * rng.uniform(0.3, 1.0, (n_m, n_h))
    temperature -= transient * rng.uniform(1.0, 3.0, (n_m, n_h))

    n_series = np.where(fails, failure_hour + 1, n_h)
    rows, cols = np.nonzero(hour < n_series[:, None])
    frame = pd.DataFrame(
        {
            "machine": rows.astype(np.int64),
            "hour": cols.astype(np.int64),
            "timestamp": START + pd.to_timedelta(cols, unit="h"),
            "temperature": temperature[rows, cols],
            "pressure": pressure[rows, cols],
            "vibration": vibration[rows, cols],
            "degrading": degrading[rows, cols].astype(np.int64),
            "failure": (cols == failure_hour[rows]).astype(np.int64),
            "transient": transient[rows, cols].astype(np.int64),
        }
    )

    def nullable(values: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.arrays.IntegerArray(np.where(fails, values, 0).astype(np.int64), ~fails)

    machines = pd.DataFrame(
        {
            "machine": np.arange(n_m, dtype=np.int64),
            "fails": fails.astype(np.int64),
            "failure_hour": nullable(failure_hour),
            "onset_hour": nullable(onset),
            "degradation_hours": nullable(duration),
            "n_hours": n_series.astype(np.int64),
        }
    )
    return SensorFleet(frame=frame, machines=machines)
