"""Convolutional models for windows of a time series (notebook 07): a forecaster and a TCN-AE.

Both read windows of shape (batch, window, n_channels), like the recurrent autoencoders.

- :class:`ConvForecaster` is the DeepAnT design (Munir et al., IEEE Access 2019): blocks of
  a 1-D convolution, a ReLU and a max-pool of 2 over a history of steps, then a dense layer
  of ``latent_dim`` units and a linear read-out of the next step. The dense layer sees every
  position the convolutions left, so the forecast can depend on the whole history.
- :class:`TCNAutoencoder` is a temporal-convolution autoencoder (TCN-AE, Thill et al.,
  Applied Soft Computing 2021) built from the residual blocks of Bai et al. (2018): dilated
  *causal* convolutions, where the output at step t reads inputs at t, t - d, t - 2d, ...
  only. The encoder's codes are averaged over blocks of ``pool`` steps (the bottleneck) and
  repeated back to the window's length for a second TCN, the decoder. A causal stack of
  blocks with kernel k and dilations d_1, ..., d_L sees :func:`receptive_field` steps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from adlib._validation import check_int


def check_dilations(dilations: object) -> tuple[int, ...]:
    """Return ``dilations`` as a non-empty tuple of integers >= 1 (one per residual block)."""
    if isinstance(dilations, (str, bytes)) or not isinstance(dilations, Sequence):
        raise TypeError(
            f"dilations must be a sequence of integers, one per residual block, e.g. (1, 2, 4); "
            f"got {type(dilations).__name__} {dilations!r}."
        )
    if len(dilations) == 0:
        raise ValueError("dilations is empty; give at least one block, e.g. (1, 2, 4).")
    return tuple(check_int(d, "each dilation", low=1) for d in dilations)


def receptive_field(kernel_size: int, dilations: Sequence[int]) -> int:
    """Steps one output of a causal TCN sees: 1 + 2 (k − 1) Σ d_i, for blocks of two convolutions.

    Each convolution with kernel k and dilation d reaches (k − 1) d steps further back, and
    every residual block of :class:`TemporalBlock` holds two of them.
    """
    kernel_size = check_int(kernel_size, "kernel_size", low=1)
    return 1 + 2 * (kernel_size - 1) * sum(check_dilations(dilations))


class CausalConv1d(nn.Module):
    """A dilated causal convolution on (batch, steps, n_in): output t reads inputs t, t − d, ... .

    y_t = b + Σ_{j=0}^{k-1} W_j x_{t − j d}, with x before the first step taken as 0; the
    output has shape (batch, steps, n_out). The k shifted copies of the input are stacked
    and multiplied by one (k · n_in) × n_out matrix (``linear``, taps in the order j = 0, 1,
    ...), which on a CPU trains about twice as fast as ``nn.Conv1d`` at these small sizes.
    """

    def __init__(self, n_in: int, n_out: int, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.linear = nn.Linear(kernel_size * n_in, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        steps, left = x.shape[1], (self.kernel_size - 1) * self.dilation
        padded = F.pad(x, (0, 0, left, 0))
        starts = [left - j * self.dilation for j in range(self.kernel_size)]
        return self.linear(torch.cat([padded[:, s : s + steps] for s in starts], dim=2))


class TemporalBlock(nn.Module):
    """Bai et al.'s residual block: two causal convolutions with ReLUs, plus a skip connection.

    out = ReLU(x' + conv₂(ReLU(conv₁(x)))), where x' is x, or a linear map of each step's
    channels (a 1×1 convolution) when the channel counts differ. Weight normalisation and
    dropout of the paper are left out: the networks here are small and trained briefly with
    early stopping.
    """

    def __init__(self, n_in: int, n_out: int, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.conv1 = CausalConv1d(n_in, n_out, kernel_size, dilation)
        self.conv2 = CausalConv1d(n_out, n_out, kernel_size, dilation)
        self.skip = nn.Linear(n_in, n_out) if n_in != n_out else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.skip(x) + self.conv2(F.relu(self.conv1(x))))


class TCN(nn.Module):
    """A stack of :class:`TemporalBlock` s, one per dilation, ``hidden`` channels each.

    (batch, steps, n_in) → (batch, steps, hidden); causal, with :func:`receptive_field`
    steps of context per output.
    """

    def __init__(self, n_in: int, hidden: int, kernel_size: int, dilations: Sequence[int]) -> None:
        super().__init__()
        widths = [n_in] + [hidden] * len(dilations)
        self.blocks = nn.Sequential(
            *(TemporalBlock(widths[i], hidden, kernel_size, d) for i, d in enumerate(dilations))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)


class TCNAutoencoder(nn.Module):
    """TCN encoder → ``latent_dim`` channels → mean over blocks of ``pool`` steps → TCN decoder.

    A window of w steps passes through ceil(w / pool) × ``latent_dim`` numbers: each code is
    the mean of the encoder's (linearly projected) output over ``pool`` consecutive steps,
    and the decoder sees every code repeated over its block. :meth:`encode` returns the
    causal encoder's features.
    """

    def __init__(
        self,
        n_channels: int,
        hidden: int = 16,
        latent_dim: int = 4,
        kernel_size: int = 3,
        dilations: Sequence[int] = (1, 2, 4),
        pool: int = 16,
    ) -> None:
        super().__init__()
        self.pool = pool
        self.encoder = TCN(n_channels, hidden, kernel_size, dilations)
        self.to_latent = nn.Linear(hidden, latent_dim)
        self.decoder = TCN(latent_dim, hidden, kernel_size, dilations)
        self.output = nn.Linear(hidden, n_channels)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The causal encoder's output, (batch, window, hidden): step t reads steps ≤ t only."""
        return self.encoder(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        steps = x.shape[1]
        z = self.to_latent(self.encoder(x)).transpose(1, 2)
        codes = F.adaptive_avg_pool1d(z, math.ceil(steps / self.pool))
        repeated = F.interpolate(codes, size=steps, mode="nearest").transpose(1, 2)
        return self.output(self.decoder(repeated))


def conv_pool_length(steps: int, kernel_size: int, n_blocks: int) -> int:
    """Positions left after ``n_blocks`` of an unpadded convolution and a max-pool of 2.

    Each block maps L steps to floor((L − k + 1) / 2); 0 or less means the history is too
    short for the network.
    """
    for _ in range(n_blocks):
        steps = (steps - kernel_size + 1) // 2
    return steps


class ConvForecaster(nn.Module):
    """DeepAnT-style forecaster: (batch, history, n_channels) → the next step, (batch, n_channels).

    ``n_blocks`` of [Conv1d(kernel_size, ``filters``), ReLU, MaxPool(2)], then flatten, a
    dense layer of ``latent_dim`` units with a ReLU, and a linear layer to the next step.
    """

    def __init__(
        self,
        n_channels: int,
        history: int,
        filters: int = 32,
        kernel_size: int = 3,
        n_blocks: int = 2,
        latent_dim: int = 32,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for i in range(n_blocks):
            n_in = n_channels if i == 0 else filters
            layers += [nn.Conv1d(n_in, filters, kernel_size), nn.ReLU(), nn.MaxPool1d(2)]
        self.features = nn.Sequential(*layers)
        flat = filters * conv_pool_length(history, kernel_size, n_blocks)
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(flat, latent_dim), nn.ReLU(), nn.Linear(latent_dim, n_channels)
        )

    def forward(self, history: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(history.transpose(1, 2)))
