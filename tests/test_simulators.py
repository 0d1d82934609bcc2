"""adlib.data simulators: logins (06), borrowers (07), sensors (09) and their ground truth.

The transaction simulator (08) has its own module, test_transactions.py; it joins the
seeding checks here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adlib.data import (
    BorrowerPanel,
    LoginsScenario,
    SensorFleet,
    simulate_borrowers,
    simulate_logins,
    simulate_sensors,
    simulate_transactions,
)
from adlib.data.simulators.logins import HOLIDAYS, MIN_GAP_DAYS, WARMUP_DAYS
from adlib.data.simulators.sensors import START

# The defaults are what the notebooks use; build each once per module (well under 1 s).


@pytest.fixture(scope="module")
def logins() -> LoginsScenario:
    return simulate_logins()


@pytest.fixture(scope="module")
def panel() -> BorrowerPanel:
    return simulate_borrowers()


@pytest.fixture(scope="module")
def fleet() -> SensorFleet:
    return simulate_sensors()


# --- logins -----------------------------------------------------------------------------


def test_logins_frame_has_the_documented_shape_and_dtypes(logins):
    frame = logins.frame
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert frame.index.name == "date"
    assert len(frame) == 730
    assert frame.index[0] == pd.Timestamp("2023-01-01")
    assert (np.diff(frame.index.to_numpy()) == np.timedelta64(1, "D")).all()
    assert list(frame.columns) == ["logins", "expected", "label", "kind"]
    assert frame["logins"].dtype == np.int64
    assert frame["expected"].dtype == np.float64
    assert frame["label"].dtype == np.int64
    assert pd.api.types.is_string_dtype(frame["kind"])
    assert set(frame["kind"]) <= {"normal", "holiday", "outage", "bot", "contextual", "pattern"}
    assert list(logins.events.columns) == ["kind", "start", "end", "n_days", "onset"]
    assert (frame["logins"] >= 0).all()
    assert (frame["expected"] > 0).all()


def test_logins_events_have_the_requested_counts_and_lengths(logins):
    events = logins.events
    counts = events["kind"].value_counts().to_dict()
    assert counts == {"outage": 5, "bot": 5, "contextual": 3, "pattern": 1}
    lengths = events.groupby("kind")["n_days"].agg(["min", "max"])
    assert lengths.loc["outage", "min"] >= 1 and lengths.loc["outage", "max"] <= 3
    assert lengths.loc["bot", "min"] >= 1 and lengths.loc["bot", "max"] <= 2
    assert (events.loc[events["kind"] == "contextual", "n_days"] == 1).all()
    assert (events.loc[events["kind"] == "pattern", "n_days"] == 14).all()
    assert (events["end"] - events["start"]).dt.days.add(1).tolist() == events["n_days"].tolist()
    assert (logins.frame.index[events["onset"]] == events["start"]).all()
    assert events["onset"].is_monotonic_increasing


def test_logins_labels_are_exactly_the_union_of_event_days(logins):
    frame, events = logins.frame, logins.events
    expected = np.zeros(len(frame), dtype=np.int64)
    kinds = np.full(len(frame), "", dtype=object)
    for event in events.itertuples():
        expected[event.onset : event.onset + event.n_days] = 1
        kinds[event.onset : event.onset + event.n_days] = event.kind
    np.testing.assert_array_equal(frame["label"].to_numpy(), expected)
    labelled = expected == 1
    np.testing.assert_array_equal(frame["kind"].to_numpy()[labelled], kinds[labelled])
    assert set(frame.loc[~labelled, "kind"]) == {"normal", "holiday"}


def test_logins_events_never_overlap_and_avoid_holidays_and_warm_up(logins):
    events, frame = logins.events, logins.frame
    ends = events["onset"] + events["n_days"] - 1
    gaps = events["onset"].to_numpy()[1:] - ends.to_numpy()[:-1] - 1
    assert (gaps >= MIN_GAP_DAYS).all()
    assert (events["onset"] >= WARMUP_DAYS).all()
    assert logins.warmup_end == frame.index[WARMUP_DAYS - 1]
    holiday = frame["kind"] == "holiday"
    assert holiday.sum() == 2 * len(HOLIDAYS)  # two full years
    for month, day in HOLIDAYS:
        on_date = (frame.index.month == month) & (frame.index.day == day)
        assert (frame.loc[on_date, "kind"] == "holiday").all()
    assert (frame.loc[holiday, "label"] == 0).all()


def test_logins_contextual_days_are_weekends_at_weekday_level(logins):
    frame = logins.frame
    contextual = frame[frame["kind"] == "contextual"]
    assert (contextual.index.day_of_week >= 5).all()
    weekday_normal = frame[(frame["kind"] == "normal") & (frame.index.day_of_week < 5)]
    # Abnormal for a weekend (far above its expected weekend level), yet globally ordinary:
    # inside the range of normal weekdays.
    assert (contextual["logins"] > 1.8 * contextual["expected"]).all()
    assert contextual["logins"].min() > weekday_normal["logins"].min()
    assert contextual["logins"].max() < weekday_normal["logins"].max()


def test_logins_anomalies_are_visible_against_the_expected_level(logins):
    frame = logins.frame
    ratio = frame["logins"] / frame["expected"]
    assert ratio[frame["kind"] == "outage"].mean() < 0.4
    assert ratio[frame["kind"] == "bot"].mean() > 1.6
    assert ratio[frame["kind"] == "contextual"].mean() > 1.8
    assert ratio[frame["kind"] == "normal"].between(0.7, 1.3).mean() > 0.99
    # Holidays sit at the Sunday level: far below a weekday, like a mild outage.
    holiday = frame["kind"] == "holiday"
    assert ratio[holiday].mean() == pytest.approx(1.0, abs=0.1)
    assert frame.loc[holiday & (frame.index.day_of_week < 5), "expected"].max() < 0.5 * (
        frame.loc[frame.index.day_of_week < 5, "expected"].median()
    )


def test_logins_pattern_anomaly_flattens_the_week(logins):
    frame = logins.frame
    pattern = frame[frame["kind"] == "pattern"]
    assert len(pattern) == 14
    weekend = pattern.index.day_of_week >= 5
    # Every day near the weekly mean: weekends well above, weekdays well below, normal.
    assert (pattern["logins"] / pattern["expected"])[weekend].mean() > 1.5
    assert (pattern["logins"] / pattern["expected"])[~weekend].mean() < 0.95


def test_logins_without_anomalies_and_with_another_start():
    scenario = simulate_logins(
        n_days=200, start="2024-03-15", n_outages=0, n_bot_attacks=0, n_contextual=0, n_pattern=0
    )
    assert scenario.frame["label"].sum() == 0
    assert scenario.events.empty
    assert list(scenario.events.columns) == ["kind", "start", "end", "n_days", "onset"]
    assert scenario.frame.index[0] == pd.Timestamp("2024-03-15")


# --- borrowers ----------------------------------------------------------------------------


def test_borrower_panel_has_the_documented_shape_and_dtypes(panel):
    frame, borrowers = panel.frame, panel.borrowers
    assert panel.features == BorrowerPanel.features
    assert BorrowerPanel.features == (
        "payment_ratio",
        "days_past_due",
        "utilisation",
        "balance",
        "income_shock",
    )
    assert list(frame.columns) == ["borrower", "month", *panel.features, "deteriorating"]
    for column in ("borrower", "month", "days_past_due", "income_shock", "deteriorating"):
        assert frame[column].dtype == np.int64, column
    for column in ("payment_ratio", "utilisation", "balance"):
        assert frame[column].dtype == np.float64, column
    assert list(borrowers.columns) == [
        "borrower",
        "defaults",
        "default_month",
        "onset_month",
        "warning_months",
        "n_months",
    ]
    for column in ("default_month", "onset_month", "warning_months"):
        assert borrowers[column].dtype == "Int64", column
    assert len(borrowers) == 2000
    np.testing.assert_array_equal(borrowers["borrower"], np.arange(2000))
    per_borrower = frame.groupby("borrower")["month"].agg(["size", "min", "max"])
    np.testing.assert_array_equal(per_borrower["size"], borrowers["n_months"])
    assert (per_borrower["min"] == 0).all()
    assert (per_borrower["max"] == borrowers["n_months"] - 1).all()
    order = np.lexsort((frame["month"], frame["borrower"]))
    np.testing.assert_array_equal(order, np.arange(len(frame)))


def test_borrower_values_are_in_physical_ranges(panel):
    frame = panel.frame
    assert frame["utilisation"].between(0, 1).all()
    assert (frame["days_past_due"] >= 0).all()
    late = frame.loc[frame["days_past_due"] > 0, "days_past_due"]
    assert (late >= 27).all()  # about 30 per missed payment
    assert (frame["payment_ratio"] >= 0).all()
    assert frame["payment_ratio"].median() == pytest.approx(1.0, abs=0.02)
    assert (frame["balance"] >= 0).all()
    assert set(frame["income_shock"]) == {0, 1}


def test_defaulter_share_and_timing(panel):
    borrowers = panel.borrowers
    defaulters = borrowers[borrowers["defaults"] == 1]
    healthy = borrowers[borrowers["defaults"] == 0]
    assert len(defaulters) == round(0.08 * 2000)
    assert borrowers["defaults"].mean() == pytest.approx(0.08, abs=0.005)
    assert healthy[["default_month", "onset_month", "warning_months"]].isna().all().all()
    assert defaulters[["default_month", "onset_month", "warning_months"]].notna().all().all()
    assert (healthy["n_months"] == 36).all()
    assert (defaulters["n_months"] == defaulters["default_month"] + 1).all()
    assert (defaulters["onset_month"] >= 12).all()
    assert defaulters["warning_months"].between(3, 8).all()
    assert (
        defaulters["onset_month"] == defaulters["default_month"] - defaulters["warning_months"]
    ).all()


def test_deteriorating_is_one_exactly_from_onset_to_default(panel):
    frame = panel.frame.merge(panel.borrowers, on="borrower")
    onset = frame["onset_month"].fillna(10**6).astype(np.int64)
    expected = ((frame["defaults"] == 1) & (frame["month"] >= onset)).astype(np.int64)
    np.testing.assert_array_equal(frame["deteriorating"], expected)
    last = panel.frame.groupby("borrower").tail(1).merge(panel.borrowers, on="borrower")
    assert (last.loc[last["defaults"] == 1, "deteriorating"] == 1).all()
    assert (last.loc[last["defaults"] == 1, "days_past_due"] > 0).all()  # default = missed


def test_defaulters_are_visibly_worse_at_the_end_and_healthy_have_hard_negatives(panel):
    frame, borrowers = panel.frame, panel.borrowers
    defaulter_ids = borrowers.loc[borrowers["defaults"] == 1, "borrower"]
    is_defaulter = frame["borrower"].isin(defaulter_ids)
    last3 = frame[is_defaulter].groupby("borrower").tail(3)
    healthy = frame[~is_defaulter]
    assert last3["payment_ratio"].mean() < healthy["payment_ratio"].mean() - 0.3
    assert last3["utilisation"].mean() > healthy["utilisation"].mean() + 0.1
    assert last3["days_past_due"].mean() > 5 * healthy["days_past_due"].mean()
    # Healthy borrowers also have shocks and late payments, which they recover from.
    per_healthy = healthy.groupby("borrower")[["income_shock", "days_past_due"]].max()
    assert 0.1 < per_healthy["income_shock"].astype(bool).mean() < 0.6
    assert 0.1 < (per_healthy["days_past_due"] > 0).mean() < 0.7
    assert (healthy.groupby("borrower")["days_past_due"].last() == 0).mean() > 0.95
    # Heterogeneity: healthy utilisation levels differ a lot between borrowers.
    assert healthy.groupby("borrower")["utilisation"].mean().std() > 0.1


def test_borrower_sequences(panel):
    sequences = panel.sequences()
    assert len(sequences) == 2000
    assert all(s.dtype == np.float64 and s.shape[1] == 5 for s in sequences)
    assert [len(s) for s in sequences] == panel.borrowers["n_months"].tolist()
    picked = panel.sequences([5, 2])
    first = panel.frame[panel.frame["borrower"] == 5][list(panel.features)].to_numpy(float)
    np.testing.assert_array_equal(picked[0], first)
    assert len(panel.sequences(7)) == 1
    labels = panel.sequences([5], columns=("deteriorating",))[0]
    assert labels.shape == (len(first), 1)
    with pytest.raises(ValueError, match=r"unknown borrower ids \[5000\]"):
        panel.sequences([1, 5000])
    with pytest.raises(ValueError, match="unknown columns"):
        panel.sequences([1], columns=("income",))
    with pytest.raises(TypeError, match="ints"):
        panel.sequences(["a"])


# --- sensors ------------------------------------------------------------------------------


def test_sensor_fleet_has_the_documented_shape_and_dtypes(fleet):
    frame, machines = fleet.frame, fleet.machines
    assert SensorFleet.channels == ("temperature", "pressure", "vibration")
    assert list(frame.columns) == [
        "machine",
        "hour",
        "timestamp",
        *fleet.channels,
        "degrading",
        "failure",
        "transient",
    ]
    for column in ("machine", "hour", "degrading", "failure", "transient"):
        assert frame[column].dtype == np.int64, column
    for column in fleet.channels:
        assert frame[column].dtype == np.float64, column
    assert pd.api.types.is_datetime64_any_dtype(frame["timestamp"])
    assert (frame["timestamp"] == START + pd.to_timedelta(frame["hour"], unit="h")).all()
    assert list(machines.columns) == [
        "machine",
        "fails",
        "failure_hour",
        "onset_hour",
        "degradation_hours",
        "n_hours",
    ]
    for column in ("failure_hour", "onset_hour", "degradation_hours"):
        assert machines[column].dtype == "Int64", column
    sizes = frame.groupby("machine")["hour"].agg(["size", "max"])
    np.testing.assert_array_equal(sizes["size"], machines["n_hours"])
    assert (sizes["max"] == machines["n_hours"] - 1).all()


def test_failure_share_and_timing(fleet):
    machines = fleet.machines
    failing = machines[machines["fails"] == 1]
    healthy = machines[machines["fails"] == 0]
    assert len(failing) == round(0.5 * 24)
    assert healthy[["failure_hour", "onset_hour", "degradation_hours"]].isna().all().all()
    assert (healthy["n_hours"] == 24 * 45).all()
    assert (failing["n_hours"] == failing["failure_hour"] + 1).all()
    assert failing["degradation_hours"].between(48, 120).all()
    assert (failing["onset_hour"] == failing["failure_hour"] - failing["degradation_hours"]).all()
    assert (failing["failure_hour"] >= 0.6 * 24 * 45).all()  # late in the period
    assert (failing["onset_hour"] >= 7 * 24).all()


def test_degrading_and_failure_labels_match_the_machine_table(fleet):
    frame = fleet.frame.merge(fleet.machines, on="machine")
    onset = frame["onset_hour"].fillna(10**6).astype(np.int64)
    failure_hour = frame["failure_hour"].fillna(-1).astype(np.int64)
    np.testing.assert_array_equal(frame["degrading"], (frame["hour"] >= onset).astype(int))
    np.testing.assert_array_equal(frame["failure"], (frame["hour"] == failure_hour).astype(int))
    assert frame["failure"].sum() == fleet.machines["fails"].sum()
    assert (fleet.frame.groupby("machine")["failure"].last() == fleet.machines["fails"]).all()


def test_sensor_values_are_physical_and_degradation_is_visible(fleet):
    frame = fleet.frame
    assert frame["temperature"].between(30, 110).all()
    assert (frame["pressure"] > 0).all()
    assert (frame["vibration"] > 0).all()
    for machine in fleet.machines[fleet.machines["fails"] == 1].itertuples():
        series = frame[frame["machine"] == machine.machine]
        healthy = series[(series["hour"] < machine.onset_hour) & (series["transient"] == 0)]
        last_day = series.tail(24)
        assert last_day["vibration"].mean() > 1.5 * healthy["vibration"].mean()
        assert last_day["temperature"].mean() > healthy["temperature"].mean() + 1.0
    # Transients are harmless but loud: a vibration spike on a healthy machine.
    quiet = frame[(frame["transient"] == 0) & (frame["degrading"] == 0)]
    assert frame.loc[frame["transient"] == 1, "vibration"].mean() > 1.5 * quiet["vibration"].mean()
    # Pressure follows temperature within a healthy machine.
    first_healthy = fleet.machines.loc[fleet.machines["fails"] == 0, "machine"].iloc[0]
    healthy_series = quiet[quiet["machine"] == first_healthy]
    assert healthy_series["temperature"].corr(healthy_series["pressure"]) > 0.5


def test_sensor_sequences(fleet):
    sequences = fleet.sequences()
    assert len(sequences) == 24
    assert [s.shape for s in sequences] == [(n, 3) for n in fleet.machines["n_hours"]]
    assert all(s.dtype == np.float64 for s in sequences)
    single = fleet.sequences(3, columns="vibration")[0]
    expected = fleet.frame.loc[fleet.frame["machine"] == 3, ["vibration"]].to_numpy()
    np.testing.assert_array_equal(single, expected)
    assert fleet.sequences([]) == []


# --- determinism --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("simulate", "kwargs", "parts"),
    [
        (simulate_logins, {}, ("frame", "events")),
        (simulate_borrowers, {"n_borrowers": 300}, ("frame", "borrowers")),
        (simulate_sensors, {"n_machines": 6}, ("frame", "machines")),
        (simulate_transactions, {"n_customers": 200}, ("frame", "customers")),
    ],
    ids=["logins", "borrowers", "sensors", "transactions"],
)
def test_same_seed_same_data_and_different_seed_different_data(simulate, kwargs, parts):
    first, again, other = (simulate(**kwargs, seed=s) for s in (7, 7, 8))
    for part in parts:
        pd.testing.assert_frame_equal(getattr(first, part), getattr(again, part))
    with pytest.raises(AssertionError):
        pd.testing.assert_frame_equal(first.frame, other.frame)


def test_simulators_leave_the_global_numpy_state_alone():
    np.random.seed(123)  # noqa: NPY002 -- checking that the simulators do not touch it
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    simulate_logins()
    simulate_borrowers(n_borrowers=50)
    simulate_sensors(n_machines=2)
    simulate_transactions(n_customers=50)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


def test_other_rates_give_the_requested_counts():
    panel = simulate_borrowers(n_borrowers=500, default_rate=0.3, seed=1)
    assert panel.borrowers["defaults"].sum() == round(0.3 * 500)
    assert simulate_borrowers(n_borrowers=50, default_rate=0.0).borrowers["defaults"].sum() == 0
    fleet = simulate_sensors(n_machines=10, failure_fraction=0.25, seed=1)
    assert fleet.machines["fails"].sum() == round(0.25 * 10)
    all_fail = simulate_sensors(n_machines=4, failure_fraction=1.0, degradation_hours=(10, 10))
    assert (all_fail.machines["degradation_hours"] == 10).all()


# --- parameter validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_days": 100}, ValueError, r"n_days must be in \[120, inf\]"),
        ({"n_days": 730.0}, TypeError, "n_days must be an integer"),
        ({"n_outages": -1}, ValueError, "n_outages must be in"),
        ({"n_bot_attacks": 2.5}, TypeError, "n_bot_attacks must be an integer"),
        ({"start": "not a date"}, ValueError, "start='not a date' is not a date"),
        ({"n_days": 120}, ValueError, "too many anomalies for n_days=120"),
        ({"n_outages": 200}, ValueError, "reduce n_outages"),
        ({"n_contextual": 100}, ValueError, "could not place all"),
        ({"seed": -1}, ValueError, "seed must be in"),
    ],
)
def test_simulate_logins_rejects_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        simulate_logins(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"default_rate": 1.5}, ValueError, r"default_rate must be in \[0.0, 1.0\]"),
        ({"default_rate": -0.1}, ValueError, "default_rate must be in"),
        ({"n_borrowers": 0}, ValueError, "n_borrowers must be in"),
        ({"n_borrowers": 10.5}, TypeError, "n_borrowers must be an integer"),
        ({"warning_months": (8, 3)}, ValueError, r"warning_months=\(8, 3\) is inverted"),
        ({"warning_months": (0, 3)}, ValueError, r"warning_months\[0\] must be in"),
        ({"warning_months": 5}, TypeError, "must be a pair"),
        ({"warning_months": (3, 30)}, ValueError, "too long for n_months=36"),
        ({"n_months": 10}, ValueError, "n_months must be in"),
    ],
)
def test_simulate_borrowers_rejects_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        simulate_borrowers(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"failure_fraction": 2}, ValueError, "failure_fraction must be in"),
        ({"n_machines": "24"}, TypeError, "n_machines must be an integer"),
        ({"degradation_hours": (120, 48)}, ValueError, "is inverted"),
        ({"degradation_hours": (48, 1000)}, ValueError, "too long for n_hours=1080"),
        ({"n_hours": 100}, ValueError, "n_hours must be in"),
        ({"seed": 1.0}, TypeError, "seed must be an integer"),
    ],
)
def test_simulate_sensors_rejects_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        simulate_sensors(**kwargs)
