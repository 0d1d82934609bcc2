"""adlib.ucr_evaluation: the UCR-protocol loop over detectors and seeds, and its metrics."""

import numpy as np
import pandas as pd
import pytest

from adlib import data, metrics
from adlib.data import LabelledSeries
from adlib.detectors import LSTMAutoencoderDetector, WindowDiscordDetector, WindowPCADetector
from adlib.detectors.series import rolling_zscore
from adlib.ucr_evaluation import (
    SERIES_METRICS,
    SeriesRuns,
    converged_pairs,
    evaluate_series,
    run_series_detectors,
)

WINDOW = 16


@pytest.fixture(scope="module")
def series():
    steps = np.arange(900)
    values = np.sin(2 * np.pi * steps / 40) + 0.05 * np.random.default_rng(0).normal(size=900)
    labels = np.zeros(900, dtype=np.int64)
    values[600:606] += 2.0
    labels[600:606] = 1
    return LabelledSeries("toy", values, labels, 600, 605, train_end=300)


def pca(seed):
    return WindowPCADetector(n_components=3)


# --------------------------------------------------------------------------- evaluate_series


def test_evaluate_series_matches_the_metrics_one_by_one():
    labels = np.zeros(500, dtype=int)
    labels[200:210] = 1
    scores = np.random.default_rng(1).random(500)
    scores[205] = 2.0
    got = evaluate_series(labels, scores)
    assert tuple(got) == SERIES_METRICS
    assert got["PR-AUC"] == metrics.pr_auc(labels, scores)
    assert got["VUS-PR"] == metrics.vus_pr(labels, scores)
    assert got["UCR hit"] == 1.0
    scores[400] = 3.0  # the top step now lies 190 steps after the anomaly
    assert evaluate_series(labels, scores)["UCR hit"] == 0.0
    assert evaluate_series(labels, scores, tolerance=200)["UCR hit"] == 1.0


def test_evaluate_series_refuses_bad_input():
    labels = np.r_[np.zeros(10), 1]
    with pytest.raises(ValueError, match="tolerance"):
        evaluate_series(labels, np.arange(11.0), tolerance=-1)
    with pytest.raises(ValueError):
        evaluate_series(np.zeros(11), np.arange(11.0))  # no anomaly to find
    with pytest.raises(ValueError):
        evaluate_series(labels, np.arange(10.0))  # one score short
    with pytest.raises(ValueError):
        evaluate_series(labels, np.r_[np.arange(10.0), np.nan])


# --------------------------------------------------------------------------- run_series_detectors


def test_runs_have_one_row_per_run_in_order(series):
    runs = run_series_detectors(
        series,
        WINDOW,
        neural={"PCA by seed": pca},
        baselines={"discord": WindowDiscordDetector()},
        seeds=range(3, 5),
    )
    assert isinstance(runs, SeriesRuns)
    table = runs.results
    assert table["detector"].tolist() == [
        "PCA by seed",
        "PCA by seed",
        "discord",
        "rolling z-score",
        "random",
        "random",
    ]
    assert table["seed"].tolist() == [3, 4, 3, 3, 3, 4]
    assert list(table.columns[:6]) == ["detector", "seed", "parameters", *SERIES_METRICS]
    assert set(runs.scores) == {"PCA by seed", "discord", "rolling z-score", "random"}
    assert all(s.shape == (600,) for s in runs.scores.values())
    assert isinstance(runs.models["PCA by seed"], WindowPCADetector)


def test_runs_reproduce_the_hand_written_protocol(series):
    # the loop notebook 07 wrote by hand before it moved into adlib
    runs = run_series_detectors(
        series, WINDOW, neural={}, baselines={"PCA": WindowPCADetector(3)}, seeds=[0, 1, 2]
    )
    train, test = data.segment_windows(series.values, WINDOW, [series.train_end])
    labels = series.labels[series.train_end :]
    pca_steps = data.window_scores_to_steps(
        WindowPCADetector(3).fit(train).score_samples(test), len(labels), WINDOW
    )
    z = rolling_zscore(series.values, WINDOW)[series.train_end :]
    noise = np.random.default_rng(0).random((3, len(labels)))
    expected = [evaluate_series(labels, s) for s in (pca_steps, z, *noise)]
    got = runs.results[list(SERIES_METRICS)].to_dict("records")
    assert got == expected
    np.testing.assert_array_equal(runs.scores["PCA"], pca_steps)
    assert runs.results.loc[0, "UCR hit"] == 1.0  # PCA finds the bump


def test_neural_runs_record_cost_and_reuse_a_fitted_model(series):
    def make(seed):
        return LSTMAutoencoderDetector(
            hidden=4, latent_dim=2, epochs=2, batch_size=64, random_state=seed, device="cpu"
        )

    train, _ = data.segment_windows(series.values, WINDOW, [series.train_end])
    reused = make(0).fit(train[::4])
    runs = run_series_detectors(
        series,
        WINDOW,
        neural={"LSTM": make},
        baselines={},
        seeds=[0],
        seeds_per_model={"LSTM": [0, 1]},
        train_stride=4,
        fitted={("LSTM", 0): (reused, 12.5)},
    )
    lstm = runs.results[runs.results["detector"] == "LSTM"]
    assert lstm["seed"].tolist() == [0, 1]
    assert lstm["fit s"].iloc[0] == 12.5
    assert runs.models["LSTM"] is reused
    assert runs.fitted[("LSTM", 0)] is reused and set(runs.fitted) == {("LSTM", 0), ("LSTM", 1)}
    assert lstm["parameters"].iloc[0] == sum(p.numel() for p in reused.model_.parameters())
    assert lstm["val loss"].iloc[0] == reused.history_.best_val_loss
    assert lstm["epochs"].tolist() == [2, 2]
    assert list(lstm.columns[6:]) == ["fit s", "val loss", "epochs", "score s"]
    fresh = make(1).fit(train[::4])
    assert lstm["val loss"].iloc[1] == fresh.history_.best_val_loss
    assert runs.results["detector"].iloc[-1] == "random"  # one draw for the one seed
    assert pd.isna(runs.results.loc[runs.results["detector"] == "random", "val loss"]).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"seeds": []}, ValueError, "empty"),
        ({"seeds": [0.5]}, TypeError, "seeds"),
        ({"seeds": "012"}, TypeError, "sequence of integer seeds"),
        ({"seeds_per_model": {"nope": [0]}}, ValueError, "not in neural"),
        ({"neural": {"x": "LSTM"}}, TypeError, "function of a seed"),
        ({"neural": {"x": lambda seed: "model"}}, TypeError, "not an adlib detector"),
        ({"baselines": {"x": object()}}, TypeError, "adlib detector"),
        ({"train_stride": 0}, ValueError, "train_stride"),
        ({"window": 400}, ValueError, "window"),
        ({"fitted": {("PCA by seed", 0): WindowPCADetector()}}, TypeError, "fitted"),
    ],
)
def test_run_refuses_bad_input(series, kwargs, error, match):
    arguments = {
        "series": series,
        "window": WINDOW,
        "neural": {"PCA by seed": pca},
        "baselines": {},
        "seeds": [0],
    } | kwargs
    with pytest.raises(error, match=match):
        run_series_detectors(**arguments)


def test_run_needs_a_labelled_series():
    with pytest.raises(TypeError, match="LabelledSeries"):
        run_series_detectors(np.zeros(100), WINDOW, {}, {}, [0])


# --------------------------------------------------------------------------- converged_pairs


def test_converged_pairs_keeps_the_seeds_where_both_models_converged():
    runs = pd.DataFrame(
        {
            "detector": ["lstm"] * 4 + ["gru"] * 4 + ["pca"],
            "seed": [0, 1, 2, 3, 0, 1, 2, 3, 0],
            "val loss": [0.07, 0.01, 0.011, 0.012, 0.004, 0.004, 0.02, 0.005, np.nan],
            "VUS-PR": [0.05, 0.93, 0.92, 0.91, 0.93, 0.94, 0.10, 0.92, 0.9],
        }
    )
    first, second, seeds = converged_pairs(runs, "lstm", "gru")
    assert seeds == [1, 3]  # lstm seed 0 and gru seed 2 failed (loss above 3x the best)
    np.testing.assert_array_equal(first, [0.93, 0.91])
    np.testing.assert_array_equal(second, [0.94, 0.92])
    loss_first, _, _ = converged_pairs(runs, "lstm", "gru", "val loss")
    np.testing.assert_array_equal(loss_first, [0.01, 0.012])


def test_converged_pairs_refuses_unknown_models_columns_and_repeated_seeds():
    runs = pd.DataFrame(
        {"detector": ["a", "a", "b"], "seed": [0, 0, 0], "val loss": [1.0] * 3, "VUS-PR": [0.5] * 3}
    )
    with pytest.raises(ValueError, match="no run of 'c'"):
        converged_pairs(runs, "b", "c")
    with pytest.raises(ValueError, match="same seed"):
        converged_pairs(runs, "a", "b")
    with pytest.raises(ValueError, match="no column 'UCR hit'"):
        converged_pairs(runs, "a", "b", "UCR hit")


def test_per_run_text_lists_each_run():
    from adlib.ucr_evaluation import per_run_text

    assert per_run_text([0.9281, 0.4213]) == "0.928, 0.421"
    assert per_run_text(np.array([1.0]), digits=1) == "1.0"
    assert per_run_text([]) == ""
    with pytest.raises(ValueError, match="one-dimensional"):
        per_run_text([[0.1, 0.2]])
    with pytest.raises(ValueError, match="digits"):
        per_run_text([0.1], digits=-1)
