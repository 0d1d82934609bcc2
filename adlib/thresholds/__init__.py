"""Rules that turn anomaly scores into decisions, each fitted on non-test scores.

Every rule is an object: ``fit(scores, y=None)`` learns ``threshold_`` from validation (or
training) scores and ``predict(scores)`` flags ``score > threshold_`` as 1. Fitting on the
scores you then evaluate is leakage: the reported alert rate or F1 becomes a property of
the fit, not a measurement. Three families:

- :mod:`adlib.thresholds.rules` (notebook 01): percentile, k-sigma, IQR, a false-positive
  target, the F1-optimal threshold and a precision target on labelled validation scores;
- :mod:`adlib.thresholds.cost` (notebook 11): the threshold with the lowest total cost,
  given what a false alarm and a miss each cost;
- :mod:`adlib.thresholds.pot` (notebook 11): extreme-value thresholds, peaks over threshold
  (POT) with a generalised Pareto tail, and its streaming form SPOT.
"""

from adlib.thresholds.cost import CostThreshold
from adlib.thresholds.pot import SPOT, POTThreshold, gpd_tail_quantile
from adlib.thresholds.rules import (
    F1OptimalThreshold,
    FPRThreshold,
    IQRThreshold,
    KSigmaThreshold,
    PercentileThreshold,
    PrecisionTargetThreshold,
    Threshold,
)

__all__ = [
    "SPOT",
    "CostThreshold",
    "F1OptimalThreshold",
    "FPRThreshold",
    "IQRThreshold",
    "KSigmaThreshold",
    "POTThreshold",
    "PercentileThreshold",
    "PrecisionTargetThreshold",
    "Threshold",
    "gpd_tail_quantile",
]
