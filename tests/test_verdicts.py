"""adlib.verdicts: the spread-based verdict words of notebook 04's claims table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adlib.verdicts import overall_verdict, paired_summary, paired_verdict, spread_verdict


def paired(**rows: tuple[float, float]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "std"])


@pytest.mark.parametrize(
    ("mean", "sd", "expected"),
    [
        (0.05, 0.01, "A"),
        (-0.05, 0.01, "B"),
        (0.005, 0.01, "within the spread"),
        (-0.005, 0.01, "within the spread"),
        (0.01, 0.01, "within the spread"),  # the boundary is not a win
        (-0.01, 0.01, "within the spread"),
        (1e-9, 0.0, "A"),  # no spread: any gap counts
        (0.0, 0.0, "within the spread"),
    ],
)
def test_spread_verdict_compares_the_mean_with_the_sd(mean, sd, expected):
    assert spread_verdict(mean, sd, "A", "B") == expected


def test_spread_verdict_accepts_numpy_scalars():
    assert spread_verdict(np.float64(0.2), np.float32(0.1), "A", "B") == "A"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ({"a": (0.1, 0.01), "b": (0.2, 0.1)}, "holds"),
        ({"a": (0.1, 0.01), "b": (0.0, 0.1)}, "depends"),
        ({"a": (0.1, 0.01), "b": (-0.5, 0.1)}, "depends"),
        ({"a": (0.0, 0.01), "b": (-0.5, 0.1)}, "does not hold"),
        ({"a": (0.05, 0.01)}, "holds"),
    ],
)
def test_overall_verdict_counts_wins_beyond_the_spread(rows, expected):
    assert overall_verdict(paired(**rows)) == expected


def test_overall_verdict_matches_a_reference_from_paired_seeds():
    rng = np.random.default_rng(0)
    pairs = pd.DataFrame(
        {
            "dataset": np.repeat(["digits", "shuttle", "wbc"], 5),
            "diff": np.r_[rng.normal(0.1, 0.01, 5), rng.normal(0, 0.05, 5), rng.normal(-1, 0.1, 5)],
        }
    )
    table = pairs.groupby("dataset")["diff"].agg(["mean", "std"])
    means = pairs.groupby("dataset")["diff"].mean().to_numpy()
    sds = pairs.groupby("dataset")["diff"].std(ddof=1).to_numpy()
    wins = int(np.sum(means > sds))
    expected = {3: "holds", 0: "does not hold"}.get(wins, "depends")
    assert overall_verdict(table) == expected == "depends"


def test_paired_verdict_and_summary_read_as_one_table_cell():
    table = paired(digits=(-0.037, 0.020), shuttle=(-0.006, 0.007))
    verdict = paired_verdict(table, "the VAE is better", "the autoencoder is better")
    assert verdict == (
        "does not hold: digits, the autoencoder is better; shuttle, within the spread"
    )
    assert paired_summary(table) == "digits -0.037 ± 0.020, shuttle -0.006 ± 0.007"
    assert paired_summary(table, digits=1) == "digits -0.0 ± 0.0, shuttle -0.0 ± 0.0"


def test_paired_summary_signs_positive_means():
    assert paired_summary(paired(a=(0.0123, 0.004))) == "a +0.012 ± 0.004"


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((float("nan"), 0.1, "A", "B"), ValueError, "finite"),
        ((0.1, float("inf"), "A", "B"), ValueError, "finite"),
        ((0.1, -0.1, "A", "B"), ValueError, ">= 0"),
        (("0.1", 0.1, "A", "B"), TypeError, "real number"),
        ((True, 0.1, "A", "B"), TypeError, "real number"),
        ((0.1, 0.1, "", "B"), TypeError, "non-empty"),
        ((0.1, 0.1, "A", None), TypeError, "non-empty"),
    ],
)
def test_spread_verdict_rejects_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        spread_verdict(*args)


@pytest.mark.parametrize("function", [overall_verdict, paired_summary])
def test_table_functions_reject_bad_tables(function):
    with pytest.raises(TypeError, match="DataFrame"):
        function({"mean": 0.1, "std": 0.1})
    with pytest.raises(ValueError, match="no column"):
        function(pd.DataFrame({"mean": [0.1], "sd": [0.1]}))
    with pytest.raises(ValueError, match="empty"):
        function(pd.DataFrame({"mean": [], "std": []}))
    with pytest.raises(ValueError, match="at least two seeds"):
        function(paired(a=(0.1, float("nan"))))
    with pytest.raises(ValueError, match="once"):
        function(pd.DataFrame({"mean": [0.1, 0.2], "std": [0.1, 0.1]}, index=["a", "a"]))
    with pytest.raises(ValueError, match=">= 0"):
        function(paired(a=(0.1, -0.1)))


def test_paired_summary_rejects_bad_digits():
    with pytest.raises(ValueError, match="digits"):
        paired_summary(paired(a=(0.1, 0.1)), digits=-1)
