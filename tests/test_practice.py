"""Practice copies: up to date with the notebooks, answers hidden, exercises prompted."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from adlib.practice import main, practice_copy

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_practice_copy_is_up_to_date(path):
    committed = ROOT / "practice" / path.name
    assert committed.is_file(), "run `make practice` and commit practice/"
    expected = practice_copy(nbformat.read(path, as_version=4), path.name)
    assert nbformat.read(committed, as_version=4) == expected, "run `make practice` and commit"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_practice_copy_hides_answers_and_outputs(path):
    original = nbformat.read(path, as_version=4)
    copy = practice_copy(original, path.name)
    code = [c for c in copy.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    interview = next(c for c in copy.cells if c.id == "practice-interview")
    heading = next(
        i
        for i, c in enumerate(original.cells)
        if c.cell_type == "markdown" and "Interview questions" in c.source
    )
    n_questions = original.cells[heading + 1].source.count("**Q: ")
    assert interview.source.count("**Q: ") == n_questions
    assert interview.source.count("*Your answer:* …") == n_questions
    assert original.cells[heading + 1].source not in [c.source for c in copy.cells]
    exercises = [c for c in copy.cells if c.id.startswith("practice-exercise-")]
    assert exercises and all(c.source.startswith("# Exercise ") for c in exercises)


def test_practice_copy_refuses_a_notebook_off_the_skeleton():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")])
    with pytest.raises(ValueError, match="no 'Interview questions' heading"):
        practice_copy(notebook, "99_x.ipynb")


def test_main_writes_one_copy_per_notebook(tmp_path, capsys):
    main(["--notebooks", str(ROOT / "notebooks"), "--out", str(tmp_path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in NOTEBOOKS]
    assert str(tmp_path / NOTEBOOKS[0].name) in capsys.readouterr().out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_answer_survives_in_a_code_cell(path):
    copy = practice_copy(nbformat.read(path, as_version=4), path.name)
    assert not any(c.cell_type == "code" and "**Q: " in c.source for c in copy.cells)


def test_every_answer_cell_becomes_prompts_and_other_cells_stay():
    answers = 'display(Markdown("""\n**Q: Why?** [002]\nBecause {x}.\n"""))'
    cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell(answers),
        nbformat.v4.new_markdown_cell("## Interview questions"),
        nbformat.v4.new_code_cell(answers.replace("Why?", "How?")),
        nbformat.v4.new_markdown_cell("## Exercises\n\n1. Do it."),
    ]
    copy = practice_copy(nbformat.v4.new_notebook(cells=cells), "14_x.ipynb")
    sources = [c.source for c in copy.cells]
    assert "x = 1" in sources
    hidden = [c for c in copy.cells if c.id in ("practice-answers-1", "practice-interview")]
    assert [c.source.splitlines()[0] for c in hidden] == ["**Q: Why?** [002]", "**Q: How?** [002]"]
    assert all(c.cell_type == "markdown" and "Because" not in c.source for c in hidden)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_practice_copy_shows_no_verdict_and_saves_no_results(path):
    copy = practice_copy(nbformat.read(path, as_version=4), path.name)
    code = "\n".join(c.source for c in copy.cells if c.cell_type == "code")
    assert "save_results(" not in code
    assert "display(claims)" not in code and "render(ledger" not in code
    assert "Counter(c.kind" not in code
    assert any(c.id == "practice-claims" for c in copy.cells)


def test_the_claims_section_up_to_the_summary_becomes_one_prompt():
    cells = [
        nbformat.v4.new_markdown_cell("## What the sources claim vs what we measured"),
        nbformat.v4.new_code_cell("claims = Markdown(table)\ndisplay(claims)"),
        nbformat.v4.new_markdown_cell("The numbers also go to results/."),
        nbformat.v4.new_code_cell('save_results("03_x", {})'),
        nbformat.v4.new_markdown_cell("## Summary"),
        nbformat.v4.new_code_cell("print(Counter(c.kind for c in ledger))"),
        nbformat.v4.new_markdown_cell("## Interview questions"),
        nbformat.v4.new_code_cell('display(Markdown("""\n**Q: Why?**\nBecause.\n"""))'),
        nbformat.v4.new_markdown_cell("## Exercises\n\n1. Do it."),
    ]
    copy = practice_copy(nbformat.v4.new_notebook(cells=cells), "03_x.ipynb")
    ids = [c.id for c in copy.cells]
    assert ids[2:5] == ["practice-claims", cells[4].id, "practice-summary-3"]
    assert [c.cell_type for c in copy.cells[2:5]] == ["markdown"] * 3


def test_worked_solutions_stay_out_of_the_practice_copy():
    cells = [
        nbformat.v4.new_markdown_cell("## Interview questions"),
        nbformat.v4.new_code_cell('display(Markdown("""\n**Q: Why?**\nBecause.\n"""))'),
        nbformat.v4.new_markdown_cell("## Exercises\n\n1. Do it.\n2. Do more."),
        nbformat.v4.new_markdown_cell("## Solutions\n\n### Exercise 1\n\nLike this."),
        nbformat.v4.new_code_cell("answer = 42"),
        nbformat.v4.new_markdown_cell("### Exercise 2\n\nAnd this."),
    ]
    copy = practice_copy(nbformat.v4.new_notebook(cells=cells), "03_x.ipynb")
    sources = "\n".join(c.source for c in copy.cells)
    assert "Solutions" not in sources and "answer = 42" not in sources
    assert [c.id for c in copy.cells][-2:] == ["practice-exercise-1", "practice-exercise-2"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_practice_copy_keeps_no_solution(path):
    copy = practice_copy(nbformat.read(path, as_version=4), path.name)
    assert not any(c.source.lstrip().startswith("## Solutions") for c in copy.cells)
