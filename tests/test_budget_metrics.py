"""Alert-budget ranking metrics (notebook 08): the mask of reviewed cases and the one-row report."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score

from adlib.metrics import (
    alerts_at_budget,
    pr_auc,
    precision_at_k,
    ranking_report,
    recall_at_budget,
)


@st.composite
def labelled_scores(draw, min_size=2, max_size=40):
    n = draw(st.integers(min_size, max_size))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    scores = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))  # many ties
    return y, np.array(scores, dtype=np.float64)


def test_alerts_at_budget_flags_the_top_scores_hand_computed():
    s = np.array([0.1, 0.9, 0.8, 0.7, 0.2, 0.3, 0.4, 0.5, 0.05, 0.6])
    assert np.flatnonzero(alerts_at_budget(s, 0.1)).tolist() == [1]
    assert np.flatnonzero(alerts_at_budget(s, 0.25)).tolist() == [1, 2, 3]  # ceil(2.5) = 3
    assert alerts_at_budget(s, 1.0).all()
    assert alerts_at_budget(s, 0.01).sum() == 1  # at least one case is always reviewed


def test_alerts_at_budget_breaks_ties_by_position():
    flagged = alerts_at_budget(np.array([1.0, 2.0, 2.0, 2.0, 0.0]), 0.4)
    assert np.flatnonzero(flagged).tolist() == [1, 2]


@given(labelled_scores(), st.sampled_from([0.05, 0.1, 0.25, 0.5, 0.9]))
def test_alerts_at_budget_gives_exactly_recall_at_budget(data, budget):
    y, s = data
    if 0 < y.sum() < len(y):
        flagged = alerts_at_budget(s, budget)
        assert flagged.sum() == max(1, int(np.ceil(budget * len(s) - 1e-9)))
        assert y[flagged].sum() / y.sum() == recall_at_budget(y, s, budget)


def test_ranking_report_has_the_notebook_columns_in_order():
    y = np.array([0, 1, 0, 1, 0, 0, 0, 0, 1, 0])
    s = np.array([0.1, 0.9, 0.8, 0.7, 0.2, 0.3, 0.4, 0.5, 0.05, 0.6])
    row = ranking_report(y, s, budgets=(0.005, 0.01, 0.3), top_k=3)
    assert list(row) == [
        "PR-AUC",
        "recall @ 0.5%",
        "recall @ 1.0%",
        "recall @ 30.0%",
        "precision @ 3",
    ]
    assert row["PR-AUC"] == pytest.approx(average_precision_score(y, s))
    assert row["recall @ 30.0%"] == pytest.approx(2 / 3)
    assert row["precision @ 3"] == pytest.approx(2 / 3)


@given(labelled_scores(min_size=5))
def test_ranking_report_matches_the_single_metrics(data):
    y, s = data
    if 0 < y.sum() < len(y):
        row = ranking_report(y, s, budgets=(0.2, 0.5), top_k=3)
        assert row == {
            "PR-AUC": pr_auc(y, s),
            "recall @ 20.0%": recall_at_budget(y, s, 0.2),
            "recall @ 50.0%": recall_at_budget(y, s, 0.5),
            "precision @ 3": precision_at_k(y, s, 3),
        }


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: alerts_at_budget([0.1, 0.2], 0.0), ValueError, "reviews nothing"),
        (lambda: alerts_at_budget([0.1, 0.2], 1.5), ValueError, "budget"),
        (lambda: alerts_at_budget([0.1, np.nan], 0.5), ValueError, "scores"),
        (lambda: alerts_at_budget([[0.1, 0.2]], 0.5), ValueError, "1-D"),
        (lambda: alerts_at_budget([0.1, 0.2], "half"), TypeError, "budget"),
        (lambda: ranking_report([0, 1], [0.1, 0.2], budgets=0.01), TypeError, "sequence"),
        (lambda: ranking_report([0, 1], [0.1, 0.2], budgets="0.01"), TypeError, "sequence"),
        (lambda: ranking_report([0, 1], [0.1, 0.2], budgets=()), ValueError, "empty"),
        (lambda: ranking_report([0, 1], [0.1, 0.2], budgets=(0.5, 0.5)), ValueError, "twice"),
        (lambda: ranking_report([0, 1], [0.1, 0.2], budgets=(1.0,)), ValueError, "budget"),
        (lambda: ranking_report([0, 1], [0.1, 0.2], top_k=3), ValueError, "k must be"),
        (lambda: ranking_report([0, 0], [0.1, 0.2], top_k=1), ValueError, "only normal"),
        (lambda: ranking_report([0, 1, 1], [0.1, 0.2], top_k=1), ValueError, "aligned"),
    ],
)
def test_bad_input_is_refused_with_a_message(call, error, match):
    with pytest.raises(error, match=match):
        call()
