"""adlib.interview: the ledger look-ups and formatting of notebook 16."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from adlib.interview import (
    Evidence,
    calc,
    claim_sources,
    claim_verdict,
    count,
    evaluate,
    evidence_links,
    plus_minus,
    tally,
    untracked_numbers,
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
    assert table.loc["000"].tolist() == [1, 1, 1, 0]
    assert table.loc["002"].tolist() == [0, 1, 0, 0]
    assert table.loc["other"].tolist() == [1, 0, 0, 0]
    assert table.to_numpy().sum() == sum(len(claim_sources(c)) for c in LEDGER)


def test_verdicts_by_source_matches_a_plain_count():
    table = verdicts_by_source(LEDGER)
    counts = Counter((s, c.kind) for c in LEDGER for s in claim_sources(c))
    expected = pd.Series(counts).unstack(fill_value=0).reindex(columns=list(VERDICTS), fill_value=0)
    pd.testing.assert_frame_equal(table, expected.astype(int), check_names=False)


def test_verdicts_by_source_refuses_an_empty_ledger():
    with pytest.raises(ValueError, match="empty"):
        verdicts_by_source([])


# --- Evidence: answers that record what they quote ----------------------------------------

RESULTS = {"07": {"vus": {"LSTM": {"mean": 0.93456, "sd": 0.01}}, "best": "PCA", "runs": [1, 2]}}
STEMS = {"07": "07_lstm_autoencoder", "11": "11_thresholds"}


def _evidence() -> Evidence:
    return Evidence(RESULTS, LEDGER, {"RATE": 0.001}, STEMS)


def test_pick_reads_results_keys_and_records_what_is_formatted():
    ev = _evidence()
    v = ev.pick(lstm=("07", "vus", "LSTM", "mean"), best=("07", "best"), n=count("07", "runs"))
    assert v.lstm == 0.93456 and v["best"] == "PCA" and v.n == 2
    assert ev._pending == []  # nothing is recorded until it is shown
    text = f"{v.best} {v.lstm:.3f} {v.n}"
    assert text == "PCA 0.935 2"
    assert [q["text"] for q in ev._pending] == ["PCA", "0.935", "2"]
    assert ev._pending[1] == {
        "key": ["07", "vus", "LSTM", "mean"],
        "value": 0.93456,
        "format": ".3f",
        "text": "0.935",
    }


def test_pick_fails_loudly_naming_the_notebook_and_the_key():
    with pytest.raises(KeyError, match=r"notebook 07 saved no 'vus' → 'GRU' in results/07_lstm"):
        _evidence().pick(gru=("07", "vus", "GRU", "mean"))
    with pytest.raises(KeyError, match="no results of notebook '09'"):
        _evidence().pick(x=("09", "vus"))
    with pytest.raises(KeyError, match="no parameter 'RAT'"):
        _evidence().pick(x="RAT")
    with pytest.raises(AttributeError, match="nothing picked as 'gru'"):
        _evidence().pick(lstm=("07", "best")).gru


def test_calc_and_tally_are_recorded_with_their_inputs():
    ev = _evidence()
    v = ev.pick(
        ratio=calc("m / r", m=("07", "vus", "LSTM", "mean"), r="RATE"),
        holds=tally("holds"),
        everything=tally("all"),
    )
    assert v.ratio == pytest.approx(934.56)
    assert (v.holds, v.everything) == (2, 4)
    f"{v.ratio:.0f}"
    assert ev._pending[0]["inputs"] == {"m": ["07", "vus", "LSTM", "mean"], "r": "RATE"}
    with pytest.raises(ValueError, match="kind must be"):
        tally("maybe")


def test_evaluate_allows_only_arithmetic():
    assert evaluate("a * (1 - b) / b", {"a": 0.05, "b": 0.001}) == pytest.approx(49.95)
    assert evaluate("-a + 2", {"a": 1}) == 1.0
    for bad in ("__import__('os')", "a.real", "a ** 2", "b + 1", ""):
        with pytest.raises(ValueError):
            evaluate(bad, {"a": 1.0})


def test_claims_quote_the_ledger_verdict_bold_with_its_reason():
    ev = _evidence()
    c = ev.claims(gru=("07", "GRU"), p95=("11", "95th"))
    assert c.gru.kind == "depends" and c.p95.kind == "does not hold"
    assert f"{c.gru}" == "**depends** (on data)" and f"{c.p95}" == "**does not hold**"
    assert ev._pending[0]["claim"] == ["07", "GRU"]
    assert ev._pending[0]["verdict"] == "depends: on data"


def test_answer_has_the_three_parts_links_its_notebooks_and_keeps_the_record():
    ev = _evidence()
    v = ev.pick(lstm=("07", "vus", "LSTM", "mean"))
    c = ev.claims(gru=("07", "GRU"))
    text, record = ev.answer(
        f"**Q: Why?** [000 Q1]\n\nBecause.\n\nHow it\nworks.\n\nWe measured {v.lstm:.2f}: {c.gru}."
    )
    assert text.split("\n\n") == [
        "**Q: Why?** [000 Q1]",
        "**Answer.** Because.",
        "**Concept.** How it works.",
        "**Evidence.** We measured 0.93: **depends** (on data). "
        "*Notebooks:* [07](07_lstm_autoencoder.ipynb).",
    ]
    assert record["question"] == "**Q: Why?** [000 Q1]" and len(record["quotes"]) == 2
    assert ev._pending == []


def test_answer_refuses_typed_numbers_and_a_missing_part():
    ev = _evidence()
    with pytest.raises(ValueError, match=r"\['0.93', '12%', '3×'\] are typed"):
        ev.answer("**Q: Why?**\n\nSay.\n\nHow.\n\nWe measured 0.93, 12% and 3×.")
    with pytest.raises(ValueError, match="4 paragraphs"):
        ev.answer("**Q: Why?**\n\nSay.\n\nWe measured.")


def test_untracked_numbers_skips_quotes_source_words_and_references():
    text = 'Q 1.5\n\nIt is 0.25 and 0.9 % and "99.7 % coverage" [002 §10.3] in [07](07_x.ipynb).'
    assert untracked_numbers(text, [{"text": "0.25"}]) == ["0.9 %"]
    # a quoted "2" must not hide a typed 0.25 around it
    assert untracked_numbers("Q\n\n0.25 and 2", [{"text": "2"}]) == ["0.25"]


def test_picked_names_may_not_hide_dict_methods():
    with pytest.raises(ValueError, match="'copy' is a dict method"):
        _evidence().claims(copy=("07", "GRU"))
