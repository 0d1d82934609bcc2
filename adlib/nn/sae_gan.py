"""SAE-GAN for tabular rows (notebook 05): a stacked attention autoencoder trained against a
discriminator, built from the description in the sources (002 §3.3).

No reference implementation exists: the source names the parts (a stacked autoencoder with
hierarchical attention gives a latent code, a generator rebuilds the row from it, a
discriminator judges real rows against rebuilt ones and contributes to the anomaly score,
adversarial regularisation) but gives no layer sizes, attention form, loss weights or score
formula, and cites no paper or code. What is built here is the smallest model that has every
part the source names; each choice the source leaves open is stated where it is made. Rows
are (batch, n_features) standardised features; windows of a series can be fed flattened,
(n_windows, window · n_channels), since the model is tabular.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn

from adlib.nn.tabular import mlp


class FeatureAttention(nn.Module):
    """Row-wise attention over the units of one layer: h ↦ (n · α ⊙ h, α), α = softmax(W h + b).

    For an input h of shape (batch, n) the weights α (shape (batch, n), each row summing to
    1) say which of the n units this row should rely on; multiplying by n makes uniform
    attention (α = 1/n) the identity. W and b start at zero, so a fresh layer passes its input
    through unchanged and the network starts as a plain stacked autoencoder.
    """

    def __init__(self, width: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(width, width))
        self.bias = nn.Parameter(torch.zeros(width))

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        alpha = torch.softmax(F.linear(h, self.weight, self.bias), dim=1)
        return h.shape[1] * alpha * h, alpha


class AttentionEncoder(nn.Module):
    """A stack of levels h_ℓ = ReLU(W_ℓ · attention_ℓ(h_{ℓ−1}) + b_ℓ) from a row to its code.

    ``widths`` = [n_features, *hidden, latent_dim]; each level first re-weights its input
    units with its own :class:`FeatureAttention` (attention at every level of the stack: the
    source's "hierarchical attention"), then maps them linearly; the last level (the code) has
    no activation. The linear layers are created in the order :func:`adlib.nn.mlp` creates
    them, so they draw the same initial weights as a plain encoder of the same widths.
    """

    def __init__(self, widths: list[int]) -> None:
        super().__init__()
        pairs = list(itertools.pairwise(widths))
        self.linears = nn.ModuleList(nn.Linear(n_in, n_out) for n_in, n_out in pairs)
        self.attentions = nn.ModuleList(FeatureAttention(n_in) for n_in, _ in pairs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode(x)[0]

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """(code of shape (batch, latent_dim), each level's attention weights α_ℓ)."""
        h, weights = x, []
        last = len(self.linears) - 1
        for level, (attention, linear) in enumerate(
            zip(self.attentions, self.linears, strict=True)
        ):
            gated, alpha = attention(h)
            weights.append(alpha)
            h = linear(gated) if level == last else torch.relu(linear(gated))
        return h, weights


class SAEGAN(nn.Module):
    """Generator = stacked (attention) autoencoder x → z → x̂; discriminator = MLP on rows.

    ``generator`` holds the encoder (an :class:`AttentionEncoder`, or with
    ``attention=False`` a plain stack of ReLU layers) and the decoder that rebuilds the row
    from its code (the source's "generator G"). ``discriminator`` maps a row to one logit,
    ℓ(x) = log-odds that x is a real row rather than a reconstruction, through the same hidden
    widths with LeakyReLU(0.2) as GANomaly's discriminator. The generator is built first, in
    :class:`adlib.nn.Autoencoder`'s order, so with ``attention=False`` and the same torch
    seed it starts from exactly that autoencoder's weights.
    """

    def __init__(
        self,
        n_features: int,
        hidden: tuple[int, ...] = (32, 16),
        latent_dim: int = 4,
        attention: bool = True,
    ) -> None:
        super().__init__()
        widths = [n_features, *hidden, latent_dim]
        encoder = AttentionEncoder(widths) if attention else mlp(widths)
        self.generator = nn.ModuleDict({"encoder": encoder, "decoder": mlp(widths[::-1])})
        self.discriminator = mlp([n_features, *hidden, 1], activation=_leaky)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction x̂ of a batch x, same shape."""
        return self.generator["decoder"](self.generator["encoder"](x))

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """The discriminator's logit ℓ(x) of "real" for each row, shape (batch,)."""
        return self.discriminator(x).squeeze(1)


def adversarial_losses(
    logit_real: torch.Tensor, logit_fake: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(generator's, discriminator's) batch-mean GAN losses from the logits, in nats.

    With σ the logistic function and log σ(ℓ) = −softplus(−ℓ), log(1 − σ(ℓ)) = −softplus(ℓ):
    the generator's non-saturating loss is −log σ(ℓ(x̂)) = softplus(−ℓ(x̂)) (make rebuilt rows
    look real); the discriminator's is the binary cross-entropy of real rows (label 1) and
    rebuilt rows (label 0), ½[softplus(−ℓ(x)) + softplus(ℓ(x̂))]. Written with softplus, which
    is exact and finite for any logit, rather than log(σ(·)), which underflows to −inf.
    """
    generator = F.softplus(-logit_fake).mean()
    discriminator = 0.5 * (F.softplus(-logit_real).mean() + F.softplus(logit_fake).mean())
    return generator, discriminator


def _leaky() -> nn.Module:
    """The discriminator's activation: LeakyReLU with slope 0.2, as in DCGAN and GANomaly."""
    return nn.LeakyReLU(0.2)
