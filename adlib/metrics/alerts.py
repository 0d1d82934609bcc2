"""What a set of 0/1 alerts does, in the units an alert desk cares about (notebook 11).

A threshold rule turns scores into alerts; judging the rule needs more than F1: how many
rows it alerts on, how many normal rows it bothers, and what its mistakes cost when a miss
and a false alarm have different prices.
"""

from __future__ import annotations

from adlib._validation import as_binary_labels, check_real
from adlib.metrics._point import confusion_counts, precision_recall_f1


def alert_outcome(
    y_true: object, flagged: object, *, false_alarm_cost: float = 1.0, miss_cost: float = 10.0
) -> dict[str, float]:
    """Precision, recall, F1, alert rate, false-alarm rate and cost per 1,000 rows of 0/1 alerts.

    ``y_true`` and ``flagged`` are 0/1 arrays of shape (n,) (1 = anomaly, 1 = alert). The
    alert rate is the share of all rows flagged; the false-alarm rate the share of normal
    rows flagged, FP / (FP + TN); the cost per 1,000 rows is 1000 · (``false_alarm_cost`` ·
    FP + ``miss_cost`` · FN) / n, in whatever unit the two prices share. Precision, recall
    and F1 are 0 where undefined, as in :func:`precision_recall_f1`. Notebook 11 measures
    every threshold rule with it on test rows. Raises a ValueError when ``y_true`` holds no
    normal row (the false-alarm rate would be undefined).
    """
    y = as_binary_labels(y_true, "y_true")
    flags = as_binary_labels(flagged, "flagged", n=y.shape[0])
    false_alarm_cost = check_real(false_alarm_cost, "false_alarm_cost", low=0.0)
    miss_cost = check_real(miss_cost, "miss_cost", low=0.0)
    if not (y == 0).any():
        raise ValueError(
            "y_true holds no normal row, so the false-alarm rate is undefined; "
            "measure alerts on data with normal rows."
        )
    report = precision_recall_f1(y, flags, 0.5)
    counts = confusion_counts(y, flags)
    return {
        "precision": report.precision,
        "recall": report.recall,
        "F1": report.f1,
        "alert rate": flags.mean(),
        "false-alarm rate": counts["fp"] / (counts["fp"] + counts["tn"]),
        "cost per 1k rows": 1000
        * (false_alarm_cost * counts["fp"] + miss_cost * counts["fn"])
        / len(y),
    }
