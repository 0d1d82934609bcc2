"""Small JSON files of the numbers each notebook measured, for the interview walk-through.

Notebook 14 answers the sources' interview questions with numbers the earlier notebooks
produced. Rather than re-running them, each notebook ends its claims section with
``save_results("07_lstm_autoencoder", {...})``, which writes ``results/07_lstm_autoencoder.json``;
notebook 14 reads them back with :func:`load_results`. The files are committed next to the
executed notebooks and rewritten whenever those run. ``$ADLIB_RESULTS_DIR`` moves them
(``make run-full`` writes its own under build/full/results/).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from adlib._paths import output_dir

_NAME = re.compile(r"^\d\d_[a-z0-9_]+$")


def results_dir() -> Path:
    """``$ADLIB_RESULTS_DIR`` if set, else ``<repo>/results``; created if missing."""
    return output_dir("results", "ADLIB_RESULTS_DIR")


def save_results(notebook: str, values: Mapping[str, object]) -> Path:
    """Write ``values`` to ``results/<notebook>.json`` and return the path.

    ``notebook`` is the notebook's file stem, such as ``"07_lstm_autoencoder"``. ``values``
    maps names to numbers, strings or booleans, or to lists or mappings of them; numpy
    scalars are converted. Non-finite numbers are refused: a result that is NaN is a bug
    in the notebook, not a number to quote.
    """
    _check_name(notebook)
    if not isinstance(values, Mapping) or not values:
        raise ValueError("values must be a non-empty mapping of result names to values.")
    clean = _plain(values, notebook)
    path = results_dir() / f"{notebook}.json"
    path.write_text(json.dumps(clean, indent=1, ensure_ascii=False) + "\n")
    return path


def load_results(notebook: str) -> dict:
    """The values a notebook saved with :func:`save_results`.

    Raises a ValueError that names the notebook to run when its file is missing.
    """
    _check_name(notebook)
    path = results_dir() / f"{notebook}.json"
    if not path.exists():
        raise ValueError(f"{path} does not exist: run notebooks/{notebook}.ipynb first (make run).")
    return json.loads(path.read_text())


def _check_name(notebook: object) -> None:
    if not isinstance(notebook, str) or not _NAME.match(notebook):
        raise ValueError(
            f"notebook must be a notebook file stem like '07_lstm_autoencoder', got {notebook!r}."
        )


def _plain(value: object, where: str) -> object:
    """``value`` as plain JSON types; raises on anything JSON cannot hold faithfully."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise TypeError(f"{where}: result names must be strings, got {list(value)!r}.")
        return {key: _plain(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} is {value}; results must be finite numbers.")
        return value
    raise TypeError(
        f"{where} is a {type(value).__name__}; save numbers, strings, booleans, "
        "or lists and mappings of them (convert arrays and frames first)."
    )
