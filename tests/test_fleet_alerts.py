"""adlib.fleet alerts: static limits, maintenance suppression, grouping and the alert flood."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adlib.fleet import (
    alert_flood,
    choose_policy,
    corroborate,
    group_alerts,
    limit_flags,
    match_incidents,
    simulate_fleet,
    static_limits,
    suppress_maintenance,
)

COLUMNS = ["service", "start", "end", "n_alerts", "n_series"]


@pytest.fixture(scope="module")
def fleet():
    return simulate_fleet(n_services=4, n_instances=2, n_days=3, warmup_days=1, seed=5)


def notifications(rows: list[tuple[int, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS, dtype=np.int64)


def slow_group_alerts(flags, series_service, start_step, gap_steps) -> pd.DataFrame:
    """The reference: walk each service's steps in order, opening a notification after a gap."""
    found = []
    for service in sorted(set(series_service.tolist())):
        columns = [j for j in range(flags.shape[1]) if series_service[j] == service]
        current = None
        for t in range(flags.shape[0]):
            flagged = [j for j in columns if flags[t, j]]
            if not flagged:
                continue
            step = start_step + t
            if current is None or step - current["end"] > gap_steps:
                current = {"service": service, "start": step, "alerts": 0, "series": set()}
                found.append(current)
            current["end"] = step
            current["alerts"] += len(flagged)
            current["series"].update(flagged)
    rows = [(n["service"], n["start"], n["end"], n["alerts"], len(n["series"])) for n in found]
    table = notifications(rows)
    return table.sort_values(["start", "service"], kind="stable").reset_index(drop=True)


def test_static_limits_give_the_target_false_alarm_rate_on_gaussian_data():
    rng = np.random.default_rng(0)
    scale = rng.uniform(0.5, 5.0, 40)
    calibration = rng.normal(10.0, scale, (50_000, 40))
    low, high = static_limits(calibration, false_alarm_rate=0.01)
    assert low.shape == high.shape == (40,)
    new = rng.normal(10.0, scale, (50_000, 40))
    flags = limit_flags(new, low, high)
    assert flags.shape == new.shape
    assert flags.dtype == bool
    assert flags.mean() == pytest.approx(0.01, rel=0.1)
    assert (new < low).mean() == pytest.approx(0.005, rel=0.15)


def test_limit_flags_are_strict_and_two_sided():
    values = np.array([[0.0, 5.0], [1.0, 6.0], [2.0, 7.0]])
    flags = limit_flags(values, low=[0.5, 5.0], high=[1.0, 6.5])
    assert flags.tolist() == [[True, False], [False, False], [True, True]]


def test_limits_refuse_bad_input():
    with pytest.raises(ValueError, match="false_alarm_rate"):
        static_limits(np.zeros((10, 2)), false_alarm_rate=0.0)
    with pytest.raises(ValueError, match="NaN"):
        static_limits(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="one limit per column"):
        limit_flags(np.zeros((3, 2)), [0.0], [1.0])
    with pytest.raises(ValueError, match="swap"):
        limit_flags(np.zeros((3, 1)), [1.0], [0.0])


def test_group_alerts_on_a_hand_written_example():
    flags = np.zeros((12, 4), dtype=bool)
    # service 0 owns series 0 and 1, service 1 owns series 2 and 3
    flags[[0, 2, 2, 9], [0, 0, 1, 1]] = True  # steps 0, 2 (two series) then 9: gap of 7
    flags[[3, 4, 5, 5, 11], [2, 3, 2, 3, 3]] = True  # steps 3-5, then 11: gap of 6
    table = group_alerts(flags, np.array([0, 0, 1, 1]), start_step=100, gap_steps=6)
    expected = notifications([(0, 100, 102, 3, 2), (1, 103, 111, 5, 2), (0, 109, 109, 1, 1)])
    pd.testing.assert_frame_equal(table, expected)
    split = group_alerts(flags, np.array([0, 0, 1, 1]), start_step=100, gap_steps=1)
    assert split[["service", "start", "end"]].values.tolist() == [
        [0, 100, 100],
        [0, 102, 102],
        [1, 103, 105],
        [0, 109, 109],
        [1, 111, 111],
    ]


@given(
    n_steps=st.integers(1, 40),
    n_series=st.integers(1, 8),
    n_services=st.integers(1, 4),
    density=st.floats(0.0, 0.5),
    gap_steps=st.integers(0, 6),
    start_step=st.integers(0, 1000),
    seed=st.integers(0, 2**32 - 1),
)
def test_group_alerts_matches_a_slow_reference(
    n_steps, n_series, n_services, density, gap_steps, start_step, seed
):
    rng = np.random.default_rng(seed)
    flags = rng.random((n_steps, n_series)) < density
    series_service = rng.integers(0, n_services, n_series)
    table = group_alerts(flags, series_service, start_step, gap_steps)
    pd.testing.assert_frame_equal(
        table, slow_group_alerts(flags, series_service, start_step, gap_steps)
    )
    assert table["n_alerts"].sum() == flags.sum()


def test_group_alerts_without_alerts_is_an_empty_table():
    table = group_alerts(np.zeros((5, 3), dtype=bool), np.array([0, 1, 1]))
    assert table.empty
    assert list(table.columns) == COLUMNS
    assert (table.dtypes == np.int64).all()


def test_group_alerts_refuses_bad_input():
    with pytest.raises(TypeError, match="bool"):
        group_alerts(np.zeros((5, 3)), np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="2-D"):
        group_alerts(np.zeros(5, dtype=bool), np.array([0]))
    with pytest.raises(ValueError, match="series_service"):
        group_alerts(np.zeros((5, 3), dtype=bool), np.array([0, 1]))
    with pytest.raises(ValueError, match="gap_steps"):
        group_alerts(np.zeros((5, 3), dtype=bool), np.array([0, 1, 1]), gap_steps=-1)


def test_suppress_maintenance_clears_exactly_the_maintenance_steps(fleet):
    flags = np.ones((fleet.n_steps - 10, fleet.n_series), dtype=bool)
    cleared = suppress_maintenance(flags, fleet, start_step=10)
    assert flags.all()  # the input is left alone
    service = fleet.series["service"].to_numpy()
    expected = ~fleet.maintenance(10, fleet.n_steps - 10)[:, service]
    assert np.array_equal(cleared, expected)
    assert (~cleared).sum() > 0


def test_alert_flood_on_a_constructed_case(fleet):
    # Three incidents of our own; service 1 owns series 8-15 (2 instances x 4 metrics).
    incidents = pd.DataFrame(
        {
            "service": [1, 2, 3],
            "kind": ["latency", "errors", "cpu"],
            "start": [400, 500, 900],
            "end": [419, 509, 929],
            "n_steps": [20, 10, 30],
        }
    )
    fleet = dataclasses.replace(fleet, incidents=incidents)
    start_step = 300
    flags = np.zeros((400, fleet.n_series), dtype=bool)  # steps 300-699: the 3rd is outside
    flags[[403 - start_step, 404 - start_step], 9] = True  # service 1, 15 min into its incident
    flags[404 - start_step, 13] = True  # its other instance, same notification
    flags[[495 - start_step, 501 - start_step], 16] = True  # service 2: opened 5 steps early
    flags[600 - start_step, 0] = True  # service 0: a false alarm
    flags[650 - start_step, 8] = True  # service 1, long after its incident: false alarm
    flood = alert_flood(flags, fleet, start_step=start_step, gap_steps=6)
    hours = 400 * 5 / 60
    assert flood["hours"] == pytest.approx(hours)
    assert flood["n_alerts"] == 7
    assert flood["alerts_per_hour"] == pytest.approx(7 / hours)
    assert flood["n_notifications"] == 4
    assert flood["notifications_per_hour"] == pytest.approx(4 / hours)
    assert flood["precision"] == pytest.approx(0.5)
    assert flood["n_incidents"] == 2
    assert flood["incidents_notified"] == pytest.approx(1.0)
    assert flood["median_delay_minutes"] == pytest.approx((15 + 0) / 2)


def test_alert_flood_without_alerts(fleet):
    flood = alert_flood(np.zeros((fleet.n_steps, fleet.n_series), dtype=bool), fleet)
    assert flood["n_notifications"] == 0
    assert np.isnan(flood["precision"])
    assert flood["n_incidents"] == len(fleet.incidents)
    assert np.isnan(flood["median_delay_minutes"])


def test_alert_flood_refuses_flags_that_do_not_fit_the_fleet(fleet):
    with pytest.raises(ValueError, match="columns"):
        alert_flood(np.zeros((5, 3), dtype=bool), fleet)
    with pytest.raises(ValueError, match="past the fleet's last step"):
        alert_flood(np.zeros((5, fleet.n_series), dtype=bool), fleet, start_step=fleet.n_steps)
    with pytest.raises(TypeError, match="Fleet"):
        suppress_maintenance(np.zeros((5, 3), dtype=bool), "fleet")


def test_corroborate_keeps_flags_seen_by_enough_series_of_a_service():
    rng = np.random.default_rng(11)
    flags = rng.random((40, 12)) < 0.2
    service = np.repeat([2, 0, 1], 4)
    for k in (1, 2, 3):
        kept = corroborate(flags, service, k)
        for t in range(40):
            for j in range(12):
                peers = flags[t, service == service[j]].sum()
                assert kept[t, j] == (flags[t, j] and peers >= k)


def test_corroborate_refuses_bad_input():
    with pytest.raises(ValueError, match="one per column"):
        corroborate(np.zeros((3, 4), bool), np.zeros(3, int))
    with pytest.raises(ValueError, match="min_series"):
        corroborate(np.zeros((3, 4), bool), np.zeros(4, int), 0)
    with pytest.raises(ValueError, match="negative"):
        corroborate(np.zeros((3, 4), bool), np.array([0, -1, 0, 0]))


def test_match_incidents_agrees_with_the_flood_summary(fleet):
    rng = np.random.default_rng(12)
    flags = rng.random((fleet.n_steps, fleet.n_series)) < 0.002
    outcomes = match_incidents(flags, fleet, gap_steps=3)
    flood = alert_flood(flags, fleet, gap_steps=3)
    assert len(outcomes.notifications) == flood["n_notifications"]
    assert outcomes.notifications["true"].mean() == pytest.approx(flood["precision"])
    assert outcomes.incidents["notified"].mean() == pytest.approx(flood["incidents_notified"])
    delays = outcomes.incidents["delay_minutes"]
    assert delays.isna().eq(~outcomes.incidents["notified"]).all()


def test_choose_policy_follows_its_rule():
    reports = pd.DataFrame(
        {
            "precision": [0.9, 0.85, 0.5, 0.95],
            "incidents_notified": [0.6, 0.7, 0.9, 0.7],
            "notifications_per_hour": [1.0, 2.0, 5.0, 1.5],
        },
        index=["a", "b", "c", "d"],
    )
    assert choose_policy(reports, 0.8) == "d"
    assert choose_policy(reports, 0.99) == "d"
    assert choose_policy(reports.drop(index="d"), 0.8) == "b"
    with pytest.raises(ValueError, match="lacks"):
        choose_policy(reports.drop(columns="precision"), 0.8)
    with pytest.raises(TypeError, match="non-empty"):
        choose_policy(pd.DataFrame(), 0.8)
