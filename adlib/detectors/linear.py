"""PCA reconstruction error: the linear autoencoder, as a baseline for notebooks 03-04.

A linear autoencoder with squared loss learns the same subspace as PCA, so PCA's
reconstruction error is what an autoencoder must beat to justify its non-linearity.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

from adlib._validation import check_int
from adlib.detectors.base import BaseDetector, apply_scaler, fit_scaler


class PCADetector(BaseDetector):
    """Score = mean squared error of the reconstruction from the top ``n_components``.

    Features are standardised first (``standardize``), as in the neural detectors, so the
    score is in the same units as theirs: mean over features of the squared error in
    training standard deviations.
    """

    def __init__(self, n_components: int = 4, standardize: bool = True) -> None:
        self.n_components = n_components
        self.standardize = standardize

    def _fit(self, X):
        n_components = check_int(self.n_components, "n_components", low=1)
        if n_components >= min(X.shape):
            raise ValueError(
                f"n_components={n_components} must be below both the {X.shape[0]} rows and the "
                f"{X.shape[1]} features (with all components nothing is left to score)."
            )
        self.scaler_ = fit_scaler(X, self.standardize)
        self.pca_ = PCA(n_components=n_components, svd_solver="full")
        self.pca_.fit(apply_scaler(self.scaler_, X))

    def _score(self, X):
        return self._squared_errors(X).mean(axis=1)

    def _squared_errors(self, X: np.ndarray) -> np.ndarray:
        Z = apply_scaler(self.scaler_, X)
        return (Z - self.pca_.inverse_transform(self.pca_.transform(Z))) ** 2

    def reconstruction_error(self, X: object) -> np.ndarray:
        """Squared error per feature (standardised units), shape (n_samples, n_features).

        Its mean over features is the score; per feature it says *which* columns the
        principal subspace fails to explain.
        """
        return self._squared_errors(self._check_fitted_X(X, "reconstruction_error"))
