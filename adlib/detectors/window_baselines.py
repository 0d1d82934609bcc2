"""The simple window baselines that lead the TSB-AD benchmark (Liu & Paparrizos, NeurIPS 2024).

On 350 univariate series scored by VUS-PR, TSB-AD ranks Sub-PCA, KShapeAD, KMeansAD and the
matrix-profile discord above every deep detector it tests. These three follow
:class:`adlib.detectors.SequenceDetector` (``X`` of shape (n_windows, window, n_channels),
one score per window, higher = more anomalous) and are fitted on anomaly-free training
windows only (novelty detection), like every other detector of the walk; TSB-AD fits its
unsupervised ones on the test series itself. They sit beside
:class:`adlib.detectors.WindowPCADetector` and :class:`adlib.detectors.WindowDiscordDetector`
of notebook 07.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA

from adlib._validation import check_int
from adlib.detectors.base import apply_scaler, fit_scaler
from adlib.detectors.sequence import SequenceDetector
from adlib.detectors.windows import _z_normalize

#: k-means restarts (k-means++ seeds) per fit: one, as TSB-AD's scikit-learn default.
KMEANS_N_INIT = 1
#: Shortest window stumpy accepts: below 3 steps every z-normalised window looks alike.
MIN_MATRIX_PROFILE_WINDOW = 3


def _require_fitted(detector: SequenceDetector) -> None:
    if not hasattr(detector, "n_features_in_"):
        raise ValueError(
            f"This {type(detector).__name__} is not fitted yet; call .fit(windows_train) "
            "before .n_parameters()."
        )


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
    return value


class KMeansWindowDetector(SequenceDetector):
    """KMeansAD: score = Euclidean distance from a window to its nearest k-means centroid.

    Windows are flattened to window × n_channels values (each channel of each window first
    z-normalised over its steps when ``normalize``, so only the shape counts; a flat channel
    becomes zeros, as in :class:`adlib.detectors.WindowDiscordDetector`) and clustered into
    ``n_clusters`` centroids by scikit-learn ``KMeans`` (k-means++ seeding from
    ``random_state``, ``KMEANS_N_INIT`` restart, Lloyd iterations). A normal window lies near
    one of the recurring shapes; an anomalous one lies far from all of them. Unlike the
    nearest-neighbour discord, it keeps only ``n_clusters`` prototypes, so scoring costs
    O(n_clusters) distances per window instead of one per training window. TSB-AD's KMeansAD
    (adapted from TimeEval) clusters the raw windows, i.e. ``normalize=False``, with 10-40
    clusters. ``n_parameters()`` counts the centroids: n_clusters × window × n_channels.
    """

    def __init__(
        self, n_clusters: int = 10, normalize: bool = True, random_state: int | None = None
    ) -> None:
        self.n_clusters = n_clusters
        self.normalize = normalize
        self.random_state = random_state

    def _fit(self, X):
        n_clusters = check_int(self.n_clusters, "n_clusters", low=1)
        _check_bool(self.normalize, "normalize")
        rows = self._flatten(X)
        n_distinct = np.unique(rows, axis=0).shape[0]
        if n_clusters > n_distinct:
            raise ValueError(
                f"n_clusters={n_clusters} needs at least that many distinct training windows, "
                f"got {n_distinct} (after z-normalisation when normalize=True; a constant "
                "series has one); use fewer clusters or a longer, non-constant training stretch."
            )
        self.kmeans_ = KMeans(
            n_clusters=n_clusters, n_init=KMEANS_N_INIT, random_state=self.random_state
        ).fit(rows)

    def _score(self, X):
        return self.kmeans_.transform(self._flatten(X)).min(axis=1)

    def n_parameters(self) -> int:
        """Learned numbers: the centroids, n_clusters × window × n_channels."""
        _require_fitted(self)
        return int(self.kmeans_.cluster_centers_.size)

    def _flatten(self, X: np.ndarray) -> np.ndarray:
        return (_z_normalize(X) if self.normalize else X).reshape(X.shape[0], -1)


class SubPCADetector(SequenceDetector):
    """TSB-AD's Sub-PCA: PyOD's weighted PCA score on the flattened windows.

    Each window becomes one row z of window × n_channels values, standardised per value
    (``standardize``); PCA on the training rows gives unit eigenvectors v_j and explained
    variance ratios r_j, and the score is s(z) = Σ_j ‖z − v_j‖₂ / r_j over the top
    ``n_components`` components (None: all, TSB-AD's best setting), with r_j = 1 when not
    ``weighted``. This is PyOD's ``PCA.decision_function`` (Shyu et al. 2003 in its
    docstring), which TSB-AD runs on sliding windows. It differs from
    :class:`adlib.detectors.WindowPCADetector` twice over: that one scores the residual
    left *after* projecting onto the top components (mean squared reconstruction error);
    this one sums, over *all* components, the distance from z to each eigenvector taken as
    a point, with the low-variance components weighted most (1 / r_j). ‖z − v_j‖² =
    ‖z‖² − 2 z·v_j + 1, so the score grows with the window's standardised norm and depends
    on the sign of each v_j (scikit-learn's ``svd_flip`` convention fixes it); it is not
    the textbook squared distance to the hyperplane Σ_j (z·v_j)² / λ_j. Components of zero
    variance (training windows of lower rank than window × n_channels, e.g. a noise-free
    sine) are dropped, since 1/0 is undefined: those whose singular value is at most
    max(n_windows, n_values) × machine epsilon × the largest one, numpy's rank tolerance.
    ``n_parameters()`` counts the kept eigenvectors and weights and the scaler's mean and sd.
    """

    def __init__(
        self, n_components: int | None = None, weighted: bool = True, standardize: bool = True
    ) -> None:
        self.n_components = n_components
        self.weighted = weighted
        self.standardize = standardize

    def _fit(self, X):
        rows = X.reshape(X.shape[0], -1)
        n_max = min(rows.shape)
        n_components = (
            n_max
            if self.n_components is None
            else check_int(self.n_components, "n_components", low=1, high=n_max)
        )
        weighted = _check_bool(self.weighted, "weighted")
        _check_bool(self.standardize, "standardize")
        if not np.ptp(rows, axis=0).any():
            raise ValueError(
                "The training windows are all identical (zero variance in every direction), "
                "so PCA finds no component; fit on a non-constant training stretch."
            )
        self.scaler_ = fit_scaler(rows, self.standardize)
        pca = PCA(n_components=n_components, svd_solver="full").fit(
            apply_scaler(self.scaler_, rows)
        )
        singular = pca.singular_values_
        kept = singular > singular[0] * max(rows.shape) * np.finfo(np.float64).eps
        self.components_ = pca.components_[kept]
        ratios = pca.explained_variance_ratio_[kept]
        self.weights_ = ratios if weighted else np.ones_like(ratios)

    def _score(self, X):
        Z = apply_scaler(self.scaler_, X.reshape(X.shape[0], -1))
        distances = np.sqrt(
            np.maximum((Z**2).sum(axis=1, keepdims=True) - 2 * Z @ self.components_.T + 1.0, 0.0)
        )
        return (distances / self.weights_).sum(axis=1)

    def n_parameters(self) -> int:
        """Learned numbers: kept eigenvectors and their weights, plus mean and sd per value."""
        _require_fitted(self)
        scaler = 0 if self.scaler_ is None else 2 * self.n_features_in_
        return int(self.components_.size + self.weights_.size + scaler)


class MatrixProfileDetector(SequenceDetector):
    """Matrix-profile discord (Yeh et al. 2016) as novelty detection, computed by stumpy.

    The score of a window is its z-normalised Euclidean distance to the nearest training
    window, d(a, b) = ‖ẑ(a) − ẑ(b)‖₂ with ẑ a window minus its mean over its sd (a flat
    window becomes zeros: two flat windows are 0 apart, a flat and a non-flat one
    sqrt(window)). stumpy's AB-join ``stumpy.stump(T_A=test, m=window, T_B=train,
    ignore_trivial=False)`` computes it for every window of a test series at once, in
    O(n_test × n_train) time and O(n) memory, without a window matrix: the matrix profile
    of the test series joined with the training one. So the windows in ``X`` are turned
    back into series: ``X`` is split into runs of consecutive stride-1 windows (each one
    the previous one shifted by one step, as :func:`adlib.data.sliding_windows` builds
    them), each run becomes the stretch of series it covers, and the stretches are joined
    with one NaN step between them, which stumpy gives an infinite distance, so no window
    across a seam is ever a match or a score. Windows need not be consecutive, but each
    isolated window costs window + 1 steps of series instead of one. After ``fit``:
    ``train_series_``, (n_steps, n_channels), the training stretches so joined. Several
    channels: each is joined on its own and the score is sqrt(Σ_c d_c²), d_c that channel's
    own nearest-neighbour distance. For one channel this equals
    :class:`adlib.detectors.WindowDiscordDetector` (normalize=True, n_neighbors=1); for
    several it is a lower bound of that joint distance, since each channel may match a
    different training window. Nothing is learned (``n_parameters()`` is 0). Windows need
    at least ``MIN_MATRIX_PROFILE_WINDOW`` steps. Cost: stumpy's numba code compiles on its
    first call in each Python process, about 30 s of CPU time (over a minute of wall time
    on a busy 2-core machine), and stumpy's import takes a few seconds, so it is imported
    only here; after that, scoring 5,000 steps against 5,000 training steps (window 100)
    takes about 0.2 s on one core. Warm it up before timing a fit. A training window finds
    itself at distance 0, so fit thresholds on held-out windows.
    """

    def _fit(self, X):
        if X.shape[1] < MIN_MATRIX_PROFILE_WINDOW:
            raise ValueError(
                f"MatrixProfileDetector needs windows of at least {MIN_MATRIX_PROFILE_WINDOW} "
                f"steps (stumpy refuses shorter ones: below 3 steps every z-normalised window "
                f"is alike), got {X.shape[1]}; use a longer window."
            )
        self.train_series_, _ = _joined_series(X)

    def _score(self, X):
        series, starts = _joined_series(X)
        squared = np.zeros(starts.shape[0])
        for channel in range(X.shape[2]):
            profile = _ab_join(series[:, channel], self.train_series_[:, channel], X.shape[1])
            squared += profile[starts] ** 2
        return np.sqrt(squared)

    def n_parameters(self) -> int:
        """Learned numbers: none (the training series is stored, not fitted)."""
        _require_fitted(self)
        return 0


def _ab_join(test: np.ndarray, train: np.ndarray, window: int) -> np.ndarray:
    """Distance from each window of ``test`` to its nearest window of ``train`` (stumpy).

    A test series identical to the training one is its own match everywhere (all zeros):
    returned directly, as stumpy would warn that an AB-join of equal arrays is a self-join.
    """
    if test.shape == train.shape and np.array_equal(test, train, equal_nan=True):
        return np.zeros(test.shape[0] - window + 1)
    import stumpy  # imported here: importing it takes seconds, and only this detector needs it

    profile = stumpy.stump(
        T_A=np.ascontiguousarray(test),
        m=window,
        T_B=np.ascontiguousarray(train),
        ignore_trivial=False,
    )
    return profile[:, 0].astype(np.float64)


def _joined_series(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The runs of ``X`` as one series with a NaN step between them, and where its windows start.

    Returns the (n_steps, n_channels) series and, for each window of ``X`` in order, the
    index of its first step in that series.
    """
    window = X.shape[1]
    gap = np.full((1, X.shape[2]), np.nan)
    pieces, starts, offset = [], [], 0
    for run in _window_runs_to_series(X):
        starts.append(offset + np.arange(run.shape[0] - window + 1))
        pieces += [run, gap]
        offset += run.shape[0] + 1
    return np.ascontiguousarray(np.concatenate(pieces[:-1])), np.concatenate(starts)


def _window_runs_to_series(X: np.ndarray) -> list[np.ndarray]:
    """Split (n_windows, window, n_channels) windows into runs and rebuild each run's series.

    A run is a maximal stretch of windows in which each one equals the previous one shifted
    by one step (stride 1). A run of k windows becomes the (window + k − 1, n_channels)
    series it covers: its first window, then the last step of each next window. Windows
    from :func:`adlib.data.sliding_windows` with stride 1 give one run (the series itself);
    stride > 1, shuffled or isolated windows give one run per window. Concatenating the
    runs' sliding windows gives ``X`` back.
    """
    shifted = np.all(X[1:, :-1, :] == X[:-1, 1:, :], axis=(1, 2))
    starts = np.flatnonzero(~shifted) + 1
    return [np.concatenate([run[0], run[1:, -1, :]]) for run in np.split(X, starts)]
