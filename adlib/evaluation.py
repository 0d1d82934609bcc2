"""Evaluate detectors on a split and summarise repeated runs as mean ± sd (notebooks 02-05).

Every results table in the notebooks is built the same way: fit each detector on the
training rows, score the test rows once, record ROC-AUC, PR-AUC and the wall time of
``fit`` and ``score_samples``; repeat over seeds (and outlier draws); then report mean ± sd
per (dataset, detector) and say which detectors are within the spread of the best.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np
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
    reference: str = "PR-AUC",
    digits: int = 3,
) -> pd.DataFrame:
    """One row per group: "mean ± sd" of each column, the run count, and the spread verdict.

    ``results`` has one row per run (seed or draw). "within spread of best" is "yes" when a
    group's mean ``reference`` is within one standard deviation (the larger of the two
    groups') of the best mean among the groups that share every key of ``by`` but the last
    (e.g. the same dataset), "best" for the best itself and "no" otherwise. With a single
    run there is no spread to judge, and the verdict says so. Group order is the order of
    first appearance.
    """
    by, columns = list(by), list(columns)
    missing = [c for c in [*by, *columns, reference] if c not in results.columns]
    if missing:
        raise ValueError(f"results has no column(s) {missing}; it has {list(results.columns)}.")
    if results.empty:
        raise ValueError("results is empty; run at least one detector first.")
    stats = results.groupby(by, sort=False)[list(dict.fromkeys([*columns, reference]))]
    mean, sd, count = stats.mean(), stats.std(ddof=1), stats.count()[reference]
    table = pd.DataFrame(index=mean.index)
    for column in columns:
        table[column] = [
            f"{m:.{digits}f}" if n < 2 else f"{m:.{digits}f} ± {s:.{digits}f}"
            for m, s, n in zip(mean[column], sd[column], count, strict=True)
        ]
    table["runs"] = count.to_numpy()
    table["within spread of best"] = _spread_verdicts(mean[reference], sd[reference], count, by)
    return table


def compare_means(
    means: Mapping[str, float], sds: Mapping[str, float], a: str, b: str
) -> tuple[float, float, str]:
    """Model ``a`` against model ``b`` from their mean and sd over seeds (notebooks 08, 09).

    Returns ``(gap, spread, word)``: the gap ``means[a] - means[b]``, the larger of the two
    sds, and "beats" when the gap exceeds that spread, "loses to" when it is below minus
    the spread, "ties with" otherwise, so that a sentence reads "a beats b".
    """
    for name in (a, b):
        if name not in means or name not in sds:
            raise ValueError(f"no mean and sd for {name!r}; have {sorted(means)}.")
    gap, spread = means[a] - means[b], max(sds[a], sds[b])
    if not np.isfinite(gap) or not np.isfinite(spread):
        raise ValueError(f"the means and sds of {a!r} and {b!r} must be finite.")
    return gap, spread, "beats" if gap > spread else "loses to" if -gap > spread else "ties with"


def _spread_verdicts(mean: pd.Series, sd: pd.Series, count: pd.Series, by: list[str]) -> list[str]:
    """ "best" / "yes" / "no" / "n/a (one run)" for each group, compared within its context."""
    context = mean.index.droplevel(-1) if len(by) > 1 else np.zeros(len(mean))
    verdicts = []
    for i, key in enumerate(context):
        peers = np.flatnonzero(context == key) if len(by) > 1 else np.arange(len(mean))
        best = peers[np.argmax(mean.to_numpy()[peers])]
        if count.iloc[i] < 2 or count.iloc[best] < 2:
            verdicts.append("n/a (one run)")
        elif i == best:
            verdicts.append("best")
        else:
            gap = mean.iloc[best] - mean.iloc[i]
            verdicts.append("yes" if gap <= max(sd.iloc[i], sd.iloc[best]) else "no")
    return verdicts
