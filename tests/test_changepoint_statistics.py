"""adlib.detectors.series.split_t_statistics: the t statistic of every split (notebook 06).

Cross-checked against scipy's pooled two-sample t-test on each split.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ttest_ind

from adlib.data import load_nile
from adlib.detectors import cusum_changepoint
from adlib.detectors.series import split_t_statistics


def steps(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(0, 1, 30), rng.normal(2, 1, 25)])


def test_split_t_statistics_match_scipy_on_every_split():
    x = steps()
    k, t = split_t_statistics(x, min_size=3)
    assert k[0] == 3 and k[-1] == x.size - 3
    expected = [abs(ttest_ind(x[:i], x[i:]).statistic) for i in k]
    np.testing.assert_allclose(t, expected, rtol=1e-10)


def test_split_t_statistics_peak_is_the_cusum_changepoint_on_the_nile():
    flow = load_nile().to_numpy()
    k, t = split_t_statistics(flow)
    change = cusum_changepoint(flow)
    assert k[np.argmax(t)] == change.index == 28
    assert t.max() == pytest.approx(change.statistic, rel=1e-12)


def test_a_perfect_split_has_an_infinite_statistic():
    k, t = split_t_statistics(np.r_[np.zeros(5), np.ones(5)])
    assert np.isinf(t[k == 5]).all() and np.isfinite(t[k != 5]).all()


def test_split_t_statistics_validate_their_input():
    with pytest.raises(ValueError, match="constant"):
        split_t_statistics(np.ones(10))
    with pytest.raises(ValueError, match="at least"):
        split_t_statistics(np.arange(5.0), min_size=3)
    with pytest.raises(TypeError, match="min_size"):
        split_t_statistics(steps(), min_size=2.5)
