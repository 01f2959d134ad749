"""The {eval} role for a book that never executes its notebooks.

myst-nb evaluates {eval}`expression` by asking a running kernel, so with
``execute_notebooks: "off"`` it can only warn. The values are already in the notebook:
tools/execute_notebooks.py stores them in each markdown cell's ``user_expressions``
metadata, in jupyterlab-myst's format. This role replaces myst-nb's: it finds the cell the
role is in and takes the stored result of the same expression. A plain-text value (the usual
case) becomes an inline node, a string shown without its quotes as JupyterLab shows it;
richer values go through myst-nb's own rendering (mime priority). A missing or failed
value is a warning, so `jupyter-book build -W` fails.

Relies on myst-nb 1.4 internals (pinned in requirements.txt): the role base class, the
renderer stored as ``document["nb_renderer"]``, its notebook client's ``notebook``, and the
line numbering of notebook pages, where cell k's lines start at (k + 1) * 10000.
"""
import ast

from docutils import nodes
from myst_nb.core.variables import RetrievalError, VariableOutput, create_warning, render_variable_outputs
from myst_nb.ext.utils import RoleBase

CELL_LINE_BASE = 10000  # myst_nb.core.nb_to_tokens: start_line = (cell_index + 1) * 10000


def _warning(message, document, line):
    return create_warning(message, document, line, subtype="eval")


def plain_text(text):
    """A stored text/plain value as shown: a string's repr loses its quotes ('1,797' -> 1,797)."""
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        return text
    return value if isinstance(value, str) else text


def stored_results(notebook, expression, line):
    """The stored results for ``expression`` in the markdown cell that holds ``line``.

    If the line does not lead to a markdown cell that stored the expression (a notebook
    with a source map, say), every markdown cell is searched and all must agree.
    """
    cells = notebook.cells
    index = line // CELL_LINE_BASE - 1
    candidates = [cells[index]] if 0 <= index < len(cells) and cells[index].cell_type == "markdown" else []
    found = [entry["result"] for cell in candidates
             for entry in cell.metadata.get("user_expressions", []) if entry.get("expression") == expression]
    if not found:
        found = [entry["result"] for cell in cells if cell.cell_type == "markdown"
                 for entry in cell.metadata.get("user_expressions", []) if entry.get("expression") == expression]
    if not found:
        raise RetrievalError(f"no stored value for {{eval}}`{expression}`: run `make execute` "
                             "(tools/execute_notebooks.py stores the values of inline expressions)")
    if any(result != found[0] for result in found[1:]):
        raise RetrievalError(f"{{eval}}`{expression}` has different stored values in this cell: "
                             "run `make execute`")
    result = found[0]
    if result.get("status") != "ok":
        raise RetrievalError(f"{{eval}}`{expression}` failed when the notebook ran: "
                             f"{result.get('ename')}: {result.get('evalue')}")
    if not result.get("data"):
        raise RetrievalError(f"{{eval}}`{expression}` stored no value")
    return result


class StoredEvalRole(RoleBase):
    """{eval}`expression`: the value stored for it in the notebook, rendered inline."""

    def run(self):
        document = self.document
        renderer = document.get("nb_renderer")
        client = getattr(getattr(renderer, "renderer", None), "nb_client", None)
        if client is None:
            return [], [_warning("{eval} is only available in notebook pages", document, self.line)]
        try:
            result = stored_results(client.notebook, self.text, self.line)
        except RetrievalError as exc:
            return [], [_warning(str(exc), document, self.line)]
        data = result["data"]
        if set(data) == {"text/plain"}:
            # The usual case, a number or a formatted string: an inline node made here, not
            # myst-nb's mime-bundle container (which a post-transform resolves only after
            # the page's table of contents has copied it, as a <div> inside a heading link).
            text = plain_text(data["text/plain"])
            node = nodes.inline(text, text, classes=["output", "text_plain"])
            self.set_source_info(node)
            return [node], []
        metadata = dict(result.get("metadata", {}))
        metadata["strip_text_quotes"] = True  # as myst-nb's own role: 'a string' shows as a string
        output = VariableOutput(data=data, metadata=metadata, nb_renderer=renderer, vtype="eval")
        return render_variable_outputs([output], document, self.line, self.source, inline=True), []


def setup(app):
    # myst-nb registers its kernel-backed role when it is set up; replace it afterwards.
    app.setup_extension("myst_nb")
    app.add_role("eval", StoredEvalRole(), override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
