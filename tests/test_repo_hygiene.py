"""Repository-level checks: pins, notebook skeleton, nbval markers and figures."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PIN = re.compile(r"^[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+$")


def requirement_lines() -> list[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_every_requirement_is_pinned_exactly():
    unpinned = [line for line in requirement_lines() if not PIN.match(line)]
    assert unpinned == []


def test_torch_is_pinned_to_the_cpu_wheel_version():
    assert "torch==2.13.0" in requirement_lines()


@pytest.mark.parametrize(
    "package",
    [
        "jupyterlab",
        "papermill",
        "nbval",
        "ipykernel",
        "ipywidgets",
        "numpy",
        "pandas",
        "scipy",
        "scikit-learn",
        "statsmodels",
        "matplotlib",
        "seaborn",
        "tqdm",
        "pytest",
        "hypothesis",
        "ruff",
    ],
)
def test_required_package_is_listed(package):
    names = {line.split("==")[0].lower() for line in requirement_lines()}
    assert package in names


def test_environment_yml_uses_the_same_pins():
    text = (ROOT / "environment.yml").read_text()
    assert "python=3.11" in text
    assert "-r requirements.txt" in text
    assert "-e ." in text


def test_there_are_notebooks():
    assert [nb.name[:2] for nb in NOTEBOOKS][:2] == ["00", "01"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_a_parameters_cell_with_the_standard_names(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("SEED", "DEVICE", "PROFILE"):
        assert re.search(rf"^{name} = ", tagged[0].source, re.MULTILINE), name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_the_skeleton(path):
    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert markdown.lstrip().startswith("# ")
    for heading in (
        "What the sources claim vs what we measured",
        "Summary",
        "Interview questions",
        "Exercises",
    ):
        assert re.search(rf"^#+ {heading}\s*$", markdown, re.MULTILINE), heading


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_executed_and_checked(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "run `make run` and commit the outputs"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    assert any("# NBVAL_CHECK_OUTPUT" in c.source for c in code)
    assert all("sys.path" not in c.source for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_figures_saved_by_a_notebook_exist(path):
    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    names = re.findall(r'savefig\(fig, "([^"]+)"\)', source)
    missing = [n for n in names if not (ROOT / "figures" / f"{n}.png").is_file()]
    assert missing == []


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()


def _recipe(target: str) -> str:
    dry_run = ["make", "-n", target]
    recipe = subprocess.run(dry_run, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return recipe.replace("\\\n", " ")


def test_run_full_writes_only_under_build_full():
    runs = [line for line in _recipe("run-full").splitlines() if "adlib.walk" in line]
    assert len(runs) == 1  # one walk over every notebook
    assert "-p PROFILE full" in runs[0]
    assert "--out build/full" in runs[0]
    assert "ADLIB_FIGURES_DIR=" in runs[0] and "/build/full/figures" in runs[0]
    assert "ADLIB_RESULTS_DIR=" in runs[0] and "/build/full/results" in runs[0]


def test_run_and_test_use_every_core():
    assert "--jobs" in _recipe("run")
    notebooks = _recipe("test-notebooks")
    assert "--dist loadscope" in notebooks and " -n " in notebooks
    assert "ADLIB_RESULTS_READ_DIR=" in notebooks and "ADLIB_FRESH_RESULTS=" in notebooks
    assert " -n " in _recipe("test-unit")


def test_ci_runs_on_the_generic_kernels():
    ci = (ROOT / ".ci" / "run").read_text()
    for switch in (
        "ATEN_CPU_CAPABILITY=default",
        "OPENBLAS_CORETYPE=Haswell",
        "MKL_ENABLE_INSTRUCTIONS=AVX2",
        "ONEDNN_MAX_CPU_ISA=AVX2",
    ):
        assert f"export {switch}" in ci


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_carries_no_execution_timestamps(path):
    nb = nbformat.read(path, as_version=4)
    stamped = [c for c in nb.cells if {"papermill", "execution"} & set(c.metadata)]
    assert stamped == [], "run `make run`: it strips papermill's per-cell timestamps"
    assert not {"start_time", "end_time", "input_path"} & set(nb.metadata.get("papermill", {}))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_shows_its_figures_and_stores_no_widgets(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    kinds = {kind for c in code for o in c.outputs for kind in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" not in kinds, "run `make run`"
    assert "widgets" not in nb.metadata
    for cell in code:
        if "plots.savefig(" in cell.source:
            shown = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            assert shown, f"a cell saves a figure but shows none: {cell.source[:60]!r}"


def _code_cells(path: Path) -> list:
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_cells_are_short(path):
    long = [c.source[:60] for c in _code_cells(path) if len(c.source.splitlines()) > 25]
    assert long == [], "split these cells (25 lines at most), each led by a sentence"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_cell_is_led_by_prose(path):
    cells = nbformat.read(path, as_version=4).cells
    unled = [
        cell.source[:60]
        for before, cell in itertools.pairwise(cells)
        if cell.cell_type == "code" and before.cell_type != "markdown"
    ]
    assert unled == [], "put a sentence before each code cell saying what it does and why"


def test_no_helper_is_defined_in_two_notebooks():
    defined: dict[str, list[str]] = {}
    for path in NOTEBOOKS:
        names = {
            name for c in _code_cells(path) for name in re.findall(r"^def (\w+)", c.source, re.M)
        }
        for name in names:
            defined.setdefault(name, []).append(path.name[:2])
    shared = {name: where for name, where in defined.items() if len(where) > 1}
    assert shared == {}, "move shared helpers into adlib (with tests) and import them"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_checked_in_a_few_summary_cells(path):
    sources = [c.source for c in _code_cells(path)]
    checked = sum("# NBVAL_CHECK_OUTPUT" in s for s in sources)
    assert 1 <= checked <= 3, "check a few summary cells; save other numbers to results/"
    # nbval runs with --nbval-lax: an unmarked cell is already unchecked.
    assert not any("NBVAL_IGNORE_OUTPUT" in s for s in sources)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_has_a_worked_solution(path):
    cells = nbformat.read(path, as_version=4).cells
    markdown = [c.source for c in cells if c.cell_type == "markdown"]
    exercises = next(s for s in markdown if s.lstrip().startswith("## Exercises"))
    numbers = re.findall(r"^(\d+)\. ", exercises, re.M)
    start = next(i for i, s in enumerate(markdown) if s.lstrip().startswith("## Solutions"))
    solved = re.findall(r"^### Exercise (\d+)\b", "\n".join(markdown[start:]), re.M)
    assert solved == numbers
