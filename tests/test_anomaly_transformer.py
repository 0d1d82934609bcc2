"""The Anomaly Transformer (adlib.nn.anomaly_transformer, AnomalyTransformerDetector).

Checked against formulas: the Gaussian prior against the paper's normalised density in
numpy, the association discrepancy against scipy's ``rel_entr``, the minimax loss against
the authors' two backward passes, the score against its numpy formula.

Cross-checked against PyOD 3.6.7's ``pyod.models.ts_anomaly_transformer`` (pinned in
requirements.txt) on identical inputs: (1) its prior association equals ``gaussian_prior``
at its per-head sigma; (2) with its query/key/value/output weights copied into
``AnomalyAttention`` (and our per-step sigma map set to give its sigma), the attention
output, series and prior associations agree; (3) its discrepancy equals ours up to its
conventions (it halves the symmetric KL and sums over layers where the paper averages, and
puts 1e-8 inside the logarithms where the authors put 1e-4), and with two layers, where the
conventions coincide, its point scores on a model's outputs equal ``anomaly_score``'s;
(4) both detectors, trained on a sine wave, put the top score on an obvious spike.

What cannot be cross-checked: whole trained models. PyOD's network differs in its parts
(a convolution with bias and zero padding, a learned positional encoding, no final layer
norm, dropout, one sigma per head instead of per step), and its training differs in kind:
its second phase *raises* the discrepancy with respect to the prior, with no reconstruction
term, where the paper (equation 4) and the authors' code lower it, so the two train
different games and only rankings on an easy anomaly can be compared.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from pyod.models import ts_anomaly_transformer as pyod_at
from scipy.special import rel_entr

from adlib.data import sliding_windows, window_scores_to_steps
from adlib.detectors import AnomalyTransformerDetector
from adlib.nn import (
    AnomalyTransformer,
    anomaly_score,
    association_discrepancy,
    gaussian_prior,
    minimax_loss,
)
from adlib.nn.anomaly_transformer import AnomalyAttention, AnomalyTransformerOutput

CHEAP = {
    "d_model": 8,
    "n_heads": 2,
    "n_layers": 1,
    "dim_feedforward": 16,
    "epochs": 3,
    "batch_size": 32,
    "lr": 1e-2,
    "patience": 3,
    "random_state": 0,
    "device": "cpu",
}


def _distributions(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random rows that sum to 1 (a softmax of normal logits), float64."""
    logits = rng.normal(size=shape)
    return np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def windows() -> tuple[np.ndarray, np.ndarray]:
    """(train, new) windows of 16 steps of a noisy sine with period 12."""
    rng = np.random.default_rng(3)
    t = np.arange(400)
    series = np.sin(2 * np.pi * t / 12) + 0.05 * rng.normal(size=400)
    return sliding_windows(series[:300], 16), sliding_windows(series[300:], 16)


@pytest.fixture(scope="module")
def fitted(windows) -> AnomalyTransformerDetector:
    return AnomalyTransformerDetector(**CHEAP).fit(windows[0])


# --- the prior association ----------------------------------------------------------------


def test_gaussian_prior_rows_sum_to_one_and_match_the_normalised_density():
    sigma = np.random.default_rng(0).uniform(0.3, 4.0, size=(2, 3, 9))
    prior = gaussian_prior(torch.from_numpy(sigma)).numpy()
    steps = np.arange(9)
    distance = steps[:, None] - steps[None, :]
    density = np.exp(-(distance**2) / (2 * sigma[..., None] ** 2))
    density /= np.sqrt(2 * np.pi) * sigma[..., None]
    assert prior.shape == (2, 3, 9, 9)
    np.testing.assert_allclose(prior.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(prior, density / density.sum(axis=-1, keepdims=True), rtol=1e-12)


def test_a_tiny_sigma_gives_one_hot_rows_not_nan():
    prior = gaussian_prior(torch.full((1, 5), 1e-5))
    torch.testing.assert_close(prior[0], torch.eye(5))


@pytest.mark.parametrize(
    ("sigma", "error", "match"),
    [
        (np.ones(4), TypeError, "floating-point torch tensor"),
        (torch.ones(4, dtype=torch.int64), TypeError, "floating-point torch tensor"),
        (torch.tensor(1.0), ValueError, r"shape \(\.\.\., L\)"),
        (torch.ones(2, 0), ValueError, r"shape \(\.\.\., L\)"),
        (torch.tensor([1.0, 0.0]), ValueError, "finite and positive"),
        (torch.tensor([1.0, -2.0]), ValueError, "finite and positive"),
        (torch.tensor([1.0, float("nan")]), ValueError, "finite and positive"),
        (torch.tensor([1.0, float("inf")]), ValueError, "finite and positive"),
    ],
)
def test_gaussian_prior_rejects_bad_sigma(sigma, error, match):
    with pytest.raises(error, match=match):
        gaussian_prior(sigma)


# --- the association discrepancy -----------------------------------------------------------


def test_discrepancy_is_the_symmetric_kl_of_scipy_averaged_over_heads_and_layers():
    rng = np.random.default_rng(1)
    prior = [_distributions(rng, (2, 3, 7, 7)) for _ in range(2)]
    series = [_distributions(rng, (2, 3, 7, 7)) for _ in range(2)]
    per_layer = [
        (rel_entr(p, s) + rel_entr(s, p)).sum(axis=-1).mean(axis=1)
        for p, s in zip(prior, series, strict=True)
    ]
    expected = np.mean(per_layer, axis=0)
    got = association_discrepancy(
        [torch.from_numpy(p) for p in prior], [torch.from_numpy(s) for s in series], eps=0.0
    )
    assert got.shape == (2, 7)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10)


def test_discrepancy_with_eps_follows_the_authors_formula_and_vanishes_for_equal_rows():
    rng = np.random.default_rng(2)
    p, s = _distributions(rng, (1, 2, 5, 5)), _distributions(rng, (1, 2, 5, 5))
    eps = 1e-4

    def kl(a, b):
        return (a * (np.log(a + eps) - np.log(b + eps))).sum(axis=-1).mean(axis=1)

    got = association_discrepancy([torch.from_numpy(p)], [torch.from_numpy(s)], eps=eps)
    np.testing.assert_allclose(got.numpy(), kl(p, s) + kl(s, p), rtol=1e-12)
    same = association_discrepancy([torch.from_numpy(p)], [torch.from_numpy(p)])
    assert (same == 0).all() and (got > 0).all()


@pytest.mark.parametrize(
    ("prior", "series", "eps", "error", "match"),
    [
        ([], [], 1e-4, ValueError, "one tensor per layer"),
        ([torch.ones(1, 1, 3, 3)], [], 1e-4, ValueError, "got 1 and 0"),
        ([torch.ones(1, 1, 3, 3)], [torch.ones(1, 1, 3, 4)], 1e-4, ValueError, "layer 0"),
        ([torch.ones(1, 3, 3)], [torch.ones(1, 3, 3)], 1e-4, ValueError, r"\(batch, heads, L, L\)"),
        ([torch.ones(1, 1, 3, 4)], [torch.ones(1, 1, 3, 4)], 1e-4, ValueError, "layer 0"),
        ([torch.ones(1, 1, 3, 3)], [torch.ones(1, 1, 3, 3)], -1.0, ValueError, "eps"),
        ([torch.ones(1, 1, 3, 3)], [torch.ones(1, 1, 3, 3)], "0", TypeError, "eps"),
    ],
)
def test_discrepancy_rejects_bad_input(prior, series, eps, error, match):
    with pytest.raises(error, match=match):
        association_discrepancy(prior, series, eps)


# --- the minimax loss and the score ---------------------------------------------------------


def _network_and_batch() -> tuple[AnomalyTransformer, torch.Tensor]:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return AnomalyTransformer(2, 12, d_model=8, n_heads=2, n_layers=2), torch.randn(4, 12, 2)


def test_minimax_loss_is_the_mse_and_half_the_gradient_of_the_authors_two_phases():
    model, x = _network_and_batch()
    loss = minimax_loss(model(x), x, weight=3.0)
    ours = torch.autograd.grad(loss, list(model.parameters()))
    # the authors' code: loss1 = rec - k·AssDis(P detached, S), loss2 = rec + k·AssDis(P, S
    # detached), backward of both, one optimiser step
    output = model(x)
    rec = F.mse_loss(output.reconstruction, x)
    loss1 = (
        rec
        - 3.0 * association_discrepancy([p.detach() for p in output.prior], output.series).mean()
    )
    loss2 = (
        rec
        + 3.0 * association_discrepancy(output.prior, [s.detach() for s in output.series]).mean()
    )
    theirs = torch.autograd.grad(loss1 + loss2, list(model.parameters()), allow_unused=True)
    torch.testing.assert_close(loss, rec)
    for mine, reference in zip(ours, theirs, strict=True):
        torch.testing.assert_close(mine, 0.5 * reference)


def test_minimax_moves_the_prior_towards_the_series_and_the_series_away():
    """The last layer's query map feeds only its series association; a sigma map only its prior."""
    model, x = _network_and_batch()
    sigma_map = model.layers[0].attention.sigma.weight
    query = model.layers[-1].attention.query.weight
    output = model(x)
    discrepancy = association_discrepancy(output.prior, output.series).mean()
    up_sigma, up_query = torch.autograd.grad(discrepancy, [sigma_map, query])
    output = model(x)
    game = minimax_loss(output, x, weight=3.0) - F.mse_loss(output.reconstruction, x)
    sigma_step, query_step = torch.autograd.grad(game, [sigma_map, query])
    torch.testing.assert_close(sigma_step, 1.5 * up_sigma)  # descent lowers the discrepancy
    torch.testing.assert_close(query_step, -1.5 * up_query)  # descent raises it


def test_anomaly_score_is_softmax_of_minus_discrepancy_times_the_error():
    model, x = _network_and_batch()
    with torch.no_grad():
        output = model(x)
        score = anomaly_score(output, x).numpy()
        discrepancy = association_discrepancy(output.prior, output.series).numpy()
        error = ((output.reconstruction - x) ** 2).mean(dim=-1).numpy()
    weights = np.exp(-discrepancy) / np.exp(-discrepancy).sum(axis=1, keepdims=True)
    assert score.shape == (4, 12)
    np.testing.assert_allclose(score, weights * error, rtol=1e-5)


def test_model_shapes_and_sigma_range():
    model, x = _network_and_batch()
    output = model(x)
    assert output.reconstruction.shape == x.shape
    assert len(output.series) == len(output.prior) == len(output.sigma) == 2
    assert output.series[0].shape == output.prior[0].shape == (4, 2, 12, 12)
    assert output.sigma[0].shape == (4, 2, 12)
    sigma = torch.cat(output.sigma)
    assert (sigma > 0).all() and (sigma < 2).all()
    with pytest.raises(ValueError, match="divisible by n_heads"):
        AnomalyTransformer(1, 8, d_model=6, n_heads=4)


# --- PyOD cross-checks --------------------------------------------------------------------


def test_pyod_prior_equals_gaussian_prior_at_its_sigma():
    attention = pyod_at._AnomalyAttention(d_model=8, n_heads=4, window_size=10)
    sigma = torch.tensor([0.4, 1.0, 1.7, 3.0])
    with torch.no_grad():
        attention.sigma.copy_(sigma)
        _, _, theirs = attention(torch.randn(2, 10, 8))
    ours = gaussian_prior(sigma[None, :, None].expand(2, 4, 10))
    torch.testing.assert_close(ours, theirs)


def test_attention_with_pyod_weights_gives_pyods_output_and_associations():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        theirs = pyod_at._AnomalyAttention(d_model=8, n_heads=2, window_size=10)
        ours = AnomalyAttention(d_model=8, n_heads=2)
        x = torch.randn(3, 10, 8)
    sigma = torch.tensor([0.6, 1.5])
    with torch.no_grad():
        theirs.sigma.copy_(sigma)
        pairs = [
            (ours.query, theirs.W_q),
            (ours.key, theirs.W_k),
            (ours.value, theirs.W_v),
            (ours.out, theirs.out_proj),
        ]
        for mine, reference in pairs:
            mine.load_state_dict(reference.state_dict())
        # a constant raw width s with 3^(sigmoid(5 s) + 1e-5) - 1 = sigma, at every step
        ours.sigma.weight.zero_()
        ours.sigma.bias.copy_(torch.logit(torch.log(sigma + 1) / np.log(3) - 1e-5) / 5)
        out, series, prior, _ = ours(x)
        out_ref, series_ref, prior_ref = theirs(x)
    torch.testing.assert_close(out, out_ref)
    torch.testing.assert_close(series, series_ref)
    torch.testing.assert_close(prior, prior_ref, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("n_layers", [1, 2, 3])
def test_discrepancy_equals_pyods_up_to_its_conventions(n_layers):
    rng = np.random.default_rng(n_layers)
    layers = [
        (torch.from_numpy(_distributions(rng, (2, 2, 6, 6))), gaussian_prior(torch.ones(2, 2, 6)))
        for _ in range(n_layers)
    ]
    theirs = pyod_at._compute_association_discrepancy(layers)
    ours = association_discrepancy([p for _, p in layers], [s for s, _ in layers], eps=1e-8)
    # PyOD: sum over layers of the halved symmetric KL; the paper: mean of the full one
    torch.testing.assert_close(ours, theirs * 2 / n_layers)


def test_anomaly_score_equals_pyods_on_a_two_layer_models_outputs():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(2)
        model = pyod_at._AnomalyTransformerModel(2, 12, d_model=8, n_heads=2, n_layers=2)
        x = torch.randn(5, 12, 2)
    theirs = pyod_at._score_windows(model, x, torch.device("cpu"), 12)
    with torch.no_grad():
        reconstruction, layers = model(x)
        output = AnomalyTransformerOutput(
            reconstruction,
            tuple(s for s, _ in layers),
            tuple(p for _, p in layers),
            sigma=(),
        )
        ours = anomaly_score(output, x, eps=1e-8).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_both_implementations_rank_an_obvious_spike_first():
    """A sine of period 20; in the test part, a spike of 6 at steps 200-202."""
    rng = np.random.default_rng(5)
    t = np.arange(1000)
    series = np.sin(2 * np.pi * t / 20) + 0.05 * rng.normal(size=1000)
    train, test = series[:600], series[600:].copy()
    test[200:203] += 6.0
    window = 32
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        reference = pyod_at.AnomalyTransformer(
            window_size=window, d_model=16, n_heads=2, n_layers=1, epochs=3, lr=1e-3, device="cpu"
        ).fit(train)
        theirs = reference.decision_function(test)
    ours = AnomalyTransformerDetector(**(CHEAP | {"d_model": 16, "epochs": 10})).fit(
        sliding_windows(train, window)
    )
    steps = window_scores_to_steps(
        ours.score_samples(sliding_windows(test, window)), len(test), window
    )
    assert 195 <= np.argmax(theirs) <= 205
    assert 195 <= np.argmax(steps) <= 205


# --- the detector ---------------------------------------------------------------------------


def test_step_scores_average_to_the_window_score(fitted, windows):
    new = windows[1]
    steps = fitted.step_scores(new)
    assert steps.shape == new.shape[:2] and steps.dtype == np.float64
    np.testing.assert_allclose(steps.mean(axis=1), fitted.score_samples(new), rtol=1e-12)
    discrepancy = fitted.discrepancy(new)
    assert discrepancy.shape == new.shape[:2] and (discrepancy > 0).all()
    weights = np.exp(-discrepancy) / np.exp(-discrepancy).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(steps, weights * fitted.reconstruction_error(new), rtol=1e-5)


def test_association_maps_are_head_means_of_distributions(fitted, windows):
    maps = fitted.association_maps(windows[1][:3])
    assert len(maps) == CHEAP["n_layers"]
    series, prior = maps[0]
    assert series.shape == prior.shape == (3, 16, 16)
    np.testing.assert_allclose(series.sum(axis=-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(prior.sum(axis=-1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match=r"before \.association_maps"):
        AnomalyTransformerDetector(**CHEAP).association_maps(windows[1])


def test_the_monitored_loss_is_the_reconstruction_mse(fitted, windows):
    model, history = fitted.model_, fitted.history_
    x = torch.from_numpy(fitted._standardise(windows[0][-20:]))
    with torch.no_grad():
        loss = fitted._loss(model, (x,))
        torch.testing.assert_close(loss, F.mse_loss(model(x).reconstruction, x))
    assert len(history.val_loss) == CHEAP["epochs"]
    assert all(loss > 0 for loss in history.val_loss)


def test_discrepancy_weight_changes_training(windows):
    plain = AnomalyTransformerDetector(**(CHEAP | {"discrepancy_weight": 0.0})).fit(windows[0])
    game = AnomalyTransformerDetector(**CHEAP).fit(windows[0])
    assert plain.history_.train_loss != game.history_.train_loss


def test_helpers_need_a_fitted_detector_and_matching_windows(fitted, windows):
    unfitted = r"not fitted yet; call \.fit\(windows_train\) before \.step_scores"
    with pytest.raises(ValueError, match=unfitted):
        AnomalyTransformerDetector(**CHEAP).step_scores(windows[1])
    with pytest.raises(ValueError, match=r"before \.discrepancy"):
        AnomalyTransformerDetector(**CHEAP).discrepancy(windows[1])
    with pytest.raises(ValueError, match="windows of 15 steps"):
        fitted.step_scores(windows[1][:, 1:])
    bad = windows[1].copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fitted.discrepancy(bad)
    with pytest.raises(TypeError, match="complex"):
        fitted.step_scores(windows[1].astype(complex))


def test_constant_training_windows_are_rejected():
    with pytest.raises(ValueError, match=r"channels \[0\] are constant"):
        AnomalyTransformerDetector(**CHEAP).fit(np.ones((40, 16)))


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"d_model": 6, "n_heads": 4}, ValueError, "d_model=6 must be divisible by n_heads=4"),
        ({"d_model": 0}, ValueError, r"d_model must be in \[1, inf\]"),
        ({"n_heads": 2.0}, TypeError, "n_heads must be an integer"),
        ({"n_layers": 0}, ValueError, r"n_layers must be in \[1, inf\]"),
        ({"dim_feedforward": 0}, ValueError, r"dim_feedforward must be in \[1, inf\]"),
        ({"discrepancy_weight": -1.0}, ValueError, r"discrepancy_weight must be in \[0"),
        ({"discrepancy_weight": "3"}, TypeError, "discrepancy_weight must be a real number"),
        ({"discrepancy_weight": float("nan")}, ValueError, "discrepancy_weight must be finite"),
        ({"val_fraction": 0.6}, ValueError, "val_fraction"),
    ],
)
def test_bad_parameters_are_rejected_at_fit(params, error, match, windows):
    with pytest.raises(error, match=match):
        AnomalyTransformerDetector(**(CHEAP | params)).fit(windows[0])
