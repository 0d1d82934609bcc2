"""How many training rows a detector needs: read off a learning curve (notebook 03).

A learning curve is a detector's mean test metric (PR-AUC, say) against the number of
training rows. "It needs n rows" is made precise as: from n rows on, every point of the
curve stays within ``tolerance`` of the point at the largest size.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adlib._validation import check_real


def rows_needed(curve: pd.Series, tolerance: float = 0.02) -> int:
    """The fewest training rows from which the curve stays within ``tolerance`` of its end.

    ``curve`` maps training-set sizes (its index, increasing) to a mean metric where
    higher is better; the reference is the value at the largest size. Returns the smallest
    size n such that the metric at n and at every larger size is at least the reference
    minus ``tolerance`` (the largest size itself when only it qualifies). Notebook 03 uses
    it to test the claim that autoencoders need thousands of samples.
    """
    if not isinstance(curve, pd.Series):
        raise TypeError(
            f"curve must be a pandas Series indexed by size, got {type(curve).__name__}."
        )
    if curve.empty:
        raise ValueError("curve is empty; it needs at least one (size, metric) point.")
    if not curve.index.is_monotonic_increasing or not curve.index.is_unique:
        raise ValueError("curve's index (training rows) must be increasing; sort it first.")
    values = curve.to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        raise ValueError("curve holds NaN or infinite values; every size needs a finite metric.")
    tolerance = check_real(tolerance, "tolerance", low=0.0)
    close = values >= values[-1] - tolerance
    first = len(close) - np.argmin(close[::-1]) if not close.all() else 0
    return int(curve.index[first])
