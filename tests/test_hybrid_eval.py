"""The pass-rate sweep and the baselines of notebook 10 (adlib.hybrid_eval)."""

from __future__ import annotations

import numpy as np
import pytest

from adlib import metrics
from adlib.data import novelty_split
from adlib.detectors import (
    IsolationForestDetector,
    PCADetector,
    ScoreFusion,
    TwoStageDetector,
    ZScoreDetector,
)
from adlib.hybrid_eval import (
    ROWS_PER_COST,
    baseline_rows,
    pass_rate_sweep,
    repeated_timings,
    timed_scores,
)


@pytest.fixture(scope="module")
def split():
    rng = np.random.default_rng(0)
    normal = rng.normal(size=(600, 4))
    anomalies = rng.normal(loc=3.0, size=(60, 4))
    X = np.vstack([normal, anomalies])
    y = np.r_[np.zeros(600, dtype=int), np.ones(60, dtype=int)]
    return novelty_split(X, y, seed=0)


@pytest.fixture(scope="module")
def hybrid(split):
    stage1 = IsolationForestDetector(n_estimators=30, random_state=0)
    return TwoStageDetector(stage1, PCADetector(n_components=2), pass_rate=1.0).fit(split.X_train)


def test_timed_scores_returns_the_detectors_scores_and_a_cost_per_100k_rows(hybrid, split):
    scores, seconds = timed_scores(hybrid.stage1_, split.X_test)
    assert np.array_equal(scores, hybrid.stage1_.score_samples(split.X_test))
    assert ROWS_PER_COST == 100_000
    assert 0 < seconds < 60


def test_sweep_rows_match_a_hand_run_at_each_rate(hybrid, split):
    rates = (0.05, 0.2, 1.0)
    rows = pass_rate_sweep(hybrid, split, rates)
    assert [row["pass rate"] for row in rows] == list(rates)
    assert list(rows[0]) == [
        "detector",
        "pass rate",
        "val PR-AUC",
        "PR-AUC",
        "s per 100k rows",
        "share reaching stage 2",
    ]
    for rate, row in zip(rates, rows, strict=True):
        detector = hybrid.at_pass_rate(rate)
        test_scores = detector.score_samples(split.X_test)
        assert row["detector"] == "two-stage"
        assert row["PR-AUC"] == metrics.pr_auc(split.y_test, test_scores)
        assert row["share reaching stage 2"] == detector.last_pass_share_  # of the test rows
        val_scores = detector.score_samples(split.X_val)
        assert row["val PR-AUC"] == metrics.pr_auc(split.y_val, val_scores)
    assert rows[-1]["share reaching stage 2"] == 1.0
    # the test rows hold anomalies, so more than the pass rate of them passes the training cut
    assert rows[0]["share reaching stage 2"] > 0.05


def test_sweep_refits_nothing(hybrid, split):
    forest = hybrid.stage1_
    pass_rate_sweep(hybrid, split, (0.1,))
    assert hybrid.stage1_ is forest and hybrid.pass_rate == 1.0


def test_baseline_rows_pair_the_stages_their_fusions_and_random_scores(hybrid, split):
    rows = baseline_rows(hybrid, split, seed=3, stage_names=("forest", "PCA"))
    names = [row["detector"] for row in rows]
    assert names == ["forest alone", "PCA alone", "fusion (rank)", "fusion (zscore)", "random"]
    by_name = {row["detector"]: row for row in rows}
    forest = hybrid.stage1_.score_samples(split.X_test)
    assert by_name["forest alone"]["PR-AUC"] == metrics.pr_auc(split.y_test, forest)
    fusion = ScoreFusion([hybrid.stage1_, hybrid.stage2_], method="rank")
    fusion.fit(split.X_val[split.y_val == 0])
    fused = fusion.score_samples(split.X_test)
    assert by_name["fusion (rank)"]["PR-AUC"] == metrics.pr_auc(split.y_test, fused)
    val_fused = fusion.score_samples(split.X_val)
    assert by_name["fusion (rank)"]["val PR-AUC"] == metrics.pr_auc(split.y_val, val_fused)
    noise = np.random.default_rng(3).random(len(split.y_test))
    assert by_name["random"] == {
        "detector": "random",
        "PR-AUC": metrics.pr_auc(split.y_test, noise),
    }
    assert all("s per 100k rows" in row for row in rows[:-1])


def test_repeated_timings_give_one_time_per_repeat_and_detector(hybrid, split):
    detectors = {"forest": hybrid.stage1_, "PCA": hybrid.stage2_}
    times = repeated_timings(detectors, split.X_test, repeats=3)
    assert list(times) == ["forest", "PCA"]
    assert all(t.shape == (3,) and (t > 0).all() for t in times.values())
    with pytest.raises(ValueError, match="repeats"):
        repeated_timings(detectors, split.X_test, repeats=1)
    with pytest.raises(TypeError, match="mapping"):
        repeated_timings({}, split.X_test, repeats=2)


def test_one_fusion_method_only(hybrid, split):
    rows = baseline_rows(hybrid, split, seed=0, fusion_methods=("rank",))
    assert [row["detector"] for row in rows][2:] == ["fusion (rank)", "random"]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda h, s: pass_rate_sweep(ZScoreDetector(), s, (0.1,)), TypeError, "TwoStageDetector"),
        (lambda h, s: pass_rate_sweep(TwoStageDetector(), s, (0.1,)), ValueError, "not fitted"),
        (lambda h, s: pass_rate_sweep(h, s.X_test, (0.1,)), TypeError, "Split"),
        (lambda h, s: pass_rate_sweep(h, s, 0.1), TypeError, "sequence"),
        (lambda h, s: pass_rate_sweep(h, s, ()), TypeError, "non-empty"),
        (lambda h, s: pass_rate_sweep(h, s, (0.0,)), ValueError, "pass_rate"),
        (lambda h, s: baseline_rows(h, s, seed=-1), ValueError, "seed"),
        (lambda h, s: baseline_rows(h, s, seed=0, stage_names=("a",)), ValueError, "two"),
        (lambda h, s: baseline_rows(h, s, seed=0, fusion_methods=("mean",)), ValueError, "rank"),
        (lambda h, s: timed_scores("forest", s.X_test), TypeError, "adlib detector"),
        (lambda h, s: timed_scores(h, s.X_test[:, 0]), ValueError, "2-D"),
    ],
)
def test_bad_input_is_refused_with_a_message(hybrid, split, call, error, match):
    with pytest.raises(error, match=match):
        call(hybrid, split)
