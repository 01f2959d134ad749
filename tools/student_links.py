"""Give every exercise notebook a "work on your own copy" cell linking to its student version.

Usage: python tools/student_links.py [chapters/NN_name_exercises.ipynb ...]

The exercise notebooks in chapters/ contain the worked solutions (hidden in the book). A
student working alone wants the version without them: `make execute` writes those to
student/ (with tools/student.py) and this tool puts, right after each exercise notebook's
title, a markdown cell tagged `student-links` that opens student/<name>.ipynb in Binder,
its plain-Markdown copy colab/student/<name>.ipynb in Colab (tools/colab_copy.py), or
downloads it. The repository and branch come from _config.yml (`repository.url`, `branch`),
so a fork changes one line. The cell is idempotent (rewritten in place) and is dropped from
the student versions themselves.
"""
import sys
from pathlib import Path
from urllib.parse import quote

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "student-links"


def links_markdown(name, repo_url, branch):
    repo = repo_url.rstrip("/").removeprefix("https://github.com/")
    path = f"student/{name}"
    binder = f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath={quote('lab/tree/' + path, safe='')}"
    colab = f"https://colab.research.google.com/github/{repo}/blob/{branch}/colab/{path}"
    raw = f"https://raw.githubusercontent.com/{repo}/{branch}/{path}"
    return (":::{admonition} Working on your own?\n:class: tip\n"
            "This page shows the worked solutions (hidden until you open them). For a copy in which\n"
            "every solution is replaced by a starter for you to fill in, open the **student version**:\n"
            f"[in Binder]({binder}) · [in Colab]({colab}) · [download the notebook]({raw}).\n"
            ":::")


def update(path, repo_url, branch):
    nb = nbformat.read(path, as_version=4)
    text = links_markdown(path.name, repo_url, branch)
    existing = [c for c in nb.cells if TAG in c.metadata.get("tags", [])]
    if existing:
        if existing[0].source == text:
            return False
        existing[0].source = text
    else:
        title = next(k for k, c in enumerate(nb.cells) if c.cell_type == "markdown")
        cell = nbformat.v4.new_markdown_cell(text, metadata={"tags": [TAG]})
        cell["id"] = "student-links"
        nb.cells.insert(title + 1, cell)
    nbformat.write(nb, path)
    return True


def main(paths):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    paths = [Path(p) for p in paths] or sorted((ROOT / "chapters").glob("*_exercises.ipynb"))
    for path in paths:
        if update(path, config["url"], config["branch"]):
            print(f"student links updated in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
