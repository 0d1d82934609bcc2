"""The Isolation Forest + autoencoder + ConvLSTM hybrid of 002 §6.4, on windows (notebook 10).

002 §6.4 names the parts of its "2025 SOTA" hybrid and what each brings: an Isolation Forest
("efficient outlier partitioning"), an autoencoder ("latent feature extraction") and a
ConvLSTM ("spatial-temporal patterns"); it does not say how they are combined. This module
builds each part as a window detector of its own, behind the :class:`SequenceDetector`
contract, and the hybrid that fuses them:

- :func:`window_features` and :class:`WindowIsolationForestDetector`: an Isolation Forest on
  six summary statistics of each channel of a window (level, spread, range, trend, roughness);
- :class:`WindowAutoencoderDetector`: a dense autoencoder on the flattened window;
- :class:`ConvLSTMAutoencoderDetector`: the ConvLSTM autoencoder of :mod:`adlib.nn.convlstm`;
- :class:`IFAEConvLSTMDetector`: the three, fitted on the same windows, their scores put on
  one scale learned on held-out normal windows and averaged (see its docstring for why a
  fusion and not a cascade).
"""

from __future__ import annotations

import time

import numpy as np
from torch import nn

from adlib._validation import check_int, check_real
from adlib.detectors.classical import IsolationForestDetector
from adlib.detectors.hybrid import _empirical_cdf
from adlib.detectors.neural import _check_widths
from adlib.detectors.sequence import SequenceDetector, as_windows
from adlib.detectors.sequence_neural import NeuralSequenceDetector
from adlib.nn.convlstm import ConvLSTMAutoencoder
from adlib.nn.tabular import Autoencoder
from adlib.nn.training import draw_seed

#: The names of the hybrid's parts, in the order of its weights and component scores.
PARTS = ("isolation forest", "autoencoder", "convlstm")

#: The statistics :func:`window_features` computes for each channel, in column order.
WINDOW_FEATURES = ("mean", "sd", "min", "max", "trend", "roughness")


def window_features(X: object) -> np.ndarray:
    """Six summary statistics of each channel of each window, shape (n_windows, 6 × n_channels).

    X: windows (n_windows, window, n_channels), window >= 2 steps (2-D input is one channel).
    Per channel, in the units of X: the mean, the population sd, the minimum, the maximum,
    the trend x_last − x_first and the roughness, the mean absolute step-to-step change
    mean_t |x_{t+1} − x_t|. Columns are grouped by statistic (the order of
    :data:`WINDOW_FEATURES`), channels in order within each group.
    """
    X = as_windows(X, "X")
    if X.shape[1] < 2:
        raise ValueError(
            f"window_features needs windows of at least 2 steps (trend and roughness compare "
            f"steps), got {X.shape[1]}."
        )
    columns = (
        X.mean(axis=1),
        X.std(axis=1),
        X.min(axis=1),
        X.max(axis=1),
        X[:, -1] - X[:, 0],
        np.abs(np.diff(X, axis=1)).mean(axis=1),
    )
    return np.concatenate(columns, axis=1)


class WindowIsolationForestDetector(SequenceDetector):
    """Isolation Forest on the :func:`window_features` of each window (the hybrid's first part).

    The forest (:class:`adlib.detectors.IsolationForestDetector`, score in (0, 1), near 1 =
    isolated by few random splits) sees only a window's level, spread, range, trend and
    roughness, not its shape: it catches windows whose summary is unusual (a level shift, a
    burst of noise) and misses a wrong shape with ordinary statistics. Windows need at least
    2 steps.
    """

    def __init__(
        self, n_estimators: int = 100, max_samples: int | str = "auto", random_state=None
    ) -> None:
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.random_state = random_state

    def _fit(self, X):
        self.forest_ = IsolationForestDetector(
            n_estimators=self.n_estimators,
            max_samples=self.max_samples,
            random_state=self.random_state,
        ).fit(window_features(X))

    def _score(self, X):
        return self.forest_.score_samples(window_features(X))


class _Flattened(nn.Module):
    """Runs a row model on windows: (batch, window, C) → rows of window × C values → back."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x.flatten(1)).view(x.shape)


class WindowAutoencoderDetector(NeuralSequenceDetector):
    """Dense autoencoder on the flattened window; score = mean squared reconstruction error.

    Each standardised window becomes one row of window × n_channels values and goes through
    the tabular :class:`adlib.nn.tabular.Autoencoder` of notebook 03 (encoder widths
    ``hidden``, a ``latent_dim`` code, a mirrored decoder). It knows nothing of time: step 3
    and step 30 are just two inputs. Trained like every window network
    (:class:`NeuralSequenceDetector`: the latest ``val_fraction`` of windows held out).
    """

    def __init__(
        self,
        hidden: tuple[int, ...] = (32,),
        latent_dim: int = 8,
        epochs: int = 40,
        batch_size: int = 32,
        lr: float = 1e-2,
        weight_decay: float = 0.0,
        patience: int = 8,
        val_fraction: float = 0.2,
        random_state: int | None = None,
        device: str = "auto",
        progress: bool = False,
    ) -> None:
        self.hidden = hidden
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
        _check_widths(self.hidden, "hidden")

    def _build(self, n_channels, window):
        return _Flattened(Autoencoder(window * n_channels, tuple(self.hidden), self.latent_dim))


class ConvLSTMAutoencoderDetector(NeuralSequenceDetector):
    """ConvLSTM autoencoder on windows cut into frames; score = mean squared reconstruction error.

    See :class:`adlib.nn.convlstm.ConvLSTMAutoencoder`: a window becomes ceil(window / frame)
    frames of ``frame`` steps; ConvLSTM cells with ``hidden`` channels and 1-D kernels of
    ``kernel_size`` steps (odd) read the frames in order and squeeze them to a ``latent_dim``
    code, from which a second ConvLSTM rebuilds them. ``frame`` must not exceed the window.
    The defaults (learning rate 10⁻², batches of 32, up to 40 epochs) were set on validation
    loss: on UCR 135 at 3·10⁻³ and batches of 16 it was still falling after 40 epochs.
    """

    def __init__(
        self,
        hidden: int = 8,
        latent_dim: int = 8,
        frame: int = 8,
        kernel_size: int = 3,
        epochs: int = 40,
        batch_size: int = 32,
        lr: float = 1e-2,
        weight_decay: float = 0.0,
        patience: int = 8,
        val_fraction: float = 0.2,
        random_state: int | None = None,
        device: str = "auto",
        progress: bool = False,
    ) -> None:
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.frame = frame
        self.kernel_size = kernel_size
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
        check_int(self.hidden, "hidden", low=1)
        check_int(self.frame, "frame", low=1)
        kernel_size = check_int(self.kernel_size, "kernel_size", low=1)
        if kernel_size % 2 == 0:
            raise ValueError(
                f"kernel_size must be odd so that 'same' padding keeps the frame's width, got "
                f"{kernel_size}; use {kernel_size + 1}."
            )

    def _check_frame(self, window: int) -> None:
        """Check the ConvLSTM's own parameters and that a frame fits in a window of ``window``."""
        self._check_params()
        if self.frame > window:
            raise ValueError(
                f"frame={self.frame} is longer than the windows of {window} steps; a "
                "ConvLSTM needs at least one whole frame per window. Use a smaller frame."
            )

    def _fit(self, X):
        self._check_frame(X.shape[1])
        super()._fit(X)

    def _build(self, n_channels, window):
        return ConvLSTMAutoencoder(
            n_channels, window, self.frame, self.hidden, self.latent_dim, self.kernel_size
        )


class IFAEConvLSTMDetector(SequenceDetector):
    """002 §6.4's hybrid: an Isolation Forest, a dense autoencoder and a ConvLSTM, score-fused.

    The parts: :class:`WindowIsolationForestDetector` (``n_estimators`` trees on the window
    features), :class:`WindowAutoencoderDetector` (widths ``ae_hidden``) and
    :class:`ConvLSTMAutoencoderDetector` (``convlstm_hidden`` channels, frames of ``frame``
    steps, kernels of ``kernel_size``); both networks have a ``latent_dim`` code and train
    with the shared settings (``epochs`` ... ``val_fraction``). ``fit`` fits each part on all
    the training windows, with its own seed drawn from ``random_state`` (so each part is
    exactly the detector one would fit alone), then scores the latest ``val_fraction`` of
    them with each part: ``reference_`` (n_val, 3). Those are the windows the networks hold
    out for early stopping, so their scores there are out of sample; the forest has seen them
    in training, which biases its reference scores slightly low. A window's
    score is the ``weights``-weighted mean (default equal) of its three part scores, each put
    on the scale of those reference scores: ``method="zscore"`` (minus their mean, over their
    sd) or ``"rank"`` (the share of them at or below it, the empirical CDF of
    :class:`adlib.detectors.ScoreFusion`).

    Why a fusion and not a cascade: 002 §6.4 gives no combination; the only scoring code 002
    gives for a hybrid (§6.3, ``anomaly_score``) is a weighted mean of each detector's
    normalised score, which we follow. A cascade (:class:`adlib.detectors.TwoStageDetector`)
    ranks the windows that pass like its last stage alone, so three stages in a row would
    rank like the ConvLSTM; fusion lets every part speak for every window. The sources
    min-max normalise on the batch being scored, which makes a window's score depend on its
    batch (notebook 10, section 3); the scales here are fixed at fit on normal windows. The
    default is the z-score, the leak-free form of that affine normalisation: ranks saturate
    at 1 above the largest held-out score, so every window stranger than all normal ones
    would tie, exactly where an anomaly must be ranked.

    After ``fit``: ``components_`` (name → fitted part, the order of :data:`PARTS`),
    ``fit_seconds_`` (name → wall-clock seconds of its fit), ``reference_``, ``weights_``
    (summing to 1) and ``model_``, the two trained networks (for counting parameters; the
    forest has none).
    """

    min_train_rows = 10

    def __init__(
        self,
        n_estimators: int = 100,
        ae_hidden: tuple[int, ...] = (32,),
        convlstm_hidden: int = 8,
        latent_dim: int = 8,
        frame: int = 8,
        kernel_size: int = 3,
        method: str = "zscore",
        weights: tuple[float, ...] | None = None,
        epochs: int = 40,
        batch_size: int = 32,
        lr: float = 1e-2,
        weight_decay: float = 0.0,
        patience: int = 8,
        val_fraction: float = 0.2,
        random_state: int | None = None,
        device: str = "auto",
        progress: bool = False,
    ) -> None:
        self.n_estimators = n_estimators
        self.ae_hidden = ae_hidden
        self.convlstm_hidden = convlstm_hidden
        self.latent_dim = latent_dim
        self.frame = frame
        self.kernel_size = kernel_size
        self.method = method
        self.weights = weights
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.val_fraction = val_fraction
        self.random_state = random_state
        self.device = device
        self.progress = progress

    def _parts(self, seeds: np.ndarray) -> dict[str, SequenceDetector]:
        training = {
            name: getattr(self, name)
            for name in (
                "epochs",
                "batch_size",
                "lr",
                "weight_decay",
                "patience",
                "val_fraction",
                "device",
                "progress",
            )
        }
        forest, autoencoder, convlstm = (int(seed) for seed in seeds)
        return {
            "isolation forest": WindowIsolationForestDetector(
                self.n_estimators, random_state=forest
            ),
            "autoencoder": WindowAutoencoderDetector(
                self.ae_hidden, self.latent_dim, random_state=autoencoder, **training
            ),
            "convlstm": ConvLSTMAutoencoderDetector(
                self.convlstm_hidden,
                self.latent_dim,
                self.frame,
                self.kernel_size,
                random_state=convlstm,
                **training,
            ),
        }

    def _fit(self, X):
        if self.method not in ("zscore", "rank"):
            raise ValueError(f"method must be 'zscore' or 'rank', got {self.method!r}.")
        weights = _check_weights(self.weights)
        val_fraction = check_real(
            self.val_fraction, "val_fraction", low=0.0, high=0.5, inclusive=False
        )
        seeds = np.random.default_rng(draw_seed(self.random_state)).integers(0, 2**31 - 1, 3)
        parts = self._parts(seeds)
        parts["convlstm"]._check_frame(X.shape[1])  # before any part spends time fitting
        self.components_, self.fit_seconds_ = {}, {}
        for name, part in parts.items():
            start = time.perf_counter()
            self.components_[name] = part.fit(X)
            self.fit_seconds_[name] = time.perf_counter() - start
        self.reference_ = self._raw_scores(X[-max(1, round(val_fraction * len(X))) :])
        if self.method == "zscore" and np.any(self.reference_.std(axis=0) == 0):
            flat = [p for p, sd in zip(PARTS, self.reference_.std(axis=0), strict=True) if sd == 0]
            raise ValueError(
                f"the {', '.join(flat)} part gives one constant score on the held-out windows, so "
                "its z-score is undefined; use method='rank' or more varied training windows."
            )
        self.weights_ = weights
        self.model_ = nn.ModuleDict(
            {name: self.components_[name].model_ for name in ("autoencoder", "convlstm")}
        )

    def _raw_scores(self, X: np.ndarray) -> np.ndarray:
        return np.column_stack([self.components_[name].score_samples(X) for name in PARTS])

    def component_scores(self, X: object) -> np.ndarray:
        """Each part's own score of windows X: (n_windows, 3), columns in :data:`PARTS` order."""
        return self._raw_scores(self._check_fitted_X(X, "component_scores"))

    def _score(self, X):
        raw = self._raw_scores(X)
        if self.method == "rank":
            ranks = [
                _empirical_cdf(ref, s) for ref, s in zip(self.reference_.T, raw.T, strict=True)
            ]
            return np.column_stack(ranks) @ self.weights_
        return ((raw - self.reference_.mean(axis=0)) / self.reference_.std(axis=0)) @ self.weights_


def _check_weights(weights: object) -> np.ndarray:
    """Three non-negative finite weights, not all zero, normalised to sum 1 (None: equal)."""
    if weights is None:
        return np.full(len(PARTS), 1.0 / len(PARTS))
    if isinstance(weights, (str, bytes)) or not hasattr(weights, "__len__"):
        raise TypeError(f"weights must be None or {len(PARTS)} numbers, got {weights!r}.")
    values = [check_real(w, f"weights[{i}]", low=0.0) for i, w in enumerate(weights)]
    if len(values) != len(PARTS) or sum(values) == 0:
        raise ValueError(
            f"weights must be {len(PARTS)} non-negative numbers (for {', '.join(PARTS)}), not all "
            f"zero; got {weights!r}."
        )
    return np.asarray(values) / sum(values)
