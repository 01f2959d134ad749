"""Checks on the notebooks as files (no kernel): the table of contents, execution order,
errors, the Colab bootstrap cell, names borrowed from nnlib, and the exercise format.

nbval (run separately by `make test`) re-executes every notebook and compares outputs;
these tests catch what nbval cannot see.
"""
import ast
import importlib
import pkgutil
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from IPython.core.inputtransformer2 import TransformerManager

import nnlib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import exercise_notebooks as en  # noqa: E402
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
EXERCISE_NOTEBOOKS = [p for p in NOTEBOOKS if p.stem.endswith("_exercises")]
IDS = [p.name for p in NOTEBOOKS]


def toc_files(entry):
    """Every `file:` in the parsed _toc.yml, depth first."""
    if isinstance(entry, dict):
        found = [entry["file"]] if "file" in entry else []
        if "root" in entry:
            found.append(entry["root"])
        for value in entry.values():
            if isinstance(value, (list, dict)):
                found += toc_files(value)
        return found
    if isinstance(entry, list):
        return [f for item in entry for f in toc_files(item)]
    return []


def read(path):
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2, "expected at least one chapter and its exercises in chapters/"


def test_toc_and_chapters_folder_list_the_same_notebooks():
    toc = toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    in_toc = {f.removesuffix(".ipynb") for f in toc if f.startswith("chapters/")}
    on_disk = {f"chapters/{p.stem}" for p in NOTEBOOKS}
    assert in_toc - on_disk == set(), f"_toc.yml lists notebooks that chapters/ lacks: {sorted(in_toc - on_disk)}"
    assert on_disk - in_toc == set(), f"chapters/ has notebooks missing from _toc.yml: {sorted(on_disk - in_toc)}"


def test_every_toc_entry_exists():
    toc = toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    missing = [f for f in toc if not any((ROOT / (f + ext)).exists() for ext in ("", ".md", ".ipynb"))]
    assert missing == [], f"_toc.yml names files that do not exist: {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_valid_nbformat(path):
    nbformat.validate(read(path))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_executed_top_to_bottom_without_errors(path):
    nb = read(path)
    counts = [c.execution_count for c in code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name} was not executed top to bottom in one fresh kernel: execution counts {counts}. "
        "Run `make execute`.")
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{path.name}, cell {i}: the saved output is an error ({out.ename})"
            assert out.get("name") != "stderr", (
                f"{path.name}, cell {i}: writes to stderr ({out.text[:80]!r}); warnings break regression tests")
            text = out.get("text", "") + out.get("data", {}).get("text/plain", "")
            assert not re.search(r" at 0x[0-9a-f]{6,}", text), f"{path.name}, cell {i}: an output shows a memory address"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_cell_installs_nnlib_when_missing_and_is_hidden(path):
    first = code_cells(read(path))[0]
    assert "find_spec(\"nnlib\")" in first.source and "pip" in first.source, (
        f"{path.name}: the first code cell must install the course package when nnlib is missing (Colab)")
    assert "remove-cell" in first.metadata.get("tags", []), f"{path.name}: the bootstrap cell must be tagged remove-cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_cell_relies_on_a_trailing_semicolon(path):
    # nbval executes cells without storing them in IPython's history, and IPython looks
    # for the ';' that silences a cell's value in that history: under nbval the value is
    # shown anyway, so the outputs differ. End figure cells with plt.show() instead.
    for i, cell in enumerate(read(path).cells):
        if cell.cell_type == "code" and cell.source.strip():
            tree = ast.parse(TransformerManager().transform_cell(cell.source))
            last = tree.body[-1] if tree.body else None
            if isinstance(last, ast.Expr) and not _is_call_returning_none(last):
                assert not cell.source.rstrip().endswith(";"), (
                    f"{path.name}, cell {i}: ends with ';' to hide its value, which nbval ignores; "
                    "end it with plt.show() or assign the value")


def _is_call_returning_none(expr):
    return isinstance(expr.value, ast.Call) and getattr(expr.value.func, "id", None) == "print"


MAX_CODE_LINE = 80  # the book's code boxes show about 80 characters before they scroll


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_code_lines_fit_the_book(path):
    long = [(i, line) for i, cell in enumerate(read(path).cells)
            if cell.cell_type == "code" and "remove-cell" not in cell.metadata.get("tags", [])
            for line in cell.source.splitlines() if len(line) > MAX_CODE_LINE]
    assert long == [], (f"{path.name}: {len(long)} code line(s) longer than {MAX_CODE_LINE} characters, "
                        f"which the book clips; first: cell {long[0][0]}: {long[0][1]!r}" if long else "")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_uses_the_plain_python3_kernel(path):
    assert read(path).metadata["kernelspec"]["name"] == "python3"


def nnlib_exports():
    """Every public name that nnlib or one of its modules defines."""
    names = set(nnlib.__all__)
    for info in pkgutil.iter_modules(nnlib.__path__):
        module = importlib.import_module(f"nnlib.{info.name}")
        public = getattr(module, "__all__", None)
        if public is None:
            public = [n for n, v in vars(module).items()
                      if not n.startswith("_") and getattr(v, "__module__", None) == module.__name__]
        names.update(public)
    return names


def defined_names(source):
    """Functions and classes a cell defines at any depth (lambdas bound to a name count)."""
    tree = ast.parse(TransformerManager().transform_cell(source))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
            found.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return found


def test_defined_names_sees_functions_classes_and_lambdas():
    assert defined_names("def relu(x):\n    return x\nclass Linear: pass\nsoftmax = lambda z: z\n%matplotlib inline") == {
        "relu", "Linear", "softmax"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_does_not_redefine_what_nnlib_exports(path):
    exported = nnlib_exports()
    clashes = {}
    for i, cell in enumerate(read(path).cells):
        if cell.cell_type == "code":
            for name in defined_names(cell.source) & exported:
                clashes.setdefault(name, i)
    assert clashes == {}, (
        f"{path.name} defines names that nnlib already exports (cell index): {clashes}. "
        "Import them from nnlib, or give a from-scratch derivation its own name (e.g. my_relu).")


# ---- the exercise format (see COURSE_GUIDE.md and the Vectors exercises) ----------------

DIRECTIVE = re.compile(r"```\{(exercise-start|exercise-end|solution-start|solution-end)\}([^\n]*)\n(.*?)```", re.S)


def directives(nb):
    """(cell index, directive name, argument, body) for every gated directive, in order."""
    return [(i, m.group(1), m.group(2).strip(), m.group(3))
            for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
            for m in DIRECTIVE.finditer(c.source)]


@pytest.mark.parametrize("path", EXERCISE_NOTEBOOKS, ids=[p.name for p in EXERCISE_NOTEBOOKS])
def test_exercise_notebook_follows_the_format(path):
    nb = read(path)
    found = directives(nb)
    names = [d[1] for d in found]
    n = names.count("exercise-start")
    assert n >= 4, f"{path.name}: at least four exercises expected, found {n}"
    assert names == ["exercise-start", "exercise-end", "solution-start", "solution-end"] * n, (
        f"{path.name}: each exercise must be exercise-start, exercise-end, solution-start, solution-end; got {names}")
    for k in range(n):
        (i0, _, _, ex_body), _, (i2, _, sol_arg, sol_body), (i3, _, _, _) = found[4 * k: 4 * k + 4]
        label = re.search(r":label:\s*(\S+)", ex_body)
        assert label, f"{path.name}: exercise {k + 1} has no :label:"
        assert sol_arg == label.group(1), f"{path.name}: solution {k + 1} points at {sol_arg!r}, not {label.group(1)!r}"
        assert ":class: dropdown" in sol_body, f"{path.name}: solution {k + 1} must be a dropdown (hidden by default)"
        text = nb.cells[i0].source
        meta = nb.cells[i0].metadata.get("exercise", {})
        required = {"id", "chapter", "title", "difficulty", "minutes", "objective"}
        assert required <= set(meta) <= required | {"topics"}, (
            f"{path.name}: exercise {k + 1} needs metadata id, chapter, title, difficulty, minutes, objective "
            f"(and topics); has {sorted(meta)}")
        assert meta["id"] == label.group(1) and meta["difficulty"] in ("easy", "medium", "hard"), (
            f"{path.name}: exercise {k + 1}: metadata id must equal the label and difficulty be easy/medium/hard")
        assert path.stem.startswith(f"{meta['chapter']:02d}_"), f"{path.name}: exercise {k + 1} names chapter {meta['chapter']}"
        assert re.search(r"Difficulty", text) and re.search(r"\d+\s*min", text), (
            f"{path.name}: exercise {k + 1} must state its difficulty and an estimated time in minutes")
        solution_code = [c for c in nb.cells[i2 + 1:i3] if c.cell_type == "code"]
        assert solution_code and all("### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source
                                     for c in solution_code), (
            f"{path.name}: solution {k + 1} needs code between ### BEGIN SOLUTION and ### END SOLUTION")
        following = next((c for c in nb.cells[i3 + 1:] if c.cell_type == "code"), None)
        assert following is not None and "checks." in following.source, (
            f"{path.name}: exercise {k + 1} needs a check cell (using nnlib.course.checks) right after its solution")


# Exercise notebooks not yet converted to the scaffolded format are listed in
# tests/mutations/pending.txt; the rules below apply to every other one.
CONVERTED = [p for p in EXERCISE_NOTEBOOKS if p.stem not in en.pending_notebooks()]
without_solutions = en.strip_solutions   # a solution cell as the student version has it


@pytest.mark.parametrize("path", CONVERTED, ids=[p.name for p in CONVERTED])
def test_converted_exercises_give_the_student_a_scaffold(path):
    """A starter keeps the signature, a docstring (with the shapes) and # TODO hints.

    Each marked region sits inside a kept skeleton: every function the solution cell defines
    keeps its docstring in the student version, the skeleton says what to do with at least
    one `# TODO` comment, and each region is inside a function (so that the stub raises when
    the check calls it, and the check can say "not implemented yet").
    """
    nb = read(path)
    found = directives(nb)
    for k in range(len(found) // 4):
        (_, _, _, _), _, (i2, _, label, _), (i3, _, _, _) = found[4 * k: 4 * k + 4]
        for j in range(i2 + 1, i3):
            cell = nb.cells[j]
            if cell.cell_type != "code":
                continue
            starter = without_solutions(cell.source)
            place = f"{path.name}, cell {j} ({label})"
            tree = ast.parse(TransformerManager().transform_cell(starter))
            functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
            assert functions, f"{place}: the starter defines no function for the check to call"
            for fn in functions:
                doc = ast.get_docstring(fn)
                assert doc and len(doc.split()) >= 5, (
                    f"{place}: {fn.name} needs a docstring outside the solution regions (what it "
                    "computes, the shapes of its arguments and result)")
            assert re.search(r"^\s*# TODO", starter, re.M), (
                f"{place}: the skeleton needs a `# TODO` comment outside the regions that says what to write")
            lines = cell.source.splitlines()
            for n, line in enumerate(lines, 1):
                if line.strip() == "### BEGIN SOLUTION":
                    assert line.startswith(" "), (
                        f"{place}, line {n}: a solution region at the top level of the cell; put it inside "
                        "the function, so that the student's stub raises when the check calls it")
        meta = nb.cells[found[4 * k][0]].metadata["exercise"]
        assert meta.get("topics"), f"{path.name}: exercise {meta['id']!r} names no curriculum topic in its metadata"


def marker_lines(source, marker):
    """How many lines of a cell are exactly the marker (mentions inside prose do not count)."""
    return sum(line.strip() == marker for line in source.splitlines())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_solution_markers_are_balanced(path):
    for i, cell in enumerate(read(path).cells):
        begin = marker_lines(cell.source, "### BEGIN SOLUTION")
        end = marker_lines(cell.source, "### END SOLUTION")
        assert begin == end, f"{path.name}, cell {i}: {begin} BEGIN SOLUTION but {end} END SOLUTION"
        if begin:
            assert cell.cell_type == "code", f"{path.name}, cell {i}: solution markers outside a code cell"


# ---- the committed student versions (student/) are what tools/student.py makes now ----------

def test_student_versions_are_committed_and_fresh(tmp_path):
    import subprocess
    import sys
    subprocess.run([sys.executable, str(ROOT / "tools" / "student.py"), "--output-dir", str(tmp_path)],
                   check=True, capture_output=True)
    for path in EXERCISE_NOTEBOOKS:
        committed = ROOT / "student" / path.name
        assert committed.exists(), f"student/{path.name} is missing: run `make execute`"
        fresh = [(c.cell_type, c.source) for c in read(tmp_path / path.name).cells]
        saved = [(c.cell_type, c.source) for c in read(committed).cells]
        assert saved == fresh, f"student/{path.name} is stale: run `make execute` (or tools/student.py --output-dir student)"
    extra = {p.name for p in (ROOT / "student").glob("*.ipynb")} - {p.name for p in EXERCISE_NOTEBOOKS}
    assert extra == set(), f"student/ has notebooks with no exercise notebook: {sorted(extra)}"


@pytest.mark.parametrize("path", EXERCISE_NOTEBOOKS, ids=[p.name for p in EXERCISE_NOTEBOOKS])
def test_exercise_notebook_links_its_student_version(path):
    cells = [c for c in read(path).cells if "student-links" in c.metadata.get("tags", [])]
    assert len(cells) == 1 and f"student/{path.name}" in cells[0].source, (
        f"{path.name}: needs one cell linking student/{path.name}: run tools/student_links.py")


def test_the_slowest_files_listed_for_scheduling_exist():
    """conftest.py's SLOWEST_FIRST names files; a renamed one would silently lose its place."""
    import conftest
    missing = [path for path in conftest.SLOWEST_FIRST if not (ROOT / path).exists()]
    assert missing == [], f"conftest.SLOWEST_FIRST lists files that do not exist: {missing}"
