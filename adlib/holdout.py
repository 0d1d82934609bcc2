"""Validation losses that stay comparable when every seed draws its own split.

:mod:`adlib.trainability` marks a run as failed when its validation loss exceeds 3× the
lowest among the runs of the same model. That comparison assumes the runs were validated on
the same rows. Where each seed is also a new split (notebooks 04 and 05), the hold-out rows
change from run to run, and a hold-out that happens to contain a few extreme normal rows
raises every model's loss on that seed, trained well or not. :func:`relative_val_loss`
removes that: it divides a run's validation loss by the loss of the trivial model, the one
that rebuilds every hold-out row as the mean training row, on the very same rows. The ratio
is the share of the hold-out rows' spread the trained model leaves unexplained (0 is a
perfect rebuild, 1 is no better than the mean row), and the failure rule applies to it.
"""

from __future__ import annotations

import numpy as np

from adlib._validation import standardised_float32
from adlib.detectors.neural import (
    AutoencoderDetector,
    GANomalyDetector,
    NeuralDetector,
    VAEDetector,
)
from adlib.nn.training import draw_seed


def holdout_rows(detector: NeuralDetector, X_train: np.ndarray) -> np.ndarray:
    """The standardised rows ``detector`` validated on, shape (n_val, n_features).

    ``detector`` is a fitted adlib neural detector and ``X_train`` the rows it was fitted
    on; the hold-out is redrawn exactly as :meth:`NeuralDetector.fit` drew it (the same seed,
    permutation and fraction).
    """
    if not isinstance(detector, NeuralDetector):
        raise TypeError(
            f"detector must be an adlib neural detector, got {type(detector).__name__}."
        )
    if not hasattr(detector, "history_"):
        raise ValueError("detector is not fitted; call fit(X_train) first.")
    X = np.asarray(X_train)
    if X.ndim != 2 or X.shape[1] != detector.scaler_.n_features_in_:
        raise ValueError(
            f"X_train must be the (n_rows, {detector.scaler_.n_features_in_}) rows the detector "
            f"was fitted on, got shape {X.shape}."
        )
    Xs = standardised_float32(detector.scaler_.transform(X))
    order = np.random.default_rng(draw_seed(detector.random_state)).permutation(len(Xs))
    n_val = max(1, round(detector.val_fraction * len(Xs)))
    return Xs[order[:n_val]].astype(float)


def relative_val_loss(detector: NeuralDetector, X_train: np.ndarray) -> float:
    """The kept epoch's validation loss divided by the mean row's loss on the same rows.

    Autoencoder: mean squared error over the mean row's. VAE: the β-loss over
    ½‖x − x̄‖², the loss of a VAE that rebuilds the mean row with its code at the prior.
    GANomaly: the contextual (L1 rebuild) term of the generator's loss, over the mean row's
    L1 error; the adversarial and code terms have no mean-row counterpart. The mean row
    is 0 in standardised units (the scaler is fitted on every training row).
    """
    rows = holdout_rows(detector, X_train)
    history = detector.history_
    if isinstance(detector, GANomalyDetector):
        kept = history.val_losses["contextual"][history.best_epoch]
        return float(kept / np.abs(rows).mean())
    if isinstance(detector, VAEDetector):
        return float(history.best_val_loss / (0.5 * (rows**2).sum(axis=1).mean()))
    if isinstance(detector, AutoencoderDetector):
        return float(history.best_val_loss / (rows**2).mean())
    raise TypeError(
        f"relative_val_loss knows the autoencoder, VAE and GANomaly losses, not "
        f"{type(detector).__name__}'s."
    )
