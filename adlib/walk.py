"""Execute the notebooks, independent ones in parallel (``make run``, ``make run-full``).

Each notebook runs in its own papermill kernel, single-threaded and seeded, so running two at
once on two cores changes no output, only the wall time. A notebook that reads another's
results (``load_results("07_...")``) starts only after that one has finished; notebook 16,
which reads them all, therefore runs last. The longest notebooks start first, using the
durations stored in the previous run's outputs. Each notebook's time is printed as it
finishes. The executed notebooks are then cleaned with nbstripout: outputs and execution
counts stay; papermill's per-cell timestamps, its paths and widget state go, so a re-run
changes only what it computed (and the notebook's total duration).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

_READS = re.compile(r"load_results\(\s*[\"'](\d\d_[a-z0-9_]+)[\"']")
_ANY_RESULTS = re.compile(r"load_results\(\s*(?![\"'])")
# Papermill's per-cell timing, its start and end times and the machine's paths: they change on
# every run. The notebook's total duration stays (it orders the next run, longest first).
STRIP_KEYS = " ".join(
    [
        "cell.metadata.papermill",
        "cell.metadata.execution",
        *(
            f"metadata.papermill.{key}"
            for key in (
                "start_time",
                "end_time",
                "input_path",
                "output_path",
                "environment_variables",
            )
        ),
    ]
)


def dependencies(notebooks: Sequence[Path]) -> dict[str, set[str]]:
    """For each notebook file name, the names of the notebooks whose results it reads.

    A notebook reads another's results through ``load_results("NN_name")``; one that loads
    results named by a variable (notebook 16 loops over every file) depends on all the others.
    """
    names = {path.stem: path.name for path in notebooks}
    needs = {}
    for path in notebooks:
        source = "\n".join(
            "".join(cell["source"]) for cell in json.loads(path.read_text())["cells"]
        )
        stems = set(_READS.findall(source))
        if _ANY_RESULTS.search(source):
            stems |= set(names) - {path.stem}
        unknown = stems - set(names)
        if unknown:
            raise ValueError(f"{path.name} reads results of unknown notebooks {sorted(unknown)}.")
        needs[path.name] = {names[stem] for stem in stems if stem != path.stem}
    return needs


def previous_duration(path: Path) -> float:
    """Papermill's duration stored in an executed notebook, or 0 when it has none."""
    try:
        return float(json.loads(path.read_text())["metadata"]["papermill"]["duration"])
    except (KeyError, TypeError, ValueError, OSError):
        return 0.0


def run(
    notebooks: Sequence[Path],
    out_dir: Path,
    jobs: int,
    parameters: Sequence[tuple[str, str]] = (),
    durations: dict[str, float] | None = None,
    only: Sequence[str] = (),
) -> dict[str, float]:
    """Execute ``notebooks`` into ``out_dir`` with ``jobs`` at once; return wall seconds each.

    ``parameters`` are papermill ``-p NAME VALUE`` pairs. ``durations`` (file name to
    seconds) orders the ready notebooks longest first. ``only`` (file names or their
    two-digit prefixes) runs a subset, in dependency order among themselves; the others'
    committed results stand in for theirs. Stops at the first failure, with the tail of
    papermill's log, after the notebooks already running have finished.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}.")
    needs = dependencies(notebooks)
    if only:
        chosen = [path for path in notebooks if path.name in only or path.name[:2] in only]
        if len(chosen) < len(set(only)):
            raise ValueError(f"{sorted(only)} do not all name notebooks in {notebooks[0].parent}.")
        notebooks = chosen
        needs = {path.name: needs[path.name] & {p.name for p in chosen} for path in chosen}
    by_name = {path.name: path for path in notebooks}
    durations = durations or {}
    done: dict[str, float] = {}
    running: dict[Future, str] = {}
    failed: list[str] = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        while len(done) < len(notebooks) and not failed:
            ready = [
                name
                for name in by_name
                if name not in done and name not in running.values() and needs[name] <= set(done)
            ]
            ready.sort(key=lambda name: -durations.get(name, 0.0))
            for name in ready[: jobs - len(running)]:
                running[pool.submit(_execute, by_name[name], out_dir, parameters)] = name
            if not running:
                waiting = sorted(set(by_name) - set(done))
                raise ValueError(f"{waiting} read each other's results: no order can run them.")
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name = running.pop(future)
                seconds, error = future.result()
                if error:
                    failed.append(f"{name} failed after {seconds:.0f} s:\n{error}")
                else:
                    done[name] = seconds
                    print(f"{name}: {seconds:.1f} s", flush=True)
        for future in wait(running).done:
            seconds, error = future.result()
            if error:
                failed.append(f"{running[future]} failed after {seconds:.0f} s:\n{error}")
    if failed:
        raise RuntimeError("\n\n".join(failed))
    return done


def _execute(
    notebook: Path, out_dir: Path, parameters: Sequence[tuple[str, str]]
) -> tuple[float, str]:
    """Run one notebook with papermill; (seconds, "") on success, (seconds, log tail) if not."""
    output = out_dir / notebook.name
    command = [sys.executable, "-m", "papermill", "--kernel", "python3", "--no-progress-bar"]
    command += ["--cwd", str(notebook.parent)]
    for name, value in parameters:
        command += ["-p", name, value]
    start = time.perf_counter()
    finished = subprocess.run(
        [*command, str(notebook), str(output)], capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if finished.returncode:
        return seconds, (finished.stdout + finished.stderr)[-3000:]
    return seconds, ""


def strip(paths: Sequence[Path]) -> None:
    """Remove papermill's timestamps, paths and widget state; keep outputs, counts and cell ids."""
    command = [sys.executable, "-m", "nbstripout", "--keep-output", "--keep-count", "--keep-id"]
    subprocess.run([*command, "--extra-keys", STRIP_KEYS, *map(str, paths)], check=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m adlib.walk", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"))
    parser.add_argument("--out", type=Path, help="where executed copies go (default: in place)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "only", nargs="*", help="notebooks to run (file names or NN prefixes; default: all)"
    )
    parser.add_argument(
        "-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE")
    )
    args = parser.parse_args(argv)
    notebooks = sorted(args.notebooks.resolve().glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise SystemExit(f"no NN_*.ipynb notebooks in {args.notebooks}")
    out_dir = (args.out or args.notebooks).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    durations = {path.name: previous_duration(path) for path in notebooks}
    start = time.perf_counter()
    try:
        seconds = run(notebooks, out_dir, args.jobs, args.parameter, durations, args.only)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None
    strip([out_dir / name for name in seconds])
    total = time.perf_counter() - start
    print(
        f"{len(seconds)} notebooks in {total:.0f} s wall on {args.jobs} job(s) "
        f"({sum(seconds.values()):.0f} s of notebook time)"
    )


if __name__ == "__main__":
    main()
