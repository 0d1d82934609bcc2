"""The fleet detector and the ONNX autoencoder on Spark: series in buckets, pandas UDFs.

A million series cannot each be a Spark group (one Python call per series costs more than
its arithmetic), and cannot all be one group (no parallelism). The series are cut into
``n_buckets`` buckets, ``bucket = series mod n_buckets``; a bucket is the unit of work and
of state: one pandas call scores all its rows with the vectorised
:meth:`~adlib.fleet.detector.FleetDetector.score_rows`. Modulo rather than a hash
(``pmod(xxhash64(series), n)``) because the fleet's ids are dense integers 0..n-1: modulo
gives buckets whose sizes differ by at most one, and a bucket's series are simply
``range(bucket, n_series, n_buckets)``, known without hashing (a hash is for sparse or
string ids, and balances only on average). :func:`score_batch` scores a table of rows,
:func:`score_onnx` runs the multivariate autoencoder's ONNX file over feature rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from adlib._validation import check_int
from adlib.fleet.detector import FleetDetector, SeriesState

SCORED_SCHEMA = "series long, step long, value double, z double, flag boolean"


def bucket_column(series: object, n_buckets: int) -> object:
    """The Spark column ``pmod(series, n_buckets)``: the bucket of each row's series."""
    from pyspark.sql import functions as F

    return F.pmod(F.col(series) if isinstance(series, str) else series, F.lit(n_buckets))


def bucket_series(bucket: int, n_series: int, n_buckets: int) -> np.ndarray:
    """The ids of the series in ``bucket`` (every ``n_buckets``-th id from ``bucket``)."""
    return np.arange(bucket, n_series, n_buckets, dtype=np.int64)


def bucket_state(detector: FleetDetector, bucket: int, n_buckets: int) -> SeriesState:
    """A bucket's share of the fitted state: where its stream continues from (not cold)."""
    return detector.state_.take(bucket_series(bucket, detector.state_.series.size, n_buckets))


def check_fleet_detector(detector: object, n_buckets: object) -> int:
    """Refuse an unfitted or foreign detector and a bad bucket count; returns ``n_buckets``."""
    if not isinstance(detector, FleetDetector):
        raise TypeError(f"detector must be a FleetDetector, got {type(detector).__name__}.")
    if not hasattr(detector, "thresholds_"):
        raise ValueError("the FleetDetector is not fitted; call detector.fit(values) first.")
    n_series = detector.state_.series.size
    if not np.array_equal(detector.state_.series, np.arange(n_series)):
        raise ValueError("the detector's state must cover series 0..n-1, as fit() leaves it.")
    n_buckets = check_int(n_buckets, "n_buckets", low=1)
    if n_buckets > n_series:
        raise ValueError(
            f"n_buckets={n_buckets} is more than the {n_series} series; some buckets would be "
            "empty. Use at most one bucket per series (a few per core is plenty)."
        )
    return n_buckets


def scored_frame(detector: FleetDetector, rows: pd.DataFrame, z: np.ndarray) -> pd.DataFrame:
    """``rows`` (series, step, value) with their z and flag (|z| above the series' threshold)."""
    flag = detector.flags(z, rows["series"].to_numpy())
    return rows.assign(z=z, flag=flag)


def score_batch(
    spark: object, rows: object, detector: FleetDetector, n_buckets: int, alerts_only: bool = False
) -> object:
    """z and flag of every row of ``rows`` (series, step, value), scored in buckets of series.

    ``rows`` is a Spark DataFrame of valid rows (ids among the detector's series, finite
    values, each (series, step) once); each bucket continues from the fitted state, so z
    equals ``detector.score`` on the same values. Returns a lazy Spark DataFrame with
    columns ``SCORED_SCHEMA``, only the flagged rows if ``alerts_only``. The detector is
    broadcast: each worker process unpickles it once, not once per task.
    """
    n_buckets = check_fleet_detector(detector, n_buckets)
    missing = {"series", "step", "value"} - set(rows.columns)
    if missing:
        raise ValueError(f"rows lacks the columns {sorted(missing)}; it needs series, step, value.")
    shared = spark.sparkContext.broadcast(detector)

    def score_bucket(key: tuple, frame: pd.DataFrame) -> pd.DataFrame:
        fleet = shared.value
        state = bucket_state(fleet, int(key[0]), n_buckets)
        z, _ = fleet.score_rows(state, frame["series"], frame["step"], frame["value"])
        scored = scored_frame(fleet, frame[["series", "step", "value"]], z)
        return scored[scored["flag"]] if alerts_only else scored

    buckets = rows.select("series", "step", "value").groupBy(
        bucket_column("series", n_buckets).alias("bucket")
    )
    return buckets.applyInPandas(score_bucket, SCORED_SCHEMA)


def score_onnx(
    spark: object,
    frame: object,
    onnx_path: str | Path,
    feature_columns: Sequence[str],
    key_columns: Sequence[str] = ("service", "step"),
) -> object:
    """The ONNX autoencoder's score of each row of ``frame``, computed in ``mapInPandas``.

    ``feature_columns`` (double) are the model's inputs in order (a window flattened
    row-major for a windows model); ``key_columns`` are passed through. Each partition
    opens one ONNX Runtime session with one thread (:class:`adlib.serve.OnnxScorer`) and
    reuses it for all its Arrow batches. The file must be readable by every worker (a
    local path here; on a cluster a shared path or ``SparkContext.addFile``). Returns a
    lazy Spark DataFrame: the key columns and ``score`` (double).
    """
    from adlib.serve.export import OnnxScorer

    path = str(Path(onnx_path).resolve())
    scorer = OnnxScorer(path)  # fails here, on the driver, for a missing or foreign file
    features, keys = list(feature_columns), list(key_columns)
    width = int(np.prod(scorer.input_shape))
    if len(features) != width:
        raise ValueError(
            f"the model takes {width} inputs per row (shape {scorer.input_shape}), but "
            f"{len(features)} feature_columns were given; pass them in training order."
        )
    absent = set(features + keys) - set(frame.columns)
    if absent:
        raise ValueError(f"frame lacks the columns {sorted(absent)}.")
    key_types = ", ".join(f"{name} {frame.schema[name].dataType.simpleString()}" for name in keys)
    schema = f"{key_types}, score double" if keys else "score double"

    def score_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        session = OnnxScorer(path, threads=1)
        for batch in batches:
            if batch.empty:
                continue
            inputs = batch[features].to_numpy(np.float64).reshape(-1, *session.input_shape)
            yield batch[keys].assign(score=session.score_samples(inputs))

    return frame.select(*keys, *features).mapInPandas(score_partition, schema)
