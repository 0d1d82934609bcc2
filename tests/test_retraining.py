"""adlib.drift.replay_retraining (notebook 12): the monthly retraining policies, replayed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adlib.detectors import IsolationForestDetector
from adlib.drift import POLICIES, ks_drift, psi, replay_retraining


class MeanDistance:
    """A tiny detector: the largest |z| of a row against the training mean and sd."""

    def __init__(self, log: list | None = None) -> None:
        self.log = log

    def fit(self, X):
        self.mean_, self.sd_ = X.mean(axis=0), X.std(axis=0) + 1e-9
        if self.log is not None:
            self.log.append(len(X))
        return self

    def score_samples(self, X):
        return np.abs((X - self.mean_) / self.sd_).max(axis=1)


def panel(n_entities=60, n_months=12, seed=0):
    """Rows of entities over months; a mean that creeps up from month 6; label 1 for 5 % of rows."""
    rng = np.random.default_rng(seed)
    month = np.repeat(np.arange(n_months), n_entities)
    features = rng.normal(size=(month.size, 3)) + 0.3 * np.clip(month - 6, 0, None)[:, None]
    labels = (rng.random(month.size) < 0.05).astype(int)
    features[labels == 1] += 3.0
    return features, month, labels


def reference_loop(features, month, labels, policy, make, window=3, budget=0.02, alarm=0.25):
    """The loop notebook 12 ran before it moved into adlib."""

    def train(months):
        rows = np.isin(month, months)
        model = make().fit(features[rows])
        return model, np.quantile(model.score_samples(features[rows]), 1 - budget), features[rows]

    rows = []
    model, cut, reference = train(range(window))
    retrains = 0
    for m in range(window, int(month.max()) + 1):
        this_month = month == m
        stale = policy == "retrain monthly" and m > window
        stale |= policy == "retrain on drift" and psi(reference, features[this_month]).max() > alarm
        if stale:
            model, cut, reference = train(range(m - window, m))
            retrains += 1
        alerts = model.score_samples(features[this_month]) > cut
        truth = labels[this_month]
        rows.append(
            {
                "policy": policy,
                "month": m,
                "false-alarm rate": alerts[truth == 0].mean(),
                "recall": alerts[truth == 1].mean() if truth.any() else np.nan,
                "alerts": int(alerts.sum()),
                "retrains so far": retrains,
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("policy", POLICIES)
def test_replay_matches_the_reference_loop(policy):
    features, month, labels = panel()
    got = replay_retraining(features, month, labels, policy, MeanDistance, window_months=3)
    pd.testing.assert_frame_equal(
        got, reference_loop(features, month, labels, policy, MeanDistance)
    )


def test_replay_matches_the_reference_loop_with_an_isolation_forest():
    features, month, labels = panel(n_entities=40, n_months=8)

    def make():
        return IsolationForestDetector(n_estimators=10, random_state=0)

    got = replay_retraining(features, month, labels, "retrain monthly", make, window_months=3)
    pd.testing.assert_frame_equal(
        got, reference_loop(features, month, labels, "retrain monthly", make)
    )


def test_retrain_counts_follow_the_policy():
    features, month, labels = panel()
    count = {
        policy: replay_retraining(features, month, labels, policy, MeanDistance, window_months=3)[
            "retrains so far"
        ].iloc[-1]
        for policy in POLICIES
    }
    assert count["never retrain"] == 0
    assert count["retrain monthly"] == 12 - 3 - 1  # not in the first month: the model is new
    always = replay_retraining(
        features,
        month,
        labels,
        "retrain on drift",
        MeanDistance,
        window_months=3,
        drift_alarm=lambda reference, current: True,
    )
    assert always["retrains so far"].iloc[-1] == 12 - 3


def test_a_custom_drift_alarm_sees_the_raw_rows():
    features, month, labels = panel()
    seen = []

    def alarm(reference, current):
        seen.append((reference.shape, current.shape))
        return ks_drift(reference, current).any_drift

    replay_retraining(
        features,
        month,
        labels,
        "retrain on drift",
        MeanDistance,
        window_months=3,
        drift_alarm=alarm,
    )
    assert seen[0] == ((180, 3), (60, 3))
    assert len(seen) == 12 - 3


def test_excluding_flagged_rows_trains_on_fewer_rows_and_raises_recall():
    features, month, labels = panel(n_entities=200)
    sizes_kept, sizes_all = [], []
    kept = replay_retraining(
        features,
        month,
        labels,
        "retrain monthly",
        lambda: MeanDistance(sizes_kept),
        window_months=3,
        exclude_flagged=True,
    )
    full = replay_retraining(
        features, month, labels, "retrain monthly", lambda: MeanDistance(sizes_all), window_months=3
    )
    assert sizes_kept[0] == sizes_all[0] == 600  # the first model has no earlier model to filter
    assert all(k < a for k, a in zip(sizes_kept[1:], sizes_all[1:], strict=True))
    assert kept["recall"].mean() >= full["recall"].mean()


def test_recall_is_missing_in_a_month_without_positives():
    features, month, labels = panel()
    labels = np.where(month == 5, 0, labels)
    result = replay_retraining(
        features, month, labels, "never retrain", MeanDistance, window_months=3
    )
    assert np.isnan(result.set_index("month").loc[5, "recall"])
    assert result["false-alarm rate"].notna().all()


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"policy": "retrain weekly"}, ValueError, "policy"),
        ({"make_detector": "IsolationForest"}, TypeError, "make_detector"),
        ({"month": np.zeros(3, dtype=int)}, ValueError, "month"),
        ({"month": "floats"}, ValueError, "month"),
        ({"labels": "twos"}, ValueError, "labels"),
        ({"window_months": 12}, ValueError, "window_months"),
        ({"alert_budget": 1.0}, ValueError, "alert_budget"),
        ({"drift_alarm": 0.25}, TypeError, "drift_alarm"),
        ({"exclude_flagged": 1}, TypeError, "exclude_flagged"),
    ],
)
def test_replay_refuses_bad_input(change, error, match):
    features, month, labels = panel()
    args = {
        "features": features,
        "month": month,
        "labels": labels,
        "policy": "never retrain",
        "make_detector": MeanDistance,
        "window_months": 3,
        **change,
    }
    if isinstance(args["month"], str):
        args["month"] = month.astype(float)
    if isinstance(args["labels"], str):
        args["labels"] = np.full(month.size, 2)
    with pytest.raises(error, match=match):
        replay_retraining(**args)
