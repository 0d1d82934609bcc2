"""Reproducibility and device choice: the first call in every notebook (introduced in 00)."""

from __future__ import annotations

import os
import random

import numpy as np
from threadpoolctl import threadpool_limits

from adlib._validation import check_int

_DEVICES = ("auto", "cpu", "cuda")


def setup(seed: int, threads: int = 1, device: str = "auto", *, verbose: bool = True):
    """Seed Python, NumPy and torch, pin the thread count and choose the torch device.

    Results are bit-identical only for the same seed *and* thread count, because parallel
    reductions add floating-point numbers in a different order; so the BLAS/OpenMP pools
    and torch's intra-op pool are all pinned to ``threads``. ``device="auto"`` takes the
    first CUDA GPU when one is present and the CPU otherwise, saying so in plain words
    (``verbose``). Deterministic torch kernels are requested on every device. Returns the
    ``torch.device`` to pass to ``adlib.nn.fit`` and models.
    """
    import torch

    from adlib.nn.training import resolve_device

    seed = check_int(seed, "seed", low=0, high=2**32 - 1)
    threads = check_int(threads, "threads", low=1)
    if not isinstance(device, str) or device not in _DEVICES:
        raise ValueError(f"device must be one of {_DEVICES}, got {device!r}.")
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    chosen = resolve_device(device)

    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 -- legacy global state, for code that still uses it
    torch.manual_seed(seed)

    threadpool_limits(limits=threads)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)

    if verbose:
        if chosen.type == "cuda":
            name = torch.cuda.get_device_name(chosen)
            print(f"Using GPU: {name} (bf16 autocast for training). seed={seed}, threads={threads}")
        else:
            print(
                f"No GPU found: running on the CPU with {threads} thread(s), seed={seed}. "
                "Every notebook is sized for this; PROFILE='full' is meant for a GPU."
            )
    return chosen
