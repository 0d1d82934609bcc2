"""The one contract every adlib detector follows (introduced in notebook 01).

scikit-learn style: constructor arguments are stored untouched (so ``get_params``,
``clone`` and grid searches work), randomness is resolved in ``fit``, learned state ends in
``_``. ``score_samples(X)`` returns one score per row where **higher means more anomalous**
(the opposite of scikit-learn's own ``score_samples``, which is higher for normal points).
Decisions are a separate step: ``predict(X, threshold)`` applies a fitted
:mod:`adlib.thresholds` rule (or a number) to the scores, so the score model and the alert
policy are chosen, validated and versioned independently.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.preprocessing import StandardScaler

from adlib._validation import as_float_matrix, check_n_features, check_real
from adlib.thresholds import Threshold


class BaseDetector(BaseEstimator):
    """Base class: subclasses implement ``_fit(X)`` and ``_score(X) -> (n,)``.

    ``min_train_rows`` is the fewest training rows the method can fit on.
    """

    min_train_rows: int = 2

    def fit(self, X: object, y: object = None) -> BaseDetector:
        """Fit on X of shape (n_samples, n_features); ``y`` is ignored (unsupervised)."""
        X = as_float_matrix(X, "X", min_rows=self.min_train_rows)
        self._fit(X)
        self.n_features_in_ = X.shape[1]
        return self

    def score_samples(self, X: object) -> np.ndarray:
        """Anomaly score of each row of X, shape (n_samples,); higher = more anomalous."""
        return np.asarray(self._score(self._check_fitted_X(X, "score_samples")), dtype=np.float64)

    def predict(self, X: object, threshold: Threshold | float) -> np.ndarray:
        """0/1 decisions for the rows of X: 1 where the score exceeds ``threshold``.

        ``threshold`` is a fitted :class:`adlib.thresholds.Threshold` or a plain number.
        """
        scores = self.score_samples(X)
        if isinstance(threshold, Threshold):
            return threshold.predict(scores)
        if isinstance(threshold, Real) and not isinstance(threshold, bool):
            return (scores > check_real(threshold, "threshold")).astype(np.int64)
        raise TypeError(
            "threshold must be a fitted adlib.thresholds.Threshold or a number, got "
            f"{type(threshold).__name__}."
        )

    def _check_fitted_X(self, X: object, method: str) -> np.ndarray:
        """Raise unless fitted; return X as a finite float matrix with the fitted features."""
        if not hasattr(self, "n_features_in_"):
            raise ValueError(
                f"This {type(self).__name__} is not fitted yet; call .fit(X_train) before "
                f".{method}(X)."
            )
        X = as_float_matrix(X, "X")
        check_n_features(X, self.n_features_in_)
        return X

    def _fit(self, X: np.ndarray) -> None:
        raise NotImplementedError

    def _score(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def fit_scaler(X: np.ndarray, enabled: bool) -> StandardScaler | None:
    """A StandardScaler fitted on training rows when ``enabled``, else None."""
    return StandardScaler().fit(X) if enabled else None


def apply_scaler(scaler: StandardScaler | None, X: np.ndarray) -> np.ndarray:
    """Transform with a scaler from :func:`fit_scaler` (identity when it is None)."""
    return X if scaler is None else scaler.transform(X)


def constant_features(X: np.ndarray) -> np.ndarray:
    """Indices of the columns of X that take a single value."""
    return np.flatnonzero(np.ptp(X, axis=0) == 0)


def reject_constant_features(X: np.ndarray, method: str) -> None:
    """Raise a ValueError naming the constant columns, which the method cannot model."""
    constant = constant_features(X)
    if constant.size:
        raise ValueError(
            f"{method} cannot model constant features: columns {constant.tolist()} take a "
            "single value in the training data (zero variance). Drop them before fitting."
        )
