"""Anomaly scoring of a whole microservice fleet, one series per instance and metric (notebook 14).

:mod:`adlib.fleet.simulator` generates the metrics of thousands of services × instances ×
metrics, vectorised and block by block, so that any micro-batch of steps is reproducible on
its own; the detector scores every series online, all series at once; :mod:`adlib.fleet.alerts`
turns per-series flags into grouped notifications and measures the alert flood; and the
same scoring runs in Spark Structured Streaming and Dask for a fleet too large for one loop.
"""

from adlib.fleet.alerts import (
    alert_flood,
    choose_policy,
    corroborate,
    group_alerts,
    limit_flags,
    match_incidents,
    static_limits,
    suppress_maintenance,
)
from adlib.fleet.detector import FleetDetector, SeriesState, tail_thresholds
from adlib.fleet.simulator import Fleet, simulate_fleet

__all__ = [
    "Fleet",
    "FleetDetector",
    "SeriesState",
    "alert_flood",
    "choose_policy",
    "corroborate",
    "group_alerts",
    "limit_flags",
    "match_incidents",
    "simulate_fleet",
    "static_limits",
    "suppress_maintenance",
    "tail_thresholds",
]
