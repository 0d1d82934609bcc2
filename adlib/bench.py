"""Scoring latency of the autoencoder and LSTM autoencoder: torch vs ONNX Runtime.

Run ``python -m adlib.bench`` (about 30 s on a 2-core CPU). For each model it measures,
through the public ``score_samples`` of the torch detector and of
:class:`adlib.serve.OnnxScorer` (input checks included, as a service would call them):

- the latency of scoring **one** row or window, as p50 and p99 over ``repeats`` calls;
- the throughput of scoring a **batch** of ``batch_size`` rows or windows (best of 5), in
  inputs per second.

The models are trained for two epochs on seeded Gaussian data: latency depends on the
architecture and the input shape, not on what the weights learned. Shapes follow the
notebooks: rows of 16 features for the autoencoder (hidden 32-16, latent 4), windows of 32
steps × 3 channels for the LSTM autoencoder (hidden 32, latent 8). The table is printed and
written as JSON with the versions, thread count and machine it was measured on.

:func:`latency_runs` times any call under a load of your choosing (notebook 13 times the
whole serving call for a fleet step and for a burst): warm-up calls first, then several
independent timing runs, each giving its own percentiles, so that the spread between runs
(and a machine busy with something else during one of them) shows.

Run ``python -m adlib.bench fleet`` for the fleet mode (notebook 14): it simulates a fleet
(:func:`adlib.fleet.simulator.simulate_fleet`, ``--series`` rounded up to whole services of
4 instances × 4 metrics), fits the :class:`~adlib.fleet.detector.FleetDetector` on a
calibration period (``--calibration-days``, free of incidents), then measures on the next
``--steps`` steps the values scored per second and the latency of one batch for numpy on
one core and Dask on one and two worker processes (:mod:`adlib.fleet.throughput`), and
for Spark batch on local[1] and local[2] and Spark Structured Streaming on local[2] at the
trigger intervals of ``--intervals`` (:mod:`adlib.fleet.spark`; ``--no-spark`` skips them),
over ``--buckets`` buckets of series. It prints the table, the arithmetic of cores needed
and of the 100 ms budget, and writes JSON (``--out``, default ``build/bench_fleet.json``)
with the versions, the machine, its load average and the threads used.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import dask
import numpy as np
import onnxruntime
import pandas as pd
import torch

from adlib._validation import check_int, check_real
from adlib.data.simulators.services import STEPS_PER_DAY
from adlib.detectors import AutoencoderDetector, LSTMAutoencoderDetector
from adlib.fleet.detector import FleetDetector
from adlib.fleet.simulator import Fleet, simulate_fleet
from adlib.fleet.spark_session import local_spark
from adlib.fleet.spark_throughput import batch_rate, stream_at_rate
from adlib.fleet.throughput import (
    START_METHOD,
    budget_check,
    cores_needed,
    dask_rate,
    format_fleet_table,
    numpy_rate,
)
from adlib.serve.export import OnnxScorer, export_onnx

N_FEATURES, WINDOW, N_CHANNELS = 16, 32, 3
_WARMUP, _BATCH_REPEATS = 20, 5
#: Rates the fleet mode converts into cores ("millions of metrics per second"), values/s.
FLEET_TARGETS = (1e6, 1e7)
#: The streaming source's file period (s) and the rate it offers (values/s): the target of
#: issue 21 (1 M values/s on local[2] within 2 s end to end).
STREAM_FILE_PERIOD_S, STREAM_OFFERED_PER_S = 0.25, 1e6
#: Incidents per service and scored day in the fleet mode (they change the values, hardly
#: the speed; few enough that a short horizon always has room for them).
FLEET_INCIDENTS_PER_DAY = 0.1


def run_benchmark(
    repeats: int = 1000, batch_size: int = 4096, threads: int = 1, seed: int = 0
) -> dict:
    """Measure torch vs ONNX Runtime scoring latency; return ``{"setup": ..., "results": [...]}``.

    ``results`` has one dict per (model, runtime): ``model``, ``runtime``, ``p50_ms`` and
    ``p99_ms`` (one input, milliseconds), ``batch_size`` and ``batch_per_s`` (inputs per
    second). ``threads`` is used by both runtimes (torch's intra-op threads are restored
    afterwards). Runs on the CPU.
    """
    repeats = check_int(repeats, "repeats", low=10)
    batch_size = check_int(batch_size, "batch_size", low=1)
    threads = check_int(threads, "threads", low=1)
    rng = np.random.default_rng(check_int(seed, "seed", low=0))
    models = {
        "autoencoder": (
            AutoencoderDetector(epochs=2, random_state=seed, device="cpu"),
            rng.normal(size=(2000, N_FEATURES)),
        ),
        "lstm_autoencoder": (
            LSTMAutoencoderDetector(epochs=2, random_state=seed, device="cpu"),
            rng.normal(size=(500, WINDOW, N_CHANNELS)),
        ),
    }
    results = []
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with tempfile.TemporaryDirectory() as directory:
            for name, (detector, data) in models.items():
                detector.fit(data)
                path = export_onnx(detector, Path(directory) / f"{name}.onnx")
                scorer = OnnxScorer(path, threads)
                batch = data[rng.integers(0, len(data), size=batch_size)]
                for runtime, score in (
                    ("torch", detector.score_samples),
                    ("onnxruntime", scorer.score_samples),
                ):
                    results.append(
                        {"model": name, "runtime": runtime}
                        | _latency(score, data[:1], repeats)
                        | {"batch_size": batch_size, "batch_per_s": _throughput(score, batch)}
                    )
    finally:
        torch.set_num_threads(previous_threads)
    setup = {
        "threads": threads,
        "repeats": repeats,
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} logical CPUs",
        "python": platform.python_version(),
    }
    return {"setup": setup, "results": results}


def latency_runs(
    call: Callable[[], object],
    runs: int = 5,
    calls: int = 200,
    warmup: int = 20,
    percentiles: tuple[float, ...] = (50, 95, 99),
) -> pd.DataFrame:
    """Time ``call()``: ``warmup`` untimed calls, then ``runs`` runs of ``calls`` timed calls.

    Each call is timed twice: wall-clock time (``time.perf_counter``) and the calling
    thread's CPU time (``time.thread_time``), the scorer's own work, which other processes
    on a busy machine cannot inflate (both runtimes score in the calling thread when given
    one thread). Returns one row per run (index ``run``) with columns ``p{q}`` (wall) and
    ``cpu p{q}`` per percentile, in milliseconds over that run's calls. The runs play the
    part of seeds: a verdict on a latency budget reads their spread, not one run's luck.
    """
    runs = check_int(runs, "runs", low=1)
    calls = check_int(calls, "calls", low=10)
    warmup = check_int(warmup, "warmup", low=0)
    if not callable(call):
        raise TypeError(f"call must be callable with no arguments, got {type(call).__name__}.")
    for _ in range(warmup):
        call()
    wall, cpu = np.empty((runs, calls)), np.empty((runs, calls))
    for run in range(runs):
        for i in range(calls):
            start, start_cpu = time.perf_counter(), time.thread_time()
            call()
            wall[run, i] = time.perf_counter() - start
            cpu[run, i] = time.thread_time() - start_cpu
    table = {}
    for prefix, times in (("", wall), ("cpu ", cpu)):
        values = np.percentile(times * 1e3, list(percentiles), axis=1)
        table |= {f"{prefix}p{q:g}": v for q, v in zip(percentiles, values, strict=True)}
    return pd.DataFrame(table).rename_axis("run")


def _latency(score: Callable[[np.ndarray], np.ndarray], one: np.ndarray, repeats: int) -> dict:
    """p50 and p99 wall time of scoring one input, in milliseconds."""
    for _ in range(_WARMUP):
        score(one)
    times = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        score(one)
        times[i] = time.perf_counter() - start
    p50, p99 = np.percentile(times, [50, 99]) * 1e3
    return {"p50_ms": float(p50), "p99_ms": float(p99)}


def _throughput(score: Callable[[np.ndarray], np.ndarray], batch: np.ndarray) -> float:
    """Inputs scored per second for one batch call (the fastest of a few)."""
    score(batch)
    best = np.inf
    for _ in range(_BATCH_REPEATS):
        start = time.perf_counter()
        score(batch)
        best = min(best, time.perf_counter() - start)
    return float(len(batch) / best)


def format_table(report: dict) -> str:
    """The results as a fixed-width text table."""
    header = f"{'model':<18}{'runtime':<13}{'p50 ms':>9}{'p99 ms':>9}{'batch/s':>12}"
    rows = [
        f"{r['model']:<18}{r['runtime']:<13}{r['p50_ms']:>9.3f}{r['p99_ms']:>9.3f}"
        f"{r['batch_per_s']:>12,.0f}"
        for r in report["results"]
    ]
    setup = report["setup"]
    note = (
        f"one input: p50/p99 over {setup['repeats']} calls; batch of "
        f"{report['results'][0]['batch_size']}; {setup['threads']} thread(s); "
        f"torch {setup['torch']}, onnxruntime {setup['onnxruntime']}; {setup['machine']}"
    )
    return "\n".join([header, "-" * len(header), *rows, note])


def run_fleet_benchmark(
    n_series: int = 16_000,
    n_steps: int = 288,
    calibration_days: int = 7,
    partitions: int = 4,
    buckets: Sequence[int] = (16, 64),
    intervals: Sequence[float] = (1.0, 5.0),
    spark: bool = True,
    repeats: int = 3,
    seed: int = 0,
) -> dict:
    """Throughput and batch latency of the fleet detector per engine; ``{"setup", "results"}``.

    Simulates ``n_series`` series (rounded up to whole services of 4 instances × 4 metrics)
    for ``calibration_days`` days, incident-free, then ``n_steps`` five-minute steps; fits
    the detector on the first part and scores the second: numpy in this process, Dask on 1
    and 2 workers (``partitions`` blocks of series, at least one per worker) and, if
    ``spark``, Spark on ``buckets`` and ``intervals`` (:func:`spark_rows`). ``results`` holds
    one row per measurement (the keys of :func:`adlib.fleet.throughput.format_fleet_table`
    and more), each with the arithmetic of :data:`FLEET_TARGETS` and the 100 ms budget.
    """
    n_series = check_int(n_series, "n_series", low=1)
    n_steps = check_int(n_steps, "n_steps", low=1)
    calibration_days = check_int(calibration_days, "calibration_days", low=1)
    partitions = check_int(partitions, "partitions", low=1)
    repeats = check_int(repeats, "repeats", low=1)
    buckets = [check_int(b, "buckets", low=1) for b in buckets]
    intervals = [check_real(i, "intervals", low=0.0, inclusive=False) for i in intervals]
    if spark and not (buckets and intervals):
        raise ValueError("buckets and intervals need at least one value each for Spark.")
    load_before = os.getloadavg()
    start = time.perf_counter()
    scored_days = math.ceil(n_steps / STEPS_PER_DAY)
    fleet = simulate_fleet(
        n_services=math.ceil(n_series / (4 * len(Fleet.metrics))),
        n_instances=4,
        n_days=calibration_days + scored_days,
        incidents_per_service=FLEET_INCIDENTS_PER_DAY * scored_days,
        warmup_days=calibration_days,
        seed=seed,
    )
    calibration = fleet.values(0, calibration_days * STEPS_PER_DAY)
    values = fleet.values(calibration.shape[0], n_steps)
    simulate_s = time.perf_counter() - start
    start = time.perf_counter()
    detector = FleetDetector().fit(calibration)
    fit_s = time.perf_counter() - start
    del calibration
    rows = [numpy_rate(detector, values, repeats)]
    for workers in (1, 2):
        rows.append(dask_rate(detector, values, workers, max(partitions, workers), repeats))
    if spark:
        start_step = calibration_days * STEPS_PER_DAY
        rows += spark_rows(detector, fleet, start_step, n_steps, buckets, intervals, repeats)
    results = [
        _with_arithmetic({k: v for k, v in row.items() if k not in ("z", "batches")})
        for row in rows
    ]
    setup = {
        "n_series": fleet.n_series,
        "n_steps": n_steps,
        "calibration_steps": calibration_days * STEPS_PER_DAY,
        "repeats": repeats,
        "simulate_s": simulate_s,
        "fit_s": fit_s,
        "threads": "one per process: numpy's element-wise operations use one thread; Dask "
        "workers and Spark's Python workers are one process each",
        "dask_start_method": START_METHOD,
        "numpy": np.__version__,
        "dask": dask.__version__,
        "pyspark": importlib.metadata.version("pyspark") if spark else None,
        "machine": f"{platform.machine()}, {os.cpu_count()} logical CPUs, "
        f"{len(os.sched_getaffinity(0))} usable",
        "load_average_before": load_before[0],
        "load_average_after": os.getloadavg()[0],
        "python": platform.python_version(),
    }
    return {"setup": setup, "results": results}


def spark_rows(
    detector: FleetDetector,
    fleet: Fleet,
    start_step: int,
    n_steps: int,
    buckets: Sequence[int],
    intervals: Sequence[float],
    repeats: int = 2,
) -> list[dict]:
    """Spark's rows of the fleet table: batch on local[1] and local[2], streaming on local[2].

    Batch (:func:`adlib.fleet.spark_throughput.batch_rate`): the ``n_steps`` steps of
    ``fleet`` from ``start_step`` as one cached table, scored over each bucket count of
    ``buckets``. Streaming (:func:`~adlib.fleet.spark_throughput.stream_at_rate`), with the
    largest bucket count and at each trigger interval of ``intervals``: files of whole steps
    arrive every :data:`STREAM_FILE_PERIOD_S` s, offering about :data:`STREAM_OFFERED_PER_S`
    values/s (at least one step per file, at most half the steps), until the steps run out.
    One session per core count (about 8 s each to start, not timed).
    """
    per_file = STREAM_OFFERED_PER_S * STREAM_FILE_PERIOD_S / fleet.n_series
    steps_per_file = min(max(1, round(per_file)), max(1, n_steps // 2))
    n_files = max(2, n_steps // steps_per_file)
    rows = []
    for cores in (1, 2):
        with local_spark(cores, n_buckets=max(buckets)) as spark:
            table = spark.createDataFrame(fleet.rows(start_step, n_steps))
            rows += [batch_rate(spark, table, detector, b, repeats) for b in buckets]
            if cores == 1:
                continue
            for interval in intervals:
                with tempfile.TemporaryDirectory(prefix="adlib-stream-") as directory:
                    rows.append(
                        stream_at_rate(
                            spark,
                            detector,
                            fleet,
                            directory,
                            start_step=start_step,
                            n_files=n_files,
                            steps_per_file=steps_per_file,
                            file_period_s=STREAM_FILE_PERIOD_S,
                            trigger_seconds=interval,
                            n_buckets=max(buckets),
                        )
                    )
    return rows


def _with_arithmetic(row: dict) -> dict:
    """``row`` plus cores needed for each rate of :data:`FLEET_TARGETS` at its per-core rate,
    and the 100 ms verdict of :func:`adlib.fleet.throughput.budget_check` if it has latencies."""
    per_core = row["values_per_s"] / row["workers"]
    row = row | {"values_per_s_per_core": per_core}
    row |= {
        f"cores_for_{target:.0e}_per_s": cores_needed(target, per_core) for target in FLEET_TARGETS
    }
    if "trigger_s" in row:  # a stream: micro-batch durations, measured end-to-end latency
        check = budget_check(
            row["values_per_s"],
            row["batch_p50_s"],
            row["batch_p95_s"],
            row["trigger_s"],
            end_to_end_p95_s=row["p95_s"],
        )
        row["budget_100ms"] = check["verdict"]
    elif row.get("p95_s") is not None:  # scored as each batch arrives: no trigger to wait for
        check = budget_check(row["values_per_s"], row["p50_s"], row["p95_s"], 0.0)
        row["budget_100ms"] = check["verdict"]
    return row


def format_fleet_report(report: dict) -> str:
    """The fleet rows as a table, then the arithmetic of cores and of the 100 ms budget."""
    results, setup = report["results"], report["setup"]
    lines = [format_fleet_table(results), ""]
    lines.append(
        "arithmetic, not measured: cores for "
        + " and ".join(f"{t:,.0f}" for t in FLEET_TARGETS)
        + " values/s at each row's rate per core; the 100 ms budget"
    )
    for row in results:
        cores = " / ".join(str(row[f"cores_for_{t:.0e}_per_s"]) for t in FLEET_TARGETS)
        name = f"{row['engine']} ({row['workers']}), {row['batch']}"
        lines.append(f"  {name:<40}{cores:>15}   {row.get('budget_100ms', '-')}")
    lines.append(
        f"{setup['n_series']:,} series × {setup['n_steps']} steps; best of {setup['repeats']}; "
        f"{setup['machine']}; load average {setup['load_average_before']:.2f} before, "
        f"{setup['load_average_after']:.2f} after"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["fleet"]:
        fleet_main(argv[1:])
        return
    parser = argparse.ArgumentParser(
        prog="python -m adlib.bench",
        description=__doc__.splitlines()[0],
        epilog="python -m adlib.bench fleet --help: the fleet mode (throughput, notebook 14)",
    )
    parser.add_argument("--repeats", type=int, default=1000, help="calls per latency (1000)")
    parser.add_argument("--batch-size", type=int, default=4096, help="batch size (4096)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per runtime (1)")
    parser.add_argument("--out", type=Path, default=Path("build/bench.json"), help="JSON file")
    args = parser.parse_args(argv)
    report = run_benchmark(repeats=args.repeats, batch_size=args.batch_size, threads=args.threads)
    _write(report, format_table(report), args.out)


def fleet_main(argv: list[str]) -> None:
    """``python -m adlib.bench fleet ...``: :func:`run_fleet_benchmark` from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m adlib.bench fleet",
        description="Fleet detector throughput: numpy, Dask and Spark side by side.",
    )
    parser.add_argument("--series", type=int, default=16_000, help="series (16000)")
    parser.add_argument("--steps", type=int, default=288, help="five-minute steps scored (288)")
    parser.add_argument("--calibration-days", type=int, default=7, help="days to fit on (7)")
    parser.add_argument("--partitions", type=int, default=4, help="Dask blocks of series (4)")
    parser.add_argument(
        "--buckets", type=int, nargs="+", default=[16, 64], help="Spark buckets (16 64)"
    )
    parser.add_argument(
        "--intervals", type=float, nargs="+", default=[1.0, 5.0], help="triggers, s (1 5)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per engine (3)")
    parser.add_argument("--no-spark", action="store_true", help="numpy and Dask only")
    parser.add_argument(
        "--out", type=Path, default=Path("build/bench_fleet.json"), help="JSON file"
    )
    args = parser.parse_args(argv)
    report = run_fleet_benchmark(
        n_series=args.series,
        n_steps=args.steps,
        calibration_days=args.calibration_days,
        partitions=args.partitions,
        buckets=args.buckets,
        intervals=args.intervals,
        spark=not args.no_spark,
        repeats=args.repeats,
    )
    _write(report, format_fleet_report(report), args.out)


def _write(report: dict, table: str, out: Path) -> None:
    """Print ``table`` and write ``report`` as JSON to ``out``."""
    print(table)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
