"""A series whose one anomaly is visible only with long context (notebook 07).

The series is a chain of *motifs* of ``motif_steps`` steps each, repeating the pattern
X, Y, X, Z: X is one period of a sine, Y two periods at half the amplitude, Z one inverted
period (all start and end at 0, so the chain is continuous). Which motif follows an X is
decided by the motif *before* that X: Y after Z, Z after Y. The anomaly is one motif that
breaks this rule, a Y where a Z belongs; from there the pattern carries on in the new phase
(Y, X, Z, X, Y, ...), so the rule is broken exactly once. Every stretch of ``motif_steps``
steps around the anomaly also occurs in normal data (X Y and Y X both do): a detector sees
the anomaly only if one output reads the end of the previous Y, the whole X and the start of
the wrong motif, about ``motif_steps + 2`` steps. Notebook 07 uses it to test whether a
convolutional detector "lacks long-range memory" when its receptive field is shorter or
longer than that.
"""

from __future__ import annotations

import numpy as np

from adlib._validation import check_int, check_real
from adlib.data.datasets import LabelledSeries
from adlib.data.simulators._common import make_rng

PATTERN = ("X", "Y", "X", "Z")


def motif(name: str, steps: int) -> np.ndarray:
    """One motif of ``steps`` values: "X" a sine period, "Y" two at half amplitude, "Z" −sine."""
    u = 2 * np.pi * np.arange(steps) / steps
    shapes = {"X": np.sin(u), "Y": 0.5 * np.sin(2 * u), "Z": -np.sin(u)}
    if name not in shapes:
        raise ValueError(f"motif must be 'X', 'Y' or 'Z', got {name!r}.")
    return shapes[name]


def simulate_motif_sequence(
    seed: int = 0,
    *,
    motif_steps: int = 20,
    train_periods: int = 20,
    test_periods: int = 20,
    noise: float = 0.1,
) -> LabelledSeries:
    """A motif chain X Y X Z ... with one long-context anomaly in its test part (see module).

    ``train_periods`` and ``test_periods`` count repetitions of the four-motif pattern
    (4 × ``motif_steps`` steps each); the first ``train_periods`` are anomaly-free and are
    the training prefix (``train_end``). In one test period, drawn from ``seed`` (never the
    first or the last two), the Z becomes a Y and the pattern continues from that phase.
    Gaussian noise of sd ``noise`` is added to every step. Returns a
    :class:`adlib.data.LabelledSeries` whose labels mark the wrong motif's steps.
    """
    rng = make_rng(seed)
    motif_steps = check_int(motif_steps, "motif_steps", low=4)
    train_periods = check_int(train_periods, "train_periods", low=1)
    test_periods = check_int(test_periods, "test_periods", low=4)
    noise = check_real(noise, "noise", low=0.0)
    n_motifs = 4 * (train_periods + test_periods)
    jump = 4 * (train_periods + int(rng.integers(1, test_periods - 2))) + 3
    phase = np.arange(n_motifs) + 2 * (np.arange(n_motifs) >= jump)
    values = np.concatenate([motif(PATTERN[p % 4], motif_steps) for p in phase])
    values = values + rng.normal(0.0, noise, values.size)
    labels = np.zeros(values.size, dtype=np.int64)
    start = jump * motif_steps
    labels[start : start + motif_steps] = 1
    return LabelledSeries(
        name="motif sequence",
        values=values,
        labels=labels,
        anomaly_start=start,
        anomaly_end=start + motif_steps - 1,
        train_end=4 * train_periods * motif_steps,
        description=(
            f"motif chain X Y X Z of {motif_steps}-step motifs, noise sd {noise}; one Y where "
            f"a Z belongs (seed {seed})"
        ),
    )
