"""The Anomaly Transformer: anomaly attention and the association discrepancy (notebook 09).

Xu, Wu, Wang and Long (ICLR 2022), "Anomaly Transformer: Time Series Anomaly Detection with
Association Discrepancy", summarised in the walk's source 002 §4.2. Each attention layer
computes two distributions over the steps of a window for every step *i*: the **series
association** S (ordinary softmax attention, what step *i* actually reads from) and the
**prior association** P (a Gaussian kernel over the distance |i - j| with a width sigma_i
learned per step and head, which can only look at neighbours). The **association
discrepancy** is their symmetrised KL divergence, averaged over heads and layers. A normal
step can learn to attend to informative steps across the whole window, far from its
neighbours, so its discrepancy grows; an anomalous step finds little like itself away from
its neighbourhood, so its attention stays local and its discrepancy stays small. Training is
a minimax game on that quantity, and the score weights each step's reconstruction error by
softmax(-discrepancy) over the window. Layer layout, the sigma transform and the 1e-4 inside
the logarithms follow the authors' code (github.com/thuml/Anomaly-Transformer); dropout is
left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from adlib._validation import check_real
from adlib.nn.transformer import positional_encoding

#: The constant added inside the logarithms of the KL divergences (the authors' code).
KL_EPS = 1e-4


def gaussian_prior(sigma: torch.Tensor) -> torch.Tensor:
    """Prior association of every step: rows of a Gaussian kernel over |i - j|, shape (..., L, L).

    ``sigma`` has shape (..., L): one width (in steps) per query step i. Row i is
    exp(-(i - j)^2 / (2 sigma_i^2)) over the key steps j = 0..L-1, rescaled to sum to 1 (the
    paper's density 1 / (sqrt(2 pi) sigma_i) exp(...) normalised per row; the constant
    cancels), computed as a softmax of the exponents so that a tiny sigma gives a one-hot row
    instead of 0 / 0.
    """
    if not torch.is_tensor(sigma) or not sigma.is_floating_point():
        raise TypeError(f"sigma must be a floating-point torch tensor, got {type(sigma).__name__}.")
    if sigma.ndim < 1 or sigma.shape[-1] == 0:
        raise ValueError(f"sigma must have shape (..., L) with L >= 1, got {tuple(sigma.shape)}.")
    if not torch.isfinite(sigma).all() or (sigma <= 0).any():
        raise ValueError("sigma must be finite and positive: it is a kernel width in steps.")
    steps = torch.arange(sigma.shape[-1], device=sigma.device, dtype=sigma.dtype)
    distance = (steps[:, None] - steps[None, :]) ** 2
    return torch.softmax(distance * (-0.5 / sigma**2)[..., None], dim=-1)


def association_discrepancy(
    prior: Sequence[torch.Tensor], series: Sequence[torch.Tensor], eps: float = KL_EPS
) -> torch.Tensor:
    """AssDis of every step: KL(P || S) + KL(S || P), mean over heads and layers, shape (B, L).

    ``prior`` and ``series`` hold one (batch, heads, L, L) tensor per layer whose rows are
    distributions over the L key steps. KL(p || q) = sum_j p_j (log(p_j + eps) - log(q_j + eps)),
    with ``eps`` guarding the logarithm of a zero (the paper's equation 2 with the authors'
    eps; ``eps=0`` gives the exact divergence); the two directions add up to
    sum_j (p_j - q_j)(log(p_j + eps) - log(q_j + eps)), computed in one pass. Detach one side
    before the call to let gradients reach only the other (the minimax of :func:`minimax_loss`).
    """
    eps = check_real(eps, "eps", low=0.0)
    if len(prior) == 0 or len(prior) != len(series):
        raise ValueError(
            f"prior and series need one tensor per layer, the same number of each; got "
            f"{len(prior)} and {len(series)}."
        )
    per_layer = []
    for layer, (p, s) in enumerate(zip(prior, series, strict=True)):
        if p.ndim != 4 or p.shape != s.shape or p.shape[-1] != p.shape[-2]:
            raise ValueError(
                f"layer {layer}: prior and series must both have shape (batch, heads, L, L), "
                f"got {tuple(p.shape)} and {tuple(s.shape)}."
            )
        symmetric = ((p - s) * (torch.log(p + eps) - torch.log(s + eps))).sum(dim=-1)
        per_layer.append(symmetric.mean(dim=1))
    return torch.stack(per_layer).mean(dim=0)


class AnomalyTransformerOutput(NamedTuple):
    """What :class:`AnomalyTransformer` returns for a batch of windows.

    ``reconstruction``: (batch, L, n_channels); ``series`` and ``prior``: one (batch, heads,
    L, L) tensor per layer; ``sigma``: one (batch, heads, L) tensor of prior widths per layer.
    """

    reconstruction: torch.Tensor
    series: tuple[torch.Tensor, ...]
    prior: tuple[torch.Tensor, ...]
    sigma: tuple[torch.Tensor, ...]


class AnomalyAttention(nn.Module):
    """Multi-head attention that also returns its series and prior associations.

    The series association is softmax(Q K^T / sqrt(d_k)) per head; the output is that
    attention applied to V, heads side by side, then W^O, as in any Transformer. A linear map
    of each step's input gives one raw width per head, squashed as the authors do to
    sigma = 3^(sigmoid(5 s) + 1e-5) - 1, in (0, 2) steps, and the prior association is
    :func:`gaussian_prior` of it.
    """

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        self.n_heads, self.d_k = n_heads, d_model // n_heads
        self.query = nn.Linear(d_model, d_model)
        self.key = nn.Linear(d_model, d_model)
        self.value = nn.Linear(d_model, d_model)
        self.sigma = nn.Linear(d_model, n_heads)
        self.out = nn.Linear(d_model, d_model)

    def forward(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """x (B, L, d) → output (B, L, d), series and prior (B, H, L, L), sigma (B, H, L)."""
        batch, length, _ = x.shape

        def heads(projection: nn.Linear) -> torch.Tensor:
            return projection(x).view(batch, length, self.n_heads, self.d_k).transpose(1, 2)

        q, k, v = heads(self.query), heads(self.key), heads(self.value)
        series = torch.softmax((q / self.d_k**0.5) @ k.transpose(-2, -1), dim=-1)
        sigma = 3 ** (torch.sigmoid(5 * self.sigma(x).transpose(1, 2)) + 1e-5) - 1
        prior = gaussian_prior(sigma.float())
        mixed = (series @ v).transpose(1, 2).reshape(batch, length, -1)
        return self.out(mixed), series, prior, sigma


class AnomalyTransformerLayer(nn.Module):
    """Post-norm encoder layer: x = LN(x + attention(x)), then LN(x + FFN(x)), as the authors'."""

    def __init__(self, d_model: int, n_heads: int, dim_feedforward: int) -> None:
        super().__init__()
        self.attention = AnomalyAttention(d_model, n_heads)
        self.norm1 = nn.LayerNorm(d_model)
        self.feedforward = nn.Sequential(
            nn.Linear(d_model, dim_feedforward), nn.GELU(), nn.Linear(dim_feedforward, d_model)
        )
        self.norm2 = nn.LayerNorm(d_model)

    def forward(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        attended, series, prior, sigma = self.attention(x)
        x = self.norm1(x + attended)
        return self.norm2(x + self.feedforward(x)), series, prior, sigma


class AnomalyTransformer(nn.Module):
    """Conv embedding + positions → anomaly-attention layers → LN → linear reconstruction.

    Input (batch, window, n_channels). Each step is embedded by a width-3 circular convolution
    (no bias) plus the sinusoidal positional encoding of :mod:`adlib.nn.transformer`; the
    model has no bottleneck: what keeps it from copying anomalies through is the minimax
    training, not the architecture.
    """

    def __init__(
        self,
        n_channels: int,
        window: int,
        d_model: int = 32,
        n_heads: int = 4,
        n_layers: int = 2,
        dim_feedforward: int = 64,
    ) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} must be divisible by n_heads={n_heads}.")
        self.embed = nn.Conv1d(
            n_channels, d_model, kernel_size=3, padding=1, padding_mode="circular", bias=False
        )
        self.register_buffer("position", positional_encoding(window, d_model))
        self.layers = nn.ModuleList(
            AnomalyTransformerLayer(d_model, n_heads, dim_feedforward) for _ in range(n_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.output = nn.Linear(d_model, n_channels)

    def forward(self, x: torch.Tensor) -> AnomalyTransformerOutput:
        h = self.embed(x.transpose(1, 2)).transpose(1, 2) + self.position
        series, prior, sigma = [], [], []
        for layer in self.layers:
            h, s, p, w = layer(h)
            series.append(s)
            prior.append(p)
            sigma.append(w)
        reconstruction = self.output(self.norm(h))
        return AnomalyTransformerOutput(reconstruction, tuple(series), tuple(prior), tuple(sigma))


def minimax_loss(
    output: AnomalyTransformerOutput, x: torch.Tensor, weight: float = 3.0
) -> torch.Tensor:
    """Mean of the paper's two phase losses (its equation 4); its value is the reconstruction MSE.

    Minimise phase: MSE + weight · AssDis(P, S detached): the prior is pulled towards the
    series association. Maximise phase: MSE - weight · AssDis(P detached, S): the series
    association is pushed away from the prior. Their mean has the value of the MSE (the two
    discrepancies are equal) and half the summed gradient of the two phases, which is what the
    authors' code steps on (it back-propagates both losses, then takes one step). Both phases
    come from one pass: the series association enters with its gradient reversed (the values
    of 2 sg(S) - S are those of S, its gradient is minus S's), and subtracting the detached
    discrepancy leaves the value at the MSE.
    """
    mse = F.mse_loss(output.reconstruction, x)
    reversed_series = [2 * s.detach() - s for s in output.series]
    game = association_discrepancy(output.prior, reversed_series).mean()
    return mse + 0.5 * weight * (game - game.detach())


def anomaly_score(
    output: AnomalyTransformerOutput, x: torch.Tensor, eps: float = KL_EPS
) -> torch.Tensor:
    """Score of every step: softmax over the window of -AssDis, times its squared error; (B, L).

    The paper's equation 6: a step whose associations stay close to its local prior (small
    discrepancy, the mark of an anomaly) gets a large weight on its reconstruction error
    (mean over channels). The weights of a window sum to 1. ``eps`` is that of
    :func:`association_discrepancy`. The authors' code sharpens the softmax with a temperature
    of 50 and sums over layers; we keep the paper's form.
    """
    errors = ((output.reconstruction - x) ** 2).mean(dim=-1)
    discrepancy = association_discrepancy(output.prior, output.series, eps)
    return torch.softmax(-discrepancy, dim=-1) * errors
