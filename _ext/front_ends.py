"""What the book does so that it agrees with the notebooks' other front ends.

- The Colab launch button opens the rendered copy in colab/ (tools/colab_copy.py writes it:
  Colab renders plain Markdown only). sphinx-book-theme builds the button from the page
  path; this rewrites that URL from `.../blob/<branch>/<page>.ipynb` to
  `.../blob/<branch>/colab/<page>.ipynb`. A notebook page without its copy is a warning,
  so `jupyter-book build -W` fails until `make execute` has written it.
- Solution code is written between `### BEGIN SOLUTION` and `### END SOLUTION` (for the
  student versions and nbgrader); the book shows the code without those two lines.

Relies on sphinx-book-theme 1.3 (the launch buttons are a "launch-buttons" group in the
``header_buttons`` page context) and on myst-nb 1.4 marking a code cell's source block as
a container with ``nb_element == "cell_code_source"`` (both pinned in requirements.txt).
"""
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
COLAB_DIR = "colab"


def _colab_buttons(buttons):
    for button in buttons:
        if button.get("type") == "group":
            yield from _colab_buttons(button.get("buttons", []))
        elif button.get("text") == "Colab" and "url" in button:
            yield button


def point_colab_at_copies(app, pagename, templatename, context, doctree):
    source = Path(app.env.doc2path(pagename))
    if source.suffix != ".ipynb":
        return
    root = Path(app.srcdir)
    relative = source.relative_to(root).as_posix()
    for button in _colab_buttons(context.get("header_buttons", [])):
        url = button["url"]
        if not url.endswith("/" + relative):
            logger.warning(f"the Colab button of {pagename} does not end with {relative}: {url}",
                           location=pagename, type="front_ends")
            continue
        if not (root / COLAB_DIR / relative).exists():
            logger.warning(f"{COLAB_DIR}/{relative} is missing: run `make execute` (tools/colab_copy.py) "
                           "so that the Colab button opens a copy Colab can render", location=pagename,
                           type="front_ends")
        button["url"] = url[: -len(relative)] + f"{COLAB_DIR}/{relative}"


def strip_solution_markers(app, doctree):
    for block in doctree.findall(nodes.literal_block):
        parent = block.parent
        if not (isinstance(parent, nodes.container) and parent.get("nb_element") == "cell_code_source"):
            continue
        text = block.astext()
        lines = text.splitlines()
        kept = [line for line in lines if line.strip() not in SOLUTION_MARKERS]
        if len(kept) != len(lines):
            block.rawsource = "\n".join(kept)
            block.children = [nodes.Text("\n".join(kept))]


def setup(app):
    app.connect("html-page-context", point_colab_at_copies, priority=600)  # after sphinx-book-theme (501)
    app.connect("doctree-read", strip_solution_markers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
