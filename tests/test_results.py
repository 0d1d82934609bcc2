"""adlib.results: the JSON files notebook 16 quotes from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from adlib.results import load_results, results_dir, results_read_dir, save_results

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture
def tmp_results(tmp_path, monkeypatch):
    monkeypatch.setenv("ADLIB_RESULTS_DIR", str(tmp_path / "results"))
    return tmp_path / "results"


def test_round_trip_converts_numpy_values(tmp_results):
    values = {
        "f1": np.float64(0.5),
        "n": np.int64(3),
        "flag": np.bool_(True),
        "by_dataset": {"shuttle": np.float32(0.25)},
        "names": ("a", "b"),
    }
    path = save_results("07_lstm_autoencoder", values)
    assert path == tmp_results / "07_lstm_autoencoder.json"
    loaded = load_results("07_lstm_autoencoder")
    assert loaded == {
        "f1": 0.5,
        "n": 3,
        "flag": True,
        "by_dataset": {"shuttle": 0.25},
        "names": ["a", "b"],
    }
    assert isinstance(loaded["n"], int) and isinstance(loaded["flag"], bool)


def test_floats_survive_exactly(tmp_results):
    value = 0.1 + 0.2
    save_results("00_setup", {"x": value})
    assert load_results("00_setup")["x"] == value


def test_results_dir_defaults_to_the_repository(monkeypatch):
    monkeypatch.delenv("ADLIB_RESULTS_DIR", raising=False)
    assert results_dir() == ROOT / "results"


@pytest.mark.parametrize("name", ["07", "lstm", "07_LSTM", "07_lstm.json", "../07_x", 7])
def test_bad_notebook_names_are_rejected(tmp_results, name):
    with pytest.raises(ValueError, match="notebook file stem"):
        save_results(name, {"x": 1})
    with pytest.raises(ValueError, match="notebook file stem"):
        load_results(name)


@pytest.mark.parametrize("values", [{}, [("x", 1)], None])
def test_values_must_be_a_non_empty_mapping(tmp_results, values):
    with pytest.raises(ValueError, match="non-empty mapping"):
        save_results("01_density", values)


@pytest.mark.parametrize("bad", [float("nan"), np.inf, {"inner": -np.inf}, [1.0, np.nan]])
def test_non_finite_values_are_rejected_with_their_name(tmp_results, bad):
    with pytest.raises(ValueError, match=r"01_density\.x.*finite"):
        save_results("01_density", {"x": bad})
    assert not (tmp_results / "01_density.json").exists()


@pytest.mark.parametrize("bad", [np.zeros(3), object(), {1: 0.5}])
def test_unsupported_values_raise_type_error(tmp_results, bad):
    with pytest.raises(TypeError, match="01_density"):
        save_results("01_density", {"x": bad})


def test_missing_file_names_the_notebook_to_run(tmp_results):
    with pytest.raises(ValueError, match=r"run notebooks/03_autoencoders\.ipynb first"):
        load_results("03_autoencoders")


@pytest.mark.parametrize(
    "path", [p for p in NOTEBOOKS if not p.name.startswith("16_")], ids=lambda p: p.name
)
def test_every_notebook_before_16_has_committed_results(path):
    saved = ROOT / "results" / f"{path.stem}.json"
    assert saved.is_file(), f"run {path.name} (make run) and commit results/"
    assert json.loads(saved.read_text()), "empty results"
    sources = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    assert re.search(rf'save_results\(\s*"{path.stem}"', sources), "the notebook saves its results"


def test_tables_become_mappings_without_missing_cells(tmp_results):
    table = pd.DataFrame(
        {("PR-AUC", "mean"): [0.5, 0.75], ("PR-AUC", "std"): [0.25, np.nan]},
        index=pd.Index(["autoencoder", "random"], name="detector"),
    )
    save_results("03_autoencoders", {"table": table, "counts": pd.Series({"f9": 3, "f1": 2})})
    assert load_results("03_autoencoders") == {
        "table": {
            "autoencoder": {"PR-AUC / mean": 0.5, "PR-AUC / std": 0.25},
            "random": {"PR-AUC / mean": 0.75},
        },
        "counts": {"f9": 3, "f1": 2},
    }


def test_results_are_read_from_the_read_dir_when_set(tmp_results, tmp_path, monkeypatch):
    save_results("07_lstm_autoencoder", {"x": 1.0})
    committed = tmp_path / "committed"
    committed.mkdir()
    (committed / "07_lstm_autoencoder.json").write_text('{"x": 2.0}')
    monkeypatch.setenv("ADLIB_RESULTS_READ_DIR", str(committed))
    assert results_read_dir() == committed
    assert load_results("07_lstm_autoencoder") == {"x": 2.0}
    assert json.loads((tmp_results / "07_lstm_autoencoder.json").read_text()) == {"x": 1.0}


def test_saving_leaves_no_partial_file(tmp_results):
    save_results("00_setup", {"x": 1})
    save_results("00_setup", {"x": 2})
    assert [p.name for p in tmp_results.iterdir()] == ["00_setup.json"]
