"""Classical detectors wrapped from scikit-learn into the adlib contract (notebooks 01-02).

scikit-learn's ``score_samples`` is higher for *normal* points; these wrappers negate it,
so that the scores agree with every other adlib detector (higher = more anomalous). The
distance- and kernel-based methods (One-Class SVM, LOF) standardise features first by
default, because one unscaled feature with a large range would dominate every distance.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import LocalOutlierFactor
from sklearn.svm import OneClassSVM

from adlib._validation import _check_magnitude, check_int, check_real
from adlib.detectors.base import BaseDetector, apply_scaler, fit_scaler


def _check_float32(X: np.ndarray) -> np.ndarray:
    """Return X after checking it fits the float32 that scikit-learn's trees store it in."""
    _check_magnitude(
        X,
        "X",
        limit=float(np.finfo(np.float32).max),
        why=(
            "scikit-learn's IsolationForest stores X as float32, which turns larger values into "
            "inf. Rescale it first (change the unit or divide by a power of ten)"
        ),
    )
    return X


class IsolationForestDetector(BaseDetector):
    """Isolation Forest: anomalies are isolated by fewer random splits than normal points.

    The score is the paper's s(x) = 2^(−E[h(x)]/c(n)) in (0, 1); values near 1 are
    anomalous. Invariant to monotone rescaling of each feature, so needs no scaling; but
    scikit-learn's trees hold X as float32, so values must stay within ±3.4e38.
    """

    def __init__(
        self, n_estimators: int = 100, max_samples: int | str = "auto", random_state=None
    ) -> None:
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.random_state = random_state

    def _fit(self, X):
        check_int(self.n_estimators, "n_estimators", low=1)
        self.forest_ = IsolationForest(
            n_estimators=self.n_estimators,
            max_samples=self.max_samples,
            random_state=self.random_state,
        ).fit(_check_float32(X))

    def _score(self, X):
        return -self.forest_.score_samples(_check_float32(X))


class OneClassSVMDetector(BaseDetector):
    """One-Class SVM: a kernel boundary around the training data (notebook 02).

    The score is −Σᵢ αᵢ K(xᵢ, x), minus the kernel expansion of the SVM's decision function
    without its offset ρ (scikit-learn's ``score_samples``): always negative, higher further
    from the support, and above −ρ = ``-svm_.offset_`` outside the learned region. ``nu``
    bounds the share of training rows left outside (an upper bound on training "outliers", a
    lower bound on support vectors); ``gamma`` is the RBF width ("scale" = 1 / (n_features ·
    Var(X))). Deterministic: no random state.
    """

    def __init__(
        self,
        kernel: str = "rbf",
        nu: float = 0.1,
        gamma: float | str = "scale",
        standardize: bool = True,
    ) -> None:
        self.kernel = kernel
        self.nu = nu
        self.gamma = gamma
        self.standardize = standardize

    def _fit(self, X):
        nu = check_real(self.nu, "nu")
        if not 0 < nu <= 1:
            raise ValueError(
                f"nu must be in (0, 1], got {nu}; it is the share of training rows allowed outside."
            )
        self.scaler_ = fit_scaler(X, self.standardize)
        self.svm_ = OneClassSVM(kernel=self.kernel, nu=self.nu, gamma=self.gamma)
        self.svm_.fit(apply_scaler(self.scaler_, X))

    def _score(self, X):
        return -self.svm_.score_samples(apply_scaler(self.scaler_, X))


class LOFDetector(BaseDetector):
    """Local Outlier Factor: how much sparser a point's neighbourhood is than its neighbours'.

    The score is the LOF itself: ≈ 1 inside a cluster, well above 1 for an isolated point.
    ``score_samples`` uses scikit-learn's novelty mode (new rows are compared with the
    training rows, never with each other). The outlier-mode scores of the training rows,
    each computed without the row itself, are kept in ``training_scores_``.
    """

    def __init__(
        self, n_neighbors: int = 20, metric: str = "minkowski", standardize: bool = True
    ) -> None:
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.standardize = standardize

    def _fit(self, X):
        n_neighbors = check_int(self.n_neighbors, "n_neighbors", low=1)
        if n_neighbors >= X.shape[0]:
            raise ValueError(
                f"n_neighbors={n_neighbors} needs more than {n_neighbors} training rows, got "
                f"{X.shape[0]}; use fewer neighbours or more rows."
            )
        self.scaler_ = fit_scaler(X, self.standardize)
        self.lof_ = LocalOutlierFactor(n_neighbors=n_neighbors, metric=self.metric, novelty=True)
        self.lof_.fit(apply_scaler(self.scaler_, X))
        self.training_scores_ = np.asarray(-self.lof_.negative_outlier_factor_, dtype=np.float64)

    def _score(self, X):
        return -self.lof_.score_samples(apply_scaler(self.scaler_, X))
