"""adlib.plots.pca_scatter: the 2-D tour of a tabular dataset in notebook 00."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from adlib.plots import ANOMALY_COLOUR, NORMAL_COLOUR, pca_scatter


@pytest.fixture
def labelled(rng):
    X = rng.normal(size=(120, 5)) * np.array([1.0, 10.0, 100.0, 1.0, 0.1])
    y = np.zeros(120, dtype=int)
    y[:12] = 1
    return X, y


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_points_are_sklearns_projection_of_standardised_features(labelled, ax):
    X, y = labelled
    assert pca_scatter(ax, X, y, name="toy") is ax
    expected = PCA(n_components=2, random_state=0).fit_transform(StandardScaler().fit_transform(X))
    normal, anomaly = ax.collections
    np.testing.assert_allclose(normal.get_offsets(), expected[y == 0])
    np.testing.assert_allclose(anomaly.get_offsets(), expected[y == 1])


def test_colours_legend_and_title_describe_the_data(labelled, ax):
    X, y = labelled
    pca_scatter(ax, X, y, name="toy")
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["normal (108)", "anomaly (12)"]
    assert ax.get_title() == "toy: 120 rows, 10.0% anomalies"
    colours = [tuple(c.get_facecolor()[0][:3]) for c in ax.collections]
    assert colours == [plt.matplotlib.colors.to_rgb(c) for c in (NORMAL_COLOUR, ANOMALY_COLOUR)]


def test_axis_labels_give_units_and_the_variance_kept(labelled, ax):
    X, y = labelled
    pca_scatter(ax, X, y)
    shares = PCA(n_components=2).fit(StandardScaler().fit_transform(X)).explained_variance_ratio_
    assert ax.get_xlabel() == f"PC 1 (standard units; {shares[0]:.0%} of the variance)"
    assert ax.get_ylabel().startswith("PC 2 (standard units;")
    assert ax.get_title() == "120 rows, 10.0% anomalies"


def test_large_data_gets_smaller_markers(rng, ax):
    X = rng.normal(size=(6000, 3))
    y = (rng.random(6000) < 0.05).astype(int)
    pca_scatter(ax, X, y)
    assert ax.collections[0].get_sizes()[0] < 14


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "error", "message"),
    [
        (np.ones((10, 1)), np.zeros(10), {}, ValueError, "at least two"),
        (np.ones((10, 3)), np.zeros(9), {}, ValueError, "aligned"),
        (np.ones((10, 3)), np.full(10, 2), {}, ValueError, "only 0"),
        (np.ones((10, 3)), np.zeros(10), {"name": 3}, TypeError, "name must be a string"),
        (np.ones((10, 3)), np.zeros(10), {"random_state": -1}, ValueError, "random_state"),
        (np.full((10, 3), np.nan), np.zeros(10), {}, ValueError, "X"),
    ],
)
def test_bad_input_is_refused_with_a_reason(ax, X, y, kwargs, error, message):
    with pytest.raises(error, match=message):
        pca_scatter(ax, X, y, **kwargs)


def test_ax_must_be_an_axes(labelled):
    X, y = labelled
    with pytest.raises(TypeError, match="matplotlib Axes"):
        pca_scatter(plt.figure(), X, y)
    plt.close("all")
