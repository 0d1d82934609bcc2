"""Convolutional window detectors (notebook 07): a DeepAnT-style forecaster and a TCN autoencoder.

Both follow the recipe of :class:`adlib.detectors.sequence_neural.NeuralSequenceDetector`
(per-channel standardisation, the latest windows held out for early stopping, training by
:func:`adlib.nn.fit`) and the window contract: X has shape (n_windows, window, n_channels)
and each window gets one score, so :func:`adlib.data.window_scores_to_steps` maps them to
steps as for the recurrent autoencoders.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from adlib._validation import check_int
from adlib.detectors.sequence_neural import NeuralSequenceDetector
from adlib.nn.convolutional import (
    ConvForecaster,
    TCNAutoencoder,
    check_dilations,
    conv_pool_length,
    receptive_field,
)


class CNNForecastDetector(NeuralSequenceDetector):
    """DeepAnT-style CNN forecaster: predict a window's last step from the steps before it.

    A window of w steps is a history of w − 1 steps and the step to predict; the score is
    the squared error of that prediction in standardised units, mean over channels (Munir et
    al., IEEE Access 2019, score by prediction error). ``n_blocks`` blocks of a convolution
    (``filters`` channels, ``kernel_size`` steps, no padding), a ReLU and a max-pool of 2
    feed a dense layer of ``latent_dim`` units, which sees the whole history (see
    :class:`~adlib.nn.convolutional.ConvForecaster`). ``reconstruct(X)`` returns the forecast
    of each window's last step in the original units, shape (n_windows, n_channels), and
    ``reconstruction_error(X)`` its squared error, shape (n_windows, 1).
    """

    def __init__(
        self,
        filters: int = 32,
        kernel_size: int = 3,
        n_blocks: int = 2,
        latent_dim: int = 32,
        epochs: int = 30,
        batch_size: int = 64,
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        patience: int = 5,
        val_fraction: float = 0.2,
        random_state: int | None = None,
        device: str = "auto",
        progress: bool = False,
    ) -> None:
        self.filters = filters
        self.kernel_size = kernel_size
        self.n_blocks = n_blocks
        self.latent_dim = latent_dim
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
        check_int(self.latent_dim, "latent_dim", low=1)
        check_int(self.filters, "filters", low=1)
        check_int(self.kernel_size, "kernel_size", low=1)
        check_int(self.n_blocks, "n_blocks", low=1)

    def _build(self, n_channels, window):
        if conv_pool_length(window - 1, self.kernel_size, self.n_blocks) < 1:
            shortest = 1  # a history that leaves one position, built back block by block
            for _ in range(self.n_blocks):
                shortest = 2 * shortest + self.kernel_size - 1
            raise ValueError(
                f"windows of {window} steps leave a history of {window - 1}, too short for "
                f"{self.n_blocks} blocks of a convolution over {self.kernel_size} steps and a "
                f"max-pool of 2; use windows of at least {shortest + 1} steps, or fewer blocks or "
                "a smaller kernel_size."
            )
        return ConvForecaster(
            n_channels, window - 1, self.filters, self.kernel_size, self.n_blocks, self.latent_dim
        )

    def _loss(self, model: nn.Module, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        (x,) = batch
        return F.mse_loss(model(x[:, :-1]), x[:, -1])

    def _output(self, x):
        """The forecast of the last step from the steps before it, (batch, n_channels)."""
        return self.model_(x[:, :-1])

    def _errors(self, x):
        """Squared error of the forecast step, mean over channels, shape (batch, 1)."""
        return ((self._output(x) - x[:, -1]) ** 2).mean(dim=1, keepdim=True)


class TCNAutoencoderDetector(NeuralSequenceDetector):
    """TCN autoencoder on windows (dilated causal convolutions); score = mean squared error.

    The encoder and the decoder are stacks of Bai et al.'s residual blocks, one per entry of
    ``dilations``, each with two causal convolutions of ``kernel_size`` taps and ``hidden``
    channels; the bottleneck keeps ``latent_dim`` numbers per block of ``pool`` steps (see
    :class:`adlib.nn.convolutional.TCNAutoencoder`). After ``fit``, ``receptive_field_`` is
    the number of steps one output of the causal encoder sees, 1 + 2 (k − 1) Σ d_i.
    """

    def __init__(
        self,
        hidden: int = 16,
        latent_dim: int = 4,
        kernel_size: int = 3,
        dilations: tuple[int, ...] = (1, 2, 4),
        pool: int = 16,
        epochs: int = 30,
        batch_size: int = 64,
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        patience: int = 5,
        val_fraction: float = 0.2,
        random_state: int | None = None,
        device: str = "auto",
        progress: bool = False,
    ) -> None:
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.kernel_size = kernel_size
        self.dilations = dilations
        self.pool = pool
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
        check_int(self.latent_dim, "latent_dim", low=1)
        check_int(self.hidden, "hidden", low=1)
        check_int(self.kernel_size, "kernel_size", low=1)
        check_dilations(self.dilations)
        check_int(self.pool, "pool", low=1)

    def _fit(self, X):
        super()._fit(X)
        self.receptive_field_ = receptive_field(self.kernel_size, self.dilations)

    def _build(self, n_channels, window):
        return TCNAutoencoder(
            n_channels,
            self.hidden,
            self.latent_dim,
            self.kernel_size,
            tuple(self.dilations),
            self.pool,
        )
