"""Simple baselines every results table needs beside the real detectors (notebook 01).

A detector that cannot beat per-feature z-scores, Tukey fences or random scores is not
worth its complexity; these rows make that comparison explicit.
"""

from __future__ import annotations

import numpy as np

from adlib.detectors.base import BaseDetector, reject_constant_features

# For a Gaussian, IQR = 1.349 σ: the factor that puts a fallback σ on the IQR's scale.
_IQR_PER_SIGMA = 1.349


class ZScoreDetector(BaseDetector):
    """Largest absolute z-score over features: max_j |x_j − μ_j| / σ_j (μ, σ from training)."""

    def _fit(self, X):
        reject_constant_features(X, "ZScoreDetector")
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0)

    def _score(self, X):
        return (np.abs(X - self.mean_) / self.scale_).max(axis=1)


class IQRDetector(BaseDetector):
    """Largest distance outside the box, in IQR units: max_j max(Q1_j − x_j, x_j − Q3_j) / IQR_j.

    Negative inside the box [Q1, Q3], so every point is ranked; Tukey's fence rule "outside
    [Q1 − 1.5 IQR, Q3 + 1.5 IQR] in some feature" is exactly ``score > 1.5``. A feature
    whose IQR is zero (over half its values equal, common in integer sensor data) falls
    back to 1.349 σ, the IQR of a Gaussian with that σ.
    """

    def _fit(self, X):
        reject_constant_features(X, "IQRDetector")
        self.q1_, self.q3_ = np.percentile(X, [25.0, 75.0], axis=0)
        iqr = self.q3_ - self.q1_
        self.scale_ = np.where(iqr > 0, iqr, _IQR_PER_SIGMA * X.std(axis=0))

    def _score(self, X):
        outside = np.maximum(self.q1_ - X, X - self.q3_)
        return (outside / self.scale_).max(axis=1)


class RandomDetector(BaseDetector):
    """Scores drawn uniformly at random: the floor every detector must clear.

    Its expected PR-AUC is the anomaly rate and its expected ROC-AUC is 0.5. The random
    stream is seeded from ``random_state`` at ``fit``, so repeated runs agree.
    """

    min_train_rows = 1

    def __init__(self, random_state: int | None = None) -> None:
        self.random_state = random_state

    def _fit(self, X):
        self.rng_ = np.random.default_rng(self.random_state)

    def _score(self, X):
        return self.rng_.random(X.shape[0])
