"""Which training runs failed, fixed by a rule on validation loss before any test score is read.

A neural detector trained from several seeds sometimes stalls on a plateau: its validation
loss stays an order of magnitude above the other seeds' and its test scores are near
chance. Averaging such a run into the model's quality mixes two findings, how often the
model trains (its *trainability*) and how good it is when it does. The rule here separates
them by the gap a stall leaves: sort the validation losses of one model's runs; where one
loss exceeds the next lower one by more than ``factor`` (3×), every run from there up has
failed. Runs spread evenly over a range, as seeds on different splits are, leave no such gap
and none fails; a cluster of stalled runs an order of magnitude above the converged ones
does. Only validation data enters the rule, so it is fixed before the test set is looked
at; quality comparisons use converged runs only.

When the seeds also draw different splits, a run's loss mixes how well it trained with how
hard its validation rows are. Pass ``reference``, the loss of a fixed, untrained reference on
the same validation rows (e.g. predicting the training mean), and the rule reads the ratio
``val_loss / reference`` instead, so that a hard split is not mistaken for a failed run.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd

FAILURE_FACTOR = 3.0


def failed_runs(
    val_loss: np.ndarray | pd.Series | list[float],
    factor: float = FAILURE_FACTOR,
    reference: np.ndarray | pd.Series | list[float] | None = None,
) -> np.ndarray:
    """A boolean mask, shape (n_runs,): True where a run's validation loss marks it as failed.

    ``val_loss`` holds one final (or best) validation loss per run of one model, all > 0.
    Sorted, the first loss that exceeds its lower neighbour by more than ``factor`` (> 1)
    starts the failed runs: it and every loss above it. With ``reference`` (one loss > 0 per
    run, of an untrained reference on that run's validation rows) the rule compares
    ``val_loss / reference`` instead.
    """
    losses = _losses(val_loss, "val_loss")
    if isinstance(factor, bool) or not isinstance(factor, Real) or not factor > 1:
        raise ValueError(f"factor must be a number > 1, got {factor!r}.")
    if reference is not None:
        reference = _losses(reference, "reference")
        if reference.shape != losses.shape:
            raise ValueError(
                f"reference must hold one loss per run like val_loss ({losses.size}), got "
                f"{reference.size}."
            )
        losses = losses / reference
    ordered = np.sort(losses)
    gaps = np.flatnonzero(ordered[1:] > factor * ordered[:-1])
    if gaps.size == 0:
        return np.zeros(losses.size, dtype=bool)
    return losses >= ordered[gaps[0] + 1]


def _losses(values: object, name: str) -> np.ndarray:
    losses = np.asarray(values)
    if losses.dtype == bool or not np.issubdtype(losses.dtype, np.number):
        raise TypeError(f"{name} must hold real numbers, got dtype {losses.dtype}.")
    losses = losses.astype(float)
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-d array, one loss per run; got {losses.shape}."
        )
    if not np.isfinite(losses).all():
        raise ValueError(
            f"{name} holds NaN or inf: that run diverged; record it as failed by hand."
        )
    if (losses <= 0).any():
        raise ValueError(f"{name} must be > 0 (a loss), got a value <= 0.")
    return losses


def trainability(
    runs: pd.DataFrame,
    model: str = "model",
    loss: str = "val_loss",
    factor: float = FAILURE_FACTOR,
    reference: str | None = None,
) -> pd.DataFrame:
    """Per model: runs, failed runs, the failure rate and the lowest validation loss.

    ``runs`` has one row per trained run with a ``model`` column and a ``loss`` column (the
    run's validation loss), and, when ``reference`` names one, a column with the reference
    loss on that run's validation rows. The rule is :func:`failed_runs`, applied per model.
    """
    runs = _check_runs(runs, model, loss, reference)
    failed = _failed_column(runs, model, loss, factor, reference)
    table = (
        runs.assign(failed=failed)
        .groupby(model, sort=False)
        .agg(runs=(loss, "size"), failed=("failed", "sum"), best_val_loss=(loss, "min"))
    )
    table.insert(2, "failure rate", table["failed"] / table["runs"])
    return table


def converged(
    runs: pd.DataFrame,
    model: str = "model",
    loss: str = "val_loss",
    factor: float = FAILURE_FACTOR,
    reference: str | None = None,
) -> pd.DataFrame:
    """The rows of ``runs`` whose run did not fail (see :func:`trainability`), in order."""
    runs = _check_runs(runs, model, loss, reference)
    return runs[~_failed_column(runs, model, loss, factor, reference)]


def mean_predictor_loss(X_train: np.ndarray, X_val: np.ndarray) -> float:
    """The mean squared error on ``X_val`` of reconstructing every row as the training mean.

    The loss of an untrained reconstruction model, shape (n, d) arrays in the units the
    model reconstructs (e.g. after scaling): a reference for :func:`failed_runs` when each
    seed draws its own split. A run stalled on a plateau sits near this loss.
    """
    X_train, X_val = np.asarray(X_train, dtype=float), np.asarray(X_val, dtype=float)
    if X_train.ndim < 2 or X_val.shape[1:] != X_train.shape[1:] or 0 in (len(X_train), len(X_val)):
        raise ValueError(
            f"X_train and X_val must be non-empty arrays of rows with the same row shape, got "
            f"{X_train.shape} and {X_val.shape}."
        )
    if not (np.isfinite(X_train).all() and np.isfinite(X_val).all()):
        raise ValueError("X_train and X_val must be finite; drop or impute NaN/inf first.")
    loss = float(np.mean((X_val - X_train.mean(axis=0)) ** 2))
    if loss == 0:
        raise ValueError("X_val equals the training mean everywhere: no reference loss.")
    return loss


def _failed_column(
    runs: pd.DataFrame, model: str, loss: str, factor: float, reference: str | None
) -> np.ndarray:
    failed = np.zeros(len(runs), dtype=bool)
    for _, rows in runs.groupby(model, sort=False).indices.items():
        ref = None if reference is None else runs[reference].to_numpy()[rows]
        failed[rows] = failed_runs(runs[loss].to_numpy()[rows], factor, ref)
    return failed


def _check_runs(runs: object, model: str, loss: str, reference: str | None) -> pd.DataFrame:
    if not isinstance(runs, pd.DataFrame):
        raise TypeError(
            f"runs must be a pandas DataFrame, one row per run; got {type(runs).__name__}."
        )
    missing = [c for c in (model, loss, reference) if c is not None and c not in runs.columns]
    if missing:
        raise ValueError(f"runs has no column(s) {missing}; it has {list(runs.columns)}.")
    if runs.empty:
        raise ValueError("runs is empty; train at least one run first.")
    return runs
