"""Leak-free train/validation/test splits for tabular anomaly detection (notebooks 01, 04, 05).

Two protocols. *Novelty detection* trains on normal rows only, so every anomaly goes to
validation or test. *Outlier detection* trains on contaminated data, so anomalies are
spread over all three parts with the same rate (stratified). In both, the three index sets
are disjoint and cover every row exactly once; thresholds and hyperparameters are chosen
on validation, and the test part is touched once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from adlib._validation import as_binary_labels, as_float_matrix, check_int, check_real
from adlib.data.datasets import Dataset, load_shuttle


@dataclass(frozen=True)
class Split:
    """Row indices of the three parts plus the data they select."""

    train_idx: np.ndarray
    val_idx: np.ndarray
    test_idx: np.ndarray
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def summary(self) -> dict[str, tuple[int, int]]:
        """(rows, anomalies) for each part."""
        return {
            part: (len(y), int(y.sum()))
            for part, y in (("train", self.y_train), ("val", self.y_val), ("test", self.y_test))
        }


def novelty_split(
    X: object, y: object, *, val_size: float = 0.2, test_size: float = 0.2, seed: int = 0
) -> Split:
    """Split for novelty detection: train on normal rows only.

    ``val_size`` and ``test_size`` are the shares of *normal* rows held out for validation
    and test; the anomalies are divided between validation and test in the same ratio, so
    none is ever seen in training. X: (n_samples, n_features); y: (n_samples,), 1 = anomaly.
    """
    X, y, rng = _check(X, y, val_size, test_size, seed)
    normal, anomalous = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    if anomalous.size < 2:
        raise ValueError(
            f"novelty_split needs at least 2 anomalies (one for validation, one for test), "
            f"got {anomalous.size}."
        )
    n_val, n_test = _part_sizes(normal.size, val_size, test_size, "normal rows")
    normal = rng.permutation(normal)
    val_normal, test_normal = normal[:n_val], normal[n_val : n_val + n_test]
    train = normal[n_val + n_test :]
    anomalous = rng.permutation(anomalous)
    n_val_anom = int(
        np.clip(round(anomalous.size * val_size / (val_size + test_size)), 1, anomalous.size - 1)
    )
    val = np.concatenate([val_normal, anomalous[:n_val_anom]])
    test = np.concatenate([test_normal, anomalous[n_val_anom:]])
    return _make_split(X, y, train, val, test)


def outlier_split(
    X: object, y: object, *, val_size: float = 0.2, test_size: float = 0.2, seed: int = 0
) -> Split:
    """Stratified split for outlier detection: training data keeps its anomalies.

    Each part has (up to rounding) the same anomaly rate as the whole; this is the setting
    of unsupervised detectors fitted on the data as it comes.
    """
    X, y, rng = _check(X, y, val_size, test_size, seed)
    parts: list[list[np.ndarray]] = [[], [], []]
    for label in (0, 1):
        rows = rng.permutation(np.flatnonzero(y == label))
        n_val, n_test = _part_sizes(rows.size, val_size, test_size, f"rows with label {label}")
        parts[1].append(rows[:n_val])
        parts[2].append(rows[n_val : n_val + n_test])
        parts[0].append(rows[n_val + n_test :])
    train, val, test = (np.concatenate(p) for p in parts)
    return _make_split(X, y, train, val, test)


def _check(
    X: object, y: object, val_size: float, test_size: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    X = as_float_matrix(X, "X")
    y = as_binary_labels(y, "y", n=X.shape[0])
    val_size = check_real(val_size, "val_size", low=0.0, high=1.0, inclusive=False)
    test_size = check_real(test_size, "test_size", low=0.0, high=1.0, inclusive=False)
    if val_size + test_size >= 1.0:
        raise ValueError(
            f"val_size + test_size must be below 1 to leave training data, got "
            f"{val_size} + {test_size} = {val_size + test_size}."
        )
    seed = check_int(seed, "seed", low=0)
    return X, y, np.random.default_rng(seed)


def _part_sizes(n: int, val_size: float, test_size: float, what: str) -> tuple[int, int]:
    n_val, n_test = round(n * val_size), round(n * test_size)
    if min(n_val, n_test, n - n_val - n_test) < 1:
        raise ValueError(
            f"{n} {what} are too few to split into train/val/test with val_size={val_size} "
            f"and test_size={test_size}; every part needs at least one row."
        )
    return n_val, n_test


def _make_split(
    X: np.ndarray, y: np.ndarray, train: np.ndarray, val: np.ndarray, test: np.ndarray
) -> Split:
    train, val, test = np.sort(train), np.sort(val), np.sort(test)
    return Split(
        train_idx=train,
        val_idx=val,
        test_idx=test,
        X_train=X[train],
        y_train=y[train],
        X_val=X[val],
        y_val=y[val],
        X_test=X[test],
        y_test=y[test],
    )


def check_split(split: object) -> Split:
    """Return ``split`` after checking it is a :class:`Split`; a TypeError says where one comes
    from otherwise."""
    if not isinstance(split, Split):
        raise TypeError(
            f"split must be an adlib.data.Split (from data.novelty_split or "
            f"data.outlier_split), got {type(split).__name__}."
        )
    return split


def subsample_train(split: Split, max_rows: int, *, seed: int = 0) -> Split:
    """The same split with at most ``max_rows`` training rows, drawn without replacement.

    Validation and test are untouched, so detectors fitted on the smaller training set are
    still compared on the same rows. Used to keep O(n²) methods (One-Class SVM, LOF, KDE) and
    CPU training affordable, and to study how much training data a model needs.
    """
    check_split(split)
    max_rows = check_int(max_rows, "max_rows", low=1)
    seed = check_int(seed, "seed", low=0)
    if len(split.train_idx) <= max_rows:
        return split
    keep = np.sort(
        np.random.default_rng(seed).choice(len(split.train_idx), max_rows, replace=False)
    )
    return replace(
        split,
        train_idx=split.train_idx[keep],
        X_train=split.X_train[keep],
        y_train=split.y_train[keep],
    )


def shuttle_split(seed: int, *, train_cap: int = 3000, shuttle: Dataset | None = None) -> Split:
    """The seeded shuttle novelty split of notebooks 04 and 05, training rows capped.

    :func:`novelty_split` of ODDS Shuttle with ``seed`` (normal rows only in training, 20 %
    of them and the anomalies shared between validation and test), then
    :func:`subsample_train` to at most ``train_cap`` training rows with the same seed, so a
    neural detector trains in about a second on a CPU while validation and test keep every
    row. One seed gives one split: a paired comparison over seeds compares detectors on
    identical rows. ``shuttle`` is the loaded dataset (pass it to skip re-reading the file
    in a loop); by default :func:`adlib.data.load_shuttle` is called.
    """
    seed = check_int(seed, "seed", low=0)
    train_cap = check_int(train_cap, "train_cap", low=1)
    if shuttle is None:
        shuttle = load_shuttle()
    elif not isinstance(shuttle, Dataset):
        raise TypeError(
            f"shuttle must be the adlib.data.Dataset from load_shuttle(), got "
            f"{type(shuttle).__name__}; leave it out to load the file."
        )
    elif shuttle.name != "shuttle":
        raise ValueError(
            f"shuttle must be the shuttle dataset from load_shuttle(), got {shuttle.name!r}; "
            "use novelty_split and subsample_train for other data."
        )
    return subsample_train(novelty_split(shuttle.X, shuttle.y, seed=seed), train_cap, seed=seed)
