"""Which training runs failed, fixed by a rule on validation loss before any test score is read.

A neural detector trained from several seeds sometimes stalls on a plateau: its validation
loss stays an order of magnitude above the other seeds' and its test scores are near
chance. Averaging such a run into the model's quality mixes two findings, how often the
model trains (its *trainability*) and how good it is when it does. The rule here separates
them: a run has failed when its validation loss exceeds ``factor`` times the lowest
validation loss among the runs of the same model. Only validation data enters the rule, so
it is fixed before the test set is looked at; quality comparisons use converged runs only.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd

FAILURE_FACTOR = 3.0


def failed_runs(
    val_loss: np.ndarray | pd.Series | list[float], factor: float = FAILURE_FACTOR
) -> np.ndarray:
    """A boolean mask, shape (n_runs,): True where a run's validation loss marks it as failed.

    ``val_loss`` holds one final (or best) validation loss per run of one model, all > 0.
    A run fails when its loss exceeds ``factor`` (> 1) times the lowest loss of the runs.
    """
    losses = np.asarray(val_loss)
    if losses.dtype == bool or not np.issubdtype(losses.dtype, np.number):
        raise TypeError(f"val_loss must hold real numbers, got dtype {losses.dtype}.")
    losses = losses.astype(float)
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError(
            f"val_loss must be a non-empty 1-d array, one loss per run; got {losses.shape}."
        )
    if not np.isfinite(losses).all():
        raise ValueError(
            "val_loss holds NaN or inf: that run diverged; record it as failed by hand."
        )
    if (losses <= 0).any():
        raise ValueError("val_loss must be > 0 (a loss), got a value <= 0.")
    if isinstance(factor, bool) or not isinstance(factor, Real) or not factor > 1:
        raise ValueError(f"factor must be a number > 1, got {factor!r}.")
    return losses > factor * losses.min()


def trainability(
    runs: pd.DataFrame, model: str = "model", loss: str = "val_loss", factor: float = FAILURE_FACTOR
) -> pd.DataFrame:
    """Per model: runs, failed runs, the failure rate and the lowest validation loss.

    ``runs`` has one row per trained run with a ``model`` column and a ``loss`` column (the
    run's validation loss). The failure rule is :func:`failed_runs`, applied per model.
    """
    runs = _check_runs(runs, model, loss)
    failed = _failed_column(runs, model, loss, factor)
    table = (
        runs.assign(failed=failed)
        .groupby(model, sort=False)
        .agg(runs=(loss, "size"), failed=("failed", "sum"), best_val_loss=(loss, "min"))
    )
    table.insert(2, "failure rate", table["failed"] / table["runs"])
    return table


def converged(
    runs: pd.DataFrame, model: str = "model", loss: str = "val_loss", factor: float = FAILURE_FACTOR
) -> pd.DataFrame:
    """The rows of ``runs`` whose run did not fail (see :func:`failed_runs`), in their order."""
    runs = _check_runs(runs, model, loss)
    return runs[~_failed_column(runs, model, loss, factor)]


def _failed_column(runs: pd.DataFrame, model: str, loss: str, factor: float) -> np.ndarray:
    failed = np.zeros(len(runs), dtype=bool)
    for _, rows in runs.groupby(model, sort=False).indices.items():
        failed[rows] = failed_runs(runs[loss].to_numpy()[rows], factor)
    return failed


def _check_runs(runs: object, model: str, loss: str) -> pd.DataFrame:
    if not isinstance(runs, pd.DataFrame):
        raise TypeError(
            f"runs must be a pandas DataFrame, one row per run; got {type(runs).__name__}."
        )
    missing = [c for c in (model, loss) if c not in runs.columns]
    if missing:
        raise ValueError(f"runs has no column(s) {missing}; it has {list(runs.columns)}.")
    if runs.empty:
        raise ValueError("runs is empty; train at least one run first.")
    return runs
