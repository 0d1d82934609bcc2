"""Monthly repayment histories of a loan book, some borrowers drifting into default (notebook 07).

Healthy borrowers differ from each other (their own payment habits, credit utilisation and
limit) and have occasional one-off late payments and temporary income shocks they recover
from: these are the hard negatives. Defaulters deteriorate for a few months first, more or
less visibly, which is what a sequence model has to pick up early.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from adlib._validation import check_int, check_real
from adlib.data.simulators._common import check_int_pair, entity_arrays, make_rng

#: Every defaulter has at least this many months of normal history before it deteriorates.
MIN_CLEAN_MONTHS = 12
#: Monthly probability that an income shock starts; a shock lasts 1-3 months.
SHOCK_RATE = 0.01


@dataclass(frozen=True, eq=False)
class BorrowerPanel:
    """Monthly repayment histories with ground truth, from :func:`simulate_borrowers`.

    ``frame`` is long format, sorted by borrower then month, one row per borrower-month:
    ``borrower`` and ``month`` (int64, months counted from 0), the five :attr:`features`
    ``payment_ratio`` (float64, paid / due; about 1, above 1 when catching up),
    ``days_past_due`` (int64, 0 or about 30 per missed payment), ``utilisation`` (float64,
    credit used / limit, in [0, 1]), ``balance`` (float64, currency units) and
    ``income_shock`` (int64, 1 during a temporary income drop), and ``deteriorating``
    (int64, 1 from a defaulter's onset month to its default month inclusive). ``borrowers``
    has one row per borrower: ``borrower``, ``defaults`` (int64 0/1), ``default_month``,
    ``onset_month`` and ``warning_months`` (nullable Int64, ``<NA>`` for borrowers who do
    not default; ``onset_month = default_month - warning_months``) and ``n_months`` (int64,
    history length: ``default_month + 1`` for defaulters, whose history ends at default).
    """

    features: ClassVar[tuple[str, ...]] = (
        "payment_ratio",
        "days_past_due",
        "utilisation",
        "balance",
        "income_shock",
    )

    frame: pd.DataFrame
    borrowers: pd.DataFrame

    def sequences(
        self, borrower_ids: object = None, columns: tuple[str, ...] | None = None
    ) -> list[np.ndarray]:
        """Per-borrower float64 arrays of shape (n_months_i, 5), in :attr:`features` order.

        ``borrower_ids`` (an int or a sequence of ints) picks borrowers in the order given;
        ``None`` returns all of them in id order. ``columns`` replaces the five features,
        e.g. ``("deteriorating",)`` for the matching per-month labels.
        """
        ids = self.borrowers["borrower"].to_numpy()
        return entity_arrays(self.frame, "borrower", ids, borrower_ids, columns or self.features)


def simulate_borrowers(
    n_borrowers: int = 2000,
    n_months: int = 36,
    default_rate: float = 0.08,
    warning_months: tuple[int, int] = (3, 8),
    seed: int = 0,
) -> BorrowerPanel:
    """Simulate ``n_months`` of repayment history for ``n_borrowers`` borrowers (notebook 07).

    ``round(default_rate * n_borrowers)`` borrowers default. Each defaulter deteriorates for
    a number of months drawn from ``warning_months`` (inclusive range) and defaults at a month
    drawn so that its first :data:`MIN_CLEAN_MONTHS` months are normal; from the onset its
    payment ratio falls, missed payments become likelier (days past due climb by about 30 a
    month and are not caught up) and utilisation rises towards 1, by an amount that varies
    between defaulters (some are subtle until the end); half of them start with an income
    shock that lasts until default, and the default month itself is a missed payment. Every
    borrower, healthy or not, has its own payment habit, utilisation level and credit limit
    (the limit drifts, so ``balance`` drifts), occasional one-off missed payments that are
    caught up the next month (about 40 % of healthy borrowers have one in three years) and
    income shocks (1-3 months; about 30 % of borrowers get one) that dent payments and raise
    utilisation temporarily. Returns a :class:`BorrowerPanel`;
    the same ``seed`` gives the same panel and the defaults run in about 0.1 s.
    """
    n_borrowers = check_int(n_borrowers, "n_borrowers", low=1)
    n_months = check_int(n_months, "n_months", low=MIN_CLEAN_MONTHS + 2)
    default_rate = check_real(default_rate, "default_rate", low=0.0, high=1.0)
    warn_lo, warn_hi = check_int_pair(warning_months, "warning_months", low=1)
    if MIN_CLEAN_MONTHS + warn_hi > n_months - 1:
        raise ValueError(
            f"warning_months={(warn_lo, warn_hi)} is too long for n_months={n_months}: a "
            f"defaulter needs {MIN_CLEAN_MONTHS} clean months, up to {warn_hi} warning months "
            f"and the default month, so n_months must be at least "
            f"{MIN_CLEAN_MONTHS + warn_hi + 1}; shorten warning_months or increase n_months."
        )
    rng = make_rng(seed)
    n_b, n_t = n_borrowers, n_months
    month = np.arange(n_t)[None, :]

    # Who defaults, when, and how long the warning period is.
    defaults = np.zeros(n_b, dtype=bool)
    defaults[rng.choice(n_b, size=round(default_rate * n_b), replace=False)] = True
    warning = rng.integers(warn_lo, warn_hi + 1, size=n_b)
    default_month = rng.integers(MIN_CLEAN_MONTHS + warning, n_t)
    default_month = np.where(defaults, default_month, n_t)  # n_t: never, within the panel
    onset = default_month - warning
    n_hist = np.where(defaults, default_month + 1, n_t)
    deteriorating = defaults[:, None] & (month >= onset[:, None])
    at_default = month == default_month[:, None]
    progress = np.clip((month - onset[:, None] + 1) / (warning[:, None] + 1), 0.0, 1.0)
    effect = np.where(deteriorating, rng.uniform(0.3, 1.0, n_b)[:, None] * progress**1.5, 0.0)

    # Temporary income shocks (everyone), plus one from the onset for half the defaulters.
    shock_starts = rng.random((n_b, n_t)) < SHOCK_RATE
    shock_lengths = rng.integers(1, 4, size=(n_b, n_t))
    shock = np.zeros((n_b, n_t), dtype=bool)
    for lag in range(3):
        shock[:, lag:] |= shock_starts[:, : n_t - lag] & (shock_lengths[:, : n_t - lag] > lag)
    shock |= deteriorating & (rng.random(n_b) < 0.5)[:, None]

    # Payment ratio: a personal habit around 1, dented by shocks and by deterioration.
    habit = np.clip(1.0 + rng.normal(0.0, 0.015, n_b), 0.97, 1.06)
    spread = rng.uniform(0.005, 0.03, n_b)
    ratio = habit[:, None] + spread[:, None] * rng.standard_normal((n_b, n_t))
    ratio -= shock * rng.uniform(0.05, 0.30, (n_b, n_t))
    ratio *= 1.0 - 0.75 * effect

    # Missed payments: rare one-offs (likelier during a shock) and, for defaulters, ever more
    # frequent ones; the default month is always missed.
    late_rate = rng.beta(0.8, 50.0, n_b)
    one_off = (rng.random((n_b, n_t)) < late_rate[:, None]) | (
        shock & (rng.random((n_b, n_t)) < 0.1)
    )
    missed = np.where(deteriorating, rng.random((n_b, n_t)) < 0.8 * effect, one_off) | at_default
    paid_when_missed = rng.uniform(0.0, 0.5, (n_b, n_t)) * np.where(at_default, 0.4, 1.0)
    ratio = np.where(missed, paid_when_missed, ratio)

    # Arrears: outside deterioration the next paid month catches up (ratio above 1) and days
    # past due return to 0; during deterioration arrears are never caught up.
    n_missed = np.zeros((n_b, n_t), dtype=np.int64)
    count = np.zeros(n_b, dtype=np.int64)
    owed = np.zeros(n_b)
    catch_up = rng.uniform(0.8, 1.0, (n_b, n_t))
    for t in range(n_t):
        miss, worse = missed[:, t], deteriorating[:, t]
        caught = ~miss & ~worse & (count > 0)
        ratio[caught, t] += owed[caught] * catch_up[caught, t]
        owed = np.where(miss, owed + np.maximum(1.0 - ratio[:, t], 0.0), np.where(worse, owed, 0.0))
        count = np.where(miss, count + 1, np.where(worse, count, 0))
        n_missed[:, t] = count
    jitter = rng.integers(-3, 6, size=(n_b, n_t))
    days_past_due = np.where(n_missed > 0, 30 * n_missed + jitter, 0)
    ratio = np.clip(ratio, 0.0, 3.0)

    # Utilisation: a personal level with AR(1) wobble, up in shocks, towards 1 when failing.
    level = rng.beta(2.0, 5.0, n_b)
    wobble_sd = rng.uniform(0.01, 0.04, n_b)
    innovations = rng.standard_normal((n_b, n_t)) * wobble_sd[:, None]
    wobble = np.zeros((n_b, n_t))
    for t in range(n_t):
        wobble[:, t] = innovations[:, t] + (0.8 * wobble[:, t - 1] if t else 0.0)
    utilisation = level[:, None] + wobble + shock * rng.uniform(0.03, 0.12, (n_b, n_t))
    utilisation += (0.97 - level[:, None]) * 0.85 * effect
    utilisation = np.clip(utilisation, 0.0, 1.0)

    # Balance: utilisation times a credit limit that drifts (raises, inflation).
    limit = rng.lognormal(np.log(6000.0), 0.5, n_b)
    drift = np.cumsum(rng.normal(0.003, 0.01, (n_b, n_t)), axis=1)
    balance = np.round(utilisation * limit[:, None] * np.exp(drift), 2)

    rows, cols = np.nonzero(month < n_hist[:, None])
    frame = pd.DataFrame(
        {
            "borrower": rows.astype(np.int64),
            "month": cols.astype(np.int64),
            "payment_ratio": ratio[rows, cols],
            "days_past_due": days_past_due[rows, cols].astype(np.int64),
            "utilisation": utilisation[rows, cols],
            "balance": balance[rows, cols],
            "income_shock": shock[rows, cols].astype(np.int64),
            "deteriorating": deteriorating[rows, cols].astype(np.int64),
        }
    )

    def nullable(values: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.arrays.IntegerArray(np.where(defaults, values, 0).astype(np.int64), ~defaults)

    borrowers = pd.DataFrame(
        {
            "borrower": np.arange(n_b, dtype=np.int64),
            "defaults": defaults.astype(np.int64),
            "default_month": nullable(default_month),
            "onset_month": nullable(onset),
            "warning_months": nullable(warning),
            "n_months": n_hist.astype(np.int64),
        }
    )
    return BorrowerPanel(frame=frame, borrowers=borrowers)
