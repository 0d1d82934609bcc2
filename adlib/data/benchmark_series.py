"""The labelled series the time-series benchmark ranks detectors on: GutenTAG, UCR 135, Daphnet.

Every series comes as a :class:`SuiteSeries`: an anomaly-free training part, a test part with
0/1 labels per step, the anomaly kinds it holds and its base oscillation, so a benchmark can
fit on ``train``, score ``test`` and break results down by kind and by oscillation. The 60
synthetic GutenTAG series ship in ``data/gutentag/`` (provenance in data/README.md); every
file is checked against the sha256 of its decompressed CSV in the verified manifest before it
is parsed. :func:`benchmark_suite` assembles the "quick" or "full" list of series.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from adlib._validation import as_binary_labels, as_float_matrix
from adlib.data._files import verified_gzip_bytes, verified_path
from adlib.data.datasets import load_ucr135

GUTENTAG_SOURCE = "GutenTAG 1.5.0 (TimeEval, MIT licence), seed 1729, data/gutentag/"
#: Rows of the Daphnet excerpt used for training: the first 40 % (44 s at 64 Hz).
DAPHNET_TRAIN_END = 2816
#: Univariate GutenTAG series per base oscillation in the quick profile.
QUICK_PER_OSCILLATION = 2
BENCHMARK_PROFILES = ("quick", "full")


@dataclass(frozen=True)
class SuiteSeries:
    """One benchmark series: anomaly-free training part, labelled test part, what it contains.

    ``train``: (n_train, n_channels) float64, free of anomalies, the only part a detector may
    fit on; ``test``: (n_test, n_channels) float64; ``labels``: (n_test,) int64, 1 = anomalous
    step; ``kinds``: the distinct anomaly kinds in the test part, in order of first appearance
    (empty when it holds none); ``oscillation``: the base signal (GutenTAG's oscillation, with
    channels of different kinds joined by ``+``, or ``"real: ..."`` for recorded data);
    ``source``: where the data comes from. Arrays are checked and converted on construction.
    """

    name: str
    train: np.ndarray
    test: np.ndarray
    labels: np.ndarray
    kinds: tuple[str, ...]
    oscillation: str
    source: str

    def __post_init__(self) -> None:
        for field_name in ("name", "oscillation", "source"):
            value = getattr(self, field_name)
            if not isinstance(value, str) or not value:
                raise TypeError(f"SuiteSeries.{field_name} must be a non-empty str, got {value!r}.")
        if not isinstance(self.kinds, tuple) or not all(isinstance(k, str) for k in self.kinds):
            raise TypeError(f"SuiteSeries.kinds must be a tuple of str, got {self.kinds!r}.")
        train = as_float_matrix(self.train, "train", min_rows=2)
        test = as_float_matrix(self.test, "test", min_rows=2)
        if train.shape[1] != test.shape[1]:
            raise ValueError(
                f"train has {train.shape[1]} channels but test has {test.shape[1]}; both must "
                "have shape (n_steps, n_channels) with the same channels."
            )
        labels = as_binary_labels(self.labels, "labels", n=test.shape[0])
        object.__setattr__(self, "train", train)
        object.__setattr__(self, "test", test)
        object.__setattr__(self, "labels", labels)

    @property
    def n_channels(self) -> int:
        """Number of channels (1 for a univariate series)."""
        return int(self.test.shape[1])


def gutentag_manifest() -> pd.DataFrame:
    """The GutenTAG suite's manifest: one row per series, 60 rows (sha256-verified file).

    Columns as documented in data/gutentag/README.md: ``name``, ``n_channels``,
    ``oscillation``, ``test_length``, ``train_length``, ``n_anomalies``, ``anomaly_kinds``,
    ``anomaly_segments`` (``start-end``, end excluded, joined by ``;``), the two file paths and
    the sha256 of each decompressed CSV.
    """
    return pd.read_csv(verified_path("gutentag/manifest.csv"))


def load_gutentag(name: str) -> SuiteSeries:
    """One GutenTAG series by name, e.g. ``"sine-mean"``; both files are sha256-verified.

    Raises ``ValueError`` listing the valid names when ``name`` is not in the manifest.
    """
    manifest = gutentag_manifest()
    (row,) = _manifest_rows(manifest, [name])
    return _gutentag_series(row)


def load_gutentag_suite(names: Iterable[str] | None = None) -> list[SuiteSeries]:
    """Several GutenTAG series, in the order given; all 60 in manifest order when ``names`` is None.

    Each file is decompressed once, checked against its sha256 and parsed, so the whole
    suite (120 files, about 10 MB compressed) loads in a few seconds.
    """
    manifest = gutentag_manifest()
    if names is None:
        names = list(manifest["name"])
    elif isinstance(names, str):
        raise TypeError(
            f"names must be a list of series names, got the str {names!r}; "
            f"use load_gutentag({names!r}) for one series or pass [{names!r}]."
        )
    return [_gutentag_series(row) for row in _manifest_rows(manifest, list(names))]


def quick_gutentag_names() -> tuple[str, ...]:
    """The deterministic stratified GutenTAG subset of the quick profile (14 names).

    The rule, applied to the manifest: among univariate series with a single anomaly kind,
    take kinds from the rarest to the most common (fewest such series first, then by name); for
    each kind not yet covered, take its series whose oscillation has the fewest picks, then the
    shortest, then by name, allowing at most :data:`QUICK_PER_OSCILLATION` per oscillation.
    Then fill every oscillation up to that many with its series of the least covered kind,
    shortest first. Finally add two multivariate series: the shortest with a mode-correlation
    anomaly (which also brings random-mode-jump) and the shortest without one. The result
    covers every anomaly kind and every base oscillation with short series.
    """
    manifest = gutentag_manifest()
    length = dict(zip(manifest["name"], manifest["test_length"], strict=True))
    single: dict[str, tuple[str, str]] = {}
    for row in manifest[manifest["n_channels"] == 1].itertuples():
        kinds = _distinct_kinds(row.anomaly_kinds)
        if len(kinds) == 1:
            single[row.name] = (row.oscillation, kinds[0])
    by_kind: dict[str, list[str]] = defaultdict(list)
    for name, (_, kind) in single.items():
        by_kind[kind].append(name)
    picks: Counter[str] = Counter()
    covered: Counter[str] = Counter()
    chosen: list[str] = []

    def take(name: str) -> None:
        oscillation, kind = single[name]
        chosen.append(name)
        picks[oscillation] += 1
        covered[kind] += 1

    for kind in sorted(by_kind, key=lambda k: (len(by_kind[k]), k)):
        candidates = [n for n in by_kind[kind] if picks[single[n][0]] < QUICK_PER_OSCILLATION]
        if not covered[kind] and candidates:
            take(min(candidates, key=lambda n: (picks[single[n][0]], length[n], n)))
    for oscillation in sorted({osc for osc, _ in single.values()}):
        while picks[oscillation] < QUICK_PER_OSCILLATION:
            rest = [n for n, (o, _) in single.items() if o == oscillation and n not in chosen]
            take(min(rest, key=lambda n: (covered[single[n][1]], length[n], n)))
    multivariate = manifest[manifest["n_channels"] > 1].sort_values(["test_length", "name"])
    with_mode = multivariate["anomaly_kinds"].str.contains("mode-correlation", regex=False)
    chosen += [multivariate[with_mode]["name"].iloc[0], multivariate[~with_mode]["name"].iloc[0]]
    return tuple(name for name in manifest["name"] if name in chosen)


def ucr135_suite() -> SuiteSeries:
    """UCR 135 (InternalBleeding16) as a suite series: train = the first 1,200 points, test = rest.

    One channel; the test part (6,301 points) holds the one labelled anomaly, 12 points long.
    The archive does not name its kind, so ``kinds`` is ``("unlabelled kind (real)",)``.
    """
    series = load_ucr135()
    end = series.train_end
    return SuiteSeries(
        name="ucr135",
        train=series.values[:end, None],
        test=series.values[end:, None],
        labels=series.labels[end:],
        kinds=("unlabelled kind (real)",),
        oscillation="real: heart rate",
        source="UCR Anomaly Archive 135 InternalBleeding16 (Wu & Keogh 2021), via aeon 1.6.0",
    )


def load_daphnet() -> SuiteSeries:
    """Daphnet S06R02E0: 7,040 steps × 9 accelerometer channels (mg) at 64 Hz, no anomalies.

    Ankle, thigh and trunk 3-axis acceleration of a Parkinson's patient, 110 s of one
    recording. The excerpt aeon 1.6.0 ships holds **no** labelled freezing-of-gait event (all
    labels 0; aeon deprecates it for that reason), so ``kinds`` is empty and the series cannot
    be scored with VUS-PR; it serves as real, normal, multivariate data (false-alarm behaviour
    on unseen normal gait). Train = the first :data:`DAPHNET_TRAIN_END` rows (about 23 s
    standing, then walking), test = the remaining 4,224 rows (walking).
    """
    content = verified_gzip_bytes("daphnet_s06r02e0.csv.gz")
    frame = pd.read_csv(io.BytesIO(content))
    values = frame.drop(columns=["timestamp", "is_anomaly"]).to_numpy(dtype=np.float64)
    labels = frame["is_anomaly"].to_numpy(dtype=np.int64)
    return SuiteSeries(
        name="daphnet-s06r02e0",
        train=values[:DAPHNET_TRAIN_END],
        test=values[DAPHNET_TRAIN_END:],
        labels=labels[DAPHNET_TRAIN_END:],
        kinds=(),
        oscillation="real: gait accelerometer",
        source="Daphnet Freezing of Gait S06R02E0 (UCI, CC BY 4.0), via aeon 1.6.0",
    )


def benchmark_suite(profile: str = "quick") -> list[SuiteSeries]:
    """The labelled series of the time-series benchmark: GutenTAG series, then UCR 135.

    ``"full"``: all 60 GutenTAG series; ``"quick"``: the 14 of :func:`quick_gutentag_names`.
    Daphnet is not included: its shipped excerpt has no labelled anomaly, so no ranking metric
    is defined on it (load it with :func:`load_daphnet`).
    """
    if not isinstance(profile, str) or profile not in BENCHMARK_PROFILES:
        raise ValueError(f"profile must be one of {BENCHMARK_PROFILES}, got {profile!r}.")
    names = quick_gutentag_names() if profile == "quick" else None
    return [*load_gutentag_suite(names), ucr135_suite()]


def _distinct_kinds(anomaly_kinds: str) -> tuple[str, ...]:
    """``"mean;mean+variance"`` -> ``("mean", "variance")``: stacked kinds count for each."""
    return tuple(
        dict.fromkeys(kind for anomaly in anomaly_kinds.split(";") for kind in anomaly.split("+"))
    )


def _manifest_rows(manifest: pd.DataFrame, names: list[str]) -> list[pd.Series]:
    valid = list(manifest["name"])
    if not names:
        raise ValueError(f"names is empty; pass at least one of {valid}.")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"series names must be str, got {type(name).__name__} {name!r}.")
        if name not in valid:
            raise ValueError(f"{name!r} is not a GutenTAG series; valid names: {valid}.")
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"names repeats {duplicated}; pass each series once.")
    index = manifest.set_index("name")
    return [index.loc[name] for name in names]


def _gutentag_series(row: pd.Series) -> SuiteSeries:
    test = _read_gutentag_csv(row["test_file"], row["test_csv_sha256"])
    train = _read_gutentag_csv(row["train_file"], row["train_csv_sha256"])
    return SuiteSeries(
        name=str(row.name),
        train=train.filter(like="value-").to_numpy(dtype=np.float64),
        test=test.filter(like="value-").to_numpy(dtype=np.float64),
        labels=test["is_anomaly"].to_numpy(dtype=np.int64),
        kinds=_distinct_kinds(row["anomaly_kinds"]),
        oscillation=str(row["oscillation"]),
        source=GUTENTAG_SOURCE,
    )


def _read_gutentag_csv(relative: str, sha256: str) -> pd.DataFrame:
    content = verified_gzip_bytes(f"gutentag/{relative}", sha256)
    return pd.read_csv(io.BytesIO(content))
