"""The claims ledger: every source claim the notebooks test, with what they measured.

Each notebook ends with a section "What the sources claim vs what we measured", whose code
cells build a three-column markdown table (claim, what we measured, verdict) from the
notebook's own variables with :class:`ClaimsTable` and display it. The ledger reads those
tables from the *executed* notebooks, so it holds only computed results and changes when
they do. ``python -m adlib.ledger``
rewrites the ledger section of README.md (``make ledger``); a test checks it is current.
Notebook 16 shows the same table as its own claims section, so it is not read back.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

from adlib.verdicts import RULE, VERDICTS, Verdict

SECTION = "What the sources claim vs what we measured"
START, END = "<!-- ledger:start -->", "<!-- ledger:end -->"
LEDGER_NOTEBOOK = "16_interview_walkthrough.ipynb"


@dataclass(frozen=True)
class Claim:
    """One row of a notebook's claims table; ``verdict`` starts with one of :data:`VERDICTS`."""

    notebook: str
    claim: str
    measured: str
    verdict: str

    @property
    def kind(self) -> str:
        """The verdict's first words: one of :data:`VERDICTS`."""
        return next(v for v in VERDICTS if self.verdict.startswith(v))


class ClaimsTable:
    """A notebook's claims table, built one claim at a time (taught in 00, used by every notebook).

    Each :meth:`add` checks its row: the verdict must be a :class:`adlib.verdicts.Verdict`
    (one rule decides every verdict), and no cell may hold a ``|`` or a line break, which
    would break the markdown table the ledger reads back. Displaying the table in a notebook
    renders it as markdown; :attr:`verdicts` gives the verdict words that the notebook saves
    with its results.
    """

    def __init__(self) -> None:
        self._rows: list[tuple[str, str, str]] = []

    def add(self, claim: str, measured: str, verdict: Verdict) -> ClaimsTable:
        """Append a row (what the source says, what we measured, the verdict); returns self.

        ``verdict`` must come from the one rule in :mod:`adlib.verdicts` (``compare``,
        ``similar``, ``not_worse``, ``against_target``, ``combine`` or ``all_parts``): a
        typed verdict is refused.
        """
        if not isinstance(verdict, Verdict):
            raise TypeError(
                f"verdict must be an adlib.verdicts.Verdict, got {type(verdict).__name__} "
                f"{verdict!r}; build it with a function of adlib.verdicts."
            )
        row = (claim, measured, str(verdict))
        for name, text in zip(("claim", "measured", "verdict"), row, strict=True):
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"the {name} of a claim must be non-empty text, got {text!r}.")
            if "|" in text or "\n" in text:
                raise ValueError(
                    f"the {name} {text[:60]!r} holds a '|' or a line break, which would break "
                    "the table; rephrase it (use '/' or ';')."
                )
        self._rows.append(tuple(part.strip() for part in row))
        return self

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        """The rows added so far, as (claim, measured, verdict) tuples."""
        return list(self._rows)

    @property
    def verdicts(self) -> list[str]:
        """The verdict words, row by row: each one of :data:`VERDICTS`."""
        return [next(v for v in VERDICTS if verdict.startswith(v)) for *_, verdict in self._rows]

    @property
    def markdown(self) -> str:
        """The table as markdown: a header, a rule and one line per claim."""
        if not self._rows:
            raise ValueError("the claims table is empty; add a claim first.")
        lines = ["| source claim | what we measured | verdict |", "|---|---|---|"]
        lines += [f"| {claim} | {measured} | {verdict} |" for claim, measured, verdict in self.rows]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __len__(self) -> int:
        return len(self._rows)


def notebook_claims(path: str | Path) -> list[Claim]:
    """The claims table of one executed notebook, row by row.

    The table is the last markdown table displayed by a code cell of the claims section:
    the section may build it over several cells, and a cell that shows it half-built comes
    before the one that shows it whole. Raises a ValueError naming the notebook
    when the section, the table or a verdict is missing: run the notebook (``make run``)
    before building the ledger.
    """
    import nbformat  # here, not at the top: it costs every notebook 2 s to import (jsonschema)

    path = Path(path)
    cells = nbformat.read(path, as_version=4).cells
    heading = next(
        (i for i, c in enumerate(cells) if c.cell_type == "markdown" and SECTION in c.source), None
    )
    if heading is None:
        raise ValueError(f"{path.name} has no '{SECTION}' section.")
    section = []
    for cell in cells[heading + 1 :]:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## "):
            break
        section.append(cell)
    tables = [
        output.get("data", {}).get("text/markdown", "")
        for cell in section
        if cell.cell_type == "code"
        for output in cell.outputs
    ]
    shown = [t for t in tables if t.strip().startswith("|") or "\n|" in t]
    table = shown[-1] if shown else ""
    if not table:
        raise ValueError(f"{path.name}: the claims section shows no table; run the notebook.")
    return parse_claims(table, path.name)


def parse_claims(table: str, notebook: str) -> list[Claim]:
    """The rows of a claims table given as markdown text (header and rule lines skipped).

    Raises a ValueError naming ``notebook`` when the table has no rows, a row has other
    than three columns or a verdict does not start with one of :data:`VERDICTS`.
    """
    rows = [line for line in table.strip().splitlines() if line.startswith("|")][2:]
    if not rows:
        raise ValueError(f"{notebook}: the claims table has no rows.")
    claims = []
    for line in rows:
        fields = [part.strip() for part in line.strip().strip("|").split("|")]
        if len(fields) != 3:
            raise ValueError(f"{notebook}: a claims row does not have 3 columns: {line!r}")
        claim, measured, verdict = fields
        if not verdict.startswith(VERDICTS):
            raise ValueError(f"{notebook}: verdict {verdict!r} is not one of {VERDICTS}.")
        claims.append(Claim(notebook, claim, measured, verdict))
    return claims


def verdict_kinds(table: str, notebook: str = "this notebook") -> list[str]:
    """The verdict words of a claims table, row by row (introduced in 00).

    Each notebook saves them with its results, so that a fresh run is checked to reach the
    same verdicts even where the numbers behind them may move within their tolerance.
    """
    return [claim.kind for claim in parse_claims(table, notebook)]


def build_ledger(notebooks: str | Path) -> list[Claim]:
    """Every claim of every ``NN_*.ipynb`` in ``notebooks`` but the ledger's own, in order."""
    paths = sorted(Path(notebooks).glob("[0-9][0-9]_*.ipynb"))
    paths = [path for path in paths if path.name != LEDGER_NOTEBOOK]
    if not paths:
        raise ValueError(f"{notebooks} holds no NN_*.ipynb notebooks to build a ledger from.")
    return [claim for path in paths for claim in notebook_claims(path)]


def render(claims: list[Claim], link_prefix: str = "notebooks/") -> str:
    """The ledger as markdown: the verdict rule in one paragraph, the counts, then the table.

    ``link_prefix`` is the path from the page showing the table to notebooks/: the README
    uses the default, a notebook inside notebooks/ passes ``""``.
    """
    counts = {v: sum(c.kind == v for c in claims) for v in VERDICTS}
    summary = ", ".join(f"{verdict}: {n}" for verdict, n in counts.items())
    lines = [
        RULE,
        "",
        f"{len(claims)} claims tested. {summary}.",
        "",
        "| claim | tested in | what we measured | verdict |",
        "|---|---|---|---|",
    ]
    for c in claims:
        link = f"[{c.notebook[:2]}]({link_prefix}{c.notebook})"
        lines.append(f"| {c.claim} | {link} | {c.measured} | {c.verdict} |")
    return "\n".join(lines)


def update_readme(readme: str | Path, notebooks: str | Path) -> bool:
    """Rewrite the ledger between the README's markers; return True when it changed."""
    readme = Path(readme)
    text = readme.read_text()
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{readme} has no {START} ... {END} markers for the ledger.")
    table = render(build_ledger(notebooks))
    updated = pattern.sub(lambda _: f"{START}\n{table}\n{END}", text)
    readme.write_text(updated)
    return updated != text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m adlib.ledger", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"))
    parser.add_argument("--readme", type=Path, default=Path("README.md"))
    args = parser.parse_args(argv)
    changed = update_readme(args.readme, args.notebooks)
    print(f"{args.readme}: ledger {'updated' if changed else 'already current'}")


if __name__ == "__main__":
    main()
