"""adlib.metrics.alert_outcome (notebook 11), against scikit-learn and by hand."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score

from adlib.metrics import alert_outcome


@pytest.mark.parametrize("seed", range(5))
def test_outcome_matches_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(500) < 0.1).astype(int)
    flagged = (rng.random(500) < 0.15).astype(int)
    outcome = alert_outcome(y, flagged, false_alarm_cost=2.0, miss_cost=30.0)
    tn, fp, fn, _ = confusion_matrix(y, flagged).ravel()
    assert outcome["precision"] == pytest.approx(precision_score(y, flagged, zero_division=0))
    assert outcome["recall"] == pytest.approx(recall_score(y, flagged))
    assert outcome["F1"] == pytest.approx(f1_score(y, flagged))
    assert outcome["alert rate"] == pytest.approx(flagged.mean())
    assert outcome["false-alarm rate"] == pytest.approx(fp / (fp + tn))
    assert outcome["cost per 1k rows"] == pytest.approx(1000 * (2.0 * fp + 30.0 * fn) / 500)


def test_flagging_nothing_costs_every_miss_and_has_no_precision():
    y = np.array([0, 0, 0, 1, 1])
    outcome = alert_outcome(y, np.zeros(5, dtype=int))
    assert outcome["precision"] == outcome["recall"] == outcome["F1"] == 0.0
    assert outcome["alert rate"] == outcome["false-alarm rate"] == 0.0
    assert outcome["cost per 1k rows"] == pytest.approx(1000 * 10.0 * 2 / 5)


def test_flagging_everything_raises_every_false_alarm():
    y = np.array([0, 0, 1, 0])
    outcome = alert_outcome(y, np.ones(4, dtype=int), false_alarm_cost=1.0, miss_cost=10.0)
    assert outcome["recall"] == 1.0 and outcome["false-alarm rate"] == 1.0
    assert outcome["cost per 1k rows"] == pytest.approx(750.0)


def test_boolean_alerts_are_accepted():
    y = np.array([0, 1, 0, 1])
    assert alert_outcome(y, np.array([False, True, True, True]))["precision"] == pytest.approx(
        2 / 3
    )


@pytest.mark.parametrize(
    ("y", "flagged", "kwargs", "error", "match"),
    [
        ([1, 1], [1, 0], {}, ValueError, "no normal row"),
        ([0, 1, 0], [1, 0], {}, ValueError, "aligned"),
        ([0, 1], [2, 0], {}, ValueError, "only 0"),
        ([0, 1], [1, 0], {"miss_cost": -1.0}, ValueError, "miss_cost"),
        ([0, 1], [1, 0], {"false_alarm_cost": "1"}, TypeError, "false_alarm_cost"),
    ],
)
def test_outcome_refuses_bad_input(y, flagged, kwargs, error, match):
    with pytest.raises(error, match=match):
        alert_outcome(np.array(y), np.array(flagged), **kwargs)
