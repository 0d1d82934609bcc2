"""Helpers of the interview walk-through (notebook 16): quote results and the ledger, traceably.

Notebook 16 answers every interview question of the sources with numbers the other
notebooks saved. Each answer is built by :class:`Evidence`: :meth:`Evidence.pick` reads the
numbers it quotes by their results keys (``("07", "ucr_vus_pr", ...)``; a key a notebook
renamed fails loudly, naming the notebook and the key), :meth:`Evidence.claims` looks the
verdicts up in the claims ledger (:func:`claim_verdict` over
:func:`adlib.ledger.build_ledger`), so an answer can never disagree with the notebook that
tested the claim, and :meth:`Evidence.show` displays the answer (short answer, concept,
evidence) with a record of every quote in the output's metadata, which
tests/test_interview_evidence.py checks against results/ and the ledger. A
measured-looking number typed into an answer is refused (:func:`untracked_numbers`).
:func:`claim_sources` and :func:`verdicts_by_source` count the ledger's verdicts by the
source document each claim cites.
"""

from __future__ import annotations

import ast
import operator
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from adlib._validation import check_int
from adlib.ledger import VERDICTS, Claim

#: The source documents a claim may cite, as ``[000]`` to ``[004]``.
SOURCE_IDS = ("000", "001", "002", "003", "004")
_SOURCE = re.compile(r"\b(00[0-4])\b")


def claim_verdict(ledger: Sequence[Claim], notebook: str, fragment: str) -> str:
    """The verdict of the one claim of ``notebook`` whose text contains ``fragment``.

    ledger: the claims of :func:`adlib.ledger.build_ledger`; notebook: its two-digit number
    (``"07"``) or a longer prefix of its file name; fragment: a piece of the claim's text,
    case-sensitive. Raises a ValueError when no claim or more than one matches, with the
    count, so that an answer never quotes a verdict it did not mean: lengthen the fragment.
    """
    if not isinstance(notebook, str) or not notebook:
        raise TypeError(f"notebook must be its number as text, e.g. '07', got {notebook!r}.")
    if not isinstance(fragment, str) or not fragment.strip():
        raise TypeError(f"fragment must be non-empty text from the claim, got {fragment!r}.")
    matches = [c for c in ledger if c.notebook.startswith(notebook) and fragment in c.claim]
    if len(matches) != 1:
        raise ValueError(
            f"{len(matches)} claims of notebook {notebook} contain {fragment!r}; exactly one "
            "must (quote a longer or more specific piece of the claim)."
        )
    return matches[0].verdict


def evidence_links(stems: Mapping[str, str], *numbers: str, label: str = "Evidence") -> str:
    """A markdown line linking the notebooks with these numbers: ``*Evidence:* [07](...).``.

    stems: notebook number -> file stem (``{"07": "07_lstm_autoencoder"}``); the links are
    relative, for a page inside notebooks/; label: the word before them. Raises a ValueError
    naming an unknown number.
    """
    if not numbers:
        raise ValueError("name at least one notebook number, e.g. evidence_links(stems, '07').")
    unknown = [n for n in numbers if n not in stems]
    if unknown:
        raise ValueError(f"no notebook numbered {unknown}; known: {sorted(stems)}.")
    return f"*{label}:* " + ", ".join(f"[{n}]({stems[n]}.ipynb)" for n in numbers) + "."


def plus_minus(stats: Mapping[str, float], digits: int = 3) -> str:
    """``"mean ± sd"`` of a saved summary ``{"mean": ..., "sd": ...}``, to ``digits`` decimals."""
    digits = check_int(digits, "digits", low=0)
    if not isinstance(stats, Mapping) or not {"mean", "sd"} <= set(stats):
        raise ValueError(f"stats must be a mapping with 'mean' and 'sd', got {stats!r}.")
    return f"{stats['mean']:.{digits}f} ± {stats['sd']:.{digits}f}"


def claim_sources(claim: Claim) -> list[str]:
    """The source documents a claim cites (``"000"`` to ``"004"``), sorted; else ``["other"]``.

    A claim cites a source by its number in brackets, e.g. "... [002 §7.2]"; claims from
    published studies or data sets cite none and count as "other".
    """
    if not isinstance(claim, Claim):
        raise TypeError(f"claim must be an adlib.ledger.Claim, got {type(claim).__name__}.")
    return sorted(set(_SOURCE.findall(claim.claim))) or ["other"]


def verdicts_by_source(ledger: Sequence[Claim]) -> pd.DataFrame:
    """Claims per source (rows, sorted) and verdict (columns, in :data:`VERDICTS` order).

    A claim that cites several sources counts once for each. Integer counts; a verdict no
    claim of a source reached counts 0.
    """
    if not ledger:
        raise ValueError("the ledger is empty; build it with adlib.ledger.build_ledger first.")
    counts = Counter((source, c.kind) for c in ledger for source in claim_sources(c))
    table = pd.DataFrame(
        [{"source": s, "verdict": v, "claims": n} for (s, v), n in counts.items()]
    ).pivot_table(index="source", columns="verdict", values="claims", fill_value=0)
    return table.reindex(columns=list(VERDICTS), fill_value=0).astype(int)


# --- Answers that record what they quote -------------------------------------------------
#
# An answer in notebook 16 quotes numbers from results/ and verdicts from the ledger. The
# classes below make each quote traceable: :meth:`Evidence.pick` returns the values named
# by results keys, wrapped so that formatting one into the answer's text records where it
# came from; :meth:`Evidence.claims` does the same for verdicts; :meth:`Evidence.show`
# displays the answer with the record of its quotes in the output's metadata, where
# tests/test_interview_evidence.py reads it back and checks each quote against results/
# and the ledger.

#: The metadata key under which an answer's output carries its record of quotes.
RECORD_KEY = "adlib.interview"
#: Numbers that look measured: decimals, percentages and ratios such as "1.5×".
MEASURED = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?\s?%|\d+(?:\.\d+)?×|(?<![\w.])\d[\d,]*\.\d+")
_QUOTATION = re.compile(r'"[^"\n]*"|“[^”\n]*”|\[\d{3}[^\]\n]*\]')
_LINK = re.compile(r"\]\([^)]*\)")


@dataclass(frozen=True)
class Calc:
    """A number derived from results and parameters: see :func:`calc`."""

    expression: str
    inputs: Mapping[str, tuple[str, ...] | str]


@dataclass(frozen=True)
class Count:
    """The length of a list saved in results: see :func:`count`."""

    key: tuple[str, ...]


@dataclass(frozen=True)
class Tally:
    """The number of claims in the ledger with one verdict: see :func:`tally`."""

    kind: str


def tally(kind: str) -> Tally:
    """How many claims of the ledger have verdict ``kind`` (one of VERDICTS, or "all")."""
    if kind != "all" and kind not in VERDICTS:
        raise ValueError(f"kind must be 'all' or one of {VERDICTS}, got {kind!r}.")
    return Tally(kind)


def calc(expression: str, **inputs: tuple[str, ...] | str) -> Calc:
    """A derived number for :meth:`Evidence.pick`: ``expression`` over named inputs.

    Each input is a results key ``(notebook, key, ...)`` or the name of a parameter of the
    notebook; ``expression`` uses only numbers, the input names, ``+ - * /`` and
    parentheses (see :func:`evaluate`), so a test can recompute it from results/.
    """
    evaluate(expression, dict.fromkeys(inputs, 1.0))  # refuse a bad expression early
    return Calc(expression, dict(inputs))


def count(notebook: str, *key: str) -> Count:
    """The number of items of a list saved in results, for :meth:`Evidence.pick`."""
    return Count((notebook, *key))


def evaluate(expression: str, values: Mapping[str, float]) -> float:
    """The value of an arithmetic ``expression`` (numbers, names, + - * /, parentheses).

    values: the number each name stands for. Raises a ValueError for anything else (calls,
    attributes, unknown names), so an expression saved with an answer can be recomputed
    safely from results/.
    """
    if not isinstance(expression, str) or not expression.strip():
        raise ValueError(f"expression must be non-empty text, got {expression!r}.")
    operators = {
        ast.Add: operator.add,
        ast.Sub: operator.sub,
        ast.Mult: operator.mul,
        ast.Div: operator.truediv,
    }

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in operators:
            return operators[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id in values:
            return float(values[node.id])
        raise ValueError(
            f"{expression!r}: only numbers, the names {sorted(values)}, + - * / and "
            f"parentheses are allowed, not {ast.unparse(node)!r}."
        )

    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as error:
        raise ValueError(f"{expression!r} is not an arithmetic expression: {error.msg}.") from None
    return walk(tree)


def lookup(
    results: Mapping[str, Mapping], key: Sequence[str], stems: Mapping[str, str] | None = None
) -> object:
    """The value saved under ``key`` = ``(notebook, name, ...)`` in ``results``.

    results: notebook number -> that notebook's results (:func:`adlib.results.load_results`).
    Raises a KeyError naming the notebook, its results file and the missing name, with the
    names present at that level, so that a key a notebook renamed fails loudly.
    """
    if not isinstance(key, tuple | list) or len(key) < 2:
        raise TypeError(f"a results key is (notebook, name, ...), got {key!r}.")
    notebook, *path = key
    stems = stems or {}
    where = f"results/{stems.get(notebook, notebook)}.json"
    if notebook not in results:
        raise KeyError(f"no results of notebook {notebook!r} ({where}); run it first.")
    value: object = results[notebook]
    for depth, name in enumerate(path):
        if not isinstance(value, Mapping) or name not in value:
            present = sorted(value) if isinstance(value, Mapping) else type(value).__name__
            raise KeyError(
                f"notebook {notebook} saved no {' → '.join(map(repr, path[: depth + 1]))} in "
                f"{where} (there: {present}); it was renamed or removed: update the key in "
                "the answer of notebook 16 that quotes it."
            )
        value = value[name]
    return value


class _Quoted:
    """Mixin of a quoted value: formatting it records the quote in its :class:`Evidence`."""

    _book: Evidence
    _source: dict

    def __format__(self, spec: str) -> str:
        text = super().__format__(spec)  # type: ignore[misc]
        self._book._pending.append(self._source | {"format": spec, "text": text})
        return text


class QuotedFloat(_Quoted, float):
    """A float read from results/ (or derived from it) that records itself when formatted."""


class QuotedInt(_Quoted, int):
    """An integer read from results/ that records itself when formatted."""


class QuotedText(_Quoted, str):
    """A name or label read from results/ that records itself when formatted."""


class QuotedVerdict(str):
    """A claim's verdict from the ledger, rendered ``**kind** (reason)``; records when formatted."""

    _book: Evidence
    _source: dict
    kind: str

    def __format__(self, spec: str) -> str:
        text = str.__format__(self, spec)
        self._book._pending.append(self._source | {"text": text})
        return text


class Picked(dict):
    """The values of :meth:`Evidence.pick` or :meth:`Evidence.claims`, by name: ``v.lstm``."""

    def __setitem__(self, name: str, value: object) -> None:
        if hasattr(dict, name):
            raise ValueError(f"{name!r} is a dict method and would hide the value; rename it.")
        super().__setitem__(name, value)

    def __getattr__(self, name: str) -> object:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"nothing picked as {name!r}; picked: {sorted(self)}.") from None


def _wrap(value: object, book: Evidence, source: dict) -> object:
    if isinstance(value, bool) or value is None:
        return value
    for kind, cls in ((int, QuotedInt), (float, QuotedFloat), (str, QuotedText)):
        if isinstance(value, kind):
            quoted = cls(value)
            quoted._book, quoted._source = book, source
            return quoted
    return value  # a mapping or list: its leaves are picked by their own keys


class Evidence:
    """What notebook 16's answers quote, and the record of every quote they make.

    results: notebook number -> saved results; ledger: the claims of
    :func:`adlib.ledger.build_ledger`; params: the notebook parameters an answer may quote
    or compute with (name -> number); stems: notebook number -> file stem, for links and
    error messages. Quote with :meth:`pick` and :meth:`claims`, display with :meth:`show`.
    """

    def __init__(
        self,
        results: Mapping[str, Mapping],
        ledger: Sequence[Claim],
        params: Mapping[str, float],
        stems: Mapping[str, str],
    ) -> None:
        self.results, self.ledger = results, list(ledger)
        self.params, self.stems = dict(params), dict(stems)
        self._pending: list[dict] = []

    def pick(self, **specs: object) -> Picked:
        """The values named by ``specs``, by name; each records itself when formatted.

        A spec is a results key ``(notebook, name, ...)``, a parameter's name, a
        :func:`calc`, a :func:`count` or a :func:`tally` of the ledger's verdicts. A
        missing key raises a KeyError naming the notebook and the key (:func:`lookup`).
        """
        picked = Picked()
        for name, spec in specs.items():
            picked[name] = self._value(spec)
        return picked

    def claims(self, **specs: tuple[str, str]) -> Picked:
        """The ledger's verdicts of the claims ``(notebook, fragment of the claim)``, by name.

        Each is rendered ``**kind** (reason)`` and has ``.kind``; :func:`claim_verdict`
        finds the claim and refuses a fragment that matches none or several.
        """
        picked = Picked()
        for name, (notebook, fragment) in specs.items():
            verdict = claim_verdict(self.ledger, notebook, fragment)
            kind = next(v for v in VERDICTS if verdict.startswith(v))
            reason = verdict[len(kind) :].lstrip(":, ").strip()
            quoted = QuotedVerdict(f"**{kind}** ({reason})" if reason else f"**{kind}**")
            quoted.kind = kind
            quoted._book = self
            quoted._source = {"claim": [notebook, fragment], "verdict": verdict}
            picked[name] = quoted
        return picked

    def answer(self, text: str, see: Sequence[str] = ()) -> tuple[str, dict]:
        """The answer as markdown and its record; takes the quotes formatted since the last.

        text: four paragraphs separated by blank lines: the ``**Q: ...**`` line, the one- or
        two-sentence answer, the concept (mechanism and trade-offs) and the evidence (what we
        measured, with the verdicts). The notebooks quoted are linked after the evidence, with
        any extra ones named in ``see``. Raises a ValueError when the text has other than four
        paragraphs, or holds a measured-looking number (a decimal, a percentage or a ratio)
        that no quote accounts for (:func:`untracked_numbers`): every such number is read,
        never typed.
        """
        quotes, self._pending = self._pending, []
        paragraphs = [_flat(p) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
        if len(paragraphs) != 4:
            raise ValueError(
                f"{text.strip()[:60]!r}: an answer is 4 paragraphs (question, answer, concept, "
                f"evidence) separated by blank lines; got {len(paragraphs)}."
            )
        question, say, concept, evidence = paragraphs
        quoted = {_notebook_of(q) for q in quotes} - {None}
        numbers = sorted(quoted | set(see))
        if numbers:
            evidence += " " + evidence_links(self.stems, *numbers, label="Notebooks")
        markdown = "\n\n".join(
            [question, f"**Answer.** {say}", f"**Concept.** {concept}", f"**Evidence.** {evidence}"]
        )
        stray = untracked_numbers(markdown, quotes)
        if stray:
            raise ValueError(
                f"{question[:60]}: the numbers {stray} are typed, not quoted; read them with "
                "Evidence.pick (a results key, a parameter or a calc)."
            )
        return markdown, {"question": question, "quotes": quotes}

    def show(self, text: str, see: Sequence[str] = ()) -> None:
        """Display :meth:`answer` as markdown, its record in the output's metadata."""
        from IPython.display import Markdown, display

        markdown, record = self.answer(text, see)
        display(Markdown(markdown), metadata={RECORD_KEY: record})

    def _value(self, spec: object) -> object:
        if isinstance(spec, str):
            if spec not in self.params:
                raise KeyError(f"no parameter {spec!r}; parameters: {sorted(self.params)}.")
            return _wrap(self.params[spec], self, {"param": spec, "value": self.params[spec]})
        if isinstance(spec, Tally):
            n = sum(spec.kind in ("all", claim.kind) for claim in self.ledger)
            return _wrap(n, self, {"tally": spec.kind, "value": n})
        if isinstance(spec, Count):
            items = lookup(self.results, spec.key, self.stems)
            if not isinstance(items, list):
                raise TypeError(f"{spec.key} holds a {type(items).__name__}, not a list.")
            return _wrap(len(items), self, {"count": list(spec.key), "value": len(items)})
        if isinstance(spec, Calc):
            inputs = {name: self._input(part) for name, part in spec.inputs.items()}
            value = evaluate(spec.expression, inputs)
            source = {"calc": spec.expression, "inputs": _plain_inputs(spec.inputs)}
            return _wrap(value, self, source | {"value": value})
        value = lookup(self.results, spec, self.stems)
        return _wrap(value, self, {"key": list(spec), "value": value})

    def _input(self, part: tuple[str, ...] | str) -> float:
        value = self.params[part] if isinstance(part, str) else lookup(self.results, part)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"calc input {part!r} is {value!r}, not a number.")
        return float(value)


def untracked_numbers(text: str, quotes: Sequence[Mapping]) -> list[str]:
    """The measured-looking numbers of ``text`` that no quote accounts for, in order.

    Measured-looking (:data:`MEASURED`): decimals, percentages and ratios such as "3×".
    Left out before searching: the first line (the question), every quote's text, a
    source's own words in quotation marks (its stated numbers, e.g. "99.7 % coverage"), source
    references such as [002 §10.3] and link targets. Plain integers (a window length,
    "UCR 135") are not searched.
    """
    body = text.split("\n", 1)[1] if "\n" in text else ""
    for quote in sorted(quotes, key=lambda q: -len(q["text"])):
        if quote["text"]:
            body = re.sub(rf"(?<![\d.]){re.escape(quote['text'])}(?!\d)", " ", body)
    body = _LINK.sub("]", _QUOTATION.sub(" ", body))
    return MEASURED.findall(body)


def _notebook_of(quote: Mapping) -> str | None:
    """The notebook a quote reads (results key, list, claim or calc input), else None."""
    for field in ("key", "count", "claim"):
        if field in quote:
            return quote[field][0]
    parts = [p for p in quote.get("inputs", {}).values() if not isinstance(p, str)]
    return parts[0][0] if parts else None


def _flat(text: str) -> str:
    """Text as one markdown paragraph: lines joined, outer space removed."""
    return " ".join(line.strip() for line in text.strip().splitlines() if line.strip())


def _plain_inputs(inputs: Mapping[str, tuple[str, ...] | str]) -> dict:
    return {name: part if isinstance(part, str) else list(part) for name, part in inputs.items()}
