"""Torch modules for tabular data: autoencoders (notebook 03), the VAE (04), GANomaly (05).

Every module maps a batch of shape (batch, n_features) of standardised features to outputs
of the same width. The detectors in :mod:`adlib.detectors.neural` build, train (with
:func:`adlib.nn.fit`) and score them; the modules themselves hold no data handling.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import torch
from torch import nn


def mlp(
    widths: list[int], activation: Callable[[], nn.Module] = nn.ReLU, dropout: float = 0.0
) -> nn.Sequential:
    """Linear layers through ``widths`` with ``activation`` (and dropout) between them.

    The last layer is linear (no activation), so the block can end in a code or an output.
    """
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(widths) - 2:
            layers.append(activation())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class ResidualBlock(nn.Module):
    """x + W2 ReLU(W1 ReLU(x)): a pre-activation residual block that keeps the width.

    The skip connection runs *within* one layer width, so it eases optimisation without
    letting the input bypass the bottleneck (a skip from input to output would let the
    network copy anomalies and reconstruct them perfectly).
    """

    def __init__(self, width: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, width)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def _coder(widths: list[int], residual: bool, dropout: float) -> nn.Sequential:
    """Encoder or decoder through ``widths``; with ``residual``, a residual block per width."""
    if not residual:
        return mlp(widths, dropout=dropout)
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(widths) - 2:
            layers.append(ResidualBlock(n_out))
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Autoencoder(nn.Module):
    """x → encoder → code of ``latent_dim`` → decoder → x̂, shapes (batch, n_features).

    ``hidden`` lists the encoder's layer widths (the decoder mirrors them). With
    ``residual=True`` each hidden width gets a residual block (the "residual autoencoder").
    """

    def __init__(
        self,
        n_features: int,
        hidden: tuple[int, ...] = (32, 16),
        latent_dim: int = 4,
        residual: bool = False,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        widths = [n_features, *hidden, latent_dim]
        self.encoder = _coder(widths, residual, dropout)
        self.decoder = _coder(widths[::-1], residual, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


class VAE(nn.Module):
    """Variational autoencoder with a Gaussian encoder q(z|x) and a Gaussian decoder.

    ``forward(x)`` returns (x̂, μ, log σ²): the decoder's mean for a sample z ~ q(z|x) drawn
    with the reparameterisation trick in training mode, and for z = μ in eval mode (a
    deterministic reconstruction). The decoder variance is fixed at 1, so the reconstruction
    term of the ELBO is ½‖x − x̂‖² up to a constant.
    """

    def __init__(
        self, n_features: int, hidden: tuple[int, ...] = (32, 16), latent_dim: int = 2
    ) -> None:
        super().__init__()
        self.body = nn.Sequential(mlp([n_features, *hidden]), nn.ReLU())
        self.mu = nn.Linear(hidden[-1], latent_dim)
        self.log_var = nn.Linear(hidden[-1], latent_dim)
        self.decoder = mlp([latent_dim, *hidden[::-1], n_features])

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ, log σ²) of q(z|x), each of shape (batch, latent_dim)."""
        h = self.body(x)
        return self.mu(h), self.log_var(h).clamp(-20.0, 10.0)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, log_var = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * log_var) if self.training else mu
        return self.decoder(z), mu, log_var


def gaussian_kl(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) per row, shape (batch,), in nats."""
    return 0.5 * (mu**2 + log_var.exp() - 1.0 - log_var).sum(dim=1)


class GANomaly(nn.Module):
    """GANomaly (Akcay et al., 2018) for tabular rows: an encoder-decoder-encoder generator
    and a discriminator.

    The generator maps x → z = E1(x) → x̂ = D(z) → ẑ = E2(x̂). Trained on normal rows only, it
    learns to reconstruct them and to encode x̂ where it encoded x; for an anomaly the second
    encoding drifts, so the anomaly score is ‖z − ẑ‖². The discriminator tells real rows from
    reconstructions; its penultimate features drive the generator's adversarial loss.
    """

    def __init__(
        self, n_features: int, hidden: tuple[int, ...] = (32, 16), latent_dim: int = 4
    ) -> None:
        super().__init__()
        widths = [n_features, *hidden, latent_dim]
        self.generator = nn.ModuleDict(
            {
                "encoder": mlp(widths),
                "decoder": mlp(widths[::-1]),
                "re_encoder": mlp(widths),
            }
        )
        features = nn.Sequential(mlp([n_features, *hidden], activation=_leaky), _leaky())
        self.discriminator = nn.ModuleDict({"features": features, "head": nn.Linear(hidden[-1], 1)})

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(x̂, z, ẑ) for a batch x."""
        z = self.generator["encoder"](x)
        x_hat = self.generator["decoder"](z)
        return x_hat, z, self.generator["re_encoder"](x_hat)

    def discriminate(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logit of "real", penultimate features) for a batch x."""
        features = self.discriminator["features"](x)
        return self.discriminator["head"](features).squeeze(1), features


def _leaky() -> nn.Module:
    """The discriminator's activation: LeakyReLU with slope 0.2, as in DCGAN."""
    return nn.LeakyReLU(0.2)
