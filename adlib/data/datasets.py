"""Loaders for the real datasets: shipped files (sha256-checked) and library-bundled ones.

Tabular loaders return a :class:`Dataset` (X of shape (n_samples, n_features), y with
1 = anomaly); series loaders return pandas objects or a :class:`LabelledSeries`. Introduced
in notebook 00.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_digits, load_wine

from adlib._validation import check_int
from adlib.data._files import verified_path


@dataclass(frozen=True)
class Dataset:
    """A tabular anomaly-detection dataset: features, 0/1 labels (1 = anomaly), names."""

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    description: str = ""

    @property
    def anomaly_rate(self) -> float:
        """Share of rows labelled anomalous."""
        return float(self.y.mean())


@dataclass(frozen=True)
class LabelledSeries:
    """A univariate series with point labels, the anomalous range and a clean training prefix."""

    name: str
    values: np.ndarray
    labels: np.ndarray
    anomaly_start: int
    anomaly_end: int
    train_end: int
    description: str = field(default="")


def load_shuttle() -> Dataset:
    """ODDS Shuttle: 49,097 NASA shuttle sensor readings × 9, 7.15 % anomalies (notebook 00).

    Class 1 ("Rad Flow") is normal, the rare classes are anomalies and class 4 was removed,
    following the ODDS benchmark; the file is the one river 0.26.1 ships.
    """
    frame = pd.read_csv(verified_path("shuttle.csv.gz"))
    features = [c for c in frame.columns if c != "anomaly"]
    return Dataset(
        name="shuttle",
        X=frame[features].to_numpy(dtype=np.float64),
        y=frame["anomaly"].to_numpy(dtype=np.int64),
        feature_names=features,
        description="ODDS Shuttle (UCI Statlog), via river 0.26.1",
    )


def load_ucr135() -> LabelledSeries:
    """UCR anomaly archive series 135, InternalBleeding16: 7,501 heart-rate points (notebook 00).

    One anomaly, at indices 4187-4198 inclusive; the first 1,200 points are anomaly-free
    and are the only ones a detector may train on (the UCR protocol).
    """
    frame = pd.read_csv(verified_path("ucr135_internal_bleeding16.csv"))
    labels = frame["is_anomaly"].to_numpy(dtype=np.int64)
    anomalous = np.flatnonzero(labels)
    return LabelledSeries(
        name="ucr135",
        values=frame["value"].to_numpy(dtype=np.float64),
        labels=labels,
        anomaly_start=int(anomalous[0]),
        anomaly_end=int(anomalous[-1]),
        train_end=1200,
        description="UCR Anomaly Archive 135 InternalBleeding16, via aeon 1.6.0",
    )


def load_seatbelts() -> pd.DataFrame:
    """UK drivers killed or seriously injured (KSI) per month, 1969-01 to 1984-12 (notebook 00).

    Returns a DataFrame indexed by month with columns ``ksi`` and ``law`` (1 from 1983-02,
    when wearing front seatbelts became compulsory). ``label`` marks the changepoint month.
    """
    frame = pd.read_csv(verified_path("seatbelts.csv"), index_col=0, parse_dates=True)
    frame.index = frame.index.to_period("M")
    frame.index.name = "month"
    change = frame.index[frame["label"].to_numpy() == 1][0]
    return pd.DataFrame(
        {
            "ksi": frame["KSI"].astype(np.int64),
            "law": (frame.index >= change).astype(np.int64),
            "label": frame["label"].astype(np.int64),
        },
        index=frame.index,
    )


def load_nile() -> pd.Series:
    """Annual flow of the Nile at Aswan, 1871-1970, in 10^8 m^3 (statsmodels; notebook 00).

    The classic changepoint example: the mean drops around 1898 (the Aswan Low Dam).
    """
    from statsmodels.datasets import nile

    frame = nile.load_pandas().data
    return pd.Series(
        frame["volume"].to_numpy(dtype=np.float64),
        index=pd.Index(frame["year"].astype(int).to_numpy(), name="year"),
        name="volume",
    )


def make_wbc(draw: int = 0, n_anomalies: int = 21) -> Dataset:
    """ODDS-style Wisconsin breast cancer: all 357 benign + ``n_anomalies`` sampled malignant.

    The malignant rows are drawn without replacement by the ``draw`` seed, so results over
    several draws show how much a score depends on *which* anomalies were sampled.
    """
    raw = load_breast_cancer()
    benign = raw.target == 1
    return _odds_style(
        "wbc", raw.data, benign, raw.feature_names, draw, n_anomalies, "malignant tumours"
    )


def make_wine(draw: int = 0, n_anomalies: int = 10) -> Dataset:
    """ODDS-style wine: classes 1 and 2 (119 rows) as normal + ``n_anomalies`` from class 0."""
    raw = load_wine()
    normal = raw.target != 0
    return _odds_style("wine", raw.data, normal, raw.feature_names, draw, n_anomalies, "class 0")


def make_digits(normal_digit: int = 1, draw: int = 0, n_anomalies: int = 36) -> Dataset:
    """The 8×8 handwritten digits: one digit as normal, a sample of the others as anomalies.

    An image-like, 64-dimensional dataset (pixel intensities 0-16, row-major 8×8) for
    notebooks 03-04, where reconstructions can be looked at as pictures. The normal class has
    about 180 images; ``n_anomalies`` images of the other nine digits are drawn by ``draw``.
    """
    normal_digit = check_int(normal_digit, "normal_digit", low=0, high=9)
    raw = load_digits()
    return _odds_style(
        "digits",
        raw.data,
        raw.target == normal_digit,
        [f"pixel_{r}_{c}" for r in range(8) for c in range(8)],
        draw,
        n_anomalies,
        f"digits other than {normal_digit}",
    )


def _odds_style(
    name: str,
    X: np.ndarray,
    normal_mask: np.ndarray,
    feature_names: list[str] | np.ndarray,
    draw: int,
    n_anomalies: int,
    what: str,
) -> Dataset:
    draw = check_int(draw, "draw", low=0)
    n_available = int((~normal_mask).sum())
    n_anomalies = check_int(n_anomalies, "n_anomalies", low=1, high=n_available)
    rng = np.random.default_rng(draw)
    picked = np.sort(rng.choice(np.flatnonzero(~normal_mask), size=n_anomalies, replace=False))
    rows = np.concatenate([np.flatnonzero(normal_mask), picked])
    y = np.concatenate([np.zeros(normal_mask.sum(), np.int64), np.ones(n_anomalies, np.int64)])
    return Dataset(
        name=name,
        X=np.asarray(X[rows], dtype=np.float64),
        y=y,
        feature_names=[str(f) for f in feature_names],
        description=f"{name}: normal classes + {n_anomalies} sampled {what} (draw {draw})",
    )
