"""Ranking metrics at an alert budget: what a fraud team reviewing a queue sees (notebook 08).

A fraud team does not act on a probability cut-off; it reviews the highest-scored cases
until its capacity runs out. :func:`ranking_report` puts the three numbers that describe such
a queue in one row: PR-AUC (the whole ranking), recall at each alert budget (the share of all
frauds among the top ``budget`` fraction of cases) and precision at ``top_k`` (the share of
frauds among the ``top_k`` cases investigators can open). :func:`alerts_at_budget` marks the
cases inside a budget, so that recall can be broken down by any grouping (a fraud scenario,
a region). Both use the same rule as :func:`adlib.metrics.recall_at_budget`: the top
``ceil(budget * n)`` scores, ties broken by position.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from adlib._validation import as_float_vector, check_real
from adlib.metrics._point import _alert_count, _top, pr_auc, precision_at_k, recall_at_budget


def alerts_at_budget(scores: object, budget: float) -> np.ndarray:
    """Boolean mask, shape (n,): True for the ``ceil(budget * n)`` highest scores.

    ``scores`` has one score per case (higher = more suspicious); ``budget`` is the share of
    cases the team can review, in (0, 1]. At least one case is always flagged. Ties at the
    cut are broken by position (a stable sort), as in :func:`adlib.metrics.recall_at_budget`,
    so ``labels[alerts_at_budget(s, b)].sum() / labels.sum()`` is exactly that recall.
    """
    s = as_float_vector(scores, "scores")
    budget = check_real(budget, "budget", low=0.0, high=1.0)
    if budget == 0.0:
        raise ValueError("budget=0 reviews nothing; pass the share of cases reviewed, in (0, 1].")
    flagged = np.zeros(len(s), dtype=bool)
    flagged[_top(s, _alert_count(len(s), budget))] = True
    return flagged


def ranking_report(
    y_true: object,
    scores: object,
    budgets: Sequence[float] = (0.005, 0.01),
    top_k: int = 50,
) -> dict[str, float]:
    """PR-AUC, recall at each alert budget and precision at ``top_k``, as one table row.

    ``y_true`` holds 0/1 labels (1 = fraud) and ``scores`` one score per case, both shape
    (n,); the test part must hold both classes. Returns a dict with the keys "PR-AUC",
    ``f"recall @ {budget:.1%}"`` for each budget (e.g. "recall @ 0.5%") and
    ``f"precision @ {top_k}"``, in that order, ready to be one row of a results frame.
    Budgets are shares of cases in (0, 1); ``top_k`` is a count between 1 and n.
    """
    if isinstance(budgets, str | bytes) or not isinstance(budgets, Sequence):
        raise TypeError(
            f"budgets must be a sequence of shares such as (0.005, 0.01), got {budgets!r}."
        )
    if len(budgets) == 0:
        raise ValueError("budgets is empty; pass at least one share of cases, e.g. (0.01,).")
    names = [f"recall @ {check_real(b, 'budget', low=0.0, high=1.0):.1%}" for b in budgets]
    if len(set(names)) < len(names):
        raise ValueError(f"budgets {list(budgets)} name the same column twice at 0.1 % precision.")
    row = {"PR-AUC": pr_auc(y_true, scores)}
    for name, budget in zip(names, budgets, strict=True):
        row[name] = recall_at_budget(y_true, scores, budget)
    row[f"precision @ {top_k}"] = precision_at_k(y_true, scores, top_k)
    return row
