"""adlib.serve.export: ONNX Runtime scores equal the torch scores; bad use is refused."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from adlib.detectors import (
    AutoencoderDetector,
    GRUAutoencoderDetector,
    IsolationForestDetector,
    LSTMAutoencoderDetector,
    ResidualAutoencoderDetector,
    VAEDetector,
)
from adlib.serve import OnnxScorer, export_onnx, onnx_parity

PARITY = 1e-5


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(0)
    # features on very different scales, so the graph's standardisation matters
    return rng.normal(size=(400, 6)) * np.array([1.0, 10.0, 100.0, 0.1, 1.0, 5.0]) + 3.0


@pytest.fixture(scope="module")
def windows():
    rng = np.random.default_rng(1)
    steps = np.arange(240 + 16)[:, None]
    series = np.sin(steps / 5.0 + np.array([0.0, 1.0])) + 0.1 * rng.normal(size=(256, 2))
    return np.lib.stride_tricks.sliding_window_view(series, 16, axis=0).transpose(0, 2, 1).copy()


@pytest.mark.parametrize("cls", [AutoencoderDetector, ResidualAutoencoderDetector])
def test_autoencoder_scores_match_in_onnx_runtime(tmp_path, rows, cls):
    detector = cls(epochs=3, random_state=0, device="cpu").fit(rows)
    scorer = OnnxScorer(export_onnx(detector, tmp_path / "model.onnx"))
    unusual = rows * 4.0  # anomalous rows with large scores
    assert onnx_parity(detector, scorer, rows) < PARITY
    np.testing.assert_allclose(scorer.score_samples(unusual), detector.score_samples(unusual), 1e-6)
    assert scorer.score_samples(rows[:1]).shape == (1,)
    assert scorer.metadata["adlib_detector"] == cls.__name__


@pytest.mark.parametrize(
    ("cls", "decoder_input"),
    [(LSTMAutoencoderDetector, "repeat"), (GRUAutoencoderDetector, "sequence")],
)
def test_recurrent_autoencoder_scores_match_in_onnx_runtime(tmp_path, windows, cls, decoder_input):
    detector = cls(epochs=2, decoder_input=decoder_input, random_state=0, device="cpu")
    detector.fit(windows)
    scorer = OnnxScorer(export_onnx(detector, tmp_path / "model.onnx"))
    assert scorer.input_shape == (16, 2)
    assert onnx_parity(detector, scorer, windows) < PARITY
    # the recurrent layer is exported as ONNX's own LSTM/GRU operator, not unrolled
    operators = {node.op_type for node in onnx.load(tmp_path / "model.onnx").graph.node}
    assert detector.cell.upper() in operators


def test_export_refuses_unsupported_or_unfitted_detectors(tmp_path, rows):
    with pytest.raises(TypeError, match="export_onnx takes a fitted AutoencoderDetector"):
        export_onnx(IsolationForestDetector(random_state=0).fit(rows), tmp_path / "a.onnx")
    with pytest.raises(TypeError, match="got VAEDetector"):
        export_onnx(VAEDetector(), tmp_path / "a.onnx")
    with pytest.raises(ValueError, match="not fitted yet"):
        export_onnx(AutoencoderDetector(), tmp_path / "a.onnx")


def test_scorer_rejects_bad_files_and_inputs(tmp_path, rows):
    with pytest.raises(ValueError, match="does not exist"):
        OnnxScorer(tmp_path / "missing.onnx")
    detector = AutoencoderDetector(epochs=1, random_state=0, device="cpu").fit(rows)
    scorer = OnnxScorer(export_onnx(detector, tmp_path / "model.onnx"), threads=1)
    with pytest.raises(ValueError, match=r"model scores inputs of shape \(n, 6\)"):
        scorer.score_samples(rows[:, :5])
    with pytest.raises(ValueError, match="NaN"):
        scorer.score_samples(np.full((2, 6), np.nan))
    with pytest.raises(ValueError, match="threads"):
        OnnxScorer(tmp_path / "model.onnx", threads=0)
    plain = onnx.load(tmp_path / "model.onnx")
    del plain.metadata_props[:]
    onnx.save(plain, tmp_path / "plain.onnx")
    with pytest.raises(ValueError, match=r"not written by adlib\.serve\.export_onnx"):
        OnnxScorer(tmp_path / "plain.onnx")
