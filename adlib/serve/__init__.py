"""From a fitted detector to a scorer you can run and watch (notebook 13).

- :mod:`adlib.serve.schema`: the input contract fitted at training time (feature count,
  numeric dtype, finite values, value ranges); bad rows are rejected, never scored;
- :mod:`adlib.serve.monitor`: prediction count, anomaly rate, error count and latency
  percentiles over a recent window, and a health check that says what is wrong;
- :mod:`adlib.serve.artefact`: a versioned model artefact, weights loaded with
  ``weights_only=True`` and checked against a JSON manifest;
- :mod:`adlib.serve.export`: ONNX export of the autoencoders with the standardisation and
  the score inside the graph, and a scorer that runs it in ONNX Runtime;
- :mod:`adlib.serve.alerts`: pages per day, page precision and delay as on-call sees them,
  static rules (fleet-wide or per service), debouncing and its length chosen on validation,
  and a threshold set for a precision target;
- :mod:`adlib.serve.stream`: the serving loop (featurise, validate, score, flag, monitor)
  replayed over a period, and the report of which broken feeds a health check caught.
"""

from adlib.serve.alerts import (
    AlertEvaluation,
    alert_report,
    choose_page_after,
    debounce,
    evaluate_alerts,
    limit_flags,
    pages_per_day,
    service_limits,
    static_flags,
)
from adlib.serve.artefact import load_artefact, save_artefact
from adlib.serve.export import OnnxScorer, export_onnx, onnx_parity
from adlib.serve.monitor import HealthReport, Monitor, health_check
from adlib.serve.schema import InputError, InputSchema
from adlib.serve.stream import fault_report, serve_call, serve_stream, step_batches

__all__ = [
    "AlertEvaluation",
    "HealthReport",
    "InputError",
    "InputSchema",
    "Monitor",
    "OnnxScorer",
    "alert_report",
    "choose_page_after",
    "debounce",
    "evaluate_alerts",
    "export_onnx",
    "fault_report",
    "health_check",
    "limit_flags",
    "load_artefact",
    "onnx_parity",
    "pages_per_day",
    "save_artefact",
    "serve_call",
    "serve_stream",
    "service_limits",
    "static_flags",
    "step_batches",
]
