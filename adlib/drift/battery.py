"""Run every batch drift test of :mod:`adlib.drift.batch` on one pair of batches (notebook 12).

A batch monitor has to choose a test; notebook 12 compares them on the same batches. This
module runs the battery once: per-feature KS without a correction, with Bonferroni and with
Benjamini-Hochberg (FDR), PSI on every feature with an alarm level, and the MMD permutation
test on the rows standardised by the reference.
"""

from __future__ import annotations

import numpy as np

from adlib._validation import as_float_matrix, check_int, check_real
from adlib.drift.batch import ks_drift, mmd_test, psi

#: The names :func:`batch_test_alarms` returns, in order.
BATCH_TESTS = ("KS, no correction", "KS, Bonferroni", "KS, FDR", "PSI", "MMD")


def batch_test_alarms(
    reference: object,
    current: object,
    *,
    alpha: float = 0.05,
    psi_alarm: float = 0.25,
    n_permutations: int = 99,
    seed: int = 0,
) -> dict[str, bool]:
    """Whether each batch drift test alarms on ``current`` against ``reference``.

    Both are (n_rows, n_features) arrays with the same features. KS tests every feature at
    ``alpha``: uncorrected (any p <= alpha), Bonferroni and FDR. PSI alarms when any feature
    that varies in the reference has PSI above ``psi_alarm`` (a constant feature has no
    deciles to bin on). MMD runs ``n_permutations`` reshuffles (seeded by ``seed``) on the
    rows standardised by the reference mean and sd (sd 1 where a feature is constant), so
    that no feature's unit dominates the kernel. Returns {test name: alarm} keyed by
    :data:`BATCH_TESTS`. Notebook 12 averages these over batches: the false-alarm rate under
    no drift, the power under drift.
    """
    reference = as_float_matrix(reference, "reference", min_rows=2)
    current = as_float_matrix(current, "current", min_rows=2)
    if current.shape[1] != reference.shape[1]:
        raise ValueError(
            f"current has {current.shape[1]} features but reference has {reference.shape[1]}; "
            "compare batches with the same columns, in the same order."
        )
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0, inclusive=False)
    psi_alarm = check_real(psi_alarm, "psi_alarm", low=0.0)
    n_permutations = check_int(n_permutations, "n_permutations", low=1)
    seed = check_int(seed, "seed", low=0)
    ks = ks_drift(reference, current, alpha=alpha)
    varying = reference.std(axis=0) > 0
    if not varying.any():
        raise ValueError("every feature of the reference is constant; PSI and MMD need spread.")
    centre, scale = reference.mean(axis=0), np.where(varying, reference.std(axis=0), 1.0)
    shifted = psi(reference[:, varying], current[:, varying]) > psi_alarm
    mmd = mmd_test(
        (reference - centre) / scale,
        (current - centre) / scale,
        alpha=alpha,
        n_permutations=n_permutations,
        seed=seed,
    )
    return {
        "KS, no correction": bool((ks.p_value <= alpha).any()),
        "KS, Bonferroni": ks.any_drift,
        "KS, FDR": ks_drift(reference, current, alpha=alpha, correction="fdr").any_drift,
        "PSI": bool(shifted.any()),
        "MMD": mmd.drift,
    }
