"""Detectors behind one scikit-learn-style contract (see :mod:`adlib.detectors.base`).

``fit(X)``, then ``score_samples(X)`` with higher = more anomalous, then
``predict(X, threshold)`` with a fitted :mod:`adlib.thresholds` rule.
"""

from adlib.detectors.base import BaseDetector
from adlib.detectors.baselines import IQRDetector, RandomDetector, ZScoreDetector
from adlib.detectors.classical import IsolationForestDetector, LOFDetector, OneClassSVMDetector
from adlib.detectors.density import (
    GMMDetector,
    KDEDetector,
    MultivariateGaussian,
    PerFeatureGaussian,
)
from adlib.detectors.linear import PCADetector
from adlib.detectors.neural import (
    AutoencoderDetector,
    DenoisingAutoencoderDetector,
    GANomalyDetector,
    NeuralDetector,
    ResidualAutoencoderDetector,
    VAEDetector,
)

__all__ = [
    "AutoencoderDetector",
    "BaseDetector",
    "DenoisingAutoencoderDetector",
    "GANomalyDetector",
    "GMMDetector",
    "IQRDetector",
    "IsolationForestDetector",
    "KDEDetector",
    "LOFDetector",
    "MultivariateGaussian",
    "NeuralDetector",
    "OneClassSVMDetector",
    "PCADetector",
    "PerFeatureGaussian",
    "RandomDetector",
    "ResidualAutoencoderDetector",
    "VAEDetector",
    "ZScoreDetector",
]
