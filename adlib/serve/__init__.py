"""From a fitted detector to a scorer you can run and watch (notebook 13).

- :mod:`adlib.serve.schema`: the input contract fitted at training time (feature count,
  numeric dtype, finite values, value ranges); bad rows are rejected, never scored;
- :mod:`adlib.serve.monitor`: prediction count, anomaly rate, error count and latency
  percentiles over a recent window, and a health check that says what is wrong;
- :mod:`adlib.serve.artefact`: a versioned model artefact, weights loaded with
  ``weights_only=True`` and checked against a JSON manifest;
- :mod:`adlib.serve.export`: ONNX export of the autoencoders with the standardisation and
  the score inside the graph, and a scorer that runs it in ONNX Runtime.
"""

from adlib.serve.artefact import load_artefact, save_artefact
from adlib.serve.export import OnnxScorer, export_onnx, onnx_parity
from adlib.serve.monitor import HealthReport, Monitor, health_check
from adlib.serve.schema import InputError, InputSchema

__all__ = [
    "HealthReport",
    "InputError",
    "InputSchema",
    "Monitor",
    "OnnxScorer",
    "export_onnx",
    "health_check",
    "load_artefact",
    "onnx_parity",
    "save_artefact",
]
