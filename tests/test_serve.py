"""adlib.serve: the input contract, the monitor and health check, the model artefact."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from adlib.detectors import AutoencoderDetector, IsolationForestDetector, VAEDetector
from adlib.serve import (
    InputError,
    InputSchema,
    Monitor,
    health_check,
    load_artefact,
    save_artefact,
)


@pytest.fixture
def X_train(rng):
    return rng.normal(size=(300, 4))


# --- schema -----------------------------------------------------------------------------------


def test_schema_accepts_rows_like_training(X_train, rng):
    schema = InputSchema().fit(X_train)
    batch = rng.normal(size=(10, 4))
    np.testing.assert_array_equal(schema.validate(batch), batch)
    assert schema.validate(batch[0]).shape == (1, 4)


@pytest.mark.parametrize(
    ("batch", "match"),
    [
        (np.zeros((5, 3)), "expected rows of 4 features, got shape"),
        (np.zeros((0, 4)), "the batch is empty"),
        (np.array([["a", "b", "c", "d"]]), "values must be numbers"),
        (np.zeros((2, 4), dtype=complex), "real numbers, got complex128: the imaginary part"),
        (np.array([[0.0, np.nan, 0.0, 0.0], [np.inf, 0, 0, 0]]), "2 NaN or inf values"),
        (np.array([[0.0, 0.0, 1e6, 0.0]]), r"outside the training range in features \[2\]"),
    ],
)
def test_schema_rejects_each_kind_of_bad_input(X_train, batch, match):
    schema = InputSchema().fit(X_train)
    with pytest.raises(InputError, match=match):
        schema.validate(batch)


def test_schema_lists_every_problem_and_round_trips(X_train):
    schema = InputSchema(margin=0.0).fit(X_train)
    with pytest.raises(InputError) as caught:
        schema.validate(np.array([[np.nan, 0.0, 0.0, 1e6]]))
    assert len(caught.value.problems) == 2
    rebuilt = InputSchema.from_dict(json.loads(json.dumps(schema.to_dict())))
    np.testing.assert_array_equal(rebuilt.low_, X_train.min(axis=0))
    with pytest.raises(ValueError, match="not fitted yet"):
        InputSchema().validate(X_train)
    with pytest.raises(ValueError, match="margin"):
        InputSchema(margin=-1.0)


# --- monitor and health -----------------------------------------------------------------------


def test_monitor_counts_rates_and_percentiles():
    monitor = Monitor(window=100)
    latencies = np.arange(1, 101) / 1000  # 1 ms ... 100 ms
    for latency in latencies:
        monitor.record(10, 1, float(latency))
    monitor.record_error()
    assert monitor.prediction_count == 1000 and monitor.anomaly_count == 100
    assert monitor.error_count == 1 and monitor.error_rate == pytest.approx(1 / 100)
    assert monitor.anomaly_rate == pytest.approx(0.1)
    expected = np.quantile(latencies * 1e3, [0.5, 0.95, 0.99])
    assert list(monitor.latency_ms().values()) == pytest.approx(expected)


def test_monitor_window_forgets_old_calls():
    monitor = Monitor(window=10)
    for _ in range(10):
        monitor.record(1, 1, 1.0)
    for _ in range(10):
        monitor.record(1, 0, 0.001)
    assert monitor.anomaly_rate == 0.0
    assert monitor.latency_ms((99,))["p99"] == pytest.approx(1.0)
    for _ in range(3):
        monitor.record_error()
    assert monitor.error_rate == pytest.approx(0.3)
    for _ in range(10):
        monitor.record(1, 0, 0.001)
    assert monitor.error_rate == 0.0 and monitor.error_count == 3  # recovered, still counted


def test_monitor_rejects_impossible_counts():
    with pytest.raises(ValueError, match="n_anomalies"):
        Monitor().record(5, 6, 0.01)
    with pytest.raises(ValueError, match="latency_s"):
        Monitor().record(5, 1, -1.0)


def test_health_check_names_each_problem():
    healthy = Monitor()
    for _ in range(50):
        healthy.record(100, 1, 0.002)
    assert health_check(healthy, expected_anomaly_rate=0.01).ok

    broken = Monitor()
    for _ in range(50):
        broken.record(100, 40, 0.050)
    for _ in range(5):
        broken.record_error()
    report = health_check(broken, expected_anomaly_rate=0.01, p95_budget_ms=20)
    assert not report.ok and len(report.problems) == 3
    assert any("error rate" in p for p in report.problems)
    assert any("p95 latency" in p for p in report.problems)
    assert any("anomaly rate 0.4000 above" in p for p in report.problems)

    quiet = Monitor()
    quiet.record(1000, 0, 0.001)
    assert "below" in health_check(quiet, expected_anomaly_rate=0.01).problems[0]
    assert health_check(quiet, expected_anomaly_rate=0.01, check_quiet=False).ok
    with pytest.raises(TypeError, match="check_quiet"):
        health_check(quiet, expected_anomaly_rate=0.01, check_quiet="no")


# --- artefact ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [AutoencoderDetector, VAEDetector])
def test_artefact_round_trip_gives_identical_scores(tmp_path, X_train, rng, cls):
    # a torch.device, as adlib.setup returns it, is stored by name
    device = torch.device("cpu")
    detector = cls(epochs=3, random_state=0, hidden=(8,), latent_dim=2, device=device).fit(X_train)
    save_artefact(
        detector, tmp_path, version="1.0.0", X_train=X_train, threshold=1.5, metrics={"PR-AUC": 0.9}
    )
    loaded, manifest, schema = load_artefact(tmp_path)
    X_new = rng.normal(size=(50, 4))
    np.testing.assert_array_equal(loaded.score_samples(X_new), detector.score_samples(X_new))
    assert manifest["version"] == "1.0.0" and manifest["threshold"] == 1.5
    assert manifest["metrics"] == {"PR-AUC": 0.9} and schema.n_features_ == 4
    assert len(manifest["training_data_sha256"]) == 64 and manifest["params"]["device"] == "cpu"


def test_artefact_refuses_tampered_weights(tmp_path, X_train):
    detector = AutoencoderDetector(epochs=2, random_state=0).fit(X_train)
    save_artefact(detector, tmp_path, version="1", X_train=X_train, threshold=1.0)
    tensors = torch.load(tmp_path / "weights.pt", weights_only=True)
    tensors["scaler.mean"] += 1.0
    torch.save(tensors, tmp_path / "weights.pt")
    with pytest.raises(ValueError, match="does not match the manifest"):
        load_artefact(tmp_path)


def test_artefact_refuses_a_mismatched_manifest(tmp_path, X_train):
    detector = AutoencoderDetector(epochs=2, random_state=0).fit(X_train)
    save_artefact(detector, tmp_path, version="1", X_train=X_train, threshold=1.0)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["params"]["hidden"] = [64, 32]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="do not fit the weights"):
        load_artefact(tmp_path)


def test_artefact_rejects_bad_arguments(tmp_path, X_train):
    with pytest.raises(TypeError, match="fitted adlib neural detector"):
        save_artefact(
            IsolationForestDetector().fit(X_train),
            tmp_path,
            version="1",
            X_train=X_train,
            threshold=1.0,
        )
    with pytest.raises(TypeError, match="fitted adlib neural detector"):
        save_artefact(AutoencoderDetector(), tmp_path, version="1", X_train=X_train, threshold=1.0)
    with pytest.raises(ValueError, match="not an artefact"):
        load_artefact(tmp_path / "nothing")
