"""Anomaly scoring of a whole microservice fleet, one series per instance and metric (notebook 14).

:mod:`adlib.fleet.simulator` generates the metrics of thousands of services × instances ×
metrics, vectorised and block by block, so that any micro-batch of steps is reproducible on
its own; the detector scores every series online, all series at once; :mod:`adlib.fleet.alerts`
turns per-series flags into grouped notifications and measures the alert flood; and the
same scoring runs in Spark Structured Streaming and Dask for a fleet too large for one loop.

Names are imported on first use (PEP 562): a Spark or Dask worker that unpickles a
detector imports :mod:`adlib.fleet.detector` and numpy, not the simulators behind
:mod:`adlib.data` (and torch behind them), which would add seconds to every worker start.
"""

from importlib import import_module

_HOMES = {
    "alert_flood": "alerts",
    "choose_policy": "alerts",
    "corroborate": "alerts",
    "group_alerts": "alerts",
    "limit_flags": "alerts",
    "match_incidents": "alerts",
    "static_limits": "alerts",
    "suppress_maintenance": "alerts",
    "FleetDetector": "detector",
    "SeriesState": "detector",
    "tail_thresholds": "detector",
    "Fleet": "simulator",
    "simulate_fleet": "simulator",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'adlib.fleet' has no attribute {name!r}")
    return getattr(import_module(f"adlib.fleet.{_HOMES[name]}"), name)


def __dir__() -> list[str]:
    return __all__
