"""adlib.thresholds cost rule and extreme-value rules (POT, SPOT) against known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

from adlib.thresholds import SPOT, CostThreshold, POTThreshold, gpd_tail_quantile


def brute_force_cost(scores, y, false_alarm_cost, miss_cost):
    """Lowest total cost over every threshold that separates distinct scores."""
    values = np.unique(scores)
    candidates = np.r_[values[0] - 1.0, (values[:-1] + values[1:]) / 2, values[-1]]
    costs = [
        false_alarm_cost * np.sum((scores > t) & (y == 0))
        + miss_cost * np.sum((scores <= t) & (y == 1))
        for t in candidates
    ]
    return min(costs)


# --- CostThreshold ---------------------------------------------------------------------------


@given(
    data=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 1)), min_size=2, max_size=30),
    false_alarm_cost=st.floats(0.1, 10.0),
    miss_cost=st.floats(0.1, 100.0),
)
def test_cost_threshold_reaches_the_brute_force_minimum(data, false_alarm_cost, miss_cost):
    scores = np.array([s for s, _ in data], dtype=float)
    y = np.array([label for _, label in data])
    assume(y.min() < y.max())
    rule = CostThreshold(false_alarm_cost, miss_cost).fit(scores, y)
    flagged = rule.predict(scores)
    cost = false_alarm_cost * np.sum(flagged & (y == 0)) + miss_cost * np.sum(
        (flagged == 0) & (y == 1)
    )
    assert cost == pytest.approx(brute_force_cost(scores, y, false_alarm_cost, miss_cost))
    assert rule.cost_per_row_ == pytest.approx(cost / len(scores))


def test_cost_threshold_moves_with_the_cost_ratio():
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    y = np.array([0, 0, 1, 0, 1, 1])
    cheap_misses = CostThreshold(false_alarm_cost=10.0, miss_cost=1.0).fit(scores, y)
    dear_misses = CostThreshold(false_alarm_cost=1.0, miss_cost=10.0).fit(scores, y)
    assert cheap_misses.predict(scores).sum() < dear_misses.predict(scores).sum()
    np.testing.assert_array_equal(dear_misses.predict(scores), [0, 0, 1, 1, 1, 1])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"false_alarm_cost": 0.0}, "false_alarm_cost"), ({"miss_cost": -1.0}, "miss_cost")],
)
def test_cost_threshold_rejects_costs_that_are_not_positive(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CostThreshold(**kwargs)


@pytest.mark.parametrize("rule", [CostThreshold(), POTThreshold(), SPOT()])
@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (1e300, ValueError, r"scores holds a value of magnitude 1e\+300, above the limit"),
        (0.5 + 1j, TypeError, r"scores is complex \(dtype complex128\).*np\.real\(scores\)"),
    ],
)
def test_cost_and_extreme_value_rules_reject_huge_and_complex_scores(rule, bad, error, match, rng):
    scores = rng.exponential(size=2_000).astype(np.result_type(float, bad))
    scores[7] = bad
    y = (np.arange(2_000) % 10 == 0).astype(int)
    with pytest.raises(error, match=match):
        rule.fit(scores) if isinstance(rule, SPOT) else rule.fit(scores, y)


def test_cost_threshold_needs_labels_with_both_classes():
    with pytest.raises(ValueError, match="needs labels"):
        CostThreshold().fit(np.arange(5.0))
    with pytest.raises(ValueError, match="only normal points"):
        CostThreshold().fit(np.arange(5.0), np.zeros(5))


# --- POT -------------------------------------------------------------------------------------


def test_tail_quantile_formula_matches_scipy_gpd():
    for shape in (-0.2, 0.0, 0.3):
        z = gpd_tail_quantile(5.0, shape, 2.0, q=1e-4, n=10_000, n_peaks=200)
        expected = 5.0 + stats.genpareto.isf(1e-4 * 10_000 / 200, shape, scale=2.0)
        assert z == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("sample", "true_quantile"),
    [
        (lambda rng, n: rng.exponential(size=n), -np.log(1e-4)),
        (
            lambda rng, n: stats.genpareto.rvs(0.3, size=n, random_state=rng),
            stats.genpareto.isf(1e-4, 0.3),
        ),
        (lambda rng, n: rng.normal(size=n), stats.norm.isf(1e-4)),
    ],
    ids=["exponential", "gpd-heavy-tail", "gaussian"],
)
def test_pot_recovers_a_far_quantile_the_sample_barely_reaches(rng, sample, true_quantile):
    scores = sample(rng, 50_000)
    rule = POTThreshold(q=1e-4, initial_quantile=0.98).fit(scores)
    assert rule.threshold_ == pytest.approx(true_quantile, rel=0.12)
    assert rule.n_peaks_ == pytest.approx(0.02 * 50_000, abs=2)
    assert rule.initial_threshold_ < rule.threshold_


def test_pot_uses_only_normal_scores_when_labelled(rng):
    normal = rng.exponential(size=20_000)
    scores = np.r_[normal, np.full(200, 50.0)]
    y = np.r_[np.zeros(normal.size, int), np.ones(200, int)]
    with_labels = POTThreshold(q=1e-3).fit(scores, y).threshold_
    assert with_labels == pytest.approx(POTThreshold(q=1e-3).fit(normal).threshold_)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"q": 0.0}, r"q must be in \(0(\.0)?, 1(\.0)?\)"),
        ({"q": 1.5}, r"q must be in \(0(\.0)?, 1(\.0)?\)"),
        ({"q": 0.05, "initial_quantile": 0.98}, "must be below the share of scores"),
        ({"initial_quantile": 1.0}, "initial_quantile"),
        ({"min_peaks": 1}, "min_peaks"),
    ],
)
@pytest.mark.parametrize("rule", [POTThreshold, SPOT])
def test_extreme_value_rules_reject_bad_parameters(rule, kwargs, match):
    with pytest.raises(ValueError, match=match):
        rule(**kwargs)


def test_pot_needs_enough_distinct_peaks(rng):
    with pytest.raises(ValueError, match="only 4 scores exceed the initial threshold"):
        POTThreshold(q=1e-3, initial_quantile=0.98).fit(rng.normal(size=200))
    with pytest.raises(ValueError, match="all peaks over the initial threshold are equal"):
        POTThreshold(q=1e-3, initial_quantile=0.9, min_peaks=5).fit(
            np.r_[np.zeros(900), np.ones(100)]
        )


# --- SPOT ------------------------------------------------------------------------------------


def test_spot_starts_where_pot_ends_and_learning_from_alarms_alarms_at_rate_q(rng):
    initial, stream = rng.exponential(size=5_000), rng.exponential(size=20_000)
    spot = SPOT(q=1e-3, initial_quantile=0.99, learn_from_alarms=True).fit(initial)
    assert spot.threshold_ == pytest.approx(
        POTThreshold(q=1e-3, initial_quantile=0.99).fit(initial).threshold_
    )
    alarms, thresholds = spot.run(stream)
    assert thresholds.shape == alarms.shape == stream.shape
    np.testing.assert_array_equal(alarms, stream > thresholds)
    assert 0.5e-3 < alarms.mean() < 2e-3
    assert thresholds[-1] == pytest.approx(-np.log(1e-3), rel=0.05)
    shape, _, scale = stats.genpareto.fit(np.asarray(spot.peaks_), floc=0.0)
    assert (spot.shape_, spot.scale_) == pytest.approx((shape, scale), abs=1e-3)


def test_spot_without_learning_from_alarms_censors_the_tail_and_drifts_down(rng):
    initial, stream = rng.exponential(size=5_000), rng.exponential(size=20_000)
    censored = SPOT(q=1e-3, initial_quantile=0.99).fit(initial)
    learning = SPOT(q=1e-3, initial_quantile=0.99, learn_from_alarms=True).fit(initial)
    censored_alarms, censored_thresholds = censored.run(stream)
    learning_alarms, learning_thresholds = learning.run(stream)
    assert censored_thresholds[-1] < learning_thresholds[-1]
    assert censored_alarms.sum() > learning_alarms.sum()


def test_spot_alarms_do_not_move_the_threshold_unless_it_learns_from_them(rng):
    scores = rng.exponential(size=2_000)
    spot = SPOT(q=1e-3, initial_quantile=0.98).fit(scores)
    before = (spot.threshold_, spot.n_, len(spot.peaks_))
    assert spot.update(1e6) is True
    assert (spot.threshold_, spot.n_, len(spot.peaks_)) == before
    assert spot.update(0.01) is False and spot.n_ == before[1] + 1

    learning = SPOT(q=1e-3, initial_quantile=0.98, learn_from_alarms=True).fit(scores)
    assert learning.update(50.0) is True
    assert learning.n_ == before[1] + 1 and len(learning.peaks_) == before[2] + 1
    assert learning.threshold_ > before[0]


def test_spot_rejects_a_learn_from_alarms_that_is_not_a_bool():
    with pytest.raises(TypeError, match="learn_from_alarms must be True or False"):
        SPOT(learn_from_alarms="yes")


def test_spot_rejects_unfitted_use_and_bad_scores(rng):
    with pytest.raises(ValueError, match="not fitted yet"):
        SPOT().update(1.0)
    with pytest.raises(ValueError, match="not fitted yet"):
        SPOT().run([1.0, 2.0])
    spot = SPOT().fit(rng.exponential(size=2_000))
    with pytest.raises(ValueError, match="finite"):
        spot.update(float("nan"))
    with pytest.raises(ValueError, match=r"score holds a value of magnitude 1e\+300, above the"):
        spot.update(1e300)
    with pytest.raises(TypeError, match="score must be a real number, got complex"):
        spot.update(1 + 0j)
    with pytest.raises(ValueError, match=r"scores holds a value of magnitude 1e\+300"):
        spot.run([1.0, 1e300])
    with pytest.raises(TypeError, match=r"scores is complex"):
        spot.run([1.0, 2.0 + 0j])
