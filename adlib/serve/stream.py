"""The serving loop of notebook 13: score a fleet one time step at a time, behind a contract.

A deployed detector does not see a week of rows at once: every five minutes it receives one
row per service. :func:`step_batches` cuts a period of the fleet's frame into those calls;
:func:`serve_stream` replays them through the same path a service would take (featurise,
validate against the artefact's :class:`~adlib.serve.InputSchema`, score, flag), records
each call in a :class:`~adlib.serve.Monitor` and runs a health check every ``check_every``
calls (each one :func:`serve_call`); :func:`fault_report` reads the resulting timeline and
says, for each injected broken feed, whether and when a health check first failed and what
caught it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from adlib._validation import check_int, check_real
from adlib.serve.monitor import HealthReport, Monitor
from adlib.serve.schema import InputSchema

#: One call of the serving loop: raw metrics (n_services, n_metrics), service ids (n_services,)
#: and the step number of each row (n_services,).
Batch = tuple[np.ndarray, np.ndarray, np.ndarray]


def step_batches(part: pd.DataFrame, metrics: Sequence[str]) -> list[Batch]:
    """One :data:`Batch` per time step of ``part``, in time order.

    part: one period with a row per (service, step), sorted by service then step, every
    service present at every step (the frame of :func:`adlib.data.simulate_services`);
    metrics: the raw columns a call carries. Batch ``i`` holds the metrics of every service
    at the i-th step, the sorted service ids and the step number repeated per row.
    """
    if not isinstance(part, pd.DataFrame):
        raise TypeError(f"part must be a pandas DataFrame, got {type(part).__name__}.")
    metrics = list(metrics)
    missing = [c for c in ["service", "step", *metrics] if c not in part.columns]
    if missing or not metrics:
        raise ValueError(f"part has no column {missing}; it needs service, step and the metrics.")
    services, steps = np.sort(part["service"].unique()), np.sort(part["step"].unique())
    expected = np.repeat(services, len(steps)), np.tile(steps, len(services))
    if len(part) != len(services) * len(steps) or not (
        np.array_equal(part["service"].to_numpy(), expected[0])
        and np.array_equal(part["step"].to_numpy(), expected[1])
    ):
        raise ValueError(
            "part must hold every service at every step, sorted by service then step; sort "
            "it with part.sort_values(['service', 'step']) and fill or drop missing steps."
        )
    raw = part[metrics].to_numpy().reshape(len(services), len(steps), len(metrics))
    raw = raw.transpose(1, 0, 2)
    return [(raw[i], services.copy(), np.full(len(services), step)) for i, step in enumerate(steps)]


def serve_call(
    batch: Batch,
    featurise: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    schema: InputSchema,
    score: Callable[[np.ndarray], np.ndarray],
    threshold: float,
) -> np.ndarray:
    """One serving call: featurise → validate → score → flag; a bool per row of the batch.

    batch: (raw, services, steps) as :func:`step_batches` gives it, of any number of rows
    (one fleet step, or several steps at once after an outage). Raises the schema's
    :class:`~adlib.serve.InputError` (a ValueError) for a batch that breaks the contract,
    before anything is scored. This is the call :func:`serve_stream` times and the one a
    latency budget applies to (notebook 13).
    """
    raw, services, steps = batch
    return score(schema.validate(featurise(raw, services, steps))) > threshold


def serve_stream(
    batches: Sequence[Batch],
    featurise: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    schema: InputSchema,
    score: Callable[[np.ndarray], np.ndarray],
    threshold: float,
    monitor: Monitor,
    check: Callable[[Monitor], HealthReport] | None = None,
    check_every: int = 12,
) -> pd.DataFrame:
    """Replay ``batches`` through featurise → validate → score → flag; return the timeline.

    Each call is timed from featurising to flagging and recorded in ``monitor``; a batch the
    schema rejects (an :class:`~adlib.serve.InputError`, or any ValueError on the way) is
    counted as an error and never scored. After every ``check_every`` calls (an hour of
    five-minute steps by default) the timeline gets a row: the first step of the last call,
    the monitor's anomaly and error rates and, when ``check`` is given, the problems it
    reports (an empty list otherwise). ``featurise(raw, services, steps)`` must be the very
    function used in training, so that serving cannot drift from it.
    """
    threshold = check_real(threshold, "threshold")
    check_every = check_int(check_every, "check_every", low=1)
    if not isinstance(monitor, Monitor):
        raise TypeError(f"monitor must be an adlib.serve.Monitor, got {type(monitor).__name__}.")
    if not hasattr(schema, "validate"):
        raise TypeError("schema must be a fitted adlib.serve.InputSchema (from load_artefact).")
    timeline = []
    for i, (raw, services, steps) in enumerate(batches):
        start = time.perf_counter()
        try:
            flags = serve_call((raw, services, steps), featurise, schema, score, threshold)
        except ValueError:
            monitor.record_error()
        else:
            monitor.record(len(flags), int(flags.sum()), time.perf_counter() - start)
        if (i + 1) % check_every == 0:
            report = check(monitor) if check else None
            timeline.append(
                {
                    "step": steps[0],
                    "anomaly rate": monitor.anomaly_rate,
                    "error rate": monitor.error_rate,
                    "problems": report.problems if report else [],
                }
            )
    return pd.DataFrame(timeline, columns=["step", "anomaly rate", "error rate", "problems"])


def fault_report(
    timeline: pd.DataFrame,
    spans: Mapping[str, tuple[int, int]],
    grace_steps: int,
    steps_per_hour: int = 12,
) -> pd.DataFrame:
    """For each broken feed: caught or not, hours to the first failed check and what caught it.

    timeline: :func:`serve_stream`'s output with a bool ``unhealthy`` column added (the
    checks that count as alarms); spans: fault name -> (first step, last step) of the fault.
    A check belongs to a fault from its first step to ``grace_steps`` after its last (the
    monitor's window needs that long to forget it). "hours to first alarm" counts from the
    fault's first step to the end of the first failed check's hour; "caught by" is "input
    validation" when that check's first problem is the error rate, else "anomaly rate";
    "first problem reported" is that problem without its parenthesis. One row per fault,
    indexed by name; a fault never caught has NaN hours and empty strings.
    """
    missing = [c for c in ("step", "problems", "unhealthy") if c not in timeline.columns]
    if missing:
        raise ValueError(
            f"timeline has no column {missing}; pass serve_stream's output with a bool "
            "'unhealthy' column saying which checks count as alarms."
        )
    grace_steps = check_int(grace_steps, "grace_steps", low=0)
    steps_per_hour = check_int(steps_per_hour, "steps_per_hour", low=1)
    rows = []
    for name, (first, last) in spans.items():
        if last < first:
            raise ValueError(f"fault {name!r} ends (step {last}) before it starts ({first}).")
        during = timeline[(timeline["step"] >= first) & (timeline["step"] <= last + grace_steps)]
        alarms = during[during["unhealthy"].astype(bool)]
        row = {"fault": name, "caught": not alarms.empty, "hours to first alarm": np.nan}
        row |= {"caught by": "", "first problem reported": ""}
        if not alarms.empty:
            problem = alarms["problems"].iloc[0][0]
            row["hours to first alarm"] = (alarms["step"].iloc[0] - first + 1) / steps_per_hour
            by_validation = problem.startswith("error rate")
            row["caught by"] = "input validation" if by_validation else "anomaly rate"
            row["first problem reported"] = problem.split(" (")[0]
        rows.append(row)
    return pd.DataFrame(rows).set_index("fault")
