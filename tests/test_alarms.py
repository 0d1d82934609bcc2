"""adlib.alarms: persisted scores, alarm episodes, first alarms and the warning report."""

import numpy as np
import pandas as pd
import pytest

from adlib import metrics
from adlib.alarms import AlarmProtocol, AlarmReport, alarm_episodes, persisted
from adlib.data import sliding_windows


def window_mean(windows):
    return windows.mean(axis=(1, 2))


def newest(windows):
    return windows[:, -1, 0]


# --------------------------------------------------------------------------- persisted


def test_persisted_is_a_rolling_minimum_like_pandas():
    scores = np.random.default_rng(0).normal(size=50)
    for persist in (1, 2, 3, 7, 60):
        expected = pd.Series(scores).rolling(persist, min_periods=1).min().to_numpy()
        np.testing.assert_array_equal(persisted(scores, persist), expected)


def test_persisted_drops_a_short_transient_and_keeps_a_sustained_rise():
    scores = np.array([0, 5, 5, 0, 0, 5, 5, 5, 5, 0], dtype=float)
    np.testing.assert_array_equal(persisted(scores, 3) > 1, [0, 0, 0, 0, 0, 0, 0, 1, 1, 0])


def test_persisted_refuses_bad_input():
    with pytest.raises(TypeError, match="persist"):
        persisted([1.0, 2.0], 1.5)
    with pytest.raises(ValueError, match="persist"):
        persisted([1.0, 2.0], 0)
    with pytest.raises(ValueError, match="scores"):
        persisted([], 2)
    with pytest.raises(ValueError, match=r"finite|NaN"):
        persisted([1.0, np.nan], 2)


# --------------------------------------------------------------------------- episodes


@pytest.mark.parametrize(
    ("steps", "expected"),
    [([], 0), ([4], 1), ([3, 4, 5, 9], 2), ([1, 3, 5], 3), ([10, 11, 12], 1)],
)
def test_alarm_episodes_counts_runs_of_consecutive_steps(steps, expected):
    assert alarm_episodes(np.array(steps, dtype=int)) == expected


def test_alarm_episodes_refuses_unsorted_or_2d_steps():
    with pytest.raises(ValueError, match="increasing"):
        alarm_episodes([5, 3])
    with pytest.raises(ValueError, match="1-D"):
        alarm_episodes([[1, 2]])


# --------------------------------------------------------------------------- unit scores


def test_unit_scores_start_at_first_step_and_index_periods():
    history = np.arange(20, dtype=float)
    protocol = AlarmProtocol(window=4, first_step=10)
    (scores,) = protocol.unit_scores(newest, [history])
    assert scores.shape == (10,)
    np.testing.assert_array_equal(scores, history[10:])  # index 0 is period 10
    default = AlarmProtocol(window=4).unit_scores(newest, [history])[0]
    np.testing.assert_array_equal(default, history[3:])  # from the end of the first window


def test_unit_scores_match_the_notebook_07_and_09_recipes():
    rng = np.random.default_rng(1)
    histories = [rng.normal(size=(n, 2)) for n in (30, 41, 25)]
    monthly = [window_mean(sliding_windows(h, 6))[12 - 6 + 1 :] for h in histories]
    got = AlarmProtocol(window=6, first_step=12).unit_scores(window_mean, histories)
    for a, b in zip(got, monthly, strict=True):
        np.testing.assert_array_equal(a, b)
    hourly = [
        pd.Series(newest(sliding_windows(h, 5))).rolling(3, min_periods=1).min().to_numpy()
        for h in histories
    ]
    got = AlarmProtocol(window=5, persist=3).unit_scores(newest, histories)
    for a, b in zip(got, hourly, strict=True):
        np.testing.assert_array_equal(a, b)


def test_unit_scores_refuse_bad_input():
    protocol = AlarmProtocol(window=4, first_step=10)
    with pytest.raises(TypeError, match="function"):
        protocol.unit_scores("mean", [np.zeros(20)])
    with pytest.raises(ValueError, match="none after period 10"):
        protocol.unit_scores(newest, [np.zeros(10)])
    with pytest.raises(ValueError, match="one score per window"):
        protocol.unit_scores(lambda w: np.zeros(3), [np.zeros(20)])
    with pytest.raises(ValueError, match="longer than the series"):
        protocol.unit_scores(newest, [np.zeros(3)])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"window": 0}, ValueError, "window"),
        ({"window": 6, "first_step": 2}, ValueError, "first_step"),
        ({"window": 6, "persist": 0}, ValueError, "persist"),
        ({"window": 6, "quantile": 1.5}, ValueError, "quantile"),
        ({"window": 6, "threshold_over": "hours"}, ValueError, "threshold_over"),
        ({"window": 6.0}, TypeError, "window"),
    ],
)
def test_protocol_refuses_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=match):
        AlarmProtocol(**kwargs)


# --------------------------------------------------------------------------- thresholds


def test_threshold_over_units_takes_each_units_maximum():
    units = [np.array([0.0, 5.0]), np.array([1.0, 2.0]), np.array([3.0])]
    assert AlarmProtocol(window=1, quantile=1.0).threshold(units) == 5.0
    assert AlarmProtocol(window=1, quantile=0.0).threshold(units) == 2.0
    steps = AlarmProtocol(window=1, quantile=0.5, threshold_over="steps")
    assert steps.threshold(units) == np.quantile([0, 5, 1, 2, 3], 0.5)


def test_threshold_refuses_empty_validation():
    with pytest.raises(ValueError, match="empty"):
        AlarmProtocol(window=1).threshold([])
    with pytest.raises(TypeError, match="list of per-unit"):
        AlarmProtocol(window=1).threshold(np.zeros(5))


# --------------------------------------------------------------------------- the report


def test_first_alarms_respect_onset_and_give_nan_when_never():
    protocol = AlarmProtocol(window=1)
    units = [np.array([0, 2, 0, 0, 2, 2.0]), np.zeros(6), np.array([0, 0, 0, 0, 0, 2.0])]
    np.testing.assert_array_equal(protocol.first_alarms(units, 1.0), [1, np.nan, 5])
    np.testing.assert_array_equal(protocol.first_alarms(units, 1.0, [3, 0, 0]), [4, np.nan, 5])


def test_report_counts_warnings_leads_and_false_alarms():
    protocol = AlarmProtocol(window=1, quantile=1.0, threshold_over="steps")
    validation = [np.array([0.0, 1.0])]  # threshold 1.0: alarms need scores above it
    healthy = [np.zeros(10), np.array([0, 2, 2, 0, 2, 0, 0, 0, 0, 0.0])]  # two episodes
    failing = [
        np.array([0, 2, 0, 0, 0, 0, 2, 2, 2, 2.0]),  # false alarm at 1, then from 6 on
        np.zeros(10),  # never alarms
        np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 2.0]),  # alarm after its event (event 8)
    ]
    report = protocol.report(
        validation, healthy, failing, event_times=[10, 10, 8], onset_times=[4, 4, 4], leads=[1, 4]
    )
    assert isinstance(report, AlarmReport)
    assert report.threshold == 1.0
    np.testing.assert_array_equal(report.first_alarms, [6, np.nan, 9])
    np.testing.assert_array_equal(report.lead_times, [4, np.nan, -1])
    np.testing.assert_array_equal(report.warned, [1 / 3, 1 / 3])
    assert report.caught == pytest.approx(2 / 3)
    assert report.median_lead == 1.5  # of 4 and -1: caught, but one after its event
    assert report.healthy_flagged == 0.5
    assert report.false_alarms == 3  # one before onset, two episodes on a healthy unit
    assert report.healthy_periods == 3 * 4 + 2 * 10
    assert report.false_alarms_per(32) == pytest.approx(3.0)


def test_report_without_onset_counts_every_alarm_of_a_failing_unit_as_warning():
    protocol = AlarmProtocol(window=1, first_step=0, quantile=0.0)
    report = protocol.report([np.array([1.0])], [np.zeros(5)], [np.array([0, 2, 0, 0.0])], [3])
    assert report.first_alarms.tolist() == [1.0]
    assert report.false_alarms == 0
    assert report.healthy_periods == 5


def test_report_with_no_alarm_at_all():
    protocol = AlarmProtocol(window=1, quantile=1.0)
    report = protocol.report([np.ones(4)], [np.zeros(4)], [np.zeros(4)], [3], leads=2)
    assert np.isnan(report.first_alarms).all()
    assert report.warned.tolist() == [0.0]
    assert report.caught == 0.0
    assert np.isnan(report.median_lead)
    assert report.false_alarms == 0 and report.healthy_flagged == 0.0


def test_report_matches_the_notebook_09_reference():
    # sensor_report of notebook 09 before it moved here, on random units
    rng = np.random.default_rng(3)
    window, persist, quantile = 5, 3, 0.99
    val, healthy, failing = ([rng.normal(size=(60, 1)) for _ in range(k)] for k in (4, 3, 6))
    onset = rng.integers(20, 40, size=6).astype(float)
    for h, o in zip(failing, onset, strict=True):
        h[int(o) :] += np.linspace(0, 6, len(h) - int(o))[:, None]
    failure = np.full(6, 60.0)

    def hourly(units):
        return [
            pd.Series(newest(sliding_windows(s, window))).rolling(persist, min_periods=1).min()
            for s in units
        ]

    threshold = np.quantile(np.concatenate(hourly(val)), quantile)
    first, false_alarms, healthy_hours = [], 0, 0
    for scores, start in zip(hourly(failing), onset, strict=True):
        hours = np.flatnonzero(scores > threshold) + window - 1
        after = hours[hours >= start]
        first.append(after[0] if after.size else np.nan)
        false_alarms += alarm_episodes(hours[hours < start])
        healthy_hours += start - window + 1
    for scores in hourly(healthy):
        false_alarms += alarm_episodes(np.flatnonzero(scores > threshold) + window - 1)
        healthy_hours += len(scores)
    protocol = AlarmProtocol(window, persist=persist, quantile=quantile, threshold_over="steps")
    parts = (protocol.unit_scores(newest, units) for units in (val, healthy, failing))
    report = protocol.report(*parts, failure, onset_times=onset, leads=[10])
    assert report.threshold == threshold
    np.testing.assert_array_equal(report.first_alarms, np.array(first, dtype=float))
    assert report.false_alarms_per(720) == false_alarms / healthy_hours * 720
    assert report.warned[0] == metrics.advance_warning_rate(first, failure, [10])[0]


def test_report_refuses_mismatched_events_and_onsets():
    protocol = AlarmProtocol(window=1)
    units = [np.zeros(4)]
    with pytest.raises(ValueError, match="event_times has 2 entries for 1 failing"):
        protocol.report(units, units, units, [1, 2])
    with pytest.raises(ValueError, match="onset_times has 2 entries"):
        protocol.report(units, units, units, [1], onset_times=[0, 1])
    with pytest.raises(ValueError, match="failing is empty"):
        protocol.report(units, units, [], [])
    with pytest.raises(ValueError, match="leads must be >= 0"):
        protocol.report(units, units, units, [3], leads=[-1])


def test_false_alarms_per_refuses_a_bad_period_or_no_healthy_periods():
    report = AlarmProtocol(window=1, first_step=0).report(
        [np.zeros(3)], [np.zeros(2)], [np.zeros(3)], [2]
    )
    with pytest.raises(ValueError, match="periods"):
        report.false_alarms_per(0)
    empty = AlarmReport(0.0, *[np.zeros(0)] * 4, 0.0, 0.0, 0.0, 0, 0.0)
    with pytest.raises(ValueError, match="no healthy period"):
        empty.false_alarms_per(720)
