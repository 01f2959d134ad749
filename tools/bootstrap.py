"""Write the hidden first cell of every notebook: it installs nnlib where it is missing (Colab).

Usage: python tools/bootstrap.py [--check] [notebook.ipynb ...]   (default: every notebook
in chapters/, student/ and colab/)

The repository URL and branch come from `_config.yml` (`repository.url`, `repository.branch`),
the one place a fork changes them: `make execute` runs this tool, so every notebook's
install cell follows. The cell installs nnlib without extras and only when it is missing,
so nothing that Colab preinstalls (IPython, ipywidgets, numpy, matplotlib, scikit-learn) is
upgraded or downgraded inside the running kernel: nnlib's own dependencies are numpy and
scipy only (see pyproject.toml).

With --check nothing is written; the exit status is 1 when a notebook's cell differs.
"""
import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "remove-cell"


def repository(config_path=ROOT / "_config.yml"):
    """(url, branch) of the course repository, from the book's configuration."""
    repo = yaml.safe_load(Path(config_path).read_text())["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def bootstrap_source(url, branch):
    """The source of the install cell for a repository URL and branch."""
    return (
        "# In Colab (or wherever nnlib is missing), install the course library first.\n"
        "import importlib.util, subprocess, sys\n"
        'if importlib.util.find_spec("nnlib") is None:\n'
        '    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet",\n'
        f'                           "git+{url}@{branch}"])'
    )


def bootstrap_cell(nb):
    """The notebook's install cell: its first code cell (None if it has no code cell)."""
    return next((c for c in nb.cells if c.cell_type == "code"), None)


def update(path, source):
    """Rewrite the install cell of one notebook; return True when the file changed."""
    nb = nbformat.read(path, as_version=4)
    cell = bootstrap_cell(nb)
    if cell is None or "find_spec(\"nnlib\")" not in cell.source:
        raise SystemExit(f"{path}: the first code cell is not the nnlib install cell "
                         "(it must call importlib.util.find_spec(\"nnlib\"))")
    tags = cell.metadata.setdefault("tags", [])
    if cell.source == source and TAG in tags:
        return False
    cell.source = source
    if TAG not in tags:
        tags.append(TAG)
    nbformat.write(nb, path)
    return True


def default_paths():
    return sorted(p for folder in ("chapters", "student", "colab") for p in (ROOT / folder).rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report notebooks whose cell differs")
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    source = bootstrap_source(*repository())
    stale = []
    for path in args.paths or default_paths():
        if args.check:
            cell = bootstrap_cell(nbformat.read(path, as_version=4))
            if cell is None or cell.source != source:
                stale.append(path)
        elif update(path, source):
            print(f"install cell updated: {path}")
    for path in stale:
        print(f"{path}: the install cell differs from the one _config.yml gives (run tools/bootstrap.py)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
