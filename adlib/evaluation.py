"""Evaluate detectors on a split and summarise repeated runs as mean ± sd (notebooks 02-05).

Every results table in the notebooks is built the same way: fit each detector on the
training rows, score the test rows once, record ROC-AUC, PR-AUC and the wall time of
``fit`` and ``score_samples``; repeat over seeds (and outlier draws); then report mean ± sd
per (dataset, detector). Verdicts on those numbers come from :mod:`adlib.verdicts`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import pandas as pd

from adlib import metrics
from adlib.data.splits import Split, check_split
from adlib.detectors.base import BaseDetector


def run_detector(detector: BaseDetector, split: Split) -> dict[str, float]:
    """Fit on ``split.X_train``, score ``split.X_test``; test ROC-AUC, PR-AUC and seconds.

    Returns a dict with keys "ROC-AUC", "PR-AUC", "fit s" and "score s" (wall-clock
    seconds of ``fit`` and of ``score_samples`` on the test rows).
    """
    if not isinstance(detector, BaseDetector):
        raise TypeError(f"detector must be an adlib detector, got {type(detector).__name__}.")
    check_split(split)
    start = time.perf_counter()
    detector.fit(split.X_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    scores = detector.score_samples(split.X_test)
    score_seconds = time.perf_counter() - start
    return {
        "ROC-AUC": metrics.roc_auc(split.y_test, scores),
        "PR-AUC": metrics.pr_auc(split.y_test, scores),
        "fit s": fit_seconds,
        "score s": score_seconds,
    }


def summarise(
    results: pd.DataFrame,
    by: Sequence[str] = ("dataset", "detector"),
    columns: Sequence[str] = ("ROC-AUC", "PR-AUC"),
    digits: int = 3,
) -> pd.DataFrame:
    """One row per group: "mean ± sd" of each column over its runs, and the run count.

    ``results`` has one row per run (seed or draw). The table describes; it does not judge:
    whether one detector beats another is decided by the paired rule of
    :mod:`adlib.verdicts`, on the same runs. With a single run there is no sd, and the cell
    shows the mean alone. Group order is the order of first appearance.
    """
    by, columns = list(by), list(columns)
    missing = [c for c in [*by, *columns] if c not in results.columns]
    if missing:
        raise ValueError(f"results has no column(s) {missing}; it has {list(results.columns)}.")
    if results.empty:
        raise ValueError("results is empty; run at least one detector first.")
    stats = results.groupby(by, sort=False)[columns]
    mean, sd, count = stats.mean(), stats.std(ddof=1), stats.count()[columns[0]]
    table = pd.DataFrame(index=mean.index)
    for column in columns:
        table[column] = [
            f"{m:.{digits}f}" if n < 2 else f"{m:.{digits}f} ± {s:.{digits}f}"
            for m, s, n in zip(mean[column], sd[column], count, strict=True)
        ]
    table["runs"] = count.to_numpy()
    return table
