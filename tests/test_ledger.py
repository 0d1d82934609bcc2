"""adlib.ledger: the claims ledger is read from executed notebooks and kept current."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from adlib.ledger import (
    END,
    LEDGER_NOTEBOOK,
    SECTION,
    START,
    VERDICTS,
    ClaimsTable,
    build_ledger,
    notebook_claims,
    parse_claims,
    render,
    update_readme,
    verdict_kinds,
)
from adlib.verdicts import RULE, Verdict, against_target, compare

ROOT = Path(__file__).resolve().parents[1]
HOLDS = Verdict("holds", "evidence")
HEADER = "| source claim | what we measured | verdict |\n|---|---|---|\n"


def write_notebook(path: Path, rows: str | None, heading: str = SECTION) -> Path:
    cell = nbformat.v4.new_code_cell("display(Markdown(table))")
    if rows is not None:
        cell.outputs = [
            nbformat.v4.new_output(
                "display_data", data={"text/markdown": HEADER + rows, "text/plain": "<md>"}
            )
        ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"## {heading}"), cell])
    nbformat.write(nb, path)
    return path


def test_rows_are_read_with_their_verdicts(tmp_path):
    path = write_notebook(
        tmp_path / "01_x.ipynb",
        "| A is better [002] | +0.1 | holds: by a lot |\n| B scales | 3× | does not hold |\n",
    )
    claims = notebook_claims(path)
    assert [c.claim for c in claims] == ["A is better [002]", "B scales"]
    assert [c.measured for c in claims] == ["+0.1", "3×"]
    assert [c.verdict for c in claims] == ["holds: by a lot", "does not hold"]
    assert [c.kind for c in claims] == ["holds", "does not hold"]
    assert {c.notebook for c in claims} == {"01_x.ipynb"}


def test_a_verdict_outside_the_three_words_is_refused(tmp_path):
    path = write_notebook(tmp_path / "01_x.ipynb", "| A | 1 | partly: maybe |\n")
    with pytest.raises(ValueError, match="partly: maybe"):
        notebook_claims(path)


def test_a_row_with_the_wrong_column_count_is_refused(tmp_path):
    path = write_notebook(tmp_path / "01_x.ipynb", "| A | 1 |\n")
    with pytest.raises(ValueError, match="3 columns"):
        notebook_claims(path)


def test_an_unexecuted_notebook_asks_to_be_run(tmp_path):
    path = write_notebook(tmp_path / "01_x.ipynb", None)
    with pytest.raises(ValueError, match="run the notebook"):
        notebook_claims(path)


def test_a_notebook_without_the_section_is_named(tmp_path):
    path = write_notebook(tmp_path / "01_x.ipynb", "| A | 1 | holds |\n", heading="Results")
    with pytest.raises(ValueError, match=r"01_x\.ipynb has no"):
        notebook_claims(path)


def test_the_ledger_notebook_itself_is_skipped(tmp_path):
    write_notebook(tmp_path / "01_x.ipynb", "| A | 1 | holds |\n")
    (tmp_path / LEDGER_NOTEBOOK).write_text("not even a notebook")
    assert [c.claim for c in build_ledger(tmp_path)] == ["A"]


def test_an_empty_folder_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no NN_"):
        build_ledger(tmp_path)


def test_render_counts_verdicts_and_links_notebooks(tmp_path):
    write_notebook(
        tmp_path / "02_y.ipynb",
        "| A | 1 | holds |\n| B | 2 | depends: on data |\n| C | 3 | does not hold: no |\n",
    )
    table = render(build_ledger(tmp_path), link_prefix="nb/")
    assert table.splitlines()[0] == RULE
    assert table.splitlines()[2] == (
        "3 claims tested. holds: 1, does not hold: 1, depends: 1, inconclusive: 0."
    )
    assert "| B | [02](nb/02_y.ipynb) | 2 | depends: on data |" in table


def test_update_readme_rewrites_only_between_the_markers(tmp_path):
    write_notebook(tmp_path / "01_x.ipynb", "| A | 1 | holds |\n")
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\nold\n{END}\noutro\n")
    assert update_readme(readme, tmp_path) is True
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("outro\n") and "\nold\n" not in text
    assert update_readme(readme, tmp_path) is False


def test_update_readme_needs_markers(tmp_path):
    write_notebook(tmp_path / "01_x.ipynb", "| A | 1 | holds |\n")
    readme = tmp_path / "README.md"
    readme.write_text("no markers")
    with pytest.raises(ValueError, match="markers"):
        update_readme(readme, tmp_path)


def test_every_notebook_contributes_claims_with_the_four_verdicts():
    claims = build_ledger(ROOT / "notebooks")
    by_notebook = {c.notebook for c in claims}
    expected = {
        p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb") if p.name != LEDGER_NOTEBOOK
    }
    assert by_notebook == expected
    assert all(c.verdict.startswith(VERDICTS) for c in claims)


def test_readme_ledger_is_current():
    text = (ROOT / "README.md").read_text()
    assert START in text and END in text, "the README needs the ledger markers"
    shown = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert shown == render(build_ledger(ROOT / "notebooks")), "run `make ledger` and commit"


def test_verdict_kinds_reads_a_table_given_as_text():
    table = HEADER + (
        "| a | 0.9 | holds |\n| b | 0.1 | does not hold: too low |\n| c | x | depends |\n"
        "| d | y | inconclusive: 12 seeds |\n"
    )
    assert verdict_kinds(table) == ["holds", "does not hold", "depends", "inconclusive"]


def test_verdict_kinds_refuses_an_empty_table():
    with pytest.raises(ValueError, match="03_x: the claims table has no rows"):
        verdict_kinds(HEADER, "03_x")


def test_every_notebook_saves_the_verdicts_its_claims_table_shows():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        if path.name == LEDGER_NOTEBOOK:
            continue
        saved = json.loads((ROOT / "results" / f"{path.stem}.json").read_text())
        assert saved["verdicts"] == [c.kind for c in notebook_claims(path)], path.name


def test_claims_table_renders_the_rows_the_ledger_reads_back():
    table = ClaimsTable()
    better = compare([0.91, 0.92], [0.52, 0.55], margin=0.01)
    on_target = against_target(0.5, 0.9, 0.1, "at least")
    table.add("a claim [000 Q1]", "0.91 vs 0.52", better).add("b", "c", on_target)
    assert len(table) == 2
    assert table.verdicts == ["holds", "does not hold"]
    assert table._repr_markdown_() == table.markdown
    claims = parse_claims(table.markdown, "03_x")
    assert [(c.claim, c.measured, c.verdict) for c in claims] == [
        ("a claim [000 Q1]", "0.91 vs 0.52", str(better)),
        ("b", "c", str(on_target)),
    ]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("a | b", "m", HOLDS), "holds a '|'"),
        (("a", "line\nbreak", HOLDS), "line break"),
        (("a", "m", Verdict("holds", "x | y")), "holds a '|'"),
        (("", "m", HOLDS), "non-empty text"),
        (("a", 0.5, HOLDS), "non-empty text"),
    ],
)
def test_claims_table_refuses_a_row_that_would_break_the_table(row, message):
    with pytest.raises(ValueError, match=message):
        ClaimsTable().add(*row)


@pytest.mark.parametrize("verdict", ["holds", "holds: clearly", None])
def test_claims_table_refuses_a_typed_verdict(verdict):
    with pytest.raises(TypeError, match=r"adlib\.verdicts\.Verdict"):
        ClaimsTable().add("a", "m", verdict)


def test_an_empty_claims_table_has_no_markdown():
    with pytest.raises(ValueError, match="empty"):
        ClaimsTable().markdown


def test_the_table_may_come_from_a_later_cell_of_the_section_only(tmp_path):
    path = write_notebook(tmp_path / "01_x.ipynb", "| A | 1 | holds |\n")
    nb = nbformat.read(path, as_version=4)
    shown = nb.cells[1]
    nb.cells[1] = nbformat.v4.new_code_cell("table = ClaimsTable()")
    nb.cells.append(shown)
    nbformat.write(nb, path)
    assert [c.claim for c in notebook_claims(path)] == ["A"]
    nb.cells.insert(2, nbformat.v4.new_markdown_cell("## Summary"))
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="shows no table"):
        notebook_claims(path)
