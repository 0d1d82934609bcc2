"""Streams whose mean drifts in one of four ways, with the truth known (notebook 12).

The four kinds of concept drift the drift literature names, on the simplest possible
stream: Gaussian noise (sd 1) around a mean that is 0 before the drift and ``shift`` after.
Each stream comes with the mean the concept expects at every step, so a figure can draw
it and an evaluator knows where the drift began.
"""

from __future__ import annotations

import numpy as np

from adlib._validation import check_int, check_real
from adlib.data.simulators._common import check_generator

#: The kinds of drift :func:`drifting_stream` simulates.
DRIFT_KINDS = ("sudden", "gradual", "incremental", "recurring")


def drifting_stream(
    kind: str,
    rng: np.random.Generator,
    *,
    length: int = 4000,
    start: int = 2000,
    transition: int = 1000,
    shift: float = 1.5,
    period: int = 500,
) -> tuple[np.ndarray, np.ndarray]:
    """One stream of ``length`` values whose mean drifts from 0 to ``shift`` at ``start``.

    **sudden**: the mean jumps at ``start``. **gradual**: each value comes from the new
    concept with a probability rising linearly from 0 to 1 over ``transition`` steps (the
    old and new concepts mix). **incremental**: the mean itself slides from 0 to ``shift``
    over ``transition`` steps. **recurring**: from ``start`` the two concepts take turns
    every ``period`` steps, the new one first. Notebook 12 runs Page-Hinkley, ADWIN and DDM
    on these streams to measure how late each detects each kind. Returns ``(values,
    expected)``, both float arrays of shape (length,): the noisy values (sd 1) and the
    concept's expected mean at each step (for gradual drift, the mixture's mean). Draws only
    from ``rng``: for gradual drift ``rng.random(length)`` first, then always
    ``rng.normal(size=length)``.
    """
    if kind not in DRIFT_KINDS:
        raise ValueError(f"kind must be one of {DRIFT_KINDS}, got {kind!r}.")
    rng = check_generator(rng)
    length = check_int(length, "length", low=1)
    start = check_int(start, "start", low=0, high=length)
    transition = check_int(transition, "transition", low=1)
    shift = check_real(shift, "shift")
    period = check_int(period, "period", low=1)
    t = np.arange(length)
    progress = np.clip((t - start) / transition, 0, 1)
    if kind == "sudden":
        mean = expected = shift * (t >= start)
    elif kind == "gradual":
        mean, expected = shift * (rng.random(length) < progress), shift * progress
    elif kind == "incremental":
        mean = expected = shift * progress
    else:
        mean = expected = shift * ((t >= start) & ((t - start) // period % 2 == 0))
    return mean + rng.normal(size=length), expected.astype(float)
