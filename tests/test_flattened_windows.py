"""adlib.detectors.FlattenedWindowDetector: a tabular detector on flattened windows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from adlib.data import sliding_windows
from adlib.detectors import (
    AutoencoderDetector,
    FlattenedWindowDetector,
    IsolationForestDetector,
    WindowDiscordDetector,
)


def _windows(seed: int = 0) -> np.ndarray:
    t = np.arange(600)
    rng = np.random.default_rng(seed)
    series = np.c_[np.sin(t / 5), np.cos(t / 7)] + 0.05 * rng.normal(size=(600, 2))
    return sliding_windows(series, 16)


def test_scores_equal_the_tabular_detector_on_flattened_rows():
    X = _windows()
    wrapped = FlattenedWindowDetector(IsolationForestDetector(random_state=0)).fit(X)
    direct = IsolationForestDetector(random_state=0).fit(X.reshape(len(X), -1))
    np.testing.assert_allclose(
        wrapped.score_samples(X), direct.score_samples(X.reshape(len(X), -1))
    )
    assert wrapped.window_ == 16 and wrapped.n_channels_ == 2


def test_the_detector_passed_in_stays_unfitted():
    forest = IsolationForestDetector(random_state=0)
    FlattenedWindowDetector(forest).fit(_windows())
    assert not hasattr(forest, "n_features_in_")


def test_exposes_the_torch_model_of_a_neural_detector():
    model = FlattenedWindowDetector(AutoencoderDetector(epochs=1, random_state=0)).fit(_windows())
    assert sum(p.numel() for p in model.model_.parameters()) > 0


def test_scores_a_spike_window_higher():
    X = _windows()
    spiked = X[:50].copy()
    spiked[10, :, 0] += 3
    model = FlattenedWindowDetector(IsolationForestDetector(random_state=0)).fit(X)
    scores = model.score_samples(spiked)
    assert np.argmax(scores) == 10


@pytest.mark.parametrize("detector", [WindowDiscordDetector(), "forest", None])
def test_rejects_anything_but_a_tabular_detector(detector):
    with pytest.raises(TypeError, match="tabular adlib detector"):
        FlattenedWindowDetector(detector).fit(_windows())


def test_rejects_bad_windows_and_unfitted_use():
    model = FlattenedWindowDetector(IsolationForestDetector(random_state=0))
    with pytest.raises(ValueError, match="not fitted"):
        model.score_samples(_windows())
    bad = _windows()
    bad[3, 2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(bad)
    model.fit(_windows())
    with pytest.raises(ValueError, match="channels"):
        model.score_samples(_windows()[:, :, :1])


def test_get_params_and_clone_follow_scikit_learn():
    inner = IsolationForestDetector(n_estimators=10, random_state=0)
    model = FlattenedWindowDetector(inner)
    assert model.get_params(deep=False) == {"detector": inner}
    assert model.get_params()["detector__n_estimators"] == 10
    copy = clone(model.fit(_windows()))
    assert copy.detector is not inner and copy.detector.get_params() == inner.get_params()
    assert not hasattr(copy, "n_features_in_")
