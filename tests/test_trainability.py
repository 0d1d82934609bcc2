"""adlib.trainability: the failure rule on validation loss, and what it leaves out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adlib.trainability import FAILURE_FACTOR, converged, failed_runs, trainability


def test_a_plateaued_run_fails_and_close_runs_do_not():
    assert failed_runs([0.007, 0.07, 0.0072, 0.069]).tolist() == [False, True, False, True]
    assert not failed_runs([0.01, 0.012, 0.029]).any()
    assert failed_runs([0.01, 0.0301]).tolist() == [False, True]
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
