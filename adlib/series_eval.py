"""Evaluate detectors on one series split in time, event by event (notebook 06).

On a single series the honest protocol is chronological: fit on a first stretch, choose each
detector's threshold on the stretch after it, report once on the last one
(:func:`time_split`, :func:`stretch_summary`). :func:`evaluate_signed_scores` applies that
protocol to several detectors' *signed* scores at once (negative = drop, positive = spike;
|score| ranks days) and reports, besides per-day metrics, what an on-call engineer meets: the
false alarms, how many fall on holidays, how many are *echoes* of an earlier anomaly, and how
many injected events of each kind were caught. :func:`sign_table` asks whether the sign of a
flagged day tells what happened. Events come as a table with one row per injected anomaly and
the columns ``kind``, ``onset`` (position of its first step) and ``n_days`` (its length), as
:func:`adlib.data.simulate_logins` returns them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from adlib import metrics
from adlib._validation import as_binary_labels, as_float_vector, check_int

#: Truth categories of :func:`sign_table` after the event kinds.
NORMAL_ROWS = ("holiday (normal)", "other normal day")
_EVENT_COLUMNS = ("kind", "onset", "n_days")


def time_split(n_steps: int, n_train: int, n_test: int) -> dict[str, slice]:
    """Chronological train / validation / test slices of a series of ``n_steps`` steps.

    The first ``n_train`` steps fit the detectors, the last ``n_test`` report, the steps in
    between choose thresholds; never shuffled, so no stretch sees the future of the one it is
    judged on. Returns ``{"train": slice, "validation": slice, "test": slice}`` (notebook 06).
    """
    n_steps = check_int(n_steps, "n_steps", low=3)
    n_train = check_int(n_train, "n_train", low=1)
    n_test = check_int(n_test, "n_test", low=1)
    if n_train + n_test >= n_steps:
        raise ValueError(
            f"n_train={n_train} + n_test={n_test} leave no validation steps out of {n_steps}; "
            "shorten one of them so that some steps remain to choose the threshold on."
        )
    return {
        "train": slice(0, n_train),
        "validation": slice(n_train, n_steps - n_test),
        "test": slice(n_steps - n_test, n_steps),
    }


def stretch_summary(
    frame: pd.DataFrame,
    events: pd.DataFrame,
    parts: Mapping[str, slice],
    holiday: object,
    kinds: Sequence[str],
) -> pd.DataFrame:
    """One row per stretch: its dates, days, anomalous days, holidays and events per kind.

    ``frame`` is daily with a DatetimeIndex and a 0/1 ``label`` column; an event belongs to
    the stretch that holds its onset. Shows, before any detector runs, how few events of each
    kind a stretch holds (notebook 06, section 2).
    """
    y = _labels(frame)
    holiday = _holidays(holiday, y.shape[0])
    _check_events(events)
    rows = {}
    for name, part in parts.items():
        days = frame.iloc[part]
        inside = events[(events["onset"] >= part.start) & (events["onset"] < part.stop)]
        rows[name] = {
            "from": f"{days.index[0]:%Y-%m-%d}",
            "to": f"{days.index[-1]:%Y-%m-%d}",
            "days": len(days),
            "anomalous days": int(days["label"].sum()),
            "holidays": int(holiday[part].sum()),
            **{f"{kind} events": int((inside["kind"] == kind).sum()) for kind in kinds},
        }
    return pd.DataFrame(rows).T


def echo_days(unusual: object, lags: Sequence[int] = (1, 7)) -> np.ndarray:
    """True on the days that follow an unusual day by one of ``lags`` steps, shape (n,).

    A detector comparing today with a recent past that held an anomaly sees a second,
    opposite anomaly when things return to normal: the day after (a forecast's memory) or a
    week later (a same-weekday comparison). Those flagged normal days are *echoes*.
    """
    mask = _holidays(unusual, None, name="unusual")
    echo = np.zeros_like(mask)
    for lag in lags:
        lag = check_int(lag, "lag", low=1)
        echo |= np.r_[np.zeros(min(lag, mask.size), dtype=bool), mask[:-lag]]
    return echo


def evaluate_signed_scores(
    signed: Mapping[str, object],
    frame: pd.DataFrame,
    events: pd.DataFrame,
    parts: Mapping[str, slice],
    holiday: object,
    kinds: Sequence[str],
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Every detector's test metrics with its validation-chosen threshold, and its flags.

    ``signed`` maps detector names to signed scores of the whole series (n_steps,); ``frame``
    holds the 0/1 ``label`` per day, ``holiday`` (n_steps,) booleans mark the holidays and
    ``parts`` comes from :func:`time_split`. For each detector: threshold = best F1 of |score|
    on the validation days; on the test days, PR-AUC (no threshold), precision, recall and F1
    with that threshold, the F1 a threshold tuned on the test days would reach (the leak's
    optimism), the false alarms, those on holidays, the *echoes* (flagged normal days one or
    seven days after an anomaly or a holiday, :func:`echo_days`) and, per kind, how many
    test events (onset in the test stretch) were *caught*: at least one of their days
    flagged. Returns the table (one row per detector) and the flags (|score| > threshold)
    over the whole series. Notebook 06, section 3.4.
    """
    y = _labels(frame)
    holiday = _holidays(holiday, y.shape[0])
    _check_events(events)
    unusual = (y == 1) | holiday
    echo = echo_days(unusual)
    val, test = parts["validation"], parts["test"]
    test_events = events[events["onset"] >= test.start]
    rows, flags = [], {}
    for name, s in signed.items():
        score = np.abs(_scores(s, f"signed[{name!r}]", y.shape[0]))
        threshold = metrics.best_f1(y[val], score[val]).threshold
        flag = score > threshold
        report = metrics.precision_recall_f1(y[test], score[test], threshold)
        row = {
            "detector": name,
            "PR-AUC": metrics.pr_auc(y[test], score[test]),
            "precision": report.precision,
            "recall": report.recall,
            "F1": report.f1,
            "F1 if tuned on test": metrics.best_f1(y[test], score[test]).f1,
            "false alarms": int((flag[test] & (y[test] == 0)).sum()),
            "on holidays": int((flag[test] & holiday[test]).sum()),
            "holidays": int(holiday[test].sum()),
            "echoes": int((flag[test] & ~unusual[test] & echo[test]).sum()),
        }
        for kind in kinds:
            spans = test_events[test_events["kind"] == kind]
            row[f"{kind} caught"] = int(
                sum(
                    flag[o : o + n].any()
                    for o, n in zip(spans["onset"], spans["n_days"], strict=True)
                )
            )
            row[f"{kind} events"] = len(spans)
        rows.append(row)
        flags[name] = flag
    return pd.DataFrame(rows).set_index("detector"), flags


def caught_table(table: pd.DataFrame, kinds: Sequence[str]) -> pd.DataFrame:
    """Events caught per kind as "caught/total" strings, from :func:`evaluate_signed_scores`."""
    missing = [f"{k} {c}" for k in kinds for c in ("caught", "events")]
    missing = [column for column in missing if column not in table.columns]
    if missing:
        raise ValueError(
            f"table lacks the columns {missing}; pass the table evaluate_signed_scores returns "
            "and kinds it was given."
        )
    return pd.DataFrame(
        {
            kind: table[f"{kind} caught"].astype(str) + "/" + table[f"{kind} events"].astype(str)
            for kind in kinds
        }
    )


def sign_table(
    signed: object,
    flag: object,
    frame: pd.DataFrame,
    events: pd.DataFrame,
    test: slice,
    holiday: object,
    kinds: Sequence[str],
) -> pd.DataFrame:
    """Counts of what really happened (rows) by the sign of the flagged day (drop / spike).

    Every test event (onset in ``test``) with at least one flagged day counts once, with the
    sign of its most anomalous day (largest |signed|); every flagged normal test day counts
    as a holiday or an other normal day, with its own sign (negative = drop). Rows are
    ``kinds`` then :data:`NORMAL_ROWS`, columns ``drop`` and ``spike``, all present even when
    empty, so tables of several scenarios add up (``sum(tables)``). Notebook 06, section 4.
    """
    y = _labels(frame)
    s = _scores(signed, "signed", y.shape[0])
    flag = _holidays(flag, y.shape[0], name="flag")
    hol = _holidays(holiday, y.shape[0])
    _check_events(events)
    records = []
    for _, event in events[events["onset"] >= test.start].iterrows():
        span = np.arange(event["onset"], event["onset"] + event["n_days"])
        if flag[span].any():
            peak = span[np.argmax(np.abs(s[span]))]
            records.append({"truth": event["kind"], "sign": "drop" if s[peak] < 0 else "spike"})
    normal = np.flatnonzero(flag & (y == 0))
    normal = normal[normal >= test.start]
    records += [
        {
            "truth": NORMAL_ROWS[0] if hol[i] else NORMAL_ROWS[1],
            "sign": "drop" if s[i] < 0 else "spike",
        }
        for i in normal
    ]
    table = pd.crosstab(
        pd.Categorical([r["truth"] for r in records], [*kinds, *NORMAL_ROWS]),
        pd.Categorical([r["sign"] for r in records], ["drop", "spike"]),
        dropna=False,
    )
    return table.rename_axis(index="truth", columns="sign")


def _labels(frame: object) -> np.ndarray:
    if not isinstance(frame, pd.DataFrame) or "label" not in frame.columns:
        raise TypeError(
            "frame must be a pandas DataFrame with a 0/1 'label' column (one row per day), "
            f"got {type(frame).__name__}; pass scenario.frame."
        )
    return as_binary_labels(frame["label"].to_numpy(), "frame['label']")


def _scores(values: object, name: str, n: int) -> np.ndarray:
    array = as_float_vector(values, name)
    if array.shape[0] != n:
        raise ValueError(
            f"{name} has {array.shape[0]} scores but the frame has {n} days; score the whole "
            "series, one value per day."
        )
    return array


def _holidays(mask: object, n: int | None, name: str = "holiday") -> np.ndarray:
    array = np.asarray(mask)
    if array.dtype != bool or array.ndim != 1 or (n is not None and array.shape[0] != n):
        raise ValueError(
            f"{name} must be a 1-D array of booleans"
            + (f" with one entry per day ({n})" if n is not None else "")
            + f", got dtype {array.dtype} and shape {array.shape}."
        )
    return array


def _check_events(events: object) -> None:
    if not isinstance(events, pd.DataFrame) or not set(_EVENT_COLUMNS) <= set(events.columns):
        raise TypeError(
            f"events must be a DataFrame with the columns {list(_EVENT_COLUMNS)}, one row per "
            "injected anomaly, as scenario.events; got "
            f"{type(events).__name__}"
            + (f" with columns {list(events.columns)}" if isinstance(events, pd.DataFrame) else "")
            + "."
        )
