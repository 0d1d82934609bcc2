"""adlib.density_comparison: validation-only selection and the eight-detector comparison (01)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

from adlib import data
from adlib.density_comparison import (
    DETECTORS,
    ROWS_PER_COMPONENT,
    compare_detectors,
    evaluate_detector,
    select_on_validation,
)
from adlib.detectors import GMMDetector, KDEDetector, PerFeatureGaussian
from adlib.thresholds import F1OptimalThreshold


@pytest.fixture
def split(rng):
    """A small novelty split: 300 normal rows and 30 shifted anomalies in 4 features."""
    X = rng.normal(size=(330, 4))
    y = np.zeros(330, dtype=int)
    y[-30:] = 1
    X[y == 1] += 2.5
    return data.novelty_split(X, y, seed=0)


def test_select_on_validation_keeps_the_best_validation_pr_auc(split):
    grid = [0.05, 0.5, 1.0, 5.0]
    model, value = select_on_validation(lambda bw: KDEDetector(bandwidth=bw), grid, split)
    reference = [
        average_precision_score(
            split.y_val, KDEDetector(bandwidth=bw).fit(split.X_train).score_samples(split.X_val)
        )
        for bw in grid
    ]
    assert value == grid[int(np.argmax(reference))]
    assert isinstance(model, KDEDetector) and model.bandwidth == value
    refit = KDEDetector(bandwidth=value).fit(split.X_train)
    np.testing.assert_array_equal(
        model.score_samples(split.X_test), refit.score_samples(split.X_test)
    )


def test_select_on_validation_never_reads_the_test_rows(split):
    # test rows that would raise if scored, and labels that would change any test metric
    poisoned = replace(split, X_test=np.full_like(split.X_test, np.nan), y_test=1 - split.y_test)

    def make(k):
        return GMMDetector(n_components=k, random_state=0)

    assert (
        select_on_validation(make, [1, 2], poisoned)[1]
        == select_on_validation(make, [1, 2], split)[1]
    )


def test_select_on_validation_keeps_the_first_of_equal_scores(split):
    # the per-feature Gaussian ignores the grid value, so every value scores the same
    _, value = select_on_validation(lambda _: PerFeatureGaussian(), ["a", "b", "c"], split)
    assert value == "a"


@pytest.mark.parametrize(
    ("make", "grid", "error", "message"),
    [
        ("not callable", [1], TypeError, "make must be a function"),
        (lambda k: GMMDetector(n_components=k), [], ValueError, "at least one value"),
        (lambda k: GMMDetector(n_components=k), "scott", TypeError, "sequence of values"),
        (lambda k: object(), [1], TypeError, "not an adlib detector"),
    ],
)
def test_select_on_validation_refuses_bad_input(split, make, grid, error, message):
    with pytest.raises(error, match=message):
        select_on_validation(make, grid, split)


def test_select_on_validation_needs_a_split(split):
    with pytest.raises(TypeError, match=r"adlib\.data\.Split"):
        select_on_validation(PerFeatureGaussian, [1], (split.X_train, split.X_val))


def test_compare_detectors_reports_every_detector_against_sklearn(split):
    rows = compare_detectors(split, seed=0, kde_bandwidths=(0.5, 1.0), gmm_components=(1, 2))
    assert [row["detector"] for row in rows] == list(DETECTORS)
    by_name = {row["detector"]: row for row in rows}
    assert by_name["KDE"]["chosen"] in {"0.5", "1.0"}
    assert by_name["GMM"]["chosen"] in {"1", "2"}
    assert by_name["z-score"]["chosen"] == ""
    model = PerFeatureGaussian().fit(split.X_train)
    test_scores = model.score_samples(split.X_test)
    rule = F1OptimalThreshold().fit(model.score_samples(split.X_val), split.y_val)
    row = by_name["per-feature Gaussian"]
    assert row["ROC-AUC"] == pytest.approx(roc_auc_score(split.y_test, test_scores))
    assert row["PR-AUC"] == pytest.approx(average_precision_score(split.y_test, test_scores))
    assert row["test F1"] == pytest.approx(f1_score(split.y_test, test_scores > rule.threshold_))
    assert all(row["fit+select s"] >= 0 and row["score s"] >= 0 for row in rows)
    # shifted anomalies are easy: every real detector beats the random floor
    assert min(by_name[d]["PR-AUC"] for d in DETECTORS[:-1]) > by_name["random"]["PR-AUC"]


def test_compare_detectors_is_reproducible_at_a_seed(split):
    def metrics_of(rows):
        return [(r["chosen"], r["ROC-AUC"], r["PR-AUC"], r["test F1"]) for r in rows]

    first = compare_detectors(split, seed=3, kde_max_train=50)
    assert metrics_of(first) == metrics_of(compare_detectors(split, seed=3, kde_max_train=50))


def test_kde_max_train_caps_only_the_kde(split):
    capped = compare_detectors(split, seed=0, kde_bandwidths=(1.0,), kde_max_train=40)
    full = compare_detectors(split, seed=0, kde_bandwidths=(1.0,))
    kde = DETECTORS.index("KDE")
    assert capped[kde]["PR-AUC"] != full[kde]["PR-AUC"]
    for i, name in enumerate(DETECTORS):
        if name != "KDE":
            assert capped[i]["PR-AUC"] == full[i]["PR-AUC"], name
    # a cap above the training size changes nothing
    larger = compare_detectors(split, seed=0, kde_bandwidths=(1.0,), kde_max_train=10_000)
    assert larger[kde]["PR-AUC"] == full[kde]["PR-AUC"]


def test_gmm_sizes_too_large_for_the_training_rows_are_skipped(split):
    n_train = len(split.X_train)
    too_big = n_train // ROWS_PER_COMPONENT + 1
    rows = compare_detectors(split, seed=0, gmm_components=(1, too_big))
    assert rows[DETECTORS.index("GMM")]["chosen"] == "1"
    with pytest.raises(ValueError, match="add a smaller size"):
        compare_detectors(split, seed=0, gmm_components=(too_big,))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 0, "kde_bandwidths": ()}, ValueError, "kde_bandwidths is empty"),
        ({"seed": 0, "gmm_components": (0, 2)}, ValueError, "positive ints"),
        ({"seed": 0, "gmm_components": 4}, TypeError, "sequence of ints"),
        ({"seed": 0, "kde_max_train": 0}, ValueError, "kde_max_train"),
    ],
)
def test_compare_detectors_refuses_bad_input(split, kwargs, error, message):
    with pytest.raises(error, match=message):
        compare_detectors(split, **kwargs)


def test_compare_detectors_needs_a_split(split):
    with pytest.raises(TypeError, match=r"adlib\.data\.Split"):
        compare_detectors({"X_train": split.X_train}, seed=0)


def test_evaluate_detector_thresholds_on_validation_and_scores_test_once(split):
    model = PerFeatureGaussian().fit(split.X_train)
    row = evaluate_detector("pfg", lambda: (model, 7), split)
    assert row["detector"] == "pfg" and row["chosen"] == "7"
    rule = F1OptimalThreshold().fit(model.score_samples(split.X_val), split.y_val)
    test_scores = model.score_samples(split.X_test)
    assert row["test F1"] == pytest.approx(f1_score(split.y_test, test_scores > rule.threshold_))
    assert row["PR-AUC"] == pytest.approx(average_precision_score(split.y_test, test_scores))
    val_scores = model.score_samples(split.X_val)
    assert row["val PR-AUC"] == pytest.approx(average_precision_score(split.y_val, val_scores))


def test_evaluate_detector_val_pr_auc_never_reads_the_test_rows(split):
    # poisoned test labels change the test PR-AUC but must leave the validation PR-AUC alone
    poisoned = replace(split, y_test=1 - split.y_test)
    model = PerFeatureGaussian().fit(split.X_train)
    clean_row = evaluate_detector("pfg", lambda: (model, None), split)
    poisoned_row = evaluate_detector("pfg", lambda: (model, None), poisoned)
    assert poisoned_row["val PR-AUC"] == clean_row["val PR-AUC"]
    assert poisoned_row["PR-AUC"] != clean_row["PR-AUC"]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        ("not callable", "build must be a function"),
        (lambda: PerFeatureGaussian(), "must return"),
        (lambda: (object(), None), "must return"),
    ],
)
def test_evaluate_detector_refuses_a_bad_builder(split, build, message):
    with pytest.raises(TypeError, match=message):
        evaluate_detector("x", build, split)
