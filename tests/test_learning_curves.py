"""adlib.learning_curves: equal step budgets and rows needed, judged by the rule (nb 03)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from adlib.learning_curves import equal_step_epochs, rows_needed, size_verdicts, steps_per_epoch
from adlib.verdicts import FAILS, HOLDS, INCONCLUSIVE, compare

SIZES = (30, 300, 3000)


def _runs(columns, sizes=SIZES):
    """Seeds × sizes, one metric per cell."""
    return pd.DataFrame(np.column_stack(columns), columns=list(sizes))


@pytest.mark.parametrize(
    ("n_rows", "batch_size", "expected"),
    [(30, 128, 1), (3000, 128, 22), (215, 32, 7), (100, 32, 3), (2, 128, 1)],
)
def test_steps_per_epoch_follows_the_detectors_hold_out(n_rows, batch_size, expected):
    n_train = n_rows - max(1, round(0.1 * n_rows))
    assert steps_per_epoch(n_rows, batch_size) == expected == math.ceil(n_train / batch_size)


@pytest.mark.parametrize("n_rows", [30, 100, 300, 1000, 3000, 30000])
def test_equal_step_epochs_give_every_size_the_budget_to_within_one_epoch(n_rows):
    per_epoch = steps_per_epoch(n_rows)
    steps = equal_step_epochs(n_rows, 1500) * per_epoch
    assert 1500 <= steps < 1500 + per_epoch


def test_equal_step_epochs_match_a_real_fit():
    from adlib.detectors import AutoencoderDetector

    X = np.random.default_rng(0).normal(size=(50, 3))
    epochs = equal_step_epochs(len(X), 7, batch_size=16)
    detector = AutoencoderDetector(
        hidden=(4,), latent_dim=2, epochs=epochs, patience=epochs, batch_size=16, device="cpu"
    ).fit(X)
    assert len(detector.history_.val_loss) == epochs == math.ceil(7 / math.ceil(45 / 16))


def test_equal_step_epochs_reject_bad_arguments():
    with pytest.raises(ValueError, match="n_rows"):
        equal_step_epochs(1, 100)
    with pytest.raises(ValueError, match="steps"):
        equal_step_epochs(100, 0)
    with pytest.raises(ValueError, match="val_fraction"):
        equal_step_epochs(100, 10, val_fraction=0.6)


def test_size_verdicts_use_the_rule_against_the_largest_size():
    rng = np.random.default_rng(1)
    large = 0.99 + rng.normal(0, 0.002, 5)
    runs = _runs([large - 0.1 + rng.normal(0, 0.002, 5), large + rng.normal(0, 0.001, 5), large])
    verdicts = size_verdicts(runs, 0.01)
    assert list(verdicts) == [30, 300]  # the largest size is not judged against itself
    assert verdicts[30].kind == HOLDS  # 3,000 rows clearly better than 30
    assert verdicts[300].kind == FAILS  # a tie inside the margin
    expected = compare(runs[3000], runs[300], 0.01, names=("3,000 rows", "300 rows"))
    assert verdicts[300] == expected


def test_size_verdicts_pair_over_the_seeds_where_both_sizes_have_a_value():
    runs = _runs([[0.5, 0.6, np.nan, 0.55], [0.9, np.nan, 0.9, 0.9], [0.9, 0.91, 0.92, 0.9]])
    verdicts = size_verdicts(runs, 0.01)
    assert "over 3 seeds" in verdicts[30].reason and "over 3 seeds" in verdicts[300].reason
    one_pair = _runs([[0.5, np.nan, np.nan], [0.9, 0.9, 0.9], [0.9, 0.91, 0.92]])
    assert size_verdicts(one_pair, 0.01)[30] is None


def test_rows_needed_reads_the_verdicts_from_the_top_down():
    tie = compare([0.9, 0.91, 0.9], [0.9, 0.9, 0.905], 0.05)
    better = compare([0.99, 0.98, 0.99], [0.5, 0.55, 0.52], 0.01)
    unsure = compare([0.9, 0.99, 0.8], [0.85, 0.9, 0.9], 0.01)
    assert (tie.kind, better.kind, unsure.kind) == (FAILS, HOLDS, INCONCLUSIVE)
    assert rows_needed({30: tie, 300: tie, 1000: tie}) == 30
    assert rows_needed({30: better, 300: tie, 1000: tie}) == 300
    assert rows_needed({30: tie, 300: better, 1000: tie}) == 1000  # a dip resets the run
    assert rows_needed({30: tie, 300: tie, 1000: unsure}) is None
    assert rows_needed({30: tie, 300: None}) is None


@pytest.mark.parametrize(
    ("runs", "error", "match"),
    [
        ([[0.9, 0.95]], TypeError, "DataFrame"),
        (pd.DataFrame({30: [0.9, 0.8]}), ValueError, "two training sizes"),
        (pd.DataFrame({300: [0.9, 0.8], 30: [0.9, 0.8]}), ValueError, "increasing"),
        (pd.DataFrame({30: [0.9, np.inf], 300: [0.9, 0.8]}), ValueError, "inf"),
    ],
)
def test_size_verdicts_reject_bad_runs(runs, error, match):
    with pytest.raises(error, match=match):
        size_verdicts(runs, 0.01)


def test_rows_needed_rejects_bad_verdicts():
    with pytest.raises(ValueError, match="non-empty"):
        rows_needed({})
    with pytest.raises(TypeError, match="Verdict"):
        rows_needed({30: "does not hold"})
