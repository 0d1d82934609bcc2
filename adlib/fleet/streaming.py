"""The fleet detector in Spark Structured Streaming: checkpointed state, exactly-once sinks.

The query (:func:`start_stream`) reads metric rows (series, step, value) from files as
they land in a directory, sends every row that cannot be scored to a dead-letter sink with
its reason (:func:`validate`), and scores the rest per bucket of series with
``applyInPandasWithState``: a bucket's state is the detector's memory for its series,
packed into one binary column (:meth:`SeriesState.pack`; array columns in this state fail
in pyspark 4.3 with ``KeyError: 'elementType'``), starting from the fitted state, not cold.
Rows out of order for their series (late, or repeated) are dead letters too: scoring them
would move a series' state twice. Spark checkpoints the input offsets and the state of
every micro-batch; ``foreachBatch`` writes batch N to ``sink/batch_id=N/`` and
``dead_letter/batch_id=N/``, replacing what was there, so a batch replayed after a crash
rewrites the same files: every row lands exactly once. "packed" input
(:mod:`adlib.fleet.packed`) is the faster path for large Parquet files.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from adlib._validation import MAX_MAGNITUDE, check_int, check_real
from adlib.fleet.detector import FleetDetector, SeriesState
from adlib.fleet.packed import DEAD_BUCKET, FILE_SCHEMA, packed_rows, unpack
from adlib.fleet.spark import bucket_column, bucket_state, check_fleet_detector, scored_frame

#: What the file source reads, per format. JSON fields are read as text and cast with
#: ``try_cast`` (Spark 4 raises on a failed plain cast), so a malformed value becomes a dead
#: letter. "packed" reads Parquet files whole, in Python (:mod:`adlib.fleet.packed`).
SOURCE_SCHEMAS = {
    "json": "series string, step string, value string, _corrupt_record string",
    "parquet": "series long, step long, value double",
    "packed": FILE_SCHEMA,
}
#: Rows leaving the stateful scorer: scored rows have no reason, dead letters have one and
#: the record as received (``raw``).
OUTPUT_SCHEMA = (
    "series long, step long, value double, z double, flag boolean, reason string, raw string"
)
OUTPUT_COLUMNS = ["series", "step", "value", "z", "flag", "reason", "raw"]
#: Per bucket: SeriesState.pack() and the last scored step of each series (int64 bytes).
STATE_SCHEMA = "memory binary, last_step binary"
SCORED_COLUMNS = ["series", "step", "value", "z", "flag"]
DEAD_COLUMNS = ["series", "step", "value", "reason", "raw"]
EMITS = ("all", "alerts")
_JOB_FILE = "adlib_stream.json"


def write_source_files(
    rows: pd.DataFrame, directory: str | Path, steps_per_file: int = 1, fmt: str = "parquet"
) -> list:
    """Write long-format ``rows`` into ``directory`` as files a stream picks up, in step order.

    One file per ``steps_per_file`` consecutive steps, named by their first step, each
    written under a hidden name and renamed (a stream must never read half a file), with
    modification times increasing in step order (the file source's order). ``fmt`` is
    ``"parquet"`` (for the "parquet" and "packed" streams) or ``"json"`` (one object per
    line). Returns the paths written.
    """
    steps_per_file = check_int(steps_per_file, "steps_per_file", low=1)
    _check_choice(fmt, "fmt", ("parquet", "json"))
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    chunk = (rows["step"] - rows["step"].min()) // steps_per_file
    stamp, paths = time.time(), []
    for index, (_, part) in enumerate(rows.groupby(chunk, sort=True)):
        path = directory / f"step-{int(part['step'].min()):09d}.{fmt}"
        hidden = directory / f".{path.name}.tmp"
        if fmt == "json":
            part.to_json(hidden, orient="records", lines=True)
        else:
            part.to_parquet(hidden, index=False)
        os.replace(hidden, path)
        os.utime(path, (stamp + index, stamp + index))
        paths.append(path)
    return paths


def validate(raw: object, n_series: int) -> object:
    """``raw`` with typed series, step, value, a ``reason`` (null when scorable) and ``raw``.

    Reasons, first match wins: a null field (or an unparsable JSON line), series or step not
    an integer, value not a number, value NaN or infinite, |value| above MAX_MAGNITUDE, a
    series id outside 0..n_series-1. ``raw`` keeps the record as received (JSON text) for the
    dead-letter sink. Nothing raises here: a bad row is a row with a reason.
    """
    from pyspark.sql import functions as F

    series = F.col("series").try_cast("bigint")
    step = F.col("step").try_cast("bigint")
    value = F.col("value").try_cast("double")
    reason = (
        F.when(F.col("series").isNull() | F.col("step").isNull(), "null field")
        .when(F.col("value").isNull(), "null field")
        .when(series.isNull() | step.isNull(), "series or step not an integer")
        .when(value.isNull(), "value not a number")
        .when(F.isnan(value) | (F.abs(value) == F.lit(float("inf"))), "value not finite")
        .when(F.abs(value) > F.lit(MAX_MAGNITUDE), "value too large")
        .when((series < 0) | (series >= n_series), "unknown series")
    )
    fields = (F.col(name).cast("string").alias(name) for name in ("series", "step", "value"))
    record = F.to_json(F.struct(*fields), {"ignoreNullFields": "false"})
    if "_corrupt_record" in raw.columns:
        record = F.coalesce(F.col("_corrupt_record"), record)
    return raw.select(
        series.alias("series"),
        step.alias("step"),
        value.alias("value"),
        reason.alias("reason"),
        F.when(reason.isNotNull(), record).alias("raw"),
    )


def stateful_scorer(shared: object, n_buckets: int, emit: str) -> Callable:
    """The function ``applyInPandasWithState`` calls per bucket and micro-batch.

    ``shared`` is the broadcast fitted detector. Group ``DEAD_BUCKET`` holds the rows
    :func:`validate` rejected: they pass through untouched. For a real bucket, its state
    (the detector's memory and each series' last scored step) is read, or, the first time,
    taken from the fitted state; rows out of order are rejected (:func:`order_reasons`),
    the rest scored in step order, and the state written back as bytes. ``emit="alerts"``
    returns only the flagged (and rejected) rows: a smaller Arrow transfer back.
    """

    def score(key: tuple, chunks: Iterator[pd.DataFrame], state: object) -> Iterator[pd.DataFrame]:
        frames = list(chunks)
        rows = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        if key[0] == DEAD_BUCKET:
            yield rows.assign(z=np.nan, flag=None)[OUTPUT_COLUMNS]
            return
        if "payload" in rows.columns:  # the packed path: one payload per file
            rows = unpack(rows["payload"])
        detector = shared.value
        memory, last_step = load_bucket_state(state, detector, int(key[0]), n_buckets)
        reason = order_reasons(rows, memory, last_step)
        accepted = pd.isna(reason)
        if accepted.any():
            fresh = rows.loc[accepted, ["series", "step", "value"]]
            series, step = fresh["series"].to_numpy(), fresh["step"].to_numpy()
            z, memory = detector.score_rows(memory, series, step, fresh["value"])
            np.maximum.at(last_step, memory.positions(series), step)
            state.update((memory.pack(), last_step.tobytes()))
            scored = scored_frame(detector, fresh, z).assign(reason=None, raw=None)
            yield scored[scored["flag"]] if emit == "alerts" else scored
        if not accepted.all():
            yield rejected_rows(rows[~accepted], reason[~accepted])

    return score


def load_bucket_state(state: object, detector: FleetDetector, bucket: int, n_buckets: int) -> tuple:
    """A bucket's memory and per-series last scored step, from Spark's state or fitted."""
    if state.exists:
        memory, last_step = state.get
        return SeriesState.unpack(memory), np.frombuffer(last_step, dtype=np.int64).copy()
    memory = bucket_state(detector, bucket, n_buckets)
    return memory, np.full(memory.series.size, np.iinfo(np.int64).min)


def order_reasons(rows: pd.DataFrame, memory: SeriesState, last_step: np.ndarray) -> np.ndarray:
    """Per row, why it cannot be scored now (object array, None if it can).

    "late (step already scored)": its step is not after its series' last scored step (a
    value resent, or delayed past newer ones); "repeated (series, step)": the same pair
    appears earlier in this micro-batch. Scoring either would move the state twice.
    """
    step = rows["step"].to_numpy()
    late = step <= last_step[memory.positions(rows["series"].to_numpy())]
    repeated = rows.duplicated(["series", "step"]).to_numpy()
    reason = np.full(len(rows), None, dtype=object)
    reason[repeated] = "repeated (series, step)"
    reason[late] = "late (step already scored)"
    return reason


def rejected_rows(rows: pd.DataFrame, reason: np.ndarray) -> pd.DataFrame:
    """Rows refused by the scorer, in the output layout, each with its reason and record."""
    raw = [
        json.dumps({"series": int(a), "step": int(b), "value": float(c)})
        for a, b, c in zip(rows["series"], rows["step"], rows["value"], strict=True)
    ]
    return rows.assign(z=np.nan, flag=None, reason=reason, raw=raw)[OUTPUT_COLUMNS]


def build_stream(
    spark: object,
    detector: FleetDetector,
    source: str | Path,
    n_buckets: int,
    fmt: str = "parquet",
    max_files_per_trigger: int = 1,
    emit: str = "all",
) -> object:
    """The streaming DataFrame of scored rows and dead letters (schema OUTPUT_SCHEMA).

    Reads ``source`` as a file stream (``max_files_per_trigger`` files per micro-batch),
    validates, and groups by bucket, the rejected rows into ``DEAD_BUCKET``: one scan of
    the input and one stateful operator (a union of two branches would read each file
    twice). The observed metric ``quality`` counts each batch's emitted and dead rows.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.streaming.state import GroupStateTimeout

    n_buckets = check_fleet_detector(detector, n_buckets)
    max_files = check_int(max_files_per_trigger, "max_files_per_trigger", low=1)
    _check_choice(fmt, "fmt", tuple(SOURCE_SCHEMAS))
    _check_choice(emit, "emit", EMITS)
    n_series = detector.state_.series.size
    if fmt == "packed":
        keyed = packed_rows(spark, source, n_series, n_buckets, max_files)
    else:
        raw = (
            spark.readStream.format(fmt)
            .schema(SOURCE_SCHEMAS[fmt])
            .option("maxFilesPerTrigger", max_files)
            .load(str(source))
        )
        bucket = F.when(F.col("reason").isNull(), bucket_column("series", n_buckets))
        keyed = validate(raw, n_series).withColumn("bucket", F.coalesce(bucket, F.lit(DEAD_BUCKET)))
    scored = keyed.groupBy("bucket").applyInPandasWithState(
        stateful_scorer(spark.sparkContext.broadcast(detector), n_buckets, emit),
        OUTPUT_SCHEMA,
        STATE_SCHEMA,
        "append",
        GroupStateTimeout.NoTimeout,
    )
    return scored.observe(
        "quality", F.count(F.lit(1)).alias("emitted"), F.count(F.col("reason")).alias("dead")
    )


class StopSignal:
    """A request to stop, honoured by the ``foreachBatch`` writer when a batch is written.

    The writer calls :meth:`pause_if_requested` after its writes, when no task of the
    batch is running: if a stop was requested it parks there until released, which gives
    :func:`stop_gracefully` a moment at which stopping interrupts nothing.
    """

    def __init__(self) -> None:
        self.requested, self.parked, self.released = (threading.Event() for _ in range(3))

    def pause_if_requested(self) -> None:
        """Called by the writer at the end of each batch."""
        if self.requested.is_set():
            self.parked.set()
            self.released.wait()


#: The stop signal of each query started here, by query id.
_SIGNALS: dict = {}


def batch_writer(out: str | Path, signal: StopSignal | None = None) -> Callable:
    """The ``foreachBatch`` function: batch N to sink/batch_id=N and dead_letter/batch_id=N.

    Each micro-batch is collected once, as Arrow (one Spark job), split into scored rows
    and dead letters, and each part written as one Parquet file under a fixed name,
    replacing any file a crashed run left: a batch replayed after a crash (before its
    commit was recorded) rewrites the same files, and with Spark's replay of the same input
    and state this gives exactly-once output. Writing on the driver suits alerts, which are
    few; measured here, two Spark parquet writes per batch cost 0.3-0.5 s more. ``signal``
    lets a graceful stop park the query after the writes.
    """
    import pyarrow.compute as pc

    out = Path(out)

    def write(batch: object, batch_id: int) -> None:
        table = batch.toArrow()
        dead = pc.is_valid(table["reason"])
        part = f"batch_id={batch_id}"
        _replace_file(out / "sink" / part, table.filter(pc.invert(dead)).select(SCORED_COLUMNS))
        _replace_file(out / "dead_letter" / part, table.filter(dead).select(DEAD_COLUMNS))
        if signal is not None:
            signal.pause_if_requested()

    return write


def _replace_file(directory: Path, table: object) -> None:
    """Write ``table`` as directory/part-0.parquet, atomically (a hidden file, renamed)."""
    import pyarrow.parquet as pq

    directory.mkdir(parents=True, exist_ok=True)
    hidden = directory / ".part-0.parquet.tmp"
    pq.write_table(table, hidden)
    os.replace(hidden, directory / "part-0.parquet")


def start_stream(
    spark: object,
    detector: FleetDetector,
    source: str | Path,
    out: str | Path,
    checkpoint: str | Path,
    n_buckets: int,
    *,
    fmt: str = "parquet",
    max_files_per_trigger: int = 1,
    trigger_seconds: float | None = 1.0,
    emit: str = "all",
) -> object:
    """Start the scoring query; returns the running ``StreamingQuery``.

    ``trigger_seconds``: the micro-batch interval (a batch starts every interval, or at once
    when the previous one overran it); ``None`` processes what is in ``source`` now and
    stops (``availableNow``). ``checkpoint`` holds offsets, commits and state: restarting
    with the same one resumes where the last committed batch ended, with the same
    ``n_buckets`` (checked). Outputs go under ``out`` (:func:`batch_writer`).
    """
    n_buckets = check_fleet_detector(detector, n_buckets)
    if trigger_seconds is not None:
        trigger_seconds = check_real(trigger_seconds, "trigger_seconds", low=0.0, inclusive=False)
    _check_job(
        Path(checkpoint), {"n_buckets": n_buckets, "n_series": int(detector.state_.series.size)}
    )
    stream = build_stream(spark, detector, source, n_buckets, fmt, max_files_per_trigger, emit)
    signal = StopSignal()
    writer = stream.writeStream.foreachBatch(batch_writer(out, signal)).option(
        "checkpointLocation", str(checkpoint)
    )
    if trigger_seconds is None:
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(processingTime=f"{trigger_seconds} seconds")
    query = writer.start()
    _SIGNALS[query.id] = signal
    return query


def committed_batches(checkpoint: str | Path) -> int:
    """How many micro-batches the checkpoint records as committed (files in ``commits/``)."""
    commits = Path(checkpoint) / "commits"
    if not commits.is_dir():
        return 0
    return sum(1 for path in commits.iterdir() if path.name.isdigit())


def wait_for_batches(query: object, checkpoint: str | Path, n: int, timeout: float = 120.0) -> int:
    """Wait until ``checkpoint`` records ``n`` committed batches; returns how many it has.

    Raises the query's own error if it died meanwhile (a polling loop would otherwise wait
    forever on a failed query), and TimeoutError after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while (done := committed_batches(checkpoint)) < n:
        if not query.isActive:
            error = query.exception()
            if error is not None:
                raise RuntimeError(f"the streaming query failed: {error}") from None
            if committed_batches(checkpoint) < n:
                raise RuntimeError(f"the query ended after {done} of the {n} batches awaited.")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{done} of {n} batches committed after {timeout} s.")
        time.sleep(0.02)
    return done


def stop_gracefully(query: object, timeout: float = 120.0, poll: float = 0.005) -> bool:
    """Stop ``query`` between micro-batches; True if no batch was cut, False after ``timeout``.

    ``query.stop()`` alone interrupts the running batch: its Python workers lose their
    pipes and the JVM prints broken pipes and a StackOverflowError (a regex over the long
    error message). The batch would be replayed correctly on restart, but the noise hides
    real errors. Here the stop is requested from the writer (:class:`StopSignal`): when the
    current batch is written, it parks; the query is marked stopped, so no new trigger
    starts, and only then released. An idle query (no trigger running) is stopped at once.
    """
    signal = _SIGNALS.pop(query.id, None) or StopSignal()
    signal.requested.set()
    deadline = time.monotonic() + timeout
    while query.isActive and time.monotonic() < deadline:
        if signal.parked.is_set():
            _stop_parked(query, signal, poll)
            return True
        if not query.status["isTriggerActive"]:
            query.stop()
            return True
        time.sleep(poll)
    signal.released.set()
    query.stop()
    return time.monotonic() < deadline


def _stop_parked(query: object, signal: StopSignal, poll: float) -> None:
    """Stop a query whose writer is parked: mark it stopped, then let the writer return."""
    stopper = threading.Thread(target=query.stop, daemon=True)
    stopper.start()
    while query.isActive:
        time.sleep(poll)
    signal.released.set()
    stopper.join()


def progress_table(query: object) -> pd.DataFrame:
    """One row per micro-batch that read data, from ``query.recentProgress``.

    Columns: batch_id, start (timestamp), input_rows, emitted_rows (scored rows written, or
    alerts), dead_rows (dead letters among them), trigger_ms (the whole
    micro-batch: planning, scoring, writing, committing), add_batch_ms (the foreachBatch
    part), rows_per_s (input rows over trigger time). A value waits at most one trigger
    interval before its batch starts, so end-to-end latency is about interval + trigger_ms.
    """
    records = []
    for progress in query.recentProgress:
        if not progress.numInputRows:
            continue
        duration = progress.durationMs
        quality = progress.observedMetrics.get("quality")
        packed = progress.observedMetrics.get("input")  # the packed source counts files
        n_rows = progress.numInputRows if packed is None else packed["rows"]
        trigger_ms = duration.get("triggerExecution", np.nan)
        records.append(
            {
                "batch_id": progress.batchId,
                "start": pd.Timestamp(progress.timestamp),
                "input_rows": n_rows,
                "emitted_rows": None if quality is None else quality["emitted"],
                "dead_rows": None if quality is None else quality["dead"],
                "trigger_ms": trigger_ms,
                "add_batch_ms": duration.get("addBatch", np.nan),
                "rows_per_s": n_rows / trigger_ms * 1e3 if trigger_ms else np.nan,
            }
        )
    return pd.DataFrame.from_records(records)


def read_outputs(out: str | Path) -> tuple:
    """The sink and dead-letter rows written under ``out``, as two pandas DataFrames.

    Each has a ``batch_id`` column (from the directory names); empty frames if nothing
    was written yet.
    """
    out = Path(out)
    return tuple(_read_parquet_dir(out / name) for name in ("sink", "dead_letter"))


def _read_parquet_dir(path: Path) -> pd.DataFrame:
    if not path.is_dir() or not any(path.iterdir()):
        return pd.DataFrame()
    return pd.read_parquet(path).sort_values(["batch_id", "step", "series"], ignore_index=True)


def _check_job(checkpoint: Path, job: dict) -> None:
    """Record the bucketing in the checkpoint; refuse a restart that changes it."""
    record = checkpoint / _JOB_FILE
    if record.is_file():
        before = json.loads(record.read_text())
        if before != job:
            raise ValueError(
                f"the checkpoint {checkpoint} was written with {before}, not {job}: its state is "
                "kept per bucket, so restart with the same detector and n_buckets, or use a new "
                "checkpoint directory."
            )
        return
    checkpoint.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(job))


def _check_choice(value: object, name: str, choices: tuple) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}.")
