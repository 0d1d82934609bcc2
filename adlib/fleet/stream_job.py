"""The fleet scoring stream as a job: ``python -m adlib.fleet.stream_job --help``.

A separate driver process, so that a test (or a learner) can kill it outright, SIGKILL, the
way a machine dies, and restart the query from its checkpoint in another process. It
loads a fitted :class:`~adlib.fleet.detector.FleetDetector` from a pickle written by
:func:`save_detector` (load only pickles you wrote yourself: unpickling runs code), starts
:func:`~adlib.fleet.streaming.start_stream` on a local session and runs until the input is
done (``--available-now``) or until SIGTERM/SIGINT, on which it stops between batches.
"""

from __future__ import annotations

import argparse
import pickle
import signal
import threading
from pathlib import Path

from adlib.fleet.detector import FleetDetector
from adlib.fleet.spark_session import local_spark
from adlib.fleet.streaming import EMITS, SOURCE_SCHEMAS, start_stream, stop_gracefully


def save_detector(detector: FleetDetector, path: str | Path) -> Path:
    """Pickle a fitted detector for the job to load; returns the path."""
    path = Path(path)
    path.write_bytes(pickle.dumps(detector))
    return path


def parse_args(argv: list | None = None) -> argparse.Namespace:
    """The job's command line."""
    parser = argparse.ArgumentParser(prog="python -m adlib.fleet.stream_job", description=__doc__)
    parser.add_argument("--detector", required=True, help="pickle written by save_detector")
    parser.add_argument("--source", required=True, help="directory the input files land in")
    parser.add_argument("--out", required=True, help="sink/ and dead_letter/ are written here")
    parser.add_argument("--checkpoint", required=True, help="offsets, commits and state")
    parser.add_argument("--n-buckets", type=int, required=True)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--fmt", choices=sorted(SOURCE_SCHEMAS), default="parquet")
    parser.add_argument("--max-files", type=int, default=1, help="files per micro-batch")
    parser.add_argument("--emit", choices=EMITS, default="all")
    parser.add_argument("--tmp-root", help="where Spark's scratch directory goes")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--trigger", type=float, default=1.0, help="micro-batch interval, s")
    when.add_argument("--available-now", action="store_true", help="score what is there, stop")
    return parser.parse_args(argv)


def main(argv: list | None = None) -> None:
    """Run the stream until its input is done or a stop signal arrives."""
    args = parse_args(argv)
    detector = pickle.loads(Path(args.detector).read_bytes())
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with local_spark(args.cores, args.n_buckets, tmp_root=args.tmp_root) as spark:
        query = start_stream(
            spark,
            detector,
            args.source,
            args.out,
            args.checkpoint,
            args.n_buckets,
            fmt=args.fmt,
            max_files_per_trigger=args.max_files,
            trigger_seconds=None if args.available_now else args.trigger,
            emit=args.emit,
        )
        print(f"started query {query.id}", flush=True)
        while query.isActive and not stop.is_set():
            query.awaitTermination(0.5)
        if query.isActive:
            stop_gracefully(query)
        if query.exception() is not None:
            raise SystemExit(f"the query failed: {query.exception()}")


if __name__ == "__main__":
    main()
