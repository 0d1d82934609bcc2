"""A versioned, checkable model artefact for the neural detectors (notebook 13).

An artefact is a directory with two files: ``weights.pt`` (the network's tensors and the
input scaler's, saved with ``torch.save`` and read back with ``weights_only=True``, so
loading never runs pickled code) and ``manifest.json`` (version, detector class and
hyperparameters, the sha256 of the training data and of ``weights.pt``, the decision
threshold, validation metrics and the input schema). Loading refuses a weights file whose
hash differs from the manifest's, and a manifest whose architecture does not fit the weights.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler

import adlib
from adlib import detectors
from adlib._validation import as_float_matrix, check_real
from adlib.data import sha256_of
from adlib.detectors.neural import NeuralDetector
from adlib.serve.schema import InputSchema

FORMAT = 1
_WEIGHTS, _MANIFEST = "weights.pt", "manifest.json"


def save_artefact(
    detector: NeuralDetector,
    directory: str | Path,
    *,
    version: str,
    X_train: object,
    threshold: float,
    metrics: dict[str, float] | None = None,
    schema: InputSchema | None = None,
) -> Path:
    """Write ``detector`` (a fitted neural detector) and its manifest into ``directory``.

    ``X_train`` (the training rows) is hashed, not stored, so the manifest says which data
    the model saw. ``schema`` defaults to an :class:`InputSchema` fitted on ``X_train``.
    Returns the directory.
    """
    if not isinstance(detector, NeuralDetector) or not hasattr(detector, "model_"):
        raise TypeError(
            "save_artefact takes a fitted adlib neural detector (AutoencoderDetector, VAEDetector, "
            f"...), got {type(detector).__name__}; fit it first."
        )
    if not isinstance(version, str) or not version:
        raise ValueError("version must be a non-empty string such as '1.0.0'.")
    X_train = as_float_matrix(X_train, "X_train")
    threshold = check_real(threshold, "threshold")
    schema = schema if schema is not None else InputSchema().fit(X_train)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v.detach().cpu() for k, v in detector.model_.state_dict().items()}
    tensors["scaler.mean"] = torch.from_numpy(detector.scaler_.mean_.copy())
    tensors["scaler.scale"] = torch.from_numpy(detector.scaler_.scale_.copy())
    torch.save(tensors, directory / _WEIGHTS)
    manifest = {
        "format": FORMAT,
        "version": version,
        "adlib_version": adlib.__version__,
        "detector": type(detector).__name__,
        "params": {k: _json_param(v) for k, v in detector.get_params().items()},
        "n_features": int(detector.n_features_in_),
        "training_data_sha256": hashlib.sha256(np.ascontiguousarray(X_train).tobytes()).hexdigest(),
        "weights_sha256": sha256_of(directory / _WEIGHTS),
        "threshold": threshold,
        "metrics": {k: float(v) for k, v in (metrics or {}).items()},
        "schema": schema.to_dict(),
    }
    (directory / _MANIFEST).write_text(json.dumps(manifest, indent=2))
    return directory


def _json_param(value: object) -> object:
    """A hyperparameter as JSON: tuples become lists, a ``torch.device`` its name."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, torch.device):
        return str(value)
    return value


def load_artefact(directory: str | Path) -> tuple[NeuralDetector, dict, InputSchema]:
    """Load an artefact: the detector (on the CPU), its manifest and its input schema.

    Raises a ``ValueError`` when a file is missing, when ``weights.pt`` does not hash to the
    manifest's ``weights_sha256`` (changed after saving), or when the manifest's detector
    and hyperparameters do not build a network that the weights fit.
    """
    directory = Path(directory)
    missing = [name for name in (_WEIGHTS, _MANIFEST) if not (directory / name).is_file()]
    if missing:
        raise ValueError(f"{directory} is not an artefact: {missing} missing.")
    manifest = json.loads((directory / _MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise ValueError(f"unknown artefact format {manifest.get('format')!r}; expected {FORMAT}.")
    actual = sha256_of(directory / _WEIGHTS)
    if actual != manifest["weights_sha256"]:
        raise ValueError(
            f"{_WEIGHTS} does not match the manifest (sha256 {actual[:12]}… vs "
            f"{manifest['weights_sha256'][:12]}…): the weights were changed or come from another "
            "model. Refusing to load."
        )
    tensors = torch.load(directory / _WEIGHTS, weights_only=True, map_location="cpu")
    cls = getattr(detectors, manifest["detector"], None)
    if not (isinstance(cls, type) and issubclass(cls, NeuralDetector)):
        raise ValueError(f"manifest names {manifest['detector']!r}, not an adlib neural detector.")
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in manifest["params"].items()}
    detector = cls(**{**params, "device": "cpu"})
    model = detector._build(manifest["n_features"], tuple(params["hidden"]))
    state = {k.removeprefix("model."): v for k, v in tensors.items() if k.startswith("model.")}
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise ValueError(
            "the manifest's detector and hyperparameters do not fit the weights (a mismatched "
            f"manifest): {str(error).splitlines()[0]}"
        ) from None
    scaler = StandardScaler()
    scaler.mean_ = tensors["scaler.mean"].numpy()
    scaler.scale_ = tensors["scaler.scale"].numpy()
    scaler.var_ = scaler.scale_**2
    scaler.n_features_in_ = manifest["n_features"]
    detector.model_, detector.scaler_ = model.eval(), scaler
    detector.n_features_in_, detector.device_ = manifest["n_features"], torch.device("cpu")
    return detector, manifest, InputSchema.from_dict(manifest["schema"])
