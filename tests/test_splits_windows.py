"""adlib.data splits (leak-free train/val/test) and sliding windows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adlib.data import (
    Split,
    novelty_split,
    outlier_split,
    sliding_windows,
    window_end_indices,
    window_labels,
)


def _toy(n: int = 200, n_anomalies: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    X[:, 0] = np.arange(n)  # the first column identifies the row
    y = np.zeros(n, dtype=np.int64)
    y[rng.choice(n, size=n_anomalies, replace=False)] = 1
    return X, y


def _check_partition(split: Split, X: np.ndarray, y: np.ndarray) -> None:
    parts = (split.train_idx, split.val_idx, split.test_idx)
    together = np.concatenate(parts)
    assert together.size == X.shape[0]
    np.testing.assert_array_equal(np.sort(together), np.arange(X.shape[0]))
    for a, b in ((0, 1), (0, 2), (1, 2)):
        assert np.intersect1d(parts[a], parts[b]).size == 0
    for idx, Xp, yp in (
        (split.train_idx, split.X_train, split.y_train),
        (split.val_idx, split.X_val, split.y_val),
        (split.test_idx, split.X_test, split.y_test),
    ):
        np.testing.assert_array_equal(Xp, X[idx])
        np.testing.assert_array_equal(yp, y[idx])


# --- novelty_split ------------------------------------------------------------------------


@given(
    n_anomalies=st.integers(2, 40),
    val_size=st.floats(0.05, 0.45),
    test_size=st.floats(0.05, 0.45),
    seed=st.integers(0, 2**32 - 1),
)
def test_novelty_split_is_leak_free_partition(n_anomalies, val_size, test_size, seed):
    X, y = _toy(n_anomalies=n_anomalies)
    split = novelty_split(X, y, val_size=val_size, test_size=test_size, seed=seed)
    _check_partition(split, X, y)
    assert split.y_train.sum() == 0
    assert split.y_val.sum() >= 1
    assert split.y_test.sum() >= 1
    assert split.y_val.sum() + split.y_test.sum() == n_anomalies
    n_normal = 200 - n_anomalies
    assert (split.y_val == 0).sum() == round(n_normal * val_size)
    assert (split.y_test == 0).sum() == round(n_normal * test_size)


def test_novelty_split_summary_and_determinism():
    X, y = _toy()
    a = novelty_split(X, y, seed=5)
    b = novelty_split(X, y, seed=5)
    c = novelty_split(X, y, seed=6)
    for name in ("train_idx", "val_idx", "test_idx"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.val_idx, c.val_idx)
    assert a.summary() == {"train": (108, 0), "val": (46, 10), "test": (46, 10)}
    # indices are sorted, so the splits keep the original row order
    assert all(np.all(np.diff(idx) > 0) for idx in (a.train_idx, a.val_idx, a.test_idx))


def test_novelty_split_needs_two_anomalies():
    X, y = _toy(n_anomalies=1)
    with pytest.raises(ValueError, match="needs at least 2 anomalies"):
        novelty_split(X, y)


# --- outlier_split ------------------------------------------------------------------------


@given(
    n_anomalies=st.integers(10, 60),
    val_size=st.floats(0.1, 0.4),
    test_size=st.floats(0.1, 0.4),
    seed=st.integers(0, 1000),
)
def test_outlier_split_keeps_anomaly_rate(n_anomalies, val_size, test_size, seed):
    X, y = _toy(n_anomalies=n_anomalies)
    split = outlier_split(X, y, val_size=val_size, test_size=test_size, seed=seed)
    _check_partition(split, X, y)
    rate = n_anomalies / 200
    for part, size in ((split.y_val, val_size), (split.y_test, test_size)):
        assert part.sum() == round(n_anomalies * size)
        assert (part == 0).sum() == round((200 - n_anomalies) * size)
    for part in (split.y_train, split.y_val, split.y_test):
        # each stratum is rounded once, so the count is within one row of the target rate
        assert abs(part.sum() - rate * part.size) <= 1.0
        assert part.sum() >= 1


def test_outlier_split_is_deterministic_per_seed():
    X, y = _toy()
    a, b = outlier_split(X, y, seed=1), outlier_split(X, y, seed=1)
    c = outlier_split(X, y, seed=2)
    np.testing.assert_array_equal(a.train_idx, b.train_idx)
    np.testing.assert_array_equal(a.test_idx, b.test_idx)
    assert not np.array_equal(a.train_idx, c.train_idx)
    assert a.summary() == {"train": (120, 12), "val": (40, 4), "test": (40, 4)}


def test_outlier_split_accepts_boolean_labels_and_lists():
    X, y = _toy()
    split = outlier_split(X.tolist(), y.astype(bool), seed=0)
    assert split.y_train.dtype == np.int64
    _check_partition(split, X, y)


# --- split input validation ---------------------------------------------------------------


@pytest.mark.parametrize("splitter", [novelty_split, outlier_split])
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"val_size": 0.5, "test_size": 0.5}, ValueError, "val_size \\+ test_size must be below 1"),
        ({"val_size": 0.6, "test_size": 0.7}, ValueError, "val_size \\+ test_size must be below 1"),
        ({"val_size": 0.0}, ValueError, r"val_size must be in \(0"),
        ({"test_size": 1.0}, ValueError, r"test_size must be in \(0"),
        ({"val_size": -0.1}, ValueError, r"val_size must be in \(0"),
        ({"val_size": float("nan")}, ValueError, "val_size must be finite"),
        ({"test_size": "0.2"}, TypeError, "test_size must be a real number"),
        ({"seed": -1}, ValueError, r"seed must be in \[0"),
        ({"seed": 0.5}, TypeError, "seed must be an integer"),
    ],
)
def test_splits_reject_bad_sizes_and_seeds(splitter, kwargs, error, match):
    X, y = _toy()
    with pytest.raises(error, match=match):
        splitter(X, y, **kwargs)


@pytest.mark.parametrize("splitter", [novelty_split, outlier_split])
def test_splits_reject_bad_data(splitter):
    X, y = _toy()
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="X contains 1 NaN and 0 infinite"):
        splitter(X_nan, y)
    X_inf = X.copy()
    X_inf[0, 2] = -np.inf
    with pytest.raises(ValueError, match="X contains 0 NaN and 1 infinite"):
        splitter(X_inf, y)
    with pytest.raises(ValueError, match="X must be 2-D"):
        splitter(X[:, 0], y)
    with pytest.raises(ValueError, match="X must be 2-D"):
        splitter(X[:, :, None], y)
    with pytest.raises(ValueError, match="X has 0 samples"):
        splitter(np.empty((0, 3)), np.empty(0, dtype=int))
    with pytest.raises(ValueError, match="y has 199 labels but there are 200"):
        splitter(X, y[:-1])
    y_bad = y.copy()
    y_bad[0] = 2
    with pytest.raises(ValueError, match="only 0 \\(normal\\) and 1 \\(anomaly\\)"):
        splitter(X, y_bad)
    with pytest.raises(TypeError, match="y must hold numbers"):
        splitter(X, np.where(y == 1, "bad", "good"))
    with pytest.raises(TypeError, match="X is None"):
        splitter(None, y)


def test_splits_reject_too_few_rows_per_part():
    X, y = _toy(n=6, n_anomalies=2)
    with pytest.raises(ValueError, match="too few to split"):
        outlier_split(X, y)
    with pytest.raises(ValueError, match="too few to split"):
        novelty_split(X, y, val_size=0.05, test_size=0.05)


# --- sliding windows ----------------------------------------------------------------------


@given(
    n_steps=st.integers(1, 60),
    window=st.integers(1, 60),
    stride=st.integers(1, 7),
    channels=st.integers(1, 3),
)
def test_sliding_windows_shape_and_content(n_steps, window, stride, channels):
    if window > n_steps:
        window = n_steps
    values = np.arange(n_steps * channels, dtype=np.float64).reshape(n_steps, channels)
    windows = sliding_windows(values, window, stride)
    n_windows = (n_steps - window) // stride + 1
    assert windows.shape == (n_windows, window, channels)
    assert windows.flags.c_contiguous
    for i in range(n_windows):
        np.testing.assert_array_equal(windows[i], values[i * stride : i * stride + window])
    ends = window_end_indices(n_steps, window, stride)
    assert ends.shape == (n_windows,)
    np.testing.assert_array_equal(values[ends], windows[:, -1, :])


def test_sliding_windows_one_dimensional_series_gets_a_channel_axis():
    windows = sliding_windows([1.0, 2.0, 3.0, 4.0, 5.0], window=3, stride=2)
    np.testing.assert_array_equal(windows[:, :, 0], [[1, 2, 3], [3, 4, 5]])
    assert windows.shape == (2, 3, 1)


def test_sliding_windows_returns_a_copy():
    values = np.arange(10.0)
    windows = sliding_windows(values, 4)
    windows[0, 0, 0] = -99.0
    assert values[0] == 0.0
    assert windows[1, 0, 0] == 1.0


def test_windowing_segments_separately_never_mixes_them():
    series = np.arange(100.0)
    boundary = 60
    segments = (series[:boundary], series[boundary:])
    separate = [sliding_windows(seg, window=8, stride=3) for seg in segments]
    for windows in separate:
        for w in windows[:, :, 0]:
            assert (w < boundary).all() or (w >= boundary).all()
    # whereas windowing the whole series does produce straddling windows
    whole = sliding_windows(series, window=8, stride=3)[:, :, 0]
    assert any((w < boundary).any() and (w >= boundary).any() for w in whole)


def test_window_labels_any_and_last():
    labels = np.array([0, 0, 0, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(window_labels(labels, 3), [0, 1, 1, 1, 0, 0])
    np.testing.assert_array_equal(window_labels(labels, 3, rule="last"), [0, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(window_labels(labels, 2, stride=2), [0, 1, 0, 0])
    out = window_labels(labels.astype(bool), 3)
    assert out.dtype == np.int64


@given(st.lists(st.integers(0, 1), min_size=1, max_size=40), st.integers(1, 10), st.integers(1, 4))
def test_window_labels_match_windowed_labels(labels, window, stride):
    window = min(window, len(labels))
    labels = np.array(labels)
    ends = window_end_indices(len(labels), window, stride)
    any_rule = window_labels(labels, window, stride)
    last_rule = window_labels(labels, window, stride, rule="last")
    np.testing.assert_array_equal(last_rule, labels[ends])
    expected = [labels[end - window + 1 : end + 1].max() for end in ends]
    np.testing.assert_array_equal(any_rule, expected)
    assert (any_rule >= last_rule).all()


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((np.arange(5.0), 6), ValueError, r"window=6 is longer than the series \(5 steps\)"),
        ((np.arange(5.0), 0), ValueError, r"window must be in \[1"),
        ((np.arange(5.0), 2, 0), ValueError, r"stride must be in \[1"),
        ((np.arange(5.0), 2.0), TypeError, "window must be an integer"),
        ((np.arange(5.0), 2, 1.5), TypeError, "stride must be an integer"),
        ((np.array([]), 1), ValueError, "values has 0 samples"),
        ((np.zeros((4, 2, 2)), 2), ValueError, "values must be 2-D"),
        ((np.array([1.0, np.nan, 2.0]), 2), ValueError, "values contains 1 NaN"),
        ((np.array([1.0, np.inf, 2.0]), 2), ValueError, "values contains 0 NaN and 1 infinite"),
        ((None, 2), TypeError, "values is None"),
        ((["a", "b"], 1), TypeError, "could not be converted to a float array"),
    ],
)
def test_sliding_windows_rejects_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        sliding_windows(*args)


def test_window_end_indices_rejects_bad_input():
    with pytest.raises(ValueError, match=r"window must be in \[1, 5\]"):
        window_end_indices(5, 6)
    with pytest.raises(ValueError, match=r"n_steps must be in \[1"):
        window_end_indices(0, 1)
    with pytest.raises(ValueError, match=r"stride must be in \[1"):
        window_end_indices(5, 2, 0)


def test_window_labels_rejects_bad_input():
    with pytest.raises(ValueError, match="rule must be 'any' or 'last'"):
        window_labels([0, 1, 0], 2, rule="max")
    with pytest.raises(ValueError, match="labels must hold only 0"):
        window_labels([0, 2, 0], 2)
    with pytest.raises(ValueError, match="window=4 is longer than the series"):
        window_labels([0, 1, 0], 4)
    with pytest.raises(ValueError, match="labels is empty"):
        window_labels([], 1)
    with pytest.raises(ValueError, match="labels must be 1-D"):
        window_labels([[0, 1], [1, 0]], 1)
