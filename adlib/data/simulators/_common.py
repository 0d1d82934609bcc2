"""Helpers shared by the simulators: seeding, parameter checks, event placement and tables.

Kept small on purpose: every simulator draws from one ``np.random.default_rng(seed)``
(never the global NumPy state), places its injected events with :func:`place_intervals`,
describes them with :func:`event_table` and splits long frames per entity with
:func:`entity_arrays`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from adlib._validation import check_int


def make_rng(seed: object) -> np.random.Generator:
    """A fresh ``np.random.default_rng(seed)`` after checking that ``seed`` is in [0, 2**32 - 1]."""
    return np.random.default_rng(check_int(seed, "seed", low=0, high=2**32 - 1))


def check_generator(rng: object) -> np.random.Generator:
    """Return ``rng`` after checking it is a NumPy Generator (a simulator that shares one
    stream of draws with its caller takes the Generator itself, never a seed)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy Generator, got {type(rng).__name__}; "
            "pass np.random.default_rng(seed)."
        )
    return rng


def check_int_pair(value: object, name: str, *, low: int | None = None) -> tuple[int, int]:
    """Return ``value`` as an inclusive integer range ``(lo, hi)`` with ``low <= lo <= hi``."""
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
        raise TypeError(
            f"{name} must be a pair (lo, hi) of integers, inclusive, got {value!r}; "
            f"pass e.g. {name}=(3, 8)."
        )
    lo = check_int(value[0], f"{name}[0]", low=low)
    hi = check_int(value[1], f"{name}[1]", low=low)
    if lo > hi:
        raise ValueError(
            f"{name}=({lo}, {hi}) is inverted: the first value is the shortest length and must "
            f"not exceed the second; pass ({hi}, {lo})."
        )
    return lo, hi


def place_intervals(
    rng: np.random.Generator,
    lengths: Sequence[int],
    free: np.ndarray,
    *,
    gap: int = 0,
    start_ok: Sequence[np.ndarray | None] | None = None,
    what: str = "events",
    fix: str = "",
    unit: str = "steps",
) -> np.ndarray:
    """Random non-overlapping start positions for intervals of the given ``lengths``.

    ``free`` (n_steps,) bool marks the steps an interval may cover (warm-up and holidays
    excluded, say); ``start_ok[i]``, when given, further restricts where interval ``i`` may
    start. Consecutive intervals are at least ``gap`` free steps apart. Intervals are placed
    longest first, each uniformly among the starts still possible, which is deterministic
    for a given ``rng`` state. Returns an int64 array of starts in the order of ``lengths``;
    raises a ValueError naming ``what`` (and suggesting ``fix``) when one cannot be placed;
    ``unit`` names the steps in that message ("days", "hours").
    """
    available = np.asarray(free, dtype=bool).copy()
    n_steps = available.size
    starts = np.full(len(lengths), -1, dtype=np.int64)
    for i in sorted(range(len(lengths)), key=lambda j: -lengths[j]):
        length = int(lengths[i])
        if length > n_steps:
            candidates = np.empty(0, dtype=np.int64)
        else:
            # A start is possible when the `length` steps from it are all available.
            window_free = np.lib.stride_tricks.sliding_window_view(available, length).all(axis=1)
            if start_ok is not None and start_ok[i] is not None:
                window_free &= np.asarray(start_ok[i], dtype=bool)[: window_free.size]
            candidates = np.flatnonzero(window_free)
        if candidates.size == 0:
            raise ValueError(
                f"could not place all {what} without overlap (needs {sum(lengths)} {unit} "
                f"plus gaps of {gap} between them in {int(np.sum(free))} eligible {unit}); "
                f"{fix or 'reduce the number of events or lengthen the series'}."
            )
        start = int(rng.choice(candidates))
        starts[i] = start
        available[max(start - gap, 0) : start + length + gap] = False
    return starts


def event_table(
    kinds: Iterable[str],
    onsets: Iterable[int],
    lengths: Iterable[int],
    index: pd.DatetimeIndex,
    *,
    unit: str = "days",
) -> pd.DataFrame:
    """One row per injected event, sorted by onset: kind, start, end (inclusive), n_<unit>, onset.

    ``onsets`` are integer positions into ``index`` and ``lengths`` are numbers of steps,
    so ``end = index[onset + length - 1]``. An empty table keeps the columns and dtypes.
    """
    onsets = np.asarray(list(onsets), dtype=np.int64)
    lengths = np.asarray(list(lengths), dtype=np.int64)
    table = pd.DataFrame(
        {
            "kind": pd.Series(list(kinds), dtype=str),
            "start": index[onsets],
            "end": index[onsets + lengths - 1],
            f"n_{unit}": lengths,
            "onset": onsets,
        }
    )
    return table.sort_values("onset", kind="stable").reset_index(drop=True)


def entity_arrays(
    frame: pd.DataFrame,
    key: str,
    all_ids: np.ndarray,
    ids: object,
    columns: str | Sequence[str],
) -> list[np.ndarray]:
    """Per-entity float64 arrays of shape (n_steps_i, len(columns)), one per id in ``ids``.

    ``frame`` is long format, sorted by ``key`` then time; ``ids=None`` means every entity
    in ``all_ids`` order. Unknown ids or columns raise a ValueError that names them.
    """
    columns = [columns] if isinstance(columns, str) else list(columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"unknown columns {missing}; choose from {list(frame.columns)}.")
    wanted = all_ids if ids is None else np.atleast_1d(np.asarray(ids))
    if wanted.size == 0:
        return []
    if wanted.ndim != 1 or not np.issubdtype(wanted.dtype, np.integer):
        raise TypeError(
            f"{key} ids must be an int or a 1-D sequence of ints, got {ids!r}; "
            "pass e.g. [0, 3, 7] or None for all."
        )
    unknown = np.setdiff1d(wanted, all_ids)
    if unknown.size:
        raise ValueError(
            f"unknown {key} ids {unknown[:5].tolist()}; valid ids are 0 to {all_ids.size - 1}."
        )
    keys = frame[key].to_numpy()
    bounds = np.searchsorted(keys, all_ids, side="left"), np.searchsorted(keys, all_ids, "right")
    values = frame[columns].to_numpy(dtype=np.float64)
    position = {int(k): i for i, k in enumerate(all_ids)}
    return [
        values[bounds[0][position[int(k)]] : bounds[1][position[int(k)]]].copy() for k in wanted
    ]
