"""Detectors behind one scikit-learn-style contract (see :mod:`adlib.detectors.base`).

``fit(X)``, then ``score_samples(X)`` with higher = more anomalous, then
``predict(X, threshold)`` with a fitted :mod:`adlib.thresholds` rule.
"""

from adlib.detectors.base import BaseDetector
from adlib.detectors.baselines import IQRDetector, RandomDetector, ZScoreDetector
from adlib.detectors.classical import IsolationForestDetector
from adlib.detectors.density import (
    GMMDetector,
    KDEDetector,
    MultivariateGaussian,
    PerFeatureGaussian,
)

__all__ = [
    "BaseDetector",
    "GMMDetector",
    "IQRDetector",
    "IsolationForestDetector",
    "KDEDetector",
    "MultivariateGaussian",
    "PerFeatureGaussian",
    "RandomDetector",
    "ZScoreDetector",
]
