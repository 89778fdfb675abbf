"""Open every page of the built book (_build/html) in headless Chromium and check it like a reader would.

Needs the book built (`make html`) and Debian's chromium (`make test` installs both). Outside CI, the
test skips when either is missing; under CI (CI=true) a missing piece is a failure.
"""

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _missing():
    if not (HTML / "index.html").exists():
        return "the book is not built (run `make html`)"
    if CHROMIUM is None:
        return "chromium is not installed (Debian package `chromium`)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


if _missing():
    if os.environ.get("CI"):
        raise RuntimeError(f"browser test cannot run under CI: {_missing()}")
    pytest.skip(_missing(), allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

PAGES = sorted(
    p.relative_to(HTML).as_posix()
    for p in HTML.rglob("*.html")
    if "_static" not in p.parts
)


@pytest.fixture(scope="module")
def server():
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def test_every_page_is_listed():
    assert "book/01_patches.html" in PAGES and "index.html" in PAGES
    assert len([p for p in PAGES if p.startswith("book/")]) >= 10


@pytest.mark.parametrize("page", PAGES)
def test_page(server, browser, page):
    ctx = browser.new_context()
    tab = ctx.new_page()
    errors, outside = [], []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if urlparse(r.url).hostname not in ("127.0.0.1", None)
            and not r.url.startswith(("data:", "blob:"))
            else None
        ),
    )
    url = urljoin(server, page)
    response = tab.goto(url, wait_until="load")
    assert response is not None and response.ok, (
        f"{page}: HTTP {response.status if response else 'no response'}"
    )
    tab.wait_for_load_state("networkidle")
    assert tab.title().strip(), f"{page}: empty <title>"
    if (
        page == "index.html"
    ):  # Jupyter Book's root page only redirects to the front page
        assert "url=book/index.html" in (HTML / "index.html").read_text()
        assert tab.request.get(urljoin(url, "book/index.html")).ok
        ctx.close()
        return
    if page not in ("genindex.html", "search.html", "py-modindex.html"):
        assert tab.locator("h1").count() >= 1, f"{page}: no <h1>"
        assert tab.locator("h1").first.inner_text().strip(), f"{page}: empty <h1>"
    broken = tab.evaluate(
        "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )
    assert not broken, f"{page}: images that did not load: {broken}"
    if tab.locator(".math").count():
        tab.wait_for_selector("mjx-container", state="attached", timeout=15_000)
        assert (
            tab.locator("mjx-container").count() >= tab.locator(".math").count() * 0.9
        ), f"{page}: maths not rendered"
    for sel in ("a.left-prev", "a.right-next"):
        for link in tab.locator(sel).all():
            target = urljoin(url, link.get_attribute("href"))
            r = tab.request.get(target)
            assert r.ok, f"{page}: navigation link {target} gives HTTP {r.status}"
    assert not errors, f"{page}: console errors: {errors}"
    assert not outside, f"{page}: requests leaving localhost: {outside}"
    ctx.close()


def test_chapters_are_chained(server, browser):
    tab = browser.new_page()
    tab.goto(urljoin(server, "book/01_patches.html"))
    nxt = tab.locator("a.right-next").first.get_attribute("href")
    assert nxt.endswith("02_patch_embedding.html")
    tab.close()


@pytest.mark.parametrize(
    "page", ["book/01_patches.html", "book/appendix_performance.html"]
)
def test_exercise_solutions_are_collapsed_and_open(server, browser, page):
    "Each solution is collapsed when the page loads, and opening it shows its content."
    tab = browser.new_page()
    tab.goto(urljoin(server, page), wait_until="load")
    tab.wait_for_load_state("networkidle")
    section = tab.locator("section#exercises")
    assert section.count() == 1, f"{page}: no Exercises section"
    solutions = section.locator(".admonition.dropdown").filter(has_text="Solution")
    assert solutions.count() >= 3, f"{page}: fewer than three solution toggles"
    first = solutions.first
    body = first.locator("p").nth(1)  # the first paragraph after the title
    assert not body.is_visible(), f"{page}: a solution is open before it is clicked"
    first.locator(".admonition-title").click()
    body.wait_for(state="visible", timeout=5_000)
    code = section.locator("div.tag_hide-cell details").first
    assert code.get_attribute("open") is None, f"{page}: solution code is open on load"
    inner = code.locator("div.cell_input")
    assert not inner.is_visible()
    code.locator("summary").click()
    inner.wait_for(state="visible", timeout=5_000)
    assert "# Solution" in inner.inner_text()
    tab.close()
