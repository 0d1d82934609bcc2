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
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime
import pandas as pd
import torch

from adlib._validation import check_int
from adlib.detectors import AutoencoderDetector, LSTMAutoencoderDetector
from adlib.serve.export import OnnxScorer, export_onnx

N_FEATURES, WINDOW, N_CHANNELS = 16, 32, 3
_WARMUP, _BATCH_REPEATS = 20, 5


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m adlib.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--repeats", type=int, default=1000, help="calls per latency (1000)")
    parser.add_argument("--batch-size", type=int, default=4096, help="batch size (4096)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per runtime (1)")
    parser.add_argument("--out", type=Path, default=Path("build/bench.json"), help="JSON file")
    args = parser.parse_args(argv)
    report = run_benchmark(repeats=args.repeats, batch_size=args.batch_size, threads=args.threads)
    print(format_table(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
