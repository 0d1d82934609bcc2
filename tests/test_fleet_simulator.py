"""adlib.fleet.simulate_fleet: the fleet-scale service metrics of notebook 14, block by block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adlib.data import simulate_services
from adlib.data.simulators.services import (
    INCIDENT_LENGTHS,
    MAINTENANCE_STEPS,
    MIN_GAP_STEPS,
    START,
    STEP_MINUTES,
    STEPS_PER_DAY,
    _traffic_profile,
)
from adlib.fleet import Fleet, simulate_fleet
from adlib.fleet import simulator as simulator_module
from adlib.fleet.simulator import LABELLED_METRICS

SMALL = {"n_services": 30, "n_instances": 3, "n_days": 10, "incidents_per_service": 2.0}


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return simulate_fleet(**SMALL, warmup_days=3, seed=7)


@pytest.fixture(scope="module")
def values(fleet) -> np.ndarray:
    return fleet.values()


def by_metric(array: np.ndarray) -> np.ndarray:
    """(n_steps, n_series) -> (n_steps, n_instances_in_fleet, 4), in Fleet.metrics order."""
    return array.reshape(array.shape[0], -1, 4)


def test_shapes_and_dtypes(fleet, values):
    n_series = 30 * 3 * 4
    assert (fleet.n_series, fleet.n_steps) == (n_series, 10 * STEPS_PER_DAY)
    assert values.shape == (fleet.n_steps, n_series)
    assert values.dtype == np.float64
    labels = fleet.labels(5, 7)
    assert labels.shape == (7, n_series)
    assert labels.dtype == np.int8
    maintenance = fleet.maintenance(5, 7)
    assert maintenance.shape == (7, 30)
    assert maintenance.dtype == bool
    series = fleet.series
    assert list(series.columns) == ["series", "service", "instance", "metric"]
    assert (series["series"].to_numpy() == np.arange(n_series)).all()
    for column in ("series", "service", "instance"):
        assert series[column].dtype == np.int64, column
    expected_id = (series["service"] * 3 + series["instance"]) * 4 + series["metric"].map(
        Fleet.metrics.index
    )
    assert (expected_id == series["series"]).all()
    incidents = fleet.incidents
    assert list(incidents.columns[:5]) == ["service", "kind", "start", "end", "n_steps"]
    for column in ("service", "start", "end", "n_steps"):
        assert incidents[column].dtype == np.int64, column


def test_any_block_equals_the_same_rows_of_a_longer_one(fleet, values):
    for start, n_steps in [(0, 1), (17, 5), (1000, 300), (fleet.n_steps - 1, 1)]:
        block = fleet.values(start, n_steps)
        assert np.array_equal(block, values[start : start + n_steps]), (start, n_steps)
    assert np.array_equal(fleet.values(2000), values[2000:])


def test_blocks_agree_across_internal_chunks(fleet, values, monkeypatch):
    monkeypatch.setattr(simulator_module, "_CHUNK_VALUES", 1000)  # chunks of 2 steps
    assert np.array_equal(fleet.values(101, 9), values[101:110])


def test_the_same_seed_repeats_and_another_seed_differs(fleet, values):
    again = simulate_fleet(**SMALL, warmup_days=3, seed=7)
    assert np.array_equal(again.values(0, 50), values[:50])
    pd.testing.assert_frame_equal(again.incidents, fleet.incidents)
    other = simulate_fleet(**SMALL, warmup_days=3, seed=8)
    assert not np.allclose(other.values(0, 50), values[:50])
    assert not other.incidents[["service", "start"]].equals(fleet.incidents[["service", "start"]])


def test_rows_are_the_values_in_long_format(fleet, values):
    rows = fleet.rows(40, 3)
    assert list(rows.columns) == ["series", "step", "value"]
    assert [rows[c].dtype for c in rows.columns] == [np.int64, np.int64, np.float64]
    assert len(rows) == 3 * fleet.n_series
    assert (rows["step"].to_numpy() == np.repeat([40, 41, 42], fleet.n_series)).all()
    assert (rows["series"].to_numpy() == np.tile(np.arange(fleet.n_series), 3)).all()
    assert np.array_equal(rows["value"].to_numpy(), values[40:43].ravel())


def test_service_parameters_are_drawn_as_in_notebook_13():
    fleet = simulate_fleet(n_services=20, n_days=3, warmup_days=1, seed=3)
    columns = ["service", "peak_requests_per_min", "idle_cpu", "peak_cpu", "idle_latency_ms"]
    columns += ["error_rate", "maintenance_day", "maintenance_hour"]
    services = simulate_services(20, n_days=3, incidents_per_service=0, warmup_days=1, seed=3)
    services = services.services
    pd.testing.assert_frame_equal(fleet.services[columns], services[columns])


def test_values_are_physical(values):
    requests, latency, error_rate, cpu = np.moveaxis(by_metric(values), 2, 0)
    assert (requests >= 0).all()
    assert (requests == np.round(requests)).all()
    assert (latency > 0).all()
    assert ((error_rate >= 0) & (error_rate <= 1)).all()
    assert ((cpu >= 0.5) & (cpu <= 100)).all()


def test_requests_follow_the_daily_cycle(fleet, values):
    index = pd.date_range(START, periods=fleet.n_steps, freq=f"{STEP_MINUTES}min")
    profile = _traffic_profile(index)
    requests = by_metric(values)[:, :, 0]
    assert np.corrcoef(requests.sum(axis=1), profile)[0, 1] > 0.99
    per_instance = [np.corrcoef(column, profile)[0, 1] for column in requests.T]
    assert min(per_instance) > 0.9


def test_instances_share_traffic_by_their_load(fleet, values):
    requests = by_metric(values)[:, :, 0].sum(axis=0).reshape(30, 3)
    share = requests / requests.sum(axis=1, keepdims=True)
    load = fleet.instance_load / fleet.instance_load.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(share, load, rtol=0.01)
    assert ((fleet.instance_load >= 0.8) & (fleet.instance_load <= 1.2)).all()


def test_incidents_are_scheduled_as_documented(fleet):
    incidents = fleet.incidents
    assert len(incidents) > 0
    assert (incidents["end"] - incidents["start"] + 1 == incidents["n_steps"]).all()
    for kind, (low, high) in INCIDENT_LENGTHS.items():
        lengths = incidents.loc[incidents["kind"] == kind, "n_steps"]
        assert lengths.between(low, high).all(), kind
    assert (incidents["start"] >= 3 * STEPS_PER_DAY).all()
    assert (incidents["end"] < fleet.n_steps).all()
    maintenance = fleet.maintenance()
    for row in incidents.itertuples():
        assert not maintenance[row.start : row.end + 1, row.service].any()
    for _, group in incidents.sort_values("start").groupby("service"):
        gaps = group["start"].to_numpy()[1:] - group["end"].to_numpy()[:-1] - 1
        assert (gaps >= MIN_GAP_STEPS).all()


def test_incident_count_is_poisson_with_the_requested_mean():
    fleet = simulate_fleet(n_services=400, n_instances=1, incidents_per_service=1.5, seed=1)
    assert len(fleet.incidents) / 400 == pytest.approx(1.5, abs=0.2)
    quiet = simulate_fleet(n_services=5, incidents_per_service=0.0)
    assert quiet.incidents.empty
    assert list(quiet.incidents.columns) == list(fleet.incidents.columns)
    assert not quiet.labels(0, 300).any()


def test_labels_mark_the_moved_metrics_of_every_instance_of_the_service(fleet):
    expected = np.zeros((fleet.n_steps, 30, 3, 4), dtype=np.int8)
    for row in fleet.incidents.itertuples():
        for metric in LABELLED_METRICS[row.kind]:
            expected[row.start : row.end + 1, row.service, :, Fleet.metrics.index(metric)] = 1
    labels = fleet.labels()
    assert np.array_equal(labels, expected.reshape(fleet.n_steps, -1))
    assert np.array_equal(fleet.labels(1500, 400), labels[1500:1900])


def test_incidents_and_maintenance_move_the_metrics(fleet, values):
    metrics = by_metric(values)
    labels = by_metric(fleet.labels())
    maintenance = np.repeat(fleet.maintenance(), 3, axis=1)
    quiet = (labels.max(axis=2) == 0) & ~maintenance
    error_rate, cpu = metrics[:, :, 2], metrics[:, :, 3]
    assert error_rate[labels[:, :, 2] == 1].mean() > 5 * error_rate[quiet].mean()
    assert error_rate[maintenance].mean() > 5 * error_rate[quiet].mean()
    assert cpu[maintenance].mean() > cpu[quiet].mean() + 20
    days_per_weekday = np.bincount(
        np.arange(10) % 7, minlength=7
    )  # days 0-2 of the week come twice
    expected = days_per_weekday[fleet.services["maintenance_day"]] * MAINTENANCE_STEPS
    assert (fleet.maintenance().sum(axis=0) == expected).all()


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="n_services"):
        simulate_fleet(n_services=0)
    with pytest.raises(TypeError, match="n_instances"):
        simulate_fleet(n_instances=1.5)
    with pytest.raises(ValueError, match="warmup_days"):
        simulate_fleet(n_days=7, warmup_days=7)
    with pytest.raises(ValueError, match="incidents_per_service"):
        simulate_fleet(incidents_per_service=-1.0)
    with pytest.raises(ValueError, match="incidents_per_service"):
        simulate_fleet(n_days=2, warmup_days=1, incidents_per_service=100.0)
    with pytest.raises(ValueError, match="seed"):
        simulate_fleet(seed=-1)
    with pytest.raises(ValueError, match="too many"):
        simulate_fleet(n_services=10**8, n_instances=100)


def test_bad_blocks_are_refused(fleet):
    with pytest.raises(ValueError, match="start"):
        fleet.values(fleet.n_steps)
    with pytest.raises(ValueError, match="runs past"):
        fleet.values(fleet.n_steps - 2, 3)
    with pytest.raises(ValueError, match="n_steps"):
        fleet.labels(0, 0)
    with pytest.raises(TypeError, match="start"):
        fleet.rows(1.0, 2)


def test_a_block_too_large_is_refused_with_advice():
    big = simulate_fleet(n_services=50_000, n_instances=4, incidents_per_service=0.0)
    for method in (big.values, big.labels, big.rows):
        with pytest.raises(ValueError, match="fewer steps at a time"):
            method(0, 2 * STEPS_PER_DAY * 7)
    assert big.values(0, 1).shape == (1, 800_000)
