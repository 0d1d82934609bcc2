"""Two-stage hybrid and score fusion (notebook 10): ordering, no batch leakage, fitted scales."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from adlib.detectors import (
    BaseDetector,
    IsolationForestDetector,
    PCADetector,
    ScoreFusion,
    TwoStageDetector,
    ZScoreDetector,
)


class CountingDetector(ZScoreDetector):
    """A z-score detector that records how many rows it was asked to score."""

    def _score(self, X):
        self.rows_scored_ = getattr(self, "rows_scored_", 0) + len(X)
        return super()._score(X)


@pytest.fixture
def two_stage(X_train):
    stage1 = IsolationForestDetector(n_estimators=50, random_state=0)
    return TwoStageDetector(stage1, PCADetector(n_components=2), pass_rate=0.2).fit(X_train)


def test_passing_rows_outrank_every_held_back_row(two_stage, X_new):
    scores = two_stage.score_samples(X_new)
    first = two_stage.stage1_.score_samples(X_new)
    passed = first >= two_stage.cut_
    assert passed.any() and (~passed).any()
    assert scores[passed].min() > scores[~passed].max()
    assert two_stage.last_pass_share_ == pytest.approx(passed.mean())
    # within each group the order is that stage's order
    held = ~passed
    assert stats.spearmanr(scores[held], first[held]).statistic == pytest.approx(1.0)
    second = two_stage.stage2_.score_samples(X_new[passed])
    assert stats.spearmanr(scores[passed], second).statistic == pytest.approx(1.0)


def test_the_stage1_cut_comes_from_training_so_a_row_scores_the_same_in_any_batch(two_stage, X_new):
    alone = np.array([two_stage.score_samples(X_new[i : i + 1])[0] for i in range(20)])
    # equal up to float rounding in batched linear algebra: the batch never moves the cut
    np.testing.assert_allclose(alone, two_stage.score_samples(X_new)[:20], rtol=1e-12)
    shifted = np.vstack([X_new[:20], X_new[20:] + 100.0])  # a batch full of outliers
    np.testing.assert_allclose(two_stage.score_samples(shifted)[:20], alone, rtol=1e-12)


def test_training_pass_share_is_the_pass_rate(two_stage, X_train):
    two_stage.score_samples(X_train)
    assert two_stage.last_pass_share_ == pytest.approx(0.2, abs=0.01)


def test_stage2_only_sees_rows_that_pass(X_train, X_new):
    detector = TwoStageDetector(
        IsolationForestDetector(random_state=0), CountingDetector(), pass_rate=0.1
    ).fit(X_train)
    detector.stage2_.rows_scored_ = 0
    detector.score_samples(X_new)
    assert detector.stage2_.rows_scored_ == round(detector.last_pass_share_ * len(X_new))
    assert detector.stage2_.rows_scored_ < len(X_new) / 2


def test_pass_rate_one_ranks_like_stage2_alone(X_train, X_new):
    stage2 = PCADetector(n_components=2)
    detector = TwoStageDetector(IsolationForestDetector(random_state=0), stage2, pass_rate=1.0)
    scores = detector.fit(X_train).score_samples(X_new)
    alone = PCADetector(n_components=2).fit(X_train).score_samples(X_new)
    np.testing.assert_array_equal(np.argsort(scores), np.argsort(alone))


def test_at_pass_rate_equals_a_refit_without_refitting(two_stage, X_train, X_new):
    for rate in (0.05, 0.5, 1.0):
        swept = two_stage.at_pass_rate(rate)
        assert swept.stage1_ is two_stage.stage1_ and swept.pass_rate == rate
        refit = TwoStageDetector(
            IsolationForestDetector(n_estimators=50, random_state=0),
            PCADetector(n_components=2),
            pass_rate=rate,
        ).fit(X_train)
        np.testing.assert_allclose(
            swept.score_samples(X_new), refit.score_samples(X_new), rtol=1e-12
        )
    assert two_stage.pass_rate == 0.2
    with pytest.raises(ValueError, match="pass_rate=0 sends nothing"):
        two_stage.at_pass_rate(0.0)
    with pytest.raises(ValueError, match="not fitted yet"):
        TwoStageDetector().at_pass_rate(0.5)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"pass_rate": 0.0}, ValueError, "pass_rate=0 sends nothing"),
        ({"pass_rate": 1.5}, ValueError, "pass_rate"),
        ({"stage1": "iforest"}, TypeError, "stage1 must be an adlib detector"),
        ({"stage2": object()}, TypeError, "stage2 must be an adlib detector"),
    ],
)
def test_two_stage_rejects_bad_parameters(params, error, match, X_train):
    with pytest.raises(error, match=match):
        TwoStageDetector(**{"stage2": PCADetector(n_components=2), **params}).fit(X_train)


# --- ScoreFusion -------------------------------------------------------------------------


@pytest.fixture
def fitted_pair(X_train):
    return [
        IsolationForestDetector(random_state=0).fit(X_train),
        PCADetector(n_components=2).fit(X_train),
    ]


def test_rank_fusion_averages_validation_percentiles(fitted_pair, X_new, rng):
    X_val = rng.normal(size=(200, 3))
    fusion = ScoreFusion(fitted_pair, method="rank").fit(X_val)
    expected = np.mean(
        [
            stats.percentileofscore(d.score_samples(X_val), d.score_samples(X_new), kind="weak")
            / 100
            for d in fitted_pair
        ],
        axis=0,
    )
    np.testing.assert_allclose(fusion.score_samples(X_new), expected)


def test_zscore_fusion_with_weights(fitted_pair, X_new, rng):
    X_val = rng.normal(size=(200, 3))
    fusion = ScoreFusion(fitted_pair, method="zscore", weights=[3, 1]).fit(X_val)
    z = [
        (d.score_samples(X_new) - d.score_samples(X_val).mean()) / d.score_samples(X_val).std()
        for d in fitted_pair
    ]
    np.testing.assert_allclose(fusion.score_samples(X_new), 0.75 * z[0] + 0.25 * z[1])


def test_fusion_does_not_refit_its_detectors(fitted_pair, X_new, rng):
    before = [d.score_samples(X_new) for d in fitted_pair]
    ScoreFusion(fitted_pair).fit(rng.normal(5.0, 1.0, size=(100, 3)))
    for detector, scores in zip(fitted_pair, before, strict=True):
        np.testing.assert_array_equal(detector.score_samples(X_new), scores)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"method": "mean"}, "method must be 'rank' or 'zscore'"),
        ({"weights": [1.0]}, "weights must be 2 non-negative numbers"),
        ({"weights": [0.0, 0.0]}, "not all zero"),
        ({"weights": [-1.0, 2.0]}, "non-negative"),
    ],
)
def test_fusion_rejects_bad_parameters(fitted_pair, params, match, X_new):
    with pytest.raises(ValueError, match=match):
        ScoreFusion(fitted_pair, **params).fit(X_new)


def test_fusion_needs_two_fitted_detectors(fitted_pair, X_new):
    with pytest.raises(ValueError, match="at least two fitted detectors"):
        ScoreFusion(fitted_pair[:1]).fit(X_new)
    with pytest.raises(ValueError, match="PCADetector is not fitted"):
        ScoreFusion([fitted_pair[0], PCADetector()]).fit(X_new)
    constant = ScoreFusion([fitted_pair[0], ConstantDetector().fit(X_new)], method="zscore")
    with pytest.raises(ValueError, match="constant validation scores"):
        constant.fit(X_new)
    with pytest.raises(ValueError, match="not fitted yet"):
        ScoreFusion(fitted_pair).score_samples(X_new)


@pytest.mark.parametrize(
    ("corrupt", "error", "match"),
    [
        (lambda X: np.where(X > 2.5, 1e300, X), ValueError, r"magnitude 1e\+300, above the limit"),
        (lambda X: X + 1j, TypeError, r"X is complex \(dtype complex128\)"),
    ],
)
def test_fusion_rejects_huge_and_complex_X(fitted_pair, corrupt, error, match, X_new):
    with pytest.raises(error, match=match):
        ScoreFusion(fitted_pair).fit(corrupt(X_new))
    fusion = ScoreFusion(fitted_pair).fit(X_new)
    with pytest.raises(error, match=match):
        fusion.score_samples(corrupt(X_new))


class ConstantDetector(BaseDetector):
    def _fit(self, X):
        pass

    def _score(self, X):
        return np.zeros(len(X))
