"""adlib.serve.alerts: pages, page precision, static rules, debouncing (notebook 13)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adlib.data import simulate_services
from adlib.data.simulators.services import STEPS_PER_DAY
from adlib.serve import (
    alert_report,
    choose_page_after,
    debounce,
    evaluate_alerts,
    limit_flags,
    pages_per_day,
    service_limits,
    static_flags,
)
from adlib.thresholds import F1OptimalThreshold, PrecisionTargetThreshold

RULES = {"cpu": 80.0, "latency_ms": 500.0, "error_rate": 0.01}


def _frame(flags_by_service, labels_by_service):
    """A tiny period: one row per (service, step), sorted by service then step."""
    rows = []
    for service, (flags, labels) in enumerate(
        zip(flags_by_service, labels_by_service, strict=True)
    ):
        for step, (flag, label) in enumerate(zip(flags, labels, strict=True)):
            rows.append({"service": service, "step": step, "label": label, "flag": flag})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def fleet():
    return simulate_services(n_services=4, n_days=10, seed=3).frame


# --- reference implementation: debouncing written as a loop over each service's steps ----------


def _reference_debounce(part, flags, page_after):
    """Loop form: a step is kept when it and the page_after - 1 before it are all flagged."""
    out = np.zeros(len(part), dtype=int)
    for positions in part.groupby("service").indices.values():
        for k, position in enumerate(positions):
            window = positions[max(0, k - page_after + 1) : k + 1]
            out[position] = int(len(window) == page_after and np.all(flags[window] == 1))
    return out


# --- alert_report -----------------------------------------------------------------------------


def test_report_counts_pages_incidents_and_delay_by_hand():
    part = _frame(
        [[0, 1, 1, 0, 0, 1, 0, 0], [1, 0, 0, 0, 0, 0, 1, 1]],
        [[0, 0, 1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 0, 1, 1]],
    )
    report = alert_report(part, part["flag"], steps_per_day=4, step_minutes=5)
    # pages: (1-2) true, (5) false, (0) false, (6-7) true -> 4 pages over 2 days, 2 true
    assert report["pages per day"] == 2.0
    assert report["page precision"] == 0.5
    # incidents: service 0 steps 2-4 caught at step 2 (delay 0); service 1 steps 3-4 missed,
    # steps 6-7 caught at once
    assert report["incidents caught"] == pytest.approx(2 / 3)
    assert report["median delay (min)"] == 0.0
    assert report["step precision"] == pytest.approx(3 / 6)
    assert report["step recall"] == pytest.approx(3 / 7)


def test_report_measures_the_delay_in_minutes():
    part = _frame([[0, 0, 0, 1, 1, 0]], [[0, 1, 1, 1, 1, 0]])
    report = alert_report(part, part["flag"], steps_per_day=6, step_minutes=5)
    assert report["median delay (min)"] == 10.0
    assert report["page precision"] == 1.0


def test_no_flag_means_no_page_and_nan_precisions(fleet):
    report = alert_report(fleet, np.zeros(len(fleet), dtype=int))
    assert report["pages per day"] == 0
    assert np.isnan(report["page precision"]) and np.isnan(report["step precision"])
    assert report["incidents caught"] == 0 and np.isnan(report["median delay (min)"])


def test_no_incident_gives_nan_rather_than_dividing_by_zero():
    part = _frame([[1, 0, 0, 1]], [[0, 0, 0, 0]])
    report = alert_report(part, part["flag"], steps_per_day=4)
    assert report["page precision"] == 0.0
    assert np.isnan(report["incidents caught"]) and np.isnan(report["step recall"])


def test_flagging_everything_pages_once_per_service(fleet):
    report = alert_report(fleet, np.ones(len(fleet)))
    n_days = fleet["step"].nunique() / STEPS_PER_DAY
    assert report["pages per day"] == pytest.approx(fleet["service"].nunique() / n_days)
    assert report["step recall"] == 1.0 and report["incidents caught"] == 1.0


@pytest.mark.parametrize(
    ("flags", "error", "match"),
    [
        (np.zeros(3), ValueError, "one 0/1 value per row"),
        (np.full(8, 2), ValueError, "only 0 and 1"),
        (np.zeros((8, 1)), ValueError, "one 0/1 value per row"),
    ],
)
def test_report_rejects_bad_flags(flags, error, match):
    part = _frame([[0] * 8], [[0] * 8])
    with pytest.raises(error, match=match):
        alert_report(part, flags)


def test_report_rejects_a_frame_without_the_columns_it_reads():
    with pytest.raises(ValueError, match="no column \\['label'\\]"):
        alert_report(pd.DataFrame({"service": [0], "step": [0]}), [1])
    with pytest.raises(TypeError, match="pandas DataFrame"):
        alert_report(np.zeros((3, 3)), [0, 0, 0])
    with pytest.raises(ValueError, match="empty"):
        alert_report(pd.DataFrame(columns=["service", "step", "label"]), [])


def test_report_rejects_bad_units():
    part = _frame([[0, 1]], [[0, 1]])
    with pytest.raises(ValueError, match="step_minutes"):
        alert_report(part, part["flag"], step_minutes=0)
    with pytest.raises(TypeError, match="steps_per_day"):
        alert_report(part, part["flag"], steps_per_day=1.5)


# --- static_flags, debounce, pages_per_day ----------------------------------------------------


def test_static_flags_is_the_or_of_the_rules(fleet):
    expected = (
        (fleet["cpu"] > 80) | (fleet["latency_ms"] > 500) | (fleet["error_rate"] > 0.01)
    ).to_numpy()
    np.testing.assert_array_equal(static_flags(fleet, RULES), expected)
    np.testing.assert_array_equal(
        static_flags(fleet, {"cpu": 80.0}), (fleet["cpu"] > 80).to_numpy()
    )


def test_static_flags_rejects_bad_rules(fleet):
    with pytest.raises(ValueError, match="non-empty mapping"):
        static_flags(fleet, {})
    with pytest.raises(ValueError, match="no column \\['memory'\\]"):
        static_flags(fleet, {"memory": 90.0})
    with pytest.raises(TypeError, match="rules\\['cpu'\\]"):
        static_flags(fleet, {"cpu": "80"})


def test_debounce_keeps_runs_of_page_after_steps_within_a_service():
    part = _frame([[1, 1, 0, 1, 1, 1], [1, 0, 1, 1, 0, 0]], [[0] * 6, [0] * 6])
    got = debounce(part, part["flag"], page_after=2)
    np.testing.assert_array_equal(got, [0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0])
    np.testing.assert_array_equal(debounce(part, part["flag"], 1), part["flag"])
    # the last flag of service 0 does not start a run in service 1
    assert got[6] == 0


def test_debounce_matches_a_loop_on_the_fleet(fleet, rng):
    flags = (rng.random(len(fleet)) < 0.3).astype(int)
    for page_after in (2, 3):
        np.testing.assert_array_equal(
            debounce(fleet, flags, page_after), _reference_debounce(fleet, flags, page_after)
        )


def test_debounce_rejects_a_bad_run_length(fleet):
    with pytest.raises(ValueError, match="page_after"):
        debounce(fleet, np.zeros(len(fleet)), 0)


def test_pages_per_day_sum_to_the_reports_pages(fleet, rng):
    flags = rng.random(len(fleet)) < 0.02
    counts = pages_per_day(fleet, flags)
    n_days = fleet["step"].nunique() / STEPS_PER_DAY
    assert counts.shape == (int(n_days),)
    assert counts.sum() == pytest.approx(alert_report(fleet, flags)["pages per day"] * n_days)


def test_pages_per_day_counts_a_page_on_its_first_day():
    part = _frame([[0, 1, 1, 1, 0, 1]], [[0] * 6])
    np.testing.assert_array_equal(pages_per_day(part, part["flag"], steps_per_day=2), [1, 0, 1])


# --- evaluate_alerts --------------------------------------------------------------------------


def test_evaluate_alerts_uses_the_precision_target_when_validation_reaches_it(fleet, rng):
    y = fleet["label"].to_numpy()
    scores = y + rng.normal(0, 0.3, len(y))
    result = evaluate_alerts(scores, y, scores, fleet, 0.8)
    rule = PrecisionTargetThreshold(0.8).fit(scores, y)
    assert result.threshold == rule.threshold_
    np.testing.assert_array_equal(result.flags, rule.predict(scores))
    assert result.report == alert_report(fleet, result.flags) | {
        "target reached on validation": 1.0
    }


def test_evaluate_alerts_falls_back_to_f1_and_says_so(fleet, rng):
    y = fleet["label"].to_numpy()
    scores = rng.random(len(y))  # random scores cannot reach precision 0.95
    result = evaluate_alerts(scores, y, scores, fleet, 0.95)
    assert result.threshold == F1OptimalThreshold().fit(scores, y).threshold_
    assert result.report["target reached on validation"] == 0.0


def test_evaluate_alerts_rejects_mismatched_test_scores(fleet):
    y = fleet["label"].to_numpy()
    with pytest.raises(ValueError, match="score every test row"):
        evaluate_alerts(y.astype(float), y, np.zeros(5), fleet, 0.8)
    with pytest.raises(ValueError, match="target"):
        evaluate_alerts(y.astype(float), y, y.astype(float), fleet, 1.5)


# --- per-service limits and the debounce length chosen on validation ---------------------------


def test_service_limits_are_per_service_quantiles_and_flag_above_them(fleet):
    limits = service_limits(fleet, ["cpu", "latency_ms"], 0.01)
    for service, part in fleet.groupby("service"):
        assert limits.loc[service, "cpu"] == pytest.approx(part["cpu"].quantile(0.99))
    flags = limit_flags(fleet, limits)
    expected = (fleet["cpu"].to_numpy() > limits.loc[fleet["service"], "cpu"].to_numpy()) | (
        fleet["latency_ms"].to_numpy() > limits.loc[fleet["service"], "latency_ms"].to_numpy()
    )
    np.testing.assert_array_equal(flags, expected)
    # about the stated share of each service's rows lies above its own limit, per metric
    assert limit_flags(fleet, limits[["cpu"]]).mean() == pytest.approx(0.01, abs=0.005)


def test_service_limits_and_limit_flags_reject_bad_input(fleet):
    with pytest.raises(ValueError, match="false_alarm_rate"):
        service_limits(fleet, ["cpu"], 0.0)
    with pytest.raises(ValueError, match="no column"):
        service_limits(fleet, ["memory"], 0.01)
    limits = service_limits(fleet[fleet["service"] < 2], ["cpu"], 0.01)
    with pytest.raises(ValueError, match="no row for services"):
        limit_flags(fleet, limits)


def test_choose_page_after_takes_the_fewest_pages_above_the_recall_floor():
    # service 0: blips of 1 step (false) and one incident flagged for 2 steps; service 1: an
    # incident flagged for 4 steps. Length 2 keeps both incidents, length 3 loses one.
    part = _frame(
        [[1, 0, 1, 0, 1, 1, 0, 0], [0, 1, 1, 1, 1, 0, 0, 0]],
        [[0, 0, 0, 0, 1, 1, 0, 0], [0, 1, 1, 1, 1, 0, 0, 0]],
    )
    k, grid = choose_page_after(part, part["flag"], grid=(1, 2, 3, 4), keep=1.0)
    assert k == 2
    assert list(grid.index) == [1, 2, 3, 4]
    assert grid.loc[1, "pages per day"] > grid.loc[2, "pages per day"]
    assert grid.loc[3, "incidents caught"] == 0.5
    # a lower floor allows the longer length, which pages less
    assert choose_page_after(part, part["flag"], grid=(1, 2, 3, 4), keep=0.5)[0] == 3


def test_choose_page_after_rejects_bad_arguments(fleet):
    flags = np.zeros(len(fleet), dtype=int)
    with pytest.raises(ValueError, match="grid"):
        choose_page_after(fleet, flags, grid=())
    with pytest.raises(ValueError, match="keep"):
        choose_page_after(fleet, flags, keep=1.5)
    with pytest.raises(ValueError, match="flags"):
        choose_page_after(fleet, flags[:-1])
