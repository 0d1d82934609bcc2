"""adlib.verdicts: the one rule for every claims table, checked against scipy and by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from adlib.verdicts import (
    VERDICTS,
    Verdict,
    against_target,
    all_parts,
    combine,
    compare,
    not_worse,
    paired_interval,
    seeds_needed,
    similar,
)

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("n", [2, 3, 5, 10, 135])
def test_paired_interval_matches_scipy_ttest_rel(n):
    a, b = RNG.normal(size=n), RNG.normal(size=n)
    interval = paired_interval(a, b)
    reference = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert interval.low == pytest.approx(reference.low, rel=1e-12)
    assert interval.high == pytest.approx(reference.high, rel=1e-12)
    assert interval.mean == pytest.approx(np.mean(a - b))
    assert interval.sd == pytest.approx(np.std(a - b, ddof=1))
    assert interval.n == n


def test_paired_interval_of_constant_differences_is_the_point():
    interval = paired_interval([1.0, 2.0, 3.0], [0.5, 1.5, 2.5])
    assert (interval.low, interval.mean, interval.high) == pytest.approx((0.5, 0.5, 0.5))


def test_paired_interval_covers_the_true_difference_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(2000):
        a = rng.normal(0.3, 1.0, size=5)
        interval = paired_interval(a, rng.normal(0.0, 1.0, size=5))
        hits += interval.low <= 0.3 <= interval.high
    assert 0.93 < hits / 2000 < 0.97


def test_compare_holds_when_the_interval_excludes_zero_in_favour():
    v = compare([0.9, 0.92, 0.91], [0.8, 0.83, 0.8], margin=0.01, names=("A", "B"))
    assert v.kind == "holds"
    assert str(v).startswith("holds: A − B +0.100 [")


def test_compare_does_not_hold_when_the_other_method_wins():
    v = compare([0.8, 0.83, 0.8], [0.9, 0.92, 0.91], margin=0.01, names=("A", "B"))
    assert v.kind == "does not hold" and "B is better" in v.reason


def test_compare_calls_a_tie_inside_the_margin_a_failure_of_the_claim():
    v = compare([0.90, 0.91, 0.92, 0.90], [0.901, 0.909, 0.921, 0.899], margin=0.01)
    assert v.kind == "does not hold" and "tie" in v.reason


def test_compare_is_inconclusive_when_the_interval_straddles_zero_and_the_margin():
    v = compare([0.9, 0.8, 0.95], [0.85, 0.88, 0.86], margin=0.01)
    assert v.kind == "inconclusive"
    assert "would decide it" in v.reason


def test_compare_flips_for_lower_is_better():
    costs_a, costs_b = [10.0, 11.0, 12.0], [20.0, 21.0, 23.0]
    assert compare(costs_a, costs_b, 0.5, higher_is_better=False).kind == "holds"
    assert compare(costs_b, costs_a, 0.5, higher_is_better=False).kind == "does not hold"


def test_similar_holds_inside_the_margin_and_fails_outside():
    a = np.array([0.9, 0.91, 0.92, 0.93])
    assert similar(a, a - 0.001 * np.arange(4), margin=0.02).kind == "holds"
    assert similar(a, a - 0.2 - 0.001 * np.arange(4), margin=0.02).kind == "does not hold"
    assert similar(a, a + np.array([0.03, -0.02, 0.01, -0.04]), margin=0.02).kind == "inconclusive"


def test_seeds_needed_shrinks_the_interval_enough_to_decide():
    interval = paired_interval([0.02, -0.01, 0.03, 0.0], [0.0, 0.0, 0.0, 0.0])
    n = seeds_needed(interval, margin=0.0)
    assert n is not None and n > interval.n
    half = stats.t.ppf(0.975, n - 1) * interval.sd / math.sqrt(n)
    assert half < abs(interval.mean)
    smaller = stats.t.ppf(0.975, n - 2) * interval.sd / math.sqrt(n - 1)
    assert n - 1 == interval.n or smaller >= abs(interval.mean)


def test_seeds_needed_is_none_when_nothing_could_decide():
    interval = paired_interval([1.0, -1.0, 1.0, -1.0], [0.0, 0.0, 0.0, 0.0])
    assert seeds_needed(interval, margin=0.0) is None
    assert "no number of seeds" in compare([1.0, -1.0, 1.0, -1.0], [0.0] * 4, 0.0).reason


@pytest.mark.parametrize(
    ("values", "target", "tolerance", "direction", "kind"),
    [
        (0.999, 0.997, 0.002, "about", "holds"),
        (0.990, 0.997, 0.002, "about", "does not hold"),
        (0.769, 0.80, 0.02, "at least", "does not hold"),
        (0.79, 0.80, 0.02, "at least", "holds"),
        (0.16, 20.0, 0.0, "at most", "holds"),
        ([0.77, 0.79, 0.83], 0.80, 0.02, "at least", "inconclusive"),
        ([0.90, 0.91, 0.92], 0.80, 0.02, "at least", "holds"),
        ([0.05, 0.052, 0.051], 0.05, 0.005, "about", "holds"),
    ],
)
def test_against_target(values, target, tolerance, direction, kind):
    assert against_target(values, target, tolerance, direction).kind == kind


def test_against_target_quotes_the_target_and_tolerance():
    v = against_target(0.999, 0.997, 0.002, "about")
    assert "about 0.997" in v.reason and "tolerance 0.002" in v.reason


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (["holds", "holds"], "holds"),
        (["does not hold"] * 3, "does not hold"),
        (["holds", "does not hold"], "depends"),
        (["holds", "inconclusive"], "inconclusive"),
        (["holds", "does not hold", "inconclusive"], "depends"),
        (["does not hold", "inconclusive"], "inconclusive"),
        (["holds", "depends"], "depends"),
        (["inconclusive", "depends"], "depends"),
        (["inconclusive"], "inconclusive"),
    ],
)
def test_combine(kinds, expected):
    settings = {f"s{i}": Verdict(k, "evidence") for i, k in enumerate(kinds)}
    combined = combine(settings)
    assert combined.kind == expected
    assert combined.reason.startswith("s0, ")


def test_verdict_rejects_unknown_words_and_empty_reasons():
    with pytest.raises(ValueError, match="kind must be one of"):
        Verdict("mostly holds", "x")
    with pytest.raises(ValueError, match="reason"):
        Verdict("holds", " ")
    assert VERDICTS == ("holds", "does not hold", "depends", "inconclusive")


@pytest.mark.parametrize(
    ("first", "second", "error", "match"),
    [
        ([1.0], [0.0], ValueError, "at least 2 pairs"),
        ([1.0, 2.0], [0.0], ValueError, "pair up"),
        ([1.0, np.nan], [0.0, 1.0], ValueError, "NaN or inf"),
        ([1.0, np.inf], [0.0, 1.0], ValueError, "NaN or inf"),
        (["a", "b"], [0.0, 1.0], TypeError, "real numbers"),
        ([1 + 1j, 2.0], [0.0, 1.0], TypeError, "real numbers"),
        ([True, False], [0.0, 1.0], TypeError, "real numbers"),
        ([[1.0, 2.0]], [[0.0, 1.0]], ValueError, "one-dimensional"),
    ],
)
def test_paired_interval_rejects_bad_input(first, second, error, match):
    with pytest.raises(error, match=match):
        paired_interval(first, second)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: compare([1.0, 2.0], [0.0, 1.0], -0.1), ValueError, "margin must be >= 0"),
        (lambda: compare([1.0, 2.0], [0.0, 1.0], float("nan")), ValueError, "finite"),
        (lambda: compare([1.0, 2.0], [0.0, 1.0], "0.1"), TypeError, "real number"),
        (lambda: compare([1.0, 2.0], [0, 1], 0.1, higher_is_better=1), TypeError, "True or"),
        (lambda: compare([1.0, 2.0], [0, 1], 0.1, names=("A",)), TypeError, "pair"),
        (lambda: paired_interval([1.0, 2.0], [0, 1], confidence=1.0), ValueError, "between"),
        (lambda: against_target(0.5, 0.4, 0.1, "above"), ValueError, "direction"),
        (lambda: against_target([0.5], 0.4, 0.1, "about"), ValueError, "at least two"),
        (lambda: against_target(0.5, 0.4, -1.0, "about"), ValueError, "tolerance"),
        (lambda: combine({}), ValueError, "non-empty"),
        (lambda: combine({"a": "holds"}), TypeError, "Verdict"),
        (lambda: all_parts({}), ValueError, "non-empty"),
    ],
)
def test_bad_parameters_are_refused(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_not_worse_is_a_one_sided_margin_test():
    a = np.array([0.50, 0.52, 0.51, 0.49])
    assert not_worse(a + 0.002, a, margin=0.01).kind == "holds"
    assert not_worse(a - 0.2 + 0.001 * np.arange(4), a, margin=0.01).kind == "does not hold"
    assert not_worse(a + np.array([0.03, -0.04, 0.02, -0.03]), a, margin=0.01).kind == (
        "inconclusive"
    )
    costs = np.array([10.0, 11.0, 12.0])
    assert not_worse(costs - 1.0, costs, 0.5, higher_is_better=False).kind == "holds"
    assert not_worse(costs + 3.0, costs, 0.5, higher_is_better=False).kind == "does not hold"


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (["holds", "holds"], "holds"),
        (["holds", "does not hold"], "does not hold"),
        (["inconclusive", "does not hold"], "does not hold"),
        (["holds", "inconclusive"], "inconclusive"),
        (["depends", "holds"], "inconclusive"),
    ],
)
def test_all_parts_fails_when_any_part_fails(kinds, expected):
    parts = {f"part {i}": Verdict(k, "evidence") for i, k in enumerate(kinds)}
    assert all_parts(parts).kind == expected


@pytest.mark.parametrize("check", [compare, similar, not_worse])
@pytest.mark.parametrize("n", [0, 1])
def test_fewer_than_two_pairs_is_inconclusive_not_an_error(check, n):
    verdict = check([0.9] * n, [0.5] * n, 0.01, unit="seeds")
    assert verdict.kind == "inconclusive"
    assert f"{n} pair(s) of seeds" in verdict.reason
    with pytest.raises(ValueError, match="pair up"):
        check([0.9, 0.8], [0.5], 0.01)
