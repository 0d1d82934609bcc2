"""Sliding windows over a series, the input of every sequence model (notebook 07).

Windows are built inside one contiguous segment at a time, so a window never straddles a
train/validation/test boundary when each part is windowed separately.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from adlib._validation import (
    _as_numeric_array,
    as_binary_labels,
    as_float_matrix,
    as_float_vector,
    check_int,
)


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


def segment_windows(
    values: object, window: int, boundaries: object, stride: int = 1
) -> list[np.ndarray]:
    """Windows built separately inside each segment of a series cut at ``boundaries``.

    ``boundaries`` are increasing step indices, e.g. ``[1200, 3000]`` cuts the series into
    steps [0, 1200), [1200, 3000) and [3000, n_steps) (train, validation, test). Each segment
    is windowed on its own with :func:`sliding_windows`, so no window straddles a boundary
    and nothing from a later segment leaks into an earlier one. Returns one
    (n_windows_i, window, n_channels) array per segment; a segment shorter than ``window``
    raises a ValueError naming it.
    """
    array = _as_numeric_array(values, "values")
    n_steps = array.shape[0] if array.ndim else 0
    cuts = np.asarray(boundaries)
    if cuts.ndim != 1 or not np.issubdtype(cuts.dtype, np.integer):
        raise TypeError(f"boundaries must be a 1-D sequence of integer step indices, got {cuts!r}.")
    edges = np.concatenate([[0], cuts, [n_steps]])
    if np.any(np.diff(edges) <= 0):
        raise ValueError(
            f"boundaries must be strictly increasing and inside (0, {n_steps}), got "
            f"{cuts.tolist()}."
        )
    out = []
    for i, (start, stop) in enumerate(pairwise(edges)):
        if stop - start < window:
            raise ValueError(
                f"segment {i} (steps {start}-{stop - 1}) has {stop - start} steps, fewer than "
                f"window={window}; use a shorter window or move the boundaries."
            )
        out.append(sliding_windows(array[start:stop], window, stride))
    return out


def window_scores_to_steps(
    scores: object, n_steps: int, window: int, stride: int = 1, reduce: str = "mean"
) -> np.ndarray:
    """One score per time step from one score per window, shape (n_steps,).

    Window ``i`` covers steps ``i*stride`` to ``i*stride + window - 1`` (as in
    :func:`sliding_windows` on a series of ``n_steps``). A step's score is the ``"mean"`` or
    ``"max"`` of the scores of the windows that cover it; steps no window covers (possible
    only with stride > 1) get the score of the nearest covered step before them.
    """
    scores = as_float_vector(scores, "scores")
    n_steps = check_int(n_steps, "n_steps", low=1)
    window = check_int(window, "window", low=1, high=n_steps)
    stride = check_int(stride, "stride", low=1)
    expected = (n_steps - window) // stride + 1
    if scores.shape[0] != expected:
        raise ValueError(
            f"scores has {scores.shape[0]} values but a series of {n_steps} steps has "
            f"{expected} windows of {window} with stride {stride}; pass the same n_steps, "
            "window and stride as when the windows were built."
        )
    if reduce not in ("mean", "max"):
        raise ValueError(f"reduce must be 'mean' or 'max', got {reduce!r}.")
    starts = np.arange(expected) * stride
    covered = np.zeros(n_steps)
    if reduce == "mean":
        total = np.zeros(n_steps)
        for offset in range(window):
            np.add.at(total, starts + offset, scores)
            np.add.at(covered, starts + offset, 1.0)
        steps = np.divide(total, covered, out=np.full(n_steps, np.nan), where=covered > 0)
    else:
        steps = np.full(n_steps, -np.inf)
        for offset in range(window):
            np.maximum.at(steps, starts + offset, scores)
            np.add.at(covered, starts + offset, 1.0)
        steps[covered == 0] = np.nan
    gaps = np.isnan(steps)
    if gaps.any():
        last_covered = np.maximum.accumulate(np.where(~gaps, np.arange(n_steps), 0))
        steps = steps[last_covered]
    return steps
