"""Density-based detectors: score = −log p(x) under a model of normal data (notebook 01).

The classic recipe flags x when p(x) < ε. Working with −log p(x) (in nats) instead of p(x)
avoids underflow in many dimensions and keeps "higher = more anomalous"; the rule p(x) < ε
is the rule score > −log ε. The two Gaussians are written out because the notebook teaches
them; KDE and the Gaussian mixture wrap scikit-learn.
"""

from __future__ import annotations

import numpy as np
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity

from adlib._validation import check_int, check_real
from adlib.detectors.base import (
    BaseDetector,
    apply_scaler,
    fit_scaler,
    reject_constant_features,
)

_LOG_2PI = float(np.log(2 * np.pi))
# Share of a feature's variance left unexplained by the others below which Σ is singular.
_COLLINEAR_TOL = 1e-10


class PerFeatureGaussian(BaseDetector):
    """Independent Gaussian per feature: p(x) = ∏_j N(x_j; μ_j, σ_j²), fitted by MLE.

    Ignores correlations between features, so an anomaly that is unusual only in the
    *combination* of two normal-looking values goes unnoticed. μ and σ² are the
    maximum-likelihood estimates (σ² divides by n).
    """

    def _fit(self, X):
        reject_constant_features(X, "PerFeatureGaussian")
        self.mean_ = X.mean(axis=0)
        self.var_ = X.var(axis=0)

    def _score(self, X):
        return -self._log_density(X)

    def log_density(self, X: np.ndarray) -> np.ndarray:
        """log p(x) for each row, shape (n_samples,), in nats."""
        return self._log_density(self._check_fitted_X(X, "log_density"))

    def _log_density(self, X: np.ndarray) -> np.ndarray:
        z2 = (X - self.mean_) ** 2 / self.var_
        return -0.5 * (z2 + np.log(self.var_) + _LOG_2PI).sum(axis=1)


class MultivariateGaussian(BaseDetector):
    """One Gaussian with a full covariance: score = −log N(x; μ, Σ).

    Up to constants this is half the squared Mahalanobis distance, so it sees correlated
    features. ``reg_covar`` is added to the diagonal of Σ (as scikit-learn's GaussianMixture
    does) so that nearly collinear features do not make Σ singular.
    """

    def __init__(self, reg_covar: float = 1e-6) -> None:
        self.reg_covar = reg_covar

    def _fit(self, X):
        reg = check_real(self.reg_covar, "reg_covar", low=0.0)
        reject_constant_features(X, "MultivariateGaussian")
        if X.shape[0] <= X.shape[1] and reg == 0:
            raise ValueError(
                f"{X.shape[0]} rows cannot estimate a full covariance of {X.shape[1]} "
                "features; use more rows or a positive reg_covar."
            )
        self.mean_ = X.mean(axis=0)
        centred = X - self.mean_
        self.covariance_ = centred.T @ centred / X.shape[0] + reg * np.eye(X.shape[1])
        try:
            self._cholesky = np.linalg.cholesky(self.covariance_)
        except np.linalg.LinAlgError:
            self._cholesky = None
        # An exactly collinear feature rarely makes the factorisation fail: rounding leaves
        # a tiny positive pivot instead. Without regularisation, treat a feature whose
        # variance is (almost) entirely explained by the previous ones as singular too.
        if self._cholesky is None or (
            reg == 0
            and (np.diag(self._cholesky) ** 2 / np.diag(self.covariance_)).min() < _COLLINEAR_TOL
        ):
            raise ValueError(
                "the covariance matrix is singular (features are collinear); increase "
                "reg_covar or drop redundant features."
            )

    def _score(self, X):
        return -self._log_density(X)

    def mahalanobis(self, X: np.ndarray) -> np.ndarray:
        """Mahalanobis distance of each row to the mean, shape (n_samples,)."""
        return self._mahalanobis(self._check_fitted_X(X, "mahalanobis"))

    def log_density(self, X: np.ndarray) -> np.ndarray:
        """log N(x; μ, Σ) for each row, shape (n_samples,), in nats."""
        return self._log_density(self._check_fitted_X(X, "log_density"))

    def _mahalanobis(self, X: np.ndarray) -> np.ndarray:
        solved = np.linalg.solve(self._cholesky, (X - self.mean_).T)
        return np.sqrt((solved**2).sum(axis=0))

    def _log_density(self, X: np.ndarray) -> np.ndarray:
        log_det = 2.0 * np.log(np.diag(self._cholesky)).sum()
        d = X.shape[1]
        return -0.5 * (self._mahalanobis(X) ** 2 + log_det + d * _LOG_2PI)


class KDEDetector(BaseDetector):
    """Kernel density estimate (scikit-learn ``KernelDensity``); score = −log p̂(x).

    Non-parametric: no shape is assumed, but the bandwidth matters and the cost of
    scoring grows with the number of training rows. Features are standardised first
    (``standardize``) because one bandwidth is shared by every feature.
    """

    def __init__(
        self, bandwidth: float | str = "scott", kernel: str = "gaussian", standardize: bool = True
    ) -> None:
        self.bandwidth = bandwidth
        self.kernel = kernel
        self.standardize = standardize

    def _fit(self, X):
        if not isinstance(self.bandwidth, str):
            check_real(self.bandwidth, "bandwidth", low=0.0, inclusive=False)
        elif self.bandwidth not in ("scott", "silverman"):
            raise ValueError(
                f"bandwidth must be a positive number, 'scott' or 'silverman', got "
                f"{self.bandwidth!r}."
            )
        self.scaler_ = fit_scaler(X, self.standardize)
        self.kde_ = KernelDensity(bandwidth=self.bandwidth, kernel=self.kernel)
        self.kde_.fit(apply_scaler(self.scaler_, X))

    def _score(self, X):
        return -self.kde_.score_samples(apply_scaler(self.scaler_, X))


class GMMDetector(BaseDetector):
    """Gaussian mixture (scikit-learn ``GaussianMixture``); score = −log p(x).

    Several Gaussians can follow normal data that has clusters (operating modes) where a
    single Gaussian would put density in the empty space between them.
    """

    def __init__(
        self,
        n_components: int = 2,
        covariance_type: str = "full",
        reg_covar: float = 1e-6,
        standardize: bool = True,
        random_state: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.standardize = standardize
        self.random_state = random_state

    def _fit(self, X):
        n_components = check_int(self.n_components, "n_components", low=1)
        if n_components > X.shape[0]:
            raise ValueError(
                f"n_components={n_components} exceeds the {X.shape[0]} training rows; "
                "use fewer components."
            )
        self.scaler_ = fit_scaler(X, self.standardize)
        self.gmm_ = GaussianMixture(
            n_components=n_components,
            covariance_type=self.covariance_type,
            reg_covar=self.reg_covar,
            random_state=self.random_state,
        ).fit(apply_scaler(self.scaler_, X))

    def _score(self, X):
        return -self.gmm_.score_samples(apply_scaler(self.scaler_, X))
