"""python -m adlib.bench: a table and a JSON file of torch vs ONNX Runtime latencies."""

from __future__ import annotations

import json

import pytest

from adlib import bench


def test_bench_writes_a_table_and_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    bench.main(["--repeats", "10", "--batch-size", "32", "--out", str(out)])
    report = json.loads(out.read_text())
    pairs = {(r["model"], r["runtime"]) for r in report["results"]}
    assert pairs == {
        (model, runtime)
        for model in ("autoencoder", "lstm_autoencoder")
        for runtime in ("torch", "onnxruntime")
    }
    for result in report["results"]:
        assert 0 < result["p50_ms"] <= result["p99_ms"]
        assert result["batch_size"] == 32 and result["batch_per_s"] > 0
    assert report["setup"]["threads"] == 1 and report["setup"]["repeats"] == 10
    printed = capsys.readouterr().out
    assert "lstm_autoencoder  onnxruntime" in printed and f"written to {out}" in printed


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"repeats": 5}, "repeats"), ({"batch_size": 0}, "batch_size"), ({"threads": 0}, "threads")],
)
def test_bench_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bench.run_benchmark(**kwargs)


def test_latency_runs_give_one_row_of_percentiles_per_run():
    calls = []
    table = bench.latency_runs(lambda: calls.append(1), runs=3, calls=10, warmup=4)
    assert len(calls) == 4 + 3 * 10
    assert list(table.columns) == ["p50", "p95", "p99", "cpu p50", "cpu p95", "cpu p99"]
    assert len(table) == 3
    for prefix in ("", "cpu "):
        assert (table[f"{prefix}p50"] <= table[f"{prefix}p95"]).all()
        assert (table[f"{prefix}p95"] <= table[f"{prefix}p99"]).all()
    with pytest.raises(ValueError, match="calls"):
        bench.latency_runs(lambda: None, calls=5)
    with pytest.raises(TypeError, match="callable"):
        bench.latency_runs(None)
