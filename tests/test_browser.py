"""The built book as a reader sees it: every page opened in headless Chromium.

Fails on a JavaScript error, a console error or a failed request; on math that MathJax did
not render; on a search for "vector" that finds nothing; and on launch buttons that do not
point at this repository's notebook. Saves a full-page screenshot of every page under
_build/screenshots/.

Needs the book built first (`jupyter-book build .`) and Debian's Chromium
(`apt-get install -y chromium`), driven by Playwright through `executable_path`: no browser
is ever downloaded. Without Chromium the tests are skipped and `make test` says so loudly.
"""
import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO_URL = CONFIG["repository"]["url"].rstrip("/")
REPO = REPO_URL.removeprefix("https://github.com/")
BRANCH = CONFIG["repository"]["branch"]


def toc_pages():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(toc.get("parts", toc.get("chapters", [])))
    return pages


PAGES = toc_pages()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").exists():
        pytest.fail("the book is not built: run `jupyter-book build . -W -n --keep-going` first")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(HTML)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("SKIPPED: Chromium is not installed (apt-get install -y chromium); the built book was NOT checked")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, url):
    """Open url; return (page, problems) where problems lists every error the page raised."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console error: {msg.text}"))
    page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url} ({req.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url} answered {response and response.status}"
    # MathJax typesets asynchronously; wait for it when the page loads it.
    page.wait_for_function("!window.MathJax || (MathJax.startup && MathJax.startup.promise)", timeout=20_000)
    page.evaluate("window.MathJax ? MathJax.startup.promise.then(() => true) : true")
    return page, problems


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_without_errors(site, browser, name):
    page, problems = open_page(browser, f"{site}/{name}.html")
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / (name.replace("/", "__") + ".png")), full_page=True)
        assert problems == [], f"{name}: " + "; ".join(problems)
        n_math = page.locator("main .math, main span.math, main div.math").count()
        n_rendered = page.locator("main mjx-container").count()
        if n_math:
            assert n_rendered >= n_math, f"{name}: {n_math} math elements but only {n_rendered} rendered by MathJax"
        prose = page.evaluate("""() => {
            const main = document.querySelector('main').cloneNode(true);
            main.querySelectorAll('pre, code, mjx-container, script, .cell_output').forEach(e => e.remove());
            return main.textContent; }""")
        for raw in ("$$", "\\begin{", "\\frac{"):
            assert raw not in prose, f"{name}: raw LaTeX {raw!r} left unrendered in the page text"
        assert "interactive(children=" not in page.content(), (
            f"{name}: a live widget's text stands in the page (tag the live cell remove-output)")
        check_kernel_free_explorers(page, name)
    finally:
        page.close()


def check_kernel_free_explorers(page, name):
    """Every nnlib.course.widgets.kernel_free explorer shows one frame, and its sliders switch frames."""
    for k in range(page.locator(".nnlib-explorer").count()):
        box = page.locator(".nnlib-explorer").nth(k)
        visible = lambda: box.evaluate(
            "b => [...b.querySelectorAll('img')].map((im, j) => [j, im.style.display, im.naturalWidth])")
        frames = visible()
        shown = [j for j, display, _ in frames if display == "block"]
        assert len(shown) == 1, f"{name}: explorer {k} shows {len(shown)} frames at once"
        sliders = box.locator("input[type=range]")
        assert sliders.count() >= 1, f"{name}: explorer {k} has no slider"
        for i in range(sliders.count()):
            before = [j for j, display, _ in visible() if display == "block"]
            slider = sliders.nth(i)
            target = "0" if slider.input_value() != "0" else slider.get_attribute("max")
            slider.evaluate("(s, v) => { s.value = v; s.dispatchEvent(new Event('input')); }", target)
            after = [j for j, display, _ in visible() if display == "block"]
            assert len(after) == 1 and after != before, f"{name}: explorer {k}, slider {i} does not change the frame"
        broken = [j for j, display, width in visible() if display == "block" and width == 0]
        assert not broken, f"{name}: explorer {k} shows a frame that did not decode"


def test_search_finds_vector(site, browser):
    page, problems = open_page(browser, f"{site}/search.html?q=vector")
    try:
        page.wait_for_selector("#search-results ul.search li", timeout=20_000)
        hits = page.locator("#search-results ul.search li").count()
        assert hits > 0, "searching the book for 'vector' found nothing"
        assert problems == [], "; ".join(problems)
    finally:
        page.close()


NOTEBOOK_PAGES = [p for p in PAGES if (ROOT / f"{p}.ipynb").exists()]


@pytest.mark.parametrize("name", NOTEBOOK_PAGES)
def test_launch_buttons_point_at_this_notebook(site, browser, name):
    page, _ = open_page(browser, f"{site}/{name}.html")
    try:
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        binder = [h for h in hrefs if "mybinder.org" in h]
        colab = [h for h in hrefs if "colab.research.google.com" in h]
        assert binder and colab, f"{name}: no Binder or no Colab launch button"
        nb_path = f"{name}.ipynb"
        assert any(f"/v2/gh/{REPO}/{BRANCH}" in h and quote(nb_path, safe="") in h.replace("/", "%2F") and "lab" in h
                   for h in binder), f"{name}: the Binder button does not open {nb_path} of {REPO} in JupyterLab: {binder}"
        assert any(h.endswith(f"/github/{REPO}/blob/{BRANCH}/{nb_path}") for h in colab), (
            f"{name}: the Colab button does not open {nb_path} of {REPO}: {colab}")
        repo_links = [h for h in hrefs if h.startswith(REPO_URL)]
        assert any(h.rstrip("/") == REPO_URL for h in repo_links), f"{name}: no repository button"
        assert any("/issues" in h for h in repo_links), f"{name}: no issue button"
    finally:
        page.close()


def test_screenshots_exist_for_every_page(site, browser):
    # Runs last in this file (pytest keeps file order): every page left its screenshot.
    missing = [p for p in PAGES if not (SHOTS / (p.replace("/", "__") + ".png")).exists()]
    assert missing == [], f"no screenshot for: {missing}"
