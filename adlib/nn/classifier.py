"""A recurrent classifier for sequences of events, e.g. a customer's last N transactions (08).

Input (batch, length, n_features); output one logit per sequence, shape (batch,), read from
the last hidden state, so the model sees the events in order and the most recent last.
Train it with ``BCEWithLogitsLoss`` on the logits (numerically safer than a sigmoid
followed by ``BCELoss``, the sources' version); ``torch.sigmoid`` of a logit is the
probability of the positive class.

``forget_bias`` sets the LSTM's forget-gate bias at initialisation. PyTorch draws every
bias uniformly around 0, so each forget gate starts near σ(0) = 0.5 and the cell state halves
at every step until training learns otherwise; a bias of 1 starts the gate near σ(1) ≈ 0.73
and lets the gradient reach signals many steps back from the first epoch (Gers et al., 2000;
Jozefowicz et al., 2015, who recommend 1 as the default).
"""

from __future__ import annotations

import torch
from torch import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentClassifier(nn.Module):
    """Plain RNN, LSTM or GRU over the sequence, then a linear layer on its last hidden state."""

    def __init__(
        self,
        n_features: int,
        hidden: int = 32,
        cell: str = "lstm",
        num_layers: int = 1,
        forget_bias: float | None = None,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}.")
        if forget_bias is not None and cell != "lstm":
            raise ValueError(f"forget_bias applies to the LSTM only, got cell={cell!r}.")
        self.rnn = CELLS[cell](n_features, hidden, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden, 1)
        if forget_bias is not None:
            set_forget_bias(self.rnn, float(forget_bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, state = self.rnn(x)
        final = state[0] if isinstance(state, tuple) else state
        return self.head(final[-1]).squeeze(-1)


def set_forget_bias(lstm: nn.LSTM, value: float) -> None:
    """Set every layer's forget-gate bias of ``lstm`` to ``value``, in place.

    PyTorch keeps two bias vectors per layer, ``bias_ih_l{n}`` and ``bias_hh_l{n}``, each with
    the input, forget, cell and output gate blocks in that order; the gate sees their sum, so
    the forget block of ``bias_ih`` gets ``value`` and that of ``bias_hh`` gets 0.
    """
    size = lstm.hidden_size
    with torch.no_grad():
        for name, bias in lstm.named_parameters():
            if name.startswith("bias_"):
                bias[size : 2 * size] = value if name.startswith("bias_ih") else 0.0
