"""The threshold with the lowest total cost on labelled validation scores (notebook 11).

When a missed fraud costs a hundred times a wasted review, neither F1 nor a fixed alert
rate is the right target: the total cost is. Only the ratio of the two costs matters.
"""

from __future__ import annotations

import numpy as np

from adlib._validation import check_both_classes, check_real
from adlib.metrics._point import _threshold_below
from adlib.thresholds.rules import Threshold


class CostThreshold(Threshold):
    """Minimise ``false_alarm_cost × false alarms + miss_cost × misses`` on validation scores.

    Every cut between two distinct scores is a candidate, plus "flag nothing" and "flag
    everything"; among equally cheap cuts the one with the fewest alerts wins. Needs labels
    with both classes. After ``fit``: ``threshold_`` and ``cost_per_row_`` (the minimum
    total cost divided by the number of validation rows, in the cost unit).
    """

    def __init__(self, false_alarm_cost: float = 1.0, miss_cost: float = 10.0) -> None:
        self.false_alarm_cost = check_real(
            false_alarm_cost, "false_alarm_cost", low=0.0, inclusive=False
        )
        self.miss_cost = check_real(miss_cost, "miss_cost", low=0.0, inclusive=False)

    def _fit(self, scores, y):
        if y is None:
            raise ValueError(
                "CostThreshold needs labels: call .fit(validation_scores, y_validation)."
            )
        check_both_classes(y, "y")
        order = np.argsort(-scores, kind="stable")
        ranked, labels = scores[order], y[order]
        n = ranked.size
        # Flagging the top i rows, i = 0..n: false alarms and misses after each cut.
        false_alarms = np.r_[0, np.cumsum(1 - labels)]
        misses = labels.sum() - np.r_[0, np.cumsum(labels)]
        cost = self.false_alarm_cost * false_alarms + self.miss_cost * misses
        # A cut may only fall between distinct scores (or flag none or all).
        allowed = np.r_[True, ranked[:-1] > ranked[1:], True]
        best = int(np.flatnonzero(allowed)[np.argmin(cost[allowed])])
        self.cost_per_row_ = float(cost[best] / n)
        if best == 0:
            return float(ranked[0])
        return _threshold_below(scores, float(ranked[best - 1]))
