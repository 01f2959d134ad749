"""The built book as a reader sees it: every page opened in headless Chromium.

Fails on a JavaScript error, a console error or a failed request; on math that MathJax did
not render; on a search for "vector" that finds nothing; on launch buttons that do not point
at this repository's notebook (Binder) or its Colab copy (colab/); on kernel-free explorers
whose sliders do not switch frames or whose labels are illegible in the light or the dark
theme (contrast below 4.5:1); on solution-marker lines in the page; on figures without alt
text in migrated chapters; and on any serious or critical accessibility violation that
axe-core finds in the page's content (the article), with every dropdown opened. Violations
in the theme's own frame (header, sidebars) are counted and reported separately. The axe
counts of the run are saved to _build/test-results/axe-<worker>.json, and a screenshot of
every page to _build/screenshots/: of the first screen, or of the whole page with
SCREENSHOTS=full (`make screenshots`; a full page costs a few seconds to encode). Each page
is opened once for all its checks, in a new tab of one browser context per worker (the
pages share its cache, as one reader's do). The pages are independent tests, so
pytest-xdist may spread them over several browsers (`make test-browser` does).

Needs the book built first (`jupyter-book build .`; set BOOK_HTML to test a build elsewhere)
and Debian's Chromium (`apt-get install -y chromium`), driven by Playwright through
`executable_path`: no browser is ever downloaded. axe-core comes from
tests/browser/node_modules (`make setup`, from the npm registry) and is injected into each
page, so nothing is fetched at run time. Without Chromium the tests are skipped and
`make test` says so loudly; without axe-core the accessibility test fails.
"""
import functools
import http.server
import json
import os
import shutil
import threading
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))
SHOTS = ROOT / "_build" / "screenshots"
FULL_SHOTS = os.environ.get("SCREENSHOTS") == "full"
RESULTS = ROOT / "_build" / "test-results"
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
PENDING_FILE = ROOT / "tests" / "front_end_pending.txt"
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
NOTEBOOK_PAGES = [p for p in PAGES if (ROOT / f"{p}.ipynb").exists()]


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
def context():
    """One browser context for all the pages a worker opens, as one reader's: the pages share
    its HTTP cache (and V8's cache of compiled scripts), so MathJax, the theme's scripts and
    the fonts are fetched and compiled once, not once per page (about 0.4 s of CPU per page).
    Each page is still a new tab with its own listeners, and a resource that fails fails on
    every page that asks for it (an error response is not cached)."""
    if CHROMIUM is None:
        pytest.skip("SKIPPED: Chromium is not installed (apt-get install -y chromium); the built book was NOT checked")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = b.new_context(viewport={"width": 1280, "height": 900})
        yield context
        context.close()
        b.close()


def open_page(context, url):
    """Open url in a new tab of the shared context; return (page, problems) where problems
    lists every error the page raised."""
    page = context.new_page()
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
def test_page_renders_without_errors(site, context, name):
    page, problems = open_page(context, f"{site}/{name}.html")
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        shot = SHOTS / (name.replace("/", "__") + ".png")
        page.screenshot(path=str(shot), full_page=FULL_SHOTS, timeout=120_000)  # long pages, busy machines
        assert shot.stat().st_size > 0, f"{name}: no screenshot"
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
        assert "interactive(children=" not in page.content() and "Interactive figure:" not in prose, (
            f"{name}: a live widget's text stands in the page (the book must show the kernel-free HTML)")
        code = page.eval_on_selector_all("main pre", "els => els.map(e => e.textContent)")
        markers = [line.strip() for block in code for line in block.splitlines()
                   if line.strip() in ("### BEGIN SOLUTION", "### END SOLUTION")]
        assert not markers, f"{name}: a code block shows the solution marker line {markers[0]!r}"
        check_kernel_free_explorers(page, name)
        check_figure_alt_text(page, name)
        if name in NOTEBOOK_PAGES:
            check_launch_buttons(page, name)
        check_accessibility(page, name)  # last: it opens every dropdown
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
        assert not box.locator(".nnlib-explorer-hint").is_visible(), (
            f"{name}: explorer {k} shows the 'run this cell' hint, which is only for JupyterLab and Colab")
    if page.locator(".nnlib-explorer").count():
        original = page.evaluate("() => document.documentElement.dataset.theme || 'light'")
        for mode in ("light", "dark", original):
            for label, ratio in explorer_label_contrast(page, mode):
                assert ratio >= MIN_CONTRAST, (
                    f"{name}: in the {mode} theme the explorer label {label!r} has contrast {ratio:.2f}:1 "
                    f"(at least {MIN_CONTRAST}:1 needed)")


MIN_CONTRAST = 4.5  # WCAG AA for normal text

# The contrast of each explorer label: its colour against the first opaque background
# behind it (the page's, when nothing in between paints one), as WCAG defines luminance.
CONTRAST_JS = """mode => {
  document.documentElement.dataset.theme = mode;
  document.documentElement.dataset.mode = mode;
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92
      : Math.pow((v + 0.055) / 1.055, 2.4)).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll(
      '.nnlib-explorer-name, .nnlib-explorer-value, .nnlib-explorer-title')].map(el => {
    const fg = rgb(getComputedStyle(el).color).slice(0, 3), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return [el.textContent, (a + 0.05) / (b + 0.05)];
  });
}"""


def explorer_label_contrast(page, mode):
    return page.evaluate(CONTRAST_JS, mode)


def pending_checks():
    listed = {}
    for line in PENDING_FILE.read_text().splitlines():
        path, sep, checks = line.split("#", 1)[0].partition(":")
        if sep:
            listed[path.strip()] = set(checks.split())
    return listed


def check_figure_alt_text(page, name):
    """In a migrated chapter every picture in a cell output says what it shows."""
    if not (ROOT / f"{name}.ipynb").exists() or "alt-text" in pending_checks().get(f"{name}.ipynb", set()):
        return
    alts = page.eval_on_selector_all(".cell_output img", "els => els.map(e => e.getAttribute('alt') || '')")
    bad = [a for a in alts if len(a.split()) < 8 or "_images/" in a or a.endswith(".png")]
    assert not bad, f"{name}: {len(bad)} of {len(alts)} output pictures lack real alt text, e.g. {bad[0]!r}"


# ---- accessibility: axe-core in every page ----------------------------------------------

AXE_FAILING = ("serious", "critical")
_axe_counts = {"project": defaultdict(lambda: defaultdict(int)), "theme": defaultdict(lambda: defaultdict(int))}

# Which violations the project's markup causes: nodes inside the article (what the chapters,
# the appendix and our extensions put there). The rest is the theme's frame: header,
# sidebars, search dialog and footer.
AXE_JS = """async include => {
  const context = include ? {include: include.map(s => [s])} : document;
  const result = await axe.run(context, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => {
      const el = document.querySelector(n.target[0]);
      return {target: n.target.join(' '), html: n.html.slice(0, 160),
              project: !!(el && el.closest('article.bd-article, .bd-article'))};
  })}));
}"""


def check_accessibility(page, name):
    """axe-core on the page with every dropdown open (solutions, hidden code): what a reader
    can reach. Content that is only visible once opened is checked too, e.g. whether a
    scrollable output inside a solution can be reached with the keyboard."""
    assert AXE.exists(), f"{AXE} is missing: run `make setup` (it installs axe-core from npm)"
    page.add_script_tag(content=AXE.read_text())
    # Dropdowns fade in; without transitions the page shows their final colours at once.
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; animation: none !important; }")
    opened = page.evaluate("""() => {
        document.querySelectorAll('details').forEach(d => d.open = true);
        document.querySelectorAll('button.toggle-button').forEach(b => b.click());
        return document.querySelectorAll('details, button.toggle-button').length; }""")
    if opened:  # let the page's scripts react to the new layout: wait for two frames to be drawn
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    found = {"dropdowns open": page.evaluate(AXE_JS, None)}
    problems, seen = [], set()
    for state, violations in found.items():
        for v in violations:
            for node in v["nodes"]:
                where = "project" if node["project"] else "theme"
                key = (v["id"], node["target"])
                if key in seen:
                    continue
                seen.add(key)
                _axe_counts[where][v["impact"]][v["id"]] += 1
                if where == "project" and v["impact"] in AXE_FAILING:
                    problems.append(f"{v['impact']} {v['id']} ({state}) at {node['target']}: {node['html']}")
    _save_axe_counts()
    assert not problems, f"{name}: {len(problems)} serious or critical accessibility violation(s) in the " \
                         "page's content; first: " + "; ".join(problems[:3])


def _save_axe_counts():
    RESULTS.mkdir(parents=True, exist_ok=True)
    plain = {where: {impact: dict(rules) for impact, rules in by_impact.items()}
             for where, by_impact in _axe_counts.items()}
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")  # one file per pytest-xdist worker
    (RESULTS / f"axe-{worker}.json").write_text(json.dumps(plain, indent=1, sort_keys=True))


def test_search_finds_vector(site, context):
    page, problems = open_page(context, f"{site}/search.html?q=vector")
    try:
        page.wait_for_selector("#search-results ul.search li", timeout=20_000)
        hits = page.locator("#search-results ul.search li").count()
        assert hits > 0, "searching the book for 'vector' found nothing"
        assert problems == [], "; ".join(problems)
    finally:
        page.close()


def check_launch_buttons(page, name):
    """The launch buttons of a notebook's page open this repository's notebook (Binder) or its Colab copy."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    binder = [h for h in hrefs if "mybinder.org" in h]
    colab = [h for h in hrefs if "colab.research.google.com" in h]
    assert binder and colab, f"{name}: no Binder or no Colab launch button"
    nb_path = f"{name}.ipynb"
    assert any(f"/v2/gh/{REPO}/{BRANCH}" in h and quote(nb_path, safe="") in h.replace("/", "%2F") and "lab" in h
               for h in binder), f"{name}: the Binder button does not open {nb_path} of {REPO} in JupyterLab: {binder}"
    assert any(h.endswith(f"/github/{REPO}/blob/{BRANCH}/colab/{nb_path}") for h in colab), (
        f"{name}: the Colab button does not open colab/{nb_path} (the plain-Markdown copy) of {REPO}: {colab}")
    assert (ROOT / "colab" / nb_path).exists(), f"{name}: the Colab button opens colab/{nb_path}, which is missing"
    repo_links = [h for h in hrefs if h.startswith(REPO_URL)]
    assert any(h.rstrip("/") == REPO_URL for h in repo_links), f"{name}: no repository button"
    assert any("/issues" in h for h in repo_links), f"{name}: no issue button"
