"""adlib.series_benchmark: the cross-series benchmark of notebook 15."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from adlib.detectors import WindowDiscordDetector, WindowPCADetector
from adlib.plots import critical_difference
from adlib.series_benchmark import (
    RANDOM,
    ZSCORE,
    Contender,
    benchmark_window,
    dominant_period,
    flag_failed,
    group_means,
    mean_ranks,
    rank_table,
    rank_test,
    run_benchmark,
    score_matrix,
)

matplotlib.use("Agg")


@dataclass(frozen=True)
class _Series:
    name: str
    train: np.ndarray
    test: np.ndarray
    labels: np.ndarray
    source: str = "test"


def _sine_series(name: str, period: int, seed: int) -> _Series:
    rng = np.random.default_rng(seed)
    t = np.arange(3000)
    clean = np.sin(2 * np.pi * t / period)
    train = (clean[:1500] + 0.05 * rng.normal(size=1500))[:, None]
    test = (clean + 0.05 * rng.normal(size=3000))[:, None]
    labels = np.zeros(3000, dtype=int)
    test[2000:2010, 0] += 3.0
    labels[2000:2010] = 1
    return _Series(name, train, test, labels)


def test_dominant_period_finds_the_period_of_a_noisy_sine():
    for period in (20, 37, 90):
        series = _sine_series("s", period, 0)
        assert abs(dominant_period(series.train) - period) <= 1


def test_dominant_period_falls_back_to_the_default_without_a_peak():
    walk = np.cumsum(np.random.default_rng(0).normal(size=2000))
    assert dominant_period(walk, default=40) == 40


def test_benchmark_window_is_clipped():
    assert benchmark_window(_sine_series("s", 300, 0), low=16, high=128) == 64
    assert benchmark_window(_sine_series("s", 10, 0), low=16, high=128) == 20


def test_dominant_period_rejects_short_or_non_finite_input():
    with pytest.raises(ValueError, match="n_steps"):
        dominant_period(np.arange(10.0))
    with pytest.raises(ValueError, match="finite"):
        dominant_period(np.full(1000, np.nan))


def _runs() -> pd.DataFrame:
    suite = [_sine_series(f"s{i}", 25 + 5 * i, i) for i in range(3)]
    contenders = [
        Contender("PCA", "window", lambda w, s: WindowPCADetector(n_components=2)),
        Contender("discord", "window", lambda w, s: WindowDiscordDetector()),
    ]
    return flag_failed(run_benchmark(suite, contenders, [0, 1], log=None))


def test_run_benchmark_scores_every_detector_on_every_series():
    runs = _runs()
    counts = runs.groupby("detector").size()
    assert counts.to_dict() == {"PCA": 3, "discord": 3, RANDOM: 6, ZSCORE: 3}
    assert runs["VUS-PR"].between(0, 1).all()
    assert runs["UCR hit"].notna().all()
    window_scores = runs.set_index(["series", "detector"])["VUS-PR"]
    assert window_scores.xs("discord", level="detector").min() > 0.5
    assert not runs["failed"].any()


def test_rank_table_ranks_the_spike_detectors_above_random():
    table = rank_table(_runs())
    assert table.index[-1] == RANDOM
    assert list(table.columns[:4]) == ["family", "mean VUS-PR", "median VUS-PR", "mean rank"]


def test_mean_ranks_share_ties_and_skip_incomplete_series():
    matrix = pd.DataFrame({"a": [0.9, 0.5, np.nan], "b": [0.9, 0.4, 0.1], "c": [0.1, 0.6, 0.2]})
    ranks = mean_ranks(matrix)
    assert ranks.to_dict() == {"a": 1.75, "c": 2.0, "b": 2.25}


def test_rank_test_matches_scipy_and_demsar_critical_difference():
    rng = np.random.default_rng(0)
    matrix = pd.DataFrame(rng.random((30, 5)), columns=list("abcde"))
    result = rank_test(matrix)
    expected = stats.friedmanchisquare(*matrix.to_numpy().T)
    assert result.statistic == pytest.approx(expected.statistic)
    assert result.p_value == pytest.approx(expected.pvalue)
    # Demšar (2006), Table 5: q_0.05 = 2.728 for k = 5.
    assert result.critical_difference == pytest.approx(2.728 * np.sqrt(5 * 6 / (6 * 30)), rel=1e-3)


def test_rank_test_needs_enough_series_and_detectors():
    with pytest.raises(ValueError, match="Friedman"):
        rank_test(pd.DataFrame({"a": [1.0], "b": [2.0], "c": [3.0]}))


def test_flag_failed_uses_the_gap_rule_within_a_series_and_the_mean_plateau():
    runs = pd.DataFrame(
        {
            "detector": ["n"] * 6 + ["pca"],
            "series": ["a", "a", "a", "b", "c", "d", "a"],
            "val loss": [0.01, 0.012, 0.5, 0.0001, 0.3, 1.2, np.nan],
            "mean loss": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, np.nan],
        }
    )
    # a: the third seed sits above a 3x gap; b and c differ by 3,000x but are different
    # series, so no gap rule across them; d is no better than predicting the mean.
    expected = [False, False, True, False, False, True, False]
    assert flag_failed(runs)["failed"].tolist() == expected


def test_score_matrix_leaves_out_failed_runs():
    runs = pd.DataFrame(
        {
            "series": ["x", "x", "y"],
            "detector": ["n", "n", "n"],
            "VUS-PR": [0.2, 0.8, 0.5],
            "failed": [True, False, False],
        }
    )
    assert score_matrix(runs)["n"].to_dict() == {"x": 0.8, "y": 0.5}


def test_group_means_counts_a_series_in_each_of_its_groups():
    matrix = pd.DataFrame({"a": [1.0, 0.0], "b": [0.5, 0.5]}, index=["s1", "s2"])
    table = group_means(matrix, {"spike": ["s1", "s2"], "shift": ["s2", "missing"]}, ["a"])
    assert table.loc["spike", "a"] == 0.5 and table.loc["shift", "series"] == 1


def test_run_benchmark_rejects_reserved_or_duplicate_names():
    suite = [_sine_series("s", 25, 0)]
    pca = Contender(RANDOM, "window", lambda w, s: WindowPCADetector())
    with pytest.raises(ValueError, match="unique"):
        run_benchmark(suite, [pca], [0], log=None)
    with pytest.raises(ValueError, match="seeds"):
        run_benchmark(suite, [], [], log=None)


def test_critical_difference_draws_every_detector():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    critical_difference(ax, pd.Series({"a": 1.2, "b": 2.0, "c": 2.8}), 1.0)
    labels = [t.get_text() for t in ax.texts]
    assert any(label.startswith("a ") for label in labels) and "CD = 1.00" in labels
    with pytest.raises(ValueError, match="cd"):
        critical_difference(ax, pd.Series({"a": 1.0}), 0.0)
    plt.close(fig)


def test_rank_table_compares_every_detector_on_the_same_series():
    runs = pd.DataFrame(
        {
            "series": ["x", "x", "y", "y", "z", "z"],
            "detector": ["a", "b"] * 3,
            "family": ["window"] * 6,
            "VUS-PR": [0.9, 0.5, 0.1, 0.3, 0.8, 0.2],
            "failed": [False, False, False, False, False, True],
            "fit s": [0.0] * 6,
            "score s": [0.0] * 6,
        }
    )
    table = rank_table(runs)
    # z is left out (b failed there): a is averaged over x and y only.
    assert table.loc["a", "mean VUS-PR"] == pytest.approx(0.5)
    assert table.loc["a", "mean rank"] == 1.5 and table.loc["b", "failed"] == 1
