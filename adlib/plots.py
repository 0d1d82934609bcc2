"""Shared figure helpers and ``savefig`` into figures/ with stable bytes (notebook 00).

Figures are committed, so re-running a notebook must not change their bytes unless the
picture changed: ``savefig`` writes PNGs at a fixed DPI with no software/date metadata.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from adlib._paths import output_dir
from adlib._validation import as_binary_labels, as_float_matrix, as_float_vector, check_int

NORMAL_COLOUR = "#4C72B0"
ANOMALY_COLOUR = "#C44E52"
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
    "axes.titlesize": 11,
    "svg.hashsalt": "adlib",
}


def use_style() -> None:
    """Apply the repository's matplotlib style (called once per notebook)."""
    plt.rcParams.update(STYLE)


def figures_dir() -> Path:
    """``$ADLIB_FIGURES_DIR`` if set, else ``<repo>/figures``; created if missing."""
    return output_dir("figures", "ADLIB_FIGURES_DIR")


def savefig(fig: Figure, name: str, directory: Path | None = None) -> Path:
    """Save ``fig`` as figures/<name>.png with reproducible bytes; returns the path.

    ``name`` is a bare file stem such as ``"01_density_contours"`` (the notebook number
    first, so figures sort with their notebook).
    """
    if not isinstance(name, str) or not name or "/" in name or name.endswith(".png"):
        raise ValueError(f"name must be a bare file stem like '00_datasets', got {name!r}.")
    path = (directory or figures_dir()) / f"{name}.png"
    fig.savefig(path, format="png", bbox_inches="tight", metadata={"Software": None})
    return path


def score_histogram(
    ax: Axes, scores: object, y: object, *, bins: int = 50, log: bool = False, title: str = ""
) -> Axes:
    """Overlaid density histograms of normal (0) and anomalous (1) scores on ``ax``."""
    s = as_float_vector(scores, "scores")
    labels = as_binary_labels(y, "y", n=s.shape[0])
    edges = np.histogram_bin_edges(s, bins=bins)
    for value, colour, name in ((0, NORMAL_COLOUR, "normal"), (1, ANOMALY_COLOUR, "anomaly")):
        part = s[labels == value]
        if part.size:
            ax.hist(part, bins=edges, density=True, alpha=0.55, color=colour, label=name)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("anomaly score (higher = more anomalous)")
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend(frameon=False)
    return ax


def concise_dates(ax: Axes, max_ticks: int = 6) -> Axes:
    """Few, short date labels on the x axis of ``ax`` ("Mar", "15", the year once), in place.

    Matplotlib's default date labels ("2024-03-15") overlap on a narrow panel; this keeps at
    most about ``max_ticks`` ticks and writes each label only as long as it must be. Used by
    the time-series figures of notebook 06. Returns ``ax``.
    """
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}.")
    locator = mdates.AutoDateLocator(maxticks=check_int(max_ticks, "max_ticks", low=2))
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return ax


def symlog_scores(ax: Axes, values: object, linthresh: float = 3.0) -> Axes:
    """A symmetric-log y axis for signed scores that span orders of magnitude, in place.

    Linear within ±``linthresh``, logarithmic beyond, so ordinary noise (|score| of a few
    standard deviations) and a 30-sd outage are both readable on one panel. Ticks at 0,
    ±``linthresh`` and the powers of ten up to the largest |value|, written as plain numbers
    ("-10", not "$-10^1$") and one decade apart so that they never crowd. ``values`` are the
    plotted scores (any shape, finite). Used for the score panels of notebook 06. Returns ``ax``.
    """
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}.")
    scores = as_float_vector(np.ravel(np.asarray(values, dtype=float)), "values")
    if isinstance(linthresh, bool) or not isinstance(linthresh, int | float) or linthresh <= 0:
        raise ValueError(f"linthresh must be a positive number, got {linthresh!r}.")
    ax.set_yscale("symlog", linthresh=linthresh)
    top = float(np.abs(scores).max())
    decades = [10.0**k for k in range(1, 10) if linthresh < 10.0**k <= top]
    ticks = [linthresh, *decades]
    positions = [-t for t in ticks[::-1]] + [0.0] + ticks
    ax.set_yticks(positions, [f"{t:g}" for t in positions])
    ax.yaxis.set_minor_locator(plt.NullLocator())
    return ax


def pca_scatter(ax: Axes, X: object, y: object, *, name: str = "", random_state: int = 0) -> Axes:
    """Scatter the first two principal components of standardised ``X``, coloured by label.

    ``X`` has shape (n_samples, n_features) with at least two rows and two features, ``y`` one
    0/1 label per row (1 = anomaly). Features are standardised first, so that no feature wins
    the projection by its unit alone; the axes are in those standard units and their labels
    give the share of variance each component keeps, which says how faithful the 2-D picture
    is. The title gives ``name``, the row count and the anomaly share. Used in notebook 00 to
    tour the tabular datasets. Returns ``ax``.
    """
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}.")
    data = as_float_matrix(X, "X", min_rows=2)
    if data.shape[1] < 2:
        raise ValueError(
            f"X has {data.shape[1]} feature; a 2-D projection needs at least two. "
            "Plot a single feature with score_histogram instead."
        )
    labels = as_binary_labels(y, "y", n=data.shape[0])
    if not isinstance(name, str):
        raise TypeError(f"name must be a string (the dataset's name), got {type(name).__name__}.")
    pca = PCA(n_components=2, random_state=check_int(random_state, "random_state", low=0))
    coords = pca.fit_transform(StandardScaler().fit_transform(data))
    for value, colour, label in ((0, NORMAL_COLOUR, "normal"), (1, ANOMALY_COLOUR, "anomaly")):
        part = coords[labels == value]
        ax.scatter(
            part[:, 0],
            part[:, 1],
            s=6 if len(labels) > 5000 else 14,
            alpha=0.5,
            c=colour,
            label=f"{label} ({len(part):,})",
            edgecolors="none",
        )
    shares = pca.explained_variance_ratio_
    prefix = f"{name}: " if name else ""
    ax.set(
        xlabel=f"PC 1 (standard units; {shares[0]:.0%} of the variance)",
        ylabel=f"PC 2 (standard units; {shares[1]:.0%} of the variance)",
        title=f"{prefix}{len(labels):,} rows, {labels.mean():.1%} anomalies",
    )
    ax.legend(frameon=False, markerscale=2)
    return ax


def critical_difference(ax: Axes, ranks: object, cd: float, *, title: str = "") -> Axes:
    """Draw mean ranks on a number line with Nemenyi's critical difference (Demšar, 2006).

    ranks: a pandas Series, detector → mean rank (1 = best), as
    :func:`adlib.series_benchmark.mean_ranks` returns; cd: the critical difference in ranks.
    Detectors are listed best first down the left, each joined to its rank; a thick bar
    joins every maximal run of detectors whose mean ranks lie within ``cd`` of each other
    (no difference between them can be claimed), and the ``cd`` scale bar sits on top.
    """
    values = as_float_vector(np.asarray(ranks), "ranks")
    cd = float(cd)
    if not np.isfinite(cd) or cd <= 0:
        raise ValueError(f"cd must be a positive number of ranks, got {cd!r}.")
    order = np.argsort(values)
    names = [str(ranks.index[i]) for i in order]
    values = values[order]
    k = len(values)
    ax.set_xlim(0.5, max(values.max(), 1.0) + 0.5)
    ax.set_ylim(k + 1.5, -1.5)
    ax.grid(False)
    ax.spines[["left", "right", "bottom"]].set_visible(False)
    ax.xaxis.tick_top()
    ax.set_yticks([])
    ax.set_xlabel("mean rank (1 = best VUS-PR on a series)")
    ax.xaxis.set_label_position("top")
    for row, (name, value) in enumerate(zip(names, values, strict=True), start=1):
        ax.plot([value, value, 0.5], [-0.5, row, row], color="0.35", linewidth=0.8)
        ax.text(0.45, row, f"{name}  {value:.2f}", ha="right", va="center", fontsize=8)
    ends = [int(np.searchsorted(values, v + cd, side="right")) - 1 for v in values]
    groups = [(i, end) for i, end in enumerate(ends) if end > i and (i == 0 or ends[i - 1] < end)]
    for level, (first, last) in enumerate(groups):
        y = -0.2 + 0.25 * (level % 4)
        ax.plot([values[first], values[last]], [y, y], color=ANOMALY_COLOUR, linewidth=3)
    ax.plot([0.6, 0.6 + cd], [-1.1, -1.1], color="black", linewidth=1.5)
    ax.text(0.7 + cd, -1.1, f"CD = {cd:.2f}", ha="left", va="center", fontsize=8)
    if title:
        ax.set_title(title, pad=28)
    return ax
