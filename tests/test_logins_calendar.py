"""adlib.data.simulators.logins.holiday_mask: the fixed-date holiday calendar of notebook 06."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adlib.data import simulate_logins
from adlib.data.simulators.logins import HOLIDAYS, holiday_mask


def test_holiday_mask_agrees_with_the_simulator_labels():
    frame = simulate_logins(n_days=730, seed=3).frame
    np.testing.assert_array_equal(
        holiday_mask(frame.index), (frame["kind"] == "holiday").to_numpy()
    )


def test_holiday_mask_matches_a_pandas_date_lookup():
    dates = pd.date_range("2023-12-20", "2025-01-10", freq="D")
    wanted = {pd.Timestamp(year, m, d) for year in (2023, 2024, 2025) for m, d in HOLIDAYS}
    np.testing.assert_array_equal(holiday_mask(dates), dates.isin(list(wanted)))


def test_holiday_mask_accepts_strings_and_ignores_the_time_of_day():
    mask = holiday_mask(["2024-12-25 18:30", "2024-12-27", "2024-05-01"])
    assert mask.tolist() == [True, False, True]
    assert mask.dtype == bool


def test_holiday_mask_of_no_dates_is_empty():
    assert holiday_mask(pd.DatetimeIndex([])).shape == (0,)


def test_holiday_mask_rejects_what_is_not_dates():
    with pytest.raises(TypeError, match="DatetimeIndex"):
        holiday_mask(["not a date"])
    with pytest.raises(ValueError, match="NaT"):
        holiday_mask(pd.DatetimeIndex(["2024-01-01", None]))
