"""adlib.plots.concise_dates and symlog_scores: the time-series axes of notebook 06."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from adlib.plots import concise_dates, symlog_scores


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_concise_dates_uses_matplotlib_concise_formatter(ax):
    dates = pd.date_range("2024-01-01", periods=90, freq="D")
    ax.plot(dates, np.arange(90))
    assert concise_dates(ax, max_ticks=5) is ax
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    assert isinstance(ax.xaxis.get_major_locator(), mdates.AutoDateLocator)
    ax.figure.canvas.draw()
    assert len(ax.get_xticks()) <= 7


def test_concise_dates_rejects_bad_arguments(ax):
    with pytest.raises(TypeError, match="Axes"):
        concise_dates("not an axes")
    with pytest.raises(ValueError, match="max_ticks"):
        concise_dates(ax, max_ticks=1)


def test_symlog_scores_ticks_are_decades_with_plain_labels(ax):
    values = np.array([-35.0, -1.0, 0.5, 12.0])
    ax.plot(values)
    assert symlog_scores(ax, values) is ax
    assert ax.get_yscale() == "symlog"
    ticks = list(ax.get_yticks())
    assert ticks == [-10.0, -3.0, 0.0, 3.0, 10.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["-10", "-3", "0", "3", "10"]


def test_symlog_scores_with_small_values_keeps_the_linear_ticks(ax):
    symlog_scores(ax, [0.5, -2.0], linthresh=2)
    assert list(ax.get_yticks()) == [-2.0, 0.0, 2.0]


def test_symlog_scores_rejects_bad_arguments(ax):
    with pytest.raises(ValueError, match="linthresh"):
        symlog_scores(ax, [1.0], linthresh=0)
    with pytest.raises(ValueError, match=r"finite|NaN"):
        symlog_scores(ax, [np.nan, 1.0])
    with pytest.raises(TypeError, match="Axes"):
        symlog_scores(None, [1.0])
