"""The long-dependency task of notebook 08: one labelled step k steps before the end."""

from __future__ import annotations

import numpy as np
import pytest

from adlib.data import simulate_dependency


def _reference(k, n, rng, length):
    """The notebook's original generator, kept here to prove the draws did not change."""
    X = rng.normal(size=(n, length, 1))
    labels = (rng.random(n) < 0.5).astype(np.int64)
    X[:, length - 1 - k, 0] = np.where(labels == 1, 2.5, -2.5)
    return X, labels


@pytest.mark.parametrize("k", [0, 4, 24, 39])
def test_shapes_and_the_signal_step(k):
    X, labels = simulate_dependency(k, 300, np.random.default_rng(1), length=40)
    assert X.shape == (300, 40, 1) and X.dtype == np.float64
    assert labels.shape == (300,) and labels.dtype == np.int64
    assert set(np.unique(labels)) == {0, 1}
    assert np.array_equal(X[:, 39 - k, 0], np.where(labels == 1, 2.5, -2.5))


def test_same_draws_as_the_notebooks_original_generator():
    mine, theirs = np.random.default_rng(24), np.random.default_rng(24)
    for n in (2000, 1000):  # a training set, then a test set, from one generator
        X, labels = simulate_dependency(12, n, mine, length=40)
        X_ref, labels_ref = _reference(12, n, theirs, 40)
        assert np.array_equal(X, X_ref) and np.array_equal(labels, labels_ref)


def test_an_int_seed_gives_a_fresh_generator_and_the_noise_does_not_depend_on_k():
    X4, y4 = simulate_dependency(4, 50, 7)
    X20, y20 = simulate_dependency(20, 50, 7)
    assert np.array_equal(y4, y20)
    other_steps = np.setdiff1d(np.arange(40), [35, 19])
    assert np.array_equal(X4[:, other_steps], X20[:, other_steps])
    assert np.array_equal(simulate_dependency(4, 50, 7)[0], X4)


def test_only_the_signal_step_tells_the_label():
    X, labels = simulate_dependency(10, 4000, np.random.default_rng(3), length=30, signal=1.0)
    correlation = [abs(np.corrcoef(X[:, t, 0], labels)[0, 1]) for t in range(30)]
    assert np.argmax(correlation) == 19
    assert max(np.delete(correlation, 19)) < 0.06
    assert 0.45 < labels.mean() < 0.55


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"k": 40}, ValueError, "k < length"),
        ({"k": -1}, ValueError, "k"),
        ({"k": 2.5}, TypeError, "k must be an integer"),
        ({"n": 0}, ValueError, "n"),
        ({"length": 0}, ValueError, "length"),
        ({"signal": 0.0}, ValueError, "signal"),
        ({"signal": np.inf}, ValueError, "finite"),
        ({"rng": np.random.RandomState(0)}, TypeError, "Generator"),
        ({"rng": "seed"}, TypeError, "seed must be an integer"),
        ({"rng": -1}, ValueError, "seed"),
    ],
)
def test_bad_parameters_are_refused(kwargs, error, match):
    arguments = {"k": 4, "n": 10, "rng": 0, "length": 40} | kwargs
    with pytest.raises(error, match=match):
        simulate_dependency(**arguments)
