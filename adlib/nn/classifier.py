"""A recurrent classifier for sequences of events, e.g. a customer's last N transactions (08).

Input (batch, length, n_features); output one logit per sequence, shape (batch,), read from
the last hidden state, so the model sees the events in order and the most recent last.
Train it with ``BCEWithLogitsLoss`` on the logits (numerically safer than a sigmoid
followed by ``BCELoss``, the sources' version); ``torch.sigmoid`` of a logit is the
probability of the positive class.
"""

from __future__ import annotations

import torch
from torch import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentClassifier(nn.Module):
    """Plain RNN, LSTM or GRU over the sequence, then a linear layer on its last hidden state."""

    def __init__(
        self, n_features: int, hidden: int = 32, cell: str = "lstm", num_layers: int = 1
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}.")
        self.rnn = CELLS[cell](n_features, hidden, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, state = self.rnn(x)
        final = state[0] if isinstance(state, tuple) else state
        return self.head(final[-1]).squeeze(-1)
