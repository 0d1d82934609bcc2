"""A noisy sine with anomalous segments of a chosen length (notebook 11).

The point-adjust critique needs series whose anomalies are segments of a known length L:
how good random scores look under point adjustment depends on L alone. The anomalies are
deliberately subtle (extra noise on the same sine), so that no scorer finds them easily.
"""

from __future__ import annotations

import numpy as np

from adlib._validation import check_int, check_real
from adlib.data.simulators._common import check_generator


def noisy_sine_segments(
    n: int,
    segment_length: int,
    rng: np.random.Generator,
    *,
    period: int = 50,
    share: float = 0.05,
    noise: float = 0.3,
    anomaly_noise: float = 0.25,
) -> tuple[np.ndarray, np.ndarray]:
    """A sine of ``period`` steps plus N(0, ``noise``²), with anomalous segments of extra noise.

    ``int(share * n) // segment_length`` segments of ``segment_length`` steps are placed on
    distinct slots of the grid of that length (never the first slot or the last two), so
    they never overlap; their values get extra N(0, ``anomaly_noise``²) noise. Notebook 11
    uses it to show that point-adjusted F1 rewards random scores more the longer the
    segments. ``segment_length=0`` gives a clean series (for training). Returns ``(values,
    labels)`` of shape (n,): float values and int 0/1 labels (1 = anomalous step). Draws
    only from ``rng``: the noise, then the slots, then the extra noise.
    """
    rng = check_generator(rng)
    n = check_int(n, "n", low=1)
    segment_length = check_int(segment_length, "segment_length", low=0, high=n)
    period = check_int(period, "period", low=1)
    share = check_real(share, "share", low=0.0, high=1.0)
    noise = check_real(noise, "noise", low=0.0)
    anomaly_noise = check_real(anomaly_noise, "anomaly_noise", low=0.0)
    n_segments = int(share * n) // segment_length if segment_length else 0
    n_slots = n // segment_length - 2 if segment_length else 0
    if n_segments > n_slots:
        raise ValueError(
            f"{n_segments} segments of {segment_length} steps do not fit in a series of {n} "
            "steps (the first slot and the last two stay clean); lower share or "
            "segment_length, or lengthen the series."
        )
    values = np.sin(2 * np.pi * np.arange(n) / period) + rng.normal(0, noise, n)
    labels = np.zeros(n, dtype=int)
    if segment_length:
        slots = rng.choice(n_slots, n_segments, replace=False) + 1
        for slot in slots:
            labels[slot * segment_length : (slot + 1) * segment_length] = 1
        values[labels == 1] += rng.normal(0, anomaly_noise, labels.sum())
    return values, labels
