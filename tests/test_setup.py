"""adlib.setup: device choice, the plain-words message, thread pinning and seeding."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_info

import adlib
from adlib import setup

cpu_only = pytest.mark.skipif(
    torch.cuda.is_available(), reason="describes a machine without a CUDA GPU"
)


@pytest.fixture(autouse=True)
def _restore_threads():
    """Leave torch with one thread after each test, whatever the test pinned."""
    yield
    setup(0, threads=1, verbose=False)


@cpu_only
def test_returns_cpu_device_without_gpu():
    device = setup(0, verbose=False)
    assert isinstance(device, torch.device)
    assert device == torch.device("cpu")


def test_explicit_cpu_device_is_honoured():
    assert setup(0, device="cpu", verbose=False) == torch.device("cpu")


@cpu_only
def test_prints_plain_no_gpu_message(capsys):
    setup(7, threads=1)
    out = capsys.readouterr().out
    assert out.startswith("No GPU found")
    assert "CPU" in out
    assert "seed=7" in out
    assert "1 thread" in out


def test_verbose_false_prints_nothing(capsys):
    setup(0, verbose=False)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("threads", [1, 2])
def test_pins_torch_and_blas_threads(threads):
    setup(0, threads=threads, verbose=False)
    assert torch.get_num_threads() == threads
    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert all(n == threads for n in blas)


def _draws() -> tuple[float, np.ndarray, torch.Tensor]:
    return random.random(), np.random.rand(5), torch.randn(5)  # noqa: NPY002


def test_same_seed_gives_identical_draws():
    setup(123, verbose=False)
    first = _draws()
    setup(123, verbose=False)
    second = _draws()
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])
    assert torch.equal(first[2], second[2])


def test_different_seeds_give_different_draws():
    setup(1, verbose=False)
    first = _draws()
    setup(2, verbose=False)
    second = _draws()
    assert not np.array_equal(first[1], second[1])
    assert not torch.equal(first[2], second[2])


def test_requests_deterministic_algorithms():
    setup(0, verbose=False)
    assert torch.are_deterministic_algorithms_enabled()


def test_setup_is_exported_at_top_level():
    assert adlib.setup is setup
    assert "setup" in adlib.__all__


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"seed": -1}, ValueError, r"seed must be in \[0"),
        ({"seed": 2**32}, ValueError, r"seed must be in \[0"),
        ({"seed": 1.5}, TypeError, "seed must be an integer"),
        ({"seed": True}, TypeError, "seed must be an integer"),
        ({"seed": "0"}, TypeError, "seed must be an integer"),
        ({"seed": 0, "threads": 0}, ValueError, r"threads must be in \[1"),
        ({"seed": 0, "threads": -2}, ValueError, r"threads must be in \[1"),
        ({"seed": 0, "threads": 2.0}, TypeError, "threads must be an integer"),
        ({"seed": 0, "device": "gpu"}, ValueError, "device must be one of"),
        ({"seed": 0, "device": "CPU"}, ValueError, "device must be one of"),
        ({"seed": 0, "device": None}, ValueError, "device must be one of"),
        pytest.param(
            {"seed": 0, "device": "cuda"},
            ValueError,
            "torch sees no CUDA GPU",
            marks=cpu_only,
        ),
    ],
)
def test_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        setup(verbose=False, **kwargs)
