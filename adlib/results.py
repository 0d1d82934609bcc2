"""Small JSON files of the numbers each notebook measured, for the interview walk-through.

Notebook 16 answers the sources' interview questions with numbers the earlier notebooks
produced. Rather than re-running them, each notebook ends its claims section with
``save_results("07_lstm_autoencoder", {...})``, which writes ``results/07_lstm_autoencoder.json``;
notebook 16 (and any notebook that reuses another's runs) reads them back with
:func:`load_results`. The files are committed next to the executed notebooks and rewritten
whenever those run. ``$ADLIB_RESULTS_DIR`` moves where they are written (``make run-full``
writes its own under build/full/results/); ``$ADLIB_RESULTS_READ_DIR`` moves where they are
read from. ``make test`` reads the committed files and writes fresh ones under build/, so each
notebook is checked against the committed inputs, and the fresh numbers are then compared with
the committed ones within tolerances (tests/result_tolerances.toml).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from adlib._paths import output_dir

_NAME = re.compile(r"^\d\d_[a-z0-9_]+$")


def results_dir() -> Path:
    """``$ADLIB_RESULTS_DIR`` if set, else ``<repo>/results``; created if missing."""
    return output_dir("results", "ADLIB_RESULTS_DIR")


def results_read_dir() -> Path:
    """Where results are read: ``$ADLIB_RESULTS_READ_DIR`` if set, else :func:`results_dir`."""
    override = os.environ.get("ADLIB_RESULTS_READ_DIR")
    return Path(override) if override else results_dir()


def save_results(notebook: str, values: Mapping[str, object]) -> Path:
    """Write ``values`` to ``results/<notebook>.json`` and return the path.

    ``notebook`` is the notebook's file stem, such as ``"07_lstm_autoencoder"``. ``values``
    maps names to numbers, strings or booleans, or to lists or mappings of them; numpy
    scalars are converted, and a pandas Series or DataFrame becomes a mapping from its
    (stringified) index to its values (``{row: {column: value}}``), leaving out missing cells
    such as the sd of a single run. Non-finite numbers are refused otherwise: a result that
    is NaN is a bug in the notebook, not a number to quote. The file is replaced atomically,
    so a notebook reading it at the same moment sees the old or the new file, never half.
    """
    _check_name(notebook)
    if not isinstance(values, Mapping) or not values:
        raise ValueError("values must be a non-empty mapping of result names to values.")
    clean = _plain(values, notebook)
    path = results_dir() / f"{notebook}.json"
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(clean, indent=1, ensure_ascii=False) + "\n")
    partial.replace(path)
    return path


def load_results(notebook: str) -> dict:
    """The values a notebook saved with :func:`save_results`.

    Reads from :func:`results_read_dir`. Raises a ValueError that names the notebook to run
    when its file is missing.
    """
    _check_name(notebook)
    path = results_read_dir() / f"{notebook}.json"
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
    if isinstance(value, pd.DataFrame):
        value = {_label(row): values for row, values in value.iterrows()}
    if isinstance(value, pd.Series):
        value = {_label(key): item for key, item in value.items() if not pd.isna(item)}
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


def _label(key: object) -> str:
    """A table label as a result name: tuples of a MultiIndex joined with " / "."""
    return " / ".join(map(str, key)) if isinstance(key, tuple) else str(key)
