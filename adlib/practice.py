"""Practice copies of the notebooks for interview preparation: ``python -m adlib.practice``.

A practice copy is the notebook with every output removed, its interview answers replaced
by the bare questions with a prompt to answer them, its claims section (the verdicts, the
table, the saving of results) replaced by a prompt to judge the claims, the code of its
summary hidden, its worked solutions removed, and an empty code cell after the exercises
for each one. Running a copy
therefore prints no verdict and rewrites no committed result. Work through it, then
compare with the original, whose answers quote the numbers the notebook measured.
``make practice`` writes one copy per notebook into ``practice/``; a test checks that the
committed copies match the notebooks.

The notebooks follow one skeleton (checked by ``tests/test_repo_hygiene.py``): a markdown
cell ending in the heading "Interview questions", then one code cell that displays the
answers, each starting with ``**Q: ...**`` on its own line, and an "## Exercises" cell
with a numbered list, followed by a "## Solutions" section with a "### Exercise N"
heading for each. Any other code cell with ``**Q: ...**`` lines is an answer cell too
(notebook 16 is made of them) and is replaced the same way.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat

from adlib.ledger import SECTION

_QUESTION = re.compile(r"^\*\*Q: .*?\*\*.*$", re.MULTILINE)
_EXERCISE = re.compile(r"^(\d+)\. ", re.MULTILINE)


def practice_copy(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The practice copy of ``notebook`` (parsed, file name ``name``); the input is unchanged.

    Raises a ValueError when the notebook does not follow the skeleton, saying which part
    is missing.
    """
    cells = [nbformat.from_dict(cell) for cell in notebook.cells]
    heading = _find(
        cells, lambda c: c.cell_type == "markdown" and "Interview questions" in c.source
    )
    if heading is None or heading + 1 >= len(cells) or cells[heading + 1].cell_type != "code":
        raise ValueError(f"{name}: no 'Interview questions' heading followed by an answer cell.")
    if not _QUESTION.search(cells[heading + 1].source):
        raise ValueError(f"{name}: the interview cell has no '**Q: ...**' lines.")
    exercises = _find(cells, lambda c: c.cell_type == "markdown" and "## Exercises" in c.source)
    if exercises is None:
        raise ValueError(f"{name}: no '## Exercises' cell.")
    numbers = _EXERCISE.findall(cells[exercises].source)

    for i, cell in enumerate(cells):
        if i == heading + 1 or (cell.cell_type == "code" and _QUESTION.search(cell.source)):
            cell_id = "practice-interview" if i == heading + 1 else f"practice-answers-{i}"
            cells[i] = _cell(nbformat.v4.new_markdown_cell, _prompts(cell.source, name), cell_id)
    work = [
        _cell(
            nbformat.v4.new_code_cell,
            f"# Exercise {number}: your code here\n",
            f"practice-exercise-{number}",
        )
        for number in numbers
    ]
    solutions = _find(cells, lambda c: c.cell_type == "markdown" and _is_solutions(c))
    if solutions is not None:
        end = next((i for i in range(solutions + 1, len(cells)) if _is_section(cells[i])), None)
        cells = cells[:solutions] + (cells[end:] if end is not None else [])
    cells = cells[: exercises + 1] + work + cells[exercises + 1 :]
    cells = _hide_verdicts(cells, name)
    banner = _cell(
        nbformat.v4.new_markdown_cell,
        f"*Practice copy of `notebooks/{name}`: outputs removed, interview answers replaced by "
        "prompts, a cell for each exercise. Run it top to bottom, answer, then compare with the "
        "original. Regenerate with `make practice`.*",
        "practice-banner",
    )
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    copy = nbformat.from_dict(notebook)
    copy.cells = [banner, *cells]
    copy.metadata.pop("papermill", None)
    return copy


def write_practice(notebooks: Path, out: Path) -> list[Path]:
    """Write a practice copy of every ``NN_*.ipynb`` in ``notebooks`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        copy = practice_copy(nbformat.read(path, as_version=4), path.name)
        target = out / path.name
        nbformat.write(copy, target)
        written.append(target)
    return written


def _hide_verdicts(cells: list, name: str) -> list:
    """``cells`` with the claims section replaced by a prompt and the summary's code hidden.

    The claims section runs from its heading to the next "## " heading; it holds the claims
    table (verdicts) and the cell that saves the notebook's results. Code in the summary
    section (notebook 16 counts the verdicts there) becomes a note that it is hidden.
    """
    start = _find(cells, lambda c: c.cell_type == "markdown" and SECTION in c.source)
    if start is None:
        return cells
    end = next((i for i in range(start + 1, len(cells)) if _is_section(cells[i])), len(cells))
    prompt = _cell(
        nbformat.v4.new_markdown_cell,
        "For each claim of the sources this notebook tests, decide from what you measured above "
        "whether it holds, does not hold, depends (and on what) or is inconclusive, by the paired "
        "rule of notebook 00, with the numbers behind your verdict; then compare with the "
        f"claims table in `notebooks/{name}`.",
        "practice-claims",
    )
    cells = [*cells[: start + 1], prompt, *cells[end:]]
    summary = next((i for i in range(start + 1, len(cells)) if _is_section(cells[i])), None)
    if summary is None or not cells[summary].source.lstrip().startswith("## Summary"):
        return cells
    for i in range(summary + 1, len(cells)):
        if _is_section(cells[i]):
            break
        if cells[i].cell_type == "code":
            cells[i] = _cell(
                nbformat.v4.new_markdown_cell,
                f"*Hidden in the practice copy: this summary counts the verdicts (see "
                f"`notebooks/{name}`).*",
                f"practice-summary-{i}",
            )
    return cells


def _is_solutions(cell: nbformat.NotebookNode) -> bool:
    return cell.source.lstrip().startswith("## Solutions")


def _is_section(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "markdown" and cell.source.lstrip().startswith("## ")


def _prompts(source: str, name: str) -> str:
    """The ``**Q: ...**`` lines of an answer cell, each followed by a prompt."""
    prompts = "\n\n".join(f"{q}\n\n*Your answer:* …" for q in _QUESTION.findall(source))
    return (
        f"{prompts}\n\nAnswer in a few sentences, with numbers you measured above; then compare "
        f"with the answers in `notebooks/{name}`."
    )


def _find(cells: list, predicate) -> int | None:
    return next((i for i, cell in enumerate(cells) if predicate(cell)), None)


def _cell(make, source: str, cell_id: str) -> nbformat.NotebookNode:
    """A new cell from ``make`` (``nbformat.v4.new_*_cell``) with a fixed id, so that
    regenerating a copy changes nothing."""
    cell = make(source)
    cell.id = cell_id
    return cell


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m adlib.practice", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"))
    parser.add_argument("--out", type=Path, default=Path("practice"))
    args = parser.parse_args(argv)
    for path in write_practice(args.notebooks, args.out):
        print(path)


if __name__ == "__main__":
    main()
