"""adlib.data loaders: shipped files (sha256-checked), library datasets, ODDS-style draws."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pandas as pd
import pytest

from adlib.data import (
    SHIPPED_FILES,
    Dataset,
    LabelledSeries,
    data_dir,
    load_nile,
    load_seatbelts,
    load_shuttle,
    load_ucr135,
    make_wbc,
    make_wine,
    sha256_of,
    verified_path,
)

# --- shipped files and their integrity check ----------------------------------------------


def test_every_shipped_file_matches_its_registered_sha256():
    for name, digest in SHIPPED_FILES.items():
        path = data_dir() / name
        assert path.is_file(), name
        assert sha256_of(path) == digest
        assert verified_path(name) == path


def test_data_dir_follows_environment_override(monkeypatch, tmp_path):
    monkeypatch.setenv("ADLIB_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv("ADLIB_DATA_DIR")
    assert data_dir().name == "data"
    assert (data_dir() / "shuttle.csv.gz").is_file()


@pytest.mark.parametrize(
    ("filename", "loader"),
    [
        ("seatbelts.csv", load_seatbelts),
        ("ucr135_internal_bleeding16.csv", load_ucr135),
        ("shuttle.csv.gz", load_shuttle),
    ],
)
def test_modified_byte_gives_sha256_mismatch_naming_the_file(
    monkeypatch, tmp_path, filename, loader
):
    copy = tmp_path / filename
    shutil.copyfile(data_dir() / filename, copy)
    content = bytearray(copy.read_bytes())
    content[len(content) // 2] ^= 0x01
    copy.write_bytes(bytes(content))
    monkeypatch.setenv("ADLIB_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=rf"sha256 mismatch for .*{re.escape(filename)}"):
        loader()


def test_unmodified_copy_in_override_dir_loads(monkeypatch, tmp_path):
    shutil.copyfile(data_dir() / "seatbelts.csv", tmp_path / "seatbelts.csv")
    monkeypatch.setenv("ADLIB_DATA_DIR", str(tmp_path))
    assert len(load_seatbelts()) == 192


def test_missing_file_gives_file_not_found(monkeypatch, tmp_path):
    monkeypatch.setenv("ADLIB_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"seatbelts\.csv is missing"):
        load_seatbelts()
    with pytest.raises(FileNotFoundError, match=r"shuttle\.csv\.gz is missing"):
        verified_path("shuttle.csv.gz")


def test_verified_path_accepts_explicit_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"ucr135_internal_bleeding16\.csv"):
        verified_path("ucr135_internal_bleeding16.csv", directory=tmp_path)


def test_unknown_file_is_rejected():
    with pytest.raises(ValueError, match="is not a shipped dataset"):
        verified_path("creditcard.csv")


# --- shuttle ------------------------------------------------------------------------------


def test_shuttle_shape_and_anomaly_count(shuttle):
    assert isinstance(shuttle, Dataset)
    assert shuttle.name == "shuttle"
    assert shuttle.X.shape == (49_097, 9)
    assert shuttle.X.dtype == np.float64
    assert shuttle.y.shape == (49_097,)
    assert shuttle.y.dtype == np.int64
    assert set(np.unique(shuttle.y)) == {0, 1}
    assert int(shuttle.y.sum()) == 3_511
    assert shuttle.anomaly_rate == pytest.approx(0.0715, abs=5e-5)
    assert len(shuttle.feature_names) == 9
    assert "anomaly" not in shuttle.feature_names
    assert np.isfinite(shuttle.X).all()


# --- ucr135 -------------------------------------------------------------------------------


def test_ucr135_facts():
    series = load_ucr135()
    assert isinstance(series, LabelledSeries)
    assert series.values.shape == (7_501,)
    assert series.labels.shape == (7_501,)
    assert np.isfinite(series.values).all()
    assert (series.anomaly_start, series.anomaly_end) == (4187, 4198)
    np.testing.assert_array_equal(np.flatnonzero(series.labels), np.arange(4187, 4199))
    assert series.train_end == 1200
    assert series.labels[: series.train_end].sum() == 0


# --- seatbelts ----------------------------------------------------------------------------


def test_seatbelts_facts():
    frame = load_seatbelts()
    assert len(frame) == 192
    assert list(frame.columns) == ["ksi", "law", "label"]
    assert isinstance(frame.index, pd.PeriodIndex)
    assert frame.index.name == "month"
    assert frame.index[0] == pd.Period("1969-01", "M")
    assert frame.index[-1] == pd.Period("1984-12", "M")
    assert (frame.index[1:] - frame.index[:-1] == pd.offsets.MonthEnd(1)).all()
    assert frame["ksi"].dtype == np.int64
    assert (frame["ksi"] > 0).all()
    law_start = frame.index[frame["law"] == 1][0]
    assert law_start == pd.Period("1983-02", "M")
    # The law never lapses once introduced, and the changepoint label is that one month.
    assert frame["law"].is_monotonic_increasing
    assert frame.loc[law_start:, "law"].eq(1).all()
    assert frame.index[frame["label"] == 1].tolist() == [law_start]


# --- Nile ---------------------------------------------------------------------------------


def test_nile_facts():
    nile = load_nile()
    assert isinstance(nile, pd.Series)
    assert len(nile) == 100
    assert nile.name == "volume"
    assert nile.index.name == "year"
    assert nile.index.tolist() == list(range(1871, 1971))
    assert nile.dtype == np.float64
    # the Aswan dam drop: the mean flow after 1898 is clearly lower than before
    assert nile.loc[:1898].mean() > nile.loc[1899:].mean() + 150


# --- ODDS-style draws ---------------------------------------------------------------------


def _anomaly_rows(dataset: Dataset) -> np.ndarray:
    return dataset.X[dataset.y == 1]


def test_make_wbc_counts():
    wbc = make_wbc()
    assert wbc.X.shape == (378, 30)
    assert int((wbc.y == 0).sum()) == 357
    assert int((wbc.y == 1).sum()) == 21
    assert len(wbc.feature_names) == 30
    assert wbc.anomaly_rate == pytest.approx(21 / 378)


def test_make_wbc_same_draw_identical_different_draw_differs():
    a, b, c = make_wbc(draw=3), make_wbc(draw=3), make_wbc(draw=4)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    # the normal rows are the same in every draw; only the sampled anomalies change
    np.testing.assert_array_equal(a.X[a.y == 0], c.X[c.y == 0])
    picked_a = {tuple(row) for row in _anomaly_rows(a)}
    picked_c = {tuple(row) for row in _anomaly_rows(c)}
    assert len(picked_a) == len(picked_c) == 21
    assert picked_a != picked_c


def test_make_wbc_anomalies_are_malignant_rows():
    from sklearn.datasets import load_breast_cancer

    raw = load_breast_cancer()
    malignant = {tuple(row) for row in raw.data[raw.target == 0]}
    wbc = make_wbc(draw=1, n_anomalies=50)
    assert int(wbc.y.sum()) == 50
    assert {tuple(row) for row in _anomaly_rows(wbc)} <= malignant


def test_make_wine_counts_and_draws():
    wine = make_wine()
    assert wine.X.shape == (129, 13)
    assert int((wine.y == 0).sum()) == 119
    assert int((wine.y == 1).sum()) == 10
    other = make_wine(draw=1)
    np.testing.assert_array_equal(make_wine().X, wine.X)
    assert {tuple(r) for r in _anomaly_rows(wine)} != {tuple(r) for r in _anomaly_rows(other)}


@pytest.mark.parametrize(
    ("maker", "kwargs", "error", "match"),
    [
        (make_wbc, {"n_anomalies": 213}, ValueError, r"n_anomalies must be in \[1, 212\]"),
        (make_wbc, {"n_anomalies": 0}, ValueError, r"n_anomalies must be in \[1, 212\]"),
        (make_wine, {"n_anomalies": 60}, ValueError, r"n_anomalies must be in \[1, 59\]"),
        (make_wbc, {"n_anomalies": 2.5}, TypeError, "n_anomalies must be an integer"),
        (make_wbc, {"draw": -1}, ValueError, r"draw must be in \[0"),
        (make_wine, {"draw": 0.5}, TypeError, "draw must be an integer"),
        (make_wine, {"draw": None}, TypeError, "draw must be an integer"),
    ],
)
def test_odds_style_rejects_bad_arguments(maker, kwargs, error, match):
    with pytest.raises(error, match=match):
        maker(**kwargs)
