"""Batch drift tests: a reference sample against a current one (notebook 12).

Shapes: ``reference`` (n_ref, n_features) and ``current`` (n_cur, n_features), or 1-D for
one feature. Every test is fitted on nothing: it compares the two samples it is given, so
the reference must be data the detector was validated on, not the batch being judged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.spatial.distance import cdist

from adlib._validation import as_float_matrix, check_int, check_real

#: The usual PSI reading: below 0.1 stable, 0.1-0.25 a moderate shift, above 0.25 significant.
PSI_BANDS = ((0.1, "stable"), (0.25, "moderate shift"), (np.inf, "significant shift"))

_CORRECTIONS = ("bonferroni", "fdr")


@dataclass(frozen=True)
class KSResult:
    """Per-feature KS statistics and p-values, (n_features,) each, and the corrected verdict.

    ``drifted[j]`` is True when feature j is flagged after the correction; ``any_drift`` is
    True when at least one is. With ``"bonferroni"`` the chance of any false flag under no
    drift is at most ``alpha``; with ``"fdr"`` (Benjamini-Hochberg) the expected share of
    false flags among the flagged features is at most ``alpha``, which has more power when
    many features move.
    """

    statistic: np.ndarray
    p_value: np.ndarray
    drifted: np.ndarray
    alpha: float
    correction: str

    @property
    def any_drift(self) -> bool:
        return bool(self.drifted.any())


@dataclass(frozen=True)
class MMDResult:
    """The squared MMD between the samples, its permutation p-value and the RBF bandwidth."""

    statistic: float
    p_value: float
    bandwidth: float
    alpha: float

    @property
    def drift(self) -> bool:
        return self.p_value <= self.alpha


def _pair(reference: object, current: object, min_rows: int = 2) -> tuple[np.ndarray, np.ndarray]:
    ref = _as_2d(reference, "reference", min_rows)
    cur = _as_2d(current, "current", min_rows)
    if ref.shape[1] != cur.shape[1]:
        raise ValueError(
            f"reference has {ref.shape[1]} features but current has {cur.shape[1]}; compare "
            "the same columns in the same order."
        )
    return ref, cur


def _as_2d(values: object, name: str, min_rows: int) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    return as_float_matrix(array, name, min_rows=min_rows)


def ks_drift(
    reference: object, current: object, alpha: float = 0.05, correction: str = "bonferroni"
) -> KSResult:
    """Two-sample Kolmogorov-Smirnov test on every feature, corrected for testing many.

    The KS statistic is the largest gap between the two empirical CDFs of a feature (scipy's
    exact or asymptotic p-value). Testing 30 features at α = 0.05 each flags at least one
    about 79 % of the time under no drift at all; the ``correction`` ("bonferroni" or "fdr")
    keeps the family's false alarms near ``alpha``.
    """
    ref, cur = _pair(reference, current)
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0, inclusive=False)
    if correction not in _CORRECTIONS:
        raise ValueError(f"correction must be one of {_CORRECTIONS}, got {correction!r}.")
    tests = [stats.ks_2samp(ref[:, j], cur[:, j]) for j in range(ref.shape[1])]
    statistic = np.array([t.statistic for t in tests])
    p_value = np.array([t.pvalue for t in tests])
    if correction == "bonferroni":
        drifted = p_value <= alpha / p_value.size
    else:
        drifted = stats.false_discovery_control(p_value, method="bh") <= alpha
    return KSResult(statistic, p_value, drifted, alpha, correction)


def psi(reference: object, current: object, n_bins: int = 10, floor: float = 1e-4) -> np.ndarray:
    """Population stability index of every feature, shape (n_features,).

    Bins are the ``n_bins`` quantile bins of the reference (so each holds about the same
    share of it), open at both ends; PSI = Σ (c − r) · ln(c / r) over bins, with r and c the
    reference and current shares, each floored at ``floor`` so that an empty bin costs a
    large but finite amount. Read it with :func:`psi_band`.
    """
    ref, cur = _pair(reference, current)
    n_bins = check_int(n_bins, "n_bins", low=2)
    floor = check_real(floor, "floor", low=0.0, high=1.0, inclusive=False)
    values = np.empty(ref.shape[1])
    for j in range(ref.shape[1]):
        inner = np.unique(np.quantile(ref[:, j], np.linspace(0, 1, n_bins + 1)[1:-1]))
        if np.ptp(ref[:, j]) == 0:
            raise ValueError(
                f"reference feature {j} is constant; PSI's quantile bins need a spread. Drop "
                "constant features, or compare them by their value directly."
            )
        r = np.bincount(np.searchsorted(inner, ref[:, j], side="right"), minlength=inner.size + 1)
        c = np.bincount(np.searchsorted(inner, cur[:, j], side="right"), minlength=inner.size + 1)
        r_share = np.maximum(r / r.sum(), floor)
        c_share = np.maximum(c / c.sum(), floor)
        values[j] = float(np.sum((c_share - r_share) * np.log(c_share / r_share)))
    return values


def psi_band(value: float) -> str:
    """The usual reading of a PSI value (see :data:`PSI_BANDS`)."""
    value = check_real(value, "value", low=0.0)
    return next(label for upper, label in PSI_BANDS if value < upper)


def mmd_test(
    reference: object,
    current: object,
    alpha: float = 0.05,
    n_permutations: int = 200,
    seed: int = 0,
) -> MMDResult:
    """Kernel two-sample test: squared MMD with an RBF kernel, p-value by permutation.

    MMD² = mean k(r, r') + mean k(c, c') − 2 mean k(r, c) with k(a, b) = exp(−|a − b|² /
    (2 h²)); the bandwidth h is the median pairwise distance of the pooled sample (the
    median heuristic). The p-value is (1 + #{permuted MMD² ≥ observed}) / (1 +
    ``n_permutations``), with the pooled rows reshuffled between the two groups. Standardise
    features on the reference first when their units differ. Cost O((n_ref + n_cur)²) memory.
    """
    ref, cur = _pair(reference, current)
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0, inclusive=False)
    n_permutations = check_int(n_permutations, "n_permutations", low=1)
    seed = check_int(seed, "seed", low=0)
    pooled = np.vstack([ref, cur])
    distances = cdist(pooled, pooled, "sqeuclidean")
    bandwidth = float(np.sqrt(np.median(distances[np.triu_indices(len(pooled), k=1)])))
    if bandwidth == 0:
        raise ValueError(
            "more than half of all pairs of rows are identical, so the median-heuristic "
            "bandwidth is 0; the samples are (nearly) constant and an RBF kernel cannot "
            "compare them."
        )
    kernel = np.exp(-distances / (2 * bandwidth**2))
    total = kernel.sum()
    first = (np.arange(len(pooled)) < len(ref)).astype(float)
    observed = _mmd2(kernel, total, first)
    rng = np.random.default_rng(seed)
    permuted = (_mmd2(kernel, total, rng.permutation(first)) for _ in range(n_permutations))
    exceed = sum(value >= observed for value in permuted)
    return MMDResult(observed, (1 + exceed) / (1 + n_permutations), bandwidth, alpha)


def _mmd2(kernel: np.ndarray, total: float, in_first: np.ndarray) -> float:
    """Biased (V-statistic) squared MMD of the split given by the 0/1 vector ``in_first``.

    With a = ``in_first`` and b = 1 − a, the three kernel sums are aᵀKa, aᵀKb and bᵀKb =
    1ᵀK1 − 2aᵀKb − aᵀKa: one matrix-vector product per split instead of three sub-matrices.
    """
    k_a = kernel @ in_first
    aa = float(in_first @ k_a)
    ab = float(k_a.sum() - aa)
    bb = total - 2 * ab - aa
    n_a = in_first.sum()
    n_b = in_first.size - n_a
    return float(aa / n_a**2 + bb / n_b**2 - 2 * ab / (n_a * n_b))
