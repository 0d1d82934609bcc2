"""Shared fixtures and settings for the adlib test suite."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless: the tests never open a window

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, settings

# One torch thread, as adlib.setup pins in the notebooks: results are bit-identical only at a
# fixed thread count, and the tiny test networks gain nothing from more threads.
torch.set_num_threads(1)

# Small, deterministic property tests: no deadline (the first call of a sklearn function
# can be slow to import) and a modest number of examples, so the suite stays fast.
settings.register_profile(
    "adlib",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("adlib")


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator for each test."""
    return np.random.default_rng(12345)


@pytest.fixture
def gaussian_data(rng: np.random.Generator) -> np.ndarray:
    """200 rows of correlated 3-D Gaussian data, shape (200, 3)."""
    cov = np.array([[1.0, 0.6, 0.2], [0.6, 2.0, -0.3], [0.2, -0.3, 0.5]])
    return rng.multivariate_normal([1.0, -2.0, 0.5], cov, size=200)


@pytest.fixture
def X_train(gaussian_data: np.ndarray) -> np.ndarray:
    """The first 150 rows of ``gaussian_data``: what detectors are fitted on."""
    return gaussian_data[:150]


@pytest.fixture
def X_new(gaussian_data: np.ndarray) -> np.ndarray:
    """The last 50 rows of ``gaussian_data``: new rows to score."""
    return gaussian_data[150:]


@pytest.fixture(scope="session")
def shuttle():
    """The shuttle dataset, loaded once per session (49,097 rows)."""
    from adlib.data import load_shuttle

    return load_shuttle()
