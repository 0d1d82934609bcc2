"""The Anomaly Transformer as a window detector (notebook 09).

:class:`AnomalyTransformerDetector` trains :class:`adlib.nn.anomaly_transformer.AnomalyTransformer`
with the minimax association-discrepancy loss through the shared recipe of
:class:`adlib.detectors.sequence_neural.NeuralSequenceDetector` (per-channel standardisation,
a held-out latest stretch for early stopping, :func:`adlib.nn.training.fit_estimator`), and
scores every step by its discrepancy-weighted reconstruction error (Xu et al., ICLR 2022,
equation 6; 002 §4.2). A window's score is the mean of its steps' scores.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from adlib._validation import check_int, check_real
from adlib.detectors.sequence_neural import NeuralSequenceDetector
from adlib.nn.anomaly_transformer import (
    AnomalyTransformer,
    anomaly_score,
    association_discrepancy,
    minimax_loss,
)


class AnomalyTransformerDetector(NeuralSequenceDetector):
    """Anomaly Transformer on windows; score = mean over steps of softmax(-AssDis) × error.

    ``d_model``, ``n_heads``, ``n_layers`` and ``dim_feedforward`` size the network (the
    authors use 512, 8, 3 and 512 on windows of 100 steps; the defaults here train in seconds
    on one core). ``discrepancy_weight`` is the paper's λ (3 in the authors' code). Beyond the
    window score: :meth:`step_scores` (each step's weighted error), :meth:`discrepancy` (each
    step's association discrepancy) and, inherited, :meth:`reconstruction_error` (each step's
    plain squared error) and :meth:`reconstruct`, all of shape (n_windows, window) but the last.
    """

    def __init__(
        self,
        d_model: int = 32,
        n_heads: int = 4,
        n_layers: int = 2,
        dim_feedforward: int = 64,
        discrepancy_weight: float = 3.0,
        epochs: int = 30,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int = 5,
        val_fraction: float = 0.2,
        random_state: int | None = None,
        device: str = "auto",
        progress: bool = False,
    ) -> None:
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.dim_feedforward = dim_feedforward
        self.discrepancy_weight = discrepancy_weight
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
        d_model = check_int(self.d_model, "d_model", low=1)
        n_heads = check_int(self.n_heads, "n_heads", low=1)
        check_int(self.n_layers, "n_layers", low=1)
        check_int(self.dim_feedforward, "dim_feedforward", low=1)
        check_real(self.discrepancy_weight, "discrepancy_weight", low=0.0)
        if d_model % n_heads:
            raise ValueError(
                f"d_model={d_model} must be divisible by n_heads={n_heads} (each head gets "
                "d_model / n_heads dimensions)."
            )

    def _build(self, n_channels, window):
        return AnomalyTransformer(
            n_channels,
            window,
            d_model=self.d_model,
            n_heads=self.n_heads,
            n_layers=self.n_layers,
            dim_feedforward=self.dim_feedforward,
        )

    def _loss(self, model, batch):
        (x,) = batch
        return minimax_loss(model(x), x, self.discrepancy_weight)

    def _output(self, x):
        return self.model_(x).reconstruction

    def _errors(self, x):
        return ((self._output(x) - x) ** 2).mean(dim=2)

    def _score(self, X):
        return self.step_scores(X).mean(axis=1)

    def step_scores(self, X: object) -> np.ndarray:
        """Each step's anomaly score, softmax(-AssDis) × squared error: (n_windows, window).

        The error is in standardised units, mean over channels; the weights of a window sum to
        1 and are larger the smaller a step's discrepancy. Mapping these to the series (mean
        over the windows covering a step) gives the paper's point-wise score.
        """
        return self._per_step(X, "step_scores", lambda x: anomaly_score(self.model_(x), x))

    def discrepancy(self, X: object) -> np.ndarray:
        """Each step's association discrepancy AssDis in nats: shape (n_windows, window)."""

        def assdis(x: torch.Tensor) -> torch.Tensor:
            output = self.model_(x)
            return association_discrepancy(output.prior, output.series)

        return self._per_step(X, "discrepancy", assdis)

    def association_maps(self, X: object) -> list[tuple[np.ndarray, np.ndarray]]:
        """(series, prior) association of each layer for a few windows X, mean over heads.

        Each map has shape (n_windows, window, window): row = query step, column = key step,
        every row a distribution. All of X goes through the network in one batch.
        """
        X = self._check_fitted_X(X, "association_maps")
        x = torch.from_numpy(self._standardise(X)).to(self.device_)
        with torch.no_grad():
            output = self.model_(x)
        return [
            (s.mean(dim=1).double().cpu().numpy(), p.mean(dim=1).double().cpu().numpy())
            for s, p in zip(output.series, output.prior, strict=True)
        ]

    def _per_step(
        self, X: object, method: str, per_batch: Callable[[torch.Tensor], torch.Tensor]
    ) -> np.ndarray:
        X = self._check_fitted_X(X, method)
        with torch.no_grad():
            parts = [per_batch(x).double().cpu().numpy() for x in self._batches(X)]
        return np.concatenate(parts)
