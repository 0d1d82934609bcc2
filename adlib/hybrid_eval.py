"""Evaluate a two-stage detector: the pass-rate sweep, its stages alone, their fusion (notebook 10).

A :class:`adlib.detectors.TwoStageDetector` is a cost device as much as a detector, so it is
judged on two axes at once: quality (test PR-AUC) and the wall-clock cost of scoring.
:func:`pass_rate_sweep` moves only the stage-1 cut of one fitted hybrid over a list of pass
rates (one fit for the whole sweep) and records, for each rate, validation and test PR-AUC,
the scoring time per 100,000 test rows and the share of test rows that reached stage 2.
:func:`baseline_rows` puts beside it what the hybrid must beat: each fitted stage alone,
the rank and z-score fusion of the two stages (scales fitted on the normal validation
rows) and random scores. Every row is a dict, ready to be one row of a results frame.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np

from adlib import metrics
from adlib._validation import as_float_matrix, check_int
from adlib.data.splits import Split, check_split
from adlib.detectors.base import BaseDetector
from adlib.detectors.hybrid import ScoreFusion, TwoStageDetector

ROWS_PER_COST = 100_000


def timed_scores(detector: BaseDetector, X: object) -> tuple[np.ndarray, float]:
    """Score ``X`` (n_rows, n_features) once; return the scores and seconds per 100,000 rows.

    The time is the wall clock around one ``score_samples`` call, scaled to
    :data:`ROWS_PER_COST` rows so that detectors scored on different batch sizes compare. It
    varies from run to run and machine to machine: report it, never regression-check it.
    """
    if not isinstance(detector, BaseDetector):
        raise TypeError(f"detector must be an adlib detector, got {type(detector).__name__}.")
    X = as_float_matrix(X, "X")
    start = time.perf_counter()
    scores = detector.score_samples(X)
    return scores, (time.perf_counter() - start) / len(X) * ROWS_PER_COST


def pass_rate_sweep(
    hybrid: TwoStageDetector, split: Split, pass_rates: Sequence[float]
) -> list[dict[str, float | str]]:
    """One row per pass rate of a fitted two-stage detector, scored on ``split``.

    Each row holds "detector" ("two-stage"), "pass rate", "val PR-AUC" (on ``split.X_val``,
    the number to choose the rate by), "PR-AUC" (test), "s per 100k rows" (scoring the test
    rows) and "share reaching stage 2" (of the test rows; above the pass rate when the test
    rows hold more anomalies than the normal training rows the cut was set on). Only the
    cut moves between rates (:meth:`TwoStageDetector.at_pass_rate`); nothing is refitted.
    """
    _check_fitted_hybrid(hybrid)
    check_split(split)
    if isinstance(pass_rates, str) or not isinstance(pass_rates, Sequence) or not pass_rates:
        raise TypeError(
            f"pass_rates must be a non-empty sequence of shares in (0, 1], got {pass_rates!r}."
        )
    rows = []
    for rate in pass_rates:
        detector = hybrid.at_pass_rate(rate)
        scores, seconds = timed_scores(detector, split.X_test)
        test_share = detector.last_pass_share_
        rows.append(
            {
                "detector": "two-stage",
                "pass rate": rate,
                "val PR-AUC": metrics.pr_auc(split.y_val, detector.score_samples(split.X_val)),
                "PR-AUC": metrics.pr_auc(split.y_test, scores),
                "s per 100k rows": seconds,
                "share reaching stage 2": test_share,
            }
        )
    return rows


def baseline_rows(
    hybrid: TwoStageDetector,
    split: Split,
    seed: int,
    stage_names: tuple[str, str] = ("Isolation Forest", "autoencoder"),
    fusion_methods: Sequence[str] = ("rank", "zscore"),
) -> list[dict[str, float | str]]:
    """Rows for what the hybrid must beat: each stage alone, their fusions, random scores.

    Uses the hybrid's fitted stages (``hybrid.stage1_``, ``hybrid.stage2_``), so the
    comparison is paired: the same trained models, combined three ways. Each row holds
    "detector" (``f"{name} alone"``, ``f"fusion ({method})"`` or "random"), test "PR-AUC"
    and, except for random scores, "val PR-AUC" (to choose among them without the test set)
    and "s per 100k rows". Fusions fit their scales on the normal
    rows of ``split.X_val``; random scores are ``np.random.default_rng(seed).random``.
    """
    _check_fitted_hybrid(hybrid)
    check_split(split)
    seed = check_int(seed, "seed", low=0)
    if len(stage_names) != 2 or not all(isinstance(n, str) and n for n in stage_names):
        raise ValueError(f"stage_names must be two non-empty names, got {stage_names!r}.")
    stages = {f"{stage_names[0]} alone": hybrid.stage1_, f"{stage_names[1]} alone": hybrid.stage2_}
    normal_val = split.X_val[split.y_val == 0]
    for method in fusion_methods:
        fusion = ScoreFusion([hybrid.stage1_, hybrid.stage2_], method=method).fit(normal_val)
        stages[f"fusion ({method})"] = fusion
    rows = []
    for name, detector in stages.items():
        scores, seconds = timed_scores(detector, split.X_test)
        rows.append(
            {
                "detector": name,
                "val PR-AUC": metrics.pr_auc(split.y_val, detector.score_samples(split.X_val)),
                "PR-AUC": metrics.pr_auc(split.y_test, scores),
                "s per 100k rows": seconds,
            }
        )
    noise = np.random.default_rng(seed).random(len(split.y_test))
    rows.append({"detector": "random", "PR-AUC": metrics.pr_auc(split.y_test, noise)})
    return rows


def repeated_timings(
    detectors: Mapping[str, BaseDetector], X: object, repeats: int
) -> dict[str, np.ndarray]:
    """Seconds per 100,000 rows of each detector scoring ``X``, ``repeats`` times each.

    The detectors take turns within each repeat (A, B, A, B, ...), so a slow spell of the
    machine hits all of them alike and the k-th timings pair up: compare them with
    :func:`adlib.verdicts.compare` (``higher_is_better=False``). Returns one array of shape
    (repeats,) per name, in the order given. Wall-clock: report, never regression-check.
    """
    if not isinstance(detectors, Mapping) or not detectors:
        raise TypeError("detectors must be a non-empty mapping of name to adlib detector.")
    repeats = check_int(repeats, "repeats", low=2)
    times: dict[str, list[float]] = {name: [] for name in detectors}
    for _ in range(repeats):
        for name, detector in detectors.items():
            times[name].append(timed_scores(detector, X)[1])
    return {name: np.asarray(values) for name, values in times.items()}


def _check_fitted_hybrid(hybrid: object) -> None:
    if not isinstance(hybrid, TwoStageDetector):
        raise TypeError(f"hybrid must be a TwoStageDetector, got {type(hybrid).__name__}.")
    if not hasattr(hybrid, "cut_"):
        raise ValueError("the TwoStageDetector is not fitted; call .fit(split.X_train) first.")
