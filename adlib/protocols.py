"""Two training choices measured in notebook 02: clean vs contaminated rows, scaled vs raw.

*Outlier detection* fits a detector on the data as it comes, anomalies included;
*novelty detection* fits it on rows known to be normal. :func:`contamination_effect`
fits the same detectors both ways on one stratified split and scores the same test rows,
so the difference is paired. Distance- and kernel-based detectors depend on how the
features are scaled, Isolation Forest does not: :func:`scaling_effect` fits them on
standardised and on raw features of one split. :func:`without_training_anomalies` and
:func:`standardised` are the two split transformations they use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np

from adlib._validation import as_binary_labels, as_float_matrix, check_int
from adlib.data.splits import Split, check_split, outlier_split, subsample_train
from adlib.detectors.base import BaseDetector
from adlib.evaluation import run_detector


def without_training_anomalies(split: Split) -> Split:
    """The same split with the anomalous training rows removed (validation, test unchanged).

    Turns an outlier-detection split (training rows contaminated at the dataset's rate)
    into its novelty-detection twin, so both can be scored on the very same test rows.
    """
    check_split(split)
    keep = split.y_train == 0
    if not keep.any():
        raise ValueError("every training row is an anomaly; nothing would be left to train on.")
    return replace(
        split,
        train_idx=split.train_idx[keep],
        X_train=split.X_train[keep],
        y_train=split.y_train[keep],
    )


def standardised(split: Split) -> Split:
    """The split with every part's features standardised by the *training* mean and sd.

    (X − mean_train) / sd_train for X_train, X_val and X_test, so no statistic leaks from
    validation or test rows. A feature that is constant in training cannot be scaled and
    raises a ValueError naming its columns.
    """
    check_split(split)
    mean, sd = split.X_train.mean(axis=0), split.X_train.std(axis=0)
    constant = np.flatnonzero(sd == 0)
    if constant.size:
        raise ValueError(
            f"columns {constant.tolist()} are constant in training (sd 0) and cannot be "
            "standardised; drop them first."
        )
    return replace(
        split,
        **{part: (getattr(split, part) - mean) / sd for part in ("X_train", "X_val", "X_test")},
    )


def contamination_effect(
    X: object,
    y: object,
    seed: int,
    detectors: Mapping[str, Callable[[], BaseDetector]],
    *,
    cap: int | None = None,
) -> list[dict[str, object]]:
    """Test PR-AUC of each detector fitted on contaminated and on clean training rows.

    One stratified :func:`adlib.data.outlier_split` of (X, y) with ``seed`` (training rows
    subsampled to ``cap`` with ``seed`` when given); each ``detectors[name]()`` is fitted
    once on the training rows as they are and once on
    :func:`without_training_anomalies` of them, and scores the same test rows. Returns one
    dict per fit: "detector", "training" ("contaminated" or "clean"), "contamination"
    (anomaly share of the training rows) and "PR-AUC". Notebook 02, section 4.
    """
    X = as_float_matrix(X, "X")
    y = as_binary_labels(y, "y", n=X.shape[0])
    seed = check_int(seed, "seed", low=0)
    _check_makers(detectors)
    split = outlier_split(X, y, seed=seed)
    if cap is not None:
        split = subsample_train(split, check_int(cap, "cap", low=1), seed=seed)
    clean = without_training_anomalies(split)
    rows = []
    for name, make in detectors.items():
        for training, part in (("contaminated", split), ("clean", clean)):
            rows.append(
                {
                    "detector": name,
                    "training": training,
                    "contamination": part.y_train.mean(),
                    "PR-AUC": run_detector(make(), part)["PR-AUC"],
                }
            )
    return rows


def scaling_effect(
    split: Split,
    scaling_inside: Mapping[str, Callable[[bool], BaseDetector]],
    scaling_outside: Mapping[str, Callable[[], BaseDetector]],
) -> list[dict[str, object]]:
    """Test PR-AUC of each detector on standardised and on raw features of one split.

    ``scaling_inside[name](standardize)`` builds a detector that standardises internally
    when ``standardize`` is True (the One-Class SVM and LOF of adlib); it is run with True
    and False on the split. ``scaling_outside[name]()`` builds one without that switch
    (Isolation Forest); it is run on :func:`standardised` of the split and on the split
    itself. Returns one dict per run: "detector", "features" ("standardised" or "raw"),
    "PR-AUC". Notebook 02, section 5.
    """
    check_split(split)
    _check_makers(scaling_inside, "scaling_inside")
    _check_makers(scaling_outside, "scaling_outside")
    rows = []
    for name, make in scaling_inside.items():
        for standardize in (True, False):
            features = "standardised" if standardize else "raw"
            pr_auc = run_detector(make(standardize), split)["PR-AUC"]
            rows.append({"detector": name, "features": features, "PR-AUC": pr_auc})
    if scaling_outside:
        scaled = standardised(split)
        for name, make in scaling_outside.items():
            for features, part in (("standardised", scaled), ("raw", split)):
                pr_auc = run_detector(make(), part)["PR-AUC"]
                rows.append({"detector": name, "features": features, "PR-AUC": pr_auc})
    return rows


def _check_makers(makers: object, name: str = "detectors") -> None:
    if not isinstance(makers, Mapping) or not all(callable(m) for m in makers.values()):
        raise TypeError(
            f"{name} must map a detector name to a function that builds a fresh detector, "
            f"got {type(makers).__name__}."
        )
