"""adlib.serve.stream: the serving loop of notebook 13 and its fault report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adlib.data import simulate_services
from adlib.serve import (
    HealthReport,
    InputSchema,
    Monitor,
    fault_report,
    health_check,
    serve_call,
    serve_stream,
    step_batches,
)

METRICS = ["requests", "latency_ms", "error_rate", "cpu"]


@pytest.fixture(scope="module")
def part():
    frame = simulate_services(n_services=3, n_days=2, warmup_days=1, seed=1).frame
    return frame[frame["step"] < 48].reset_index(drop=True)


def _identity(raw, services, steps):
    return raw


@pytest.fixture(scope="module")
def schema(part):
    return InputSchema().fit(part[METRICS].to_numpy())


# --- step_batches -----------------------------------------------------------------------------


def test_step_batches_give_one_call_per_step_with_every_service(part):
    batches = step_batches(part, METRICS)
    assert len(batches) == part["step"].nunique()
    for raw, services, steps in batches:
        assert raw.shape == (3, 4)
        np.testing.assert_array_equal(services, [0, 1, 2])
        assert len(set(steps)) == 1
        expected = part[part["step"] == steps[0]][METRICS].to_numpy()
        np.testing.assert_array_equal(raw, expected)


def test_step_batches_refuse_an_unsorted_or_incomplete_frame(part):
    with pytest.raises(ValueError, match="sorted by service then step"):
        step_batches(part.sort_values(["step", "service"]), METRICS)
    with pytest.raises(ValueError, match="every service at every step"):
        step_batches(part.drop(index=5), METRICS)
    with pytest.raises(ValueError, match="no column"):
        step_batches(part, ["memory"])
    with pytest.raises(TypeError, match="DataFrame"):
        step_batches(part.to_numpy(), METRICS)


# --- serve_stream -----------------------------------------------------------------------------


def test_serve_stream_records_every_call_and_checks_every_hour(part, schema):
    batches = step_batches(part, METRICS)
    monitor = Monitor(window=100)
    cpu = lambda x: x[:, 3]  # noqa: E731 - a score: the CPU itself
    timeline = serve_stream(batches, _identity, schema, cpu, 30.0, monitor)
    assert monitor.call_count == len(batches) and monitor.error_count == 0
    assert monitor.prediction_count == len(part)
    assert monitor.anomaly_count == int((part["cpu"] > 30).sum())
    assert len(timeline) == len(batches) // 12
    assert list(timeline.columns) == ["step", "anomaly rate", "error rate", "problems"]
    assert timeline["step"].tolist() == [11, 23, 35, 47]
    assert all(problems == [] for problems in timeline["problems"])


def test_serve_stream_rejects_broken_batches_without_scoring_them(part, schema):
    batches = step_batches(part, METRICS)
    broken = [(raw.copy(), s, t) for raw, s, t in batches]
    broken[3][0][:, 3] = np.nan
    scored = []

    def score(x):
        scored.append(len(x))
        return x[:, 3]

    monitor = Monitor(window=100)
    check = lambda m: health_check(m, 0.5, rate_tolerance=10.0, check_quiet=False)  # noqa: E731
    timeline = serve_stream(broken, _identity, schema, score, 30.0, monitor, check)
    assert monitor.error_count == 1 and len(scored) == len(batches) - 1
    assert timeline["problems"].iloc[0][0].startswith("error rate")


def test_serve_stream_passes_the_same_arguments_to_featurise(part, schema):
    seen = []

    def featurise(raw, services, steps):
        seen.append((services.copy(), steps.copy()))
        return raw

    batches = step_batches(part, METRICS)[:12]
    serve_stream(batches, featurise, schema, lambda x: x[:, 0], 1e9, Monitor(10), check_every=4)
    assert [int(steps[0]) for _, steps in seen] == list(range(12))


def test_serve_stream_rejects_bad_arguments(part, schema):
    batches = step_batches(part, METRICS)
    with pytest.raises(TypeError, match="Monitor"):
        serve_stream(batches, _identity, schema, np.sum, 1.0, monitor=object())
    with pytest.raises(ValueError, match="check_every"):
        serve_stream(batches, _identity, schema, np.sum, 1.0, Monitor(), check_every=0)
    with pytest.raises(TypeError, match="InputSchema"):
        serve_stream(batches, _identity, None, np.sum, 1.0, Monitor())


# --- fault_report -----------------------------------------------------------------------------


def _timeline(problems_by_check):
    return pd.DataFrame(
        {
            "step": [12 * (i + 1) - 1 for i in range(len(problems_by_check))],
            "problems": problems_by_check,
            "unhealthy": [bool(p) for p in problems_by_check],
        }
    )


def test_fault_report_times_and_attributes_the_first_alarm():
    timeline = _timeline(
        [[], ["error rate 0.5 above 0.01 (3 rejected)"], [], [], ["anomaly rate 0.3 above"], []]
    )
    spans = {"nan feed": (12, 23), "frozen": (30, 59), "quiet": (60, 62)}
    report = fault_report(timeline, spans, grace_steps=0)
    assert list(report.index) == ["nan feed", "frozen", "quiet"]
    assert report.loc["nan feed", "caught by"] == "input validation"
    assert report.loc["nan feed", "first problem reported"] == "error rate 0.5 above 0.01"
    assert report.loc["nan feed", "hours to first alarm"] == pytest.approx(12 / 12)
    assert report.loc["frozen", "caught by"] == "anomaly rate"
    assert report.loc["frozen", "hours to first alarm"] == pytest.approx((59 - 30 + 1) / 12)
    assert not report.loc["quiet", "caught"]
    assert np.isnan(report.loc["quiet", "hours to first alarm"])


def test_fault_report_counts_alarms_within_the_grace_period():
    timeline = _timeline([[], [], ["anomaly rate high"]])
    spans = {"fault": (0, 11)}
    assert not fault_report(timeline, spans, grace_steps=0).loc["fault", "caught"]
    assert fault_report(timeline, spans, grace_steps=24).loc["fault", "caught"]


def test_fault_report_rejects_bad_input():
    timeline = _timeline([[]])
    with pytest.raises(ValueError, match="'unhealthy'"):
        fault_report(timeline.drop(columns="unhealthy"), {"f": (0, 1)}, 0)
    with pytest.raises(ValueError, match="before it starts"):
        fault_report(timeline, {"f": (5, 1)}, 0)
    with pytest.raises(ValueError, match="grace_steps"):
        fault_report(timeline, {"f": (0, 1)}, -1)


def test_health_report_type_is_what_checks_return():
    assert isinstance(health_check(Monitor(), 0.1), HealthReport)


def test_serve_call_flags_a_batch_and_rejects_a_broken_one(part, schema):
    batch = step_batches(part, METRICS)[0]
    flags = serve_call(batch, _identity, schema, lambda x: x[:, 1], threshold=0.0)
    assert flags.dtype == bool and flags.shape == (3,) and flags.all()
    broken = (batch[0].copy(), batch[1], batch[2])
    broken[0][0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        serve_call(broken, _identity, schema, lambda x: x[:, 1], threshold=0.0)
