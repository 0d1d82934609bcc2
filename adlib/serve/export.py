"""ONNX export of the reconstruction detectors, and a scorer that runs the exported file.

:func:`export_onnx` writes one ONNX graph that maps *raw* inputs to anomaly scores: the
standardisation fitted at training, the network and the mean squared reconstruction error
all live in the graph, so a service needs only ONNX Runtime and the file, not adlib or
torch. Inputs are float64 (as the detectors take them), standardised in float64, run through
the network in float32 and returned as float64 scores, exactly as ``score_samples`` does, so
the two agree to float32 rounding (:func:`onnx_parity` measures it). The batch dimension is
dynamic; the feature count (or window length and channel count) is fixed by the training
data. Supported: :class:`~adlib.detectors.AutoencoderDetector` and its denoising and
residual variants (rows, shape (n, n_features)) and the LSTM/GRU autoencoders (windows,
shape (n, window, n_channels)). Export uses torch's ``dynamo`` exporter.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import torch
from torch import nn

import adlib
from adlib._validation import as_float_matrix, check_int
from adlib.detectors.neural import AutoencoderDetector
from adlib.detectors.sequence import as_windows
from adlib.detectors.sequence_neural import LSTMAutoencoderDetector

OPSET = 18
SUPPORTED = (AutoencoderDetector, LSTMAutoencoderDetector)


class _ScoreGraph(nn.Module):
    """Raw float64 input → standardise → network (float32) → mean squared error (float64)."""

    def __init__(self, model: nn.Module, mean: np.ndarray, scale: np.ndarray) -> None:
        super().__init__()
        self.model = model
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float64))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        standardised = ((x - self.mean) / self.scale).float()
        squared = (self.model(standardised) - standardised) ** 2
        return squared.flatten(start_dim=1).mean(dim=1).double()


def export_onnx(detector: AutoencoderDetector | LSTMAutoencoderDetector, path: str | Path) -> Path:
    """Write a fitted autoencoder or LSTM/GRU autoencoder to ``path`` as an ONNX scoring graph.

    The file's metadata records the detector class, the adlib version and the input kind
    (``"rows"`` or ``"windows"``); :class:`OnnxScorer` reads them back. Takes a few seconds
    (torch traces the network). Returns the path.
    """
    if not isinstance(detector, SUPPORTED):
        raise TypeError(
            "export_onnx takes a fitted AutoencoderDetector (or its denoising/residual variants) "
            f"or an LSTM/GRU autoencoder, got {type(detector).__name__}."
        )
    if not hasattr(detector, "model_"):
        raise ValueError(f"This {type(detector).__name__} is not fitted yet; call .fit(X) first.")
    windows = isinstance(detector, LSTMAutoencoderDetector)
    if windows:
        mean, scale = detector.mean_, detector.scale_
        example = torch.zeros((2, detector.window_, detector.n_channels_), dtype=torch.float64)
    else:
        mean, scale = detector.scaler_.mean_, detector.scaler_.scale_
        example = torch.zeros((2, detector.n_features_in_), dtype=torch.float64)
    model = detector.model_.to("cpu")
    graph = _ScoreGraph(model, mean, scale).eval()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _quiet_exporter():
            program = torch.onnx.export(
                graph,
                (example,),
                input_names=["x"],
                output_names=["score"],
                dynamic_shapes={"x": {0: torch.export.Dim("batch")}},
                opset_version=OPSET,
                dynamo=True,
                verbose=False,
            )
        program.save(str(path))
    finally:
        detector.model_.to(detector.device_)
    proto = onnx.load(str(path))
    onnx.helper.set_model_props(
        proto,
        {
            "adlib_detector": type(detector).__name__,
            "adlib_version": adlib.__version__,
            "input_kind": "windows" if windows else "rows",
        },
    )
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    return path


class OnnxScorer:
    """Score with an exported file in ONNX Runtime: ``score_samples(X)`` like the detector's.

    ``threads`` sets ONNX Runtime's intra-op threads (1 by default, for reproducible timings
    on a shared machine). Inputs are checked like the detector's (finite float values, the
    training feature count or window shape) before they reach the session.
    """

    def __init__(self, path: str | Path, threads: int = 1) -> None:
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"{path} does not exist; write it with adlib.serve.export_onnx.")
        threads = check_int(threads, "threads", low=1)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self.metadata = dict(self.session.get_modelmeta().custom_metadata_map)
        if "input_kind" not in self.metadata:
            raise ValueError(f"{path} was not written by adlib.serve.export_onnx (no metadata).")
        self.input_shape = tuple(self.session.get_inputs()[0].shape[1:])

    def score_samples(self, X: object) -> np.ndarray:
        """Anomaly score of each row or window of X, shape (n,), float64."""
        if self.metadata["input_kind"] == "windows":
            X = as_windows(X, "X")
        else:
            X = as_float_matrix(X, "X")
        if X.shape[1:] != self.input_shape:
            raise ValueError(
                f"X has shape {X.shape}, but the model scores inputs of shape (n, "
                f"{', '.join(map(str, self.input_shape))}); pass rows or windows built like the "
                "training data."
            )
        return self.session.run(None, {"x": np.ascontiguousarray(X, dtype=np.float64)})[0]

    def __repr__(self) -> str:
        shape = ", ".join(map(str, ("n", *self.input_shape)))
        return f"OnnxScorer({self.metadata['adlib_detector']}, input shape ({shape}))"


def onnx_parity(detector: object, scorer: OnnxScorer, X: object) -> float:
    """Largest absolute difference between ``detector.score_samples(X)`` and the ONNX scores."""
    return float(np.max(np.abs(detector.score_samples(X) - scorer.score_samples(X))))


_EXPORTER_CHATTER = (
    r"`isinstance\(treespec, LeafSpec\)` is deprecated",
    r"_check_is_size will be removed",
    r"The tensor attributes .*_flat_weights.* were assigned during export",
)


@contextmanager
def _quiet_exporter() -> Iterator[None]:
    """Silence the exporter's own chatter, which says nothing about the model being exported.

    torch 2.13's dynamo exporter logs that torchvision's operators are not registered and
    emits ``FutureWarning``s about its internal pytree and size-check helpers; tracing an
    LSTM warns that it assigns ``_flat_weights``. Only these messages are filtered; every
    other warning still reaches the caller.
    """
    logger = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            for message in _EXPORTER_CHATTER:
                warnings.filterwarnings("ignore", message=message)
            yield
    finally:
        logger.setLevel(level)
