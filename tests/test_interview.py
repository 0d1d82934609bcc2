"""adlib.interview: the ledger look-ups and formatting of notebook 14."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from adlib.interview import (
    claim_sources,
    claim_verdict,
    evidence_links,
    plus_minus,
    verdicts_by_source,
)
from adlib.ledger import VERDICTS, Claim

LEDGER = [
    Claim(
        "07_lstm_autoencoder.ipynb", "LSTMs capture long-term dependencies [000 Q1]", "x", "holds"
    ),
    Claim("07_lstm_autoencoder.ipynb", "GRU tried, similar [000 Q8]", "y", "depends: on data"),
    Claim("11_thresholds.ipynb", "95th percentile [000 Q5] [002 §5.4]", "z", "does not hold"),
    Claim("01_density.ipynb", "Gaussian scores (published study)", "w", "holds: 3 of 3"),
]


def test_claim_verdict_finds_the_one_matching_claim():
    assert claim_verdict(LEDGER, "07", "long-term dependencies") == "holds"
    assert claim_verdict(LEDGER, "07", "GRU") == "depends: on data"
    assert claim_verdict(LEDGER, "11_thresholds", "95th") == "does not hold"


@pytest.mark.parametrize(
    ("notebook", "fragment", "count"),
    [("07", "[000", 2), ("08", "GRU", 0), ("07", "95th", 0)],
)
def test_claim_verdict_refuses_zero_or_several_matches(notebook, fragment, count):
    with pytest.raises(ValueError, match=f"^{count} claims of notebook {notebook}"):
        claim_verdict(LEDGER, notebook, fragment)


def test_claim_verdict_rejects_bad_arguments():
    with pytest.raises(TypeError, match="number as text"):
        claim_verdict(LEDGER, 7, "GRU")
    with pytest.raises(TypeError, match="non-empty text"):
        claim_verdict(LEDGER, "07", " ")


def test_evidence_links_are_relative_markdown_links():
    stems = {"07": "07_lstm_autoencoder", "13": "13_production"}
    assert evidence_links(stems, "07") == "*Evidence:* [07](07_lstm_autoencoder.ipynb)."
    assert evidence_links(stems, "07", "13").count("](") == 2
    with pytest.raises(ValueError, match="no notebook numbered \\['99'\\]"):
        evidence_links(stems, "99")
    with pytest.raises(ValueError, match="at least one"):
        evidence_links(stems)


def test_plus_minus_formats_mean_and_sd():
    assert plus_minus({"mean": 0.12345, "sd": 0.01}) == "0.123 ± 0.010"
    assert plus_minus({"mean": 2, "sd": 0.5, "n": 3}, digits=1) == "2.0 ± 0.5"
    with pytest.raises(ValueError, match="'mean' and 'sd'"):
        plus_minus({"mean": 1.0})
    with pytest.raises(ValueError, match="digits"):
        plus_minus({"mean": 1.0, "sd": 0.0}, digits=-1)


def test_claim_sources_reads_the_bracketed_source_numbers():
    assert claim_sources(LEDGER[0]) == ["000"]
    assert claim_sources(LEDGER[2]) == ["000", "002"]
    assert claim_sources(LEDGER[3]) == ["other"]
    with pytest.raises(TypeError, match="Claim"):
        claim_sources("LSTMs [000]")


def test_verdicts_by_source_counts_each_cited_source():
    table = verdicts_by_source(LEDGER)
    assert list(table.columns) == list(VERDICTS)
    assert list(table.index) == ["000", "002", "other"]
    assert table.loc["000"].tolist() == [1, 1, 1]
    assert table.loc["002"].tolist() == [0, 1, 0]
    assert table.loc["other"].tolist() == [1, 0, 0]
    assert table.to_numpy().sum() == sum(len(claim_sources(c)) for c in LEDGER)


def test_verdicts_by_source_matches_a_plain_count():
    table = verdicts_by_source(LEDGER)
    counts = Counter((s, c.kind) for c in LEDGER for s in claim_sources(c))
    expected = pd.Series(counts).unstack(fill_value=0).reindex(columns=list(VERDICTS), fill_value=0)
    pd.testing.assert_frame_equal(table, expected.astype(int), check_names=False)


def test_verdicts_by_source_refuses_an_empty_ledger():
    with pytest.raises(ValueError, match="empty"):
        verdicts_by_source([])
