"""A fresh run's results/ against the committed ones, number by number, within tolerances.

nbval compares exactly only what is identical on every platform. The numbers that come out
of training (or move with float summation order) are compared here instead: each leaf of
each committed ``results/NN_*.json`` against the same leaf of a fresh run, with
``pytest.approx`` at the tolerance that ``tests/result_tolerances.toml`` gives its path
(the first matching pattern wins): ``abs`` and ``rel`` as in ``pytest.approx``, and for a mean
over ``se`` seeds at least two standard errors, 2 sd / sqrt(se), with the sd read from the
committed results beside the mean. A number that no pattern names must match to a relative
1e-9: it is deterministic. Strings, booleans and the structure of the files (verdict words,
chosen models, counts) must match exactly. ``make test-notebooks`` runs this after nbval with
``$ADLIB_FRESH_RESULTS`` set to the fresh run's folder; without it the test is skipped.
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "results"
TOLERANCES = Path(__file__).with_name("result_tolerances.toml")
EXACT = {"rel": 1e-9, "abs": 0.0}
FRESH = os.environ.get("ADLIB_FRESH_RESULTS")


def leaves(value: object, path: str = "") -> Iterator[tuple[str, object]]:
    """(dotted path, value) for every number, string or boolean inside ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, f"{path}.{i}")
    else:
        yield path, value


def tolerance(rules: dict, path: str) -> dict:
    """The first rule whose pattern matches ``path``, else :data:`EXACT`."""
    for pattern, rule in rules.items():
        if fnmatch.fnmatchcase(path, pattern):
            return rule
    return EXACT


def standard_error_bound(rule: dict, path: str, committed: dict[str, object]) -> float:
    """Two standard errors of the mean at ``path``: 2 sd / sqrt(n), sd from its sibling.

    The sibling is the same path with its last "mean" replaced by "std" or "sd" (the names
    pandas' ``agg`` and the notebooks use). A single run has no sd: then 0, and the rule's
    ``abs`` floor is the tolerance.
    """
    head, _, tail = path.rpartition("mean")
    for name in ("std", "sd"):
        sd = committed.get(f"{head}{name}{tail}")
        if isinstance(sd, int | float):
            return 2 * sd / math.sqrt(rule["se"])
    return 0.0  # a single run has no sd: the rule's abs floor applies


def _cases() -> list:
    rules = tomllib.loads(TOLERANCES.read_text())
    cases = []
    for committed in sorted(COMMITTED.glob("[0-9][0-9]_*.json")):
        values = dict(leaves(json.loads(committed.read_text())))
        for path, value in values.items():
            rule = dict(tolerance(rules.get(committed.stem, {}), path))
            if "se" in rule:
                rule["abs"] = max(rule.get("abs", 0.0), standard_error_bound(rule, path, values))
            case_id = f"{committed.stem}:{path}"
            cases.append(pytest.param(committed.stem, path, value, rule, id=case_id))
    return cases


def _fresh_leaves(notebook: str) -> dict[str, object]:
    path = Path(FRESH) / f"{notebook}.json"
    if not path.exists():
        pytest.fail(f"{path} was not written: notebooks/{notebook}.ipynb did not run to the end.")
    return dict(leaves(json.loads(path.read_text())))


@pytest.mark.skipif(not FRESH, reason="make test-notebooks sets ADLIB_FRESH_RESULTS")
@pytest.mark.parametrize(("notebook", "path", "committed", "rule"), _cases() if FRESH else [])
def test_fresh_result_matches_the_committed_one(notebook, path, committed, rule):
    fresh = _fresh_leaves(notebook)
    assert path in fresh, f"{notebook}: {path} is no longer saved; re-run the notebook (make run)"
    if "skip" in rule:
        pytest.skip(f"not compared: {rule['skip']}")
    value = fresh[path]
    if isinstance(committed, bool) or not isinstance(committed, int | float):
        assert value == committed
    else:
        within = pytest.approx(committed, rel=rule.get("rel", 0.0), abs=rule.get("abs", 0.0))
        assert value == within, f"{path} moved from {committed} to {value}: {rule.get('why', '')}"


@pytest.mark.skipif(not FRESH, reason="make test-notebooks sets ADLIB_FRESH_RESULTS")
@pytest.mark.parametrize(
    "committed", sorted(COMMITTED.glob("[0-9][0-9]_*.json")) if FRESH else [], ids=lambda p: p.stem
)
def test_fresh_run_saves_no_new_numbers(committed):
    old = dict(leaves(json.loads(committed.read_text())))
    added = sorted(set(_fresh_leaves(committed.stem)) - set(old))
    assert added == [], "new results: re-run the notebook (make run) and commit results/"


def test_every_tolerance_rule_is_explained_and_used():
    rules = tomllib.loads(TOLERANCES.read_text())
    for notebook, patterns in rules.items():
        committed = COMMITTED / f"{notebook}.json"
        assert committed.exists(), f"{notebook} has tolerances but no results file"
        paths = [path for path, _ in leaves(json.loads(committed.read_text()))]
        for pattern, rule in patterns.items():
            assert set(rule) <= {"abs", "rel", "se", "why", "skip"}, (notebook, pattern)
            assert rule.get("why") or rule.get("skip"), f"{notebook} {pattern}: say why"
            assert any(fnmatch.fnmatchcase(p, pattern) for p in paths), (
                f"{notebook} {pattern}: unused"
            )
