"""Model inputs from transaction sequences: an encoding and order-free aggregates (notebook 08).

Sequence models get :func:`encode_transactions`, classic models the per-sequence
:func:`aggregate_transactions`.
Both take ``X`` as :meth:`adlib.data.TransactionLog.sequences` returns it: (n_sequences,
length, 5) with the features amount, gap_hours, category, distance_km, device_change.
Heavy-tailed quantities go through ``log1p`` so that a 20× purchase is a few units, not
thousands, away from the mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adlib.data.simulators.transactions import N_CATEGORIES, ONLINE, TransactionLog
from adlib.detectors.sequence import as_windows

#: Amounts below this count as the tiny charges of card testing in the aggregates.
SMALL_AMOUNT = 5.0


def _check_sequences(X: object) -> np.ndarray:
    X = as_windows(X, "X")
    n_features = len(TransactionLog.features)
    if X.shape[2] != n_features:
        raise ValueError(
            f"X must have the {n_features} transaction features {TransactionLog.features} per "
            f"step, got {X.shape[2]}; pass the X of TransactionLog.sequences(length)."
        )
    category = X[:, :, 2]
    if np.any((category != np.round(category)) | (category < 0) | (category >= N_CATEGORIES)):
        raise ValueError(f"category codes must be integers in [0, {N_CATEGORIES - 1}].")
    if np.any(X[:, :, [0, 1, 3]] < 0):
        raise ValueError("amount, gap_hours and distance_km must be non-negative.")
    return X


def encode_transactions(X: object) -> np.ndarray:
    """Per-step inputs for a sequence model, float32 (n_sequences, length, 4 + N_CATEGORIES).

    Columns: log1p(amount), log1p(gap_hours), log1p(distance_km), device_change, then the
    merchant category one-hot. The order of the steps is kept.
    """
    X = _check_sequences(X)
    one_hot = np.eye(N_CATEGORIES)[X[:, :, 2].astype(np.int64)]
    numeric = np.stack(
        [np.log1p(X[:, :, 0]), np.log1p(X[:, :, 1]), np.log1p(X[:, :, 3]), X[:, :, 4]], axis=2
    )
    return np.concatenate([numeric, one_hot], axis=2).astype(np.float32)


def aggregate_transactions(X: object) -> pd.DataFrame:
    """Hand-made per-sequence features for classic models, one row per sequence.

    Every column is a function of the *set* of transactions, not of their order: statistics
    of log amounts, the number of tiny amounts (< :data:`SMALL_AMOUNT`), the shortest and mean
    log gap, the largest and mean log distance, the number of device changes and of online
    purchases, and how many distinct categories appear. That is what the "order matters"
    experiment of notebook 08 relies on.
    """
    X = _check_sequences(X)
    amount, gap, distance = np.log1p(X[:, :, 0]), np.log1p(X[:, :, 1]), np.log1p(X[:, :, 3])
    category = X[:, :, 2].astype(np.int64)
    distinct = (np.eye(N_CATEGORIES)[category].sum(axis=1) > 0).sum(axis=1)
    return pd.DataFrame(
        {
            "amount_mean": amount.mean(axis=1),
            "amount_max": amount.max(axis=1),
            "amount_min": amount.min(axis=1),
            "amount_sd": amount.std(axis=1),
            "n_small": (X[:, :, 0] < SMALL_AMOUNT).sum(axis=1),
            "gap_min": gap.min(axis=1),
            "gap_mean": gap.mean(axis=1),
            "distance_max": distance.max(axis=1),
            "distance_mean": distance.mean(axis=1),
            "n_device_changes": X[:, :, 4].sum(axis=1),
            "n_online": (category == ONLINE).sum(axis=1),
            "n_categories": distinct,
        }
    )
