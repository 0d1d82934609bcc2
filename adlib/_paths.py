"""Where notebooks write their outputs: a folder of the repository, or an override."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def output_dir(name: str, env_var: str) -> Path:
    """``$env_var`` if set, else ``<repo>/<name>``; created if missing.

    The override lets ``make test`` and ``make run-full`` write figures and results under
    build/ instead of over the committed ones.
    """
    override = os.environ.get(env_var)
    path = Path(override) if override else REPO / name
    path.mkdir(parents=True, exist_ok=True)
    return path
