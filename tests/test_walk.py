"""adlib.walk: dependency order, parallel execution and the metadata clean-up of `make run`."""

from __future__ import annotations

import threading
import time

import nbformat
import pytest

from adlib import walk


def _notebook(folder, name, source="x = 1"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    path = folder / name
    nbformat.write(nb, path)
    return path


@pytest.fixture
def walk_dir(tmp_path):
    return [
        _notebook(tmp_path, "00_data.ipynb"),
        _notebook(tmp_path, "07_lstm.ipynb"),
        _notebook(tmp_path, "09_transformer.ipynb", 'runs = load_results("07_lstm")'),
        _notebook(tmp_path, "14_walk.ipynb", "for stem in stems:\n    load_results(stem)"),
    ]


def test_dependencies_follow_load_results(walk_dir):
    needs = walk.dependencies(walk_dir)
    assert needs["00_data.ipynb"] == set() and needs["07_lstm.ipynb"] == set()
    assert needs["09_transformer.ipynb"] == {"07_lstm.ipynb"}
    assert needs["14_walk.ipynb"] == {"00_data.ipynb", "07_lstm.ipynb", "09_transformer.ipynb"}


def test_reading_an_unknown_notebook_is_an_error(tmp_path):
    paths = [_notebook(tmp_path, "01_a.ipynb", 'load_results("03_missing")')]
    with pytest.raises(ValueError, match=r"01_a.ipynb reads results of unknown notebooks"):
        walk.dependencies(paths)


def test_run_keeps_the_order_and_uses_every_job(walk_dir, tmp_path, monkeypatch):
    started, finished, active, peak = [], [], [0], [0]
    lock = threading.Lock()

    def fake_execute(notebook, out_dir, parameters):
        with lock:
            started.append(notebook.name)
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
            finished.append(notebook.name)
        return 0.05, ""

    monkeypatch.setattr(walk, "_execute", fake_execute)
    durations = {"07_lstm.ipynb": 90.0, "00_data.ipynb": 10.0}
    seconds = walk.run(walk_dir, tmp_path, jobs=2, durations=durations)
    assert set(seconds) == {p.name for p in walk_dir}
    assert started[0] == "07_lstm.ipynb"  # the longest ready notebook goes first
    assert peak[0] == 2
    assert started.index("09_transformer.ipynb") > finished.index("07_lstm.ipynb")
    assert started[-1] == "14_walk.ipynb" and len(finished) == 4


def test_a_failure_names_the_notebook_and_stops_the_walk(walk_dir, tmp_path, monkeypatch):
    def fake_execute(notebook, out_dir, parameters):
        return (1.0, "NameError: boom") if notebook.name == "07_lstm.ipynb" else (1.0, "")

    monkeypatch.setattr(walk, "_execute", fake_execute)
    with pytest.raises(RuntimeError, match=r"07_lstm.ipynb failed after 1 s:\nNameError: boom"):
        walk.run(walk_dir, tmp_path, jobs=1)


def test_notebooks_reading_each_other_are_refused(tmp_path):
    paths = [
        _notebook(tmp_path, "01_a.ipynb", 'load_results("02_b")'),
        _notebook(tmp_path, "02_b.ipynb", 'load_results("01_a")'),
    ]
    with pytest.raises(ValueError, match="read each other's results"):
        walk.run(paths, tmp_path, jobs=2)


def test_jobs_must_be_positive(walk_dir, tmp_path):
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        walk.run(walk_dir, tmp_path, jobs=0)


def test_strip_keeps_outputs_and_drops_timestamps(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(1)", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    cell.metadata["papermill"] = {"start_time": "2026-12-01T13:00:00", "duration": 0.1}
    cell.metadata["execution"] = {"iopub.execute_input": "2026-12-01T13:00:00"}
    nb.cells = [cell]
    nb.metadata["papermill"] = {"duration": 12.5, "start_time": "x", "input_path": "/home/a"}
    path = tmp_path / "00_x.ipynb"
    nbformat.write(nb, path)
    walk.strip([path])
    stripped = nbformat.read(path, as_version=4)
    assert stripped.cells[0].outputs[0].text == "1\n"
    assert stripped.cells[0].execution_count == 1 and stripped.cells[0].id == cell.id
    assert "papermill" not in stripped.cells[0].metadata
    assert "execution" not in stripped.cells[0].metadata
    assert stripped.metadata["papermill"] == {"duration": 12.5}
    assert walk.previous_duration(path) == 12.5


def test_a_subset_runs_in_order_and_leaves_the_others_alone(walk_dir, tmp_path, monkeypatch):
    started = []

    def fake_execute(notebook, out_dir, parameters):
        started.append(notebook.name)
        return 0.0, ""

    monkeypatch.setattr(walk, "_execute", fake_execute)
    seconds = walk.run(walk_dir, tmp_path, jobs=1, only=["14", "09_transformer.ipynb"])
    assert list(seconds) == started == ["09_transformer.ipynb", "14_walk.ipynb"]
    with pytest.raises(ValueError, match="do not all name notebooks"):
        walk.run(walk_dir, tmp_path, jobs=1, only=["42"])
