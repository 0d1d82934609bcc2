"""Neural window detectors: LSTM/GRU autoencoders (notebook 07) and Transformers (notebook 09).

They share one recipe with the tabular neural detectors of notebook 03: standardise (here
per channel, over every step of every training window), hold out the *last*
``val_fraction`` of the training windows for early stopping, train with
:func:`adlib.nn.fit` (GPU and bf16 autocast when there is one) and score a window by its
mean squared reconstruction error. Windows are assumed to come in time order, as
:func:`adlib.data.sliding_windows` builds them: the hold-out is the latest stretch, and the
``window - 1`` windows just before it are dropped so that no training window overlaps a
validation window. All randomness comes from ``random_state`` in a forked torch RNG, so a
refit with the same seed and thread count gives bit-identical scores on the CPU.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from adlib._validation import check_int, check_real, standardised_float32
from adlib.detectors.sequence import SequenceDetector
from adlib.nn.recurrent import RecurrentAutoencoder
from adlib.nn.training import draw_seed, fit_estimator, resolve_device, tensor_batches
from adlib.nn.transformer import TransformerAutoencoder, TwoPhaseTransformer

_SCORE_BATCH = 4096


class NeuralSequenceDetector(SequenceDetector):
    """Shared fit/score machinery; subclasses define ``_build`` and may override ``_errors``.

    Attributes after ``fit``: ``model_`` (in eval mode), ``history_``, ``mean_`` and
    ``scale_`` (per-channel standardisation, shape (n_channels,)) and ``device_``.
    """

    min_train_rows = 10

    def _fit(self, X):
        check_real(self.val_fraction, "val_fraction", low=0.0, high=0.5, inclusive=False)
        self._check_params()
        self.mean_ = X.mean(axis=(0, 1))
        self.scale_ = X.std(axis=(0, 1))
        constant = np.flatnonzero(self.scale_ == 0)
        if constant.size:
            raise ValueError(
                f"channels {constant.tolist()} are constant in the training windows; a "
                "reconstruction model cannot standardise them. Drop those channels."
            )
        Xs = self._standardise(X)
        n_val = max(1, round(self.val_fraction * len(Xs)))
        n_train = len(Xs) - n_val - (X.shape[1] - 1)
        if n_train < 1:
            raise ValueError(
                f"{len(Xs)} training windows of {X.shape[1]} steps are too few: after holding "
                f"out {n_val} for validation and a gap of {X.shape[1] - 1} overlapping windows, "
                "none are left to train on. Use a longer training segment or a shorter window."
            )
        seed = draw_seed(self.random_state)
        self.device_ = resolve_device(self.device)
        self.model_, self.history_ = fit_estimator(
            self,
            lambda: self._build(X.shape[2], X.shape[1]),
            self._loss,
            Xs[:n_train],
            Xs[-n_val:],
            seed=seed,
            device=self.device_,
            desc=type(self).__name__,
        )
        self.seed_ = seed

    def _check_params(self) -> None:
        """Subclasses check their own extra parameters here."""

    def _standardise(self, X: np.ndarray) -> np.ndarray:
        return standardised_float32((X - self.mean_) / self.scale_)

    def _batches(self, X: np.ndarray):
        return tensor_batches(self._standardise(X), _SCORE_BATCH, self.device_)

    def _loss(self, model: nn.Module, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        (x,) = batch
        return F.mse_loss(model(x), x)

    def _errors(self, x: torch.Tensor) -> torch.Tensor:
        """Squared error per step, mean over channels, shape (batch, window)."""
        return ((self.model_(x) - x) ** 2).mean(dim=2)

    def _score(self, X):
        return self.reconstruction_error(X).mean(axis=1)

    def reconstruction_error(self, X: object) -> np.ndarray:
        """Squared error of each step (standardised units, mean over channels): (n_windows, window).

        Averaging it over the windows that cover a step localises an anomaly better than
        the window score does.
        """
        X = self._check_fitted_X(X, "reconstruction_error")
        with torch.no_grad():
            parts = [self._errors(x).double().cpu().numpy() for x in self._batches(X)]
        return np.concatenate(parts)

    def reconstruct(self, X: object) -> np.ndarray:
        """The model's reconstruction of windows X, in the original units, shape like X."""
        X = self._check_fitted_X(X, "reconstruct")
        with torch.no_grad():
            parts = [self._output(x).double().cpu().numpy() for x in self._batches(X)]
        return np.concatenate(parts) * self.scale_ + self.mean_

    def _output(self, x: torch.Tensor) -> torch.Tensor:
        return self.model_(x)

    def _build(self, n_channels: int, window: int) -> nn.Module:
        raise NotImplementedError


class LSTMAutoencoderDetector(NeuralSequenceDetector):
    """LSTM autoencoder on windows; score = mean squared reconstruction error.

    ``decoder_input="repeat"`` gives the decoder only a ``latent_dim`` code of the window (a
    real bottleneck); ``"sequence"`` is the sources' variant, which feeds it the encoder's
    whole output sequence and can learn to copy (see :mod:`adlib.nn.recurrent`).
    """

    cell = "lstm"

    def __init__(
        self,
        hidden: int = 32,
        latent_dim: int = 8,
        decoder_input: str = "repeat",
        num_layers: int = 1,
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
        self.decoder_input = decoder_input
        self.num_layers = num_layers
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
        check_int(self.num_layers, "num_layers", low=1)
        if self.decoder_input not in ("repeat", "sequence"):
            raise ValueError(
                f"decoder_input must be 'repeat' (bottleneck) or 'sequence' (the sources' "
                f"variant), got {self.decoder_input!r}."
            )

    def _build(self, n_channels, window):
        return RecurrentAutoencoder(
            n_channels,
            self.hidden,
            self.latent_dim,
            cell=self.cell,
            decoder_input=self.decoder_input,
            num_layers=self.num_layers,
        )


class GRUAutoencoderDetector(LSTMAutoencoderDetector):
    """The same autoencoder with GRU cells: no separate cell state, about ¾ of the weights."""

    cell = "gru"


class TransformerDetector(NeuralSequenceDetector):
    """Transformer autoencoder on windows with a latent bottleneck; score = reconstruction error.

    See :class:`adlib.nn.transformer.TransformerAutoencoder`; :meth:`attention_maps` returns
    the attention weights of each block for a few windows.
    """

    def __init__(
        self,
        d_model: int = 32,
        n_heads: int = 4,
        n_layers: int = 1,
        latent_dim: int = 8,
        dim_feedforward: int = 64,
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
        self.latent_dim = latent_dim
        self.dim_feedforward = dim_feedforward
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
        d_model = check_int(self.d_model, "d_model", low=2)
        n_heads = check_int(self.n_heads, "n_heads", low=1)
        check_int(self.n_layers, "n_layers", low=1)
        check_int(self.dim_feedforward, "dim_feedforward", low=1)
        if d_model % n_heads or d_model % 2:
            raise ValueError(
                f"d_model={d_model} must be even and divisible by n_heads={n_heads} (each head "
                "gets d_model / n_heads dimensions)."
            )

    def _options(self) -> dict:
        return {
            "d_model": self.d_model,
            "n_heads": self.n_heads,
            "n_layers": self.n_layers,
            "latent_dim": self.latent_dim,
            "dim_feedforward": self.dim_feedforward,
        }

    def _build(self, n_channels, window):
        return TransformerAutoencoder(n_channels, window, **self._options())

    def attention_maps(self, X: object) -> list[np.ndarray]:
        """Attention per block (head average) for windows X, each (n_windows, window, window)."""
        X = self._check_fitted_X(X, "attention_maps")
        x = torch.from_numpy(self._standardise(X)).to(self.device_)
        with torch.no_grad():
            maps = self._attention_maps(x)
        return [weights.double().cpu().numpy() for weights in maps]

    def _attention_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.model_.attention_maps(x)


class TranADDetector(TransformerDetector):
    """TranAD-style two-phase Transformer: the second pass is conditioned on the first's error.

    Trained on the mean of both passes' squared errors; a window's score is the mean of the
    two passes' errors, as in TranAD's test phase. TranAD's adversarial term is left out, so
    the notebook measures the self-conditioning on its own.
    """

    def _build(self, n_channels, window):
        return TwoPhaseTransformer(n_channels, window, **self._options())

    def _loss(self, model, batch):
        (x,) = batch
        first, second = model(x)
        return 0.5 * (F.mse_loss(first, x) + F.mse_loss(second, x))

    def _output(self, x):
        """The focused second pass, the one TranAD reports as its reconstruction."""
        return self.model_(x)[1]

    def _errors(self, x):
        first, second = self.model_(x)
        return 0.5 * (((first - x) ** 2) + ((second - x) ** 2)).mean(dim=2)

    def _attention_maps(self, x):
        """The second (focused) pass's attention, the one that decides the final output."""
        first, _ = self.model_(x)
        return self.model_.net.attention_maps(torch.cat([x, (first - x) ** 2], dim=-1))
