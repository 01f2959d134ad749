"""Re-execute notebooks in place, top to bottom, the way nbval will check them.

Usage: python tools/execute_notebooks.py chapters/*.ipynb
Run it through `make execute`, which sets one BLAS thread. Each notebook runs in a fresh
kernel from this environment with its own folder as the working directory; outputs and
ipywidgets state are saved into the notebook. A notebook that raises is reported and left
unchanged on disk, and the script exits non-zero.

Computed numbers in prose. A markdown cell may contain MyST inline expressions,
{eval}`f"{accuracy:.1%}"`. When the executor reaches such a cell (after every code cell
above it, before every code cell below it) it asks the kernel for their values, in the
order they appear, with one `user_expressions` request, and stores the kernel's replies in
the cell's metadata exactly as jupyterlab-myst 2.7 does when a student runs the cell:

    "user_expressions": [{"expression": "f\"{accuracy:.1%}\"",
                          "result": {"status": "ok", "data": {"text/plain": "'93.1%'"},
                                     "metadata": {}}}]

JupyterLab shows these stored values when the notebook is opened, the book shows them
through _ext/stored_eval.py, tools/colab_copy.py writes them into the Colab copies, and
conftest.py re-evaluates them during nbval so that a stale value fails the tests. An
expression that raises is an error: the notebook is reported as failed.

This module also holds the small MyST scanner that finds roles in markdown the way
mystmd does (outside code spans and literal code fences); tools/colab_copy.py and the
tests use it too.
"""
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbclient.util import ensure_async

KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

# ---- finding roles in MyST markdown ---------------------------------------------------------

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}|:{3,})\s*(\{[^}\s]*\})?(.*)$")
# Directives whose body is not markdown (roles inside are literal text, as in mystmd).
LITERAL_DIRECTIVES = {"code", "code-block", "sourcecode", "code-cell", "math", "raw", "mermaid",
                      "eval-rst", "csv-table"}
ROLE_NAME = re.compile(r"\{([A-Za-z][\w:+.-]*)\}$")


def markdown_segments(text):
    """Split markdown into (segment, is_markdown) pieces that concatenate back to ``text``.

    Literal code fences (``` or ~~~ without a {directive}, and the bodies of
    LITERAL_DIRECTIVES) are not markdown; nor are the fence markers of directives such as
    ```{note} or :::{admonition}, whose arguments and bodies are markdown.
    """
    segments = []
    stack = []  # open fences: (char, length, literal)

    def add(piece, is_markdown):
        if not piece:
            return
        if segments and segments[-1][1] == is_markdown:
            segments[-1] = (segments[-1][0] + piece, is_markdown)
        else:
            segments.append((piece, is_markdown))

    for line in text.splitlines(keepends=True):
        m = FENCE.match(line.rstrip("\n"))
        if stack and m and m.group(1)[0] == stack[-1][0] and len(m.group(1)) >= stack[-1][1] \
                and not m.group(2) and not m.group(3).strip():
            stack.pop()
            add(line, False)  # a closing fence
            continue
        if stack and stack[-1][2]:
            add(line, False)  # inside a literal fence: nothing opens here
            continue
        if m and (m.group(1)[0] != ":" or m.group(2)):
            name = (m.group(2) or "").strip("{}")
            literal = not m.group(2) or name in LITERAL_DIRECTIVES
            if literal:
                add(line, False)
            else:
                add(line[:m.start(3)], False)  # the fence and {name}
                add(line[m.start(3):], True)   # the argument
            stack.append((m.group(1)[0], len(m.group(1)), literal))
            continue
        add(line, True)
    return segments


def iter_roles(text):
    """Yield (start, end, name, content) for every `{name}`content`` role in a markdown text.

    Positions index into ``text``. Roles inside inline code spans or literal fences are not
    roles. Backtick runs pair up as in CommonMark: a run of n backticks closes at the next run
    of exactly n.
    """
    offset = 0
    for segment, is_markdown in markdown_segments(text):
        if is_markdown:
            yield from _roles_in(segment, offset)
        offset += len(segment)


def _roles_in(text, offset):
    i = 0
    while True:
        start = text.find("`", i)
        if start < 0:
            return
        if start > 0 and text[start - 1] == "\\":
            i = start + 1
            continue
        run = len(text) - len(text[start:].lstrip("`"))
        n = run - start
        close = re.compile(r"(?<!`)" + "`" * n + r"(?!`)")
        m = close.search(text, run)
        if m is None:
            i = run
            continue
        role = ROLE_NAME.search(text, 0, start)
        if role and role.end() == start:
            content = text[run:m.start()]
            if n > 1 and content.startswith(" ") and content.endswith(" ") and content.strip():
                content = content[1:-1]
            yield offset + role.start(), offset + m.end(), role.group(1), content
        i = m.end()


def eval_expressions(markdown):
    """The {eval} expressions of one markdown cell, in order (repeats included)."""
    return [content for _, _, name, content in iter_roles(markdown) if name == "eval"]


# ---- the executor ---------------------------------------------------------------------------

class EvalClient(NotebookClient):
    """nbclient's executor, plus the values of every markdown cell's {eval} expressions."""

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type == "markdown":
            await self._store_expressions(cell, cell_index)
            return cell
        cell.metadata.pop("execution", None)  # timings only make diffs noisy
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

    async def _store_expressions(self, cell, cell_index):
        expressions = eval_expressions(cell.source)
        if not expressions:
            cell.metadata.pop("user_expressions", None)
            return
        cell.metadata["user_expressions"] = await evaluate(self.kc, expressions, self.async_wait_for_reply)
        failed = [e for e in cell.metadata["user_expressions"] if e["result"].get("status") != "ok"]
        if failed:
            result = failed[0]["result"]
            raise CellExecutionError(
                f"markdown cell {cell_index}: {{eval}}`{failed[0]['expression']}` raised "
                f"{result.get('ename')}: {result.get('evalue')}", result.get("ename", ""), result.get("evalue", ""))


def expressions_request(expressions):
    """The execute request jupyterlab-myst sends for one markdown cell: no code, and the
    expressions as ``user_expressions`` keyed "0", "1", ... in order of appearance."""
    return dict(code="", silent=True, store_history=False,
                user_expressions={str(k): e for k, e in enumerate(expressions)})


def stored_results(expressions, reply):
    """What jupyterlab-myst stores from the kernel's reply: [{"expression", "result"}, ...]."""
    content = reply["content"] if reply else {}
    if content.get("status") != "ok":
        raise RuntimeError(f"the kernel did not evaluate {expressions}: {content}")
    results = content["user_expressions"]
    return [{"expression": e, "result": results[str(k)]} for k, e in enumerate(expressions)]


async def evaluate(kc, expressions, wait_for_reply):
    """Evaluate expressions in the kernel at this point of the run (nbclient's async client)."""
    msg_id = await ensure_async(kc.execute(**expressions_request(expressions)))
    return stored_results(expressions, await wait_for_reply(msg_id))


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = KERNEL
    client = EvalClient(nb, timeout=600, kernel_name="python3", store_widget_state=True, record_timing=False,
                        coalesce_streams=True,  # one block per stream, however the prints were timed
                        resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    # Keep the saved metadata independent of the machine that ran it.
    nb.metadata.get("language_info", {}).pop("version", None)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return seconds


def main(paths):
    failed = []
    for p in map(Path, paths):
        try:
            seconds = execute(p)
            print(f"{seconds:6.1f} s  {p}")
        except CellExecutionError as err:
            failed.append(p)
            print(f"FAILED  {p}\n{err}", file=sys.stderr)
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(map(str, failed))}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
