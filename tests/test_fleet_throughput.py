"""adlib.fleet.throughput: rates on one core and on Dask workers, and their arithmetic."""

from __future__ import annotations

import json

import numpy as np
import pytest

from adlib import bench
from adlib.fleet.detector import FleetDetector
from adlib.fleet.throughput import (
    block_detector,
    budget_check,
    cores_needed,
    dask_rate,
    dask_score,
    format_fleet_table,
    numpy_rate,
)


@pytest.fixture(scope="module")
def fitted():
    """A detector fitted on 60 steps of 37 series (levels and scales differ), and 20 more."""
    rng = np.random.default_rng(0)
    level, scale = rng.uniform(0, 100, 37), rng.uniform(0.1, 10, 37)
    values = level + scale * rng.standard_normal((80, 37))
    values[70, 5] += 50 * scale[5]  # an outlier, clipped in the state
    return FleetDetector(warmup=10).fit(values[:60]), values[60:]


def test_numpy_rate_is_positive_and_its_z_equals_score(fitted):
    detector, values = fitted
    result = numpy_rate(detector, values, repeats=2)
    assert result["values_per_s"] >= result["values_per_s_median"] > 0
    assert 0 < result["p50_s"] <= result["p95_s"]
    assert (result["engine"], result["workers"], result["n_steps"]) == ("numpy", 1, 20)
    assert np.array_equal(result["z"], detector.score(values)[0])


def test_block_detector_continues_the_fleet_state_of_its_series(fitted):
    detector, values = fitted
    part = block_detector(detector, [7, 3, 30])
    assert np.array_equal(part.state_.series, [0, 1, 2])
    assert np.array_equal(part.state_.mean, detector.state_.mean[[3, 7, 30]])
    assert np.array_equal(part.thresholds_, detector.thresholds_[[3, 7, 30]])
    assert np.array_equal(
        part.score(values[:, [3, 7, 30]])[0], detector.score(values)[0][:, [3, 7, 30]]
    )
    assert detector.state_.series.size == 37  # the fleet's detector is untouched


@pytest.mark.parametrize("partitions", [1, 4, 37])
def test_dask_score_in_process_equals_numpy(fitted, partitions):
    detector, values = fitted
    z, state = detector.score(values)
    dask_z, dask_state, seconds = dask_score(detector, values, partitions)
    assert np.array_equal(dask_z, z) and seconds > 0
    for field in ("series", "mean", "var", "count"):
        assert np.array_equal(getattr(dask_state, field), getattr(state, field))


@pytest.mark.parametrize("n_workers", [1, 2])
def test_dask_rate_on_workers_equals_numpy_bit_for_bit(fitted, n_workers):
    detector, values = fitted
    result = dask_rate(detector, values, n_workers=n_workers, partitions=3, repeats=2)
    assert np.array_equal(result["z"], detector.score(values)[0])
    assert result["values_per_s"] >= result["values_per_s_median"] > 0
    assert result["startup_s"] > 0 and result["scoring_s"] > 0
    assert (result["workers"], result["partitions"], result["batch"]) == (n_workers, 3, "20 steps")


def test_cores_needed_is_a_rounded_up_ratio():
    assert cores_needed(1e6, 9e6) == 1
    assert cores_needed(1e7, 2.5e6) == 4
    assert cores_needed(1e7 + 1, 2.5e6) == 5
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="per_core_rate"):
            cores_needed(1e6, bad)
    with pytest.raises(TypeError, match="target_values_per_s"):
        cores_needed("1e6", 1e6)


@pytest.mark.parametrize(
    ("args", "flags", "starts"),
    [
        ((1e7, 0.01, 0.02, 0.0), (True, True, True), "met end to end"),
        ((1e7, 0.01, 0.02, 0.05), (True, True, True), "met end to end"),
        ((1e7, 0.05, 0.08, 0.5), (True, True, False), "met per micro-batch"),
        ((2e5, 1.4, 2.9, 1.0), (True, False, False), "met only per value"),
        ((5.0, 1.0, 2.0, 1.0), (False, False, False), "not met"),
    ],
)
def test_budget_check_separates_value_batch_and_end_to_end(args, flags, starts):
    check = budget_check(*args)
    assert (check["per_value_met"], check["batch_met"], check["end_to_end_met"]) == flags
    assert check["verdict"].startswith(starts)
    assert check["per_value_s"] == pytest.approx(1 / args[0])
    assert check["wait_s"] == max(args[3], args[2])
    assert check["end_to_end_p95_s"] == pytest.approx(max(args[3], args[2]) + args[2])


def test_budget_check_uses_a_measured_end_to_end_latency():
    check = budget_check(1e7, 0.05, 0.08, 0.5, end_to_end_p95_s=0.09)
    assert check["end_to_end_met"] and check["end_to_end_p95_s"] == 0.09
    with pytest.raises(ValueError, match="end_to_end_p95_s"):
        budget_check(1e7, 0.05, 0.08, 0.5, end_to_end_p95_s=-1.0)


def test_budget_check_rejects_bad_latencies():
    with pytest.raises(ValueError, match="p95_s"):
        budget_check(1e6, 0.5, 0.2, 1.0)
    with pytest.raises(ValueError, match="interval_s"):
        budget_check(1e6, 0.1, 0.2, -1.0)
    with pytest.raises(ValueError, match="budget_s"):
        budget_check(1e6, 0.1, 0.2, 1.0, budget_s=0.0)
    with pytest.raises(ValueError, match="values_per_s"):
        budget_check(float("nan"), 0.1, 0.2, 1.0)


def test_rates_reject_bad_input(fitted):
    detector, values = fitted
    with pytest.raises(TypeError, match="FleetDetector"):
        numpy_rate(object(), values)
    with pytest.raises(ValueError, match="not fitted"):
        dask_score(FleetDetector(), values)
    with pytest.raises(ValueError, match="37 series"):
        numpy_rate(detector, values[:, :5])
    bad = values.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="values"):
        dask_score(detector, bad)
    with pytest.raises(ValueError, match="2-D"):
        numpy_rate(detector, values[0])
    with pytest.raises(ValueError, match="repeats"):
        numpy_rate(detector, values, repeats=0)
    with pytest.raises(ValueError, match="partitions"):
        dask_score(detector, values, partitions=38)
    with pytest.raises(ValueError, match="partitions"):
        dask_rate(detector, values, n_workers=2, partitions=1)
    with pytest.raises(ValueError, match="n_workers"):
        dask_rate(detector, values, n_workers=0)


def test_format_fleet_table_shows_missing_cells_as_dashes():
    rows = [
        {
            "engine": "numpy",
            "workers": 1,
            "batch": "1 step",
            "values_per_s": 9.1e6,
            "p50_s": 2e-3,
            "p95_s": 3e-3,
        },
        {
            "engine": "dask",
            "workers": 2,
            "partitions": 4,
            "batch": "288 steps",
            "values_per_s": 7.9e6,
            "p50_s": 1.2,
            "p95_s": None,
        },
    ]
    lines = format_fleet_table(rows).splitlines()
    assert lines[0].split() == [
        "engine",
        "workers",
        "parts",
        "batch",
        "values/s",
        "p50",
        "ms",
        "p95",
        "ms",
    ]
    assert lines[2].split() == ["numpy", "1", "-", "1", "step", "9,100,000", "2.00", "3.00"]
    assert lines[3].split() == ["dask", "2", "4", "288", "steps", "7,900,000", "1200.00", "-"]
    with pytest.raises(ValueError, match="non-empty"):
        format_fleet_table([])
    with pytest.raises(ValueError, match="values_per_s"):
        format_fleet_table([{"engine": "x", "workers": 1, "batch": "1"}])


def test_bench_fleet_cli_writes_a_table_and_json(tmp_path, capsys):
    out = tmp_path / "fleet.json"
    tiny = ["--series", "20", "--steps", "12", "--calibration-days", "1", "--repeats", "1"]
    bench.main(["fleet", *tiny, "--no-spark", "--out", str(out)])
    report = json.loads(out.read_text())
    assert report["setup"]["n_series"] == 32  # 2 services × 4 instances × 4 metrics
    assert [(r["engine"], r["workers"]) for r in report["results"]] == [
        ("numpy", 1),
        ("dask", 1),
        ("dask", 2),
    ]
    for row in report["results"]:
        assert row["values_per_s"] > 0 and row["cores_for_1e+06_per_s"] >= 1
        assert "z" not in row
    assert report["results"][0]["budget_100ms"].startswith("met end to end")
    printed = capsys.readouterr().out
    assert (
        "dask                     2      4  12 steps" in printed and f"written to {out}" in printed
    )
    with pytest.raises(SystemExit):
        bench.main(["fleet", "--series"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_series": 0}, "n_series"),
        ({"n_steps": 0}, "n_steps"),
        ({"calibration_days": 0}, "calibration_days"),
        ({"buckets": [0]}, "buckets"),
        ({"intervals": [-1.0]}, "intervals"),
        ({"intervals": [0.0]}, "intervals"),
        ({"buckets": []}, "buckets"),
    ],
)
def test_run_fleet_benchmark_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bench.run_fleet_benchmark(**kwargs)
