"""The environments students run the notebooks in: Colab, Binder, and the install cell.

- Every notebook's hidden install cell is the one `_config.yml`'s repository gives
  (tools/bootstrap.py writes it, `make execute` runs that tool): a fork changes one line.
- Colab: in a virtual environment pinned to an older Colab-like stack (IPython 7.34,
  ipywidgets 7.7, numpy 2.0, ...), installing nnlib the way the install cell does changes
  nothing that was there before, and nnlib imports (course helpers included) and passes its
  unit tests. The environment is built once and cached in `_build/colab-stack/`.
- Binder: `binder/` holds a lean environment of its own: what the notebooks need, at the
  versions of the root requirements.txt, and nothing for building or testing the book, and
  no pin on Binder's own server packages.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import bootstrap  # noqa: E402


# ---- the install cell ---------------------------------------------------------------------

def test_install_cell_follows_the_configured_repository():
    url, branch = bootstrap.repository()
    source = bootstrap.bootstrap_source(url, branch)
    assert f"git+{url}@{branch}" in source
    paths = bootstrap.default_paths()
    assert len(paths) >= 14
    stale = [str(p.relative_to(ROOT)) for p in paths
             if bootstrap.bootstrap_cell(nbformat.read(p, as_version=4)).source != source]
    assert stale == [], f"install cells that do not follow _config.yml (run tools/bootstrap.py): {stale}"


def test_install_cell_installs_nnlib_without_extras_or_upgrades():
    source = bootstrap.bootstrap_source("https://github.com/someone/fork", "dev")
    assert '"git+https://github.com/someone/fork@dev"' in source
    assert "--upgrade" not in source and "[" not in source.split("git+")[1], (
        "the install cell must not ask for extras or upgrades: they would replace Colab's packages")


# ---- Binder --------------------------------------------------------------------------------

def pins(path):
    """{normalized name: version} of every name==version line of a requirements file."""
    found = {}
    for line in Path(path).read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s#]+)", line.strip())
        if m:
            found[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return found


def test_binder_environment_is_lean_and_matches_the_course_pins():
    req = ROOT / "binder" / "requirements.txt"
    binder, course = pins(req), pins(ROOT / "requirements.txt")
    needed = {"numpy", "scipy", "matplotlib", "scikit-learn", "ipywidgets", "jupyterlab-myst"}
    assert needed <= set(binder), f"binder/requirements.txt lacks {sorted(needed - set(binder))}"
    for name, version in binder.items():
        assert course.get(name) == version, (
            f"binder pins {name}=={version} but requirements.txt has {course.get(name)}: "
            "students would see other numbers than the book")
    never = {"jupyter-book", "sphinx", "pytest", "playwright", "nbgrader", "nbval",
             # Binder's own server stack: pinning these would replace what Binder runs
             "jupyterlab", "jupyter-server", "notebook", "tornado", "jupyterhub"}
    assert not never & set(binder), f"binder/requirements.txt must not pin {sorted(never & set(binder))}"
    lines = [line.strip() for line in req.read_text().splitlines()]
    assert "-e ." in lines, "binder/requirements.txt must install nnlib itself (-e .)"
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


# ---- a Colab-like stack ----------------------------------------------------------------------

# The versions the last public reports of Colab's image give (google-colab pins IPython 7.34;
# ipywidgets 7.7.1 is preinstalled); older than the course's own pins on purpose.
COLAB_STACK = ["pip==23.2.1", "ipython==7.34.0", "ipywidgets==7.7.1", "numpy==2.0.2", "scipy==1.14.1",
               "matplotlib==3.10.0", "scikit-learn==1.6.1", "pytest==8.3.5"]
STACK_DIR = ROOT / "_build" / "colab-stack"


def _run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def _uv():
    """uv where the course's venv has it (requirements.txt pins it; it fetches and unpacks in
    parallel: about 3 s for this stack where pip takes 25 s or more), else None. Only the
    stack is installed, and listed, this way: what the install cell does is done with pip,
    as in Colab."""
    uv = Path(sys.executable).with_name("uv")
    return str(uv) if uv.exists() else None


def _freeze(python):
    """{name: version} of what is installed in ``python``'s venv (editable installs left out)."""
    uv = _uv()
    lister = [uv, "pip", "list", "--python", str(python)] if uv else [str(python), "-m", "pip", "list"]
    out = _run(lister + ["--format", "json", "--exclude-editable"])
    assert out.returncode == 0, out.stderr[-2000:]
    return {p["name"].lower(): p["version"] for p in json.loads(out.stdout)}


@pytest.fixture(scope="module")
def colab_python():
    """A venv with the Colab-like stack, built once (the stamp records the stack)."""
    venv = STACK_DIR / "venv"
    python = venv / "bin" / "python"
    stamp = STACK_DIR / "stack.txt"
    if not (python.exists() and stamp.exists() and stamp.read_text() == "\n".join(COLAB_STACK)):
        stamp.unlink(missing_ok=True)
        uv = _uv()
        if uv:  # uv installs pip too (COLAB_STACK pins it): venv's own pip install takes 5 s
            subprocess.run([sys.executable, "-m", "venv", "--clear", "--without-pip", str(venv)], check=True)
            result = _run([uv, "pip", "install", "--quiet", "--python", str(python)] + COLAB_STACK)
        else:
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            result = _run([str(python), "-m", "pip", "install", "--quiet", "--no-compile"] + COLAB_STACK)
        if result.returncode != 0:
            unreachable = ("Could not find a version", "NewConnectionError",  # pip's words
                           "Failed to fetch", "tcp connect error", "dns error")  # uv's
            if any(words in result.stderr for words in unreachable):
                pytest.skip(f"SKIPPED: the package index is unreachable, the Colab-like stack was NOT "
                            f"tested: {result.stderr[-300:]}")
            raise AssertionError(f"installing the Colab-like stack failed:\n{result.stderr[-2000:]}")
        stamp.write_text("\n".join(COLAB_STACK))
    return python


@pytest.fixture(scope="module")
def source_tree(tmp_path_factory):
    """What `pip install git+<repository>` would build: a copy of the package's files
    (building in the checkout itself would leave setuptools' build/ folder there)."""
    tree = tmp_path_factory.mktemp("nnlib-source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, tree / name)
    shutil.copytree(ROOT / "nnlib", tree / "nnlib", ignore=shutil.ignore_patterns("__pycache__"))
    return tree


def test_installing_nnlib_changes_nothing_colab_preinstalls(colab_python, source_tree):
    # Colab has no nnlib; the cached venv keeps the one of the last run.
    _run([str(colab_python), "-m", "pip", "uninstall", "--quiet", "--yes", "nnlib"])
    before = _freeze(colab_python)
    # What the install cell does, with the repository replaced by this checkout (pip builds nnlib
    # from source, as from git), and pip's report of what it installed.
    report = STACK_DIR / "install-report.json"
    result = _run([str(colab_python), "-m", "pip", "install", "--quiet", "--report", str(report),
                   str(source_tree)])
    assert result.returncode == 0, result.stderr[-2000:]
    installed = {item["metadata"]["name"].lower(): item["metadata"]["version"]
                 for item in json.loads(report.read_text())["install"]}
    after = _freeze(colab_python)
    changed = {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
               if k != "nnlib" and before.get(k) != after.get(k)}
    if set(installed) != {"nnlib"} or changed:
        (STACK_DIR / "stack.txt").unlink(missing_ok=True)  # the venv is no longer Colab's: rebuild it next time
    assert set(installed) == {"nnlib"}, (
        f"installing nnlib into the Colab-like stack also installed or changed "
        f"{sorted(set(installed) - {'nnlib'})}: {installed}")
    assert changed == {}, f"the install changed preinstalled packages: {changed}"


def test_nnlib_imports_and_passes_its_tests_on_the_colab_stack(colab_python):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    code = ("import nnlib, nnlib.course.checks, nnlib.course.plotting, nnlib.course.widgets, "
            "IPython, ipywidgets, numpy; print(IPython.__version__, ipywidgets.__version__, numpy.__version__, "
            "nnlib.__file__)")
    result = _run([str(colab_python), "-c", code], cwd=STACK_DIR, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    ipython, widgets, numpy, where = result.stdout.split()
    assert (ipython, widgets, numpy) == ("7.34.0", "7.7.1", "2.0.2"), result.stdout
    assert "site-packages" in where, f"nnlib should come from the installed package, not the checkout: {where}"
    tests = sorted(str(p) for p in (ROOT / "tests").glob("test_nnlib_*.py"))
    # -p no:cacheprovider: nothing written into the checkout; --rootdir keeps pytest away
    # from the checkout's conftest.py (it serves nbval, which this venv does not have).
    result = _run([str(colab_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--noconftest",
                   "-o", "addopts=", "--rootdir", str(STACK_DIR), *tests],
                  cwd=STACK_DIR, env={**env, "PYTHONPATH": str(ROOT / "tests")})
    tail = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-500:]
    assert result.returncode == 0, f"nnlib's unit tests fail on the Colab-like stack: {tail}\n{result.stdout[-3000:]}"
