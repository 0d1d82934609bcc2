"""The tabular benchmark of notebooks 02 and 03: its datasets, its detectors and its loop.

Notebooks 02 (classical detectors) and 03 (autoencoders) compare detectors the same way:
for every seed, build novelty splits of a few tabular datasets (for the ODDS-style sets
the seed is also the outlier draw; shuttle's training rows are capped), build a fresh
set of detectors for each split, fit each on the normal training rows and score the test
rows once (:func:`adlib.evaluation.run_detector`). This module holds those three parts,
:func:`dataset_suite`, the two detector suites (:func:`classical_suite`,
:func:`autoencoder_suite`) and :func:`run_suite`, so both notebooks draw the same splits
and report comparable tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from adlib import metrics
from adlib._validation import check_int
from adlib.data.datasets import Dataset, load_shuttle, make_digits, make_wbc, make_wine
from adlib.data.splits import Split, check_split, novelty_split, shuttle_split
from adlib.detectors import (
    AutoencoderDetector,
    DenoisingAutoencoderDetector,
    IsolationForestDetector,
    LOFDetector,
    OneClassSVMDetector,
    PCADetector,
    RandomDetector,
    ResidualAutoencoderDetector,
    ZScoreDetector,
)
from adlib.detectors.base import BaseDetector
from adlib.evaluation import run_detector

#: The datasets :func:`dataset_suite` can build; the ODDS-style ones take a new outlier draw.
TABULAR_DATASETS = ("wbc", "wine", "digits", "shuttle")
_DRAWN = {"wbc": make_wbc, "wine": make_wine, "digits": make_digits}


def dataset_suite(
    seed: int,
    names: Sequence[str] = ("wbc", "wine", "shuttle"),
    *,
    shuttle_cap: int | None = None,
    shuttle: Dataset | None = None,
) -> dict[str, Split]:
    """Novelty splits of the named datasets for one seed, in the order of ``names``.

    wbc, wine and digits are drawn anew with ``draw=seed`` (a new sample of anomalies) and
    split with ``seed``; shuttle is split with ``seed`` and, when ``shuttle_cap`` is given,
    its normal training rows are subsampled to ``shuttle_cap`` (also with ``seed``), since
    One-Class SVM and LOF cost O(n²) to fit and networks train on a CPU. Pass a loaded
    ``shuttle`` to avoid reading the file once per seed. Used by notebooks 02 and 03.
    """
    seed = check_int(seed, "seed", low=0)
    if isinstance(names, str) or not isinstance(names, Sequence) or not names:
        raise TypeError(f"names must be a non-empty list of dataset names, got {names!r}.")
    unknown = [name for name in names if name not in TABULAR_DATASETS]
    if unknown or len(set(names)) != len(names):
        raise ValueError(
            f"names must be distinct names from {TABULAR_DATASETS}, got {list(names)}; "
            f"unknown: {unknown}."
        )
    if shuttle_cap is not None:
        shuttle_cap = check_int(shuttle_cap, "shuttle_cap", low=1)
    if shuttle is not None and not isinstance(shuttle, Dataset):
        raise TypeError(f"shuttle must be an adlib Dataset, got {type(shuttle).__name__}.")
    splits = {}
    for name in names:
        if name == "shuttle":
            shuttle = load_shuttle() if shuttle is None else shuttle
            if shuttle_cap is None:
                split = novelty_split(shuttle.X, shuttle.y, seed=seed)
            else:
                split = shuttle_split(seed, train_cap=shuttle_cap, shuttle=shuttle)
        else:
            dataset = _DRAWN[name](draw=seed)
            split = novelty_split(dataset.X, dataset.y, seed=seed)
        splits[name] = split
    return splits


def choose_on_validation(
    make: Callable[[object], BaseDetector], grid: Sequence[object], split: Split
) -> object:
    """The value of ``grid`` whose detector ``make(value)`` has the best validation PR-AUC.

    Each detector is fitted on ``split.X_train`` and scores ``split.X_val``; the test rows
    are not touched. Ties go to the first value of the grid. Notebook 02 chooses the
    One-Class SVM's ``nu`` and LOF's ``k`` this way.
    """
    if not callable(make):
        raise TypeError(f"make must be a function value -> detector, got {type(make).__name__}.")
    if isinstance(grid, str) or not isinstance(grid, Sequence) or len(grid) == 0:
        raise ValueError(f"grid must be a non-empty list of values to try, got {grid!r}.")
    check_split(split)
    scores = [
        metrics.pr_auc(split.y_val, make(value).fit(split.X_train).score_samples(split.X_val))
        for value in grid
    ]
    return grid[int(np.argmax(scores))]


def classical_suite(
    split: Split,
    seed: int,
    *,
    nu_grid: Sequence[float] = (0.002, 0.01, 0.05),
    neighbour_grid: Sequence[int] = (5, 15, 40),
) -> tuple[dict[str, BaseDetector], dict[str, object]]:
    """Notebook 02's five detectors for one split, and the hyperparameters chosen for them.

    Isolation Forest (``random_state=seed``), One-Class SVM with ``nu`` and LOF with ``k``
    each chosen from its grid by :func:`choose_on_validation`, the z-score baseline and
    random scores (``random_state=seed``). Returns ``(detectors, {"nu": nu, "k": k})``;
    the detectors are unfitted, in the order of the notebook's tables.
    """
    seed = check_int(seed, "seed", low=0)
    nu = choose_on_validation(lambda v: OneClassSVMDetector(nu=v), nu_grid, split)
    k = choose_on_validation(lambda v: LOFDetector(n_neighbors=v), neighbour_grid, split)
    detectors = {
        "Isolation Forest": IsolationForestDetector(random_state=seed),
        "One-Class SVM": OneClassSVMDetector(nu=nu),
        "LOF": LOFDetector(n_neighbors=k),
        "z-score": ZScoreDetector(),
        "random": RandomDetector(random_state=seed),
    }
    return detectors, {"nu": nu, "k": k}


def autoencoder_suite(
    seed: int, nn_options: Mapping[str, object], *, latent_dim: int, z_score: bool = True
) -> dict[str, BaseDetector]:
    """Notebook 03's detectors for one seed: three autoencoders beside their yardsticks.

    The plain, denoising and residual autoencoders, each built with ``nn_options`` (the
    keyword arguments of :class:`adlib.detectors.AutoencoderDetector`: hidden widths,
    ``latent_dim``, epochs, device, ...) and ``random_state=seed``; PCA reconstruction
    error with ``latent_dim`` components (the linear autoencoder); Isolation Forest; the
    z-score baseline unless ``z_score=False`` (it is undefined when a feature is constant
    in training, like digits' border pixels); random scores. Unfitted, in table order.
    """
    seed = check_int(seed, "seed", low=0)
    latent_dim = check_int(latent_dim, "latent_dim", low=1)
    if not isinstance(nn_options, Mapping):
        raise TypeError(
            f"nn_options must be a dict of AutoencoderDetector arguments, got "
            f"{type(nn_options).__name__}."
        )
    if "random_state" in nn_options:
        raise ValueError("nn_options must not hold random_state: the suite sets it to seed.")
    detectors = {
        "autoencoder": AutoencoderDetector(**nn_options, random_state=seed),
        "denoising AE": DenoisingAutoencoderDetector(**nn_options, random_state=seed),
        "residual AE": ResidualAutoencoderDetector(**nn_options, random_state=seed),
        "PCA (linear AE)": PCADetector(n_components=latent_dim),
        "Isolation Forest": IsolationForestDetector(random_state=seed),
        "z-score": ZScoreDetector(),
        "random": RandomDetector(random_state=seed),
    }
    if not z_score:
        del detectors["z-score"]
    return detectors


def run_suite(
    seeds: Iterable[int],
    datasets: Callable[[int], Mapping[str, Split]],
    detectors: Callable[[str, Split, int], Mapping[str, BaseDetector]],
) -> pd.DataFrame:
    """Every detector on every dataset for every seed: one row per run.

    For each seed, ``datasets(seed)`` gives the splits by name; for each split,
    ``detectors(name, split, seed)`` gives fresh, unfitted detectors by name, and each is
    fitted and scored by :func:`adlib.evaluation.run_detector`. The rows hold "dataset",
    "detector", "seed", test "ROC-AUC" and "PR-AUC", and "fit s" / "score s" (wall-clock
    seconds), in the order the runs were made; :func:`adlib.evaluation.summarise` turns
    them into a mean ± sd table. Notebooks 02 and 03 build their comparisons with it.
    """
    if not callable(datasets) or not callable(detectors):
        raise TypeError("datasets and detectors must be functions (see the docstring).")
    records = []
    for seed in seeds:
        seed = check_int(seed, "seed", low=0)
        for name, split in datasets(seed).items():
            for detector_name, detector in detectors(name, split, seed).items():
                records.append(
                    {
                        "dataset": name,
                        "detector": detector_name,
                        "seed": seed,
                        **run_detector(detector, split),
                    }
                )
    if not records:
        raise ValueError("no runs: seeds, datasets or detectors gave nothing to run.")
    return pd.DataFrame(records)
