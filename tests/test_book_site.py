"""The rendered book (``make book``) as a reader's browser sees it, in headless Chromium.

Every chapter page loads, every image decodes, the math is typeset by the site's own MathJax
(no raw TeX left on the page), the browser console has no severe errors, every internal link
and anchor resolves, and the learning path links every chapter. ``make test-book`` builds the
site and sets ``$ADLIB_BOOK_DIR``; without Chromium the browser tests are skipped with how to
install it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import threading
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

BOOK = Path(os.environ["ADLIB_BOOK_DIR"]) if os.environ.get("ADLIB_BOOK_DIR") else None
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
PAGES = [*sorted(BOOK.glob("notebooks/*.html")), BOOK / "index.html"] if BOOK else []

pytestmark = pytest.mark.skipif(BOOK is None, reason="make test-book builds the book first")
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs Chromium: `sudo apt-get install chromium chromium-driver` (Debian/Ubuntu)",
)


class _Links(HTMLParser):
    """Collects href/src attributes, element ids and the links of the first table."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.ids: set[str] = set()
        self.table_links: list[str] = []
        self._tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "table":
            self._tables += 1
        if values.get("id"):
            self.ids.add(values["id"])
        for name in ("href", "src"):
            if values.get(name):
                self.targets.append(values[name])
                if name == "href" and tag == "a" and self._tables == 1:
                    self.table_links.append(values[name])


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text())
    return parser


@pytest.fixture(scope="module")
def site():
    handler = functools.partial(_QuietHandler, directory=str(BOOK))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


MATHJAX_IDLE = (
    "return !document.querySelector('script[src*=\"MathJax.js\"]') || !!(window.MathJax"
    " && MathJax.isReady && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0);"
)
UNTYPESET = (
    "return Array.from(document.querySelectorAll('.math.notranslate'))"
    ".filter(e => !e.querySelector('.MathJax, .MathJax_Display')).map(e => e.textContent);"
)
# Console errors that are not the site's: Chromium asks every server for a favicon; MathJax 2
# probes web-font support with an about:blank font, and its hidden assistive MathML names TeX
# fonts the page never draws with (math is drawn in STIX-Web, which the package ships).
HARMLESS = ("favicon.ico", "about:blank", "/fonts/HTML-CSS/TeX/otf/")
IMAGES = "return Array.from(document.images).map(i => [i.getAttribute('src'), i.naturalWidth]);"


def _typeset(browser: object) -> bool:
    """True once every math element is typeset and no raw TeX is left in the page's text."""
    text = browser.execute_script("return document.body.innerText;")
    return not browser.execute_script(UNTYPESET) and "$$" not in text and "\\[" not in text


@needs_chromium
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_loads_with_its_images_and_typeset_math(site, browser, page):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site}/{page.relative_to(BOOK).as_posix()}")
    WebDriverWait(browser, 60).until(lambda d: d.execute_script(MATHJAX_IDLE))
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return Array.from(document.images).every(i => i.complete);")
    )
    # MathJax's queue can look idle between two passes on a busy machine: wait for the end; on
    # a timeout the assertions below say what is left untypeset
    with contextlib.suppress(TimeoutException):
        WebDriverWait(browser, 60).until(_typeset)
    assert browser.find_element("css selector", "article h1").text.strip()
    broken = [src for src, width in browser.execute_script(IMAGES) if not width]
    assert broken == [], f"images that did not decode: {broken}"
    untypeset = browser.execute_script(UNTYPESET)
    assert untypeset == [], "math MathJax did not typeset"
    text = browser.execute_script("return document.body.innerText;")
    assert "$$" not in text and "\\[" not in text, "raw TeX left on the page"
    severe = [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and not any(known in entry["message"] for known in HARMLESS)
    ]
    assert severe == []


def test_every_chapter_that_makes_figures_shows_them():
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    for page in PAGES[:-1]:
        if "plots.savefig(" in (notebooks / f"{page.stem}.ipynb").read_text():
            assert "<img" in page.read_text(), f"{page.name} shows no figure"
    chapters_with_math = [p for p in PAGES[:-1] if 'class="math' in p.read_text()]
    assert len(chapters_with_math) >= 10, "the chapters state their equations"


def test_every_internal_link_and_anchor_resolves():
    parsed = {page: _parse(page) for page in PAGES}
    missing = []
    for page, links in parsed.items():
        for target in links.targets:
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or target.startswith(("mailto:", "javascript:")):
                continue
            path = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if path.is_dir():
                path = path / "index.html"
            if not path.exists():
                missing.append(f"{page.name}: {target}")
            elif parts.fragment and path.suffix == ".html":
                ids = parsed[path].ids if path in parsed else _parse(path).ids
                if unquote(parts.fragment) not in ids:
                    missing.append(f"{page.name}: {target} (no such anchor)")
    assert missing == []


def test_the_learning_path_links_every_chapter():
    links = _parse(BOOK / "index.html").table_links
    linked = {re.sub(r"#.*$", "", link) for link in links} - {""}
    assert linked == {f"notebooks/{page.name}" for page in PAGES[:-1]}


def test_the_site_needs_no_network():
    external = re.compile(r"""(?:src|href)=["'](?:https?:)?//""")
    offenders = [p.name for p in PAGES if external.search(p.read_text())]
    assert offenders == [], "pages load resources from the network"
