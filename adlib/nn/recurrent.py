"""Recurrent autoencoders for windows of a time series (notebook 07).

Input and output have shape (batch, window, n_channels). The encoder is an LSTM or GRU.
How the decoder is fed decides whether the model has a bottleneck:

- ``decoder_input="repeat"`` (a real bottleneck): the encoder's final hidden state is
  projected to ``latent_dim`` numbers, and the decoder sees only that vector, repeated at
  every step. Everything it reconstructs must pass through ``latent_dim`` numbers.
- ``decoder_input="sequence"`` (the variant in the sources): the decoder reads the encoder's
  whole output sequence, one hidden vector per input step, and starts from the encoder's
  final state. Each output step can be computed from the matching input step, so the
  network can learn to copy its input, anomalies included.
"""

from __future__ import annotations

import torch
from torch import nn

_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentAutoencoder(nn.Module):
    """LSTM/GRU sequence-to-sequence autoencoder; see the module docstring for the two decoders."""

    def __init__(
        self,
        n_channels: int,
        hidden: int = 32,
        latent_dim: int = 8,
        cell: str = "lstm",
        decoder_input: str = "repeat",
        num_layers: int = 1,
    ) -> None:
        super().__init__()
        if cell not in _CELLS:
            raise ValueError(f"cell must be 'lstm' or 'gru', got {cell!r}.")
        if decoder_input not in ("repeat", "sequence"):
            raise ValueError(
                f"decoder_input must be 'repeat' or 'sequence', got {decoder_input!r}."
            )
        rnn = _CELLS[cell]
        self.decoder_input = decoder_input
        self.encoder = rnn(n_channels, hidden, num_layers=num_layers, batch_first=True)
        if decoder_input == "repeat":
            self.to_latent = nn.Linear(hidden, latent_dim)
            self.decoder = rnn(latent_dim, hidden, num_layers=num_layers, batch_first=True)
        else:
            self.decoder = rnn(hidden, hidden, num_layers=num_layers, batch_first=True)
        self.output = nn.Linear(hidden, n_channels)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The latent code of each window, shape (batch, latent_dim) (``"repeat"`` only)."""
        if self.decoder_input != "repeat":
            raise ValueError("a decoder_input='sequence' model has no latent code to return.")
        _, state = self.encoder(x)
        final = state[0] if isinstance(state, tuple) else state
        return self.to_latent(final[-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.decoder_input == "repeat":
            z = self.encode(x)
            decoded, _ = self.decoder(z.unsqueeze(1).expand(-1, x.shape[1], -1))
        else:
            encoded, state = self.encoder(x)
            decoded, _ = self.decoder(encoded, state)
        return self.output(decoded)
