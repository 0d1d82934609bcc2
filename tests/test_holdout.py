"""adlib.holdout: the hold-out is redrawn exactly, and the relative loss is scale-free."""

import numpy as np
import pytest
import torch

from adlib.detectors import (
    AutoencoderDetector,
    GANomalyDetector,
    IsolationForestDetector,
    VAEDetector,
)
from adlib.holdout import holdout_rows, relative_val_loss

OPTIONS = {"epochs": 3, "device": "cpu", "hidden": (8, 4), "latent_dim": 2}


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    return rng.normal(size=(200, 5)) @ rng.normal(size=(5, 5))


def test_holdout_rows_are_the_rows_the_detector_validated_on(X):
    detector = AutoencoderDetector(**OPTIONS, random_state=3).fit(X)
    rows = torch.as_tensor(holdout_rows(detector, X), dtype=torch.float32)
    assert rows.shape == (20, 5)
    with torch.no_grad():
        loss = float(((detector.model_(rows) - rows) ** 2).mean())
    assert loss == pytest.approx(detector.history_.best_val_loss, rel=1e-5)


@pytest.mark.parametrize("kind", [AutoencoderDetector, VAEDetector, GANomalyDetector])
def test_relative_loss_does_not_depend_on_the_data_scale(X, kind):
    small = relative_val_loss(kind(**OPTIONS, random_state=1).fit(X), X)
    large = relative_val_loss(kind(**OPTIONS, random_state=1).fit(100 * X), 100 * X)
    assert 0 < small < 2
    assert small == pytest.approx(large, rel=1e-3)


def test_refuses_what_it_cannot_judge(X):
    with pytest.raises(TypeError, match="neural detector"):
        holdout_rows(IsolationForestDetector().fit(X), X)
    with pytest.raises(ValueError, match="not fitted"):
        holdout_rows(AutoencoderDetector(**OPTIONS), X)
    with pytest.raises(ValueError, match="rows the detector"):
        holdout_rows(AutoencoderDetector(**OPTIONS, random_state=0).fit(X), X[:, :3])
