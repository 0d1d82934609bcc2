"""Seeded simulators with ground truth: the scenarios of notebooks 06-09.

Daily logins (06), borrower repayments (07), card transactions (08), machine sensors (09)
and the metrics of a microservice fleet (13).

Each simulator draws only from ``np.random.default_rng(seed)``, runs in well under a second
at its defaults and returns a frozen dataclass of pandas frames: the data, plus a table
saying exactly which anomalies were injected where, so that detections can be scored.
"""

from adlib.data.simulators.borrowers import BorrowerPanel, simulate_borrowers
from adlib.data.simulators.dependency import simulate_dependency
from adlib.data.simulators.drift_streams import DRIFT_KINDS, drifting_stream
from adlib.data.simulators.logins import LoginsScenario, simulate_logins
from adlib.data.simulators.segments import noisy_sine_segments
from adlib.data.simulators.sensors import SensorFleet, simulate_sensors
from adlib.data.simulators.services import ServiceMetrics, simulate_services
from adlib.data.simulators.transactions import TransactionLog, simulate_transactions

__all__ = [
    "DRIFT_KINDS",
    "BorrowerPanel",
    "LoginsScenario",
    "SensorFleet",
    "ServiceMetrics",
    "TransactionLog",
    "drifting_stream",
    "noisy_sine_segments",
    "simulate_borrowers",
    "simulate_dependency",
    "simulate_logins",
    "simulate_sensors",
    "simulate_services",
    "simulate_transactions",
]
