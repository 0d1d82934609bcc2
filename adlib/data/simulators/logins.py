"""Daily logins of a web service with seasonality, holidays and injected anomalies (notebook 06).

The level is a slow upward trend times a weekly profile (weekends much lower) times a yearly
profile (a summer dip, a December peak), with negative-binomial count noise. Fixed-date
public holidays look like Sundays: they are *normal* (kind ``"holiday"``, label 0) and
exist to show why a detector that ignores the calendar mistakes them for outages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from adlib._validation import check_int
from adlib.data.simulators._common import event_table, make_rng, place_intervals

#: Fixed-date public holidays as (month, day): New Year, Labour Day, Assumption,
#: All Saints, Christmas and Boxing Day.
HOLIDAYS: tuple[tuple[int, int], ...] = ((1, 1), (5, 1), (8, 15), (11, 1), (12, 25), (12, 26))
#: The first eight weeks never hold an anomaly, so a model has clean warm-up data.
WARMUP_DAYS = 56
#: Injected events are at least this many normal days apart.
MIN_GAP_DAYS = 3
#: Mean logins on a weekday at the start of the series, before the yearly profile.
BASE_LEVEL = 12_000.0
#: Relative growth of the level per year (linear trend).
TREND_PER_YEAR = 0.12
#: Multiplicative weekly profile, Monday to Sunday.
WEEKLY = np.array([1.00, 1.04, 1.03, 1.00, 0.93, 0.45, 0.38])
#: Negative-binomial size r: variance = mean + mean**2 / r (about 8 % noise at this level).
NB_SIZE = 150.0
#: (kind, shortest, longest) length in days of each injected anomaly kind.
EVENT_LENGTHS: dict[str, tuple[int, int]] = {
    "outage": (1, 3),
    "bot": (1, 2),
    "contextual": (1, 1),
    "pattern": (14, 14),
}


@dataclass(frozen=True, eq=False)
class LoginsScenario:
    """Daily login counts with ground truth, from :func:`simulate_logins`.

    ``frame`` is indexed by a daily DatetimeIndex named ``"date"`` with columns ``logins``
    (int64 count), ``expected`` (float64, the noise-free *normal* level: what the day would
    average without an injected anomaly; on holidays, the holiday level), ``label`` (int64,
    1 on injected anomaly days) and ``kind`` (str: ``"normal"``, ``"holiday"``,
    ``"outage"``, ``"bot"``, ``"contextual"`` or ``"pattern"``). ``events`` has one row per
    injected anomaly, sorted by time: ``kind``, ``start`` and ``end`` (Timestamps, both
    inclusive), ``n_days`` and ``onset`` (integer position of ``start`` in ``frame``).
    The fields cannot be reassigned; copy a frame before changing it.
    """

    frame: pd.DataFrame
    events: pd.DataFrame

    @property
    def warmup_end(self) -> pd.Timestamp:
        """Last day of the anomaly-free warm-up (the first ``WARMUP_DAYS`` days)."""
        return self.frame.index[WARMUP_DAYS - 1]


def simulate_logins(
    n_days: int = 730,
    start: str | pd.Timestamp = "2023-01-01",
    n_outages: int = 5,
    n_bot_attacks: int = 5,
    n_contextual: int = 3,
    n_pattern: int = 1,
    seed: int = 0,
) -> LoginsScenario:
    """Simulate ``n_days`` of daily logins with injected anomalies (notebook 06).

    The normal level grows by 12 % a year from 12,000 weekday logins, with a weekly profile
    (Saturday about 45 % and Sunday about 38 % of a weekday), a summer dip around early
    August and a December peak; the fixed-date :data:`HOLIDAYS` sit at the Sunday level and
    are normal. Counts are negative-binomial around the level. Four kinds of anomaly are
    injected at random, at least :data:`MIN_GAP_DAYS` apart, never on a holiday and never
    in the first :data:`WARMUP_DAYS` days: ``n_outages`` drops to 5-30 % of the level for
    1-3 days; ``n_bot_attacks`` spikes of +80 % to +300 % for 1-2 days; ``n_contextual``
    weekend days at the mean weekday level (normal globally, abnormal for the day of week);
    ``n_pattern`` 14-day stretches where the weekly pattern vanishes and every day sits at
    the weekly mean (a collective anomaly). ``start`` is the first day (anything
    ``pd.Timestamp`` accepts; a time of day is dropped). The same ``seed`` gives the same
    scenario; runs in a few milliseconds. Returns a :class:`LoginsScenario`.
    """
    n_days = check_int(n_days, "n_days", low=120)
    counts = {
        "pattern": check_int(n_pattern, "n_pattern", low=0),
        "outage": check_int(n_outages, "n_outages", low=0),
        "bot": check_int(n_bot_attacks, "n_bot_attacks", low=0),
        "contextual": check_int(n_contextual, "n_contextual", low=0),
    }
    first_day = _check_start(start)
    rng = make_rng(seed)

    index = pd.date_range(first_day, periods=n_days, freq="D", name="date")
    day_of_week = index.day_of_week.to_numpy()
    holiday = np.zeros(n_days, dtype=bool)
    for month, day in HOLIDAYS:
        holiday |= (index.month == month) & (index.day == day)

    years = np.arange(n_days) / 365.25
    level = BASE_LEVEL * (1.0 + TREND_PER_YEAR * years) * _yearly_profile(index)
    weekly = np.where(holiday, WEEKLY[6], WEEKLY[day_of_week])
    expected = level * weekly

    kinds, lengths = [], []
    for kind, count in counts.items():
        lo, hi = EVENT_LENGTHS[kind]
        kinds += [kind] * count
        lengths += rng.integers(lo, hi + 1, size=count).tolist()
    free = ~holiday
    free[:WARMUP_DAYS] = False
    _check_capacity(counts, free, n_days)
    weekend = day_of_week >= 5
    onsets = place_intervals(
        rng,
        lengths,
        free,
        gap=MIN_GAP_DAYS,
        start_ok=[weekend if k == "contextual" else None for k in kinds],
        what=f"{len(kinds)} anomalies",
        fix="reduce n_outages, n_bot_attacks, n_contextual (each needs a free weekend day) "
        "or n_pattern, or increase n_days",
        unit="days",
    )

    mean = expected.copy()
    kind_of_day = np.where(holiday, "holiday", "normal").astype(object)
    for kind, onset, length in zip(kinds, onsets, lengths, strict=True):
        days = slice(onset, onset + length)
        if kind == "outage":
            mean[days] = expected[days] * rng.uniform(0.05, 0.30)
        elif kind == "bot":
            mean[days] = expected[days] * rng.uniform(1.8, 4.0)
        elif kind == "contextual":
            mean[days] = level[days] * WEEKLY[:5].mean()
        else:  # pattern: the weekly profile flattens to its mean
            mean[days] = level[days] * WEEKLY.mean()
        kind_of_day[days] = kind

    logins = rng.negative_binomial(NB_SIZE, NB_SIZE / (NB_SIZE + mean)).astype(np.int64)
    frame = pd.DataFrame(
        {
            "logins": logins,
            "expected": expected,
            "label": np.isin(kind_of_day, list(EVENT_LENGTHS)).astype(np.int64),
            "kind": pd.array(kind_of_day.tolist(), dtype=str),
        },
        index=index,
    )
    events = event_table(kinds, onsets, lengths, index, unit="days")
    return LoginsScenario(frame=frame, events=events)


def holiday_mask(dates: object) -> np.ndarray:
    """True on the fixed-date :data:`HOLIDAYS`, one boolean per date, shape (n_dates,).

    The calendar is known in advance, so a detector may use it (notebook 06 moves holidays
    to their weekday's level); it is not a label: holidays are normal days. ``dates`` is a
    DatetimeIndex or anything ``pd.DatetimeIndex`` accepts (strings, Timestamps); the time of
    day is ignored. On a scenario of :func:`simulate_logins` it is True exactly where
    ``frame["kind"] == "holiday"``.
    """
    try:
        index = pd.DatetimeIndex(dates)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"dates must be dates (a DatetimeIndex, e.g. frame.index), got "
            f"{type(dates).__name__}: {error}"
        ) from None
    if index.hasnans:
        raise ValueError("dates hold NaT (missing dates); drop or fill them first.")
    month, day = index.month.to_numpy(), index.day.to_numpy()
    mask = np.zeros(len(index), dtype=bool)
    for holiday_month, holiday_day in HOLIDAYS:
        mask |= (month == holiday_month) & (day == holiday_day)
    return mask


def _yearly_profile(index: pd.DatetimeIndex) -> np.ndarray:
    """Multiplicative yearly profile: -18 % around 8 August, +15 % around 11 December."""
    day = index.day_of_year.to_numpy(dtype=np.float64)

    def bump(centre: float, width: float) -> np.ndarray:
        distance = (day - centre + 182.625) % 365.25 - 182.625  # circular, in days
        return np.exp(-0.5 * (distance / width) ** 2)

    return 1.0 - 0.18 * bump(220.0, 18.0) + 0.15 * bump(345.0, 10.0)


def _check_start(start: object) -> pd.Timestamp:
    try:
        timestamp = pd.Timestamp(start)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"start={start!r} is not a date ({error}); pass e.g. start='2023-01-01'."
        ) from None
    if timestamp is pd.NaT:
        raise ValueError(f"start={start!r} is not a date; pass e.g. start='2023-01-01'.")
    return timestamp.normalize()


def _check_capacity(counts: dict[str, int], free: np.ndarray, n_days: int) -> None:
    """Fail early, independently of the seed, when the longest events cannot all fit."""
    n_events = sum(counts.values())
    needed = sum(EVENT_LENGTHS[k][1] * n for k, n in counts.items())
    needed += MIN_GAP_DAYS * max(n_events - 1, 0)
    if needed > int(free.sum()):
        raise ValueError(
            f"too many anomalies for n_days={n_days}: at their longest they need {needed} days "
            f"(with {MIN_GAP_DAYS}-day gaps) but only {int(free.sum())} days are eligible "
            f"(after the {WARMUP_DAYS}-day warm-up, without holidays); reduce n_outages, "
            "n_bot_attacks, n_contextual or n_pattern, or increase n_days."
        )
