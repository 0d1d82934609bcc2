"""adlib.data.simulate_services: the microservice fleet of notebook 13 and its ground truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adlib.data import ServiceMetrics, simulate_services
from adlib.data.simulators.services import (
    INCIDENT_LENGTHS,
    MAINTENANCE_STEPS,
    MIN_GAP_STEPS,
    START,
    STEP_MINUTES,
    STEPS_PER_DAY,
)


@pytest.fixture(scope="module")
def fleet() -> ServiceMetrics:
    return simulate_services()


def test_frame_has_the_documented_shape_and_dtypes(fleet):
    frame = fleet.frame
    assert len(frame) == 20 * 21 * STEPS_PER_DAY
    assert list(frame.columns) == [
        "service",
        "step",
        "timestamp",
        *fleet.metrics,
        "maintenance",
        "label",
        "kind",
    ]
    for column in ("service", "step", "label"):
        assert frame[column].dtype == np.int64, column
    for column in fleet.metrics:
        assert frame[column].dtype == np.float64, column
    assert frame["maintenance"].dtype == bool
    expected_time = START + pd.to_timedelta(frame["step"] * STEP_MINUTES, unit="min")
    assert (frame["timestamp"] == expected_time).all()
    assert frame["service"].is_monotonic_increasing
    assert list(fleet.incidents.columns) == ["service", "kind", "start", "end", "n_steps", "onset"]


def test_values_are_physical(fleet):
    frame = fleet.frame
    assert (frame["requests"] >= 0).all()
    assert (frame["latency_ms"] > 0).all()
    assert frame["error_rate"].between(0, 1).all()
    assert frame["cpu"].between(0, 100).all()


def test_labels_match_the_incident_table(fleet):
    frame = fleet.frame
    assert len(fleet.incidents) == 20 * 3
    assert set(fleet.incidents["kind"]) <= set(INCIDENT_LENGTHS)
    label = np.zeros(len(frame), dtype=np.int64)
    n_steps = 21 * STEPS_PER_DAY
    for incident in fleet.incidents.itertuples():
        lo, hi = INCIDENT_LENGTHS[incident.kind]
        assert lo <= incident.n_steps <= hi
        assert incident.onset >= 7 * STEPS_PER_DAY  # never in the warm-up week
        first = incident.service * n_steps + incident.onset
        label[first : first + incident.n_steps] = 1
        assert (frame["kind"].iloc[first : first + incident.n_steps] == incident.kind).all()
    np.testing.assert_array_equal(frame["label"].to_numpy(), label)
    assert not (frame["maintenance"] & (frame["label"] == 1)).any()
    for _, incidents in fleet.incidents.groupby("service"):
        onsets = incidents.sort_values("onset")
        gaps = (
            onsets["onset"].to_numpy()[1:] - (onsets["onset"] + onsets["n_steps"]).to_numpy()[:-1]
        )
        assert (gaps >= MIN_GAP_STEPS).all()


def test_maintenance_is_one_hour_a_week_and_loud(fleet):
    frame = fleet.frame
    weekly = frame.groupby("service")["maintenance"].sum()
    assert (weekly == 3 * MAINTENANCE_STEPS).all()  # 21 days: three windows per service
    hours = frame.loc[frame["maintenance"], "timestamp"].dt.hour
    assert hours.between(1, 3).all()
    quiet = frame[(frame["kind"] == "normal") & frame["timestamp"].dt.hour.between(1, 3)]
    busy = frame[frame["maintenance"]]
    assert busy["cpu"].mean() > quiet["cpu"].mean() + 25
    assert busy["error_rate"].mean() > 5 * quiet["error_rate"].mean()


def test_incidents_move_their_metric(fleet):
    frame = fleet.frame
    normal = frame[frame["kind"] == "normal"].groupby("service")[list(fleet.metrics)].median()
    for kind, metric, factor in [("latency", "latency_ms", 1.8), ("errors", "error_rate", 3.0)]:
        rows = frame[frame["kind"] == kind]
        ratio = rows[metric].to_numpy() / normal.loc[rows["service"], metric].to_numpy()
        assert np.median(ratio) > factor, kind
    cpu_rows = frame[frame["kind"] == "cpu"]
    assert (
        cpu_rows["cpu"].to_numpy() - normal.loc[cpu_rows["service"], "cpu"].to_numpy()
    ).mean() > 20


def test_daily_cycle_and_sequences(fleet):
    frame = fleet.frame
    normal = frame[frame["kind"] == "normal"]
    by_hour = normal.groupby(normal["timestamp"].dt.hour)["requests"].mean()
    assert by_hour.idxmax() in (14, 15, 16) and by_hour.idxmin() in (2, 3, 4)
    sequences = fleet.sequences([2, 0])
    assert [s.shape for s in sequences] == [(21 * STEPS_PER_DAY, 4)] * 2
    np.testing.assert_array_equal(
        sequences[1], frame.loc[frame["service"] == 0, list(fleet.metrics)].to_numpy()
    )


def test_same_seed_same_fleet_and_other_seed_another():
    first, again, other = (simulate_services(n_services=3, n_days=10, seed=s) for s in (4, 4, 5))
    pd.testing.assert_frame_equal(first.frame, again.frame)
    pd.testing.assert_frame_equal(first.incidents, again.incidents)
    assert not first.frame["latency_ms"].equals(other.frame["latency_ms"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_services": 0}, ValueError, "n_services"),
        ({"n_days": 1}, ValueError, "n_days"),
        ({"warmup_days": 21}, ValueError, "warmup_days"),
        ({"incidents_per_service": -1}, ValueError, "incidents_per_service"),
        ({"n_days": 3, "warmup_days": 2, "incidents_per_service": 20}, ValueError, "incidents"),
        ({"seed": -1}, ValueError, "seed"),
        ({"n_days": 2.5}, TypeError, "n_days"),
    ],
)
def test_rejects_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        simulate_services(**kwargs)
