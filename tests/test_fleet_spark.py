"""adlib.fleet on Spark: batch and stream scores equal numpy's, and nothing is lost on failure.

One local[2] session for the module (start-up costs ~10 s). The stream tests write small
JSON files (one step of 200 series each, plus bad rows), stop the query mid-stream (and,
separately, kill its driver process), restart from the checkpoint, and check that every
good row was scored exactly once, continuing the fitted state, and every bad row reached
the dead-letter sink exactly once with its reason.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from adlib.fleet.detector import FleetDetector
from adlib.fleet.spark import bucket_series, score_batch, score_onnx
from adlib.fleet.spark_session import (
    OWNER_FILE,
    PANDAS3_MESSAGE,
    check_java,
    java_version,
    local_spark,
    remove_stale_scratch,
)
from adlib.fleet.stream_job import save_detector
from adlib.fleet.streaming import (
    committed_batches,
    progress_table,
    read_outputs,
    start_stream,
    stop_gracefully,
    wait_for_batches,
    write_source_files,
)

N_SERIES, N_STEPS = 200, 12
# pyspark 4.3 warns that pandas 3 is not fully supported, and calls a pandas method with a
# deprecated keyword; the tests below show the results equal the numpy reference under
# pandas 3. Only these two messages are ignored (local_spark does the same outside pytest).
pytestmark = [
    pytest.mark.xdist_group("spark"),
    pytest.mark.filterwarnings(f"ignore:{PANDAS3_MESSAGE}:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:DeprecationWarning"),
]
PARITY = 1e-12


@pytest.fixture(scope="module")
def spark():
    try:
        check_java()
    except RuntimeError as error:
        pytest.skip(f"no usable Java for Spark: {error}")
    with local_spark(cores=2, n_buckets=4) as session:
        yield session


def fleet_values(seed: int, n_steps: int) -> np.ndarray:
    """(n_steps, N_SERIES) noisy levels with a few spikes, in multiples of 1/1024.

    Multiples of 2**-10 print exactly with 10 decimals, so the JSON files hold exactly
    the values the numpy reference scores.
    """
    rng = np.random.default_rng(seed)
    level = rng.uniform(1.0, 50.0, N_SERIES)
    values = level + rng.normal(0.0, 1.0 + 0.05 * level, (n_steps, N_SERIES))
    values[rng.integers(0, n_steps, 6), rng.integers(0, N_SERIES, 6)] += 40.0
    return np.round(values * 1024.0) / 1024.0


@pytest.fixture(scope="module")
def detector():
    return FleetDetector(warmup=20).fit(fleet_values(1, 80))


def long_rows(values: np.ndarray) -> pd.DataFrame:
    steps, series = np.indices(values.shape)
    return pd.DataFrame({"series": series.ravel(), "step": steps.ravel(), "value": values.ravel()})


def test_bucket_series_partition_the_fleet():
    members = np.concatenate([bucket_series(b, N_SERIES, 7) for b in range(7)])
    assert np.array_equal(np.sort(members), np.arange(N_SERIES))


def test_batch_scores_equal_numpy(spark, detector):
    values = fleet_values(2, 15)
    z_ref, _ = detector.score(values)
    rows = long_rows(values).sample(frac=1.0, random_state=0)  # order must not matter
    frame = spark.createDataFrame(rows)
    scored = score_batch(spark, frame, detector, n_buckets=7).toPandas()
    scored = scored.sort_values(["step", "series"], ignore_index=True)
    assert len(scored) == values.size
    np.testing.assert_allclose(scored["z"].to_numpy(), z_ref.ravel(), rtol=0, atol=PARITY)
    assert np.array_equal(scored["flag"].to_numpy(), detector.flags(z_ref).ravel())
    alerts = score_batch(spark, frame, detector, n_buckets=7, alerts_only=True).toPandas()
    assert len(alerts) == scored["flag"].sum() > 0


#: (step file it is appended to, line, the dead-letter reason expected)
BAD_LINES = [
    (3, '{"series": 3, "step": 3, "value": NaN}', "value not finite"),
    (3, '{"series": 4, "step": 3, "value": "abc"}', "value not a number"),
    (3, '{"series": 999, "step": 3, "value": 1.0}', "unknown series"),
    (3, '{"series": 5, "step": 3, "value": null}', "null field"),
    (3, '{"series": "x", "step": 3, "value": 1.0}', "series or step not an integer"),
    (3, "this line is not JSON", "null field"),
    (5, '{"series": 7, "step": 5, "value": 2.5}', "repeated (series, step)"),
    (5, '{"series": 8, "step": 1, "value": 2.5}', "late (step already scored)"),
]


def write_input(source: Path) -> tuple:
    """JSON files, one step each, with BAD_LINES appended; the values and the line count."""
    values = fleet_values(3, N_STEPS)
    paths = write_source_files(long_rows(values), source, fmt="json")
    for step in {step for step, _, _ in BAD_LINES}:
        stamp = paths[step].stat().st_mtime
        with paths[step].open("a") as handle:
            handle.writelines(f"{line}\n" for at, line, _ in BAD_LINES if at == step)
        os.utime(paths[step], (stamp, stamp))  # the file source reads in modification order
    return values, values.size + len(BAD_LINES)


def check_exactly_once(out: Path, values: np.ndarray, n_lines: int, detector) -> None:
    """Every good row once with the continuing z, every bad line once with its reason."""
    scored, dead = read_outputs(out)
    assert len(scored) + len(dead) == n_lines
    assert not scored.duplicated(["series", "step"]).any()
    scored = scored.sort_values(["step", "series"], ignore_index=True)
    assert len(scored) == values.size
    assert np.array_equal(scored["value"].to_numpy(), values.ravel())
    z_ref, _ = detector.score(values)  # from the fitted state: no cold restart
    np.testing.assert_allclose(scored["z"].to_numpy(), z_ref.ravel(), rtol=0, atol=PARITY)
    alerts = scored[scored["flag"]]
    assert len(alerts) == detector.flags(z_ref).sum() > 0
    reasons = dict(zip(dead["raw"], dead["reason"], strict=True))
    assert len(reasons) == len(dead) == len(BAD_LINES)
    for _, line, reason in BAD_LINES:
        matches = [raw for raw in reasons if _same_record(raw, line)]
        assert len(matches) == 1, (line, sorted(reasons))
        assert reasons[matches[0]] == reason


def _same_record(raw: str, line: str) -> bool:
    """A dead letter's raw text against the line written (JSON spacing and quoting differ)."""

    def canonical(text: str) -> str:
        return text.replace(" ", "").replace('"', "").replace(".0", "")

    return canonical(raw) == canonical(line)


def test_stream_stopped_mid_stream_resumes_exactly_once(spark, detector, tmp_path):
    values, n_lines = write_input(tmp_path / "source")
    args = (spark, detector, tmp_path / "source", tmp_path / "out", tmp_path / "checkpoint", 4)
    query = start_stream(*args, fmt="json", max_files_per_trigger=1, trigger_seconds=0.5)
    wait_for_batches(query, tmp_path / "checkpoint", 2)
    assert stop_gracefully(query)
    progress = progress_table(query)
    assert committed_batches(tmp_path / "checkpoint") < N_STEPS  # stopped mid-stream
    assert {"batch_id", "input_rows", "trigger_ms", "rows_per_s"} <= set(progress.columns)
    query = start_stream(*args, fmt="json", max_files_per_trigger=N_STEPS, trigger_seconds=None)
    query.awaitTermination(120)
    assert query.exception() is None
    check_exactly_once(tmp_path / "out", values, n_lines, detector)


def test_stream_resumes_exactly_once_after_its_driver_is_killed(spark, detector, tmp_path):
    values, n_lines = write_input(tmp_path / "source")
    command = [sys.executable, "-m", "adlib.fleet.stream_job", "--fmt", "json", "--n-buckets", "4"]
    command += ["--cores", "1", "--trigger", "0.5", "--max-files", "1"]
    for name in ("source", "out", "checkpoint"):
        command += [f"--{name}", str(tmp_path / name)]
    command += ["--tmp-root", str(tmp_path)]  # a killed job leaves its scratch in tmp_path
    command += ["--detector", str(save_detector(detector, tmp_path / "detector.pkl"))]
    log = (tmp_path / "job.log").open("w")
    # its own process group: SIGKILL reaches the JVM and the Python workers too, at once
    job = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 150
        while committed_batches(tmp_path / "checkpoint") < 2:
            assert job.poll() is None, (tmp_path / "job.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the job committed no 2 batches in 150 s"
            time.sleep(0.05)
    finally:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
        log.close()
    assert committed_batches(tmp_path / "checkpoint") < N_STEPS  # killed mid-stream
    assert len(remove_stale_scratch(tmp_path)) == 1  # the killed job's Spark scratch
    args = (spark, detector, tmp_path / "source", tmp_path / "out", tmp_path / "checkpoint", 4)
    query = start_stream(*args, fmt="json", max_files_per_trigger=N_STEPS, trigger_seconds=None)
    query.awaitTermination(120)
    assert query.exception() is None
    check_exactly_once(tmp_path / "out", values, n_lines, detector)


def test_packed_stream_scores_equal_numpy_and_keeps_bad_rows(spark, detector, tmp_path):
    values = fleet_values(6, 6)
    paths = write_source_files(long_rows(values), tmp_path / "source")
    bad = pa.table(
        {
            "series": pa.array([3, 999, 5], pa.int64()),
            "step": pa.array([2, 2, 2], pa.int64()),
            "value": pa.array([float("nan"), 1.0, None], pa.float64()),
        }
    )
    pq.write_table(bad, tmp_path / "source" / "bad.parquet")
    (tmp_path / "source" / "garbage.parquet").write_text("not parquet")
    stamp = paths[2].stat().st_mtime + 0.5  # read after step 2's file, before step 3's
    for name in ("bad.parquet", "garbage.parquet"):
        os.utime(tmp_path / "source" / name, (stamp, stamp))
    args = (spark, detector, tmp_path / "source", tmp_path / "out", tmp_path / "checkpoint", 4)
    query = start_stream(*args, fmt="packed", max_files_per_trigger=3, trigger_seconds=None)
    query.awaitTermination(120)
    assert query.exception() is None
    scored, dead = read_outputs(tmp_path / "out")
    scored = scored.sort_values(["step", "series"], ignore_index=True)
    z_ref, _ = detector.score(values)
    np.testing.assert_allclose(scored["z"].to_numpy(), z_ref.ravel(), rtol=0, atol=PARITY)
    reasons = dict(zip(dead["reason"].str.split(":").str[0], dead["raw"], strict=True))
    assert sorted(reasons) == [
        "null field",
        "unknown series",
        "unreadable file",
        "value not finite",
    ]
    assert reasons["unreadable file"].endswith("garbage.parquet")
    assert progress_table(query)["input_rows"].sum() == values.size + 4


def reconstruction_model(path: Path, n_features: int) -> Path:
    """A tiny ONNX scorer built by hand (no torch export): mean squared error of x @ W vs x.

    It carries the metadata adlib.serve.export_onnx writes, so OnnxScorer reads it like
    an exported autoencoder; the test is about running it inside Spark.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weights = np.random.default_rng(7).normal(size=(n_features, n_features))
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["y"]),
        helper.make_node("Sub", ["y", "x"], ["e"]),
        helper.make_node("Mul", ["e", "e"], ["e2"]),
        helper.make_node("ReduceMean", ["e2", "axes"], ["score"], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "reconstruction",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["batch", n_features])],
        [helper.make_tensor_value_info("score", TensorProto.DOUBLE, ["batch"])],
        [numpy_helper.from_array(weights, "W"), numpy_helper.from_array(np.array([1]), "axes")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=10)
    helper.set_model_props(model, {"adlib_detector": "handmade", "input_kind": "rows"})
    onnx.save(model, path)
    return path


def test_onnx_scores_in_spark_equal_onnx_runtime(spark, tmp_path):
    from adlib.serve import OnnxScorer

    X = np.random.default_rng(4).normal(size=(300, 4))
    path = reconstruction_model(tmp_path / "model.onnx", 4)
    columns = ["f0", "f1", "f2", "f3"]
    frame = pd.DataFrame(X, columns=columns).assign(service=np.arange(300) % 7, step=np.arange(300))
    frame = spark.createDataFrame(frame)  # two partitions: one ONNX Runtime session each
    scored = score_onnx(spark, frame, path, columns).toPandas()
    scored = scored.sort_values("step", ignore_index=True)
    np.testing.assert_allclose(scored["score"], OnnxScorer(path).score_samples(X), rtol=1e-12)
    assert np.array_equal(scored["service"], np.arange(300) % 7)
    with pytest.raises(ValueError, match="takes 4 inputs"):
        score_onnx(spark, frame, path, columns[:3])
    with pytest.raises(ValueError, match="does not exist"):
        score_onnx(spark, frame, tmp_path / "missing.onnx", columns)


def test_bad_arguments_are_refused(spark, detector, tmp_path):
    frame = spark.createDataFrame(long_rows(fleet_values(5, 2)))
    with pytest.raises(TypeError, match="FleetDetector"):
        score_batch(spark, frame, "detector", 4)
    with pytest.raises(ValueError, match="not fitted"):
        score_batch(spark, frame, FleetDetector(), 4)
    with pytest.raises(ValueError, match="n_buckets must be in"):
        score_batch(spark, frame, detector, 0)
    with pytest.raises(ValueError, match="more than the 200 series"):
        score_batch(spark, frame, detector, 500)
    with pytest.raises(ValueError, match="lacks the columns"):
        score_batch(spark, frame.drop("value"), detector, 4)
    args = (spark, detector, tmp_path / "source", tmp_path / "out", tmp_path / "checkpoint")
    with pytest.raises(ValueError, match="emit must be one of"):
        start_stream(*args, 4, emit="everything")
    with pytest.raises(ValueError, match="fmt must be one of"):
        start_stream(*args, 4, fmt="csv")
    write_source_files(long_rows(fleet_values(5, 2)), tmp_path / "source")
    start_stream(*args, 4, trigger_seconds=None).awaitTermination(120)
    with pytest.raises(ValueError, match="restart with the same detector and n_buckets"):
        start_stream(*args, 5)


def test_scratch_of_dead_sessions_is_removed(tmp_path):
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    for name, pid in (
        ("adlib-spark-dead", finished.stdout.strip()),
        ("adlib-spark-live", os.getpid()),
    ):
        (tmp_path / name).mkdir()
        (tmp_path / name / OWNER_FILE).write_text(str(pid))
    assert remove_stale_scratch(tmp_path) == [tmp_path / "adlib-spark-dead"]
    assert (tmp_path / "adlib-spark-live").is_dir()


def test_java_that_is_missing_or_too_old_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(RuntimeError, match="apt-get install openjdk-17-jre-headless"):
        check_java()
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    java.chmod(0o755)
    assert java_version(str(java)) == 11
    with pytest.raises(RuntimeError, match="is Java 11"):
        check_java()


def test_spark_rates_measure_a_batch_and_a_stream_fed_at_a_rate(spark, tmp_path):
    from adlib.fleet.simulator import simulate_fleet
    from adlib.fleet.spark_throughput import batch_rate, stream_at_rate

    fleet = simulate_fleet(10, 2, n_days=8, incidents_per_service=0.1, warmup_days=7, seed=3)
    fitted = FleetDetector(warmup=20).fit(fleet.values(0, 300))
    batch = batch_rate(spark, spark.createDataFrame(fleet.rows(300, 4)), fitted, 4, repeats=1)
    assert batch["values_per_s"] > 0 and batch["partitions"] == 4 and batch["workers"] == 2
    stream = stream_at_rate(
        spark,
        fitted,
        fleet,
        tmp_path,
        start_step=300,
        n_files=3,
        steps_per_file=2,
        file_period_s=0.2,
        trigger_seconds=0.2,
        n_buckets=4,
    )
    assert stream["batches"]["input_rows"].sum() == 3 * 2 * fleet.n_series
    assert 0 < stream["p50_s"] <= stream["p95_s"] and stream["values_per_s"] > 0
    assert stream["offered_per_s"] == pytest.approx(2 * fleet.n_series / 0.2)
