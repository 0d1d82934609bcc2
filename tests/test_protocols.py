"""adlib.protocols: clean vs contaminated training, standardised vs raw features (notebook 02)."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from adlib import data, metrics, protocols
from adlib.detectors import IsolationForestDetector, LOFDetector, ZScoreDetector


@pytest.fixture(scope="module")
def wbc() -> data.Dataset:
    return data.make_wbc(draw=0)


def test_without_training_anomalies_drops_only_anomalous_training_rows(wbc):
    split = data.outlier_split(wbc.X, wbc.y, seed=0)
    clean = protocols.without_training_anomalies(split)
    assert split.y_train.sum() > 0 and clean.y_train.sum() == 0
    assert len(clean.y_train) == int((split.y_train == 0).sum())
    assert np.array_equal(clean.X_train, split.X_train[split.y_train == 0])
    assert np.array_equal(clean.train_idx, split.train_idx[split.y_train == 0])
    assert clean.X_test is split.X_test and clean.X_val is split.X_val


def test_without_training_anomalies_rejects_bad_input(wbc):
    split = data.outlier_split(wbc.X, wbc.y, seed=0)
    with pytest.raises(TypeError, match="Split"):
        protocols.without_training_anomalies(wbc)
    all_anomalous = protocols.standardised(split).__class__(
        **{**split.__dict__, "y_train": np.ones_like(split.y_train)}
    )
    with pytest.raises(ValueError, match="every training row"):
        protocols.without_training_anomalies(all_anomalous)


def test_standardised_matches_a_scaler_fitted_on_the_training_rows(wbc):
    split = data.novelty_split(wbc.X, wbc.y, seed=0)
    scaled = protocols.standardised(split)
    scaler = StandardScaler().fit(split.X_train)
    for part in ("X_train", "X_val", "X_test"):
        np.testing.assert_allclose(getattr(scaled, part), scaler.transform(getattr(split, part)))
    np.testing.assert_allclose(scaled.X_train.mean(axis=0), 0, atol=1e-9)
    assert np.array_equal(scaled.y_test, split.y_test)


def test_standardised_refuses_constant_training_features(wbc):
    split = data.novelty_split(wbc.X, wbc.y, seed=0)
    X_train = split.X_train.copy()
    X_train[:, 3] = 7.0
    constant = split.__class__(**{**split.__dict__, "X_train": X_train})
    with pytest.raises(ValueError, match=r"columns \[3\]"):
        protocols.standardised(constant)


def test_contamination_effect_pairs_two_fits_on_the_same_test_rows(wbc):
    makers = {"LOF": partial(LOFDetector, n_neighbors=10), "z-score": ZScoreDetector}
    rows = protocols.contamination_effect(wbc.X, wbc.y, 2, makers)
    assert [(r["detector"], r["training"]) for r in rows] == [
        ("LOF", "contaminated"),
        ("LOF", "clean"),
        ("z-score", "contaminated"),
        ("z-score", "clean"),
    ]
    split = data.outlier_split(wbc.X, wbc.y, seed=2)
    assert rows[0]["contamination"] == pytest.approx(split.y_train.mean())
    assert rows[1]["contamination"] == 0
    clean = protocols.without_training_anomalies(split)
    scores = LOFDetector(n_neighbors=10).fit(clean.X_train).score_samples(clean.X_test)
    assert rows[1]["PR-AUC"] == metrics.pr_auc(clean.y_test, scores)


def test_contamination_effect_caps_the_training_rows(wbc):
    rows = protocols.contamination_effect(wbc.X, wbc.y, 0, {"z": ZScoreDetector}, cap=50)
    split = data.subsample_train(data.outlier_split(wbc.X, wbc.y, seed=0), 50, seed=0)
    assert rows[0]["contamination"] == pytest.approx(split.y_train.mean())


def test_contamination_effect_rejects_bad_input(wbc):
    with pytest.raises(TypeError, match="detectors"):
        protocols.contamination_effect(wbc.X, wbc.y, 0, [ZScoreDetector])
    with pytest.raises(TypeError, match="detectors"):
        protocols.contamination_effect(wbc.X, wbc.y, 0, {"z": ZScoreDetector()})
    with pytest.raises(ValueError, match="cap"):
        protocols.contamination_effect(wbc.X, wbc.y, 0, {"z": ZScoreDetector}, cap=0)
    with pytest.raises(ValueError):
        protocols.contamination_effect(wbc.X, wbc.y[:-1], 0, {"z": ZScoreDetector})


def test_scaling_effect_runs_both_ways_and_isolation_forest_does_not_care(wbc):
    split = data.novelty_split(wbc.X, wbc.y, seed=1)
    rows = protocols.scaling_effect(
        split,
        {"LOF": lambda s: LOFDetector(n_neighbors=10, standardize=s)},
        {"Isolation Forest": partial(IsolationForestDetector, random_state=1)},
    )
    assert [(r["detector"], r["features"]) for r in rows] == [
        ("LOF", "standardised"),
        ("LOF", "raw"),
        ("Isolation Forest", "standardised"),
        ("Isolation Forest", "raw"),
    ]
    assert rows[2]["PR-AUC"] == rows[3]["PR-AUC"]  # splits rescale with the features
    raw = LOFDetector(n_neighbors=10, standardize=False).fit(split.X_train)
    assert rows[1]["PR-AUC"] == metrics.pr_auc(split.y_test, raw.score_samples(split.X_test))
    assert rows[0]["PR-AUC"] != rows[1]["PR-AUC"]


def test_scaling_effect_rejects_bad_input(wbc):
    split = data.novelty_split(wbc.X, wbc.y, seed=1)
    with pytest.raises(TypeError, match="split"):
        protocols.scaling_effect(wbc, {}, {})
    with pytest.raises(TypeError, match="scaling_inside"):
        protocols.scaling_effect(split, {"LOF": 3}, {})
