"""Notebook 16's answers quote only results/ and the ledger: checked on the executed notebook.

Every answer of notebook 16 is displayed by :meth:`adlib.interview.Evidence.show`, which
stores with the output a record of each quote: the results key (or parameter, calculation,
list length or ledger tally) of every number, and the claim of every verdict. These tests
read those records back from the committed, executed notebook and check each quote against
``results/*.json`` and the claims ledger of the executed notebooks 00-15, so an answer that
drifted from the evidence (a notebook re-run without re-running 16, a typed number, a
verdict that changed) fails here. Run ``make run NB=16`` after the results change.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from adlib import trainability, verdicts
from adlib.interview import RECORD_KEY, claim_verdict, evaluate, lookup, untracked_numbers
from adlib.ledger import VERDICTS, build_ledger
from adlib.results import load_results

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK = NOTEBOOKS / "16_interview_walkthrough.ipynb"
QUESTION = re.compile(r"^\*\*Q: .*?\*\*.*$", re.MULTILINE)
RERUN = "re-run notebook 16 (make run NB=16) after the results it quotes change"


def _cells() -> list:
    return nbformat.read(NOTEBOOK, as_version=4).cells


def _answers() -> list[tuple[str, dict]]:
    """(markdown, record) of every answer displayed in the executed notebook, in order."""
    return [
        (output["data"]["text/markdown"], output["metadata"][RECORD_KEY])
        for cell in _cells()
        if cell.cell_type == "code"
        for output in cell.outputs
        if RECORD_KEY in output.get("metadata", {})
    ]


def _quotes(kind: str) -> list[tuple[str, dict, str]]:
    return [
        (record["question"], quote, markdown)
        for markdown, record in _answers()
        for quote in record["quotes"]
        if kind in quote
    ]


def _params() -> dict[str, float]:
    """The notebook's parameters (its tagged cells) and the rule's constants it may quote."""
    values = {
        "CONFIDENCE": verdicts.CONFIDENCE,
        "FAILURE_FACTOR": trainability.FAILURE_FACTOR,
    }
    for cell in _cells():
        tags = cell.metadata.get("tags", [])
        if "parameters" in tags or "injected-parameters" in tags:
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                    values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    stems = {p.stem[:2]: p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    return {number: load_results(stem) for number, stem in stems.items() if number != "16"}


@pytest.fixture(scope="module")
def ledger() -> list:
    return build_ledger(NOTEBOOKS)


def _check_text(question: str, quote: dict, value: object, markdown: str) -> None:
    where = f"{question[:70]} quotes {quote}"
    assert value == quote["value"], f"{where}; results now hold {value!r}: {RERUN}"
    assert format(value, quote["format"]) == quote["text"], where
    assert quote["text"] in markdown, f"{where}, but its text is not in the answer"


def test_every_answer_cell_displays_its_answers_with_their_record():
    cells = [c for c in _cells() if c.cell_type == "code" and QUESTION.search(c.source)]
    assert len(cells) >= 30
    for cell in cells:
        records = [o for o in cell.outputs if RECORD_KEY in o.get("metadata", {})]
        assert len(records) == len(QUESTION.findall(cell.source)), cell.source[:80]


def test_every_answer_says_it_then_explains_then_shows_the_evidence():
    for markdown, record in _answers():
        parts = [markdown.find(label) for label in ("**Answer.**", "**Concept.**", "**Evidence.**")]
        assert -1 not in parts and parts == sorted(parts), record["question"]
        short = markdown[parts[0] : parts[1]].removeprefix("**Answer.**")
        sentences = re.findall(r"[.!?](?=\s|$)", short.replace("e.g.", "eg"))
        assert 1 <= len(sentences) <= 2, f"{record['question']}: the answer is not 1-2 sentences"


def test_each_quoted_number_is_the_results_value_it_names(results):
    quotes = _quotes("key")
    assert len(quotes) > 100
    for question, quote, markdown in quotes:
        value = lookup(results, tuple(quote["key"]))
        _check_text(question, quote, value, markdown)


def test_each_calculated_or_counted_number_is_recomputed_from_results(results, ledger):
    params = _params()
    for question, quote, markdown in _quotes("calc"):
        inputs = {
            name: params[part] if isinstance(part, str) else lookup(results, tuple(part))
            for name, part in quote["inputs"].items()
        }
        _check_text(question, quote, evaluate(quote["calc"], inputs), markdown)
    for question, quote, markdown in _quotes("count"):
        _check_text(question, quote, len(lookup(results, tuple(quote["count"]))), markdown)
    for question, quote, markdown in _quotes("param"):
        _check_text(question, quote, params[quote["param"]], markdown)
    for question, quote, markdown in _quotes("tally"):
        n = sum(quote["tally"] in ("all", claim.kind) for claim in ledger)
        _check_text(question, quote, n, markdown)


def test_each_quoted_verdict_is_the_ledgers(ledger):
    quotes = _quotes("claim")
    assert len(quotes) > 30
    for question, quote, markdown in quotes:
        notebook, fragment = quote["claim"]
        verdict = claim_verdict(ledger, notebook, fragment)
        assert verdict == quote["verdict"], f"{question[:70]}: the ledger says {verdict!r}; {RERUN}"
        assert quote["text"] in markdown
        kind = next(v for v in VERDICTS if verdict.startswith(v))
        assert quote["text"].startswith(f"**{kind}**"), quote["text"]


def test_no_answer_types_a_measured_number():
    for markdown, record in _answers():
        assert untracked_numbers(markdown, record["quotes"]) == [], record["question"]
