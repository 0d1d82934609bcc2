"""Evaluate window detectors on one labelled series, the UCR way (notebooks 07 and 09).

The protocol of the UCR anomaly archive, as notebooks 07 and 09 run it on series 135: train
only on the anomaly-free prefix (``series.train_end`` points), window the prefix and the
rest *separately* so no window straddles the boundary, score every test window, give each
step the mean score of the windows that cover it, and judge the step scores three ways
(:func:`evaluate_series`): PR-AUC, VUS-PR and the UCR hit. :func:`run_series_detectors`
does this for seeded neural detectors over several seeds and for deterministic baselines once,
beside a rolling z-score and random scores, and records each run's cost.
:func:`converged_pairs` lines up two models' converged runs seed by seed for the paired
verdicts of :mod:`adlib.verdicts`; a run counts as converged by :mod:`adlib.trainability`'s
rule on validation loss, fixed before any test score is read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from adlib import metrics
from adlib._validation import check_int
from adlib.data.datasets import LabelledSeries
from adlib.data.windows import segment_windows, window_scores_to_steps
from adlib.detectors.base import BaseDetector
from adlib.detectors.series import rolling_zscore
from adlib.trainability import converged

#: The columns :func:`evaluate_series` returns, in order.
SERIES_METRICS = ("PR-AUC", "VUS-PR", "UCR hit")


def evaluate_series(labels: object, scores: object, tolerance: int = 100) -> dict[str, float]:
    """PR-AUC, VUS-PR and the UCR hit of one score per step (notebooks 07 and 09).

    labels: (n,) 0/1 step labels with at least one anomalous step; scores: (n,) step scores,
    higher = more anomalous. "UCR hit" is 1.0 when the highest-scoring step lies within
    ``tolerance`` steps of the labelled anomaly, else 0.0 (see :func:`adlib.metrics.ucr_hit`).
    """
    tolerance = check_int(tolerance, "tolerance", low=0)
    return {
        "PR-AUC": metrics.pr_auc(labels, scores),
        "VUS-PR": metrics.vus_pr(labels, scores),
        "UCR hit": float(metrics.ucr_hit(labels, scores, tolerance=tolerance)),
    }


@dataclass
class SeriesRuns:
    """What :func:`run_series_detectors` returns.

    ``results``: one row per run (detector, seed, parameters, the metrics of
    :func:`evaluate_series`, "fit s" and "score s" in wall-clock seconds, and for neural runs
    "val loss", the best validation loss, and "epochs"); ``scores``: each detector's step
    scores of its first run, shape (n_test_steps,); ``models``: each neural detector's first
    fitted model; ``fitted``: every fitted neural model, by (name, seed).
    """

    results: pd.DataFrame
    scores: dict[str, np.ndarray] = field(default_factory=dict)
    models: dict[str, BaseDetector] = field(default_factory=dict)
    fitted: dict[tuple[str, int], BaseDetector] = field(default_factory=dict)


def run_series_detectors(
    series: LabelledSeries,
    window: int,
    neural: Mapping[str, Callable[[int], BaseDetector]],
    baselines: Mapping[str, BaseDetector],
    seeds: Sequence[int],
    *,
    seeds_per_model: Mapping[str, Sequence[int]] | None = None,
    train_stride: int = 1,
    fitted: Mapping[tuple[str, int], tuple[BaseDetector, float]] | None = None,
    tolerance: int = 100,
) -> SeriesRuns:
    """Fit and score every detector on ``series`` (UCR protocol), one row per run.

    neural: name → function of a seed returning an unfitted seeded detector, trained once per
    seed (``seeds``, or ``seeds_per_model[name]``) on every ``train_stride``-th training
    window; ``fitted`` maps (name, seed) to an already fitted model and its fit seconds, used
    instead of training it again. baselines: name → a deterministic detector, fitted once on
    every training window. Then a rolling z-score over ``window`` past steps, and random
    scores, one draw per seed from ``numpy.random.default_rng(seeds[0])``. Windows hold
    ``window`` steps; the test part starts at ``series.train_end``.
    """
    if not isinstance(series, LabelledSeries):
        raise TypeError(f"series must be an adlib LabelledSeries, got {type(series).__name__}.")
    window = check_int(window, "window", low=1)
    train_stride = check_int(train_stride, "train_stride", low=1)
    seeds = _check_seeds(seeds, "seeds")
    per_model = {
        name: _check_seeds(s, f"seeds_per_model[{name!r}]")
        for name, s in (seeds_per_model or {}).items()
    }
    unknown = sorted(set(per_model) - set(neural))
    if unknown:
        raise ValueError(f"seeds_per_model names {unknown}, which are not in neural.")
    for name, make in neural.items():
        if not callable(make):
            raise TypeError(f"neural[{name!r}] must be a function of a seed returning a detector.")
    for name, detector in baselines.items():
        if not isinstance(detector, BaseDetector):
            raise TypeError(f"baselines[{name!r}] must be an adlib detector, got {detector!r}.")
    train_windows, test_windows = segment_windows(series.values, window, [series.train_end])
    labels = series.labels[series.train_end :]
    rows, scores, models, all_fitted = [], {}, {}, {}

    def add(name: str, seed: int, step_scores: np.ndarray, cost: dict) -> None:
        row = {"detector": name, "seed": seed, "parameters": 0}
        rows.append(row | evaluate_series(labels, step_scores, tolerance) | cost)
        scores.setdefault(name, step_scores)

    def steps(window_scores: np.ndarray) -> np.ndarray:
        return window_scores_to_steps(window_scores, len(labels), window)

    for name, make in neural.items():
        for seed in per_model.get(name, seeds):
            model, fit_s = _already_fitted(fitted, name, seed)
            if model is None:
                model, fit_s = _timed(_fit, make(seed), name, seed, train_windows[::train_stride])
            window_scores, score_s = _timed(model.score_samples, test_windows)
            add(name, seed, steps(window_scores), _neural_cost(model, fit_s, score_s))
            models.setdefault(name, model)
            all_fitted[(name, seed)] = model
    for name, detector in baselines.items():
        _, fit_s = _timed(detector.fit, train_windows)
        window_scores, score_s = _timed(detector.score_samples, test_windows)
        add(name, seeds[0], steps(window_scores), {"fit s": fit_s, "score s": score_s})
    z, score_s = _timed(rolling_zscore, series.values, window)
    add("rolling z-score", seeds[0], z[series.train_end :], {"fit s": 0.0, "score s": score_s})
    noise = np.random.default_rng(seeds[0]).random((len(seeds), len(labels)))
    for seed, draw in zip(seeds, noise, strict=True):
        add("random", seed, draw, {"fit s": 0.0, "score s": 0.0})
    return SeriesRuns(pd.DataFrame(rows), scores, models, all_fitted)


def converged_pairs(
    runs: pd.DataFrame,
    first: str,
    second: str,
    metric: str = "VUS-PR",
    *,
    model: str = "detector",
    loss: str = "val loss",
    key: str = "seed",
) -> tuple[np.ndarray, np.ndarray, list]:
    """``metric`` of ``first`` and of ``second`` on the ``key`` values (seeds) where both converged.

    ``runs`` has one row per run with the columns ``model``, ``key``, ``loss`` (the run's best
    validation loss) and ``metric``. Which runs failed is decided per model, over all of that
    model's runs in ``runs``, by :func:`adlib.trainability.converged`. Returns two arrays of
    shape (n,) in the same order, ready for :func:`adlib.verdicts.compare`, and the n keys.
    """
    for column in (model, loss, key, metric):
        if column not in runs.columns:
            raise ValueError(f"runs has no column {column!r}; it has {list(runs.columns)}.")
    values = []
    for name in (first, second):
        rows = runs[runs[model] == name]
        if rows.empty:
            raise ValueError(f"runs holds no run of {name!r}.")
        if rows[key].duplicated().any():
            raise ValueError(f"{name!r} has two runs with the same {key}; pairs need one each.")
        values.append(converged(rows, model=model, loss=loss).set_index(key)[metric])
    keys = [k for k in values[0].index if k in values[1].index]
    return values[0][keys].to_numpy(float), values[1][keys].to_numpy(float), keys


def _fit(detector: object, name: str, seed: int, windows: np.ndarray) -> BaseDetector:
    if not isinstance(detector, BaseDetector):
        raise TypeError(
            f"neural[{name!r}]({seed}) returned {type(detector).__name__}, not an adlib detector."
        )
    return detector.fit(windows)


def _neural_cost(model: BaseDetector, fit_s: float, score_s: float) -> dict:
    """Parameters, seconds, best validation loss and epochs run of a fitted neural detector."""
    module, history = getattr(model, "model_", None), getattr(model, "history_", None)
    cost = {"fit s": fit_s}
    if history is not None:
        cost |= {"val loss": history.best_val_loss, "epochs": len(history.val_loss)}
    cost["score s"] = score_s
    parameters = sum(p.numel() for p in module.parameters()) if module is not None else 0
    return {"parameters": parameters, **cost}


def _timed(call: Callable, *args: object) -> tuple[object, float]:
    """``call(*args)`` and its wall-clock seconds."""
    start = time.perf_counter()
    out = call(*args)
    return out, time.perf_counter() - start


def _already_fitted(
    fitted: Mapping[tuple[str, int], tuple[BaseDetector, float]] | None, name: str, seed: int
) -> tuple[BaseDetector | None, float]:
    if not fitted or (name, seed) not in fitted:
        return None, 0.0
    entry = fitted[(name, seed)]
    if (
        not isinstance(entry, tuple)
        or len(entry) != 2
        or not isinstance(entry[0], BaseDetector)
        or not hasattr(entry[0], "n_features_in_")
    ):
        raise TypeError(
            f"fitted[({name!r}, {seed})] must be (a fitted adlib detector, its fit seconds)."
        )
    return entry[0], float(entry[1])


def _check_seeds(seeds: Sequence[int], name: str) -> list[int]:
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence | range):
        raise TypeError(f"{name} must be a sequence of integer seeds, e.g. range(0, 3).")
    out = [check_int(seed, f"{name} entry", low=0) for seed in seeds]
    if not out:
        raise ValueError(f"{name} is empty; give at least one seed.")
    return out


def per_run_text(values: np.ndarray | list[float], digits: int = 3) -> str:
    """The values of single runs as text, e.g. "0.928, 0.421, 0.761" (notebooks 07 and 09).

    Where the runs of one model split into two groups, a mean ± sd hides it; the claims
    tables quote each converged run instead, in seed order.
    """
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"values must be one-dimensional, one per run; got shape {array.shape}.")
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be a non-negative integer, got {digits!r}.")
    return ", ".join(f"{v:.{digits}f}" for v in array)
