"""adlib.learning_curves.rows_needed: where a learning curve comes close to its end (nb 03)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adlib.learning_curves import rows_needed


def _curve(values, sizes=(30, 100, 300, 1000, 3000)):
    return pd.Series(values, index=list(sizes), dtype=float)


def _by_hand(curve: pd.Series, tolerance: float) -> int:
    """Reference: walk the sizes and keep the first from which every later point is close."""
    end = curve.iloc[-1]
    for i, size in enumerate(curve.index):
        if (curve.iloc[i:] >= end - tolerance).all():
            return int(size)
    raise AssertionError("the last point is always close to itself")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.95, 0.98, 0.98, 0.99, 0.99], 100),  # close from the second size on
        ([0.99, 0.99, 0.99, 0.99, 0.99], 30),  # flat: the smallest size is enough
        ([0.90, 0.92, 0.93, 0.94, 0.97], 3000),  # still climbing: only the end qualifies
        ([0.99, 0.90, 0.99, 0.99, 0.99], 300),  # a dip resets the run
        ([0.80, 0.99, 0.99, 0.99, 0.98], 100),  # points above the end count as close
    ],
)
def test_rows_needed_on_hand_made_curves(values, expected):
    curve = _curve(values)
    assert rows_needed(curve, 0.02) == expected == _by_hand(curve, 0.02)


def test_rows_needed_agrees_with_the_reference_on_random_curves():
    rng = np.random.default_rng(0)
    for _ in range(200):
        curve = _curve(rng.uniform(0.8, 1.0, size=5))
        tolerance = float(rng.uniform(0, 0.1))
        assert rows_needed(curve, tolerance) == _by_hand(curve, tolerance)


def test_rows_needed_with_a_single_point_and_zero_tolerance():
    assert rows_needed(_curve([0.5], sizes=(200,))) == 200
    assert rows_needed(_curve([0.99, 0.98, 0.99, 0.97, 0.99]), tolerance=0) == 3000


@pytest.mark.parametrize(
    ("curve", "error", "match"),
    [
        ([0.9, 0.95], TypeError, "Series"),
        (pd.Series([], dtype=float), ValueError, "empty"),
        (pd.Series([0.9, 0.95], index=[100, 30]), ValueError, "increasing"),
        (pd.Series([0.9, np.nan], index=[30, 100]), ValueError, "NaN"),
    ],
)
def test_rows_needed_rejects_bad_curves(curve, error, match):
    with pytest.raises(error, match=match):
        rows_needed(curve)


def test_rows_needed_rejects_a_negative_tolerance():
    with pytest.raises(ValueError, match="tolerance"):
        rows_needed(_curve([0.9] * 5), tolerance=-0.01)
