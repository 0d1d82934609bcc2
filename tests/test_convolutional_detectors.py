"""Convolutional window detectors (adlib.nn.convolutional, adlib.detectors.convolutional).

The shared window contract runs on both detectors in tests/test_sequence_detectors.py. Here:
the causal dilated convolution against a direct NumPy computation (the reference) and
against torch's own conv1d, causality and the receptive field by a gradient check, seeded
reproducibility, the forecaster learning a sine and flagging a spike, the parameters each
detector refuses, and the long-context motif series of notebook 07.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from adlib.data import sliding_windows
from adlib.data.simulators.motifs import motif, simulate_motif_sequence
from adlib.detectors import CNNForecastDetector, TCNAutoencoderDetector
from adlib.nn import ConvForecaster, TCNAutoencoder, receptive_field
from adlib.nn.convolutional import TCN, CausalConv1d, conv_pool_length

CHEAP = {"epochs": 3, "batch_size": 32, "random_state": 0, "device": "cpu"}


@pytest.fixture(scope="module")
def sine_windows() -> tuple[np.ndarray, np.ndarray]:
    """(train, test) windows of 16 steps of a noisy sine of period 12, one channel."""
    rng = np.random.default_rng(3)
    t = np.arange(700)
    series = np.sin(2 * np.pi * t / 12) + 0.02 * rng.normal(size=t.size)
    return sliding_windows(series[:500], 16), sliding_windows(series[500:], 16)


# --- the causal dilated convolution: reference cross-checks -------------------------------


def _numpy_causal_conv(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, k: int, d: int):
    """y[b, t, o] = bias[o] + sum_j sum_i W_j[o, i] x[b, t - j d, i], with x = 0 before step 0."""
    n_in = x.shape[2]
    y = np.tile(bias, (x.shape[0], x.shape[1], 1))
    for t in range(x.shape[1]):
        for j in range(k):
            if t - j * d >= 0:
                y[:, t] += x[:, t - j * d] @ weight[:, j * n_in : (j + 1) * n_in].T
    return y


@pytest.mark.parametrize(("k", "d", "n_in", "n_out"), [(3, 1, 2, 4), (2, 4, 3, 2), (5, 2, 1, 3)])
def test_causal_conv_equals_a_direct_numpy_computation(k, d, n_in, n_out):
    torch.manual_seed(0)
    conv = CausalConv1d(n_in, n_out, k, d).double()
    x = np.random.default_rng(1).normal(size=(3, 20, n_in))
    with torch.no_grad():
        ours = conv(torch.from_numpy(x)).numpy()
    weight = conv.linear.weight.detach().numpy()
    bias = conv.linear.bias.detach().numpy()
    np.testing.assert_allclose(ours, _numpy_causal_conv(x, weight, bias, k, d), rtol=1e-12)


def test_causal_conv_equals_torch_conv1d_with_left_padding():
    torch.manual_seed(0)
    k, d, n_in, n_out = 3, 2, 2, 5
    conv = CausalConv1d(n_in, n_out, k, d).double()
    x = torch.randn(4, 17, n_in, dtype=torch.float64)
    # conv1d's kernel tap m multiplies x[t - (k - 1 - m) d]: our tap j is its tap k - 1 - j
    kernel = conv.linear.weight.detach().reshape(n_out, k, n_in).flip(1).permute(0, 2, 1)
    padded = F.pad(x.transpose(1, 2), ((k - 1) * d, 0))
    expected = F.conv1d(padded, kernel, conv.linear.bias.detach(), dilation=d).transpose(1, 2)
    with torch.no_grad():
        torch.testing.assert_close(conv(x), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("k", "dilations", "expected"), [(3, (1, 2, 4), 29), (2, (1, 2, 4, 8), 31), (3, (1, 2), 13)]
)
def test_receptive_field_formula(k, dilations, expected):
    assert receptive_field(k, dilations) == expected == 1 + 2 * (k - 1) * sum(dilations)


@pytest.mark.parametrize(
    ("k", "dilations", "stride"),
    [(3, (1, 2, 4), 1), (2, (1, 2, 4, 8), 1), (3, (1, 2), 1), (4, (3,), 3)],
)
def test_receptive_field_matches_a_gradient_check(k, dilations, stride):
    """The last output's gradient reaches exactly the receptive field (every ``stride``-th step:
    a stack without dilation 1 leaves holes)."""
    torch.manual_seed(0)
    steps = 48
    tcn = TCN(2, 8, k, dilations).double()
    x = torch.randn(1, steps, 2, dtype=torch.float64, requires_grad=True)
    tcn(x)[0, -1].sum().backward()
    reached = np.flatnonzero(x.grad[0].abs().sum(dim=1).numpy() > 0)
    field = receptive_field(k, dilations)
    np.testing.assert_array_equal(reached, np.arange(steps - field, steps, stride))


def test_the_tcn_encoder_is_causal():
    torch.manual_seed(0)
    model = TCNAutoencoder(2, hidden=8, latent_dim=2, dilations=(1, 2, 4), pool=4).double()
    x = torch.randn(3, 24, 2, dtype=torch.float64)
    changed = x.clone()
    changed[:, 15] += 5.0  # change one future step
    with torch.no_grad():
        before, after = model.encode(x), model.encode(changed)
    torch.testing.assert_close(before[:, :15], after[:, :15], rtol=0, atol=0)
    assert not torch.allclose(before[:, 15], after[:, 15])


def test_tcn_autoencoder_shapes_and_pooled_bottleneck():
    model = TCNAutoencoder(3, hidden=8, latent_dim=2, pool=4)
    for steps in (16, 15, 3):  # divisible by pool, not divisible, shorter than pool
        assert model(torch.randn(5, steps, 3)).shape == (5, steps, 3)
    # two windows with the same block means rebuild the same way: each block is one code
    x = torch.randn(1, 16, 3)
    model.encoder = torch.nn.Identity()
    model.to_latent = torch.nn.Linear(3, 2)
    shuffled = x[:, torch.tensor([1, 0, 3, 2, *range(4, 16)])]  # permuted inside block 0
    with torch.no_grad():
        torch.testing.assert_close(model(x), model(shuffled))


def test_conv_forecaster_shapes_and_history_length():
    model = ConvForecaster(2, history=31, filters=8, kernel_size=3, n_blocks=2, latent_dim=6)
    assert model(torch.randn(4, 31, 2)).shape == (4, 2)
    assert conv_pool_length(31, 3, 2) == 6  # 31 -> 29 -> 14 -> 12 -> 6
    assert conv_pool_length(9, 3, 2) == 0


# --- the detectors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "detector",
    [
        CNNForecastDetector(filters=4, latent_dim=4, **CHEAP),
        TCNAutoencoderDetector(hidden=4, latent_dim=2, dilations=(1, 2), pool=4, **CHEAP),
    ],
    ids=["cnn", "tcn"],
)
def test_same_seed_gives_bit_identical_models_and_scores(detector, sine_windows):
    train, test = sine_windows
    a, b = detector.fit(train), type(detector)(**detector.get_params()).fit(train)
    np.testing.assert_array_equal(a.score_samples(test), b.score_samples(test))
    assert a.history_.train_loss == b.history_.train_loss
    assert a.history_.val_loss == b.history_.val_loss
    state_a, state_b = a.model_.state_dict(), b.model_.state_dict()
    assert all(torch.equal(state_a[key], state_b[key]) for key in state_a)


def test_forecaster_learns_a_sine_and_scores_a_spike_high(sine_windows):
    train, test = sine_windows
    detector = CNNForecastDetector(filters=8, latent_dim=16, epochs=40, lr=3e-3, random_state=0)
    detector.set_params(device="cpu", batch_size=32).fit(train)
    scores = detector.score_samples(test)
    assert np.median(scores) < 0.01  # squared error in training standard deviations
    forecast = detector.reconstruct(test)
    assert forecast.shape == (len(test), 1)
    np.testing.assert_allclose(forecast[:, 0], test[:, -1, 0], atol=0.2)
    errors = detector.reconstruction_error(test)
    assert errors.shape == (len(test), 1)
    np.testing.assert_allclose(errors[:, 0], scores, rtol=1e-12)
    spiked = test[:20].copy()
    spiked[:, -1, 0] += 1.5  # about two training standard deviations, on the predicted step
    assert detector.score_samples(spiked).min() > 20 * np.median(scores)
    early = test[:20].copy()
    early[:, 0, 0] += 1.5  # on the oldest history step: a forecaster barely reacts
    assert np.median(detector.score_samples(early)) < detector.score_samples(spiked).min()


def test_tcn_detector_records_its_receptive_field(sine_windows):
    detector = TCNAutoencoderDetector(hidden=4, kernel_size=2, dilations=[1, 4], pool=8, **CHEAP)
    assert not hasattr(detector, "receptive_field_")
    detector.fit(sine_windows[0])
    assert detector.receptive_field_ == 1 + 2 * 1 * 5
    assert detector.dilations == [1, 4]  # stored untouched


@pytest.mark.parametrize(
    ("detector", "error", "match"),
    [
        (CNNForecastDetector(filters=0), ValueError, r"filters must be in \[1, inf\]"),
        (CNNForecastDetector(kernel_size=2.0), TypeError, "kernel_size must be an integer"),
        (CNNForecastDetector(n_blocks=0), ValueError, r"n_blocks must be in \[1, inf\]"),
        (CNNForecastDetector(latent_dim=0), ValueError, r"latent_dim must be in \[1, inf\]"),
        (
            CNNForecastDetector(n_blocks=3),
            ValueError,
            "windows of 16 steps leave a history of 15, too short for 3 blocks.*at least 23",
        ),
        (TCNAutoencoderDetector(hidden=0), ValueError, r"hidden must be in \[1, inf\]"),
        (TCNAutoencoderDetector(latent_dim=None), TypeError, "latent_dim must be an integer"),
        (TCNAutoencoderDetector(kernel_size=0), ValueError, r"kernel_size must be in \[1, inf\]"),
        (TCNAutoencoderDetector(dilations=()), ValueError, "dilations is empty"),
        (TCNAutoencoderDetector(dilations="124"), TypeError, "dilations must be a sequence"),
        (TCNAutoencoderDetector(dilations=4), TypeError, "dilations must be a sequence"),
        (TCNAutoencoderDetector(dilations=(1, 0)), ValueError, r"each dilation must be in \[1"),
        (TCNAutoencoderDetector(dilations=(1, 2.0)), TypeError, "each dilation must be an int"),
        (TCNAutoencoderDetector(pool=0), ValueError, r"pool must be in \[1, inf\]"),
    ],
)
def test_bad_parameters_are_rejected_at_fit(detector, error, match, sine_windows):
    with pytest.raises(error, match=match):
        detector.set_params(**CHEAP).fit(sine_windows[0])


def test_forecaster_rejects_windows_of_one_step(sine_windows):
    with pytest.raises(ValueError, match="windows of 1 steps leave a history of 0"):
        CNNForecastDetector(n_blocks=1, kernel_size=1, **CHEAP).fit(sine_windows[0][:, :1])


def test_receptive_field_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"kernel_size must be in \[1, inf\]"):
        receptive_field(0, (1,))
    with pytest.raises(TypeError, match="dilations must be a sequence"):
        receptive_field(3, None)


# --- the long-context motif series -------------------------------------------------------


def test_motif_series_has_one_y_where_a_z_belongs():
    series = simulate_motif_sequence(4, motif_steps=8, train_periods=3, test_periods=6, noise=0.0)
    steps = 8
    assert series.values.shape == series.labels.shape == (4 * 9 * steps,)
    assert series.train_end == 4 * 3 * steps
    assert series.labels[: series.train_end].sum() == 0
    start, end = series.anomaly_start, series.anomaly_end
    assert end - start + 1 == steps == series.labels.sum()
    assert start % (4 * steps) == 3 * steps  # a Z slot of the pattern X Y X Z
    assert series.train_end + 4 * steps <= start < len(series.values) - 8 * steps
    motifs = series.values.reshape(-1, steps)
    names = [min("XYZ", key=lambda m: np.abs(motif(m, steps) - row).max()) for row in motifs]
    jump = start // steps
    assert names[:jump] == ["X", "Y", "X", "Z"] * (jump // 4) + ["X", "Y", "X"]
    assert names[jump:] == (["Y", "X", "Z", "X"] * 9)[: len(names) - jump]


def test_motif_series_is_seeded():
    a, b, c = (simulate_motif_sequence(s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"motif_steps": 3}, ValueError, r"motif_steps must be in \[4, inf\]"),
        ({"test_periods": 3}, ValueError, r"test_periods must be in \[4, inf\]"),
        ({"train_periods": 1.5}, TypeError, "train_periods must be an integer"),
        ({"noise": -0.1}, ValueError, r"noise must be in \[0.0, inf\]"),
        ({"seed": -1}, ValueError, "seed must be in"),
    ],
)
def test_motif_series_rejects_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        simulate_motif_sequence(**kwargs)


def test_motif_rejects_an_unknown_name():
    with pytest.raises(ValueError, match="motif must be 'X', 'Y' or 'Z'"):
        motif("W", 8)
