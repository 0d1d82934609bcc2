"""Sliding windows over a series, the input of every sequence model (notebook 07).

Windows are built inside one contiguous segment at a time, so a window never straddles a
train/validation/test boundary when each part is windowed separately.
"""

from __future__ import annotations

import numpy as np

from adlib._validation import _as_numeric_array, as_binary_labels, as_float_matrix, check_int


def sliding_windows(values: object, window: int, stride: int = 1) -> np.ndarray:
    """Windows of ``window`` consecutive steps, one every ``stride`` steps.

    ``values`` is (n_steps,) or (n_steps, n_channels); the result is a copy of shape
    (n_windows, window, n_channels) with n_windows = (n_steps - window) // stride + 1.
    Window ``i`` covers steps ``i*stride`` to ``i*stride + window - 1``.
    """
    array = _as_numeric_array(values, "values")
    if array.ndim == 1:
        array = array[:, None]
    array = as_float_matrix(array, "values")
    window = check_int(window, "window", low=1)
    stride = check_int(stride, "stride", low=1)
    if window > array.shape[0]:
        raise ValueError(
            f"window={window} is longer than the series ({array.shape[0]} steps); "
            "use a shorter window or a longer segment."
        )
    view = np.lib.stride_tricks.sliding_window_view(array, window, axis=0)[::stride]
    return np.ascontiguousarray(view.transpose(0, 2, 1))


def window_end_indices(n_steps: int, window: int, stride: int = 1) -> np.ndarray:
    """Index of the last step of each window built by :func:`sliding_windows`."""
    n_steps = check_int(n_steps, "n_steps", low=1)
    window = check_int(window, "window", low=1, high=n_steps)
    stride = check_int(stride, "stride", low=1)
    return np.arange(window - 1, n_steps, stride)


def window_labels(labels: object, window: int, stride: int = 1, rule: str = "any") -> np.ndarray:
    """One 0/1 label per window: ``"any"`` anomalous step in it, or its ``"last"`` step."""
    labels = as_binary_labels(labels, "labels")
    if rule not in ("any", "last"):
        raise ValueError(f"rule must be 'any' or 'last', got {rule!r}.")
    windows = sliding_windows(labels, window, stride)[:, :, 0]
    reduced = windows.max(axis=1) if rule == "any" else windows[:, -1]
    return reduced.astype(np.int64)
