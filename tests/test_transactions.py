"""adlib.data transaction simulator (notebook 08): profiles, fraud scenarios, sequences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adlib.data import TransactionLog, simulate_transactions
from adlib.data.simulators.transactions import (
    N_CATEGORIES,
    ONLINE,
    SCENARIOS,
    WARMUP_TRANSACTIONS,
)


@pytest.fixture(scope="module")
def log() -> TransactionLog:
    return simulate_transactions()


def fraud_rows(log: TransactionLog, scenario: str) -> pd.DataFrame:
    return log.frame[log.frame["scenario"] == scenario]


def test_frame_has_the_documented_columns_dtypes_and_order(log):
    frame = log.frame
    assert list(frame.columns) == [
        "customer",
        "time",
        "amount",
        "gap_hours",
        "category",
        "distance_km",
        "device_change",
        "fraud",
        "scenario",
    ]
    for column in ("customer", "category", "device_change", "fraud"):
        assert frame[column].dtype == np.int64, column
    for column in ("time", "amount", "gap_hours", "distance_km"):
        assert frame[column].dtype == np.float64, column
    keys = frame[["customer", "time"]].to_numpy()
    assert np.all(np.diff(keys[:, 0]) >= 0)
    same = np.diff(keys[:, 0]) == 0
    assert np.all(np.diff(keys[:, 1])[same] >= 0)
    assert frame["time"].between(0, 60 * 24, inclusive="left").all()


def test_values_are_in_physical_ranges(log):
    frame = log.frame
    assert (frame["amount"] > 0).all() and (frame["distance_km"] >= 0).all()
    assert frame["category"].between(0, N_CATEGORIES - 1).all()
    assert set(frame["device_change"].unique()) <= {0, 1}
    assert np.isfinite(frame[list(TransactionLog.features)].to_numpy()).all()


def test_gap_hours_is_the_time_since_the_previous_transaction(log):
    frame = log.frame
    previous = frame.groupby("customer")["time"].shift(1).fillna(0.0)
    np.testing.assert_allclose(frame["gap_hours"], frame["time"] - previous)


def test_fraud_is_rare_and_every_scenario_occurs(log):
    customers = log.customers
    victims = customers[customers["scenario"] != ""]
    assert len(victims) == round(0.05 * len(customers))
    assert victims["scenario"].value_counts().to_dict() == {s: len(victims) // 4 for s in SCENARIOS}
    assert 0.001 < log.frame["fraud"].mean() < 0.01
    _, y, _ = log.sequences(10)
    assert 0.001 < y.mean() < 0.01


def test_customer_table_agrees_with_the_frame(log):
    frame, customers = log.frame, log.customers
    assert list(customers.columns) == [
        "customer",
        "n_transactions",
        "rate_per_day",
        "typical_amount",
        "scenario",
        "fraud_start",
        "n_fraud",
    ]
    assert customers["fraud_start"].dtype == "Int64"
    np.testing.assert_array_equal(customers["n_transactions"], frame.groupby("customer").size())
    np.testing.assert_array_equal(customers["n_fraud"], frame.groupby("customer")["fraud"].sum())
    victims = customers[customers["scenario"] != ""]
    assert customers.loc[customers["scenario"] == "", "fraud_start"].isna().all()
    assert (victims["fraud_start"] >= WARMUP_TRANSACTIONS).all()
    for _, row in victims.iterrows():
        labels = log.histories(int(row["customer"]), ("fraud",))[0][:, 0]
        assert np.flatnonzero(labels)[0] == row["fraud_start"]
        rows = frame[frame["customer"] == row["customer"]]
        assert set(rows.loc[rows["fraud"] == 1, "scenario"]) == {row["scenario"]}


def test_each_scenario_has_its_signature(log):
    typical = log.customers.set_index("customer")["typical_amount"]

    def relative(rows):
        return rows["amount"] / typical[rows["customer"]].to_numpy()

    spike = fraud_rows(log, "spending_spike")
    assert relative(spike).min() >= 5.0
    testing = fraud_rows(log, "card_testing")
    assert (testing["category"] == ONLINE).all()
    last = testing.groupby("customer").tail(1)
    small = testing.drop(last.index)
    assert small["amount"].max() <= 3.0 and relative(last).min() >= 8.0
    takeover = fraud_rows(log, "account_takeover")
    first = takeover.groupby("customer").head(1)
    assert (first["device_change"] == 1).all() and (takeover["distance_km"] > 400).all()
    escalation = fraud_rows(log, "slow_escalation")
    assert (
        escalation.groupby("customer")["amount"].apply(lambda a: a.is_monotonic_increasing).mean()
        > 0.5
    )
    assert relative(escalation.groupby("customer").head(1)).max() < 1.0


def test_legitimate_hard_negatives_exist(log):
    legit = log.frame[log.frame["fraud"] == 0]
    typical = (
        log.customers.set_index("customer").loc[legit["customer"], "typical_amount"].to_numpy()
    )
    assert (legit["amount"] / typical > 4).mean() > 0.005
    assert (legit["distance_km"] > 300).mean() > 0.005
    assert legit["device_change"].sum() > 0


def test_sequences_end_at_each_transaction_and_never_see_the_future(log):
    length = 6
    ids = [0, 5, int(log.customers.loc[log.customers["scenario"] != "", "customer"].iloc[0])]
    X, y, index = log.sequences(length, ids)
    histories = log.histories(ids)
    assert X.shape == (sum(len(h) - length + 1 for h in histories), length, 5)
    assert list(index.columns) == ["customer", "position", "row"]
    for i in (0, len(X) // 2, len(X) - 1):
        customer, position, row = index.iloc[i]
        history = histories[ids.index(customer)]
        np.testing.assert_array_equal(X[i], history[position - length + 1 : position + 1])
        assert log.frame.loc[row, "customer"] == customer
        assert y[i] == log.frame.loc[row, "fraud"]
        later = log.frame.loc[row + 1 :]
        later = later[later["customer"] == customer]
        assert (later["time"] >= log.frame.loc[row, "time"]).all()
    _, y_all, _ = log.sequences(length)
    assert y_all.sum() == log.frame["fraud"].sum()


def test_without_fraud_there_are_no_fraud_labels():
    clean = simulate_transactions(n_customers=100, fraud_fraction=0.0, seed=1)
    assert clean.frame["fraud"].sum() == 0 and (clean.customers["scenario"] == "").all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_customers": 0}, ValueError, r"n_customers must be in \[1, inf\]"),
        ({"n_days": 10}, ValueError, r"n_days must be in \[30, inf\]"),
        ({"fraud_fraction": 1.5}, ValueError, "fraud_fraction"),
        ({"fraud_fraction": float("nan")}, ValueError, "fraud_fraction"),
        ({"seed": -1}, ValueError, "seed"),
        ({"n_customers": 2.5}, TypeError, "n_customers"),
    ],
)
def test_simulate_transactions_rejects_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        simulate_transactions(**kwargs)


def test_sequences_reject_bad_lengths_and_ids(log):
    with pytest.raises(ValueError, match=r"length must be in \[1, 20\]"):
        log.sequences(21)
    with pytest.raises(ValueError, match="unknown customer ids"):
        log.sequences(5, [10**6])
