"""adlib.plots: savefig writes reproducible, metadata-free PNGs; the shared helpers."""

from __future__ import annotations

import struct
import zlib

import matplotlib.pyplot as plt
import numpy as np
import pytest

from adlib.plots import (
    ANOMALY_COLOUR,
    NORMAL_COLOUR,
    STYLE,
    figures_dir,
    savefig,
    score_histogram,
    use_style,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TEXT_CHUNKS = {b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, payload) of every chunk, checking each CRC."""
    assert data[:8] == PNG_SIGNATURE
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        payload = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + payload)
        chunks.append((kind, payload))
        pos += 12 + length
    assert chunks[-1][0] == b"IEND"
    return chunks


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _figure():
    fig, ax = plt.subplots(figsize=(3, 2))
    x = np.linspace(0, 1, 50)
    ax.plot(x, np.sin(6 * x), color=NORMAL_COLOUR)
    ax.set_title("a figure")
    return fig


def test_saving_twice_gives_identical_bytes(tmp_path):
    fig = _figure()
    first = savefig(fig, "00_first", tmp_path).read_bytes()
    second = savefig(fig, "00_second", tmp_path).read_bytes()
    assert first == second
    # and a figure rebuilt from scratch gives the same bytes too
    assert savefig(_figure(), "00_third", tmp_path).read_bytes() == first


def test_png_has_no_software_or_date_metadata(tmp_path):
    path = savefig(_figure(), "01_plain", tmp_path)
    assert path == tmp_path / "01_plain.png"
    data = path.read_bytes()
    kinds = [kind for kind, _ in png_chunks(data)]
    assert kinds[0] == b"IHDR"
    assert b"IDAT" in kinds
    assert not TEXT_CHUNKS & set(kinds)
    assert b"Software" not in data
    assert b"matplotlib" not in data.lower()


def test_savefig_uses_figures_dir_override(tmp_path, monkeypatch):
    target = tmp_path / "nested" / "figures"
    monkeypatch.setenv("ADLIB_FIGURES_DIR", str(target))
    assert figures_dir() == target
    assert target.is_dir()
    path = savefig(_figure(), "02_default_dir")
    assert path == target / "02_default_dir.png"
    assert path.read_bytes().startswith(PNG_SIGNATURE)


@pytest.mark.parametrize("name", ["", "figures/01_x", "01_x.png", "/tmp/x", None, 1, b"01_x"])
def test_savefig_rejects_bad_names(tmp_path, name):
    with pytest.raises(ValueError, match="name must be a bare file stem"):
        savefig(_figure(), name, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_use_style_applies_the_style():
    with plt.rc_context():
        use_style()
        for key, value in STYLE.items():
            assert plt.rcParams[key] == value


def test_score_histogram_draws_both_classes():
    _, ax = plt.subplots()
    rng = np.random.default_rng(0)
    scores = np.concatenate([rng.normal(size=200), rng.normal(4, 1, size=20)])
    y = np.r_[np.zeros(200, int), np.ones(20, int)]
    assert score_histogram(ax, scores, y, bins=20, log=True, title="scores") is ax
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["normal", "anomaly"]
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "scores"
    assert "higher = more anomalous" in ax.get_xlabel()
    colours = {patch.get_facecolor()[:3] for patch in ax.patches}
    assert len(colours) == 2
    assert plt.matplotlib.colors.to_rgb(ANOMALY_COLOUR) in {tuple(c) for c in colours}


def test_score_histogram_rejects_bad_input():
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="y has 2 labels but there are 3"):
        score_histogram(ax, [0.1, 0.2, 0.3], [0, 1])
    with pytest.raises(ValueError, match="scores contains 1 NaN"):
        score_histogram(ax, [0.1, np.nan], [0, 1])
    with pytest.raises(ValueError, match="y must hold only 0"):
        score_histogram(ax, [0.1, 0.2], [0, 3])
