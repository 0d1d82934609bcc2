"""A long-dependency task: does a recurrent network remember one value through noise? (notebook 08)

Each sequence is ``length`` steps of standard normal noise in one channel. One step, ``k``
steps before the last, is overwritten with ``+signal`` (label 1) or ``-signal`` (label 0),
each with probability one half. Nothing else in the sequence says anything about the label,
so a classifier that reads the sequence to its end is right more often than chance only if
it carried that one value through the ``k`` noisy steps that follow. Sweeping ``k`` shows how
far back a plain RNN and an LSTM can reach at a given training budget: the plain RNN's
gradient through time shrinks geometrically with ``k``, the LSTM's cell state is built to
keep it.

Unlike the other simulators this returns plain arrays, ready for a sequence classifier, not
a frame: there are no entities or events to describe, only the label of each sequence.
"""

from __future__ import annotations

import numpy as np

from adlib._validation import check_int, check_real
from adlib.data.simulators._common import make_rng


def simulate_dependency(
    k: int,
    n: int,
    rng: np.random.Generator | int,
    length: int = 40,
    signal: float = 2.5,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` noise sequences whose label sits in one step, ``k`` steps before the end.

    Returns ``X`` float64 of shape (n, length, 1) and ``labels`` int64 of shape (n,), with
    ``X[i, length - 1 - k, 0] == signal`` where ``labels[i] == 1`` and ``-signal`` where it
    is 0 (``k = 0`` puts the signal in the last step). ``rng`` is a
    ``np.random.Generator`` (it is advanced: draw a training and a test set from one
    generator in turn) or an int seed for a fresh one. The noise is drawn first, then the
    labels, so a given generator state gives the same sequences whatever ``k`` is.
    """
    length = check_int(length, "length", low=1)
    k = check_int(k, "k", low=0)
    if k >= length:
        raise ValueError(
            f"k={k} puts the signal before the first of {length} steps; pass k < length "
            f"(at most {length - 1}) or a longer sequence."
        )
    n = check_int(n, "n", low=1)
    signal = check_real(signal, "signal", low=0.0, inclusive=False)
    if not isinstance(rng, np.random.Generator):
        if isinstance(rng, np.random.RandomState):
            raise TypeError("rng must be a np.random.Generator (np.random.default_rng(seed)).")
        rng = make_rng(rng)
    X = rng.normal(size=(n, length, 1))
    labels = (rng.random(n) < 0.5).astype(np.int64)
    X[:, length - 1 - k, 0] = np.where(labels == 1, signal, -signal)
    return X, labels
