"""The ConvLSTM and the IF + AE + ConvLSTM hybrid (adlib.nn.convlstm, detectors.hybrid_sequence).

The shared window-detector contract (fit/score, bad values, shapes, clone, seeds) runs on
every class here through SEQUENCE_CONTRACT_PARAMS in test_sequence_detectors.py. This file
checks what is particular to them: the ConvLSTM cell against a direct NumPy computation of
Shi et al.'s gate equations (the reference), the frame cutting and padding of the
autoencoder, the window features against a loop written out by hand, the hybrid's fusion
against combining its parts' scores by hand, its parts against the same detectors fitted
alone, determinism under a seed, and the bad parameters each rejects.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from adlib.data import segment_windows
from adlib.detectors import (
    ConvLSTMAutoencoderDetector,
    IFAEConvLSTMDetector,
    WindowAutoencoderDetector,
    WindowIsolationForestDetector,
    window_features,
)
from adlib.detectors.hybrid_sequence import PARTS, WINDOW_FEATURES
from adlib.nn import ConvLSTMAutoencoder, ConvLSTMCell

_TRAINING = {
    "epochs": 3,
    "batch_size": 32,
    "lr": 1e-2,
    "patience": 3,
    "val_fraction": 0.2,
    "device": "cpu",
}
HYBRID = {
    "n_estimators": 20,
    "ae_hidden": (8,),
    "convlstm_hidden": 4,
    "latent_dim": 2,
    "frame": 4,
    "kernel_size": 3,
    **_TRAINING,
}


@pytest.fixture(scope="module")
def windows() -> tuple[np.ndarray, np.ndarray]:
    """(train, new) windows of 16 steps × 2 channels from a noisy periodic series."""
    rng = np.random.default_rng(3)
    t = np.arange(360)
    series = np.column_stack(
        [
            np.sin(2 * np.pi * t / 24) + 0.1 * rng.normal(size=360),
            0.5 * np.cos(2 * np.pi * t / 24) + 0.05 * rng.normal(size=360),
        ]
    )
    return segment_windows(series, 16, [240])


@pytest.fixture(scope="module")
def hybrid(windows) -> IFAEConvLSTMDetector:
    return IFAEConvLSTMDetector(random_state=0, **HYBRID).fit(windows[0])


# --- the ConvLSTM cell against its equations ------------------------------------------------


def _conv_same(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Cross-correlation of x (in, width) with w (out, in, k), zero 'same' padding: (out, width)."""
    k = w.shape[2]
    padded = np.pad(x, ((0, 0), (k // 2, k // 2)))
    out = np.zeros((w.shape[0], x.shape[1]))
    for o in range(w.shape[0]):
        for p in range(x.shape[1]):
            out[o, p] = np.sum(w[o] * padded[:, p : p + k])
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _reference_step(cell: ConvLSTMCell, x, h, c):
    """One step of Shi et al. (2015), eq. 3, for one sample, written out in NumPy."""
    weight = cell.conv.weight.detach().double().numpy()
    bias = cell.conv.bias.detach().double().numpy()
    w_ci, w_cf, w_co = cell.peephole.detach().double().numpy()
    n_in, n_h = x.shape[0], h.shape[0]
    w_x, w_h = weight[:, :n_in], weight[:, n_in:]

    def transition(gate):  # W_x· * X_t + W_h· * H_{t-1} + b_·
        rows = slice(gate * n_h, (gate + 1) * n_h)
        return _conv_same(x, w_x[rows]) + _conv_same(h, w_h[rows]) + bias[rows, None]

    i = _sigmoid(transition(0) + w_ci * c)
    f = _sigmoid(transition(1) + w_cf * c)
    c_next = f * c + i * np.tanh(transition(2))
    o = _sigmoid(transition(3) + w_co * c_next)
    return o * np.tanh(c_next), c_next


@pytest.mark.parametrize("kernel_size", [1, 3, 5])
def test_convlstm_cell_follows_the_gate_equations_over_a_sequence(kernel_size):
    torch.manual_seed(0)
    cell = ConvLSTMCell(in_channels=2, hidden_channels=3, kernel_size=kernel_size, width=6)
    cell = cell.double()
    with torch.no_grad():
        cell.peephole.normal_()  # the peepholes start at zero; test them non-zero
    xs = torch.randn(4, 2, 2, 6, dtype=torch.float64)  # 4 steps, batch 2
    state = cell.initial_state(xs[0])
    expected = [(np.zeros((3, 6)), np.zeros((3, 6))) for _ in range(2)]
    for x in xs:
        state = cell(x, state)
        expected = [_reference_step(cell, x[b].numpy(), *expected[b]) for b in range(len(expected))]
        for b, (h, c) in enumerate(expected):
            np.testing.assert_allclose(state[0][b].detach().numpy(), h, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(state[1][b].detach().numpy(), c, rtol=1e-12, atol=1e-14)


def test_convlstm_cell_keeps_the_width_and_starts_from_zero_maps():
    cell = ConvLSTMCell(1, 4, 3, width=5)
    x = torch.randn(7, 1, 5)
    h, c = cell.initial_state(x)
    assert h.shape == c.shape == (7, 4, 5) and not h.any() and not c.any()
    h, c = cell(x, (h, c))
    assert h.shape == c.shape == (7, 4, 5)
    assert torch.all(h.abs() < 1)  # o ∘ tanh(C): both factors below 1 in size


def test_convlstm_autoencoder_cuts_frames_and_pads_the_start():
    torch.manual_seed(0)
    model = ConvLSTMAutoencoder(n_channels=2, window=10, frame=4, hidden=3, latent_dim=2)
    assert (model.n_frames, model.pad) == (3, 2)
    x = torch.randn(5, 10, 2)
    frames = model._frames(x)
    assert frames.shape == (5, 3, 2, 4)
    padded = torch.cat([x[:, :1], x[:, :1], x], dim=1)  # the first step, repeated twice
    for t in range(3):
        torch.testing.assert_close(frames[:, t], padded[:, 4 * t : 4 * t + 4].transpose(1, 2))
    assert model(x).shape == x.shape
    assert model.encode(x).shape == (5, 2)
    exact = ConvLSTMAutoencoder(n_channels=1, window=8, frame=4)
    assert (exact.n_frames, exact.pad) == (2, 0)
    assert exact(torch.randn(3, 8, 1)).shape == (3, 8, 1)


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: ConvLSTMCell(1, 4, 2, 5), ValueError, "kernel_size must be odd"),
        (lambda: ConvLSTMCell(1, 0, 3, 5), ValueError, r"hidden_channels must be in \[1, inf\]"),
        (lambda: ConvLSTMCell(1, 4, 3.0, 5), TypeError, "kernel_size must be an integer"),
        (lambda: ConvLSTMAutoencoder(1, window=6, frame=8), ValueError, "frame=8 is longer"),
        (lambda: ConvLSTMAutoencoder(1, window=6, latent_dim=0), ValueError, "latent_dim"),
    ],
)
def test_convlstm_modules_reject_bad_parameters(build, error, match):
    with pytest.raises(error, match=match):
        build()


# --- window features and the parts ---------------------------------------------------------


def test_window_features_match_a_loop_written_out(windows):
    W = windows[1][:7]
    features = window_features(W)
    assert features.shape == (7, len(WINDOW_FEATURES) * 2)
    for n in range(7):
        for ch in range(2):
            x = W[n, :, ch]
            by_hand = [
                x.mean(),
                x.std(),
                x.min(),
                x.max(),
                x[-1] - x[0],
                sum(abs(x[t + 1] - x[t]) for t in range(len(x) - 1)) / (len(x) - 1),
            ]
            np.testing.assert_allclose(features[n, ch::2], by_hand, rtol=1e-12)


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (np.zeros((4, 1, 2)), ValueError, "at least 2 steps"),
        (np.zeros((4, 3, 2, 1)), ValueError, "must be 3-D"),
        (np.array([[[np.nan], [1.0]]]), ValueError, "NaN"),
        (np.zeros((0, 3, 1)), ValueError, "at least 1"),
        ([["a", "b"]], TypeError, "X"),
    ],
)
def test_window_features_reject_bad_input(bad, error, match):
    with pytest.raises(error, match=match):
        window_features(bad)


def test_window_forest_is_an_isolation_forest_on_the_features(windows):
    from adlib.detectors import IsolationForestDetector

    train, new = windows
    ours = WindowIsolationForestDetector(n_estimators=30, random_state=4).fit(train)
    forest = IsolationForestDetector(n_estimators=30, random_state=4).fit(window_features(train))
    np.testing.assert_array_equal(
        ours.score_samples(new), forest.score_samples(window_features(new))
    )


@pytest.mark.parametrize(
    ("detector", "error", "match"),
    [
        (ConvLSTMAutoencoderDetector(kernel_size=4), ValueError, "kernel_size must be odd"),
        (ConvLSTMAutoencoderDetector(frame=32), ValueError, "frame=32 is longer than the windows"),
        (ConvLSTMAutoencoderDetector(hidden=0), ValueError, r"hidden must be in \[1, inf\]"),
        (ConvLSTMAutoencoderDetector(frame=2.5), TypeError, "frame must be an integer"),
        (WindowAutoencoderDetector(hidden=8), TypeError, "hidden must be a non-empty tuple"),
        (WindowAutoencoderDetector(hidden=(8, 0)), ValueError, r"hidden\[1\] must be in"),
        (WindowIsolationForestDetector(n_estimators=0), ValueError, "n_estimators must be in"),
        (IFAEConvLSTMDetector(method="max"), ValueError, "method must be 'zscore' or 'rank'"),
        (IFAEConvLSTMDetector(weights=(1, 1)), ValueError, "weights must be 3 non-negative"),
        (IFAEConvLSTMDetector(weights=(1, -1, 1)), ValueError, r"weights\[1\] must be in"),
        (IFAEConvLSTMDetector(weights=(0, 0, 0)), ValueError, "not all zero"),
        (IFAEConvLSTMDetector(weights="equal"), TypeError, "weights must be None or 3"),
        (IFAEConvLSTMDetector(weights=(1, np.nan, 1)), ValueError, "must be finite"),
        (IFAEConvLSTMDetector(val_fraction=0.5), ValueError, "val_fraction must be in"),
        (IFAEConvLSTMDetector(frame=17), ValueError, "frame=17 is longer than the windows"),
    ],
)
def test_bad_parameters_are_rejected_at_fit(detector, error, match, windows):
    quick = {"device": "cpu", "epochs": 1}
    detector.set_params(**{k: v for k, v in quick.items() if k in detector.get_params()})
    with pytest.raises(error, match=match):
        detector.fit(windows[0][:40])


def test_too_few_windows_for_the_networks_are_rejected(windows):
    with pytest.raises(ValueError, match="too few"):
        IFAEConvLSTMDetector(**HYBRID).fit(windows[0][:18])


# --- the hybrid's fusion ---------------------------------------------------------------------


def test_hybrid_parts_are_the_detectors_fitted_alone(hybrid, windows):
    train, new = windows
    alone = {
        "isolation forest": WindowIsolationForestDetector(20),
        "autoencoder": WindowAutoencoderDetector((8,), 2, **_TRAINING),
        "convlstm": ConvLSTMAutoencoderDetector(4, 2, 4, 3, **_TRAINING),
    }
    assert list(hybrid.components_) == list(PARTS)
    scores = hybrid.component_scores(new)
    assert scores.shape == (len(new), 3)
    for k, (name, detector) in enumerate(alone.items()):
        part = hybrid.components_[name]
        detector.set_params(random_state=part.random_state).fit(train)
        np.testing.assert_array_equal(scores[:, k], detector.score_samples(new))
        assert hybrid.fit_seconds_[name] > 0
    n_weights = sum(p.numel() for p in hybrid.model_.parameters())
    assert n_weights == sum(
        p.numel()
        for name in ("autoencoder", "convlstm")
        for p in hybrid.components_[name].model_.parameters()
    )


@pytest.mark.parametrize("method", ["zscore", "rank"])
@pytest.mark.parametrize("weights", [None, (0.2, 0.3, 0.5)])
def test_hybrid_score_is_the_fusion_of_its_parts_scores_by_hand(method, weights, windows):
    train, new = windows
    hybrid = IFAEConvLSTMDetector(random_state=1, method=method, weights=weights, **HYBRID)
    hybrid.fit(train)
    n_val = round(0.2 * len(train))
    reference = np.column_stack(
        [hybrid.components_[name].score_samples(train[-n_val:]) for name in PARTS]
    )
    np.testing.assert_array_equal(hybrid.reference_, reference)
    w = np.full(3, 1 / 3) if weights is None else np.asarray(weights) / sum(weights)
    expected = np.zeros(len(new))
    for k, name in enumerate(PARTS):
        s = hybrid.components_[name].score_samples(new)
        ref = reference[:, k]
        if method == "zscore":
            scaled = (s - ref.mean()) / ref.std()
        else:
            scaled = np.array([np.mean(ref <= value) for value in s])
        expected += w[k] * scaled
    np.testing.assert_allclose(hybrid.score_samples(new), expected, rtol=1e-12, atol=1e-15)


def test_hybrid_is_deterministic_under_a_seed_and_leaves_global_randomness_alone(hybrid, windows):
    train, new = windows
    torch_state = torch.get_rng_state()
    np_state = np.random.get_state()  # noqa: NPY002 -- the legacy global state is the point
    again = IFAEConvLSTMDetector(random_state=0, **HYBRID).fit(train)
    assert torch.equal(torch.get_rng_state(), torch_state)
    after = np.random.get_state()  # noqa: NPY002
    np.testing.assert_array_equal(after[1], np_state[1])
    assert after[2:] == np_state[2:]
    np.testing.assert_array_equal(again.score_samples(new), hybrid.score_samples(new))
    np.testing.assert_array_equal(again.reference_, hybrid.reference_)
    seeds = {name: part.random_state for name, part in again.components_.items()}
    assert len(set(seeds.values())) == 3  # each part gets its own seed
    other = IFAEConvLSTMDetector(random_state=1, **HYBRID).fit(train)
    assert not np.array_equal(other.score_samples(new), hybrid.score_samples(new))


def test_hybrid_component_scores_need_a_fitted_detector_and_matching_windows(hybrid, windows):
    with pytest.raises(ValueError, match=r"not fitted yet; call \.fit\(windows_train\)"):
        IFAEConvLSTMDetector().component_scores(windows[1])
    with pytest.raises(ValueError, match="X has windows of 15 steps"):
        hybrid.component_scores(windows[1][:, 1:])
