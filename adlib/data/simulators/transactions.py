"""Card transactions per customer, with four fraud scenarios (notebooks 08 and 10).

Every customer has a spending profile (how often, how much, which merchant categories, how
far from home) and legitimate surprises: a big purchase now and then, travel far from home,
a new phone. Fraud is rare (well under 1 % of transactions at the defaults) and comes in four
shapes that differ in *when* they are visible: a spending spike shows in one transaction,
card testing and account takeover in a short burst, a slow escalation only in the order of
several transactions, each harmless on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from adlib._validation import check_int, check_real
from adlib.data.simulators._common import entity_arrays, make_rng

#: The fraud scenarios, in the order they are assigned to fraudulent customers.
SCENARIOS = ("spending_spike", "card_testing", "account_takeover", "slow_escalation")
#: Merchant categories are integer codes 0..N_CATEGORIES-1; the last one is "online".
N_CATEGORIES = 8
ONLINE = N_CATEGORIES - 1
#: Fraud starts after at least this many legitimate transactions of the customer.
WARMUP_TRANSACTIONS = 20
#: Episodes start at least this long before the end, so that they are rarely cut off.
EPISODE_ROOM_HOURS = 7 * 24.0
#: Shares of legitimate transactions that are a big purchase, abroad, or from a new device.
BIG_PURCHASE_RATE = 0.01
TRAVEL_RATE = 0.01
NEW_DEVICE_RATE = 0.004


@dataclass(frozen=True, eq=False)
class TransactionLog:
    """Transactions with ground truth, from :func:`simulate_transactions`.

    ``frame`` has one row per transaction, sorted by customer then time: ``customer``
    (int64), ``time`` (float64, hours from the start), the five :attr:`features`
    ``amount`` (currency units), ``gap_hours`` (hours since the customer's previous
    transaction; since the start for the first), ``category`` (int64 merchant category),
    ``distance_km`` (from the customer's home) and ``device_change`` (int64, 1 when the
    device differs from the previous transaction's), then ``fraud`` (int64 0/1) and
    ``scenario`` (str, "" for legitimate transactions). ``customers`` has one row per
    customer: ``customer``, ``n_transactions``, ``rate_per_day`` and ``typical_amount``
    (the profile), ``scenario`` ("" for customers without fraud), ``fraud_start``
    (nullable Int64 position, within the customer's transactions, of the first fraudulent
    one) and ``n_fraud`` (int64).
    """

    features: ClassVar[tuple[str, ...]] = (
        "amount",
        "gap_hours",
        "category",
        "distance_km",
        "device_change",
    )

    frame: pd.DataFrame
    customers: pd.DataFrame

    def histories(
        self, customer_ids: object = None, columns: tuple[str, ...] | None = None
    ) -> list[np.ndarray]:
        """Per-customer float64 arrays of shape (n_transactions_i, 5), in :attr:`features` order.

        ``customer_ids`` (an int or a sequence of ints) picks customers in the order given;
        ``None`` returns all of them in id order. ``columns`` replaces the five features,
        e.g. ``("fraud",)`` for the matching per-transaction labels.
        """
        ids = self.customers["customer"].to_numpy()
        return entity_arrays(self.frame, "customer", ids, customer_ids, columns or self.features)

    def sequences(
        self, length: int, customer_ids: object = None
    ) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
        """Each transaction with the ``length - 1`` before it: the input of a sequence model.

        Returns ``X`` float64 (n_sequences, length, 5) in :attr:`features` order, ``y``
        int64 (n_sequences,) the fraud label of the *last* transaction (the one to decide
        on), and ``index`` with one row per sequence: ``customer``, ``position`` (of the
        last transaction within the customer's) and ``row`` (its row in ``frame``). A
        sequence holds only transactions up to its last, so nothing from the future leaks
        in; a customer's first ``length - 1`` transactions end no sequence.
        """
        length = check_int(length, "length", low=1, high=WARMUP_TRANSACTIONS)
        ids = self.customers["customer"].to_numpy()
        wanted = ids if customer_ids is None else np.atleast_1d(np.asarray(customer_ids))
        features = self.histories(wanted)
        labels = self.histories(wanted, ("fraud",))
        starts = np.searchsorted(self.frame["customer"].to_numpy(), wanted)
        X, y, index = [], [], []
        for customer, values, fraud, start in zip(wanted, features, labels, starts, strict=True):
            windows = np.lib.stride_tricks.sliding_window_view(values, length, axis=0)
            X.append(windows.transpose(0, 2, 1))
            y.append(fraud[length - 1 :, 0])
            positions = np.arange(length - 1, len(values))
            index.append(
                np.column_stack([np.full(positions.size, customer), positions, start + positions])
            )
        table = pd.DataFrame(np.concatenate(index), columns=["customer", "position", "row"])
        return np.concatenate(X), np.concatenate(y).astype(np.int64), table


def simulate_transactions(
    n_customers: int = 2000,
    n_days: int = 60,
    fraud_fraction: float = 0.05,
    seed: int = 0,
) -> TransactionLog:
    """Simulate ``n_days`` of card transactions for ``n_customers`` customers (notebook 08).

    Each customer transacts 0.3-2 times a day (mostly in the afternoon and evening), spends
    log-normally around a typical amount of 15-150, in a few favourite merchant categories,
    within 2-15 km of home; about 1 % of legitimate transactions are big purchases (4-10×),
    1 % happen while travelling (300-3,000 km) and 0.4 % come from a new device.
    ``round(fraud_fraction * n_customers)`` customers suffer one fraud episode, starting
    after their first :data:`WARMUP_TRANSACTIONS` transactions, its scenario cycling
    through :data:`SCENARIOS`:

    - ``spending_spike``: 3-6 purchases of 5-20× the typical amount within a few hours;
    - ``card_testing``: 3-8 online charges of 0.5-3 a few minutes apart, then one of 8-25×;
    - ``account_takeover``: a new device 500-8,000 km away, then 2-5 purchases of 2-6×;
    - ``slow_escalation``: 6-10 purchases over several days in the usual categories and
      places, rising geometrically from half the typical amount to 8-15×.

    The customer's own transactions go on around the fraudster's. Returns a
    :class:`TransactionLog`; the same ``seed`` gives the same log.
    """
    n_customers = check_int(n_customers, "n_customers", low=1)
    n_days = check_int(n_days, "n_days", low=30)
    fraud_fraction = check_real(fraud_fraction, "fraud_fraction", low=0.0, high=1.0)
    rng = make_rng(seed)
    hours = 24.0 * n_days

    rate = rng.uniform(0.3, 2.0, n_customers)
    typical = np.exp(rng.uniform(np.log(15.0), np.log(150.0), n_customers))
    spread = rng.uniform(0.3, 0.6, n_customers)
    near_km = rng.uniform(2.0, 15.0, n_customers)
    preference = rng.dirichlet(np.full(N_CATEGORIES, 0.4), n_customers)
    # Enough legitimate transactions for the warm-up and a fraud episode after it.
    counts = np.maximum(rng.poisson(rate * n_days), 2 * WARMUP_TRANSACTIONS)

    customer = np.repeat(np.arange(n_customers), counts)
    n = customer.size
    day = rng.integers(0, n_days, n)
    hour_of_day = np.mod(rng.normal(15.5, 4.0, n), 24.0)
    time = day * 24.0 + hour_of_day
    amount = typical[customer] * np.exp(spread[customer] * rng.standard_normal(n))
    amount *= np.where(rng.random(n) < BIG_PURCHASE_RATE, rng.uniform(4.0, 10.0, n), 1.0)
    cumulative = preference.cumsum(axis=1)[customer]
    category = np.minimum((rng.random(n)[:, None] > cumulative).sum(axis=1), N_CATEGORIES - 1)
    distance = rng.exponential(near_km[customer])
    distance = np.where(rng.random(n) < TRAVEL_RATE, rng.uniform(300.0, 3000.0, n), distance)
    new_device = rng.random(n) < NEW_DEVICE_RATE
    legit = pd.DataFrame(
        {
            "customer": customer,
            "time": time,
            "amount": amount,
            "category": category,
            "distance_km": distance,
            "new_device": new_device,
            "fraud": 0,
            "scenario": "",
        }
    ).sort_values(["customer", "time"], kind="stable")

    n_fraudulent = round(fraud_fraction * n_customers)
    victims = np.sort(rng.choice(n_customers, size=n_fraudulent, replace=False))
    scenario_of = {int(c): SCENARIOS[i % len(SCENARIOS)] for i, c in enumerate(victims)}
    legit_times = legit.groupby("customer")["time"].apply(np.asarray)
    episodes = []
    for victim, scenario in scenario_of.items():
        own = legit_times[victim]
        earliest = own[WARMUP_TRANSACTIONS - 1] + 1e-3
        onset = rng.uniform(earliest, max(earliest, hours - EPISODE_ROOM_HOURS))
        episodes.append(_episode(rng, scenario, victim, onset, typical[victim], near_km[victim]))
    frame = pd.concat([legit, *episodes], ignore_index=True)
    frame = frame.sort_values(["customer", "time"], kind="stable").reset_index(drop=True)
    frame = frame[frame["time"] < hours].reset_index(drop=True)
    frame = _derive_sequence_columns(frame)
    return TransactionLog(frame=frame, customers=_customer_table(frame, rate, typical, scenario_of))


def _episode(
    rng: np.random.Generator,
    scenario: str,
    customer: int,
    onset: float,
    typical: float,
    near_km: float,
) -> pd.DataFrame:
    """The fraudster's transactions of one episode, as rows like the legitimate ones."""
    if scenario == "spending_spike":
        k = int(rng.integers(3, 7))
        gaps = rng.exponential(0.7, k)
        amount = typical * rng.uniform(5.0, 20.0, k)
        category = rng.integers(0, N_CATEGORIES, k)
        distance = rng.exponential(near_km * 2.0, k)
        new_device = np.zeros(k, dtype=bool)
    elif scenario == "card_testing":
        k = int(rng.integers(3, 9)) + 1
        gaps = np.append(rng.exponential(0.05, k - 1), rng.uniform(0.2, 1.0))
        amount = np.append(rng.uniform(0.5, 3.0, k - 1), typical * rng.uniform(8.0, 25.0))
        category = np.full(k, ONLINE)
        distance = np.full(k, rng.uniform(200.0, 8000.0))
        new_device = np.zeros(k, dtype=bool)
    elif scenario == "account_takeover":
        k = int(rng.integers(2, 6)) + 1
        gaps = rng.exponential(1.0, k)
        amount = np.append(typical * rng.uniform(0.5, 1.5), typical * rng.uniform(2.0, 6.0, k - 1))
        category = rng.integers(0, N_CATEGORIES, k)
        distance = rng.uniform(500.0, 8000.0) * rng.uniform(0.95, 1.05, k)
        new_device = np.zeros(k, dtype=bool)
        new_device[0] = True
    else:
        k = int(rng.integers(6, 11))
        gaps = rng.exponential(10.0, k)
        amount = typical * np.geomspace(0.5, rng.uniform(8.0, 15.0), k) * rng.uniform(0.9, 1.1, k)
        category = rng.integers(0, N_CATEGORIES, k)
        distance = rng.exponential(near_km, k)
        new_device = np.zeros(k, dtype=bool)
    return pd.DataFrame(
        {
            "customer": customer,
            "time": onset + np.cumsum(gaps) - gaps[0],
            "amount": amount,
            "category": category,
            "distance_km": distance,
            "new_device": new_device,
            "fraud": 1,
            "scenario": scenario,
        }
    )


def _derive_sequence_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Add gap_hours and device_change (which need the merged, sorted sequence) and order columns.

    A customer's device id steps up at each legitimate new device; the fraudster of an
    account takeover keeps a device of their own. ``device_change`` compares each
    transaction's device with the previous transaction's.
    """
    customer = frame["customer"].to_numpy()
    first = np.r_[True, customer[1:] != customer[:-1]]
    time = frame["time"].to_numpy()
    gap = np.where(first, time, time - np.r_[0.0, time[:-1]])
    takeover = (frame["scenario"] == "account_takeover").to_numpy()
    own_device = (
        frame.assign(step=frame["new_device"] & ~takeover).groupby("customer")["step"].cumsum()
    )
    device = np.where(takeover, -1, own_device.to_numpy())
    change = ~first & (device != np.r_[0, device[:-1]])
    return pd.DataFrame(
        {
            "customer": customer.astype(np.int64),
            "time": time,
            "amount": frame["amount"].to_numpy(),
            "gap_hours": gap,
            "category": frame["category"].to_numpy().astype(np.int64),
            "distance_km": frame["distance_km"].to_numpy(),
            "device_change": change.astype(np.int64),
            "fraud": frame["fraud"].to_numpy().astype(np.int64),
            "scenario": frame["scenario"].to_numpy().astype(str),
        }
    )


def _customer_table(
    frame: pd.DataFrame, rate: np.ndarray, typical: np.ndarray, scenario_of: dict[int, str]
) -> pd.DataFrame:
    n_customers = rate.size
    grouped = frame.groupby("customer")
    n_transactions = grouped.size().reindex(range(n_customers), fill_value=0).to_numpy()
    position = grouped.cumcount().to_numpy()
    fraud = frame["fraud"].to_numpy() == 1
    first_fraud = pd.Series(position[fraud]).groupby(frame["customer"].to_numpy()[fraud]).min()
    fraud_start = pd.array([pd.NA] * n_customers, dtype="Int64")
    fraud_start[first_fraud.index.to_numpy()] = first_fraud.to_numpy()
    n_fraud = np.bincount(frame["customer"].to_numpy()[fraud], minlength=n_customers)
    return pd.DataFrame(
        {
            "customer": np.arange(n_customers, dtype=np.int64),
            "n_transactions": n_transactions.astype(np.int64),
            "rate_per_day": rate,
            "typical_amount": typical,
            "scenario": [scenario_of.get(c, "") for c in range(n_customers)],
            "fraud_start": fraud_start,
            "n_fraud": n_fraud.astype(np.int64),
        }
    )
