"""A small Transformer autoencoder for windows of a time series (notebook 09).

Self-attention has no notion of order, so each step's embedding gets a sinusoidal
*positional encoding* added (Vaswani et al., 2017). The encoder's output is averaged over
the window and squeezed to ``latent_dim`` numbers: like the bottlenecked LSTM autoencoder,
the decoder rebuilds the window from that code alone (plus the positions), so it cannot
copy an anomaly through. The attention blocks are written out (pre-norm, residual) so the
notebook can draw their attention maps.

:class:`TwoPhaseTransformer` is the TranAD-style variant: the network also reads a *focus*
input, and is run twice — first with zero focus, then with the squared error of the first
pass as focus, so the second pass knows where the first one failed.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def positional_encoding(length: int, d_model: int) -> torch.Tensor:
    """Sinusoidal encodings, shape (length, d_model): sin/cos at geometric wavelengths.

    Column pair (2i, 2i+1) holds sin and cos of ``position / 10000**(2i / d_model)``; low
    columns change fast with position, high columns slowly, so every position gets a
    distinct code and nearby positions get similar ones.
    """
    position = torch.arange(length, dtype=torch.float32)[:, None]
    even = torch.arange(0, d_model, 2, dtype=torch.float32)
    rate = torch.exp(-math.log(10000.0) * even / d_model)
    encoding = torch.zeros(length, d_model)
    encoding[:, 0::2] = torch.sin(position * rate)
    encoding[:, 1::2] = torch.cos(position * rate[: d_model // 2])
    return encoding


class AttentionBlock(nn.Module):
    """Pre-norm Transformer block: x + attention(norm(x)), then x + feed-forward(norm(x)).

    With ``keep_attention = True``, a forward pass stores the attention weights in
    ``last_attention``, shape (batch, window, window) averaged over heads (row = query step,
    column = key step); it is off by default because computing them slows training.
    """

    def __init__(self, d_model: int, n_heads: int, dim_feedforward: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attention = nn.MultiheadAttention(d_model, n_heads, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.feedforward = nn.Sequential(
            nn.Linear(d_model, dim_feedforward), nn.GELU(), nn.Linear(dim_feedforward, d_model)
        )
        self.keep_attention = False
        self.last_attention: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        attended, weights = self.attention(h, h, h, need_weights=self.keep_attention)
        if self.keep_attention:
            self.last_attention = weights.detach()
        x = x + attended
        return x + self.feedforward(self.norm2(x))


class TransformerAutoencoder(nn.Module):
    """Embed + position → attention blocks → mean-pool → latent → positions + code → blocks → out.

    Input (batch, window, n_inputs); output (batch, window, n_outputs) with n_outputs =
    n_inputs unless given (the two-phase model reads extra focus channels).
    """

    def __init__(
        self,
        n_inputs: int,
        window: int,
        d_model: int = 32,
        n_heads: int = 4,
        n_layers: int = 1,
        latent_dim: int = 8,
        dim_feedforward: int = 64,
        n_outputs: int | None = None,
    ) -> None:
        super().__init__()
        if d_model % n_heads or d_model % 2:
            raise ValueError(f"d_model={d_model} must be even and divisible by n_heads={n_heads}.")
        self.embed = nn.Linear(n_inputs, d_model)
        self.register_buffer("position", positional_encoding(window, d_model))
        self.encoder = nn.ModuleList(
            AttentionBlock(d_model, n_heads, dim_feedforward) for _ in range(n_layers)
        )
        self.to_latent = nn.Sequential(nn.LayerNorm(d_model), nn.Linear(d_model, latent_dim))
        self.from_latent = nn.Linear(latent_dim, d_model)
        self.decoder = nn.ModuleList(
            AttentionBlock(d_model, n_heads, dim_feedforward) for _ in range(n_layers)
        )
        self.output = nn.Sequential(
            nn.LayerNorm(d_model), nn.Linear(d_model, n_outputs or n_inputs)
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Latent code of each window, shape (batch, latent_dim)."""
        h = self.embed(x) + self.position
        for block in self.encoder:
            h = block(h)
        return self.to_latent(h.mean(dim=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.encode(x)
        h = self.from_latent(z).unsqueeze(1) + self.position
        for block in self.decoder:
            h = block(h)
        return self.output(h)

    def attention_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Attention weights of every block for input x, encoder blocks first, then decoder."""
        blocks = [*self.encoder, *self.decoder]
        for block in blocks:
            block.keep_attention = True
        try:
            self(x)
        finally:
            for block in blocks:
                block.keep_attention = False
        return [block.last_attention for block in blocks]


class TwoPhaseTransformer(nn.Module):
    """TranAD-style self-conditioning: pass 1 with zero focus, pass 2 focused on pass 1's error.

    ``forward(x)`` returns both reconstructions (batch, window, n_channels): the second pass
    reads the window concatenated with the squared error of the first, so its attention can
    turn to the steps that were hard to rebuild.
    """

    def __init__(self, n_channels: int, window: int, **transformer_options) -> None:
        super().__init__()
        self.net = TransformerAutoencoder(
            2 * n_channels, window, n_outputs=n_channels, **transformer_options
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        first = self.net(torch.cat([x, torch.zeros_like(x)], dim=-1))
        focus = (first - x) ** 2
        second = self.net(torch.cat([x, focus], dim=-1))
        return first, second
