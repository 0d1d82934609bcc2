"""How many training rows a detector needs, measured fairly (notebook 03).

A learning curve is a detector's test metric (PR-AUC, say) against the number of training
rows. Two things make one honest:

* **Equal training budgets.** A network trained for a fixed number of *epochs* takes more
  optimiser steps on more rows (one step per mini-batch), so a fixed-epoch curve measures
  the budget as much as the data. :func:`equal_step_epochs` gives, for each size, the
  number of epochs that makes every size take (at least, and within one epoch of) the same
  number of optimiser steps.
* **A verdict per size, not a tolerance on means.** :func:`size_verdicts` judges every
  size below the largest by :func:`adlib.verdicts.compare`, paired over seeds: "the largest
  size is better than this one". :func:`rows_needed` is the smallest size from which on the
  largest size is no better (a tie inside the margin, or the smaller size better); the
  largest size is never compared with itself, so "none of the smaller sizes" is a possible
  answer (``None``), not a tautology.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from adlib._validation import check_int, check_real
from adlib.verdicts import FAILS, Verdict, compare


def steps_per_epoch(n_rows: int, batch_size: int = 128, val_fraction: float = 0.1) -> int:
    """Optimiser steps in one epoch of a neural detector fitted on ``n_rows`` rows.

    The detectors of :mod:`adlib.detectors.neural` hold out ``max(1, round(val_fraction *
    n_rows))`` rows for validation and take one step per mini-batch of the rest:
    ``ceil(n_train / batch_size)`` steps.
    """
    n_rows = check_int(n_rows, "n_rows", low=2)
    batch_size = check_int(batch_size, "batch_size", low=1)
    val_fraction = check_real(val_fraction, "val_fraction", low=0.0, high=0.5, inclusive=False)
    n_train = n_rows - max(1, round(val_fraction * n_rows))
    return math.ceil(n_train / batch_size)


def equal_step_epochs(
    n_rows: int, steps: int, batch_size: int = 128, val_fraction: float = 0.1
) -> int:
    """Epochs that give a neural detector fitted on ``n_rows`` rows ``steps`` optimiser steps.

    Returns ``ceil(steps / steps_per_epoch)`` (see :func:`steps_per_epoch`): the run takes
    at least ``steps`` steps and fewer than ``steps`` plus one epoch's steps, so every
    training size gets the same budget to within one epoch.
    """
    steps = check_int(steps, "steps", low=1)
    return math.ceil(steps / steps_per_epoch(n_rows, batch_size, val_fraction))


def size_verdicts(
    runs: pd.DataFrame, margin: float, *, unit: str = "seeds"
) -> dict[int, Verdict | None]:
    """For each size below the largest: the verdict on "the largest size is better than it".

    ``runs`` holds one metric (higher is better) per seed (rows) and training size
    (columns, increasing), so the sizes pair up over seeds. NaN marks a run left out (a
    failed training run): each size is paired with the largest over the seeds where both
    have a value, and a size with fewer than two such seeds gets None (no verdict). Each
    smaller size is judged by :func:`adlib.verdicts.compare` with
    ``margin`` (the equivalence margin of the metric). The largest size is not judged
    against itself.
    """
    runs = _check_runs(runs)
    largest = runs.columns[-1]
    verdicts = {}
    for size in runs.columns[:-1]:
        both = runs[[size, largest]].dropna()
        if len(both) < 2:
            verdicts[int(size)] = None
            continue
        verdicts[int(size)] = compare(
            both[largest].to_numpy(),
            both[size].to_numpy(),
            margin,
            names=(f"{largest:,} rows", f"{size:,} rows"),
            unit=unit,
        )
    return verdicts


def rows_needed(verdicts: Mapping[int, Verdict | None]) -> int | None:
    """The smallest size from which on the largest size is no better, or None.

    ``verdicts`` maps each size below the largest to the verdict of :func:`size_verdicts`.
    A size is enough when its verdict is "does not hold" (the largest size is not better:
    a tie inside the margin, or the smaller size better); "holds", "inconclusive" and None
    (too few converged seeds to judge) are not enough. Returns the smallest size such that
    it and every larger size in ``verdicts`` are enough; None when the size just below the
    largest is not.
    """
    if not isinstance(verdicts, Mapping) or not verdicts:
        raise ValueError("verdicts must be a non-empty mapping of size to Verdict.")
    sizes = sorted(verdicts)
    for size in sizes:
        if verdicts[size] is not None and not isinstance(verdicts[size], Verdict):
            raise TypeError(f"verdicts[{size}] must be a Verdict, got {type(verdicts[size])}.")
    needed = None
    for size in reversed(sizes):
        if verdicts[size] is None or verdicts[size].kind != FAILS:
            break
        needed = size
    return needed


def _check_runs(runs: object) -> pd.DataFrame:
    if not isinstance(runs, pd.DataFrame):
        raise TypeError(
            f"runs must be a DataFrame (seeds × training sizes), got {type(runs).__name__}."
        )
    if runs.shape[1] < 2:
        raise ValueError("runs needs at least two training sizes (columns) to compare.")
    if not runs.columns.is_monotonic_increasing or not runs.columns.is_unique:
        raise ValueError("runs' columns (training rows) must be increasing; sort them first.")
    values = runs.to_numpy(dtype=np.float64)
    if np.isinf(values).any():
        raise ValueError("runs holds inf; mark a run left out with NaN, not inf.")
    return runs
