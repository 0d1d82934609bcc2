"""Datasets, leak-free splits and sliding windows (notebooks 00, 01 and 07).

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
from adlib.data.splits import Split, novelty_split, outlier_split, subsample_train
from adlib.data.windows import sliding_windows, window_end_indices, window_labels

__all__ = [
    "SHIPPED_FILES",
    "Dataset",
    "LabelledSeries",
    "Split",
    "data_dir",
    "load_nile",
    "load_seatbelts",
    "load_shuttle",
    "load_ucr135",
    "make_digits",
    "make_wbc",
    "make_wine",
    "novelty_split",
    "outlier_split",
    "sha256_of",
    "sliding_windows",
    "subsample_train",
    "verified_path",
    "window_end_indices",
    "window_labels",
]
