"""Shared figure helpers and ``savefig`` into figures/ with stable bytes (notebook 00).

Figures are committed, so re-running a notebook must not change their bytes unless the
picture changed: ``savefig`` writes PNGs at a fixed DPI with no software/date metadata.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from adlib._paths import output_dir
from adlib._validation import as_binary_labels, as_float_vector

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
