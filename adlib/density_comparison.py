"""Density detectors against simple baselines on one split, tuned on validation (notebook 01).

Notebook 01 compares eight detectors on wbc, wine and shuttle: four density models
(per-feature and multivariate Gaussian, KDE, GMM), z-score and IQR as trivial baselines,
Isolation Forest as the shallow reference and random scores as the floor. Every choice a
detector needs is made on the validation rows and the test rows are scored once: the KDE's
bandwidth and the GMM's number of components by validation PR-AUC
(:func:`select_on_validation`), every decision threshold by validation F1. Keeping the whole
protocol here, tested, means the notebook's table cannot leak test labels by accident.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from numbers import Integral

import numpy as np

from adlib import metrics
from adlib._validation import check_int
from adlib.data.splits import Split, check_split
from adlib.detectors import (
    GMMDetector,
    IQRDetector,
    IsolationForestDetector,
    KDEDetector,
    MultivariateGaussian,
    PerFeatureGaussian,
    RandomDetector,
    ZScoreDetector,
)
from adlib.detectors.base import BaseDetector
from adlib.thresholds import F1OptimalThreshold

#: The detectors of :func:`compare_detectors`, in the order of its rows.
DETECTORS = (
    "per-feature Gaussian",
    "multivariate Gaussian",
    "KDE",
    "GMM",
    "z-score",
    "IQR",
    "Isolation Forest",
    "random",
)
#: A GMM component needs this many training rows or more: fewer make its covariance unstable.
ROWS_PER_COMPONENT = 5


def select_on_validation(
    make: Callable[[object], BaseDetector], grid: Iterable[object], split: Split
) -> tuple[BaseDetector, object]:
    """Fit ``make(value)`` on the training rows for each value of ``grid``; keep the best.

    "Best" is the highest PR-AUC on the validation rows (``split.X_val``, ``split.y_val``);
    on a tie the earlier value wins. Returns the fitted model and its value, e.g.
    ``(KDEDetector(bandwidth=1.0), 1.0)``. The test rows are never touched, so the chosen
    hyperparameter cannot have seen them. Notebook 01 tunes the KDE's bandwidth and the
    GMM's number of components with it.
    """
    if not callable(make):
        raise TypeError(
            f"make must be a function from a grid value to a detector, got {type(make).__name__}."
        )
    check_split(split)
    if isinstance(grid, str | bytes) or not isinstance(grid, Iterable):
        raise TypeError(f"grid must be a sequence of values to try, e.g. [0.5, 1.0], got {grid!r}.")
    values = list(grid)
    if not values:
        raise ValueError(f"grid must hold at least one value to try, got {grid!r}.")
    best_model, best_value, best_score = None, None, -np.inf
    for value in values:
        model = make(value)
        if not isinstance(model, BaseDetector):
            raise TypeError(
                f"make({value!r}) returned {type(model).__name__}, not an adlib detector."
            )
        model.fit(split.X_train)
        score = metrics.pr_auc(split.y_val, model.score_samples(split.X_val))
        if score > best_score:
            best_model, best_value, best_score = model, value, score
    return best_model, best_value


def compare_detectors(
    split: Split,
    seed: int,
    *,
    kde_bandwidths: Sequence[float | str] = ("scott", 0.5, 1.0, 2.0),
    gmm_components: Sequence[int] = (1, 2, 4, 8),
    kde_max_train: int | None = None,
) -> list[dict[str, object]]:
    """Fit the eight detectors of :data:`DETECTORS` on ``split``; one result row each.

    Each detector is fitted on the training rows (KDE and GMM through
    :func:`select_on_validation` over ``kde_bandwidths`` and those ``gmm_components`` that
    leave at least :data:`ROWS_PER_COMPONENT` training rows per component), its threshold is
    the F1-optimal one on the validation scores, and the test rows are scored once. ``seed``
    seeds the GMM, Isolation Forest and random scores, and the draw of ``kde_max_train``
    training rows (without replacement) that caps the KDE's cost on large data. Each row has
    "detector", "chosen" (the selected hyperparameter as text, "" if none), "val PR-AUC" (on
    the validation rows), the test "ROC-AUC",
    "PR-AUC" and "test F1" (at the validation threshold), and the wall-clock seconds
    "fit+select s" (fit plus any search) and "score s" (scoring the test rows).
    """
    check_split(split)
    seed = check_int(seed, "seed", low=0)
    bandwidths = list(kde_bandwidths)
    if not bandwidths:
        raise ValueError("kde_bandwidths is empty; give at least one bandwidth, e.g. ('scott',).")
    components = [
        k for k in _components(gmm_components) if k * ROWS_PER_COMPONENT < len(split.X_train)
    ]
    if not components:
        raise ValueError(
            f"no GMM size in {tuple(gmm_components)} leaves {ROWS_PER_COMPONENT} training rows "
            f"per component with {len(split.X_train)} rows; add a smaller size such as 1."
        )
    rng = np.random.default_rng(seed)
    kde_split = split
    if kde_max_train is not None:
        kde_max_train = check_int(kde_max_train, "kde_max_train", low=1)
        if len(split.X_train) > kde_max_train:
            keep = rng.choice(len(split.X_train), kde_max_train, replace=False)
            kde_split = replace(
                split,
                train_idx=split.train_idx[keep],
                X_train=split.X_train[keep],
                y_train=split.y_train[keep],
            )
    builders = _builders(split, kde_split, seed, bandwidths, components)
    return [evaluate_detector(name, build, split) for name, build in builders.items()]


def _builders(
    split: Split, kde_split: Split, seed: int, bandwidths: list, components: list[int]
) -> dict[str, Callable[[], tuple[BaseDetector, object]]]:
    """For each detector, a function that fits it (searching if it must): (model, chosen)."""
    return {
        "per-feature Gaussian": lambda: (PerFeatureGaussian().fit(split.X_train), None),
        "multivariate Gaussian": lambda: (MultivariateGaussian().fit(split.X_train), None),
        "KDE": lambda: select_on_validation(
            lambda bw: KDEDetector(bandwidth=bw), bandwidths, kde_split
        ),
        "GMM": lambda: select_on_validation(
            lambda k: GMMDetector(n_components=k, random_state=seed), components, split
        ),
        "z-score": lambda: (ZScoreDetector().fit(split.X_train), None),
        "IQR": lambda: (IQRDetector().fit(split.X_train), None),
        "Isolation Forest": lambda: (
            IsolationForestDetector(random_state=seed).fit(split.X_train),
            None,
        ),
        "random": lambda: (RandomDetector(random_state=seed).fit(split.X_train), None),
    }


def evaluate_detector(
    name: str, build: Callable[[], tuple[BaseDetector, object]], split: Split
) -> dict[str, object]:
    """One row of the comparison: fit with ``build``, threshold on validation, test once.

    ``build()`` fits a detector on the training rows (searching a grid if it must) and returns
    ``(model, chosen)``, ``chosen`` being the selected hyperparameter or None. The threshold is
    the F1-optimal cut on the validation scores; the test rows are scored once, and the row
    reports their ROC-AUC, PR-AUC and the F1 at that validation threshold, with the seconds
    spent fitting ("fit+select s") and scoring the test rows ("score s"). It also reports the
    validation PR-AUC ("val PR-AUC"), on which notebook 01 chooses between detectors without
    reading the test rows. Notebook 01 shows it.
    """
    if not callable(build):
        raise TypeError(f"build must be a function returning (model, chosen), got {build!r}.")
    check_split(split)
    start = time.perf_counter()
    built = build()
    fit_seconds = time.perf_counter() - start
    if not (isinstance(built, tuple) and len(built) == 2 and isinstance(built[0], BaseDetector)):
        raise TypeError(
            f"build() must return (fitted detector, chosen value or None), got {built!r}; "
            "wrap a plain model as lambda: (model.fit(split.X_train), None)."
        )
    model, chosen = built
    val_scores = model.score_samples(split.X_val)
    rule = F1OptimalThreshold().fit(val_scores, split.y_val)
    start = time.perf_counter()
    test_scores = model.score_samples(split.X_test)
    score_seconds = time.perf_counter() - start
    return {
        "detector": name,
        "chosen": "" if chosen is None else str(chosen),
        "val PR-AUC": metrics.pr_auc(split.y_val, val_scores),
        "ROC-AUC": metrics.roc_auc(split.y_test, test_scores),
        "PR-AUC": metrics.pr_auc(split.y_test, test_scores),
        "test F1": metrics.precision_recall_f1(split.y_test, test_scores, rule.threshold_).f1,
        "fit+select s": fit_seconds,
        "score s": score_seconds,
    }


def _components(sizes: Sequence[int]) -> list[int]:
    """``sizes`` as a list of positive ints (numbers of GMM components)."""
    if isinstance(sizes, str | bytes) or not isinstance(sizes, Iterable):
        raise TypeError(f"gmm_components must be a sequence of ints, got {sizes!r}.")
    out = []
    for k in sizes:
        if isinstance(k, bool) or not isinstance(k, Integral) or k < 1:
            raise ValueError(f"gmm_components must be positive ints, got {k!r} in {sizes!r}.")
        out.append(int(k))
    return out
