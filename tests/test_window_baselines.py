"""KMeansAD, Sub-PCA and the matrix-profile discord: reference cross-checks and bad input.

The shared window-detector contract (fit/score/clone/bad values/shapes) runs on all three
through SEQUENCE_CONTRACT_PARAMS in tests/test_sequence_detectors.py. Here each is checked
against an independent computation: KMeansAD against scikit-learn KMeans plus NumPy
distances, Sub-PCA against PyOD's ``PCA.decision_function``, the matrix profile against a
brute-force z-normalised nearest-neighbour search (``WindowDiscordDetector``) and stumpy,
its engine, against PyOD's own STOMP. The first matrix-profile call compiles stumpy's numba
code (tens of seconds, once per process).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from pyod.models.pca import PCA as PyODPCA
from pyod.models.ts_matrix_profile import MatrixProfile as PyODMatrixProfile
from sklearn.cluster import KMeans

from adlib.data import segment_windows, sliding_windows, window_scores_to_steps
from adlib.detectors import (
    KMeansWindowDetector,
    MatrixProfileDetector,
    SubPCADetector,
    WindowDiscordDetector,
    WindowPCADetector,
)
from adlib.detectors.window_baselines import KMEANS_N_INIT, _window_runs_to_series

WINDOW = 16


@pytest.fixture(scope="module")
def series() -> np.ndarray:
    """Two noisy periodic channels (period 24 steps), shape (360, 2)."""
    rng = np.random.default_rng(7)
    t = np.arange(360)
    return np.column_stack(
        [
            np.sin(2 * np.pi * t / 24) + 0.1 * rng.normal(size=360),
            0.5 * np.cos(2 * np.pi * t / 24) + 0.05 * rng.normal(size=360),
        ]
    )


@pytest.fixture(scope="module")
def windows(series) -> tuple[np.ndarray, np.ndarray]:
    """(train, new) windows of 16 steps from steps 0-239 and 240-359."""
    train, new = segment_windows(series, WINDOW, [240])
    return train, new


@pytest.fixture
def W_train(windows) -> np.ndarray:
    return windows[0].copy()


@pytest.fixture
def W_new(windows) -> np.ndarray:
    return windows[1].copy()


def _z(W: np.ndarray) -> np.ndarray:
    """Each channel of each window z-normalised by a plain loop (flat ones become zeros)."""
    out = np.zeros_like(W)
    for i in range(W.shape[0]):
        for c in range(W.shape[2]):
            x = W[i, :, c]
            if x.max() > x.min():
                out[i, :, c] = (x - x.mean()) / x.std()
    return out.reshape(len(W), -1)


# --- KMeansAD -----------------------------------------------------------------------------


@pytest.mark.parametrize("normalize", [True, False])
def test_kmeans_score_is_the_distance_to_the_nearest_sklearn_centroid(normalize, W_train, W_new):
    ours = KMeansWindowDetector(n_clusters=6, normalize=normalize, random_state=3).fit(W_train)
    flat = _z if normalize else (lambda W: W.reshape(len(W), -1))
    kmeans = KMeans(n_clusters=6, n_init=KMEANS_N_INIT, random_state=3).fit(flat(W_train))
    centres = kmeans.cluster_centers_
    distances = np.sqrt(((flat(W_new)[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2))
    np.testing.assert_allclose(ours.score_samples(W_new), distances.min(axis=1), rtol=1e-9)
    assert ours.n_parameters() == centres.size == 6 * WINDOW * 2


def test_kmeans_normalisation_ignores_level_and_amplitude(W_train, W_new):
    detector = KMeansWindowDetector(n_clusters=5, random_state=0).fit(W_train)
    np.testing.assert_allclose(
        detector.score_samples(3 * W_new + 10), detector.score_samples(W_new), rtol=1e-9
    )
    raw = KMeansWindowDetector(n_clusters=5, normalize=False, random_state=0).fit(W_train)
    assert raw.score_samples(W_new + 10).min() > raw.score_samples(W_new).max()


def test_kmeans_needs_as_many_distinct_windows_as_clusters(W_train):
    constant = np.full((50, WINDOW, 2), 1.5)
    with pytest.raises(ValueError, match=r"n_clusters=2 needs at least .* got 1 \(after"):
        KMeansWindowDetector(n_clusters=2).fit(constant)
    with pytest.raises(ValueError, match=r"n_clusters=300 needs at least .* got 225"):
        KMeansWindowDetector(n_clusters=300).fit(W_train)
    scaled = np.concatenate([W_train[:3], 2 * W_train[:3]])  # same shapes once z-normalised
    with pytest.raises(ValueError, match=r"n_clusters=4 needs at least .* got 3"):
        KMeansWindowDetector(n_clusters=4).fit(scaled)
    KMeansWindowDetector(n_clusters=4, normalize=False).fit(scaled)


# --- Sub-PCA ------------------------------------------------------------------------------


@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("n_components", [None, 5])
def test_sub_pca_equals_pyod_pca_on_flattened_windows(
    standardize, weighted, n_components, W_train, W_new
):
    ours = SubPCADetector(n_components=n_components, weighted=weighted, standardize=standardize)
    ours.fit(W_train)
    pyod = PyODPCA(
        n_components=n_components,
        weighted=weighted,
        standardization=standardize,
        svd_solver="full",
    ).fit(W_train.reshape(len(W_train), -1))
    for W in (W_new, W_train):
        np.testing.assert_allclose(
            ours.score_samples(W), pyod.decision_function(W.reshape(len(W), -1)), rtol=1e-9
        )
    kept = 32 if n_components is None else 5
    assert ours.components_.shape == (kept, 32)
    assert ours.n_parameters() == kept * 32 + kept + (64 if standardize else 0)


def test_sub_pca_differs_from_window_pca_reconstruction_error(W_train, W_new):
    sub = SubPCADetector().fit(W_train).score_samples(W_new)
    residual = WindowPCADetector(n_components=3).fit(W_train).score_samples(W_new)
    assert not np.allclose(np.argsort(sub), np.argsort(residual))


def test_sub_pca_drops_zero_variance_components_of_a_rank_deficient_series():
    t = np.arange(300)
    clean = sliding_windows(np.sin(2 * np.pi * t / 24), WINDOW)  # rank 2 (sin and cos)
    detector = SubPCADetector(standardize=False).fit(clean[:200])
    assert detector.components_.shape == (2, WINDOW)
    scores = detector.score_samples(clean[200:])
    assert np.isfinite(scores).all() and scores.max() < 1e3


def test_sub_pca_rejects_identical_training_windows():
    with pytest.raises(ValueError, match="training windows are all identical"):
        SubPCADetector().fit(np.full((40, WINDOW, 1), 2.0))


# --- matrix profile -----------------------------------------------------------------------


def test_matrix_profile_equals_the_brute_force_discord_for_one_channel(W_train, W_new):
    ours = MatrixProfileDetector().fit(W_train[:, :, :1])
    brute = WindowDiscordDetector(n_neighbors=1, normalize=True).fit(W_train[:, :, :1])
    np.testing.assert_allclose(
        ours.score_samples(W_new[:, :, :1]),
        brute.score_samples(W_new[:, :, :1]),
        rtol=1e-7,
        atol=1e-6,
    )
    assert ours.n_parameters() == 0


def test_matrix_profile_of_several_channels_is_the_root_sum_of_channel_discords(W_train, W_new):
    scores = MatrixProfileDetector().fit(W_train).score_samples(W_new)
    per_channel = [
        WindowDiscordDetector().fit(W_train[:, :, [c]]).score_samples(W_new[:, :, [c]])
        for c in range(2)
    ]
    expected = np.sqrt(per_channel[0] ** 2 + per_channel[1] ** 2)
    np.testing.assert_allclose(scores, expected, rtol=1e-7, atol=1e-6)
    joint = WindowDiscordDetector().fit(W_train).score_samples(W_new)
    assert np.all(scores <= joint + 1e-6)  # each channel may match another training window


def test_matrix_profile_accepts_windows_that_are_not_consecutive(series, W_train, W_new):
    reference = MatrixProfileDetector().fit(W_train).score_samples(W_new)
    strided = sliding_windows(series[:240], WINDOW, stride=3)
    detector = MatrixProfileDetector().fit(np.concatenate([strided, W_train[::-1]]))
    order = np.random.default_rng(0).permutation(len(W_new))
    np.testing.assert_allclose(detector.score_samples(W_new[order]), reference[order], atol=1e-6)


def test_window_runs_rebuild_the_series_they_cover(series):
    windows = sliding_windows(series, WINDOW)
    (whole,) = _window_runs_to_series(windows)
    np.testing.assert_array_equal(whole, series)
    odd = windows[[0, 1, 2, 40, 90, 91]]
    runs = _window_runs_to_series(odd)
    assert [len(run) for run in runs] == [WINDOW + 2, WINDOW, WINDOW + 1]
    np.testing.assert_array_equal(runs[2], series[90 : 91 + WINDOW])


def test_matrix_profile_training_windows_find_themselves_without_warnings(W_train):
    detector = MatrixProfileDetector().fit(W_train)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = detector.score_samples(W_train)
    np.testing.assert_array_equal(scores, 0.0)


def test_matrix_profile_flat_windows_follow_the_discord_convention(W_train):
    flat = np.full((2, WINDOW, 1), 5.0)
    flat[1] = -1.0
    detector = MatrixProfileDetector().fit(np.concatenate([W_train[:, :, :1], flat[:1]]))
    np.testing.assert_allclose(detector.score_samples(flat), 0.0, atol=1e-6)
    only_flat = MatrixProfileDetector().fit(flat)
    np.testing.assert_allclose(
        only_flat.score_samples(W_train[:5, :, :1]), np.sqrt(WINDOW), rtol=1e-9
    )


def test_stumpy_self_join_matches_pyod_stomp(series):
    """PyOD's MatrixProfile is a transductive self-join, not the AB-join the detector uses,
    so it checks stumpy (the detector's engine) itself: same profile, mapped to steps."""
    import stumpy

    x = series[:, 0]
    profile = stumpy.stump(x, WINDOW)[:, 0].astype(np.float64)  # exclusion zone 16/4 = 4
    pyod = PyODMatrixProfile(window_size=WINDOW, channel_aggregation="max").fit(x)
    np.testing.assert_allclose(
        window_scores_to_steps(profile, len(x), WINDOW, reduce="max"),
        pyod.decision_scores_,
        rtol=1e-7,
        atol=1e-6,
    )


def test_matrix_profile_needs_three_steps(W_train):
    with pytest.raises(ValueError, match=r"needs windows of at least 3 steps .* got 2"):
        MatrixProfileDetector().fit(W_train[:, :2])


# --- parameter checks and unfitted use -----------------------------------------------------


@pytest.mark.parametrize(
    ("detector", "error", "match"),
    [
        (KMeansWindowDetector(n_clusters=0), ValueError, r"n_clusters must be in \[1, inf\]"),
        (KMeansWindowDetector(n_clusters=2.0), TypeError, "n_clusters must be an integer"),
        (KMeansWindowDetector(n_clusters="4"), TypeError, "n_clusters must be an integer"),
        (KMeansWindowDetector(normalize=1), TypeError, "normalize must be True or False"),
        (KMeansWindowDetector(random_state="x"), ValueError, r"random_state. parameter of KMeans"),
        (SubPCADetector(n_components=0), ValueError, r"n_components must be in \[1, 32\]"),
        (SubPCADetector(n_components=33), ValueError, r"n_components must be in \[1, 32\]"),
        (SubPCADetector(n_components=0.5), TypeError, "n_components must be an integer"),
        (SubPCADetector(weighted="yes"), TypeError, "weighted must be True or False"),
        (SubPCADetector(standardize=None), TypeError, "standardize must be True or False"),
    ],
)
def test_bad_parameters_are_rejected_at_fit(detector, error, match, W_train):
    with pytest.raises(error, match=match):
        detector.fit(W_train)


@pytest.mark.parametrize("cls", [KMeansWindowDetector, SubPCADetector, MatrixProfileDetector])
def test_n_parameters_needs_a_fitted_detector(cls):
    with pytest.raises(ValueError, match=r"not fitted yet; call \.fit\(windows_train\)"):
        cls().n_parameters()
