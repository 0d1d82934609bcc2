"""Classical window detectors, the baselines beside the sequence autoencoders (notebook 07).

All follow :class:`adlib.detectors.SequenceDetector`: ``X`` is (n_windows, window,
n_channels) from :func:`adlib.data.sliding_windows`, one score per window, higher = more
anomalous. A nearest-neighbour discord, PCA reconstruction error and a rolling z-score:
if an LSTM autoencoder cannot beat these on the same windows, its complexity is not earned.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

from adlib._validation import check_int
from adlib.detectors.linear import PCADetector
from adlib.detectors.sequence import SequenceDetector
from adlib.detectors.series import _FLAT_SD_FRACTION


def _z_normalize(X: np.ndarray) -> np.ndarray:
    """Each channel of each window minus its mean, over its sd; flat ones become zeros."""
    flat = np.ptp(X, axis=1, keepdims=True) == 0
    sd = np.where(flat, 1.0, X.std(axis=1, keepdims=True))
    return np.where(flat, 0.0, (X - X.mean(axis=1, keepdims=True)) / sd)


class WindowDiscordDetector(SequenceDetector):
    """Score = distance from a window to its ``n_neighbors``-th nearest training window.

    The nearest-neighbour *discord* of the matrix-profile literature, as novelty detection:
    a window unlike every normal window seen in training is far from all of them. Windows
    are flattened to window × n_channels values and compared by Euclidean distance
    (scikit-learn ``NearestNeighbors``). ``normalize=True`` first z-normalises each channel
    of each window over its steps, as matrix-profile discords do, so only the *shape*
    counts, not the level or the amplitude (a level shift or a doubled amplitude scores 0);
    a flat channel (no shape at all) becomes zeros instead of dividing by its zero sd, so two
    flat windows match exactly and a flat window is sqrt(window) away from any non-flat one
    in that channel. Sliding training windows overlap each other, which is fine for scoring
    *new* windows; but a training window finds itself (distance 0) and its one-step shifts
    nearly as close, so fit thresholds on the scores of held-out windows, never on the
    training ones. Introduced in notebook 07.
    """

    def __init__(self, n_neighbors: int = 1, normalize: bool = True) -> None:
        self.n_neighbors = n_neighbors
        self.normalize = normalize

    def _fit(self, X):
        n_neighbors = check_int(self.n_neighbors, "n_neighbors", low=1)
        if n_neighbors > X.shape[0]:
            raise ValueError(
                f"n_neighbors={n_neighbors} needs at least that many training windows, got "
                f"{X.shape[0]}; use a smaller n_neighbors or a longer training stretch."
            )
        if not isinstance(self.normalize, bool):
            raise TypeError(f"normalize must be True or False, got {self.normalize!r}.")
        self.neighbors_ = NearestNeighbors(n_neighbors=n_neighbors).fit(self._flatten(X))

    def _score(self, X):
        distances, _ = self.neighbors_.kneighbors(self._flatten(X))
        return distances[:, -1]

    def _flatten(self, X: np.ndarray) -> np.ndarray:
        return (_z_normalize(X) if self.normalize else X).reshape(X.shape[0], -1)


class WindowPCADetector(SequenceDetector):
    """PCA reconstruction error of the flattened windows (:class:`adlib.detectors.PCADetector`).

    Each window becomes one row of window × n_channels values; the score is the mean squared
    error of its reconstruction from the top ``n_components`` principal components, in
    training standard deviations when ``standardize``. The linear counterpart of the LSTM
    autoencoder of notebook 07: what a sequence model must beat to justify its non-linearity.
    """

    def __init__(self, n_components: int = 4, standardize: bool = True) -> None:
        self.n_components = n_components
        self.standardize = standardize

    def _fit(self, X):
        n_components = check_int(self.n_components, "n_components", low=1)
        n_windows, n_values = X.shape[0], X.shape[1] * X.shape[2]
        if n_components >= min(n_windows, n_values):
            raise ValueError(
                f"n_components={n_components} must be below both the {n_windows} training "
                f"windows and the {n_values} values in one window (window × n_channels); with "
                "all components nothing is left to score."
            )
        self.pca_ = PCADetector(n_components=n_components, standardize=self.standardize)
        self.pca_.fit(X.reshape(n_windows, -1))

    def _score(self, X):
        return self.pca_.score_samples(X.reshape(X.shape[0], -1))

    def reconstruction_error(self, X: object) -> np.ndarray:
        """Squared error of each step (mean over channels), shape (n_windows, window).

        The same per-step view as the neural sequence detectors give: its mean over the
        window is the score, and its last column follows the newest step only.
        """
        X = self._check_fitted_X(X, "reconstruction_error")
        errors = self.pca_.reconstruction_error(X.reshape(X.shape[0], -1))
        return errors.reshape(X.shape).mean(axis=2)


class WindowZScoreDetector(SequenceDetector):
    """Rolling z-score as a window detector: the last step against the steps before it.

    Per channel, z = |x_last − mean| / sd of the window's first window − 1 steps (population
    sd), and the score is the largest over channels. For one channel, the score of the
    window ending at step t equals ``rolling_zscore(series, window - 1)[t]`` from
    :mod:`adlib.detectors.series`. Nothing is learned but a floor for the sd of a flat
    history, 1e-6 × each channel's sd in training, which keeps scores finite. Windows need
    at least 3 steps (2 of history). Introduced in notebook 07.
    """

    def _fit(self, X):
        if X.shape[1] < 3:
            raise ValueError(
                f"WindowZScoreDetector needs windows of at least 3 steps (the last step is "
                f"compared with the mean and sd of the steps before it), got {X.shape[1]}."
            )
        values = X.reshape(-1, X.shape[2])
        constant = np.flatnonzero(np.ptp(values, axis=0) == 0)
        if constant.size:
            raise ValueError(
                f"WindowZScoreDetector cannot model constant channels: channels "
                f"{constant.tolist()} take a single value in the training windows; drop them."
            )
        self.sd_floor_ = _FLAT_SD_FRACTION * values.std(axis=0)

    def _score(self, X):
        history = X[:, :-1, :]
        sd = np.maximum(history.std(axis=1), self.sd_floor_)
        return (np.abs(X[:, -1, :] - history.mean(axis=1)) / sd).max(axis=1)
