"""Packed input for the fleet stream: Spark moves files and buckets, numpy does the rows.

In the row path (:func:`adlib.fleet.streaming.validate`) Spark reads, checks and shuffles
every row and converts it to Arrow for the Python scorer: about 1 µs per row and core,
most of a micro-batch. Here Spark handles files, not rows. The file source (format
``binaryFile``) hands each whole Parquet file to ``mapInArrow``; pyarrow reads it, numpy
checks its rows (:func:`check_rows`) and packs the good rows of each bucket into one binary
value of 24 bytes a row (series, step, value as float64; ids exact below 2**53). The
shuffle then moves ``n_buckets`` values per file instead of every row, and the stateful
scorer unpacks them with ``np.frombuffer``, without a copy. Spark still records which files
each micro-batch read (exactly once) and keeps the per-bucket state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from adlib._validation import MAX_MAGNITUDE

FILE_SCHEMA = "path string, modificationTime timestamp, length long, content binary"
#: One row per bucket and file (``payload`` set), or per rejected row (``reason`` set).
PACKED_SCHEMA = (
    "bucket long, payload binary, series long, step long, value double, reason string, raw string"
)
ROW_BYTES = 24
ROWS = pa.schema([("series", pa.int64()), ("step", pa.int64()), ("value", pa.float64())])
DEAD_BUCKET = -1


def check_rows(table: pa.Table, n_series: int) -> np.ndarray:
    """Per row of ``table`` (series, step, value), why it cannot be scored (None if it can).

    The reasons of :func:`adlib.fleet.streaming.validate`, in numpy: a null field, a value
    NaN or infinite, above MAX_MAGNITUDE, a series outside 0..n_series-1.
    """
    series, value = (
        table.column(name).to_numpy(zero_copy_only=False) for name in ("series", "value")
    )
    null = np.zeros(table.num_rows, dtype=bool)
    for column in table.columns:
        null |= column.is_null().to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):
        checks = (
            (null, "null field"),
            (~np.isfinite(value), "value not finite"),
            (np.abs(value) > MAX_MAGNITUDE, "value too large"),
            ((series < 0) | (series >= n_series), "unknown series"),
        )
    reason = np.full(table.num_rows, None, dtype=object)
    for bad, label in reversed(checks):  # the first check that fails names the row
        reason[bad] = label
    return reason


def pack_file(content: bytes, path: str, n_series: int, n_buckets: int) -> pa.Table:
    """One input file as packed rows: a payload per non-empty bucket, and its dead letters.

    A file that is not Parquet with integer series and step and a numeric value becomes a
    single dead letter (reason "unreadable file: ...", raw = its path), never an error.
    """
    try:
        table = pq.read_table(pa.BufferReader(content), columns=ROWS.names).cast(ROWS)
    except (pa.ArrowException, KeyError, ValueError) as error:
        reason = f"unreadable file: {str(error).splitlines()[0]}"
        return _dead_table({"series": [None], "step": [None], "value": [None]}, [reason], [path])
    reason = check_rows(table, n_series)
    good = pd.isna(reason)
    packed = _packed_table(table.filter(pa.array(good)), n_buckets)
    if good.all():
        return packed
    dead = table.filter(pa.array(~good)).to_pydict()
    return pa.concat_tables([packed, _dead_table(dead, list(reason[~good]))])


def file_packer(n_series: int, n_buckets: int) -> Callable:
    """The function ``mapInArrow`` runs on batches of files (:func:`pack_file` each)."""

    def pack(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for path, content in zip(
                batch["path"].to_pylist(), batch["content"].to_pylist(), strict=True
            ):
                yield from pack_file(content, path, n_series, n_buckets).to_batches()

    return pack


def unpack(payloads: pd.Series) -> pd.DataFrame:
    """The rows (series, step, value) packed in a bucket's payloads, in one frame."""
    table = np.concatenate([np.frombuffer(blob).reshape(3, -1) for blob in payloads], axis=1)
    return pd.DataFrame(
        {"series": table[0].astype(np.int64), "step": table[1].astype(np.int64), "value": table[2]}
    )


def packed_rows(
    spark: object, source: str | Path, n_series: int, n_buckets: int, max_files: int
) -> object:
    """The streaming DataFrame of packed rows (PACKED_SCHEMA) read from ``source``'s files.

    An observed metric ``input`` counts the rows the files held (the source itself counts
    files): the payload bytes over 24, plus the dead letters.
    """
    from pyspark.sql import functions as F

    files = (
        spark.readStream.format("binaryFile")
        .schema(FILE_SCHEMA)
        .option("maxFilesPerTrigger", max_files)
        .load(str(source))
    )
    packed = files.select("path", "content").mapInArrow(
        file_packer(n_series, n_buckets), PACKED_SCHEMA
    )
    rows = F.coalesce(F.length("payload") / ROW_BYTES, F.lit(1))
    return packed.observe("input", F.sum(rows).cast("long").alias("rows"))


def _packed_table(table: pa.Table, n_buckets: int) -> pa.Table:
    """The good rows of a file, one payload per non-empty bucket."""
    columns = np.stack([table.column(name).to_numpy() for name in ROWS.names]).astype(np.float64)
    bucket = table.column("series").to_numpy() % n_buckets
    order = np.argsort(bucket, kind="stable")
    counts = np.bincount(bucket, minlength=n_buckets)
    parts = np.split(columns[:, order], np.cumsum(counts)[:-1], axis=1)
    present = np.flatnonzero(counts)
    return pa.table(
        {
            "bucket": pa.array(present, pa.int64()),
            "payload": pa.array(
                [np.ascontiguousarray(parts[b]).tobytes() for b in present], pa.binary()
            ),
            "series": pa.nulls(present.size, pa.int64()),
            "step": pa.nulls(present.size, pa.int64()),
            "value": pa.nulls(present.size, pa.float64()),
            "reason": pa.nulls(present.size, pa.string()),
            "raw": pa.nulls(present.size, pa.string()),
        }
    )


def _dead_table(rows: dict, reasons: list, raw: list | None = None) -> pa.Table:
    """Dead letters in the packed layout: bucket DEAD_BUCKET, no payload, their reasons."""
    n = len(reasons)
    if raw is None:
        raw = [
            json.dumps(dict(zip(ROWS.names, values, strict=True)))
            for values in zip(*rows.values(), strict=True)
        ]
    return pa.table(
        {
            "bucket": pa.array([DEAD_BUCKET] * n, pa.int64()),
            "payload": pa.nulls(n, pa.binary()),
            "series": pa.array(rows["series"], pa.int64()),
            "step": pa.array(rows["step"], pa.int64()),
            "value": pa.array(rows["value"], pa.float64()),
            "reason": pa.array(reasons, pa.string()),
            "raw": pa.array(raw, pa.string()),
        }
    )
