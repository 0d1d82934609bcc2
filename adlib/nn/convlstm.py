"""The convolutional LSTM of Shi et al. (2015) and an autoencoder built from it (notebook 10).

Shi, Chen, Wang, Yeung, Wong & Woo, "Convolutional LSTM Network: A Machine Learning Approach
for Precipitation Nowcasting", NeurIPS 2015.

A ConvLSTM is an LSTM whose input, state and gates are *maps* rather than vectors, and whose
input-to-state and state-to-state transitions are convolutions (``*``) instead of matrix
products; the peephole terms (``∘``, an element-wise product with a learned map) let the cell
state reach the gates. For one step, with input map X_t and previous maps H_{t-1}, C_{t-1}:

    i_t = σ(W_xi * X_t + W_hi * H_{t-1} + W_ci ∘ C_{t-1} + b_i)
    f_t = σ(W_xf * X_t + W_hf * H_{t-1} + W_cf ∘ C_{t-1} + b_f)
    C_t = f_t ∘ C_{t-1} + i_t ∘ tanh(W_xc * X_t + W_hc * H_{t-1} + b_c)
    o_t = σ(W_xo * X_t + W_ho * H_{t-1} + W_co ∘ C_t + b_o)
    H_t = o_t ∘ tanh(C_t)

Shi et al. convolve over the two axes of a radar image; a window of a time series has one
"spatial" axis, so the maps here are 1-D: shape (batch, channels, width), and the
convolutions are 1-D with "same" padding, so every map keeps its ``width``. The recurrence
runs over *frames*: a window of ``window`` steps is cut into consecutive frames of ``frame``
steps, the usual way a ConvLSTM reads a univariate series (the convolution sees the shape
inside a frame, the recurrence how frames follow each other).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from adlib._validation import check_int


class ConvLSTMCell(nn.Module):
    """One ConvLSTM step (Shi et al. 2015, eq. 3) on 1-D maps of ``width`` positions.

    ``forward(x, (h, c))`` takes the input map x (batch, in_channels, width) and the previous
    hidden and cell maps h, c (batch, hidden_channels, width), and returns the new (h, c). The
    eight convolutions W_x· and W_h· are held as one ``Conv1d`` over the stacked [x; h] with
    4 × hidden_channels outputs, in the gate order i, f, c̃ (the candidate), o; the peephole
    maps W_ci, W_cf, W_co are (hidden_channels, width) parameters, initialised to zero (so
    training starts from the plain convolutional LSTM). ``kernel_size`` is odd so that the
    "same" padding of kernel_size // 2 zeros on each side keeps the width.
    """

    def __init__(
        self, in_channels: int, hidden_channels: int, kernel_size: int, width: int
    ) -> None:
        super().__init__()
        in_channels = check_int(in_channels, "in_channels", low=1)
        hidden_channels = check_int(hidden_channels, "hidden_channels", low=1)
        kernel_size = check_int(kernel_size, "kernel_size", low=1)
        width = check_int(width, "width", low=1)
        if kernel_size % 2 == 0:
            raise ValueError(
                f"kernel_size must be odd so that 'same' padding keeps the width, got "
                f"{kernel_size}; use {kernel_size + 1}."
            )
        self.hidden_channels = hidden_channels
        self.conv = nn.Conv1d(
            in_channels + hidden_channels, 4 * hidden_channels, kernel_size, padding="same"
        )
        self.peephole = nn.Parameter(torch.zeros(3, hidden_channels, width))

    def initial_state(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Zero maps (h, c) of shape (batch, hidden_channels, width) for the input map x."""
        zeros = x.new_zeros(x.shape[0], self.hidden_channels, x.shape[2])
        return zeros, zeros.clone()

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h, c = state
        gates = self.conv(torch.cat([x, h], dim=1))
        i, f, candidate, o = gates.chunk(4, dim=1)
        w_ci, w_cf, w_co = self.peephole
        i = torch.sigmoid(i + w_ci * c)
        f = torch.sigmoid(f + w_cf * c)
        c = f * c + i * torch.tanh(candidate)
        o = torch.sigmoid(o + w_co * c)
        return o * torch.tanh(c), c


class ConvLSTMAutoencoder(nn.Module):
    """ConvLSTM encoder → ``latent_dim`` code → ConvLSTM decoder, on windows (batch, window, C).

    The window is cut into ceil(window / frame) frames of ``frame`` steps, each a map of C
    channels × ``frame`` positions; when ``frame`` does not divide the window, the window is
    first padded at its start by repeating its first step, and that padding is cropped from
    the output. The encoder cell reads the frames in order; its last hidden map is flattened
    and projected to ``latent_dim`` numbers (the bottleneck). The decoder maps the code back
    to one map of ``hidden`` channels, feeds that same map to a second ConvLSTM cell at every
    frame (like the ``"repeat"`` decoder of :class:`adlib.nn.recurrent.RecurrentAutoencoder`)
    and turns each of its hidden maps into a frame of C channels with a 1 × 1 convolution.
    Output shape = input shape.
    """

    def __init__(
        self,
        n_channels: int,
        window: int,
        frame: int = 8,
        hidden: int = 8,
        latent_dim: int = 8,
        kernel_size: int = 3,
    ) -> None:
        super().__init__()
        n_channels = check_int(n_channels, "n_channels", low=1)
        window = check_int(window, "window", low=1)
        frame = check_int(frame, "frame", low=1)
        hidden = check_int(hidden, "hidden", low=1)
        latent_dim = check_int(latent_dim, "latent_dim", low=1)
        if frame > window:
            raise ValueError(
                f"frame={frame} is longer than the window of {window} steps; a ConvLSTM needs "
                "at least one whole frame per window. Use a smaller frame."
            )
        self.frame, self.n_frames = frame, math.ceil(window / frame)
        self.pad = self.n_frames * frame - window
        self.hidden = hidden
        self.encoder = ConvLSTMCell(n_channels, hidden, kernel_size, frame)
        self.to_latent = nn.Linear(hidden * frame, latent_dim)
        self.from_latent = nn.Linear(latent_dim, hidden * frame)
        self.decoder = ConvLSTMCell(hidden, hidden, kernel_size, frame)
        self.output = nn.Conv1d(hidden, n_channels, 1)

    def _frames(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, window, C) → (batch, n_frames, C, frame), padded at the start if needed."""
        if self.pad:
            x = torch.cat([x[:, :1].expand(-1, self.pad, -1), x], dim=1)
        return x.reshape(x.shape[0], self.n_frames, self.frame, x.shape[2]).transpose(2, 3)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The latent code of each window, shape (batch, latent_dim)."""
        frames = self._frames(x)
        state = self.encoder.initial_state(frames[:, 0])
        for t in range(self.n_frames):
            state = self.encoder(frames[:, t], state)
        return self.to_latent(state[0].flatten(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seed = self.from_latent(self.encode(x)).view(x.shape[0], self.hidden, self.frame)
        state = self.decoder.initial_state(seed)
        frames = []
        for _ in range(self.n_frames):
            state = self.decoder(seed, state)
            frames.append(self.output(state[0]))
        out = torch.stack(frames, dim=1).transpose(2, 3).reshape(x.shape[0], -1, x.shape[2])
        return out[:, self.pad :]
