"""Datasets, simulators, leak-free splits and sliding windows (notebooks 00, 01, 06-09).

Everything is offline: real datasets ship in data/ (sha256-checked) or come with
scikit-learn and statsmodels; nothing is downloaded at run time.
"""

from adlib.data._files import SHIPPED_FILES, data_dir, sha256_of, verified_path
from adlib.data.datasets import (
    Dataset,
    LabelledSeries,
    load_nile,
    load_seatbelts,
    load_shuttle,
    load_ucr135,
    make_digits,
    make_wbc,
    make_wine,
)
from adlib.data.simulators import (
    DRIFT_KINDS,
    BorrowerPanel,
    LoginsScenario,
    SensorFleet,
    ServiceMetrics,
    TransactionLog,
    drifting_stream,
    noisy_sine_segments,
    simulate_borrowers,
    simulate_dependency,
    simulate_logins,
    simulate_sensors,
    simulate_services,
    simulate_transactions,
)
from adlib.data.splits import Split, novelty_split, outlier_split, shuttle_split, subsample_train
from adlib.data.transaction_features import aggregate_transactions, encode_transactions
from adlib.data.windows import (
    segment_windows,
    sliding_windows,
    window_end_indices,
    window_labels,
    window_scores_to_steps,
)

__all__ = [
    "DRIFT_KINDS",
    "SHIPPED_FILES",
    "BorrowerPanel",
    "Dataset",
    "LabelledSeries",
    "LoginsScenario",
    "SensorFleet",
    "ServiceMetrics",
    "Split",
    "TransactionLog",
    "aggregate_transactions",
    "data_dir",
    "drifting_stream",
    "encode_transactions",
    "load_nile",
    "load_seatbelts",
    "load_shuttle",
    "load_ucr135",
    "make_digits",
    "make_wbc",
    "make_wine",
    "noisy_sine_segments",
    "novelty_split",
    "outlier_split",
    "segment_windows",
    "sha256_of",
    "shuttle_split",
    "simulate_borrowers",
    "simulate_dependency",
    "simulate_logins",
    "simulate_sensors",
    "simulate_services",
    "simulate_transactions",
    "sliding_windows",
    "subsample_train",
    "verified_path",
    "window_end_indices",
    "window_labels",
    "window_scores_to_steps",
]
