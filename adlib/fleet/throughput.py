"""How fast the fleet detector scores: one core, Dask workers, and what the numbers imply.

:func:`numpy_rate` times :meth:`FleetDetector.score` in this process, the physical reference
(one core, no transfer). :func:`dask_rate` splits the fleet into blocks of whole series, so
every task owns its series' state and no task waits for another, and scores the blocks on
worker processes through Dask's ``processes`` scheduler: what it adds over numpy is the cost
of moving blocks between processes. :func:`cores_needed` and :func:`budget_check` are plain
arithmetic on measured rates and latencies: how many cores a target rate needs, and whether
a latency budget holds per value, per micro-batch or end to end. :func:`format_fleet_table`
prints the rows side by side (``python -m adlib.bench fleet`` adds the Spark rows).
"""

from __future__ import annotations

import copy
import math
import multiprocessing
import time
from concurrent.futures import Executor, ProcessPoolExecutor

import dask
import numpy as np

from adlib._validation import as_float_matrix, check_int, check_real
from adlib.fleet.detector import FleetDetector, SeriesState

#: Start method of Dask's worker processes: a fork server is started once per session,
#: imports this module once, and forks each worker from that clean, single-threaded process
#: (safe beside Spark's threads, unlike a plain fork; much quicker than spawning every
#: worker, which imports numpy and adlib again).
START_METHOD = "forkserver"


def numpy_rate(detector: FleetDetector, values: object, repeats: int = 3) -> dict:
    """Values scored per second by ``detector.score`` in this process, and per-step latency.

    ``values`` (T, n): T steps of all n series, scored from the fitted ``detector.state_``.
    Throughput: the whole block in one call, ``repeats`` times; ``values_per_s`` is T·n over
    the best time, ``values_per_s_median`` over the median. Latency: the block again, one
    call per step (as a stream scores each step of the fleet as it arrives, input checks
    included); ``p50_s`` and ``p95_s`` are percentiles over the T steps of the seconds to
    score one step of all n series, and ``z`` (T, n) holds the scores of that step-by-step
    run (equal to scoring the block at once). One process, one core: nothing is transferred.
    """
    values = _checked_values(detector, values)
    repeats = check_int(repeats, "repeats", low=1)
    n_steps, n_series = values.shape
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        detector.score(values)
        seconds.append(time.perf_counter() - start)
    z, state = np.empty_like(values), detector.state_
    step_seconds = np.empty(n_steps)
    for t in range(n_steps):
        start = time.perf_counter()
        z[t : t + 1], state = detector.score(values[t : t + 1], state)
        step_seconds[t] = time.perf_counter() - start
    p50, p95 = np.percentile(step_seconds, [50, 95])
    return {
        "engine": "numpy",
        "workers": 1,
        "batch": "1 step",
        "n_series": n_series,
        "n_steps": n_steps,
        "values_per_s": n_steps * n_series / min(seconds),
        "values_per_s_median": n_steps * n_series / float(np.median(seconds)),
        "p50_s": float(p50),
        "p95_s": float(p95),
        "z": z,
    }


def block_detector(detector: FleetDetector, series: object) -> FleetDetector:
    """The fitted ``detector`` restricted to the given series ids, renumbered 0..k-1.

    Its ``state_`` is the fleet's state of those series (:meth:`SeriesState.take`) with ids
    0..k-1 and its ``thresholds_`` theirs, so that ``score(values[:, series])`` continues
    exactly where the fleet's detector would: a task is sent this small object and its
    block, never the whole fleet's state.
    """
    fleet_state = _fitted_state(detector)
    taken = fleet_state.take(series)
    part = copy.copy(detector)
    part.state_ = SeriesState(np.arange(taken.series.size), taken.mean, taken.var, taken.count)
    part.thresholds_ = detector.thresholds_[taken.series]
    return part


def dask_score(
    detector: FleetDetector, values: object, partitions: int = 4, pool: Executor | None = None
) -> tuple:
    """Score ``values`` (T, n) as Dask tasks, one per block of whole series; z and new state.

    The n columns are split into ``partitions`` contiguous blocks; each task scores its
    block over all T steps with :func:`block_detector`, so no state crosses tasks. ``pool``:
    a process pool to run the tasks on (Dask's ``processes`` scheduler); None runs them
    one by one in this process. Returns z (T, n), equal bit for bit to
    ``detector.score(values)``, the state after the last step (series 0..n-1), and the
    seconds the tasks spent inside ``score`` (summed over blocks).
    """
    values = _checked_values(detector, values)
    partitions = check_int(partitions, "partitions", low=1, high=values.shape[1])
    blocks = np.array_split(np.arange(values.shape[1]), partitions)
    tasks = [
        dask.delayed(_score_block)(block_detector(detector, cols), values[:, cols])
        for cols in blocks
    ]
    if pool is None:
        results = dask.compute(*tasks, scheduler="synchronous")
    else:  # chunksize=1: one task per message, so that every worker gets its share
        results = dask.compute(*tasks, scheduler="processes", pool=pool, chunksize=1)
    z = np.hstack([block_z for block_z, _, _ in results])
    states = [block_state for _, block_state, _ in results]
    state = SeriesState(
        np.arange(values.shape[1]),
        np.concatenate([s.mean for s in states]),
        np.concatenate([s.var for s in states]),
        np.concatenate([s.count for s in states]),
    )
    return z, state, sum(seconds for _, _, seconds in results)


def dask_rate(
    detector: FleetDetector,
    values: object,
    n_workers: int = 1,
    partitions: int = 4,
    repeats: int = 3,
) -> dict:
    """Values scored per second by :func:`dask_score` on ``n_workers`` worker processes.

    Counted in each timed run: cutting the blocks out of ``values`` (T, n), pickling them
    with their block detectors, sending them to the workers, scoring, sending the z blocks
    back and assembling z (T, n) and the state. Not counted: starting the pool, reported
    once as ``startup_s`` (starting the processes, the first time also the fork server that
    imports adlib, and one tiny run on every worker), and fitting the detector.
    ``values_per_s`` is T·n over the best of ``repeats`` runs, ``values_per_s_median`` over
    the median; ``p50_s`` is the median run time (one batch is all T steps; ``p95_s`` is None,
    a few runs give no 95th percentile); ``scoring_s`` is the best run's time inside
    ``score`` summed over tasks, so run time minus it (per worker) is the transfer and
    scheduling overhead. ``z`` holds the last run's scores.
    """
    values = _checked_values(detector, values)
    n_workers = check_int(n_workers, "n_workers", low=1)
    partitions = check_int(partitions, "partitions", low=n_workers, high=values.shape[1])
    repeats = check_int(repeats, "repeats", low=1)
    n_steps, n_series = values.shape
    context = multiprocessing.get_context(START_METHOD)
    context.set_forkserver_preload([__name__])
    start = time.perf_counter()
    with ProcessPoolExecutor(n_workers, mp_context=context) as pool:
        dask_score(detector, values[:1], partitions, pool)
        startup = time.perf_counter() - start
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            z, _, scoring = dask_score(detector, values, partitions, pool)
            runs.append((time.perf_counter() - start, scoring))
    best, best_scoring = min(runs)
    median = float(np.median([seconds for seconds, _ in runs]))
    return {
        "engine": "dask",
        "workers": n_workers,
        "partitions": partitions,
        "batch": f"{n_steps} steps",
        "n_series": n_series,
        "n_steps": n_steps,
        "values_per_s": n_steps * n_series / best,
        "values_per_s_median": n_steps * n_series / median,
        "p50_s": median,
        "p95_s": None,
        "scoring_s": best_scoring,
        "startup_s": startup,
        "z": z,
    }


def cores_needed(target_values_per_s: float, per_core_rate: float) -> int:
    """Cores to score ``target_values_per_s`` at a measured ``per_core_rate`` (values/s).

    Arithmetic, not a measurement: ceil(target / rate), assuming the work splits perfectly
    over cores (series are independent, so it nearly does) and ignoring everything a real
    cluster adds: ingestion, serialisation between machines, replication, headroom.
    """
    target = check_real(target_values_per_s, "target_values_per_s", low=0.0, inclusive=False)
    rate = check_real(per_core_rate, "per_core_rate", low=0.0, inclusive=False)
    return math.ceil(target / rate)


def budget_check(
    values_per_s: float,
    p50_s: float,
    p95_s: float,
    interval_s: float,
    budget_s: float = 0.1,
    end_to_end_p95_s: float | None = None,
) -> dict:
    """Is a latency budget met per value, per micro-batch, or end to end? Arithmetic.

    ``values_per_s``: measured throughput; ``p50_s`` and ``p95_s``: measured latency of one
    micro-batch (seconds from its start to its scores); ``interval_s`` >= 0: the trigger
    interval. Three different claims: the compute cost of one value, 1 / values_per_s,
    is tiny and says nothing about when it is scored; a micro-batch finishes within
    ``p95_s``; a value arriving just after a batch started waits for the next one, up to
    max(interval_s, p95_s) (a batch slower than the interval delays the next), so its
    end-to-end latency at the 95th percentile is about that wait plus ``p95_s``, unless a
    measured ``end_to_end_p95_s`` (arrival to score) is given, which is used instead.
    Returns those numbers, a met/not-met flag for each claim, and a one-line ``verdict``.
    """
    rate = check_real(values_per_s, "values_per_s", low=0.0, inclusive=False)
    p50 = check_real(p50_s, "p50_s", low=0.0)
    p95 = check_real(p95_s, "p95_s", low=p50)
    interval = check_real(interval_s, "interval_s", low=0.0)
    budget = check_real(budget_s, "budget_s", low=0.0, inclusive=False)
    wait = max(interval, p95)
    if end_to_end_p95_s is None:
        end_to_end = wait + p95
    else:
        end_to_end = check_real(end_to_end_p95_s, "end_to_end_p95_s", low=0.0)
    per_value = 1.0 / rate
    checks = {
        "per_value_met": per_value <= budget,
        "batch_met": p95 <= budget,
        "end_to_end_met": end_to_end <= budget,
    }
    if checks["end_to_end_met"]:
        verdict = f"met end to end: every value is scored within {end_to_end:.3g} s"
    elif checks["batch_met"]:
        verdict = (
            f"met per micro-batch ({p95:.3g} s at p95) but not end to end: with the wait "
            f"for the next trigger (up to {wait:.3g} s) a value takes {end_to_end:.3g} s"
        )
    elif checks["per_value_met"]:
        verdict = (
            f"met only per value ({per_value:.2g} s of compute each); a value is scored "
            f"{end_to_end:.3g} s after it arrives (p95)"
        )
    else:
        verdict = f"not met, even per value ({per_value:.3g} s each)"
    return {
        "budget_s": budget,
        "per_value_s": per_value,
        "batch_p50_s": p50,
        "batch_p95_s": p95,
        "wait_s": wait,
        "end_to_end_p95_s": end_to_end,
        **checks,
        "verdict": verdict,
    }


def format_fleet_table(rows: list[dict]) -> str:
    """A fixed-width table of throughput rows: engine, workers, partitions, batch, values/s,
    p50 and p95 latency in ms (``-`` where a row has none).

    Each row is a dict with ``engine``, ``workers``, ``batch`` (what one batch or trigger
    interval is), ``values_per_s``, and optionally ``partitions`` (blocks or buckets of
    series), ``p50_s`` and ``p95_s``: the latency of one batch (for a stream, end to end,
    from a value's arrival to its score), as returned by :func:`numpy_rate`,
    :func:`dask_rate` and :mod:`adlib.fleet.spark_throughput`.
    """
    if not isinstance(rows, list) or not rows:
        raise ValueError("rows must be a non-empty list of dicts, one per measurement.")
    header = (
        f"{'engine':<18}{'workers':>8}{'parts':>7}  {'batch':<14}{'values/s':>14}"
        f"{'p50 ms':>11}{'p95 ms':>11}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        missing = {"engine", "workers", "batch", "values_per_s"} - set(row)
        if missing:
            raise ValueError(f"a row lacks {sorted(missing)}; every row needs them.")
        lines.append(
            f"{row['engine']:<18}{row['workers']:>8}{_cell(row.get('partitions'), 'd'):>7}  "
            f"{row['batch']:<14}{row['values_per_s']:>14,.0f}"
            f"{_cell(_ms(row.get('p50_s')), '.2f'):>11}{_cell(_ms(row.get('p95_s')), '.2f'):>11}"
        )
    return "\n".join(lines)


def _ms(seconds: float | None) -> float | None:
    """Seconds in milliseconds; None stays None."""
    return None if seconds is None else seconds * 1e3


def _cell(value: float | int | None, spec: str) -> str:
    """``value`` formatted by ``spec``, or ``-`` when absent."""
    return "-" if value is None else format(value, spec)


def _score_block(detector: FleetDetector, values: np.ndarray) -> tuple:
    """One task: z and state of a block (a worker's whole job), and its seconds in ``score``."""
    start = time.perf_counter()
    z, state = detector.score(values)
    return z, state, time.perf_counter() - start


def _fitted_state(detector: FleetDetector) -> SeriesState:
    """The fitted state of ``detector``; TypeError or ValueError if it has none."""
    if not isinstance(detector, FleetDetector):
        raise TypeError(f"detector must be a FleetDetector, got {type(detector).__name__}.")
    if not hasattr(detector, "state_"):
        raise ValueError("the detector is not fitted; call detector.fit(calibration) first.")
    return detector.state_


def _checked_values(detector: FleetDetector, values: object) -> np.ndarray:
    """``values`` as finite float64 (T, n) with one column per series of the fitted detector."""
    n_series = _fitted_state(detector).series.size
    values = as_float_matrix(values, "values")
    if values.shape[1] != n_series:
        raise ValueError(
            f"values has {values.shape[1]} columns but the detector was fitted on {n_series} "
            "series; pass one column per fitted series, in the same order."
        )
    return values
