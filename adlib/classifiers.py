"""Supervised sequence classification: the labelled counterpart of the detectors (notebook 08).

When fraud labels exist, a classifier learns what fraud looks like instead of what normal
looks like. :class:`SequenceClassifier` is a scikit-learn classifier around
:class:`adlib.nn.classifier.RecurrentClassifier`: it standardises each feature, holds out
the last ``val_fraction`` of the training sequences for early stopping, trains with
``BCEWithLogitsLoss`` (``pos_weight`` up-weights the rare positives) through
:func:`adlib.nn.fit`, and returns probabilities. All randomness comes from
``random_state`` in a forked torch RNG, so a refit with the same seed and thread count gives
bit-identical probabilities on the CPU. :class:`FSELSTMClassifier` does the same for windows
of a series read through their frequency matrix (F-SE-LSTM, :mod:`adlib.nn.frequency`), and
:class:`FrequencyBoostingClassifier` is gradient boosting on the same features, its baseline.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from torch import nn

from adlib._validation import as_binary_labels, check_int, check_real, standardised_float32
from adlib.detectors.sequence import as_windows
from adlib.nn.classifier import CELLS, RecurrentClassifier
from adlib.nn.frequency import FSELSTM, frequency_matrix, period_matrix
from adlib.nn.training import draw_seed, fit_estimator, resolve_device, tensor_batches

_SCORE_BATCH = 8192
#: What the window classifiers read: each sub-window's FFT magnitudes, or its raw values.
DOMAINS = {"frequency": frequency_matrix, "time": period_matrix}


class _LogitClassifier(ClassifierMixin, BaseEstimator):
    """The fit and scoring shared by the torch classifiers of sequences: one logit per sequence.

    Subclasses store their parameters in ``__init__`` and implement ``_check_params()``,
    ``_features(X)`` (validated (n, length, n_channels) → (n, steps, features) to
    standardise per feature), ``_build(n_features)`` (the torch module) and
    ``_check_input(X)`` (shape checks against the fitted data).
    """

    def fit(self, X: object, y: object) -> _LogitClassifier:
        """Train on sequences X (n_sequences, length, n_features) with 0/1 labels y (n,)."""
        X = as_windows(X, "X", min_windows=10)
        y = as_binary_labels(y, "y", n=len(X))
        self._check_params()
        check_real(self.val_fraction, "val_fraction", low=0.0, high=0.5, inclusive=False)
        features = self._features(X)
        self.mean_ = features.mean(axis=(0, 1))
        spread = features.std(axis=(0, 1))
        self.scale_ = np.where(spread > 0, spread, 1.0)
        n_val = max(1, round(self.val_fraction * len(X)))
        y_train = y[:-n_val]
        if y_train.min() == y_train.max():
            raise ValueError(
                f"the training part (all but the last val_fraction={self.val_fraction} of the "
                f"rows) holds only class {y_train[0]}; it needs both classes. Pass more "
                "sequences, or order the entities so that positives are not all at the end."
            )
        self.pos_weight_ = self._resolve_pos_weight(y_train)
        seed = draw_seed(self.random_state)
        self.device_ = resolve_device(self.device)
        Xs = self._standardise(features)
        targets = y.astype(np.float32)
        weight = torch.tensor(self.pos_weight_, dtype=torch.float32, device=self.device_)

        def loss(model: nn.Module, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
            x, target = batch
            return F.binary_cross_entropy_with_logits(model(x), target, pos_weight=weight)

        self.model_, self.history_ = fit_estimator(
            self,
            lambda: self._build(features.shape[2]),
            loss,
            (Xs[:-n_val], targets[:-n_val]),
            (Xs[-n_val:], targets[-n_val:]),
            seed=seed,
            device=self.device_,
            desc=self._description(),
        )
        self.classes_ = np.array([0, 1])
        self.length_, self.n_features_ = X.shape[1], X.shape[2]
        return self

    def decision_function(self, X: object) -> np.ndarray:
        """The logit of each sequence, shape (n_sequences,); higher = more likely positive."""
        if not hasattr(self, "model_"):
            raise ValueError(
                f"This {type(self).__name__} is not fitted yet; call .fit(X_train, y_train) first."
            )
        X = as_windows(X, "X")
        self._check_input(X)
        batches = tensor_batches(self._standardise(self._features(X)), _SCORE_BATCH, self.device_)
        with torch.no_grad():
            parts = [self.model_(x) for x in batches]
        return torch.cat(parts).double().cpu().numpy()

    def predict_proba(self, X: object) -> np.ndarray:
        """Probabilities of class 0 and class 1, shape (n_sequences, 2)."""
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: object) -> np.ndarray:
        """0/1 at probability 0.5; with a weighted loss, pick an alert budget instead."""
        return (self.decision_function(X) > 0).astype(np.int64)

    def n_parameters(self) -> int:
        """Trainable parameters of the fitted network."""
        if not hasattr(self, "model_"):
            raise ValueError(f"This {type(self).__name__} is not fitted yet; call .fit first.")
        return sum(p.numel() for p in self.model_.parameters() if p.requires_grad)

    def _resolve_pos_weight(self, y_train: np.ndarray) -> float:
        if self.pos_weight is None:
            return 1.0
        if isinstance(self.pos_weight, str):
            if self.pos_weight != "balanced":
                raise ValueError(
                    f"pos_weight must be 'balanced', a positive number or None, got "
                    f"{self.pos_weight!r}."
                )
            return float((y_train == 0).sum() / (y_train == 1).sum())
        return check_real(self.pos_weight, "pos_weight", low=0.0, inclusive=False)

    def _standardise(self, X: np.ndarray) -> np.ndarray:
        return standardised_float32((X - self.mean_) / self.scale_)


class SequenceClassifier(_LogitClassifier):
    """RNN / LSTM / GRU classifier of sequences (n_sequences, length, n_features) → P(y = 1).

    ``pos_weight`` multiplies the loss of positive sequences: ``"balanced"`` (negatives per
    positive in the training part), a positive number, or ``None`` (1, no weighting).
    Rows are assumed grouped by entity, as :meth:`adlib.data.TransactionLog.sequences`
    returns them, so the held-out last ``val_fraction`` is a set of whole customers. The
    training part must hold both classes; a hold-out without positives (scarce labels) still
    works, its loss then measures only the false alarms. Attributes after ``fit``:
    ``model_``, ``history_``, ``mean_`` and ``scale_`` (per feature), ``pos_weight_``,
    ``classes_`` and ``device_``. ``forget_bias`` (LSTM only) sets the forget-gate bias at
    initialisation; ``None`` keeps PyTorch's default (see :mod:`adlib.nn.classifier`).
    """

    def __init__(
        self,
        cell: str = "lstm",
        hidden: int = 32,
        num_layers: int = 1,
        forget_bias: float | None = None,
        pos_weight: str | float | None = "balanced",
        epochs: int = 20,
        batch_size: int = 256,
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        patience: int = 5,
        val_fraction: float = 0.2,
        random_state: int | None = None,
        device: str = "auto",
        progress: bool = False,
    ) -> None:
        self.cell = cell
        self.hidden = hidden
        self.num_layers = num_layers
        self.forget_bias = forget_bias
        self.pos_weight = pos_weight
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.val_fraction = val_fraction
        self.random_state = random_state
        self.device = device
        self.progress = progress

    def _check_params(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {self.cell!r}.")
        check_int(self.hidden, "hidden", low=1)
        check_int(self.num_layers, "num_layers", low=1)
        if self.forget_bias is not None:
            check_real(self.forget_bias, "forget_bias")
            if self.cell != "lstm":
                raise ValueError(f"forget_bias applies to the LSTM only, got cell={self.cell!r}.")

    def _features(self, X: np.ndarray) -> np.ndarray:
        return X

    def _build(self, n_features: int) -> nn.Module:
        return RecurrentClassifier(
            n_features, self.hidden, self.cell, self.num_layers, self.forget_bias
        )

    def _description(self) -> str:
        return f"{self.cell.upper()} classifier"

    def _check_input(self, X: np.ndarray) -> None:
        if X.shape[2] != self.n_features_:
            raise ValueError(
                f"X has {X.shape[2]} features per step but the classifier was fitted on "
                f"{self.n_features_}; encode the sequences the same way as for training."
            )


class FSELSTMClassifier(_LogitClassifier):
    """F-SE-LSTM (Lu et al., 2024): windows of a series (n_windows, window, n_channels) → P(y = 1).

    Each window becomes its frequency matrix (:func:`adlib.nn.frequency.frequency_matrix`:
    FFT magnitudes of sub-windows of ``sub_length`` steps, one every ``step`` steps), which
    is standardised per frequency bin with the training mean and sd and read by
    :class:`adlib.nn.frequency.FSELSTM` (squeeze-excitation over the bins with bottleneck
    ``n_bins // reduction``, an LSTM of ``hidden`` units across the sub-windows, a dense
    head). ``domain="time"`` feeds the sub-windows' raw values instead (the paper's
    time-domain ablation). Training, ``pos_weight``, the held-out last ``val_fraction`` of
    the rows (order them so that it holds whole series) and the seeding are those of
    :class:`SequenceClassifier`. Windows to score must have the training window length and
    channels.
    """

    def __init__(
        self,
        sub_length: int = 16,
        step: int | None = None,
        domain: str = "frequency",
        hidden: int = 32,
        reduction: int = 4,
        forget_bias: float | None = None,
        pos_weight: str | float | None = "balanced",
        epochs: int = 20,
        batch_size: int = 256,
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        patience: int = 5,
        val_fraction: float = 0.2,
        random_state: int | None = None,
        device: str = "auto",
        progress: bool = False,
    ) -> None:
        self.sub_length = sub_length
        self.step = step
        self.domain = domain
        self.hidden = hidden
        self.reduction = reduction
        self.forget_bias = forget_bias
        self.pos_weight = pos_weight
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.val_fraction = val_fraction
        self.random_state = random_state
        self.device = device
        self.progress = progress

    def _check_params(self) -> None:
        _check_sub_window_params(self.sub_length, self.step, self.domain)
        check_int(self.hidden, "hidden", low=1)
        check_int(self.reduction, "reduction", low=1)
        if self.forget_bias is not None:
            check_real(self.forget_bias, "forget_bias")

    def _features(self, X: np.ndarray) -> np.ndarray:
        return DOMAINS[self.domain](X, self.sub_length, self.step)

    def _build(self, n_features: int) -> nn.Module:
        return FSELSTM(n_features, self.hidden, self.reduction, self.forget_bias)

    def _description(self) -> str:
        return "F-SE-LSTM" if self.domain == "frequency" else "SE-LSTM (time domain)"

    def _check_input(self, X: np.ndarray) -> None:
        _check_window_shape(X, self.length_, self.n_features_)


class FrequencyBoostingClassifier(ClassifierMixin, BaseEstimator):
    """Gradient boosting on the flattened frequency matrix of each window: F-SE-LSTM's baseline.

    The same features as :class:`FSELSTMClassifier` (``sub_length``, ``step``, ``domain``),
    flattened to one row of n_periods × n_bins values per window, read by scikit-learn's
    ``HistGradientBoostingClassifier`` (``max_iter`` trees at ``learning_rate``, seeded by
    ``random_state``). It asks whether the squeeze-excitation and the LSTM add anything to
    the features themselves. ``y`` must hold both classes. After ``fit``: ``model_``,
    ``classes_``, ``length_`` and ``n_features_`` (channels).
    """

    def __init__(
        self,
        sub_length: int = 16,
        step: int | None = None,
        domain: str = "frequency",
        max_iter: int = 100,
        learning_rate: float = 0.1,
        random_state: int | None = None,
    ) -> None:
        self.sub_length = sub_length
        self.step = step
        self.domain = domain
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.random_state = random_state

    def fit(self, X: object, y: object) -> FrequencyBoostingClassifier:
        """Fit on windows X (n_windows, window, n_channels) with 0/1 labels y (n_windows,)."""
        X = as_windows(X, "X", min_windows=2)
        y = as_binary_labels(y, "y", n=len(X))
        _check_sub_window_params(self.sub_length, self.step, self.domain)
        check_int(self.max_iter, "max_iter", low=1)
        check_real(self.learning_rate, "learning_rate", low=0.0, inclusive=False)
        if y.min() == y.max():
            raise ValueError(
                f"y holds only class {y[0]}; a classifier needs both classes. Pass windows "
                "with and without anomalies."
            )
        self.model_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate, random_state=self.random_state
        ).fit(self._flat(X), y)
        self.classes_ = np.array([0, 1])
        self.length_, self.n_features_ = X.shape[1], X.shape[2]
        return self

    def predict_proba(self, X: object) -> np.ndarray:
        """Probabilities of class 0 and class 1, shape (n_windows, 2)."""
        if not hasattr(self, "model_"):
            raise ValueError(
                "This FrequencyBoostingClassifier is not fitted yet; call .fit(X_train, "
                "y_train) first."
            )
        X = as_windows(X, "X")
        _check_window_shape(X, self.length_, self.n_features_)
        return self.model_.predict_proba(self._flat(X))

    def predict(self, X: object) -> np.ndarray:
        """0/1 at probability 0.5."""
        return (self.predict_proba(X)[:, 1] > 0.5).astype(np.int64)

    def _flat(self, X: np.ndarray) -> np.ndarray:
        return DOMAINS[self.domain](X, self.sub_length, self.step).reshape(len(X), -1)


def _check_sub_window_params(sub_length: object, step: object, domain: object) -> None:
    check_int(sub_length, "sub_length", low=2)
    if step is not None:
        check_int(step, "step", low=1)
    if domain not in DOMAINS:
        raise ValueError(f"domain must be one of {sorted(DOMAINS)}, got {domain!r}.")


def _check_window_shape(X: np.ndarray, length: int, n_channels: int) -> None:
    if X.shape[2] != n_channels or X.shape[1] != length:
        raise ValueError(
            f"X has windows of {X.shape[1]} steps and {X.shape[2]} channels but the classifier "
            f"was fitted on {length} steps and {n_channels} channels; build the windows the "
            "same way as for training."
        )
