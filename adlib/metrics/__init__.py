"""Detection metrics for scores where higher means more anomalous.

Two families, both importable from here: point-wise metrics (``adlib.metrics._point``,
notebook 00: PR-AUC, ROC-AUC, F1 at or over thresholds, confusion counts; notebook 08:
precision at k and recall at an alert budget) that treat every
sample alike, and range-aware metrics for time series (``adlib.metrics.ranges``, notebooks
07, 09 and 11: segments, point adjustment, event-based F1, the UCR hit rule, VUS-PR, lead
times) that judge anomalies as segments in time.
"""

from adlib.metrics._point import (
    ThresholdReport,
    best_f1,
    confusion_counts,
    pr_auc,
    precision_at_k,
    precision_recall_f1,
    recall_at_budget,
    roc_auc,
)
from adlib.metrics.alerts import alert_outcome
from adlib.metrics.budget import alerts_at_budget, ranking_report
from adlib.metrics.ranges import (
    advance_warning_rate,
    anomaly_segments,
    best_event_f1,
    event_f1,
    lead_times,
    point_adjust,
    point_adjusted_f1,
    range_pr_auc,
    ucr_hit,
    vus_pr,
)

__all__ = [
    "ThresholdReport",
    "advance_warning_rate",
    "alert_outcome",
    "alerts_at_budget",
    "anomaly_segments",
    "best_event_f1",
    "best_f1",
    "confusion_counts",
    "event_f1",
    "lead_times",
    "point_adjust",
    "point_adjusted_f1",
    "pr_auc",
    "precision_at_k",
    "precision_recall_f1",
    "range_pr_auc",
    "ranking_report",
    "recall_at_budget",
    "roc_auc",
    "ucr_hit",
    "vus_pr",
]
