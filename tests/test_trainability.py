"""adlib.trainability: the failure rule on validation loss, and what it leaves out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adlib.trainability import (
    FAILURE_FACTOR,
    converged,
    failed_runs,
    mean_predictor_loss,
    trainability,
)


def test_a_plateaued_run_fails_and_close_runs_do_not():
    assert failed_runs([0.007, 0.07, 0.0072, 0.069]).tolist() == [False, True, False, True]
    assert not failed_runs([0.01, 0.012, 0.029]).any()
    assert failed_runs([0.01, 0.0301]).tolist() == [False, True]


def test_runs_spread_evenly_leave_no_gap_and_none_fails():
    spread = [0.017, 0.03, 0.05, 0.08, 0.12]
    assert not failed_runs(spread).any()
    assert failed_runs([*spread, 0.5]).tolist() == [False] * 5 + [True]


def test_the_lowest_gap_splits_converged_from_failed_runs():
    losses = [0.002, 0.0025, 0.02, 0.021, 0.5]
    assert failed_runs(losses).tolist() == [False, False, True, True, True]
    assert FAILURE_FACTOR == 3.0


def test_trainability_counts_failures_per_model_and_converged_drops_them():
    runs = pd.DataFrame(
        {
            "model": ["lstm"] * 3 + ["gru"] * 3,
            "seed": [0, 1, 2] * 2,
            "val_loss": [0.07, 0.007, 0.068, 0.008, 0.009, 0.0085],
            "score": [0.05, 0.93, 0.07, 0.92, 0.93, 0.94],
        }
    )
    table = trainability(runs)
    assert table.loc["lstm", "failed"] == 2 and table.loc["gru", "failed"] == 0
    assert table.loc["lstm", "failure rate"] == pytest.approx(2 / 3)
    assert table.loc["lstm", "best_val_loss"] == 0.007
    kept = converged(runs)
    assert kept["score"].tolist() == [0.93, 0.92, 0.93, 0.94]


@pytest.mark.parametrize(
    ("losses", "factor", "error", "match"),
    [
        ([], 3.0, ValueError, "non-empty"),
        ([[0.1, 0.2]], 3.0, ValueError, "1-d"),
        ([0.1, np.nan], 3.0, ValueError, "NaN or inf"),
        ([0.1, 0.0], 3.0, ValueError, "> 0"),
        (["a"], 3.0, TypeError, "real numbers"),
        ([0.1, 0.2], 1.0, ValueError, "factor"),
        ([0.1, 0.2], True, ValueError, "factor"),
    ],
)
def test_failed_runs_rejects_bad_input(losses, factor, error, match):
    with pytest.raises(error, match=match):
        failed_runs(losses, factor)


def test_trainability_rejects_bad_frames():
    with pytest.raises(TypeError, match="DataFrame"):
        trainability([0.1, 0.2])
    with pytest.raises(ValueError, match="no column"):
        trainability(pd.DataFrame({"model": ["a"]}))
    with pytest.raises(ValueError, match="empty"):
        converged(pd.DataFrame({"model": [], "val_loss": []}))


def test_a_reference_loss_tells_a_hard_split_from_a_failed_run():
    losses = np.array([0.054, 0.010, 0.011, 0.012])
    assert failed_runs(losses).tolist() == [True, False, False, False]
    hard_split = np.array([1.0, 0.2, 0.2, 0.22])
    assert not failed_runs(losses, reference=hard_split).any()
    stalled = np.array([0.06, 0.2, 0.2, 0.22])
    assert failed_runs(losses, reference=stalled).tolist() == [True, False, False, False]
    runs = pd.DataFrame({"model": ["ae"] * 4, "val_loss": losses, "null": hard_split})
    assert trainability(runs, reference="null").loc["ae", "failed"] == 0
    assert len(converged(runs, reference="null")) == 4
    with pytest.raises(ValueError, match="one loss per run"):
        failed_runs(losses, reference=hard_split[:3])
    with pytest.raises(ValueError, match="no column"):
        trainability(runs, reference="missing")


def test_mean_predictor_loss_is_the_mse_of_the_training_mean():
    rng = np.random.default_rng(0)
    X_train, X_val = rng.normal(size=(50, 3)), rng.normal(2.0, 1.0, size=(20, 3))
    expected = ((X_val - X_train.mean(axis=0)) ** 2).mean()
    assert mean_predictor_loss(X_train, X_val) == pytest.approx(expected)
    windows = rng.normal(size=(30, 8, 2))
    assert mean_predictor_loss(windows, windows) == pytest.approx(windows.var(axis=0).mean())
    with pytest.raises(ValueError, match="same row shape"):
        mean_predictor_loss(X_train, X_val[:, :2])
    with pytest.raises(ValueError, match="finite"):
        mean_predictor_loss(X_train, np.full((2, 3), np.nan))
