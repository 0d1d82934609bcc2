"""Sphinx configuration of the rendered book (``make book``).

The executed notebooks are rendered as they are committed (no re-execution) with MyST-NB and
sphinx-book-theme. Everything is offline: MathJax is the copy shipped in the pinned
``jupyter-server-mathjax`` package, served from the site's own ``_static``.
"""

from pathlib import Path

import jupyter_server_mathjax

project = "adlib: anomaly detection, end to end"
author = "the adlib authors"
copyright = "the adlib authors, MIT licence"

extensions = ["myst_nb"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "_include"]

nb_execution_mode = "off"
nb_output_stderr = "remove"
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_update_mathjax = False  # MyST would add a MathJax 3 config, which breaks MathJax 2
# Markdown outputs (answers, claims tables) are parsed as MyST, so their links to other
# chapters become links between pages.
nb_render_markdown_format = "myst"
myst_heading_anchors = 3

html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {"show_navbar_depth": 1, "home_page_in_toc": True}
html_context = {"default_mode": "light"}
html_static_path = [str(Path(jupyter_server_mathjax.__file__).parent / "static")]

# MathJax 2 from the pinned package, configured for the $...$ and $$...$$ the notebooks use.
mathjax_path = "MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {
    "tex2jax": {
        "inlineMath": [["\\(", "\\)"]],
        "displayMath": [["\\[", "\\]"]],
        "processEscapes": True,
        "processClass": "math|output_area",
        "ignoreClass": "document",
    },
    # the package ships only the STIX-Web fonts (Jupyter's classic notebook used them the same way)
    "HTML-CSS": {
        "availableFonts": [],
        "preferredFont": None,
        "webFont": "STIX-Web",
        "imageFont": None,
    },
    # the fast preview would ask for TeX web fonts the package does not ship
    "fast-preview": {"disabled": True},
    "menuSettings": {"CHTMLpreview": False},
}
