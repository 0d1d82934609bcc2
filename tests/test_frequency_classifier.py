"""F-SE-LSTM (notebook 08): the frequency matrix, the squeeze-excitation block, the classifier
and its gradient-boosting baseline on the same features."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from adlib.classifiers import FrequencyBoostingClassifier, FSELSTMClassifier
from adlib.nn.frequency import FSELSTM, SqueezeExcitation, frequency_matrix, period_matrix

FAST = {"sub_length": 16, "step": 8, "hidden": 8, "epochs": 8, "lr": 1e-2, "batch_size": 64}
FAST |= {"device": "cpu", "random_state": 0}


def sine_windows(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows of a noisy sine (period 16); in a third of them 24 steps run at twice the
    frequency, same amplitude and mean: an anomaly only the spectrum shows plainly."""
    rng = np.random.default_rng(seed)
    t = np.arange(64)
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    X = np.sin(2 * np.pi * t / 16 + phase) + rng.normal(0, 0.1, (n, 64))
    y = (rng.random(n) < 1 / 3).astype(np.int64)
    for i in np.flatnonzero(y):
        start = rng.integers(0, 40)
        X[i, start : start + 24] = np.sin(2 * np.pi * t[:24] / 8 + phase[i, 0])
    return X[:, :, None], y


@pytest.fixture(scope="module")
def toy():
    X, y = sine_windows(800, seed=0)
    return X[:600], y[:600], X[600:], y[600:]


@pytest.mark.parametrize(("sub_length", "step"), [(16, None), (16, 8), (10, 3), (64, None)])
def test_frequency_matrix_is_the_rfft_magnitude_of_each_sub_window(sub_length, step):
    X = np.random.default_rng(1).normal(size=(5, 64, 2))
    got = frequency_matrix(X, sub_length, step)
    hop = sub_length if step is None else step
    n_periods, n_freq = (64 - sub_length) // hop + 1, sub_length // 2 + 1
    assert got.shape == (5, n_periods, 2 * n_freq)
    for i in range(5):
        for h in range(n_periods):
            for c in range(2):
                part = X[i, h * hop : h * hop + sub_length, c]
                np.testing.assert_allclose(
                    got[i, h, c * n_freq : (c + 1) * n_freq], np.abs(np.fft.rfft(part)), atol=1e-12
                )


def test_period_matrix_holds_the_sub_windows_and_2d_input_is_one_channel():
    X = np.arange(2 * 32, dtype=float).reshape(2, 32)
    rows = period_matrix(X, 8, 4)
    assert rows.shape == (2, 7, 8)
    np.testing.assert_array_equal(rows[1, 2], X[1, 8:16])
    np.testing.assert_allclose(frequency_matrix(X, 8, 4), np.abs(np.fft.rfft(rows, axis=-1)))


@pytest.mark.parametrize(
    ("windows", "kwargs", "error", "match"),
    [
        (np.full((3, 16), np.nan), {}, ValueError, "NaN"),
        (np.ones((3, 16), dtype=complex), {}, TypeError, "complex"),
        (np.array([["a"] * 16] * 3), {}, TypeError, "float array"),
        (np.ones((2, 3, 16, 1)), {}, ValueError, "3-D"),
        (np.ones(16), {}, ValueError, "3-D"),
        (np.ones((0, 16)), {}, ValueError, "at least 1"),
        (np.ones((3, 16)), {"sub_length": 32}, ValueError, "longer than the windows"),
        (np.ones((3, 16)), {"sub_length": 1}, ValueError, "sub_length"),
        (np.ones((3, 16)), {"sub_length": 4.0}, TypeError, "sub_length must be an integer"),
        (np.ones((3, 16)), {"step": 0}, ValueError, "step"),
    ],
)
def test_frequency_matrix_rejects_bad_input(windows, kwargs, error, match):
    with pytest.raises(error, match=match):
        frequency_matrix(windows, **{"sub_length": 8, **kwargs})


def test_squeeze_excitation_weights_lie_in_0_1_one_per_feature_and_scale_the_input():
    torch.manual_seed(0)
    block = SqueezeExcitation(n_features=9, reduction=4)
    x = torch.randn(5, 7, 9) * 10
    weights = block.weights(x)
    assert weights.shape == (5, 9)
    assert torch.all((weights > 0) & (weights < 1))
    torch.testing.assert_close(block(x), x * weights[:, None, :])
    assert block.excite[0].out_features == 2
    # the squeeze is the mean over periods: shuffling the periods leaves the weights alone
    torch.testing.assert_close(block.weights(x[:, torch.randperm(7)]), weights)


def test_fselstm_gives_one_logit_per_window_and_counts_its_parameters():
    torch.manual_seed(0)
    model = FSELSTM(n_features=9, hidden=8, reduction=4)
    assert model(torch.randn(4, 7, 9)).shape == (4,)
    se = (9 * 2 + 2) + (2 * 9 + 9)
    lstm = 4 * 8 * (9 + 8 + 2)
    head = (8 * 8 + 8) + (8 + 1)
    assert sum(p.numel() for p in model.parameters()) == se + lstm + head


def test_fselstm_classifier_learns_a_frequency_anomaly_and_follows_the_contract(toy):
    X, y, X_test, y_test = toy
    model = FSELSTMClassifier(**FAST).fit(X, y)
    proba = model.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert roc_auc_score(y_test, proba[:, 1]) > 0.97
    assert np.mean(model.predict(X_test) == y_test) > 0.9
    np.testing.assert_array_equal(model.predict(X_test), (proba[:, 1] > 0.5).astype(int))
    np.testing.assert_array_equal(model.classes_, [0, 1])
    assert clone(model).get_params() == model.get_params()
    assert model.n_parameters() == sum(p.numel() for p in model.model_.parameters())
    assert model.mean_.shape == (9,)


def test_boosting_on_the_same_features_learns_the_anomaly_too(toy):
    X, y, X_test, y_test = toy
    model = FrequencyBoostingClassifier(sub_length=16, step=8, random_state=0).fit(X, y)
    proba = model.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2)
    assert roc_auc_score(y_test, proba[:, 1]) > 0.97
    np.testing.assert_array_equal(model.predict(X_test), (proba[:, 1] > 0.5).astype(int))
    assert clone(model).get_params() == model.get_params()
    again = FrequencyBoostingClassifier(sub_length=16, step=8, random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X_test), proba)


def test_time_domain_variant_reads_the_raw_sub_windows(toy):
    X, y, _, _ = toy
    model = FSELSTMClassifier(**{**FAST, "domain": "time", "epochs": 1}).fit(X, y)
    np.testing.assert_allclose(model.mean_, period_matrix(X, 16, 8).mean(axis=(0, 1)))
    assert model.mean_.shape == (16,)


def test_refit_with_the_same_seed_is_bit_identical_and_leaves_global_rng_alone(toy):
    X, y, X_test, _ = toy
    fast = {**FAST, "epochs": 2}
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    first = FSELSTMClassifier(**fast).fit(X, y).decision_function(X_test)
    assert torch.equal(torch.random.get_rng_state(), before)
    again = FSELSTMClassifier(**fast).fit(X, y).decision_function(X_test)
    np.testing.assert_array_equal(first, again)
    other = FSELSTMClassifier(**{**fast, "random_state": 1}).fit(X, y).decision_function(X_test)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"sub_length": 1}, ValueError, "sub_length"),
        ({"sub_length": 128}, ValueError, "longer than the windows"),
        ({"sub_length": "16"}, TypeError, "sub_length must be an integer"),
        ({"step": 0}, ValueError, "step"),
        ({"domain": "wavelet"}, ValueError, r"domain must be one of \['frequency', 'time'\]"),
        ({"hidden": 0}, ValueError, "hidden"),
        ({"reduction": 0}, ValueError, "reduction"),
        ({"forget_bias": "one"}, TypeError, "forget_bias"),
        ({"pos_weight": "auto"}, ValueError, "pos_weight must be 'balanced'"),
        ({"val_fraction": 0.7}, ValueError, "val_fraction"),
        ({"epochs": 0}, ValueError, "epochs"),
    ],
)
def test_fselstm_classifier_rejects_bad_parameters(toy, params, error, match):
    X, y, _, _ = toy
    with pytest.raises(error, match=match):
        FSELSTMClassifier(**{**FAST, **params}).fit(X, y)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"max_iter": 0}, "max_iter"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"domain": "wavelet"}, "domain must be one of"),
        ({"sub_length": 1}, "sub_length"),
        ({"step": -1}, "step"),
    ],
)
def test_boosting_rejects_bad_parameters(toy, params, match):
    X, y, _, _ = toy
    with pytest.raises(ValueError, match=match):
        FrequencyBoostingClassifier(**params).fit(X, y)


@pytest.mark.parametrize("make", [FSELSTMClassifier, FrequencyBoostingClassifier])
def test_bad_input_is_rejected(toy, make):
    X, y, _, _ = toy
    params = {**FAST, "epochs": 1} if make is FSELSTMClassifier else {"sub_length": 16}
    with pytest.raises(ValueError, match="not fitted yet"):
        make().predict_proba(X)
    with pytest.raises(ValueError, match="NaN"):
        make(**params).fit(np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), y)
    with pytest.raises(TypeError, match="complex"):
        make(**params).fit(X.astype(complex), y)
    with pytest.raises(ValueError, match="3-D"):
        make(**params).fit(X[:, :, :, None], y)
    with pytest.raises(ValueError, match="labels but there are"):
        make(**params).fit(X, y[:-1])
    with pytest.raises(ValueError, match="only 0"):
        make(**params).fit(X, y * 2)
    with pytest.raises(ValueError, match="only class 0"):
        make(**params).fit(X, np.zeros_like(y))
    model = make(**params).fit(X, y)
    with pytest.raises(ValueError, match="fitted on 64 steps and 1 channels"):
        model.predict_proba(X[:, :48])
    with pytest.raises(ValueError, match="fitted on 64 steps and 1 channels"):
        model.predict_proba(np.concatenate([X, X], axis=2))
    with pytest.raises(ValueError, match="NaN"):
        model.predict_proba(np.full_like(X[:3], np.nan))
