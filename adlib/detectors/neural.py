"""Neural detectors for tabular rows: autoencoders (notebook 03), VAE (04), GANomaly and
SAE-GAN (05).

Each detector standardises the features, holds out ``val_fraction`` of the (normal)
training rows for early stopping, builds its module from :mod:`adlib.nn.tabular` (SAE-GAN:
:mod:`adlib.nn.sae_gan`) and trains it with :func:`adlib.nn.fit` on the GPU when there is
one (``device="auto"``). All randomness (initial weights, dropout, noise, batch order, the
validation hold-out) comes from ``random_state``, inside a forked torch RNG, so a refit with
the same seed and thread count gives bit-identical scores on the CPU and never disturbs the
caller's random state.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.preprocessing import StandardScaler
from torch import nn

from adlib._validation import check_int, check_real, standardised_float32
from adlib.detectors.base import BaseDetector
from adlib.nn.sae_gan import SAEGAN, adversarial_losses
from adlib.nn.tabular import VAE, Autoencoder, GANomaly, gaussian_kl
from adlib.nn.training import draw_seed, fit_estimator, resolve_device, tensor_batches

_SCORE_BATCH = 8192


class NeuralDetector(BaseDetector):
    """Shared fit/score machinery; subclasses define ``_build``, ``_loss`` and ``_score_batch``.

    Attributes after ``fit``: ``model_`` (the trained module, in eval mode), ``history_``
    (the :class:`adlib.nn.History`), ``scaler_`` and ``device_``.
    """

    min_train_rows = 10

    def _fit(self, X):
        hidden = _check_widths(self.hidden, "hidden")
        check_int(self.latent_dim, "latent_dim", low=1)
        check_real(self.val_fraction, "val_fraction", low=0.0, high=0.5, inclusive=False)
        self._check_params()
        seed = draw_seed(self.random_state)
        self.scaler_ = StandardScaler().fit(X)
        Xs = standardised_float32(self.scaler_.transform(X))
        order = np.random.default_rng(seed).permutation(len(Xs))
        n_val = max(1, round(self.val_fraction * len(Xs)))
        val, train = Xs[order[:n_val]], Xs[order[n_val:]]
        self.device_ = resolve_device(self.device)
        self.model_, self.history_ = fit_estimator(
            self,
            lambda: self._build(X.shape[1], hidden),
            self._loss,
            train,
            val,
            seed=seed,
            device=self.device_,
            desc=type(self).__name__,
            options=self._fit_options,
        )
        self.seed_ = seed

    def _check_params(self) -> None:
        """Subclasses check their own extra parameters here."""

    def _fit_options(self, model: nn.Module) -> dict:
        """Extra keyword arguments for :func:`adlib.nn.fit` (players, for adversarial models)."""
        return {}

    def _score(self, X):
        return np.concatenate([self._score_batch(x) for x in self._batches(X)])

    def _batches(self, X: np.ndarray):
        """Standardised float32 tensors on the training device, in chunks of rows."""
        Xs = standardised_float32(self.scaler_.transform(X))
        return tensor_batches(Xs, _SCORE_BATCH, self.device_)

    def _build(self, n_features: int, hidden: tuple[int, ...]) -> nn.Module:
        raise NotImplementedError

    def _loss(self, model: nn.Module, batch: tuple[torch.Tensor, ...]):
        raise NotImplementedError

    def _score_batch(self, x: torch.Tensor) -> np.ndarray:
        raise NotImplementedError


class AutoencoderDetector(NeuralDetector):
    """Autoencoder trained on normal rows; score = mean squared reconstruction error.

    The bottleneck (``latent_dim`` < n_features) forces the network to keep only what
    normal rows have in common, so rows unlike the training data reconstruct badly. The
    error is measured on standardised features (mean over features, so 1.0 ≈ "off by one
    training standard deviation per feature").
    """

    residual = False

    def __init__(
        self,
        hidden: tuple[int, ...] = (32, 16),
        latent_dim: int = 4,
        epochs: int = 30,
        batch_size: int = 128,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int = 5,
        val_fraction: float = 0.1,
        random_state: int | None = None,
        device: str = "auto",
        progress: bool = False,
    ) -> None:
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.val_fraction = val_fraction
        self.random_state = random_state
        self.device = device
        self.progress = progress

    def _build(self, n_features, hidden):
        return Autoencoder(n_features, hidden, self.latent_dim, residual=self.residual)

    def _corrupt(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def _loss(self, model, batch):
        (x,) = batch
        x_in = self._corrupt(x) if model.training else x
        return F.mse_loss(model(x_in), x)

    def _score_batch(self, x):
        with torch.no_grad():
            return ((self.model_(x) - x) ** 2).mean(dim=1).double().cpu().numpy()

    def reconstruction_error(self, X: object) -> np.ndarray:
        """Squared error per feature on standardised data, shape (n_samples, n_features)."""
        X = self._check_fitted_X(X, "reconstruction_error")
        with torch.no_grad():
            parts = [((self.model_(x) - x) ** 2).double().cpu().numpy() for x in self._batches(X)]
        return np.concatenate(parts)


class DenoisingAutoencoderDetector(AutoencoderDetector):
    """Denoising autoencoder: trained to map x + noise back to x (noise only in training).

    Gaussian noise of ``noise_std`` (in training standard deviations) makes the identity
    map useless, so even a wide network must learn the structure of normal rows.
    """

    def __init__(
        self,
        hidden: tuple[int, ...] = (32, 16),
        latent_dim: int = 4,
        noise_std: float = 0.2,
        epochs: int = 30,
        batch_size: int = 128,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int = 5,
        val_fraction: float = 0.1,
        random_state: int | None = None,
        device: str = "auto",
        progress: bool = False,
    ) -> None:
        super().__init__(
            hidden=hidden,
            latent_dim=latent_dim,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            weight_decay=weight_decay,
            patience=patience,
            val_fraction=val_fraction,
            random_state=random_state,
            device=device,
            progress=progress,
        )
        self.noise_std = noise_std

    def _check_params(self):
        check_real(self.noise_std, "noise_std", low=0.0, inclusive=False)

    def _corrupt(self, x):
        return x + self.noise_std * torch.randn_like(x)


class ResidualAutoencoderDetector(AutoencoderDetector):
    """Autoencoder whose encoder and decoder have a residual block at every hidden width.

    The skips stay inside each width, so the bottleneck is intact (see
    :class:`adlib.nn.tabular.ResidualBlock`); the network is deeper than the plain one at
    the same widths.
    """

    residual = True


class VAEDetector(NeuralDetector):
    """Variational autoencoder trained with loss ½‖x − x̂‖² + β·KL(q(z|x) ‖ N(0, I)).

    Two scores: ``scoring="reconstruction"`` is the squared error of the deterministic
    reconstruction (z = μ), mean over features; ``scoring="elbo"`` is the negative ELBO with
    β = 1 (a bound on −log p(x) up to a constant), estimated with ``n_score_samples`` draws of
    z from a generator seeded by ``random_state``, so scores are reproducible. Both are
    available on a fitted model as :meth:`reconstruction_score` and :meth:`elbo_score`.
    """

    def __init__(
        self,
        hidden: tuple[int, ...] = (32, 16),
        latent_dim: int = 2,
        beta: float = 1.0,
        scoring: str = "reconstruction",
        n_score_samples: int = 16,
        epochs: int = 30,
        batch_size: int = 128,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int = 5,
        val_fraction: float = 0.1,
        random_state: int | None = None,
        device: str = "auto",
        progress: bool = False,
    ) -> None:
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.beta = beta
        self.scoring = scoring
        self.n_score_samples = n_score_samples
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.val_fraction = val_fraction
        self.random_state = random_state
        self.device = device
        self.progress = progress

    def _check_params(self):
        check_real(self.beta, "beta", low=0.0)
        check_int(self.n_score_samples, "n_score_samples", low=1)
        if self.scoring not in ("reconstruction", "elbo"):
            raise ValueError(f"scoring must be 'reconstruction' or 'elbo', got {self.scoring!r}.")

    def _build(self, n_features, hidden):
        return VAE(n_features, hidden, self.latent_dim)

    def _loss(self, model, batch):
        (x,) = batch
        x_hat, mu, log_var = model(x)
        reconstruction = 0.5 * ((x - x_hat) ** 2).sum(dim=1)
        return (reconstruction + self.beta * gaussian_kl(mu, log_var)).mean()

    def _score_batch(self, x):
        if self.scoring == "elbo":
            return self._elbo_batch(x)
        with torch.no_grad():
            x_hat, _, _ = self.model_(x)
            return ((x - x_hat) ** 2).mean(dim=1).double().cpu().numpy()

    def _elbo_batch(self, x: torch.Tensor) -> np.ndarray:
        generator = torch.Generator(device=x.device).manual_seed(self.seed_)
        with torch.no_grad():
            mu, log_var = self.model_.encode(x)
            expected = torch.zeros(len(x), device=x.device)
            for _ in range(self.n_score_samples):
                # one draw shared by all rows, so a row's score does not depend on the others
                noise = torch.randn((1, mu.shape[1]), generator=generator, device=x.device)
                x_hat = self.model_.decoder(mu + noise * torch.exp(0.5 * log_var))
                expected += 0.5 * ((x - x_hat) ** 2).sum(dim=1)
            negative_elbo = expected / self.n_score_samples + gaussian_kl(mu, log_var)
        return negative_elbo.double().cpu().numpy()

    def reconstruction_score(self, X: object) -> np.ndarray:
        """Mean squared reconstruction error per row, shape (n_samples,)."""
        X = self._check_fitted_X(X, "reconstruction_score")
        with torch.no_grad():
            parts = [((x - self.model_(x)[0]) ** 2).mean(dim=1) for x in self._batches(X)]
        return torch.cat(parts).double().cpu().numpy()

    def elbo_score(self, X: object) -> np.ndarray:
        """Negative ELBO (β = 1) per row in nats, up to a constant, shape (n_samples,)."""
        X = self._check_fitted_X(X, "elbo_score")
        return np.concatenate([self._elbo_batch(x) for x in self._batches(X)])

    def encode(self, X: object) -> np.ndarray:
        """Posterior means μ of q(z|x), shape (n_samples, latent_dim), for latent plots."""
        X = self._check_fitted_X(X, "encode")
        with torch.no_grad():
            parts = [self.model_.encode(x)[0] for x in self._batches(X)]
        return torch.cat(parts).double().cpu().numpy()

    def reconstruct(self, X: object) -> np.ndarray:
        """Deterministic reconstructions in the original units, shape (n_samples, n_features)."""
        X = self._check_fitted_X(X, "reconstruct")
        with torch.no_grad():
            parts = [self.model_(x)[0].double().cpu().numpy() for x in self._batches(X)]
        return self.scaler_.inverse_transform(np.concatenate(parts))


class GANomalyDetector(NeuralDetector):
    """GANomaly: adversarially trained encoder-decoder-encoder; score = ‖z − ẑ‖² / latent_dim.

    Chosen over AnoGAN because it scores a row with one forward pass; AnoGAN searches the
    latent space by gradient descent for every row it scores (hundreds of steps per row).
    The generator's loss is ``w_adv``·feature matching + ``w_con``·‖x − x̂‖₁ +
    ``w_enc``·‖z − ẑ‖² (the paper's weights 1, 50, 1); the discriminator's is the usual
    binary cross-entropy on real rows vs reconstructions. Both players are trained by
    :func:`adlib.nn.fit` (``history_.train_losses`` holds both curves); early stopping
    watches the generator's validation loss.
    """

    def __init__(
        self,
        hidden: tuple[int, ...] = (32, 16),
        latent_dim: int = 4,
        w_adv: float = 1.0,
        w_con: float = 50.0,
        w_enc: float = 1.0,
        epochs: int = 30,
        batch_size: int = 128,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int = 5,
        val_fraction: float = 0.1,
        random_state: int | None = None,
        device: str = "auto",
        progress: bool = False,
    ) -> None:
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.w_adv = w_adv
        self.w_con = w_con
        self.w_enc = w_enc
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.val_fraction = val_fraction
        self.random_state = random_state
        self.device = device
        self.progress = progress

    def _check_params(self):
        for name in ("w_adv", "w_con", "w_enc"):
            check_real(getattr(self, name), name, low=0.0)

    def _build(self, n_features, hidden):
        return GANomaly(n_features, hidden, self.latent_dim)

    def _fit_options(self, model):
        players = {"generator": model.generator, "discriminator": model.discriminator}
        return {"players": players, "monitor": "generator"}

    def _loss(self, model, batch):
        (x,) = batch
        x_hat, z, z_hat = model(x)
        logit_real, features_real = model.discriminate(x)
        _, features_fake = model.discriminate(x_hat)
        adversarial = ((features_real - features_fake) ** 2).mean()
        contextual = (x - x_hat).abs().mean()
        encoder = ((z - z_hat) ** 2).mean()
        generator = self.w_adv * adversarial + self.w_con * contextual + self.w_enc * encoder
        logit_fake, _ = model.discriminate(x_hat.detach())
        discriminator = 0.5 * (
            F.binary_cross_entropy_with_logits(logit_real, torch.ones_like(logit_real))
            + F.binary_cross_entropy_with_logits(logit_fake, torch.zeros_like(logit_fake))
        )
        return {
            "generator": generator,
            "discriminator": discriminator,
            "adversarial": adversarial,
            "contextual": contextual,
            "encoder": encoder,
        }

    def _score_batch(self, x):
        with torch.no_grad():
            _, z, z_hat = self.model_(x)
            return ((z - z_hat) ** 2).mean(dim=1).double().cpu().numpy()


class SAEGANDetector(AutoencoderDetector):
    """SAE-GAN as 002 §3.3 describes it: a stacked attention autoencoder trained against a
    discriminator that judges real rows vs its reconstructions; score = reconstruction error.

    No reference implementation exists (the source cites no paper or code), so this builds
    what the source names, with every open choice stated (see :mod:`adlib.nn.sae_gan`). The
    generator is an autoencoder whose encoder levels each re-weight their inputs with a
    row-wise softmax attention (``attention=False``: a plain stacked autoencoder); nothing
    says the stack is pretrained layer by layer, so it is trained end to end. The generator
    minimises ‖x − x̂‖²/d + ``w_adv``·(−log σ(ℓ(x̂))), the reconstruction plus an adversarial
    regulariser; the source gives no weight, and 0.02 keeps GANomaly's 1 : 50 ratio of
    adversarial to rebuild weight. The discriminator minimises the binary cross-entropy of
    real rows vs reconstructions. Early stopping watches the validation reconstruction MSE,
    the quantity the score measures, so with ``w_adv=0`` and ``attention=False`` training is
    exactly :class:`AutoencoderDetector`'s (and :func:`adlib.holdout.relative_val_loss`
    reads it as an autoencoder's). ``scoring="reconstruction"`` scores the mean squared error
    over standardised features; the source's diagram also draws an anomaly score out of the
    discriminator, so ``scoring="combined"`` adds its term: e(x)/ē + δ(x)/δ̄ with
    δ(x) = −log σ(ℓ(x)), each term divided by its mean over the training rows so that the two
    count in multiples of their normal level. Windows of a series are scored flattened,
    X = windows.reshape(n_windows, -1).
    """

    def __init__(
        self,
        hidden: tuple[int, ...] = (32, 16),
        latent_dim: int = 4,
        attention: bool = True,
        w_adv: float = 0.02,
        scoring: str = "reconstruction",
        epochs: int = 30,
        batch_size: int = 128,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int = 5,
        val_fraction: float = 0.1,
        random_state: int | None = None,
        device: str = "auto",
        progress: bool = False,
    ) -> None:
        super().__init__(
            hidden=hidden,
            latent_dim=latent_dim,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            weight_decay=weight_decay,
            patience=patience,
            val_fraction=val_fraction,
            random_state=random_state,
            device=device,
            progress=progress,
        )
        self.attention = attention
        self.w_adv = w_adv
        self.scoring = scoring

    def _check_params(self):
        if not isinstance(self.attention, bool):
            raise TypeError(f"attention must be True or False, got {self.attention!r}.")
        check_real(self.w_adv, "w_adv", low=0.0)
        if self.scoring not in ("reconstruction", "combined"):
            raise ValueError(
                f"scoring must be 'reconstruction' or 'combined', got {self.scoring!r}."
            )

    def _fit(self, X):
        super()._fit(X)
        terms = [self._terms(x) for x in self._batches(X)]
        self.reconstruction_scale_ = float(np.concatenate([e for e, _ in terms]).mean())
        self.discriminator_scale_ = float(np.concatenate([d for _, d in terms]).mean())

    def _build(self, n_features, hidden):
        return SAEGAN(n_features, hidden, self.latent_dim, attention=self.attention)

    def _fit_options(self, model):
        players = {"generator": model.generator, "discriminator": model.discriminator}
        return {"players": players, "monitor": "reconstruction"}

    def _loss(self, model, batch):
        (x,) = batch
        x_hat = model(x)
        reconstruction = F.mse_loss(x_hat, x)
        # one pass of x̂ serves both players: each steps on the gradient of its own loss
        # with respect to its own weights only (adlib.nn.fit), so no detach is needed
        adversarial, discriminator = adversarial_losses(
            model.discriminate(x), model.discriminate(x_hat)
        )
        return {
            "generator": reconstruction + self.w_adv * adversarial,
            "discriminator": discriminator,
            "reconstruction": reconstruction,
            "adversarial": adversarial,
        }

    def _terms(self, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """(e, δ) per row: mean squared reconstruction error and −log σ(ℓ(x)), float64."""
        with torch.no_grad():
            e = ((self.model_(x) - x) ** 2).mean(dim=1).double()
            delta = F.softplus(-self.model_.discriminate(x).double())
        return e.cpu().numpy(), delta.cpu().numpy()

    def _score_batch(self, x):
        e, delta = self._terms(x)
        if self.scoring == "reconstruction":
            return e
        return e / self.reconstruction_scale_ + delta / self.discriminator_scale_

    def reconstruction_score(self, X: object) -> np.ndarray:
        """Mean squared reconstruction error per row on standardised data, shape (n_samples,)."""
        X = self._check_fitted_X(X, "reconstruction_score")
        return np.concatenate([self._terms(x)[0] for x in self._batches(X)])

    def discriminator_score(self, X: object) -> np.ndarray:
        """−log σ(ℓ(x)) per row in nats, shape (n_samples,): how fake x looks to the
        discriminator (0 = surely real)."""
        X = self._check_fitted_X(X, "discriminator_score")
        return np.concatenate([self._terms(x)[1] for x in self._batches(X)])

    def attention_weights(self, X: object) -> list[np.ndarray]:
        """Each encoder level's attention weights per row, (n_samples, width of its input)."""
        X = self._check_fitted_X(X, "attention_weights")
        if not self.attention:
            raise ValueError("this SAEGANDetector has attention=False: there are no weights.")
        encoder = self.model_.generator["encoder"]
        with torch.no_grad():
            parts = [encoder.encode(x)[1] for x in self._batches(X)]
        return [torch.cat(level).double().cpu().numpy() for level in zip(*parts, strict=True)]


def _check_widths(widths: object, name: str) -> tuple[int, ...]:
    """A non-empty tuple/list of positive layer widths, as a tuple."""
    if not isinstance(widths, (tuple, list)) or not widths:
        raise TypeError(
            f"{name} must be a non-empty tuple of layer widths, e.g. (32, 16); got {widths!r}."
        )
    return tuple(check_int(w, f"{name}[{i}]", low=1) for i, w in enumerate(widths))
