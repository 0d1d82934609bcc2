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
