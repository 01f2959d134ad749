"""The student's path: a real JupyterLab, a real browser, Run All.

Starts JupyterLab on 127.0.0.1 (no token, a free port chosen by the server, its own
temporary config, data, runtime, settings and workspace folders, the course's page config
from the Makefile) on temporary copies of one lesson and one exercise notebook, opens each
in headless Chromium and checks, as a student would see it:

- before anything runs: every markdown cell is rendered by jupyterlab-myst without raw
  MyST syntax, and every {eval} number stored in the notebook is in its sentence;
- nbgrader's instructor interface (menu, Validate button, Create Assignment panel) is absent;
- Run All: no error or stderr output; the numbers are still in the prose, and the values
  jupyterlab-myst stored while running are exactly those that `make execute` committed
  (the same format, and no late evaluation picking up a later value: the Run All pitfall);
  the saved file has them too;
- the lesson's interactive figure: live sliders render, moving one redraws the picture; the
  picture is sharp (twice as many pixels as its CSS size) and fits, with its sliders, in the
  notebook panel of a 1366 x 768 screen.

The server is stopped at the end (by its own process). Needs Chromium (skipped without).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

# One JupyterLab for the whole file: under pytest-xdist its tests stay on one worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("jupyterlab")]

ROOT = Path(__file__).resolve().parents[1]
LESSON = "chapters/02_neurons.ipynb"
EXERCISES = "chapters/02_neurons_exercises.ipynb"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# A 1366 x 768 screen less a browser's tab strip and address bar.
SCREEN = {"width": 1366, "height": 768 - 80}
RAW_MYST = re.compile(r"\{(glue|eval|cite|exercise|solution|doc|ref|numref)[\w:-]*\}|```\{|:::\{|^:[a-z-]+:", re.M)


def lab_page_config():
    """The page config `make lab` gives JupyterLab (the Makefile's LAB_PAGE_CONFIG)."""
    m = re.search(r"^LAB_PAGE_CONFIG\s*:?=\s*(.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert m, "the Makefile defines no LAB_PAGE_CONFIG for `make lab`"
    return json.loads(m.group(1).strip().strip("'"))


def test_make_lab_hides_nbgrader_from_students():
    assert lab_page_config().get("disabledExtensions", {}).get("@jupyter/nbgrader") is True
    # ... while the nbgrader command line, which instructors and tests use, still works.
    out = subprocess.run([sys.executable, "-m", "nbgrader", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and re.search(r"\d+\.\d+", out.stdout + out.stderr), out


@pytest.fixture(scope="module")
def lab():
    if CHROMIUM is None:
        pytest.skip("SKIPPED: Chromium is not installed (apt-get install -y chromium); JupyterLab was NOT checked")
    tmp = Path(tempfile.mkdtemp(prefix="nnfs-lab-"))
    root = tmp / "course"
    for nb in (LESSON, EXERCISES):
        (root / nb).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / nb, root / nb)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    dirs = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data", "JUPYTER_RUNTIME_DIR": "runtime",
            "JUPYTERLAB_SETTINGS_DIR": "settings", "JUPYTERLAB_WORKSPACES_DIR": "workspaces", "IPYTHONDIR": "ipython"}
    for var, sub in dirs.items():
        (tmp / sub).mkdir()
        env[var] = str(tmp / sub)
    env.pop("JUPYTER_CONFIG_PATH", None)
    (tmp / "config" / "labconfig").mkdir()
    (tmp / "config" / "labconfig" / "page_config.json").write_text(json.dumps(lab_page_config()))
    settings = {"apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
                # render every cell (no virtual scrolling), so that the test sees them all
                "notebook-extension/tracker": {"windowingMode": "none"},
                "docmanager-extension/plugin": {"autosave": False}}
    for name, value in settings.items():
        path = tmp / "settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               "--ServerApp.port=0", "--IdentityProvider.token=", "--ServerApp.password=",
               f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers run as root
    log = open(tmp / "lab.log", "w")
    server = subprocess.Popen(command, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = None
        for _ in range(600):
            found = list((tmp / "runtime").glob("jpserver-*.json"))
            text = found[0].read_text() if found else ""
            if text.strip():
                try:
                    url = json.loads(text)["url"].rstrip("/")
                    break
                except json.JSONDecodeError:
                    pass  # the server is still writing the file: read it again
            if server.poll() is not None:
                break
            time.sleep(0.1)
        assert url, "JupyterLab did not start:\n" + (tmp / "lab.log").read_text()[-3000:]
        yield {"url": url, "root": root}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_notebook(browser, lab, path):
    page = browser.new_page(viewport=SCREEN)
    problems = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    n_cells = len(nbformat.read(ROOT / path, as_version=4).cells)
    page.goto(f"{lab['url']}/lab/tree/{path}?reset")  # ?reset: a fresh workspace, only this notebook
    page.wait_for_function("([path, n]) => { const w = window.jupyterapp && jupyterapp.shell.currentWidget;"
                           " return w && w.context && w.context.path === path && w.content"
                           " && w.content.widgets.length === n"
                           " && w.node.querySelectorAll('.jp-Cell').length === n; }", arg=[path, n_cells],
                           timeout=90_000)
    page.wait_for_function("() => { const w = jupyterapp.shell.currentWidget;"
                           " return w.sessionContext.session && w.sessionContext.session.kernel"
                           " && w.sessionContext.session.kernel.status === 'idle'; }", timeout=90_000)
    page.wait_for_function(  # every markdown cell rendered by jupyterlab-myst
        "() => [...jupyterapp.shell.currentWidget.node.querySelectorAll('.jp-MarkdownCell')]"
        ".every(c => c.querySelector('.myst'))", timeout=60_000)
    return page, problems


def markdown_texts(page):
    return page.evaluate("() => [...jupyterapp.shell.currentWidget.node.querySelectorAll('.jp-Cell')].map(c =>"
                         " c.classList.contains('jp-MarkdownCell') ? c.querySelector('.myst').innerText : null)")


def check_prose(page, nb, when):
    """No raw MyST in any rendered markdown cell, and every stored number in its sentence."""
    texts = markdown_texts(page)
    assert len(texts) == len(nb.cells), f"{when}: the page shows {len(texts)} cells, the notebook has {len(nb.cells)}"
    for i, (cell, text) in enumerate(zip(nb.cells, texts)):
        if cell.cell_type != "markdown":
            continue
        raw = RAW_MYST.search(text)
        assert not raw, f"{when}: markdown cell {i} shows raw MyST {raw.group(0)!r}: {text[:200]!r}"
        for entry in cell.metadata.get("user_expressions", []):
            shown = entry["result"]["data"]["text/plain"]
            shown = shown[1:-1] if re.match(r"^'.*'$", shown) else shown
            assert shown in text, f"{when}: markdown cell {i} does not show {{eval}}`{entry['expression']}` = {shown}"


def run_all(page, timeout=90):
    page.evaluate("() => jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        "() => { const w = jupyterapp.shell.currentWidget;"
        " const cells = w.content.widgets.filter(c => c.model.type === 'code' && c.model.sharedModel.source.trim());"
        " return w.sessionContext.session.kernel.status === 'idle'"
        "   && cells.every(c => c.model.executionCount && !c.node.querySelector('.jp-InputPrompt').innerText.includes('*')); }",
        timeout=timeout * 1000, polling=500)
    page.wait_for_timeout(1500)  # jupyterlab-myst evaluates markdown expressions after the cells


def output_problems(page):
    return page.evaluate(
        "() => jupyterapp.shell.currentWidget.content.widgets.flatMap((c, i) => c.model.type !== 'code' ? [] :"
        " c.model.outputs.toJSON().filter(o => o.output_type === 'error' || o.name === 'stderr')"
        "   .map(o => `cell ${i}: ${o.ename || 'stderr'}: ${(o.evalue || o.text || '').toString().slice(0, 200)}`))")


def check_no_nbgrader_ui(page):
    menus = page.eval_on_selector_all(".lm-MenuBar-itemLabel", "els => els.map(e => e.innerText)")
    assert "Nbgrader" not in menus, f"nbgrader's menu is shown to students: menus {menus}"
    toolbar = page.eval_on_selector_all(".jp-NotebookPanel-toolbar", "els => els.map(e => e.innerText).join(' ')")
    assert "Validate" not in toolbar, "nbgrader's Validate button is in the notebook toolbar"
    assert page.locator("text=Create Assignment").count() == 0, "nbgrader's Create Assignment panel is shown"


def stored_in_lab(page):
    return page.evaluate("() => jupyterapp.shell.currentWidget.content.widgets.map(c =>"
                         " c.model.type === 'markdown' ? (c.model.getMetadata('user_expressions') || null) : null)")


def test_lesson_runs_in_jupyterlab_and_its_explorer_is_live(lab, browser):
    start = time.perf_counter()
    nb = nbformat.read(ROOT / LESSON, as_version=4)
    page, problems = open_notebook(browser, lab, LESSON)
    try:
        check_prose(page, nb, "opened")
        check_no_nbgrader_ui(page)
        run_all(page)
        assert output_problems(page) == [], f"{LESSON} in JupyterLab: {output_problems(page)}"
        check_prose(page, nb, "after Run All")
        committed = [c.metadata.get("user_expressions") if c.cell_type == "markdown" else None for c in nb.cells]
        assert stored_in_lab(page) == committed, (
            "after Run All, jupyterlab-myst stored other {eval} values than `make execute` did "
            "(a name read by {eval} rebound by a later cell, or a different format)")
        page.evaluate("() => jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_function("() => !jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000)
        saved = nbformat.read(lab["root"] / LESSON, as_version=4)
        assert [c.metadata.get("user_expressions") if c.cell_type == "markdown" else None
                for c in saved.cells] == committed, "the notebook JupyterLab saved holds other {eval} values"

        # The interactive figure: one widget with sliders and a picture.
        widget = page.locator(".jp-OutputArea-output .jupyter-widgets.widget-vbox").first
        widget.wait_for(timeout=30_000)
        sliders = widget.locator(".widget-slider")
        assert sliders.count() >= 3, f"the explorer shows {sliders.count()} live sliders, expected 3"
        img = widget.locator(".widget-html img").first
        src, natural, css = img.evaluate("i => [i.src, i.naturalWidth, i.getBoundingClientRect().width]")
        assert abs(natural - 2 * css) <= 2, f"the live picture is {natural} px wide shown at {css:.0f} CSS px: not 2x"
        box = widget.bounding_box()
        panel = page.locator(".jp-NotebookPanel-notebook").first.bounding_box()
        assert box["height"] <= panel["height"] and box["width"] <= panel["width"], (
            f"the explorer ({box['width']:.0f} x {box['height']:.0f}) does not fit in the notebook panel "
            f"({panel['width']:.0f} x {panel['height']:.0f}) of a 1366 x 768 screen")
        handle = sliders.first.locator(".noUi-handle")
        handle.scroll_into_view_if_needed()
        x, y = (lambda b: (b["x"] + b["width"] / 2, b["y"] + b["height"] / 2))(handle.bounding_box())
        page.mouse.move(x, y)  # drag the first slider to the right, as a student would
        page.mouse.down()
        page.mouse.move(x + 40, y, steps=5)
        page.mouse.up()
        page.wait_for_function("([w, old]) => { const i = w.querySelector('.widget-html img');"
                               " return i && i.src !== old; }", arg=[widget.element_handle(), src], timeout=30_000)
        assert problems == [], "; ".join(problems)
    finally:
        page.close()
    assert time.perf_counter() - start < 100, "the lesson's JupyterLab check took more than 100 s"


def test_exercise_notebook_runs_in_jupyterlab(lab, browser):
    nb = nbformat.read(ROOT / EXERCISES, as_version=4)
    page, problems = open_notebook(browser, lab, EXERCISES)
    try:
        check_prose(page, nb, "opened")
        exercise_boxes = sum("Exercise" in (t or "") for t in markdown_texts(page))
        assert exercise_boxes >= 4, f"jupyterlab-myst shows {exercise_boxes} exercise boxes, expected one per exercise"
        run_all(page)
        assert output_problems(page) == [], f"{EXERCISES} in JupyterLab: {output_problems(page)}"
        check_prose(page, nb, "after Run All")
        assert problems == [], "; ".join(problems)
    finally:
        page.close()
