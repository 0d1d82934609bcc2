"""adlib.suites: the datasets, detector suites and experiment loop of notebooks 02 and 03."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adlib import data, metrics, suites
from adlib.detectors import (
    AutoencoderDetector,
    IsolationForestDetector,
    LOFDetector,
    OneClassSVMDetector,
    RandomDetector,
    ZScoreDetector,
)
from adlib.evaluation import run_detector

_TINY_NN = {"hidden": (4,), "latent_dim": 2, "epochs": 2, "device": "cpu", "progress": False}


@pytest.fixture(scope="module")
def small_shuttle() -> data.Dataset:
    """A 3,000-row sample of shuttle (both classes), so the tests stay fast."""
    shuttle = data.load_shuttle()
    keep = np.sort(np.random.default_rng(0).choice(len(shuttle.y), 3000, replace=False))
    return data.Dataset("shuttle", shuttle.X[keep], shuttle.y[keep], shuttle.feature_names)


def _same_split(a: data.Split, b: data.Split) -> bool:
    return all(
        np.array_equal(getattr(a, part), getattr(b, part))
        for part in ("train_idx", "val_idx", "test_idx", "X_train", "X_test", "y_test")
    )


def test_dataset_suite_matches_the_notebooks_original_recipe(small_shuttle):
    splits = suites.dataset_suite(
        3, ("wbc", "wine", "digits", "shuttle"), shuttle_cap=500, shuttle=small_shuttle
    )
    assert list(splits) == ["wbc", "wine", "digits", "shuttle"]
    wbc = data.make_wbc(draw=3)
    assert _same_split(splits["wbc"], data.novelty_split(wbc.X, wbc.y, seed=3))
    digits = data.make_digits(draw=3)
    assert _same_split(splits["digits"], data.novelty_split(digits.X, digits.y, seed=3))
    expected = data.subsample_train(
        data.novelty_split(small_shuttle.X, small_shuttle.y, seed=3), 500, seed=3
    )
    assert _same_split(splits["shuttle"], expected)
    assert len(splits["shuttle"].y_train) == 500 and splits["shuttle"].y_train.sum() == 0


def test_dataset_suite_keeps_the_order_it_is_given_and_caps_only_when_asked(small_shuttle):
    splits = suites.dataset_suite(0, ("shuttle", "wine"), shuttle=small_shuttle)
    assert list(splits) == ["shuttle", "wine"]
    assert len(splits["shuttle"].y_train) > 1000  # no cap: every normal training row


def test_dataset_suite_draws_new_anomalies_per_seed():
    a, b = (suites.dataset_suite(seed, ("wine",))["wine"] for seed in (0, 1))
    assert not np.array_equal(a.X_test, b.X_test)


@pytest.mark.parametrize(
    ("names", "error"),
    [
        (("wbc", "mnist"), ValueError),
        (("wbc", "wbc"), ValueError),
        ((), TypeError),
        ("wbc", TypeError),
    ],
)
def test_dataset_suite_rejects_bad_names(names, error):
    with pytest.raises(error, match="names"):
        suites.dataset_suite(0, names)


def test_dataset_suite_rejects_bad_seed_cap_and_shuttle():
    with pytest.raises(ValueError, match="seed"):
        suites.dataset_suite(-1, ("wine",))
    with pytest.raises(ValueError, match="shuttle_cap"):
        suites.dataset_suite(0, ("wine",), shuttle_cap=0)
    with pytest.raises(TypeError, match="shuttle"):
        suites.dataset_suite(0, ("shuttle",), shuttle=np.zeros((3, 3)))


def test_choose_on_validation_picks_the_best_validation_pr_auc():
    split = suites.dataset_suite(0, ("wine",))["wine"]
    grid = (2, 5, 15, 40)
    by_hand = [
        metrics.pr_auc(
            split.y_val, LOFDetector(n_neighbors=k).fit(split.X_train).score_samples(split.X_val)
        )
        for k in grid
    ]
    chosen = suites.choose_on_validation(lambda k: LOFDetector(n_neighbors=k), grid, split)
    assert chosen == grid[int(np.argmax(by_hand))]


def test_choose_on_validation_breaks_ties_towards_the_first_value():
    split = suites.dataset_suite(0, ("wine",))["wine"]
    # ZScoreDetector ignores the value: every grid value ties
    assert suites.choose_on_validation(lambda _: ZScoreDetector(), ["a", "b"], split) == "a"


def test_choose_on_validation_rejects_bad_input():
    split = suites.dataset_suite(0, ("wine",))["wine"]
    with pytest.raises(ValueError, match="grid"):
        suites.choose_on_validation(lambda v: LOFDetector(n_neighbors=v), [], split)
    with pytest.raises(TypeError, match="make"):
        suites.choose_on_validation("LOF", [5], split)
    with pytest.raises(TypeError, match="split"):
        suites.choose_on_validation(lambda v: LOFDetector(n_neighbors=v), [5], (1, 2))


def test_classical_suite_builds_the_five_detectors_with_chosen_hyperparameters():
    split = suites.dataset_suite(1, ("wbc",))["wbc"]
    detectors, picked = suites.classical_suite(
        split, 1, nu_grid=(0.01, 0.1), neighbour_grid=(5, 20)
    )
    assert list(detectors) == ["Isolation Forest", "One-Class SVM", "LOF", "z-score", "random"]
    assert picked["nu"] in (0.01, 0.1) and picked["k"] in (5, 20)
    assert detectors["One-Class SVM"].nu == picked["nu"]
    assert detectors["LOF"].n_neighbors == picked["k"]
    assert isinstance(detectors["Isolation Forest"], IsolationForestDetector)
    assert detectors["Isolation Forest"].random_state == 1
    assert isinstance(detectors["random"], RandomDetector) and detectors["random"].random_state == 1
    expected_nu = suites.choose_on_validation(
        lambda v: OneClassSVMDetector(nu=v), (0.01, 0.1), split
    )
    assert picked["nu"] == expected_nu


def test_autoencoder_suite_lists_the_networks_and_their_yardsticks():
    detectors = suites.autoencoder_suite(4, _TINY_NN, latent_dim=2)
    assert list(detectors) == [
        "autoencoder",
        "denoising AE",
        "residual AE",
        "PCA (linear AE)",
        "Isolation Forest",
        "z-score",
        "random",
    ]
    assert detectors["autoencoder"].random_state == 4
    assert detectors["autoencoder"].hidden == (4,)
    assert detectors["PCA (linear AE)"].n_components == 2
    assert "z-score" not in suites.autoencoder_suite(4, _TINY_NN, latent_dim=2, z_score=False)


def test_autoencoder_suite_rejects_bad_options():
    with pytest.raises(ValueError, match="random_state"):
        suites.autoencoder_suite(0, {**_TINY_NN, "random_state": 1}, latent_dim=2)
    with pytest.raises(TypeError, match="nn_options"):
        suites.autoencoder_suite(0, [("hidden", (4,))], latent_dim=2)
    with pytest.raises(ValueError, match="latent_dim"):
        suites.autoencoder_suite(0, _TINY_NN, latent_dim=0)


def test_run_suite_records_one_row_per_run_matching_run_detector():
    runs = suites.run_suite(
        [0, 1],
        lambda seed: suites.dataset_suite(seed, ("wine", "wbc")),
        lambda name, split, seed: {
            "z-score": ZScoreDetector(),
            "random": RandomDetector(random_state=seed),
        },
    )
    assert isinstance(runs, pd.DataFrame) and len(runs) == 2 * 2 * 2
    assert list(runs.columns[:3]) == ["dataset", "detector", "seed"]
    assert runs[["dataset", "detector", "seed"]].iloc[:4].values.tolist() == [
        ["wine", "z-score", 0],
        ["wine", "random", 0],
        ["wbc", "z-score", 0],
        ["wbc", "random", 0],
    ]
    split = suites.dataset_suite(1, ("wbc",))["wbc"]
    by_hand = run_detector(RandomDetector(random_state=1), split)
    row = runs[(runs["dataset"] == "wbc") & (runs["detector"] == "random") & (runs["seed"] == 1)]
    assert row["PR-AUC"].item() == by_hand["PR-AUC"]
    assert row["ROC-AUC"].item() == by_hand["ROC-AUC"]


def test_run_suite_with_an_autoencoder_is_reproducible():
    def make(seed):
        return suites.dataset_suite(seed, ("wine",))

    def nets(name, split, seed):
        return {"autoencoder": AutoencoderDetector(**_TINY_NN, random_state=seed)}

    first, second = (suites.run_suite([0], make, nets) for _ in range(2))
    assert first["PR-AUC"].item() == second["PR-AUC"].item()


def test_run_suite_rejects_bad_input():
    with pytest.raises(TypeError, match="functions"):
        suites.run_suite([0], {"wine": None}, lambda *a: {})
    with pytest.raises(ValueError, match="no runs"):
        suites.run_suite([], lambda seed: {}, lambda *a: {})
    with pytest.raises(ValueError, match="seed"):
        suites.run_suite([-1], lambda seed: {}, lambda *a: {})
