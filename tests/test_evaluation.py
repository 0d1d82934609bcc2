"""adlib.evaluation, PCADetector, make_digits and subsample_train (notebooks 02-05)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from adlib import data, metrics
from adlib.detectors import IsolationForestDetector, PCADetector, RandomDetector
from adlib.evaluation import run_detector, summarise


@pytest.fixture
def split(rng):
    X = rng.normal(size=(300, 4))
    y = np.zeros(300, dtype=int)
    y[-30:] = 1
    X[y == 1] += 4.0
    return data.novelty_split(X, y, seed=0)


def test_run_detector_reports_test_metrics_and_times(split):
    detector = IsolationForestDetector(random_state=0)
    result = run_detector(detector, split)
    scores = detector.score_samples(split.X_test)
    assert result["ROC-AUC"] == metrics.roc_auc(split.y_test, scores)
    assert result["PR-AUC"] == metrics.pr_auc(split.y_test, scores)
    assert result["ROC-AUC"] > 0.95
    assert result["fit s"] > 0 and result["score s"] > 0


def test_run_detector_rejects_other_objects(split):
    with pytest.raises(TypeError, match="detector must be an adlib detector"):
        run_detector(IsolationForestDetector, split)
    with pytest.raises(TypeError, match=r"split must be an adlib\.data\.Split"):
        run_detector(RandomDetector(), (split.X_train, split.X_test))


def _runs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dataset": ["a"] * 6 + ["b"] * 2,
            "detector": ["x", "x", "y", "y", "z", "z", "x", "y"],
            "ROC-AUC": [0.9, 0.92, 0.8, 0.85, 0.5, 0.52, 0.7, 0.6],
            "PR-AUC": [0.8, 0.82, 0.79, 0.81, 0.1, 0.12, 0.3, 0.2],
        }
    )


def test_summarise_formats_mean_sd_and_counts_runs():
    table = summarise(_runs())
    assert list(table.index) == [("a", "x"), ("a", "y"), ("a", "z"), ("b", "x"), ("b", "y")]
    sd = np.std([0.8, 0.82], ddof=1)
    assert table.loc[("a", "x"), "PR-AUC"] == f"0.810 ± {sd:.3f}"
    assert table.loc[("a", "x"), "runs"] == 2
    assert list(table.columns) == ["ROC-AUC", "PR-AUC", "runs"]
    assert table.loc[("b", "x"), "ROC-AUC"] == "0.700"


def test_summarise_with_one_grouping_key_and_other_digits():
    runs = _runs()
    table = summarise(runs[runs["dataset"] == "a"], by=["detector"], digits=2)
    assert table.loc["x", "ROC-AUC"] == "0.91 ± 0.01"
    assert table["runs"].tolist() == [2, 2, 2]


def test_summarise_rejects_missing_columns_and_empty_results():
    with pytest.raises(ValueError, match=r"results has no column\(s\) \['F1'\]"):
        summarise(_runs(), columns=["F1"])
    with pytest.raises(ValueError, match="results is empty"):
        summarise(_runs().iloc[:0])


def test_pca_detector_matches_sklearn_reconstruction_error(rng):
    X = rng.normal(size=(200, 6)) @ rng.normal(size=(6, 6))
    X_new = rng.normal(size=(50, 6)) @ rng.normal(size=(6, 6))
    detector = PCADetector(n_components=3).fit(X)
    scaler = StandardScaler().fit(X)
    pca = PCA(n_components=3, svd_solver="full").fit(scaler.transform(X))
    Z = scaler.transform(X_new)
    expected = ((Z - pca.inverse_transform(pca.transform(Z))) ** 2).mean(axis=1)
    np.testing.assert_allclose(detector.score_samples(X_new), expected, rtol=1e-10)
    per_feature = (Z - pca.inverse_transform(pca.transform(Z))) ** 2
    np.testing.assert_allclose(detector.reconstruction_error(X_new), per_feature, rtol=1e-10)


def test_pca_detector_rejects_too_many_components(rng):
    with pytest.raises(ValueError, match="n_components=4 must be below both the 50 rows and the 4"):
        PCADetector(n_components=4).fit(rng.normal(size=(50, 4)))


def test_make_digits_is_one_normal_digit_plus_sampled_others():
    digits = data.make_digits(normal_digit=3, draw=1, n_anomalies=20)
    assert digits.X.shape == (183 + 20, 64)
    assert digits.y.sum() == 20
    assert len(digits.feature_names) == 64
    assert digits.X.min() >= 0 and digits.X.max() <= 16
    np.testing.assert_array_equal(data.make_digits(3, 1, 20).X, digits.X)
    assert not np.array_equal(data.make_digits(3, 2, 20).X, digits.X)
    with pytest.raises(ValueError, match="normal_digit"):
        data.make_digits(normal_digit=10)


def test_subsample_train_keeps_validation_and_test(split):
    small = data.subsample_train(split, 50, seed=3)
    assert len(small.train_idx) == 50
    assert set(small.train_idx) <= set(split.train_idx)
    np.testing.assert_array_equal(
        small.X_train, split.X_train[np.isin(split.train_idx, small.train_idx)]
    )
    np.testing.assert_array_equal(small.test_idx, split.test_idx)
    np.testing.assert_array_equal(small.X_val, split.X_val)
    np.testing.assert_array_equal(
        data.subsample_train(split, 50, seed=3).train_idx, small.train_idx
    )
    assert data.subsample_train(split, 10**6) is split


def test_subsample_train_rejects_bad_input(split):
    with pytest.raises(ValueError, match="max_rows must be in"):
        data.subsample_train(split, 0)
    with pytest.raises(TypeError, match=r"split must be an adlib\.data\.Split"):
        data.subsample_train("split", 10)
