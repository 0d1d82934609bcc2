"""The repository's one rule for turning measurements into a verdict on a source's claim.

Two kinds of claim are judged, and every claims table uses these functions and no other:

* **A comparison**, "A is better than B" (:func:`compare`), "A performs like B"
  (:func:`similar`) or "A is no worse than B" (:func:`not_worse`). Both methods are run on
  the same splits, seeds or series, so the measurements pair up; the verdict reads a 95 %
  Student-t interval for the mean paired difference (:func:`paired_interval`). "Better"
  **holds** when the interval excludes 0 in A's favour; it **does not hold** when the
  interval excludes 0 against A, or lies entirely inside the equivalence margin stated with
  the claim (a tie); otherwise it is **inconclusive**, and the verdict says about how many
  more pairs would decide it.
* **A stated number**, a threshold, rate or coverage such as "3σ covers 99.7 %"
  (:func:`against_target`). The measurement (or the interval of its mean over seeds) is
  compared with the stated number widened by a tolerance written beside the claim.

A claim tested in several settings (datasets, scenarios) is judged in each by the same rule
and combined by :func:`combine`: **depends** when it holds in some and does not hold in
others. A claim made of parts that must all be true ("faster *and* as accurate") is combined
by :func:`all_parts`: one part that does not hold settles it. The t interval (not a
bootstrap) because claims here rest on 3-10 seeds, where a percentile bootstrap is too
narrow; it matches ``scipy.stats.ttest_rel``'s interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np
from scipy import stats

HOLDS, FAILS, DEPENDS, INCONCLUSIVE = "holds", "does not hold", "depends", "inconclusive"
VERDICTS = (HOLDS, FAILS, DEPENDS, INCONCLUSIVE)
CONFIDENCE = 0.95
DIRECTIONS = ("at least", "at most", "about")
SCORE_MARGIN = 0.01
"""The default equivalence margin for scores on a 0-1 scale (PR-AUC, VUS-PR, F1, recall):
a difference under one hundredth would not justify changing method. Claims state their own
margin when another one fits them better."""

RULE = (
    "**How a verdict is reached.** Every verdict comes from one rule in `adlib.verdicts`. A "
    "claim that one method beats another is tested on paired runs (same seeds, splits or "
    "series) with a 95 % Student-t interval for the mean difference: it *holds* when the "
    "interval excludes zero in the claimed direction, *does not hold* when it excludes zero "
    "the other way or lies inside the equivalence margin stated with the claim (a tie), and "
    "is *inconclusive* otherwise, with an estimate of how many more seeds or series would "
    "decide it. A claim about a stated number (a threshold, a rate, a coverage) is judged "
    "against that number with the tolerance written beside the claim. A claim tested in "
    "several settings *depends* when it holds in some and does not hold in others (settings "
    "left undecided are listed beside it). Training "
    "runs that fail (validation loss separated by a gap of more than 3× above the model's "
    "converged runs) are counted as a trainability finding and left out of quality "
    "comparisons."
)


@dataclass(frozen=True)
class PairedInterval:
    """The mean of paired differences (first minus second) and its confidence interval.

    ``n`` pairs, ``sd`` their sample standard deviation (ddof=1); ``low`` and ``high`` bound
    the ``confidence`` Student-t interval of the mean difference.
    """

    mean: float
    low: float
    high: float
    sd: float
    n: int
    confidence: float = CONFIDENCE

    def __str__(self) -> str:
        return self.describe()

    def describe(self, digits: int = 3, unit: str = "pairs") -> str:
        """E.g. "+0.012 [+0.004, +0.020] over 5 seeds" (the interval in brackets)."""
        f = f"+.{_digits(digits)}f"
        return f"{self.mean:{f}} [{self.low:{f}}, {self.high:{f}}] over {self.n} {unit}"


@dataclass(frozen=True)
class Verdict:
    """A verdict word, one of :data:`VERDICTS`, and the evidence that led to it, in words.

    ``str(verdict)`` is the table cell, e.g. "holds: +0.012 [+0.004, +0.020] over 5 seeds".
    Build verdicts with :func:`compare`, :func:`similar`, :func:`not_worse`,
    :func:`against_target`, :func:`combine` and :func:`all_parts`, never by hand:
    :class:`adlib.ledger.ClaimsTable` accepts nothing else.
    """

    kind: str
    reason: str

    def __post_init__(self) -> None:
        if self.kind not in VERDICTS:
            raise ValueError(f"kind must be one of {VERDICTS}, got {self.kind!r}.")
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise ValueError("a verdict needs its reason: the evidence, in words.")

    def __str__(self) -> str:
        return f"{self.kind}: {self.reason}"


def paired_interval(
    first: Sequence[float] | np.ndarray,
    second: Sequence[float] | np.ndarray,
    confidence: float = CONFIDENCE,
) -> PairedInterval:
    """The Student-t interval for the mean of ``first - second``, paired element by element.

    ``first`` and ``second`` hold one measurement per seed, split or series (shape (n,),
    n >= 2), in the same order. When every difference is the same the interval is that
    point. Equal to ``scipy.stats.ttest_rel(first, second).confidence_interval()``.
    """
    diffs = _paired_differences(first, second)
    confidence = _confidence(confidence)
    n, mean = diffs.size, float(diffs.mean())
    sd = float(diffs.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return PairedInterval(mean, mean - half, mean + half, sd, n, confidence)


def compare(
    first: Sequence[float] | np.ndarray,
    second: Sequence[float] | np.ndarray,
    margin: float,
    *,
    higher_is_better: bool = True,
    names: tuple[str, str] = ("first", "second"),
    unit: str = "seeds",
    digits: int = 3,
) -> Verdict:
    """The verdict on "the first method is better than the second", paired over ``unit``.

    ``first`` and ``second`` are the two methods' scores on the same n >= 2 seeds, splits or
    series; ``margin`` (>= 0, in the score's units) is the equivalence margin stated with the
    claim: a difference inside it counts as a tie. Set ``higher_is_better=False`` for costs,
    losses and delays. ``names`` name the two methods in the reason, which quotes the
    difference (first minus second) and its interval.
    """
    paired = _paired(first, second, margin, higher_is_better, names, unit, digits)
    if isinstance(paired, Verdict):
        return paired
    interval, low, high, margin, evidence = paired
    if low > 0:
        return Verdict(HOLDS, evidence)
    if high < 0:
        return Verdict(FAILS, f"{_names(names)[1]} is better, {evidence}")
    if -margin <= low and high <= margin:
        return Verdict(FAILS, f"a tie inside the margin, {evidence}")
    return Verdict(INCONCLUSIVE, f"{evidence}; {_needed(interval, margin, unit)}")


def similar(
    first: Sequence[float] | np.ndarray,
    second: Sequence[float] | np.ndarray,
    margin: float,
    *,
    names: tuple[str, str] = ("first", "second"),
    unit: str = "seeds",
    digits: int = 3,
) -> Verdict:
    """The verdict on "the first method performs like the second" (an equivalence claim).

    **holds** when the interval of the paired difference lies inside ±``margin``; **does not
    hold** when it lies entirely outside it (one method is better by more than the margin);
    **inconclusive** otherwise, with the number of pairs that would decide it.
    """
    paired = _paired(first, second, margin, True, names, unit, digits)
    if isinstance(paired, Verdict):
        return paired
    interval, low, high, margin, evidence = paired
    if -margin <= low and high <= margin:
        return Verdict(HOLDS, f"within the margin, {evidence}")
    if low > margin or high < -margin:
        return Verdict(FAILS, f"they differ by more than the margin, {evidence}")
    return Verdict(INCONCLUSIVE, f"{evidence}; {_needed(interval, margin, unit)}")


def not_worse(
    first: Sequence[float] | np.ndarray,
    second: Sequence[float] | np.ndarray,
    margin: float,
    *,
    higher_is_better: bool = True,
    names: tuple[str, str] = ("first", "second"),
    unit: str = "seeds",
    digits: int = 3,
) -> Verdict:
    """The verdict on "the first method is no worse than the second" (non-inferiority).

    For claims that a cheaper method loses nothing, e.g. "retraining on a trigger is as good
    as retraining every month". **holds** when the whole interval of the paired difference
    lies above ``-margin`` (in the better direction); **does not hold** when it lies entirely
    below it (worse by more than the margin); **inconclusive** otherwise.
    """
    paired = _paired(first, second, margin, higher_is_better, names, unit, digits)
    if isinstance(paired, Verdict):
        return paired
    interval, low, high, margin, evidence = paired
    if low > -margin:
        return Verdict(HOLDS, f"no worse beyond the margin, {evidence}")
    if high < -margin:
        return Verdict(FAILS, f"worse by more than the margin, {evidence}")
    return Verdict(INCONCLUSIVE, f"{evidence}; {_needed(interval, margin, unit)}")


def against_target(
    values: float | Sequence[float] | np.ndarray,
    target: float,
    tolerance: float,
    direction: str,
    *,
    unit: str = "seeds",
    digits: int = 3,
) -> Verdict:
    """The verdict on a stated number: is the measured value ``direction`` ``target``?

    ``direction`` is "at least", "at most" or "about"; ``tolerance`` (>= 0) widens the target
    as written beside the claim (e.g. 99.7 % coverage ± 0.2 points). ``values`` is one
    measurement or one per seed (n >= 2, judged by the 95 % t interval of their mean). It
    **holds** when the whole interval meets the widened target, **does not hold** when none
    of it does, and is **inconclusive** when the interval straddles the edge.
    """
    target, tolerance = _real(target, "target"), _margin(tolerance, "tolerance")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}.")
    low, high, measured = _value_interval(values, unit, digits)
    f = f".{_digits(digits)}g"
    edges = {"at least": (target - tolerance, math.inf), "at most": (-math.inf, target + tolerance)}
    lo_edge, hi_edge = edges.get(direction, (target - tolerance, target + tolerance))
    evidence = f"{measured} against {direction} {target:{f}} (tolerance {tolerance:{f}})"
    if lo_edge <= low and high <= hi_edge:
        return Verdict(HOLDS, evidence)
    if high < lo_edge or low > hi_edge:
        return Verdict(FAILS, evidence)
    return Verdict(INCONCLUSIVE, f"{evidence}; the interval straddles the edge, more {unit} needed")


def combine(settings: Mapping[str, Verdict]) -> Verdict:
    """One verdict over several settings, each judged by the same rule.

    All settings agree: their verdict. Holds in some and does not hold in others:
    **depends**, whatever the remaining settings say (the claim is already settled as true
    somewhere and false elsewhere); so does a mix that includes a setting which itself
    depends. Otherwise (some settings inconclusive, the rest agreeing): **inconclusive**. The
    reason lists every setting's verdict, in order.
    """
    _check_verdicts(settings, "settings")
    kinds = {v.kind for v in settings.values()}
    settled_both_ways = {HOLDS, FAILS} <= kinds or DEPENDS in kinds
    mixed = DEPENDS if settled_both_ways else INCONCLUSIVE
    kind = next(iter(kinds)) if len(kinds) == 1 else mixed
    return Verdict(kind, "; ".join(f"{name}, {v}" for name, v in settings.items()))


def all_parts(parts: Mapping[str, Verdict]) -> Verdict:
    """One verdict on a claim made of several parts that must all be true.

    E.g. "the GRU is faster *and* performs like the LSTM", or "GANs beat the autoencoder *and*
    Isolation Forest". Unlike :func:`combine` (one claim, several settings) a single part
    that does not hold settles it: **does not hold** when any part does not hold, **holds**
    when every part holds, **inconclusive** otherwise. The reason lists every part.
    """
    _check_verdicts(parts, "parts")
    kinds = {v.kind for v in parts.values()}
    kind = FAILS if FAILS in kinds else HOLDS if kinds == {HOLDS} else INCONCLUSIVE
    return Verdict(kind, "; ".join(f"{name}, {v}" for name, v in parts.items()))


def seeds_needed(interval: PairedInterval, margin: float) -> int | None:
    """About how many pairs would make ``interval`` decide, or None when no number would.

    The interval decides once its half-width falls below the distance from the mean to 0 or
    to the nearer edge of the margin, whichever is larger; the answer assumes the mean and
    sd stay as measured and is the smallest such n above the current one (up to 10,000).
    """
    margin = _margin(margin)
    room = max(abs(interval.mean), margin - abs(interval.mean))
    if room <= 0 or interval.sd == 0:
        return None
    z = stats.norm.ppf(0.5 + interval.confidence / 2)
    n = max(interval.n + 1, math.ceil((z * interval.sd / room) ** 2))
    while n <= 10_000:
        if stats.t.ppf(0.5 + interval.confidence / 2, n - 1) * interval.sd / math.sqrt(n) < room:
            return n
        n += 1
    return None


def _evidence(
    interval: PairedInterval, margin: float, names: object, unit: str, digits: int
) -> str:
    first, second = _names(names)
    f = f".{_digits(digits)}g"
    return f"{first} − {second} {interval.describe(digits, unit)}, margin ±{margin:{f}}"


def _names(names: object) -> tuple[str, str]:
    if (
        not isinstance(names, tuple)
        or len(names) != 2
        or not all(isinstance(n, str) and n.strip() for n in names)
    ):
        raise TypeError(f"names must be a pair of non-empty strings, got {names!r}.")
    return names


def _paired(
    first: object,
    second: object,
    margin: object,
    higher_is_better: object,
    names: object,
    unit: str,
    digits: int,
) -> Verdict | tuple[PairedInterval, float, float, float, str]:
    """The checked margin, the interval and its ends turned so that positive favours the first
    method, and the evidence in words; or an inconclusive verdict when fewer than 2 pairs."""
    margin = _margin(margin)
    sign = 1.0 if _flag(higher_is_better, "higher_is_better") else -1.0
    too_few = _too_few_pairs(first, second, unit)
    if too_few is not None:
        return too_few
    interval = paired_interval(first, second)
    low, high = sorted((sign * interval.low, sign * interval.high))
    return interval, low, high, margin, _evidence(interval, margin, names, unit, digits)


def _too_few_pairs(first: object, second: object, unit: str) -> Verdict | None:
    """An inconclusive verdict when fewer than 2 pairs are left (e.g. the others' runs failed)."""
    n = _paired_differences(first, second, minimum=0).size
    if n >= 2:
        return None
    return Verdict(INCONCLUSIVE, f"{n} pair(s) of {unit}, and an interval needs at least 2")


def _check_verdicts(verdicts: object, name: str) -> None:
    if not isinstance(verdicts, Mapping) or not verdicts:
        raise ValueError(f"{name} must be a non-empty mapping of name to Verdict.")
    for key, verdict in verdicts.items():
        if not isinstance(verdict, Verdict):
            raise TypeError(f"{name}[{key!r}] must be a Verdict, got {type(verdict).__name__}.")


def _needed(interval: PairedInterval, margin: float, unit: str) -> str:
    n = seeds_needed(interval, margin)
    if n is None:
        return f"no number of {unit} would decide it at this margin"
    return f"about {n} {unit} would decide it"


def _value_interval(values: object, unit: str, digits: int) -> tuple[float, float, str]:
    f = f".{_digits(digits)}g"
    if isinstance(values, Real) and not isinstance(values, bool):
        value = _real(values, "values")
        return value, value, f"{value:{f}}"
    array = _numeric(values, "values")
    if array.size < 2:
        raise ValueError("values must be one number or at least two (one per seed).")
    mean, sd = float(array.mean()), float(array.std(ddof=1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, array.size - 1)) * sd / math.sqrt(array.size)
    text = f"{mean:{f}} [{mean - half:{f}}, {mean + half:{f}}] over {array.size} {unit}"
    return mean - half, mean + half, text


def _paired_differences(first: object, second: object, minimum: int = 2) -> np.ndarray:
    first, second = _numeric(first, "first"), _numeric(second, "second")
    if first.shape != second.shape:
        raise ValueError(
            f"first and second must pair up, one value per seed or series each; got "
            f"{first.size} and {second.size} values."
        )
    if first.size < minimum:
        raise ValueError(
            f"a paired interval needs at least 2 pairs (seeds, splits or series), got "
            f"{first.size}; run more seeds."
        )
    return first - second


def _numeric(values: object, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype == bool or not (
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    ):
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}.")
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (one value per run), got {array.shape}.")
    array = array.astype(float)
    if not np.isfinite(array).all():
        raise ValueError(
            f"{name} holds NaN or inf; drop failed runs first and report them as failures."
        )
    return array


def _real(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}.")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    return float(value)


def _margin(value: object, name: str = "margin") -> float:
    value = _real(value, name)
    if value < 0:
        raise ValueError(f"{name} must be >= 0 (a half-width in the score's units), got {value}.")
    return value


def _confidence(value: object) -> float:
    value = _real(value, "confidence")
    if not 0 < value < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {value}.")
    return value


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
    return value


def _digits(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"digits must be a non-negative integer, got {value!r}.")
    return value
