"""The input contract of a deployed detector, fitted on its training rows."""

from __future__ import annotations

import numpy as np

from adlib._validation import as_float_matrix, check_real


class InputError(ValueError):
    """A batch broke the input contract; ``problems`` lists every broken rule, in words."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("input rejected, nothing was scored: " + "; ".join(problems))


class InputSchema:
    """Feature count, numeric dtype, finiteness and per-feature ranges, learned from training.

    ``fit(X)`` records the number of features and each feature's training range; a value
    outside ``[min − margin · span, max + margin · span]`` (span = max − min) is out of
    range. ``validate(X)`` returns X as float64 of shape (n, n_features) or raises an
    :class:`InputError` naming every problem (wrong shape, non-numeric values, NaN or inf,
    out-of-range values with their rows and features), so a broken feed is caught before
    it is scored rather than turned into confident nonsense.
    """

    def __init__(self, margin: float = 0.5) -> None:
        self.margin = check_real(margin, "margin", low=0.0)

    def fit(self, X: object) -> InputSchema:
        """Learn the contract from training rows X, shape (n_samples, n_features)."""
        X = as_float_matrix(X, "X")
        self.n_features_ = X.shape[1]
        low, high = X.min(axis=0), X.max(axis=0)
        span = high - low
        self.low_, self.high_ = low - self.margin * span, high + self.margin * span
        return self

    def validate(self, X: object) -> np.ndarray:
        """X as float64 (n, n_features) when it meets the contract; else an InputError."""
        if not hasattr(self, "n_features_"):
            raise ValueError("This InputSchema is not fitted yet; call .fit(X_train) first.")
        array = np.asarray(X)
        if array.ndim == 1 and array.size == self.n_features_:
            array = array.reshape(1, -1)
        if array.ndim != 2 or array.shape[1] != self.n_features_:
            shape = array.shape
            raise InputError([f"expected rows of {self.n_features_} features, got shape {shape}"])
        if array.shape[0] == 0:
            raise InputError(["the batch is empty"])
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise InputError([f"values must be numbers, got dtype {array.dtype}"])
        if np.iscomplexobj(array):
            lost = "the imaginary part would be lost"
            raise InputError([f"values must be real numbers, got {array.dtype}: {lost}"])
        values = array.astype(np.float64)
        problems = []
        bad = ~np.isfinite(values)
        if bad.any():
            rows, cols = np.nonzero(bad)
            problems.append(
                f"{bad.sum()} NaN or inf values (first at row {rows[0]}, feature {cols[0]})"
            )
        outside = np.isfinite(values) & ((values < self.low_) | (values > self.high_))
        if outside.any():
            features = np.unique(np.nonzero(outside)[1]).tolist()
            problems.append(
                f"{outside.sum()} values outside the training range in features {features} "
                f"(rows {np.unique(np.nonzero(outside)[0])[:5].tolist()}...)"
            )
        if problems:
            raise InputError(problems)
        return values

    def to_dict(self) -> dict:
        """The fitted contract as plain JSON-ready values."""
        return {
            "margin": self.margin,
            "n_features": int(self.n_features_),
            "low": self.low_.tolist(),
            "high": self.high_.tolist(),
        }

    @classmethod
    def from_dict(cls, fields: dict) -> InputSchema:
        """Rebuild a fitted schema from :meth:`to_dict`'s output."""
        schema = cls(margin=fields["margin"])
        schema.n_features_ = int(fields["n_features"])
        schema.low_, schema.high_ = np.asarray(fields["low"]), np.asarray(fields["high"])
        return schema
