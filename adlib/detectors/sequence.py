"""The detector contract for windows of a time series (introduced in notebook 07).

A sequence detector scores *windows*: ``X`` has shape (n_windows, window, n_channels), as
built by :func:`adlib.data.sliding_windows` (a 2-D (n_windows, window) array is read as one
channel). ``fit(X)`` learns from windows of normal behaviour, ``score_samples(X)`` returns
one score per window (higher = more anomalous), and
:func:`adlib.data.window_scores_to_steps` turns window scores back into one score per time
step. Everything else (``predict`` with a threshold, ``get_params``, ``clone``) is inherited
from :class:`adlib.detectors.BaseDetector`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from adlib._validation import _as_numeric_array, _check_finite, _check_magnitude, _check_rows
from adlib.detectors.base import BaseDetector


def as_windows(X: object, name: str = "X", *, min_windows: int = 1) -> np.ndarray:
    """Return ``X`` as a finite float64 array of shape (n_windows, window, n_channels).

    Values must be real and at most ``adlib._validation.MAX_MAGNITUDE`` in absolute value.
    """
    array = _as_numeric_array(X, name)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3:
        raise ValueError(
            f"{name} must be 3-D with shape (n_windows, window, n_channels), got shape "
            f"{array.shape}; build windows with adlib.data.sliding_windows(series, window)."
        )
    if array.shape[1] == 0 or array.shape[2] == 0:
        raise ValueError(f"{name} has empty windows or no channels (shape {array.shape}).")
    _check_rows(array, name, min_windows)
    _check_finite(array, name)
    _check_magnitude(array, name)
    return array


class SequenceDetector(BaseDetector):
    """Base class for window detectors: subclasses implement ``_fit(X)`` and ``_score(X)``.

    ``X`` reaching them is a validated (n_windows, window, n_channels) float array. After
    ``fit``: ``window_`` (steps per window) and ``n_channels_``; ``n_features_in_`` is the
    number of values in one window (window × n_channels).
    """

    def fit(self, X: object, y: object = None) -> SequenceDetector:
        """Fit on normal windows of shape (n_windows, window, n_channels); ``y`` is ignored."""
        X = as_windows(X, "X", min_windows=self.min_train_rows)
        self._fit(X)
        self.window_, self.n_channels_ = X.shape[1], X.shape[2]
        self.n_features_in_ = X.shape[1] * X.shape[2]
        return self

    def _check_fitted_X(self, X: object, method: str) -> np.ndarray:
        if not hasattr(self, "n_features_in_"):
            raise ValueError(
                f"This {type(self).__name__} is not fitted yet; call .fit(windows_train) "
                f"before .{method}(windows)."
            )
        X = as_windows(X, "X")
        if X.shape[2] != self.n_channels_:
            raise ValueError(
                f"X has {X.shape[2]} channels but the detector was fitted on {self.n_channels_}; "
                "score a series with the same channels, in the same order, as the training one."
            )
        if X.shape[1] != self.window_:
            raise ValueError(
                f"X has windows of {X.shape[1]} steps but the detector was fitted on windows of "
                f"{self.window_}; build the scoring windows with the same window length."
            )
        return X


class FlattenedWindowDetector(SequenceDetector):
    """Any tabular adlib detector on windows, each flattened to one row of window × n_channels.

    The way TSB-AD runs Isolation Forest, or a tabular GAN such as SAE-GAN, on a series:
    a window becomes a point in window × n_channels dimensions and the tabular detector
    scores it. ``detector`` is an unfitted :class:`adlib.detectors.BaseDetector`; it is cloned
    at fit, so the one passed in is never changed. After ``fit``: ``detector_``, the fitted
    clone, and ``model_``, the clone's torch module when it has one (to count its weights).
    """

    def __init__(self, detector: BaseDetector) -> None:
        self.detector = detector

    def _fit(self, X):
        if not isinstance(self.detector, BaseDetector) or isinstance(
            self.detector, SequenceDetector
        ):
            raise TypeError(
                "detector must be an unfitted tabular adlib detector (a BaseDetector that is not "
                f"a SequenceDetector), got {type(self.detector).__name__}."
            )
        self.detector_ = clone(self.detector).fit(X.reshape(X.shape[0], -1))
        if hasattr(self.detector_, "model_"):
            self.model_ = self.detector_.model_

    def _score(self, X):
        return self.detector_.score_samples(X.reshape(X.shape[0], -1))
