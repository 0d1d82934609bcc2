"""adlib.series_eval: the chronological split, the per-detector evaluator, events and signs.

The evaluator's metrics are cross-checked against scikit-learn's (average precision and the
F1 of the flags), its event counts and echoes against direct loops on small hand-made series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score

from adlib import metrics
from adlib.data import simulate_logins
from adlib.data.simulators.logins import holiday_mask
from adlib.series_eval import (
    NORMAL_ROWS,
    caught_table,
    echo_days,
    evaluate_signed_scores,
    sign_table,
    stretch_summary,
    time_split,
)

KINDS = ["outage", "bot", "contextual", "pattern"]


@pytest.fixture(scope="module")
def scenario():
    return simulate_logins(n_days=730, n_outages=8, n_bot_attacks=8, n_contextual=6, seed=0)


@pytest.fixture(scope="module")
def parts(scenario):
    return time_split(len(scenario.frame), 365, 274)


def oracle_scores(scenario, seed: int = 0) -> np.ndarray:
    """Signed scores that know the truth a little: log(logins / expected) plus noise."""
    frame = scenario.frame
    ratio = np.log(frame["logins"].to_numpy() / frame["expected"].to_numpy())
    return ratio / 0.08 + np.random.default_rng(seed).normal(scale=0.5, size=len(frame))


# --- time_split ---------------------------------------------------------------------------


def test_time_split_is_chronological_and_covers_every_step():
    parts = time_split(730, 365, 274)
    assert parts == {
        "train": slice(0, 365),
        "validation": slice(365, 456),
        "test": slice(456, 730),
    }
    covered = np.concatenate([np.arange(730)[p] for p in parts.values()])
    np.testing.assert_array_equal(covered, np.arange(730))


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((730, 400, 330), ValueError, "no validation"),
        ((730, 0, 10), ValueError, "n_train"),
        ((730, 10.0, 10), TypeError, "n_train"),
        ((2, 1, 1), ValueError, "n_steps"),
    ],
)
def test_time_split_rejects_sizes_that_leave_no_validation(args, error, match):
    with pytest.raises(error, match=match):
        time_split(*args)


# --- stretch_summary ----------------------------------------------------------------------


def test_stretch_summary_counts_days_holidays_and_events(scenario, parts):
    frame, events = scenario.frame, scenario.events
    holiday = holiday_mask(frame.index)
    table = stretch_summary(frame, events, parts, holiday, KINDS)
    assert list(table.index) == ["train", "validation", "test"]
    assert table["days"].sum() == len(frame)
    assert table["anomalous days"].sum() == frame["label"].sum()
    assert table["holidays"].sum() == holiday.sum()
    assert sum(table[f"{k} events"].sum() for k in KINDS) == len(events)
    assert table.loc["test", "to"] == f"{frame.index[-1]:%Y-%m-%d}"


# --- echo_days ----------------------------------------------------------------------------


def test_echo_days_marks_the_day_after_and_a_week_after():
    unusual = np.zeros(20, dtype=bool)
    unusual[3] = True
    echo = echo_days(unusual)
    assert list(np.flatnonzero(echo)) == [4, 10]
    assert not echo_days(unusual, lags=(30,)).any()  # a lag beyond the series


def test_echo_days_rejects_non_boolean_masks():
    with pytest.raises(ValueError, match="booleans"):
        echo_days(np.zeros(5))


# --- evaluate_signed_scores ---------------------------------------------------------------


def test_evaluate_matches_scikit_learn_on_the_test_stretch(scenario, parts):
    frame, events = scenario.frame, scenario.events
    holiday = holiday_mask(frame.index)
    signed = {"oracle": oracle_scores(scenario)}
    table, flags = evaluate_signed_scores(signed, frame, events, parts, holiday, KINDS)
    y, score = frame["label"].to_numpy(), np.abs(signed["oracle"])
    val, test = parts["validation"], parts["test"]
    threshold = metrics.best_f1(y[val], score[val]).threshold
    np.testing.assert_array_equal(flags["oracle"], score > threshold)
    row = table.loc["oracle"]
    assert row["PR-AUC"] == pytest.approx(average_precision_score(y[test], score[test]))
    pred = flags["oracle"][test]
    assert row["precision"] == pytest.approx(precision_score(y[test], pred))
    assert row["recall"] == pytest.approx(recall_score(y[test], pred))
    assert row["F1"] == pytest.approx(f1_score(y[test], pred))
    assert row["F1 if tuned on test"] >= row["F1"] - 1e-12
    assert row["false alarms"] == int((pred & (y[test] == 0)).sum())
    assert row["holidays"] == int(holiday[test].sum())


def test_evaluate_counts_caught_events_with_a_direct_loop(scenario, parts):
    frame, events = scenario.frame, scenario.events
    holiday = holiday_mask(frame.index)
    signed = {"oracle": oracle_scores(scenario), "noise": oracle_scores(scenario, 1) * 0.01}
    table, flags = evaluate_signed_scores(signed, frame, events, parts, holiday, KINDS)
    for name, flag in flags.items():
        for kind in KINDS:
            spans = events[(events["kind"] == kind) & (events["onset"] >= parts["test"].start)]
            caught = sum(
                flag[o : o + n].any() for o, n in zip(spans["onset"], spans["n_days"], strict=True)
            )
            assert table.loc[name, f"{kind} caught"] == caught
            assert table.loc[name, f"{kind} events"] == len(spans)
    assert list(table.index) == ["oracle", "noise"]


def test_evaluate_counts_an_echo_after_an_anomaly():
    dates = pd.date_range("2024-01-01", periods=60, freq="D")
    label = np.zeros(60, dtype=np.int64)
    label[[10, 20, 45]] = 1
    frame = pd.DataFrame({"label": label}, index=dates)
    events = pd.DataFrame({"kind": ["outage"] * 3, "onset": [10, 20, 45], "n_days": [1, 1, 1]})
    score = np.zeros(60)
    score[[10, 20, 45]] = [-9.0, -4.5, -9.0]  # validation puts the threshold below 4.5
    score[46] = 5.0  # the recovery day after the test outage: an echo
    score[50] = 5.0  # an ordinary false alarm
    parts = {"train": slice(0, 5), "validation": slice(5, 30), "test": slice(30, 60)}
    holiday = np.zeros(60, dtype=bool)
    table, _ = evaluate_signed_scores({"d": score}, frame, events, parts, holiday, ["outage"])
    row = table.loc["d"]
    assert (row["false alarms"], row["echoes"], row["outage caught"]) == (2, 1, 1)


def test_evaluate_validates_its_inputs(scenario, parts):
    frame, events = scenario.frame, scenario.events
    holiday = holiday_mask(frame.index)
    good = {"a": oracle_scores(scenario)}
    with pytest.raises(TypeError, match="label"):
        evaluate_signed_scores(good, frame.drop(columns="label"), events, parts, holiday, KINDS)
    with pytest.raises(TypeError, match="events"):
        evaluate_signed_scores(good, frame, events.drop(columns="onset"), parts, holiday, KINDS)
    with pytest.raises(ValueError, match="holiday"):
        evaluate_signed_scores(good, frame, events, parts, holiday[:-1], KINDS)
    with pytest.raises(ValueError, match="730 days"):
        evaluate_signed_scores({"a": np.zeros(10)}, frame, events, parts, holiday, KINDS)
    with pytest.raises(ValueError, match=r"finite|NaN"):
        evaluate_signed_scores({"a": np.full(730, np.nan)}, frame, events, parts, holiday, KINDS)


# --- caught_table -------------------------------------------------------------------------


def test_caught_table_writes_caught_over_total():
    table = pd.DataFrame(
        {"outage caught": [1, 0], "outage events": [2, 2]}, index=pd.Index(["a", "b"])
    )
    assert caught_table(table, ["outage"])["outage"].tolist() == ["1/2", "0/2"]
    with pytest.raises(ValueError, match="bot caught"):
        caught_table(table, ["outage", "bot"])


# --- sign_table ---------------------------------------------------------------------------


def test_sign_table_reads_the_sign_of_the_peak_and_of_false_alarms():
    dates = pd.date_range("2024-01-01", periods=30, freq="D")
    label = np.zeros(30, dtype=np.int64)
    label[[12, 13, 20]] = 1
    frame = pd.DataFrame({"label": label}, index=dates)
    events = pd.DataFrame(
        {"kind": ["outage", "bot", "bot"], "onset": [12, 20, 3], "n_days": [2, 1, 1]}
    )
    signed = np.zeros(30)
    signed[[12, 13]] = [-3.0, 8.0]  # peak of the outage is a spike: its sign is read at the peak
    signed[20] = 9.0
    signed[[16, 25]] = [-6.0, 7.0]  # two false alarms, one on a holiday
    holiday = np.zeros(30, dtype=bool)
    holiday[16] = True
    flag = np.abs(signed) > 2
    table = sign_table(signed, flag, frame, events, slice(10, 30), holiday, ["outage", "bot"])
    assert list(table.index) == ["outage", "bot", *NORMAL_ROWS]
    assert list(table.columns) == ["drop", "spike"]
    expected = [[0, 1], [0, 1], [1, 0], [0, 1]]  # the bot before the test stretch is left out
    np.testing.assert_array_equal(table.to_numpy(), expected)
    np.testing.assert_array_equal((table + table).to_numpy(), 2 * np.array(expected))


def test_sign_table_pooled_over_scenarios_adds_up(scenario, parts):
    frame, events = scenario.frame, scenario.events
    holiday = holiday_mask(frame.index)
    signed = oracle_scores(scenario)
    flag = np.abs(signed) > 4
    one = sign_table(signed, flag, frame, events, parts["test"], holiday, KINDS)
    test_events = events[events["onset"] >= parts["test"].start]
    caught = sum(
        flag[o : o + n].any()
        for o, n in zip(test_events["onset"], test_events["n_days"], strict=True)
    )
    normal = flag[parts["test"]] & (frame["label"].to_numpy()[parts["test"]] == 0)
    assert one.to_numpy().sum() == caught + normal.sum()
    assert sum([one, one]).equals(2 * one)
