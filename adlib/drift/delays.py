"""How late and how often a streaming drift detector fires (notebook 12).

A streaming detector is judged like any alarm: on a stream with a known drift, how long
after the drift it fires (the detection delay) and whether it fired before (false alarms);
on drift-free streams, how often it fires at all. These two functions measure exactly that
for any detector that maps a stream to detection indices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from adlib._validation import check_int


def detection_report(detections: object, drift_start: int) -> dict[str, object]:
    """False alarms, delay and repeat detections of one run on a stream drifting at ``drift_start``.

    ``detections`` are the step indices (shape (k,), any order) at which a detector fired,
    as ``StreamingDetector.run`` returns them. Returns ``false alarms before`` (int, the
    detections before the drift), ``found`` (bool, any detection at or after it), ``delay``
    (float, steps from ``drift_start`` to the first detection at or after it; NaN when none)
    and ``detections after`` (int). Notebook 12 averages these over seeds per kind of drift.
    """
    hits = np.sort(np.asarray(detections).ravel())
    if hits.size and not np.issubdtype(hits.dtype, np.integer):
        raise TypeError(
            f"detections must be integer step indices, got dtype {hits.dtype}; "
            "pass what detector.run(stream) returns."
        )
    if hits.size and hits[0] < 0:
        raise ValueError(f"detections must be step indices >= 0, got {hits[0]}.")
    drift_start = check_int(drift_start, "drift_start", low=0)
    after = hits[hits >= drift_start]
    return {
        "false alarms before": int((hits < drift_start).sum()),
        "found": bool(after.size > 0),
        "delay": float(after[0] - drift_start) if after.size else np.nan,
        "detections after": int(after.size),
    }


def drift_free_alarm_counts(
    detect: Callable[[np.ndarray], object], length: int, seeds: Iterable[int]
) -> np.ndarray:
    """Detections per drift-free stream: ``detect`` run on N(0, 1) noise, one stream per seed.

    Stream ``i`` is ``np.random.default_rng(seeds[i]).normal(size=length)``; ``detect``
    maps it to detection indices (e.g. ``lambda v: PageHinkley().run(v)``; build a fresh
    detector inside it, since detectors keep state). Every detection is a false alarm, so
    the mean count is the false-alarm rate per stream and ``(counts > 0).mean()`` the share
    of streams with any alarm: the calibration notebook 12 sizes δ and λ on. Returns an
    int64 array with one count per seed.
    """
    if not callable(detect):
        raise TypeError(
            f"detect must be a function from a stream to detection indices, got "
            f"{type(detect).__name__}; pass e.g. lambda values: PageHinkley().run(values)."
        )
    length = check_int(length, "length", low=1)
    seeds = [check_int(seed, "seed", low=0) for seed in seeds]
    if not seeds:
        raise ValueError("seeds is empty; pass at least one seed, e.g. range(20).")
    counts = [np.asarray(detect(np.random.default_rng(s).normal(size=length))).size for s in seeds]
    return np.array(counts, dtype=np.int64)
