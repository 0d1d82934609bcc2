"""Helpers of the interview walk-through (notebook 14): quote the ledger, link the evidence.

Notebook 14 answers every interview question of the sources with numbers the other
notebooks saved. An answer quotes a claim's verdict with :func:`claim_verdict`, which looks
it up in the claims ledger (:func:`adlib.ledger.build_ledger`) so that the answer can never
disagree with the notebook that tested it; links the notebooks behind it with
:func:`evidence_links`; and writes a mean over seeds with its spread with
:func:`plus_minus`. :func:`claim_sources` and :func:`verdicts_by_source` count the
ledger's verdicts by the source document each claim cites.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

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


def evidence_links(stems: Mapping[str, str], *numbers: str) -> str:
    """A markdown line linking the notebooks with these numbers: ``*Evidence:* [07](...).``.

    stems: notebook number -> file stem (``{"07": "07_lstm_autoencoder"}``); the links are
    relative, for a page inside notebooks/. Raises a ValueError naming an unknown number.
    """
    if not numbers:
        raise ValueError("name at least one notebook number, e.g. evidence_links(stems, '07').")
    unknown = [n for n in numbers if n not in stems]
    if unknown:
        raise ValueError(f"no notebook numbered {unknown}; known: {sorted(stems)}.")
    return "*Evidence:* " + ", ".join(f"[{n}]({stems[n]}.ipynb)" for n in numbers) + "."


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
