"""The benchmark series of adlib.data: GutenTAG suite, UCR 135 and Daphnet, and their checks."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import io
import shutil
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from adlib.data import (
    SHIPPED_GZIP_CONTENT,
    SuiteSeries,
    benchmark_suite,
    data_dir,
    gutentag_manifest,
    load_daphnet,
    load_gutentag,
    load_gutentag_suite,
    load_ucr135,
    quick_gutentag_names,
    sha256_of,
    ucr135_suite,
    verified_gzip_bytes,
)
from adlib.data.benchmark_series import DAPHNET_TRAIN_END

ALL_KINDS = {
    "extremum",
    "frequency",
    "mean",
    "pattern",
    "pattern-shift",
    "platform",
    "trend",
    "variance",
    "amplitude",
    "mode-correlation",
}
ALL_OSCILLATIONS = {
    "sine",
    "ecg",
    "sawtooth",
    "square",
    "random-walk",
    "cylinder-bell-funnel",
    "random-mode-jump",
}
QUICK = (
    "sine-extremum",
    "sine-trend",
    "ecg-pattern",
    "ecg-pattern-shift",
    "sawtooth-frequency",
    "sawtooth-trend",
    "random-walk-variance",
    "random-walk-amplitude",
    "cylinder-bell-funnel-mean",
    "cylinder-bell-funnel-platform",
    "square-pattern-shift",
    "square-platform",
    "mv3-random-mode-jump",
    "mv3-cylinder-bell-funnel",
)


@pytest.fixture(scope="module")
def manifest():
    return gutentag_manifest()


@pytest.fixture(scope="module")
def suite():
    return load_gutentag_suite()


def labels_from_segments(segments: str, n: int) -> np.ndarray:
    labels = np.zeros(n, dtype=np.int64)
    for segment in segments.split(";"):
        start, end = (int(x) for x in segment.split("-"))
        labels[start:end] = 1
    return labels


def oscillations(series_oscillation: str) -> set[str]:
    return set(series_oscillation.split("+"))


# --- the manifest and the files it lists ----------------------------------------------------


def test_manifest_counts(manifest):
    assert len(manifest) == 60
    assert manifest["name"].is_unique
    assert int(manifest["n_anomalies"].sum()) == 123
    assert Counter(manifest["n_channels"]) == {1: 50, 3: 6, 4: 2, 5: 2}
    anomalies = [a for entry in manifest["anomaly_kinds"] for a in entry.split(";")]
    kinds = Counter(kind for anomaly in anomalies for kind in anomaly.split("+"))
    assert set(kinds) == ALL_KINDS
    assert kinds["mode-correlation"] == 6
    assert kinds["platform"] == kinds["amplitude"] == 19


def test_every_gutentag_file_matches_sha256sums():
    folder = data_dir() / "gutentag"
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    assert len(lines) == 126
    for line in lines:
        digest, relative = line.split(maxsplit=1)
        assert sha256_of(folder / relative) == digest, relative


def test_gutentag_manifest_is_the_registered_file(manifest):
    assert list(manifest.columns[:3]) == ["name", "n_channels", "oscillation"]
    assert manifest["test_csv_sha256"].str.fullmatch(r"[0-9a-f]{64}").all()


# --- every GutenTAG series -------------------------------------------------------------------


def test_suite_loads_all_series_in_manifest_order(suite, manifest):
    assert [s.name for s in suite] == list(manifest["name"])


def test_shapes_dtypes_and_labels_match_the_manifest(suite, manifest):
    for series, row in zip(suite, manifest.itertuples(), strict=True):
        assert isinstance(series, SuiteSeries)
        assert series.train.shape == (row.train_length, row.n_channels)
        assert series.test.shape == (row.test_length, row.n_channels)
        assert series.labels.shape == (row.test_length,)
        assert series.train.dtype == series.test.dtype == np.float64
        assert series.labels.dtype == np.int64
        assert series.n_channels == row.n_channels
        assert np.isfinite(series.train).all() and np.isfinite(series.test).all()
        expected = labels_from_segments(row.anomaly_segments, row.test_length)
        np.testing.assert_array_equal(series.labels, expected, err_msg=series.name)
        assert int(series.labels.sum()) == row.n_anomalous_points
        assert set(series.kinds) == {k for a in row.anomaly_kinds.split(";") for k in a.split("+")}
        assert series.oscillation == row.oscillation
        assert series.source.startswith("GutenTAG 1.5.0")


def test_training_series_are_anomaly_free(manifest):
    for row in manifest.itertuples():
        raw = verified_gzip_bytes(f"gutentag/{row.train_file}", row.train_csv_sha256)
        labels = pd.read_csv(io.BytesIO(raw))["is_anomaly"].to_numpy()
        assert labels.shape == (row.train_length,)
        assert not labels.any(), row.name


def test_stacked_kinds_count_for_each_kind():
    assert load_gutentag("sawtooth-mean+variance").kinds == ("mean", "variance")
    assert load_gutentag("sine-mixed").kinds == ("mean", "variance", "extremum")


def test_values_are_parsed_exactly():
    series = load_gutentag("sine-extremum")
    raw = verified_gzip_bytes(
        "gutentag/series/sine-extremum/test.csv.gz",
        gutentag_manifest().set_index("name").loc["sine-extremum", "test_csv_sha256"],
    )
    first_row = raw.decode().splitlines()[1].split(",")
    assert series.test[0, 0] == float(first_row[1])


def test_selected_series_keep_the_requested_order():
    names = ["mv5-sine", "sine-mean"]
    assert [s.name for s in load_gutentag_suite(names)] == names
    assert load_gutentag("mv5-sine").n_channels == 5


# --- sha256 verification ---------------------------------------------------------------------


def copy_series(tmp_path, name: str = "sine-mean"):
    """A data folder in tmp holding the manifest and one GutenTAG series."""
    source = data_dir() / "gutentag"
    target = tmp_path / "gutentag"
    (target / "series").mkdir(parents=True)
    shutil.copyfile(source / "manifest.csv", target / "manifest.csv")
    shutil.copytree(source / "series" / name, target / "series" / name)
    return target / "series" / name


def test_unmodified_copy_loads(monkeypatch, tmp_path):
    copy_series(tmp_path)
    monkeypatch.setenv("ADLIB_DATA_DIR", str(tmp_path))
    assert load_gutentag("sine-mean").test.shape == (7000, 1)


def test_recompressed_file_with_the_same_content_loads(monkeypatch, tmp_path):
    folder = copy_series(tmp_path)
    path = folder / "test.csv.gz"
    content = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(content, compresslevel=1, mtime=123))
    monkeypatch.setenv("ADLIB_DATA_DIR", str(tmp_path))
    assert load_gutentag("sine-mean").test.shape == (7000, 1)


def test_changed_content_gives_sha256_mismatch(monkeypatch, tmp_path):
    folder = copy_series(tmp_path)
    path = folder / "test.csv.gz"
    content = bytearray(gzip.decompress(path.read_bytes()))
    digit = content.index(b".") + 3
    content[digit] = ord("0") if content[digit] != ord("0") else ord("1")
    path.write_bytes(gzip.compress(bytes(content)))
    monkeypatch.setenv("ADLIB_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=r"sha256 mismatch for .*sine-mean.*test\.csv\.gz"):
        load_gutentag("sine-mean")


def test_corrupted_gzip_is_refused(monkeypatch, tmp_path):
    folder = copy_series(tmp_path)
    path = folder / "train_no_anomaly.csv.gz"
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))
    monkeypatch.setenv("ADLIB_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=r"train_no_anomaly\.csv\.gz.*modified or corrupted"):
        load_gutentag("sine-mean")


def test_tampered_manifest_is_refused(monkeypatch, tmp_path):
    copy_series(tmp_path)
    manifest = tmp_path / "gutentag" / "manifest.csv"
    manifest.write_text(manifest.read_text().replace("1062-1462", "1062-1463"))
    monkeypatch.setenv("ADLIB_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=r"sha256 mismatch for .*manifest\.csv"):
        gutentag_manifest()


def test_missing_series_file_gives_file_not_found(monkeypatch, tmp_path):
    copy_series(tmp_path)
    monkeypatch.setenv("ADLIB_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"sine-frequency.*test\.csv\.gz is missing"):
        load_gutentag("sine-frequency")


def test_unregistered_gzip_needs_an_expected_digest():
    with pytest.raises(ValueError, match="not a registered gzip dataset"):
        verified_gzip_bytes("gutentag/series/sine-mean/test.csv.gz")


# --- UCR 135 and Daphnet ---------------------------------------------------------------------


def test_ucr135_suite_splits_at_the_training_prefix():
    series = ucr135_suite()
    original = load_ucr135()
    assert series.train.shape == (1200, 1)
    assert series.test.shape == (6301, 1)
    np.testing.assert_array_equal(series.train[:, 0], original.values[:1200])
    np.testing.assert_array_equal(np.flatnonzero(series.labels), np.arange(4187, 4199) - 1200)
    assert series.oscillation == "real: heart rate"


def test_daphnet_is_sane():
    series = load_daphnet()
    assert series.train.shape == (DAPHNET_TRAIN_END, 9)
    assert series.test.shape == (7040 - DAPHNET_TRAIN_END, 9)
    assert series.labels.shape == (7040 - DAPHNET_TRAIN_END,)
    assert not series.labels.any()
    assert series.kinds == ()
    assert series.oscillation == "real: gait accelerometer"
    assert np.isfinite(series.test).all()
    # accelerometers in mg: gravity (~1000 mg) shows on the vertical axes while standing
    assert 800 < np.median(series.train[:1000, 1]) < 1200


def test_daphnet_content_is_aeons_file():
    # the sha256 aeon 1.6.0's wheel RECORD lists for Daphnet_S06R02E0/S06R02E0.csv
    record = "Wh0pkP7DhGw-G8Q0h_CGDmNDS9BrPfdjAS6XziPQ2Ew"
    digest = base64.urlsafe_b64decode(record + "=").hex()
    assert SHIPPED_GZIP_CONTENT["daphnet_s06r02e0.csv.gz"] == digest


def test_daphnet_tampering_is_refused(monkeypatch, tmp_path):
    content = gzip.decompress((data_dir() / "daphnet_s06r02e0.csv.gz").read_bytes())
    (tmp_path / "daphnet_s06r02e0.csv.gz").write_bytes(gzip.compress(content[:-2] + b"1\n"))
    monkeypatch.setenv("ADLIB_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=r"sha256 mismatch for .*daphnet_s06r02e0\.csv\.gz"):
        load_daphnet()


# --- the quick and full profiles -------------------------------------------------------------


def test_quick_subset_is_the_documented_one(manifest):
    names = quick_gutentag_names()
    assert names == QUICK
    rows = manifest.set_index("name").loc[list(names)]
    assert (rows["n_channels"] > 1).sum() == 2
    univariate = rows[rows["n_channels"] == 1]
    assert Counter(univariate["oscillation"]) == dict.fromkeys(
        ALL_OSCILLATIONS - {"random-mode-jump"}, 2
    )
    assert rows["test_length"].mean() < manifest["test_length"].mean()


def test_quick_subset_covers_every_kind_and_oscillation():
    series = load_gutentag_suite(quick_gutentag_names())
    assert {kind for s in series for kind in s.kinds} == ALL_KINDS
    assert set().union(*(oscillations(s.oscillation) for s in series)) == ALL_OSCILLATIONS


@pytest.mark.parametrize(("profile", "n_series"), [("quick", 15), ("full", 61)])
def test_benchmark_suite_profiles(profile, n_series):
    series = benchmark_suite(profile)
    assert len(series) == n_series
    assert len({s.name for s in series}) == n_series
    assert series[-1].name == "ucr135"
    assert "daphnet-s06r02e0" not in {s.name for s in series}
    assert all(s.labels.any() and not s.labels.all() for s in series)


# --- bad input -------------------------------------------------------------------------------


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"'sine-means' is not a GutenTAG series.*sine-mean"):
        load_gutentag("sine-means")
    with pytest.raises(ValueError, match="valid names"):
        load_gutentag_suite(["sine-mean", "nope"])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: load_gutentag(3), TypeError, "must be str"),
        (lambda: load_gutentag_suite("sine-mean"), TypeError, "list of series names"),
        (lambda: load_gutentag_suite([]), ValueError, "names is empty"),
        (lambda: load_gutentag_suite(["sine-mean", "sine-mean"]), ValueError, "repeats"),
        (lambda: benchmark_suite("medium"), ValueError, "profile must be one of"),
        (lambda: benchmark_suite(None), ValueError, "profile must be one of"),
    ],
)
def test_bad_arguments_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


def make(**overrides) -> SuiteSeries:
    fields = {
        "name": "toy",
        "train": np.zeros((10, 2)) + np.arange(10)[:, None],
        "test": np.ones((8, 2)),
        "labels": np.array([0, 0, 1, 1, 0, 0, 0, 0]),
        "kinds": ("mean",),
        "oscillation": "sine",
        "source": "test",
    }
    return SuiteSeries(**(fields | overrides))


def test_suite_series_converts_and_is_frozen():
    series = make(labels=[False] * 7 + [True])
    assert series.labels.dtype == np.int64
    assert series.n_channels == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        series.name = "other"


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"train": np.full((10, 2), np.nan)}, ValueError, "NaN"),
        ({"test": np.ones((8, 2)) * 1j}, TypeError, "complex"),
        ({"train": np.zeros(10)}, ValueError, "2-D"),
        ({"train": [["a", "b"]] * 10}, TypeError, "float array"),
        ({"test": np.ones((8, 3))}, ValueError, "channels"),
        ({"test": np.ones((1, 2)), "labels": [0]}, ValueError, "at least 2"),
        ({"labels": np.zeros(7)}, ValueError, "aligned"),
        ({"labels": np.full(8, 2)}, ValueError, "only 0"),
        ({"kinds": ["mean"]}, TypeError, "tuple of str"),
        ({"name": ""}, TypeError, "non-empty str"),
        ({"oscillation": None}, TypeError, "non-empty str"),
    ],
)
def test_suite_series_rejects_bad_fields(overrides, error, message):
    with pytest.raises(error, match=message):
        make(**overrides)
