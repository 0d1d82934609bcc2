"""SAE-GAN (adlib.nn.sae_gan, adlib.detectors.SAEGANDetector): hand-written parts against
torch's own, the reduction to adlib's plain autoencoder, scoring, bad input, and learning.

No reference implementation of SAE-GAN exists (002 §3.3 cites none), so the references are
the pieces: the GAN losses against torch's binary cross-entropy with logits, the attention
layer against its formula, and the whole detector, with the adversarial weight 0 and no
attention, against :class:`adlib.detectors.AutoencoderDetector` trained the same way. The
contract tests (clone, get_params, NaN/complex/shape checks, determinism, global random
state) run it through the shared lists in tests/test_detectors.py and
tests/test_neural_detectors.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

from adlib.detectors import AutoencoderDetector, SAEGANDetector
from adlib.holdout import holdout_rows, relative_val_loss
from adlib.nn import SAEGAN, Autoencoder, FeatureAttention, adversarial_losses, mlp

CHEAP = {
    "hidden": (8,),
    "latent_dim": 2,
    "epochs": 4,
    "batch_size": 32,
    "lr": 1e-2,
    "patience": 4,
    "random_state": 0,
    "device": "cpu",
    "progress": False,
}


def cheap(**kwargs) -> SAEGANDetector:
    return SAEGANDetector(**{**CHEAP, **kwargs})


def n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


# --- the hand-written pieces against torch -------------------------------------------------


def test_adversarial_losses_equal_torch_binary_cross_entropy_with_logits():
    gen = torch.Generator().manual_seed(0)
    logit_real = torch.cat([3 * torch.randn(64, generator=gen), torch.tensor([-200.0, 200.0])])
    logit_fake = torch.cat([3 * torch.randn(64, generator=gen), torch.tensor([200.0, -200.0])])
    generator, discriminator = adversarial_losses(logit_real, logit_fake)
    bce = F.binary_cross_entropy_with_logits
    torch.testing.assert_close(generator, bce(logit_fake, torch.ones_like(logit_fake)))
    expected = 0.5 * (
        bce(logit_real, torch.ones_like(logit_real)) + bce(logit_fake, torch.zeros_like(logit_fake))
    )
    torch.testing.assert_close(discriminator, expected)
    assert torch.isfinite(generator) and torch.isfinite(discriminator)
    # a discriminator that cannot tell real from rebuilt (logit 0 everywhere) loses ln 2
    zero = torch.zeros(8)
    for loss in adversarial_losses(zero, zero):
        torch.testing.assert_close(loss, torch.tensor(np.log(2.0), dtype=torch.float32))


def test_feature_attention_follows_its_formula_and_starts_as_the_identity():
    torch.manual_seed(0)
    attention = FeatureAttention(5)
    h = torch.randn(7, 5)
    gated, alpha = attention(h)
    torch.testing.assert_close(gated, h)  # zero weights: α = 1/5, so 5 · α ⊙ h = h
    torch.testing.assert_close(alpha, torch.full((7, 5), 0.2))
    with torch.no_grad():
        attention.weight.normal_()
        attention.bias.normal_()
    gated, alpha = attention(h)
    logits = h @ attention.weight.T + attention.bias
    expected = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
    torch.testing.assert_close(alpha, expected)
    torch.testing.assert_close(alpha.sum(dim=1), torch.ones(7))
    torch.testing.assert_close(gated, 5 * expected * h)


def test_fresh_attention_encoder_is_the_plain_stacked_encoder():
    torch.manual_seed(3)
    model = SAEGAN(6, (8, 4), 2)
    torch.manual_seed(3)
    plain = Autoencoder(6, (8, 4), 2)
    encoder = model.generator["encoder"]
    # same initial weights for the linear layers (attention draws no random numbers) ...
    for ours, theirs in zip(encoder.linears, plain.encoder[::2], strict=True):
        assert torch.equal(ours.weight, theirs.weight) and torch.equal(ours.bias, theirs.bias)
    decoder = model.generator["decoder"].state_dict()
    for key, value in plain.decoder.state_dict().items():
        assert torch.equal(decoder[key], value), key
    # ... and, attention being uniform at the start, the same function
    x = torch.randn(10, 6)
    torch.testing.assert_close(model(x), plain(x))
    code, weights = encoder.encode(x)
    torch.testing.assert_close(code, plain.encoder(x))
    assert [w.shape for w in weights] == [(10, 6), (10, 8), (10, 4)]
    # the discriminator: one logit per row, through the generator's hidden widths
    assert model.discriminate(x).shape == (10,)
    assert n_params(model.discriminator) == n_params(mlp([6, 8, 4, 1]))
    no_attention = SAEGAN(6, (8, 4), 2, attention=False)
    assert n_params(model.generator) - n_params(no_attention.generator) == 36 + 6 + 64 + 8 + 16 + 4


# --- the detector -------------------------------------------------------------------------


def test_without_adversary_and_attention_it_trains_exactly_like_the_autoencoder(X_train, X_new):
    common = {**CHEAP, "hidden": (8, 4), "epochs": 6, "patience": 6, "lr": 1e-2}
    sae = SAEGANDetector(**common, w_adv=0.0, attention=False).fit(X_train)
    plain = AutoencoderDetector(**common).fit(X_train)
    assert sae.history_.val_loss == plain.history_.val_loss
    assert sae.history_.train_losses["reconstruction"] == plain.history_.train_loss
    assert sae.history_.best_epoch == plain.history_.best_epoch
    for (key, ours), theirs in zip(
        sae.model_.generator.state_dict().items(), plain.model_.state_dict().values(), strict=True
    ):
        assert torch.equal(ours, theirs), key
    np.testing.assert_array_equal(sae.score_samples(X_new), plain.score_samples(X_new))
    np.testing.assert_array_equal(
        sae.reconstruction_error(X_new), plain.reconstruction_error(X_new)
    )
    # the discriminator trained all the same (on its own loss), but moved nothing else
    assert np.isfinite(sae.history_.train_losses["discriminator"]).all()
    # with an adversary, the generator's training differs
    adversarial = SAEGANDetector(**common, w_adv=0.5, attention=False).fit(X_train)
    assert adversarial.history_.val_loss != plain.history_.val_loss


def test_both_players_train_and_every_loss_is_logged(X_train):
    detector = cheap(epochs=5, patience=5, w_adv=0.3).fit(X_train)
    history = detector.history_
    logged = {"generator", "discriminator", "reconstruction", "adversarial"}
    assert set(history.train_losses) == set(history.val_losses) == logged
    # early stopping follows the reconstruction error, the quantity the score measures
    assert history.val_loss == history.val_losses["reconstruction"]
    recon, adv = history.val_losses["reconstruction"][-1], history.val_losses["adversarial"][-1]
    assert history.val_losses["generator"][-1] == pytest.approx(recon + 0.3 * adv, rel=1e-5)
    state = detector.model_.state_dict()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(detector.seed_)
        initial = SAEGAN(3, (8,), 2).state_dict()
    assert state.keys() == initial.keys()
    for key in state:  # attention, encoder, decoder and discriminator all moved
        assert not torch.equal(state[key], initial[key]), key


def test_scoring_choices_share_one_training(X_train, X_new):
    plain = cheap().fit(X_train)
    combined = cheap(scoring="combined").fit(X_train)
    assert plain.history_.train_losses == combined.history_.train_losses
    e, delta = plain.reconstruction_score(X_new), plain.discriminator_score(X_new)
    np.testing.assert_array_equal(plain.score_samples(X_new), e)
    assert (delta > 0).all() and e.dtype == delta.dtype == np.float64
    # the two terms, each over its mean on the training rows
    scale_e = plain.reconstruction_score(X_train).mean()
    scale_d = plain.discriminator_score(X_train).mean()
    assert combined.reconstruction_scale_ == pytest.approx(scale_e, rel=1e-12)
    assert combined.discriminator_scale_ == pytest.approx(scale_d, rel=1e-12)
    np.testing.assert_allclose(
        combined.score_samples(X_new), e / scale_e + delta / scale_d, rtol=1e-12
    )
    # δ(x) = −log σ(ℓ(x)), computed without underflow
    x = torch.as_tensor(plain.scaler_.transform(X_new), dtype=torch.float32)
    with torch.no_grad():
        logits = plain.model_.discriminate(x).double()
    np.testing.assert_allclose(delta, -torch.log(torch.sigmoid(logits)).numpy(), rtol=1e-9)


def test_attention_weights_per_level(X_train, X_new):
    detector = cheap(hidden=(8, 4)).fit(X_train)
    weights = detector.attention_weights(X_new)
    assert [w.shape for w in weights] == [(len(X_new), 3), (len(X_new), 8), (len(X_new), 4)]
    for w in weights:
        np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-5)
        assert (w > 0).all()
    with pytest.raises(ValueError, match="attention=False: there are no weights"):
        cheap(attention=False).fit(X_train).attention_weights(X_new)


def test_relative_val_loss_reads_the_reconstruction_error(X_train):
    detector = cheap().fit(X_train)
    rows = holdout_rows(detector, X_train)
    expected = detector.history_.val_losses["reconstruction"][detector.history_.best_epoch]
    assert relative_val_loss(detector, X_train) == pytest.approx(expected / (rows**2).mean())


@pytest.mark.parametrize(
    "method", ["reconstruction_score", "discriminator_score", "attention_weights"]
)
def test_helpers_reject_bad_input(method, X_train, X_new):
    detector = cheap()
    with pytest.raises(
        ValueError, match=rf"not fitted yet; call \.fit\(X_train\) before \.{method}"
    ):
        getattr(detector, method)(X_new)
    helper = getattr(detector.fit(X_train), method)
    result = helper(X_new.tolist())
    rows = result[0] if method == "attention_weights" else result  # one array per level
    assert len(rows) == len(X_new) and np.isfinite(rows).all()
    bad = X_new.copy()
    bad[2, 0] = np.nan
    with pytest.raises(ValueError, match="X contains 1 NaN and 0 infinite"):
        helper(bad)
    with pytest.raises(TypeError, match=r"X is complex \(dtype complex128\)"):
        helper(X_new + 1j)
    with pytest.raises(TypeError, match="X"):
        helper([["a", "b", "c"]])
    with pytest.raises(ValueError, match="X has 2 features but the detector was fitted on 3"):
        helper(X_new[:, :2])
    with pytest.raises(ValueError, match="X must be 2-D"):
        helper(X_new[0])


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"attention": 1}, TypeError, "attention must be True or False, got 1"),
        ({"attention": "yes"}, TypeError, "attention must be True or False"),
        ({"w_adv": -0.1}, ValueError, r"w_adv must be in \[0.0, inf\], got -0.1"),
        ({"w_adv": float("inf")}, ValueError, "w_adv must be finite"),
        ({"w_adv": "0.1"}, TypeError, "w_adv must be a real number"),
        ({"scoring": "discriminator"}, ValueError, "scoring must be 'reconstruction' or 'comb"),
        ({"hidden": ()}, TypeError, "hidden must be a non-empty tuple of layer widths"),
        ({"latent_dim": 0}, ValueError, r"latent_dim must be in \[1, inf\]"),
        ({"val_fraction": 0.6}, ValueError, r"val_fraction must be in \(0.0, 0.5\)"),
    ],
)
def test_bad_parameters_are_rejected_at_fit(params, error, match, X_train):
    detector = cheap(**params)
    assert detector.get_params()[next(iter(params))] == next(iter(params.values()))
    with pytest.raises(error, match=match):
        detector.fit(X_train)
    assert not hasattr(detector, "n_features_in_")


def test_too_few_or_empty_rows_are_rejected(X_train):
    with pytest.raises(ValueError, match="X"):
        cheap().fit(X_train[:0])
    with pytest.raises(ValueError, match="X"):
        cheap().fit(X_train[:3])


# --- it learns -----------------------------------------------------------------------------


def shuttle_like(rng: np.random.Generator, n_normal: int, n_anomalies: int):
    """Nine features driven by two hidden factors (normal rows) plus rows off that plane.

    Shuttle's normal rows lie close to a low-dimensional set of its nine features; its
    anomalies break the relations between features while each value stays in a plausible
    range. Here: x = A f + noise for factors f ~ N(0, I₂); anomalies add a step of 1 to 2
    along a third direction that normal rows never take.
    """
    mixing = rng.normal(size=(2, 9))
    off_plane = rng.normal(size=(1, 9))
    normal = rng.normal(size=(n_normal, 2)) @ mixing + 0.05 * rng.normal(size=(n_normal, 9))
    step = rng.choice([-1.0, 1.0], size=(n_anomalies, 1)) * (1.0 + rng.random((n_anomalies, 1)))
    anomalies = rng.normal(size=(n_anomalies, 2)) @ mixing + step @ off_plane
    return normal, anomalies


def test_learns_shuttle_like_data(rng):
    normal, anomalies = shuttle_like(rng, 1500, 60)
    X_train, X_test = normal[:1200], np.vstack([normal[1200:], anomalies])
    y_test = np.r_[np.zeros(300), np.ones(60)]
    detector = SAEGANDetector(
        hidden=(16, 8), latent_dim=2, epochs=20, lr=3e-3, random_state=0, device="cpu"
    ).fit(X_train)
    assert roc_auc_score(y_test, detector.score_samples(X_test)) > 0.97
    # the generator rebuilds normal rows well: hold-out MSE a small share of their spread
    assert relative_val_loss(detector, X_train) < 0.05
    # and the discriminator ends near ln 2: it can barely tell rebuilt rows from real ones
    assert detector.history_.val_losses["discriminator"][-1] > 0.5


def test_scores_flattened_windows_of_a_series():
    steps = np.arange(4000)
    series = np.sin(2 * np.pi * steps / 50) + 0.05 * np.random.default_rng(0).normal(size=4000)
    windows = np.lib.stride_tricks.sliding_window_view(series, 50)[::5]
    X = windows.reshape(len(windows), -1)  # (n_windows, window · n_channels), one channel
    spiked = X[:3].copy()
    spiked[:, 25] += 3.0
    detector = SAEGANDetector(
        hidden=(16,), latent_dim=2, epochs=10, random_state=0, device="cpu"
    ).fit(X)
    assert detector.score_samples(spiked).min() > detector.score_samples(X).max()
