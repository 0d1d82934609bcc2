"""How fast Spark scores the fleet: batch throughput, and a stream fed at a fixed rate.

:func:`batch_rate` times the bucketed batch scoring of :func:`adlib.fleet.spark.score_batch`
on a cached table of rows, into Spark's ``noop`` sink (everything is computed, nothing is
written), after one untimed warm-up run that starts the Python workers.

:func:`stream_at_rate` measures what a stream is for: a producer thread writes one file of
fleet rows every ``file_period_s`` seconds into the source directory, the way metrics
arrive, while the scoring query (:func:`adlib.fleet.streaming.start_stream`) runs at a
trigger interval. A file written at time w is read by the first micro-batch that starts
after w and scored when that batch ends, so its end-to-end latency is that batch's end
minus w: the wait for the next trigger plus the batch's own duration. The throughput is the
rows scored over the time from the first file to the end of the last batch, and the query
*keeps up* when that is the producer's rate (a slower query builds a backlog).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from adlib._validation import check_int, check_real
from adlib.fleet.detector import FleetDetector
from adlib.fleet.simulator import Fleet
from adlib.fleet.spark import score_batch
from adlib.fleet.streaming import progress_table, start_stream, stop_gracefully


def batch_rate(
    spark: object, rows: object, detector: FleetDetector, n_buckets: int, repeats: int = 2
) -> dict:
    """Rows (values) scored per second by Spark's bucketed batch scoring of ``rows``.

    ``rows``: a Spark DataFrame (series, step, value), cached here so that reading it is not
    timed. Returns ``engine``, ``workers`` (Spark's default parallelism, its cores),
    ``partitions`` (buckets), ``batch`` (rows per run), ``values_per_s`` (best run) and
    ``p50_s`` (median run seconds).
    """
    repeats = check_int(repeats, "repeats", low=1)
    rows = rows.cache()
    n_rows = rows.count()
    scored = score_batch(spark, rows, detector, n_buckets, alerts_only=True)
    scored.write.format("noop").mode("overwrite").save()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        scored.write.format("noop").mode("overwrite").save()
        seconds.append(time.perf_counter() - start)
    rows.unpersist()
    return {
        "engine": "spark batch",
        "workers": spark.sparkContext.defaultParallelism,
        "partitions": n_buckets,
        "batch": f"{n_rows:,} rows",
        "values_per_s": n_rows / min(seconds),
        "p50_s": float(np.median(seconds)),
        "p95_s": None,
    }


def stream_at_rate(
    spark: object,
    detector: FleetDetector,
    fleet: Fleet,
    directory: str | Path,
    *,
    start_step: int,
    n_files: int,
    steps_per_file: int,
    file_period_s: float,
    trigger_seconds: float,
    n_buckets: int,
    fmt: str = "packed",
) -> dict:
    """Feed the scoring stream one file every ``file_period_s`` s and measure it.

    Each file holds ``steps_per_file`` steps of every series of ``fleet`` (which must be the
    fleet ``detector`` was fitted on), from ``start_step`` on; the files are simulated
    before the clock starts. ``directory`` (empty or new) receives the source files, the
    outputs and the checkpoint. Each micro-batch takes every file that has landed; the
    query emits alerts only. Returns the measurement row
    (``values_per_s``, ``p50_s`` and ``p95_s`` of the end-to-end latency per file,
    ``batch_p50_s``/``batch_p95_s`` of the micro-batch durations, ``offered_per_s`` the
    producer's rate, ``keeps_up``) and ``batches``, the query's progress table.
    """
    n_files = check_int(n_files, "n_files", low=2)
    steps_per_file = check_int(steps_per_file, "steps_per_file", low=1)
    period = check_real(file_period_s, "file_period_s", low=0.0, inclusive=False)
    directory = Path(directory)
    source = directory / "source"
    source.mkdir(parents=True, exist_ok=False)
    blocks = [fleet.rows(start_step + i * steps_per_file, steps_per_file) for i in range(n_files)]
    query = start_stream(
        spark,
        detector,
        source,
        directory / "out",
        directory / "checkpoint",
        n_buckets,
        fmt=fmt,
        max_files_per_trigger=n_files,
        trigger_seconds=trigger_seconds,
        emit="alerts",
    )
    written: list[float] = []
    producer = threading.Thread(target=_produce, args=(blocks, source, period, written))
    try:
        producer.start()
        producer.join()
        query.processAllAvailable()
    finally:
        stop_gracefully(query)
    batches = progress_table(query)
    return _stream_row(batches, written, blocks, period, trigger_seconds, n_buckets, spark)


def _produce(blocks: list, source: Path, period: float, written: list) -> None:
    """Write ``blocks`` as files, one every ``period`` seconds; append each write time."""
    first = time.time()
    for index, rows in enumerate(blocks):
        time.sleep(max(0.0, first + index * period - time.time()))
        name = f"rows-{index:06d}.parquet"
        rows.to_parquet(source / f".{name}.tmp", index=False)
        (source / f".{name}.tmp").rename(source / name)
        written.append(time.time())


def _stream_row(batches, written, blocks, period, trigger_seconds, n_buckets, spark) -> dict:
    """The measurement row of :func:`stream_at_rate` from the progress table and write times."""
    starts = batches["start"].map(pd.Timestamp.timestamp).to_numpy()
    ends = starts + batches["trigger_ms"].to_numpy() / 1e3
    picked = np.searchsorted(starts, np.asarray(written), side="left")
    if np.any(picked >= len(starts)):
        raise RuntimeError("a file was written after the last micro-batch started; none read it.")
    latency = ends[picked] - np.asarray(written)
    n_rows = sum(len(rows) for rows in blocks)
    values_per_s = n_rows / (ends[-1] - written[0])
    offered = len(blocks[0]) / period
    return {
        "engine": "spark streaming",
        "workers": spark.sparkContext.defaultParallelism,
        "partitions": n_buckets,
        "batch": f"{trigger_seconds:g} s trigger",
        "trigger_s": trigger_seconds,
        "offered_per_s": offered,
        "values_per_s": values_per_s,
        "keeps_up": bool(values_per_s >= 0.9 * offered),
        "p50_s": float(np.median(latency)),
        "p95_s": float(np.percentile(latency, 95)),
        "batch_p50_s": float(batches["trigger_ms"].median() / 1e3),
        "batch_p95_s": float(batches["trigger_ms"].quantile(0.95) / 1e3),
        "rows_per_batch": float(batches["input_rows"].mean()),
        "batches": pd.DataFrame(batches),
    }
