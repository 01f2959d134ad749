"""pytest configuration shared by nnlib's tests and by nbval's notebook runs.

- nbval compares every text output of every cell, except stderr: warnings from third-party
  packages may differ between machines, and stderr is never part of a lesson.
- nbval skips markdown cells, so it would not notice a stale number in the prose. For every
  markdown cell with {eval} expressions, an extra item ("Markdown cell K: {eval} before
  Cell N") runs right after the code cell above it, in nbval's own kernel: it evaluates the cell's
  expressions there, the way tools/execute_notebooks.py and jupyterlab-myst do, and fails
  when a value differs from the one stored in the cell's ``user_expressions`` metadata
  (which is what the book, JupyterLab and the Colab copy show).
- The time each notebook takes to execute is summed from nbval's cell reports, printed at the
  end of the run and saved to _build/test-results/notebook-times.json (make test prints the
  total again at its very end).
"""
import json
import os
import sys
from collections import defaultdict
from pathlib import Path
from queue import Empty

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "tools"))
from execute_notebooks import eval_expressions, expressions_request, stored_results  # noqa: E402

_notebook_seconds = defaultdict(float)
EVAL_TIMEOUT = 60  # seconds for one markdown cell's expressions


def pytest_collectstart(collector):
    # nbval's notebook collector keeps the output keys it will not compare in skip_compare.
    if hasattr(collector, "skip_compare") and "stderr" not in collector.skip_compare:
        collector.skip_compare = tuple(collector.skip_compare) + ("stderr",)


class StoredEvalItem(pytest.Item):
    """The {eval} expressions of one markdown cell, re-evaluated at their place in nbval's run."""

    def __init__(self, *, cell_index, cell, **kwargs):
        super().__init__(**kwargs)
        self.cell_index = cell_index
        self.cell = cell

    def runtest(self):
        kernel = self.parent.kernel
        if kernel is None or not kernel.is_alive():
            raise StaleEval(f"markdown cell {self.cell_index}: the notebook's kernel is not running")
        expressions = eval_expressions(self.cell.source)
        msg_id = kernel.kc.execute(**expressions_request(expressions))
        try:
            reply = _shell_reply(kernel, msg_id)
            kernel.await_idle(msg_id, EVAL_TIMEOUT)  # drain this request's iopub messages
        except Empty:
            raise StaleEval(f"markdown cell {self.cell_index}: no answer within {EVAL_TIMEOUT} s "
                            f"to evaluating {expressions}") from None
        fresh = stored_results(expressions, reply)
        stored = self.cell.metadata.get("user_expressions")
        if stored is None:
            raise StaleEval(f"markdown cell {self.cell_index} has {{eval}} expressions but no stored "
                            "values: run `make execute`")
        problems = []
        if [e.get("expression") for e in stored] != expressions:
            problems.append(f"stored expressions {[e.get('expression') for e in stored]} are not the "
                            f"cell's {expressions} (the prose changed)")
        for now, then in zip(fresh, stored):
            if now["result"].get("status") != "ok":
                problems.append(f"{{eval}}`{now['expression']}` raises {now['result'].get('ename')}: "
                                f"{now['result'].get('evalue')}")
            elif now["result"].get("data") != then.get("result", {}).get("data"):
                problems.append(f"{{eval}}`{now['expression']}` is now {_shown(now)}, the prose shows "
                                f"{_shown(then)}")
        if problems:
            raise StaleEval(f"markdown cell {self.cell_index}: " + "; ".join(problems[:4]) +
                            ". Run `make execute` and check that the prose still says what it should.")

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, StaleEval):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, self.name


class StaleEval(Exception):
    """A stored {eval} value no longer matches the notebook's computation."""


def _shown(entry):
    data = entry.get("result", {}).get("data", {})
    return data.get("text/plain", repr(data))


def _shell_reply(kernel, msg_id):
    while True:
        msg = kernel.kc.get_shell_msg(timeout=EVAL_TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


# The files that take longest, longest first (seconds in a fresh clone's make test on 2 cores,
# 2026-12-03): run first, they overlap the many short ones instead of finishing alone, and
# the last files are short. `make test` passes --no-loadscope-reorder so that pytest-xdist
# keeps this order (it would otherwise put the files with the most tests first).
SLOWEST_FIRST = [
    "tests/test_environments.py",        # ~44 s: installs Colab's stack in a venv, once
    "chapters/05_training.ipynb",        # ~42 s
    "chapters/09_transformers.ipynb",    # ~30 s
    "chapters/06_depth_vs_width.ipynb",  # ~29 s
    "tests/test_exercise_mutations.py",  # ~27 s
    "tests/test_student.py",             # ~23 s: runs every student notebook
    "chapters/10_scale.ipynb",           # ~20 s
    "chapters/03_activations.ipynb",     # ~17 s
    "chapters/07_convolutional.ipynb",   # ~15 s
    "chapters/04_learning.ipynb",        # ~13 s
    "chapters/08_recurrent.ipynb",       # ~12 s
    "tests/test_nbgrader.py",            # ~11 s
    "chapters/02_neurons.ipynb",         # ~8 s; everything else takes under 7 s
]


def _slowest_first(items):
    rank = {path: i for i, path in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: files stay in order


def pytest_collection_modifyitems(session, config, items):
    """After each nbval cell item, insert the {eval} checks of the markdown cells below it;
    then move the slowest files to the front."""
    if not getattr(config.option, "nbval", False) and not getattr(config.option, "nbval_lax", False):
        _slowest_first(items)
        return
    result, done = [], set()
    by_parent = defaultdict(list)
    for item in items:
        by_parent[id(item.parent)].append(item)
    for item in items:
        result.append(item)
        parent = item.parent
        nb = getattr(parent, "nb", None)
        if nb is None or not hasattr(item, "cell_num") or id(parent) in done:
            continue
        siblings = [i for i in by_parent[id(parent)] if hasattr(i, "cell_num")]
        if item is not siblings[-1]:
            continue
        done.add(id(parent))
        # All of this notebook's code items have been appended: re-insert them with the
        # markdown checks in notebook order.
        del result[-len(siblings):]
        by_num = {i.cell_num: i for i in siblings}
        code_num = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                if code_num in by_num:
                    result.append(by_num[code_num])
                code_num += 1
            elif cell.cell_type == "markdown" and eval_expressions(cell.source):
                result.append(StoredEvalItem.from_parent(
                    parent, name=f"Markdown cell {index}: {{eval}} before Cell {code_num}",
                    cell_index=index, cell=cell))
    items[:] = result
    _slowest_first(items)


def pytest_runtest_logreport(report):
    path, sep, _ = report.nodeid.partition(".ipynb::")
    if sep:
        _notebook_seconds[path + ".ipynb"] += report.duration  # setup, call and teardown


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    tr = terminalreporter
    tr.section("notebook execution time")
    for name, seconds in sorted(_notebook_seconds.items()):
        tr.write_line(f"{seconds:7.1f} s  {name}")
    total = sum(_notebook_seconds.values())
    tr.write_line(f"{total:7.1f} s  in total for {len(_notebook_seconds)} notebooks")
    os.makedirs("_build/test-results", exist_ok=True)
    with open("_build/test-results/notebook-times.json", "w") as f:
        json.dump(dict(sorted(_notebook_seconds.items())), f, indent=1)
