"""Window detectors (SequenceDetector): the shared contract, cross-checks and bad input.

Every exported concrete SequenceDetector subclass must appear in SEQUENCE_CONTRACT_PARAMS,
with every constructor argument given explicitly (cheap settings: the data are 225 training
windows of 16 steps × 2 channels), so that the whole contract suite runs on it.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

import adlib.detectors as detectors
from adlib.data import segment_windows
from adlib.detectors import (
    PCADetector,
    SequenceDetector,
    WindowDiscordDetector,
    WindowPCADetector,
    WindowZScoreDetector,
    rolling_zscore,
)
from adlib.thresholds import PercentileThreshold

# Cheap settings shared by the neural window detectors (CPU, tiny networks, a few epochs).
_NEURAL = {
    "epochs": 3,
    "batch_size": 32,
    "lr": 1e-2,
    "weight_decay": 0.0,
    "patience": 3,
    "val_fraction": 0.2,
    "random_state": 0,
    "device": "cpu",
    "progress": False,
}
_RECURRENT = {"hidden": 8, "latent_dim": 2, "decoder_input": "repeat", "num_layers": 1}
_TRANSFORMER = {"d_model": 8, "n_heads": 2, "n_layers": 1, "latent_dim": 2, "dim_feedforward": 16}

SEQUENCE_CONTRACT_PARAMS: dict[str, dict] = {
    "AnomalyTransformerDetector": {
        "d_model": 8,
        "n_heads": 2,
        "n_layers": 1,
        "dim_feedforward": 16,
        "discrepancy_weight": 3.0,
        **_NEURAL,
        "epochs": 10,  # after 3 its softmax(-discrepancy) weights still miss a spike
    },
    "ConvLSTMAutoencoderDetector": {
        "hidden": 4,
        "latent_dim": 2,
        "frame": 4,
        "kernel_size": 3,
        **_NEURAL,
    },
    "CNNForecastDetector": {
        "filters": 4,
        "kernel_size": 3,
        "n_blocks": 1,
        "latent_dim": 4,
        **_NEURAL,
    },
    "GRUAutoencoderDetector": {**_RECURRENT, **_NEURAL},
    "LSTMAutoencoderDetector": {**_RECURRENT, **_NEURAL},
    "TranADDetector": {**_TRANSFORMER, **_NEURAL},
    "TransformerDetector": {**_TRANSFORMER, **_NEURAL},
    "TCNAutoencoderDetector": {
        "hidden": 8,
        "latent_dim": 2,
        "kernel_size": 3,
        "dilations": (1, 2),
        "pool": 4,
        **_NEURAL,
    },
    "IFAEConvLSTMDetector": {
        "n_estimators": 20,
        "ae_hidden": (8,),
        "convlstm_hidden": 4,
        "latent_dim": 2,
        "frame": 4,
        "kernel_size": 3,
        "method": "zscore",
        "weights": None,
        **_NEURAL,
    },
    "WindowAutoencoderDetector": {"hidden": (8,), "latent_dim": 2, **_NEURAL},
    "WindowIsolationForestDetector": {"n_estimators": 20, "max_samples": "auto", "random_state": 0},
    "WindowDiscordDetector": {"n_neighbors": 2, "normalize": True},
    "WindowPCADetector": {"n_components": 3, "standardize": True},
    "WindowZScoreDetector": {},
    "KMeansWindowDetector": {"n_clusters": 12, "normalize": True, "random_state": 0},
    "SubPCADetector": {"n_components": None, "weighted": True, "standardize": True},
    "MatrixProfileDetector": {},
    "FlattenedWindowDetector": {"detector": detectors.PCADetector(n_components=3)},
}
NAMES = sorted(SEQUENCE_CONTRACT_PARAMS)
SEEDED = [name for name in NAMES if "random_state" in SEQUENCE_CONTRACT_PARAMS[name]]
ABSTRACT = {"SequenceDetector", "NeuralSequenceDetector"}
WINDOW = 16


def make(name: str) -> SequenceDetector:
    return getattr(detectors, name)(**SEQUENCE_CONTRACT_PARAMS[name])


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


def test_contract_covers_every_exported_sequence_detector():
    exported = {
        name
        for name in detectors.__all__
        if isinstance(getattr(detectors, name), type)
        and issubclass(getattr(detectors, name), SequenceDetector)
    }
    assert exported - ABSTRACT == set(SEQUENCE_CONTRACT_PARAMS)


def test_sequence_detector_is_abstract(W_train):
    with pytest.raises(NotImplementedError):
        SequenceDetector().fit(W_train)


# --- the contract, for every window detector ------------------------------------------------
# One fitted detector per name is shared by the tests that only score, so that the neural
# detectors are trained as few times as possible; tests that fit build their own.


@pytest.fixture(scope="module")
def fitted(windows):
    cache: dict[str, SequenceDetector] = {}

    def get(name: str) -> SequenceDetector:
        if name not in cache:
            cache[name] = make(name).fit(windows[0])
        return cache[name]

    return get


@pytest.mark.parametrize("name", NAMES)
def test_fit_returns_self_and_refits_from_scratch(name, fitted, W_train, W_new):
    detector = make(name)
    assert detector.fit(W_train) is detector
    assert detector.fit(W_train) is detector  # a refit restarts: same scores as one fit
    np.testing.assert_array_equal(detector.score_samples(W_new), fitted(name).score_samples(W_new))
    assert (detector.window_, detector.n_channels_, detector.n_features_in_) == (16, 2, 32)


@pytest.mark.parametrize("name", NAMES)
def test_one_finite_score_per_window(name, fitted, W_train, W_new):
    detector = fitted(name)
    for W in (W_train, W_new, W_new[:1], W_new.tolist()):
        scores = detector.score_samples(W)
        assert scores.shape == (len(W),)
        assert scores.dtype == np.float64
        assert np.isfinite(scores).all()


@pytest.mark.parametrize("name", NAMES)
def test_an_injected_anomalous_window_outscores_normal_ones(name, fitted, W_train, W_new):
    odd = W_new[40].copy()
    odd[-1, 0] += 8 * W_train[:, :, 0].std()  # a spike on the last step of channel 0
    scores = fitted(name).score_samples(np.concatenate([W_new, odd[None]]))
    assert scores[-1] > scores[:-1].max()


@pytest.mark.parametrize("name", SEEDED)
def test_random_state_matters(name, fitted, W_train, W_new):
    other = make(name).set_params(random_state=1).fit(W_train)
    assert not np.array_equal(other.score_samples(W_new), fitted(name).score_samples(W_new))


@pytest.mark.parametrize("name", NAMES)
def test_get_params_and_clone(name, fitted, W_new):
    if name == "FlattenedWindowDetector":
        pytest.skip("its parameter is an estimator: see tests/test_flattened_windows.py")
    params = SEQUENCE_CONTRACT_PARAMS[name]
    got = make(name).get_params()
    assert got == params
    for key, value in params.items():
        assert got[key] is value
    detector = fitted(name)
    assert detector.get_params() == params
    copy = clone(detector)
    assert type(copy) is type(detector) and copy.get_params() == params
    assert not hasattr(copy, "n_features_in_")
    with pytest.raises(ValueError, match="not fitted yet"):
        copy.score_samples(W_new)


@pytest.mark.parametrize("name", NAMES)
def test_predict_applies_a_threshold_to_the_window_scores(name, fitted, W_new):
    detector = fitted(name)
    scores = detector.score_samples(W_new)
    rule = PercentileThreshold(90).fit(scores)
    np.testing.assert_array_equal(
        detector.predict(W_new, rule), (scores > rule.threshold_).astype(np.int64)
    )
    assert detector.predict(W_new, float(np.median(scores))).sum() == len(W_new) // 2


@pytest.mark.parametrize("name", NAMES)
def test_unfitted_use_is_rejected(name, W_new):
    detector = make(name)
    with pytest.raises(ValueError, match=r"not fitted yet; call \.fit\(windows_train\)"):
        detector.score_samples(W_new)
    with pytest.raises(ValueError, match="not fitted yet"):
        detector.predict(W_new, 0.5)


BAD_VALUES = [
    ("nan", np.nan, ValueError, "X contains 1 NaN and 0 infinite"),
    ("inf", np.inf, ValueError, "X contains 0 NaN and 1 infinite"),
    (
        "1e300",
        1e300,
        ValueError,
        r"X holds a value of magnitude 1e\+300, above the limit of 1e\+150",
    ),
    ("complex", 1 + 2j, TypeError, r"X is complex \(dtype complex128\); .*np\.real\(X\)"),
    ("complex zero imaginary", 1 + 0j, TypeError, r"X is complex \(dtype complex128\)"),
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("case", "value", "error", "match"), BAD_VALUES, ids=[b[0] for b in BAD_VALUES]
)
def test_bad_values_in_windows_are_rejected(
    name, case, value, error, match, fitted, W_train, W_new
):
    dtype = np.result_type(W_train, value)  # complex128 for a complex value
    bad_train, bad_new = W_train.astype(dtype), W_new.astype(dtype)
    bad_train[3, 5, 1] = value
    bad_new[3, 5, 1] = value
    with pytest.raises(error, match=match):
        make(name).fit(bad_train)
    with pytest.raises(error, match=match):
        fitted(name).score_samples(bad_new)


@pytest.mark.parametrize(
    "name",
    [n for n in NAMES if issubclass(getattr(detectors, n), detectors.NeuralSequenceDetector)],
)
def test_neural_window_detectors_refuse_values_their_float32_arithmetic_would_overflow(
    name, fitted, W_new
):
    bad = W_new.copy()
    bad[3, 5, 1] = 1e20
    with pytest.raises(
        ValueError, match=r"X after standardisation .* above the limit of 1e\+09: a float32 network"
    ):
        fitted(name).score_samples(bad)


@pytest.mark.parametrize("name", NAMES)
def test_mismatched_channels_and_window_length_are_rejected(name, fitted, W_new):
    detector = fitted(name)
    with pytest.raises(ValueError, match="X has 1 channels but the detector was fitted on 2"):
        detector.score_samples(W_new[:, :, :1])
    with pytest.raises(ValueError, match="X has 3 channels but the detector was fitted on 2"):
        detector.score_samples(np.concatenate([W_new, W_new[:, :, :1]], axis=2))
    with pytest.raises(
        ValueError, match="X has windows of 15 steps but the detector was fitted on windows of 16"
    ):
        detector.score_samples(W_new[:, 1:, :])


@pytest.mark.parametrize("name", NAMES)
def test_2d_input_is_read_as_one_channel(name, W_train, W_new):
    detector = make(name).fit(W_train[:, :, 0])
    assert (detector.window_, detector.n_channels_) == (16, 1)
    np.testing.assert_array_equal(
        detector.score_samples(W_new[:, :, 0]), detector.score_samples(W_new[:, :, :1])
    )


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("ndim", [1, 4])
def test_wrong_ndim_is_rejected(name, ndim, fitted, W_train):
    bad = W_train[:, 0, 0] if ndim == 1 else W_train[..., None]
    with pytest.raises(ValueError, match=r"X must be 3-D .*sliding_windows"):
        make(name).fit(bad)
    with pytest.raises(ValueError, match=r"X must be 3-D"):
        fitted(name).score_samples(bad)


@pytest.mark.parametrize("name", NAMES)
def test_too_few_training_windows(name, W_train):
    detector = make(name)
    n = detector.min_train_rows
    with pytest.raises(ValueError, match=f"X has {n - 1} samples but at least {n} are needed"):
        detector.fit(W_train[: n - 1])


# --- WindowDiscordDetector ----------------------------------------------------------------


def _z(W: np.ndarray) -> np.ndarray:
    out = np.zeros_like(W)
    for i in range(W.shape[0]):
        for c in range(W.shape[2]):
            x = W[i, :, c]
            if x.max() > x.min():
                out[i, :, c] = (x - x.mean()) / x.std()
    return out.reshape(len(W), -1)


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("k", [1, 3])
def test_discord_is_the_distance_to_the_kth_nearest_training_window(normalize, k, W_train, W_new):
    ours = WindowDiscordDetector(n_neighbors=k, normalize=normalize).fit(W_train)
    flat = _z if normalize else (lambda W: W.reshape(len(W), -1))
    distances = np.linalg.norm(flat(W_new)[:, None, :] - flat(W_train)[None, :, :], axis=2)
    expected = np.sort(distances, axis=1)[:, k - 1]
    np.testing.assert_allclose(ours.score_samples(W_new), expected, rtol=1e-9, atol=1e-6)


def test_discord_training_windows_find_themselves(W_train):
    scores = WindowDiscordDetector().fit(W_train).score_samples(W_train)
    np.testing.assert_allclose(scores, 0.0, atol=1e-6)  # why thresholds need held-out windows


def test_discord_normalisation_ignores_level_and_amplitude(W_train, W_new):
    detector = WindowDiscordDetector().fit(W_train)
    np.testing.assert_allclose(
        detector.score_samples(3 * W_new + 10), detector.score_samples(W_new), atol=1e-6
    )
    raw = WindowDiscordDetector(normalize=False).fit(W_train)
    assert raw.score_samples(W_new + 10).min() > raw.score_samples(W_new).max()


def test_discord_flat_windows_become_zeros_instead_of_dividing_by_zero(W_train):
    flat = np.full((2, WINDOW, 2), 5.0)
    flat[1] = -1.0
    detector = WindowDiscordDetector().fit(np.concatenate([W_train, flat[:1]]))
    np.testing.assert_allclose(detector.score_samples(flat), 0.0, atol=1e-6)
    only_flat = WindowDiscordDetector().fit(np.concatenate([flat, flat]))
    # a z-normalised channel has squared norm = window; two such channels
    scores = only_flat.score_samples(W_train[:5])
    np.testing.assert_allclose(scores, np.sqrt(2 * WINDOW), rtol=1e-9)


# --- WindowPCADetector and WindowZScoreDetector -------------------------------------------


def test_window_pca_is_pca_detector_on_flattened_windows(W_train, W_new):
    ours = WindowPCADetector(n_components=5, standardize=False).fit(W_train)
    pca = PCADetector(n_components=5, standardize=False).fit(W_train.reshape(len(W_train), -1))
    np.testing.assert_allclose(
        ours.score_samples(W_new), pca.score_samples(W_new.reshape(len(W_new), -1)), rtol=1e-12
    )


def test_window_pca_step_errors_average_to_the_score(W_train, W_new):
    detector = WindowPCADetector(n_components=5).fit(W_train)
    errors = detector.reconstruction_error(W_new)
    assert errors.shape == W_new.shape[:2]
    np.testing.assert_allclose(errors.mean(axis=1), detector.score_samples(W_new), rtol=1e-12)
    with pytest.raises(ValueError, match=r"not fitted yet; call \.fit\(windows_train\)"):
        WindowPCADetector().reconstruction_error(W_new)


def test_window_zscore_equals_rolling_zscore_on_the_series(series):
    x = series[:, 0]
    windows = segment_windows(x, WINDOW, [200])
    detector = WindowZScoreDetector().fit(windows[0])
    expected = rolling_zscore(x, WINDOW - 1)[200 + WINDOW - 1 :]
    np.testing.assert_allclose(detector.score_samples(windows[1]), expected, rtol=1e-9)


def test_window_zscore_takes_the_largest_channel_and_stays_finite_on_flat_history(W_train):
    detector = WindowZScoreDetector().fit(W_train)
    W = np.zeros((2, WINDOW, 2))
    W[0, :, 0] = np.arange(WINDOW) % 2  # history sd 0.5, mean near 0.5
    W[1, :-1, 1] = 3.0  # flat history, then a drop of 3 on the last step
    scores = detector.score_samples(W)
    assert np.isfinite(scores).all()
    history = W[0, :-1, 0]
    assert scores[0] == pytest.approx((1 - history.mean()) / history.std())
    assert scores[1] > 1e5 and scores[1] == pytest.approx(3 / detector.sd_floor_[1])


# --- parameter checks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("detector", "error", "match"),
    [
        (WindowDiscordDetector(n_neighbors=0), ValueError, r"n_neighbors must be in \[1, inf\]"),
        (WindowDiscordDetector(n_neighbors=1.0), TypeError, "n_neighbors must be an integer"),
        (WindowDiscordDetector(n_neighbors=500), ValueError, "n_neighbors=500 needs at least"),
        (WindowDiscordDetector(normalize="yes"), TypeError, "normalize must be True or False"),
        (WindowPCADetector(n_components=0), ValueError, r"n_components must be in \[1, inf\]"),
        (WindowPCADetector(n_components=32), ValueError, "n_components=32 must be below both"),
    ],
)
def test_bad_parameters_are_rejected_at_fit(detector, error, match, W_train):
    with pytest.raises(error, match=match):
        detector.fit(W_train)


def test_window_zscore_needs_three_steps_and_no_constant_channel(W_train):
    with pytest.raises(ValueError, match="needs windows of at least 3 steps"):
        WindowZScoreDetector().fit(W_train[:, :2])
    constant = W_train.copy()
    constant[:, :, 1] = 2.0
    with pytest.raises(ValueError, match=r"cannot model constant channels: channels \[1\]"):
        WindowZScoreDetector().fit(constant)
