"""Rank every time-series detector of the walk across many labelled series (notebook 15).

One series says little: notebooks 07 and 09 judge their detectors on UCR 135 alone, one
12-point anomaly. The benchmark runs every detector on every series of a suite (the GutenTAG
series and UCR 135, :func:`adlib.data.benchmark_suite`) with one protocol: train on
the series' anomaly-free training part only, window it and the test part separately with a
window set by the series' dominant period, give each test step the mean score of the windows
that cover it, and judge the step scores by VUS-PR (threshold-free, so no threshold is tuned)
and, on series with one anomaly, the UCR hit rule. Neural runs also record their best
validation loss and the loss of predicting the training mean on the same held-out windows, so
:mod:`adlib.trainability` can flag failed runs before a test score is read.

The analysis ranks detectors within each series (1 = best VUS-PR, ties share the mean rank),
averages the ranks over series, tests whether the ranks differ at all (Friedman) and how far
apart two mean ranks must be to differ (Nemenyi's critical difference), and pairs any two
detectors over series with the repository's one rule (:mod:`adlib.verdicts`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from adlib import metrics
from adlib._validation import check_int, check_real
from adlib.data.windows import sliding_windows, window_scores_to_steps
from adlib.detectors.sequence import SequenceDetector
from adlib.detectors.series import rolling_zscore
from adlib.trainability import failed_runs

#: The name of the random-scores row every benchmark carries.
RANDOM = "random"
#: The name of the rolling z-score row: the simplest sensible detector, fitted on nothing.
ZSCORE = "rolling z-score"


@dataclass(frozen=True)
class Contender:
    """One detector of the benchmark: ``make(window, seed)`` returns it unfitted.

    ``family`` groups detectors in tables and figures ("statistical", "window", "neural",
    ...); ``seeded`` detectors are trained once per seed, on at most ``max_train_windows``
    training windows, the others once, on every training window.
    """

    name: str
    family: str
    make: Callable[[int, int], SequenceDetector]
    seeded: bool = False


def dominant_period(values: object, low: int = 8, high: int = 256, default: int = 64) -> int:
    """The lag in [low, high] of the highest autocorrelation peak of a series, in steps.

    values: (n_steps,) or (n_steps, n_channels); the autocorrelation is averaged over
    channels. A peak is a lag whose autocorrelation exceeds both neighbours and is positive;
    without one (a random walk, white noise) the answer is ``default``. TSB-AD sets its
    windows the same way, from the first autocorrelation peaks of the series.
    """
    x = np.asarray(values, dtype=float)
    x = x[:, None] if x.ndim == 1 else x
    low, high = check_int(low, "low", low=2), check_int(high, "high", low=3)
    if x.ndim != 2 or x.shape[0] < 2 * high or not np.isfinite(x).all():
        raise ValueError(
            f"values must be a finite (n_steps, n_channels) array with n_steps >= 2*high="
            f"{2 * high}, got shape {x.shape}."
        )
    x = x - x.mean(axis=0)
    spread = (x**2).sum(axis=0)
    lags = np.arange(high + 2)
    acf = np.stack([(x[: len(x) - k] * x[k:]).sum(axis=0) for k in lags])
    acf = (acf / np.where(spread > 0, spread, 1.0)).mean(axis=1)
    inner = np.arange(max(low, 1), high + 1)
    peaks = inner[(acf[inner] > acf[inner - 1]) & (acf[inner] >= acf[inner + 1]) & (acf[inner] > 0)]
    return int(peaks[np.argmax(acf[peaks])]) if peaks.size else default


def benchmark_window(series: object, low: int = 16, high: int = 128) -> int:
    """The window of one suite series: its training dominant period, clipped to [low, high]."""
    period = dominant_period(series.train, low=low, high=high, default=high // 2)
    return int(np.clip(period, low, high))


def run_benchmark(
    suite: Sequence[object],
    contenders: Sequence[Contender],
    seeds: Sequence[int],
    *,
    max_train_windows: int = 1500,
    neural_score_stride: int = 1,
    window: Callable[[object], int] = benchmark_window,
    log: Callable[[str], None] | None = print,
) -> pd.DataFrame:
    """Fit and score every contender on every series; one row per (series, detector, seed).

    ``suite`` holds :class:`adlib.data.SuiteSeries`. Seeded contenders score every
    ``neural_score_stride``-th test window (each step then averages about window / stride
    windows instead of window), the others every window. Besides the contenders, every series gets
    a rolling z-score over ``window`` past steps (the largest |z| over channels) and random
    scores, one draw per seed. Columns: series, source, n_channels, window, detector, family,
    seed, VUS-PR, UCR hit (NaN unless the series has exactly one anomaly), fit s, score s
    (wall-clock seconds), parameters (neural only), val loss and mean loss (neural only:
    the best validation loss and predicting the training mean on the same windows). ``log``
    receives one line per series (None: silent).
    """
    seeds = [check_int(s, "seed", low=0) for s in seeds]
    max_train_windows = check_int(max_train_windows, "max_train_windows", low=10)
    neural_score_stride = check_int(neural_score_stride, "neural_score_stride", low=1)
    if not seeds:
        raise ValueError("seeds is empty; pass at least one seed.")
    names = [c.name for c in contenders]
    if len(set(names)) != len(names) or {RANDOM, ZSCORE} & set(names):
        raise ValueError(f"contender names must be unique and not {RANDOM!r}/{ZSCORE!r}: {names}.")
    rows = []
    for series in suite:
        start = time.perf_counter()
        rows += _run_series(
            series, contenders, seeds, max_train_windows, neural_score_stride, window(series)
        )
        if log is not None:
            log(f"{series.name}: {time.perf_counter() - start:.1f} s")
    return pd.DataFrame(rows)


def _run_series(series, contenders, seeds, max_train_windows, score_stride, window) -> list[dict]:
    train = sliding_windows(series.train, window)
    test = sliding_windows(series.test, window)
    labels = np.asarray(series.labels)
    one_anomaly = len(metrics.anomaly_segments(labels)) == 1
    base = {
        "series": series.name,
        "source": series.source,
        "n_channels": series.test.shape[1],
        "window": window,
    }
    stride = math.ceil(len(train) / max_train_windows)

    def row(name, family, seed, steps, cost):
        hit = float(metrics.ucr_hit(labels, steps)) if one_anomaly else np.nan
        return (
            base
            | {"detector": name, "family": family, "seed": seed}
            | {
                "VUS-PR": metrics.vus_pr(labels, steps),
                "UCR hit": hit,
            }
            | cost
        )

    rows = []
    for contender in contenders:
        for seed in seeds if contender.seeded else seeds[:1]:
            detector = contender.make(window, seed)
            fit_windows = train[::stride] if contender.seeded else train
            fit_s = _seconds(detector.fit, fit_windows)
            every = score_stride if contender.seeded else 1
            start = time.perf_counter()
            window_scores = detector.score_samples(test[::every])
            steps = window_scores_to_steps(window_scores, len(labels), window, stride=every)
            cost = {"fit s": fit_s, "score s": time.perf_counter() - start}
            rows.append(
                row(
                    contender.name,
                    contender.family,
                    seed,
                    steps,
                    cost | _neural(detector, fit_windows),
                )
            )
    start = time.perf_counter()
    z = np.max([rolling_zscore(channel, window) for channel in series.test.T], axis=0)
    rows.append(
        row(ZSCORE, "baseline", seeds[0], z, {"fit s": 0.0, "score s": time.perf_counter() - start})
    )
    noise = np.random.default_rng(seeds[0]).random((len(seeds), len(labels)))
    for seed, draw in zip(seeds, noise, strict=True):
        rows.append(row(RANDOM, "baseline", seed, draw, {"fit s": 0.0, "score s": 0.0}))
    return rows


def _seconds(call: Callable, *args: object) -> float:
    start = time.perf_counter()
    call(*args)
    return time.perf_counter() - start


def _neural(detector: object, fit_windows: np.ndarray) -> dict:
    """Parameters, best validation loss and the mean-predictor loss of a trained model.

    The mean-predictor loss is read on the windows the model held out for early stopping, in
    the model's own standardised units (its ``mean_`` and ``scale_``), where predicting the
    training mean is predicting 0.
    """
    if not hasattr(detector, "model_"):
        return {}
    parameters = {"parameters": sum(p.numel() for p in detector.model_.parameters())}
    if not hasattr(detector, "history_"):
        return parameters
    n_val = max(1, round(detector.val_fraction * len(fit_windows)))
    held_out = (fit_windows[-n_val:] - detector.mean_) / detector.scale_
    return parameters | {
        "val loss": float(detector.history_.best_val_loss),
        "mean loss": float(np.mean(held_out**2)),
    }


def flag_failed(results: pd.DataFrame) -> pd.DataFrame:
    """``results`` with a boolean ``failed`` column: the neural runs that did not train.

    A run's loss is read as a ratio, its best validation loss over the loss of predicting the
    training mean on the same held-out windows, so that easy and hard series share one scale.
    A run fails when the ratio is at least 1 (no better than the mean: the plateau a stalled
    model sits on) or, among the seeds of one detector on one series, by the gap rule of
    :func:`adlib.trainability.failed_runs`. The gap rule is not applied across series: their
    difficulty spreads the ratios over orders of magnitude, and a gap there separates easy
    series from hard ones, not trained runs from failed ones. Runs without a positive loss
    (classical detectors, and models whose training loss is not a reconstruction error) are
    never flagged.
    """
    failed = np.zeros(len(results), dtype=bool)
    if {"val loss", "mean loss"} <= set(results.columns):
        ratio = results["val loss"] / results["mean loss"]
        usable = ratio.gt(0) & np.isfinite(ratio)
        failed = (usable & ratio.ge(1)).to_numpy().copy()
        for _, index in results[usable].groupby(["detector", "series"]).groups.items():
            if len(index) > 1:
                rows = results.index.get_indexer(index)
                failed[rows] |= failed_runs(ratio[index].to_numpy())
    return results.assign(failed=failed)


def score_matrix(results: pd.DataFrame, metric: str = "VUS-PR") -> pd.DataFrame:
    """Series × detector: the mean of ``metric`` over each detector's converged runs.

    ``results`` needs the ``failed`` column of :func:`flag_failed`. A detector whose every
    run on a series failed has NaN there; rank and compare only complete rows.
    """
    kept = results[~results["failed"]]
    return kept.pivot_table(index="series", columns="detector", values=metric, aggfunc="mean")


def mean_ranks(matrix: pd.DataFrame) -> pd.Series:
    """Each detector's rank within a series (1 = highest score, ties share), averaged over series.

    Series with a NaN anywhere are dropped, so every detector is ranked on the same series.
    """
    complete = matrix.dropna()
    if complete.empty:
        raise ValueError("no series has a score for every detector; nothing can be ranked.")
    return complete.rank(axis=1, ascending=False).mean().sort_values()


def rank_table(results: pd.DataFrame, metric: str = "VUS-PR") -> pd.DataFrame:
    """One row per detector, best mean rank first, over the series where every detector trained.

    Columns: family, mean and median ``metric`` and mean rank over those complete series
    (so every column compares detectors on the same series), runs and failed runs over all
    series, median fit and score seconds per series.
    """
    matrix = score_matrix(results, metric).dropna()
    ranks = mean_ranks(matrix)
    per_detector = results.groupby("detector")
    table = pd.DataFrame(
        {
            "family": per_detector["family"].first(),
            f"mean {metric}": matrix.mean(),
            f"median {metric}": matrix.median(),
            "mean rank": ranks,
            "runs": per_detector.size(),
            "failed": per_detector["failed"].sum(),
            "fit s": per_detector["fit s"].median(),
            "score s": per_detector["score s"].median(),
        }
    )
    return table.loc[ranks.index]


@dataclass(frozen=True)
class RankTest:
    """Friedman's test that all mean ranks are equal, and Nemenyi's critical difference.

    ``statistic`` and ``p_value``: Friedman's chi-square over ``n_series`` complete series and
    ``n_detectors``; ``critical_difference``: two mean ranks further apart than this differ
    at level ``alpha`` after Nemenyi's correction for all pairs (Demšar, JMLR 2006).
    """

    statistic: float
    p_value: float
    n_series: int
    n_detectors: int
    alpha: float
    critical_difference: float


def rank_test(matrix: pd.DataFrame, alpha: float = 0.05) -> RankTest:
    """Friedman + Nemenyi on a series × detector score matrix (complete rows only).

    The critical difference is q_alpha · sqrt(k(k+1) / (6N)) with q_alpha the studentised
    range quantile for k detectors and infinite degrees of freedom, divided by sqrt(2).
    """
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0, inclusive=False)
    complete = matrix.dropna()
    n, k = complete.shape
    if n < 2 or k < 3:
        raise ValueError(f"Friedman's test needs >= 2 series and >= 3 detectors, got {n} and {k}.")
    statistic, p_value = stats.friedmanchisquare(*complete.to_numpy().T)
    q = stats.studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2)
    return RankTest(
        float(statistic), float(p_value), n, k, alpha, float(q * math.sqrt(k * (k + 1) / (6 * n)))
    )


def group_means(
    matrix: pd.DataFrame, groups: Mapping[str, Sequence[str]], detectors: Sequence[str]
) -> pd.DataFrame:
    """Mean score of ``detectors`` over the series of each group (rows), e.g. anomaly kinds.

    ``groups`` maps a group name to its series names; a series may sit in several groups (a
    series with two anomaly kinds counts for both). A "series" column counts the members.
    """
    rows = {}
    for group, members in groups.items():
        present = [m for m in members if m in matrix.index]
        if present:
            rows[group] = {"series": len(present), **matrix.loc[present, list(detectors)].mean()}
    return pd.DataFrame(rows).T
