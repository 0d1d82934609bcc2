"""Spread-based verdict words for paired comparisons over seeds (notebook 04).

A claims table compares two detectors (or two scores) on the same splits, seed by seed. The
paired differences, one per seed, are summarised per dataset as a mean and a standard
deviation (``pairs.groupby("dataset").agg(["mean", "std"])``). The rule here is deliberately
simple: a difference counts only when its mean is larger than its seed-to-seed sd, in
either direction; otherwise it is "within the spread". A claim holds when it wins beyond the
spread on every dataset, depends when on some, and does not hold when on none. It is the
rule notebook 04's verdicts use today; a later, interval-based rule will replace it.
"""

from __future__ import annotations

import math
from numbers import Real

import pandas as pd

WITHIN = "within the spread"


def spread_verdict(mean: float, sd: float, better: str, worse: str) -> str:
    """``better`` when ``mean > sd``, ``worse`` when ``mean < -sd``, else "within the spread".

    ``mean`` and ``sd`` are the mean and sd over seeds of a paired difference (first minus
    second); ``better`` and ``worse`` are the words for a clear win of the first or of the
    second, e.g. "the VAE is better" and "the autoencoder is better".
    """
    mean, sd = _finite(mean, "mean"), _finite(sd, "sd")
    if sd < 0:
        raise ValueError(f"sd must be a standard deviation (>= 0), got {sd}.")
    for name, word in (("better", better), ("worse", worse)):
        if not isinstance(word, str) or not word.strip():
            raise TypeError(f"{name} must be a non-empty verdict phrase, got {word!r}.")
    if mean > sd:
        return better
    return worse if mean < -sd else WITHIN


def overall_verdict(paired: pd.DataFrame) -> str:
    """ "holds" when the mean beats the sd on every row, "depends" on some, else "does not hold".

    ``paired`` has one row per dataset and the columns "mean" and "std" of a paired
    difference over seeds (first minus second), as ``groupby("dataset").agg(["mean",
    "std"])`` makes it. Only wins count: a row where the second is better beyond the spread
    counts as no win, like a row within the spread.
    """
    paired = _check_paired(paired)
    wins = sum(paired.loc[d, "mean"] > paired.loc[d, "std"] for d in paired.index)
    return "holds" if wins == len(paired) else "depends" if wins else "does not hold"


def paired_verdict(paired: pd.DataFrame, better: str, worse: str) -> str:
    """The overall verdict, then each dataset's :func:`spread_verdict`, as one table cell.

    E.g. "does not hold: digits, the autoencoder is better; shuttle, within the spread";
    datasets in the order of ``paired``'s index.
    """
    paired = _check_paired(paired)
    per_dataset = "; ".join(
        f"{d}, " + spread_verdict(paired.loc[d, "mean"], paired.loc[d, "std"], better, worse)
        for d in paired.index
    )
    return f"{overall_verdict(paired)}: {per_dataset}"


def paired_summary(paired: pd.DataFrame, digits: int = 3) -> str:
    """Each dataset's paired mean difference ± sd, e.g. "digits -0.037 ± 0.020, shuttle ..."."""
    paired = _check_paired(paired)
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be a non-negative integer, got {digits!r}.")
    return ", ".join(
        f"{d} {paired.loc[d, 'mean']:+.{digits}f} ± {paired.loc[d, 'std']:.{digits}f}"
        for d in paired.index
    )


def _finite(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}.")
    if not math.isfinite(value):
        raise ValueError(
            f"{name} must be finite, got {value}; an sd needs at least two seeds (ddof=1)."
        )
    return float(value)


def _check_paired(paired: object) -> pd.DataFrame:
    if not isinstance(paired, pd.DataFrame):
        raise TypeError(
            f"paired must be a pandas DataFrame with columns 'mean' and 'std', got "
            f"{type(paired).__name__}; build it with groupby(...).agg(['mean', 'std'])."
        )
    missing = [c for c in ("mean", "std") if c not in paired.columns]
    if missing:
        raise ValueError(
            f"paired has no column(s) {missing}; it has {list(paired.columns)}. Build it with "
            "groupby(...).agg(['mean', 'std'])."
        )
    if paired.empty:
        raise ValueError("paired is empty; it needs one row per dataset.")
    if not paired.index.is_unique:
        raise ValueError(f"paired's index must name each dataset once, got {list(paired.index)}.")
    for d in paired.index:
        for column in ("mean", "std"):
            _finite(paired.loc[d, column], f"paired.loc[{d!r}, {column!r}]")
        if paired.loc[d, "std"] < 0:
            raise ValueError(f"paired.loc[{d!r}, 'std'] must be >= 0.")
    return paired
