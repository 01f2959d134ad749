"""Student versions of the exercise notebooks (tools/student.py) and the exercise metadata.

- The metadata of every exercise is complete and its ids are unique across the course.
- No solution line survives in any student notebook; putting the solutions back gives the
  exercise notebook's code again, cell for cell.
- Every check cell fails on the unsolved starter (each student notebook is run once, in a
  fresh kernel, errors allowed) with a message of at most 8 lines and no traceback (in a
  converted notebook, one that says "not implemented yet"), and passed in the committed,
  executed exercise notebook (whose outputs nbval proves reproducible): so each check passes
  once its solution is back.
- A solution cell may hold several marked regions inside a kept skeleton; each becomes a stub.
- In the nbgrader source, every check cell starts with the hidden test that re-imports the
  checks; removing it, as nbgrader does, gives the check cell back unchanged.
- Student notebooks are valid nbformat with a kernelspec; an assignment of chosen
  exercises keeps the setup it needs and runs; bad markers are reported with notebook,
  cell and line, and nothing is written.
"""
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import exercise_notebooks as en  # noqa: E402
import student  # noqa: E402

COURSE = en.course_exercises()
MAX_MESSAGE_LINES = 8
PATHS = [path for path, _, _ in COURSE]
IDS = [p.name for p in PATHS]
BY_PATH = {path: (nb, exercises) for path, nb, exercises in COURSE}


def run(nb, cwd=ROOT / "chapters"):
    """Execute nb in a fresh python3 kernel, cell by cell, errors recorded instead of raised."""
    nb = nbformat.from_dict(nb)
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def error_of(cell):
    """'AssertionError: message' for a cell whose execution raised, else None."""
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            return f"{out.ename}: {out.evalue}"
    return None


def text_of(cell):
    return "".join(out.get("text", "") for out in cell.get("outputs", []) if out.output_type == "stream")


def is_check(cell, original_checks):
    return cell.cell_type == "code" and cell.source in original_checks


# ---- the exercise metadata ----------------------------------------------------------------

def test_there_are_exercises():
    assert sum(len(exs) for _, _, exs in COURSE) >= 4, "expected the exercises of at least one chapter"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_metadata_is_complete(path):
    for ex in BY_PATH[path][1]:
        meta, place = ex.meta, f"{path.name}, exercise {ex.id!r} (cell {ex.start})"
        assert set(en.METADATA_KEYS) <= set(meta) <= set(en.METADATA_KEYS) | set(en.OPTIONAL_KEYS), (
            f"{place}: metadata keys {sorted(meta)}, want {en.METADATA_KEYS} and optionally {en.OPTIONAL_KEYS}")
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", meta["id"]), f"{place}: id should look like 'vectors-cosine'"
        assert meta["chapter"] == en.chapter_number(path), f"{place}: chapter {meta['chapter']} in the wrong notebook"
        assert meta["difficulty"] in en.DIFFICULTIES, f"{place}: difficulty {meta['difficulty']!r}"
        assert isinstance(meta["minutes"], int) and 1 <= meta["minutes"] <= 120, f"{place}: minutes {meta['minutes']!r}"
        for key in ("title", "objective"):
            assert isinstance(meta[key], str) and meta[key].strip(), f"{place}: empty {key}"
        statement = BY_PATH[path][0].cells[ex.start].source
        assert meta["title"] in statement and f"{meta['minutes']} min" in statement, (
            f"{place}: the statement shows a title or time other than the metadata's")


def test_exercise_ids_are_unique_across_the_course():
    seen = {}
    for path, _, exercises in COURSE:
        for ex in exercises:
            assert ex.id not in seen, f"exercise id {ex.id!r} is used in {seen[ex.id]} and in {path.name}"
            seen[ex.id] = path.name


# ---- student notebooks: what they contain ----------------------------------------------------

@pytest.fixture(scope="module")
def students():
    return {path: student.student_notebook(BY_PATH[path][0]) for path in PATHS}


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_no_solution_line_survives(path, students):
    nb = BY_PATH[path][0]
    solution = {line.strip() for c in nb.cells if c.cell_type == "code"
                for line in en.solution_lines(c.source) if line.strip()}
    outside = {line.strip() for c in nb.cells
               for line in (en.strip_solutions(c.source) if c.cell_type == "code" else c.source).splitlines()}
    secret = solution - outside   # solution lines that appear nowhere else in the notebook
    assert secret, f"{path.name}: found no solution lines at all"
    for i, cell in enumerate(students[path].cells):
        for n, line in enumerate(cell.source.splitlines(), 1):
            assert line.strip() not in secret, f"student {path.name}, cell {i}, line {n}: solution line {line!r}"
            assert line.strip() not in (en.BEGIN, en.END), f"student {path.name}, cell {i}, line {n}: a marker"
        assert not re.search(r"\{solution-(start|end)\}", cell.source), f"student {path.name}, cell {i}: dropdown left"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_putting_the_solutions_back_gives_the_exercise_code(path, students):
    """Student code cells + the marked regions = the exercise notebook's code cells."""
    original = [c for c in BY_PATH[path][0].cells if c.cell_type == "code"]
    starters = [c for c in students[path].cells if c.cell_type == "code"]
    assert len(starters) == len(original), f"student {path.name}: {len(starters)} code cells, want {len(original)}"
    for k, (orig, mine) in enumerate(zip(original, starters)):
        regions = solution_regions(orig.source)
        assert restore(mine.source, regions) == orig.source.rstrip("\n"), (
            f"student {path.name}, code cell {k}: not the exercise's code with its solution taken out")
        if regions:
            assert "source_hidden" not in mine.metadata.get("jupyter", {}), (
                f"student {path.name}, code cell {k}: the starter cell is collapsed")


def solution_regions(source):
    """[(indent, lines)] for each marked region of a cell."""
    regions, current = [], None
    for line in source.splitlines():
        if line.strip() == en.BEGIN:
            current = (line[: len(line) - len(line.lstrip())], [])
        elif line.strip() == en.END:
            regions.append(current)
            current = None
        elif current is not None:
            current[1].append(line)
    return regions


def restore(source, regions):
    """Put each region back in place of the starter stub (the inverse of strip_solutions)."""
    lines, out, regions = source.splitlines(), [], list(regions)
    i = 0
    while i < len(lines):
        stub = [line.strip() for line in lines[i:i + 2]]
        if regions and stub == list(en.STUB):
            indent, body = regions.pop(0)
            assert lines[i].startswith(indent) and len(lines[i]) - len(lines[i].lstrip()) == len(indent), (
                f"the stub is indented {lines[i]!r}, the marker was indented {indent!r}")
            out += [indent + en.BEGIN, *body, indent + en.END]
            i += 2
        else:
            out.append(lines[i])
            i += 1
    assert not regions, "a solution region has no starter stub in the student notebook"
    return "\n".join(out)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_student_notebook_is_valid_and_clean(path, students, tmp_path):
    nb = students[path]
    target = tmp_path / path.name
    student.write(nb, target)  # validates too
    again = nbformat.read(target, as_version=4)
    nbformat.validate(again)
    assert again.metadata["kernelspec"]["name"] == "python3", f"student {path.name}: no python3 kernelspec"
    for i, cell in enumerate(again.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"student {path.name}, cell {i}: not cleared"
        assert "execution" not in cell.metadata and "nbgrader" not in cell.metadata, (
            f"student {path.name}, cell {i}: keeps execution timings or nbgrader metadata")
    ids = [c["id"] for c in again.cells]
    assert len(set(ids)) == len(ids), f"student {path.name}: duplicate cell ids"


# ---- student notebooks: the checks fail unsolved and passed solved ------------------------------

@pytest.fixture(scope="module")
def unsolved(students):
    """Each student notebook executed once, unsolved, in a fresh kernel."""
    return {path: run(nb) for path, nb in students.items()}


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_every_check_fails_unsolved_and_passed_solved(path, unsolved):
    nb, exercises = BY_PATH[path]
    checks = {nb.cells[ex.check].source: ex for ex in exercises}
    ran = unsolved[path]
    failing = {}
    for i, cell in enumerate(ran.cells):
        error = error_of(cell)
        if is_check(cell, checks):
            failing[checks[cell.source].id] = error
        elif error:
            # Outside the checks only a starter may raise (at top level, NotImplementedError).
            assert "NotImplementedError" in error and "# YOUR CODE HERE" in cell.source, (
                f"student {path.name}, cell {i} raised {error!r}: the setup a student runs must not fail")
    assert set(failing) == {ex.id for ex in exercises}, f"student {path.name}: check cells missing"
    passes_unsolved = [ex_id for ex_id, error in failing.items() if error is None]
    assert passes_unsolved == [], f"student {path.name}: these checks pass without any code written: {passes_unsolved}"
    for ex_id, error in failing.items():
        lines = error.splitlines()
        assert len(lines) <= MAX_MESSAGE_LINES and "Traceback" not in error, (
            f"student {path.name}: the unsolved check of {ex_id!r} says more than {MAX_MESSAGE_LINES} lines: {error}")
        if path.stem not in en.pending_notebooks():
            assert "not implemented yet" in error, (
                f"student {path.name}: the unsolved check of {ex_id!r} should say 'not implemented yet': {error}")
    # The solved side: the committed, executed exercise notebook (nbval re-runs it).
    for ex in exercises:
        cell = nb.cells[ex.check]
        assert cell.execution_count, (
            f"{path.name}, cell {ex.check}: the check of {ex.id!r} was never executed: run `make execute`")
        assert error_of(cell) is None, (
            f"{path.name}, cell {ex.check}: the check of {ex.id!r} fails with the solution: {error_of(cell)}")
        assert any(line.startswith("✔") for line in text_of(cell).splitlines()), (
            f"{path.name}, cell {ex.check}: the check of {ex.id!r} printed no ✔ line with the solution")


# ---- assignments: chosen exercises in one notebook -------------------------------------------------

def test_selection_by_chapter_and_id():
    every = [ex for _, _, exs in COURSE for ex in exs]
    first = every[0].chapter
    assert [ex.id for ex in student.select(COURSE, chapters=[first])] == [ex.id for ex in every if ex.chapter == first]
    picked = [every[-1].id, every[0].id]
    assert [ex.id for ex in student.select(COURSE, ids=picked)] == [every[0].id, every[-1].id], "course order"
    with pytest.raises(en.NotebookProblem, match="unknown exercise id.*no-such-exercise"):
        student.select(COURSE, ids=["no-such-exercise"])
    with pytest.raises(en.NotebookProblem, match="no exercises for chapter"):
        student.select(COURSE, chapters=[99])


def test_assignment_of_chosen_exercises_runs_with_its_setup():
    """Two exercises of the first chapter, solutions kept: the setup suffices and both checks pass."""
    path, nb, exercises = COURSE[0]
    chosen = [exercises[1], exercises[-1]]
    assignment = student.assignment_notebook([COURSE[0]], chosen, nbgrader_source=True)
    nbformat.validate(assignment)
    titles = assignment.cells[0].source
    assert all(ex.title in titles for ex in chosen) and str(sum(ex.minutes for ex in chosen)) in titles
    assert assignment.cells[0].metadata["nbgrader"]["locked"], "the assignment's title cell should be read-only"
    grade_ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in assignment.cells]
    left_out = [ex for ex in exercises if ex not in chosen]
    for ex in left_out:
        assert f"{ex.id}-check" not in grade_ids, f"{ex.id} was not chosen but its check is in the assignment"
    ran = run(assignment)
    errors = [(i, error_of(c)) for i, c in enumerate(ran.cells) if error_of(c)]
    assert errors == [], f"the assignment with solutions raised: {errors}"
    for ex in chosen:
        check = ran.cells[grade_ids.index(f"{ex.id}-check")]
        assert check.source.startswith(student.HIDDEN_BEGIN), f"{ex.id}: the check has no hidden test"
        assert check.source.endswith(nb.cells[ex.check].source), f"{ex.id}: the check cell was changed"
        assert "✔" in text_of(check), f"{ex.id}: check printed no ✔ in the assignment"
    starter = student.assignment_notebook([COURSE[0]], chosen)
    assert sum("raise NotImplementedError()" in c.source for c in starter.cells) == len(chosen)


# ---- small synthetic notebooks: markers and dependencies ------------------------------------------

def exercise_cells(ex_id, solution_source, check_source, difficulty="easy"):
    meta = {"id": ex_id, "chapter": 9, "title": f"Title of {ex_id}", "difficulty": difficulty,
            "minutes": 5, "objective": "testing"}
    statement = nbformat.v4.new_markdown_cell(
        f"```{{exercise-start}} Title of {ex_id}\n:label: {ex_id}\n```\n**Difficulty:** {difficulty} · 5 min\n\n"
        "```{exercise-end}\n```", metadata={"exercise": meta})
    return [statement,
            nbformat.v4.new_markdown_cell(f"```{{solution-start}} {ex_id}\n:class: dropdown\n```"),
            nbformat.v4.new_code_cell(solution_source),
            nbformat.v4.new_markdown_cell("```{solution-end}\n```"),
            nbformat.v4.new_code_cell(check_source)]


def synthetic(extra_cells=(), solution="def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(student.KERNELSPEC)
    nb.cells = [nbformat.v4.new_markdown_cell("# Exercises: Test"),
                nbformat.v4.new_code_cell("import numpy as np"),
                *exercise_cells("test-double", solution, "assert f(2) == 4"),
                *exercise_cells("test-use", "def g(x):\n    ### BEGIN SOLUTION\n    return f(x) + 1\n    ### END SOLUTION",
                                "assert g(1) == 3", "medium"),
                *extra_cells]
    return nb


def problems_of(nb):
    return en.marker_problems(nb, "09_test_exercises.ipynb")


def without_hidden_tests(source):
    """What nbgrader's ClearHiddenTests leaves of a cell: the lines outside the hidden regions."""
    out, inside = [], False
    for line in source.split("\n"):
        if "BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "END HIDDEN TESTS" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_nbgrader_source_checks_start_with_the_hidden_test(path):
    nb, exercises = BY_PATH[path]
    source = student.student_notebook(nb, nbgrader_source=True, path=path)
    checks_by_id = {c.metadata["nbgrader"]["grade_id"]: c for c in source.cells
                    if c.metadata.get("nbgrader", {}).get("grade")}
    assert set(checks_by_id) == {f"{ex.id}-check" for ex in exercises}
    for ex in exercises:
        cell = checks_by_id[f"{ex.id}-check"]
        assert cell.source.startswith(student.HIDDEN_BEGIN) and "_importlib.reload(_part)" in cell.source
        assert without_hidden_tests(cell.source) == nb.cells[ex.check].source, (
            f"{path.name}: removing the hidden test from {ex.id}'s check does not give the check back")
    prose = [c.source for c in source.cells if c.cell_type == "markdown"]
    assert not any("BEGIN HIDDEN TESTS" in text or "BEGIN SOLUTION" in text for text in prose)


def test_setup_imports_are_collected_once_in_order():
    cells = [nbformat.v4.new_code_cell("import numpy as np\nx = 1\nfrom nnlib.course import checks, linalg"),
             nbformat.v4.new_code_cell("import numpy as np\nimport nnlib"),
             nbformat.v4.new_code_cell("import subprocess", metadata={"tags": ["remove-cell"]}),
             nbformat.v4.new_markdown_cell("import this")]
    assert student.setup_imports(cells) == ["import numpy as np", "from nnlib.course import checks, linalg",
                                            "import nnlib"]


def test_several_regions_in_one_skeleton_become_one_stub_each():
    source = ("def f(x):\n    \"\"\"Twice x plus one.\"\"\"\n    # TODO: twice x\n    ### BEGIN SOLUTION\n"
              "    y = 2 * x\n    ### END SOLUTION\n    # TODO: plus one\n    ### BEGIN SOLUTION\n"
              "    y = y + 1\n    ### END SOLUTION\n    return y")
    nb = synthetic(solution=source)
    assert problems_of(nb) == []
    starter = en.strip_solutions(source)
    assert starter == ("def f(x):\n    \"\"\"Twice x plus one.\"\"\"\n    # TODO: twice x\n    # YOUR CODE HERE\n"
                       "    raise NotImplementedError()\n    # TODO: plus one\n    # YOUR CODE HERE\n"
                       "    raise NotImplementedError()\n    return y")
    assert restore(starter, solution_regions(source)) == source


def test_good_markers_pass_and_prose_mentions_are_fine():
    nb = synthetic([nbformat.v4.new_markdown_cell("Write between `### BEGIN SOLUTION` and `### END SOLUTION`.")])
    assert problems_of(nb) == []
    assert en.strip_solutions(nb.cells[4].source) == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"


@pytest.mark.parametrize("solution, expected", [
    ("def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x", r"cell 4, line 2: '### BEGIN SOLUTION' is never closed"),
    ("def f(x):\n    return 2 * x\n    ### END SOLUTION", r"cell 4, line 3: '### END SOLUTION' without a '### BEGIN SOLUTION'"),
    ("### BEGIN SOLUTION\nx = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION", r"cell 4, line 3: nested '### BEGIN SOLUTION'"),
    ("x = 1  ### BEGIN SOLUTION\n### END SOLUTION", r"cell 4, line 1: 'x = 1  ### BEGIN SOLUTION' is not a marker line"),
], ids=["unclosed", "end-without-begin", "nested", "not-a-whole-line"])
def test_bad_markers_in_code_are_reported_with_cell_and_line(solution, expected):
    found = problems_of(synthetic(solution=solution))
    assert any(re.search(r"09_test_exercises\.ipynb, " + expected, p) for p in found), found


def test_marker_lines_in_markdown_are_reported():
    nb = synthetic([nbformat.v4.new_markdown_cell("Solution:\n### BEGIN SOLUTION\nuse 2 * x\n### END SOLUTION")])
    found = problems_of(nb)
    assert [p.split(":")[0] for p in found] == ["09_test_exercises.ipynb, cell 12, line 2",
                                                "09_test_exercises.ipynb, cell 12, line 4"], found
    assert all("markdown cell" in p for p in found)


def test_bad_markers_stop_the_tool_before_it_writes_anything(tmp_path, capsys):
    good, bad = tmp_path / "src" / "08_good_exercises.ipynb", tmp_path / "src" / "09_test_exercises.ipynb"
    good.parent.mkdir()
    nbformat.write(synthetic(), str(good))
    nbformat.write(synthetic(solution="def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x"), str(bad))
    out = tmp_path / "out"
    assert student.main(["--from", str(good.parent), "--output-dir", str(out)]) == 1
    err = capsys.readouterr().err
    assert "nothing written" in err and "09_test_exercises.ipynb, cell 4, line 2" in err, err
    assert not out.exists(), "a file was written although a notebook has bad markers"
    bad.unlink()
    assert student.main(["--from", str(good.parent), "--output-dir", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["08_good_exercises.ipynb"]


def test_an_assignment_that_misses_a_needed_exercise_is_refused():
    course = [(Path("09_test_exercises.ipynb"), synthetic(), en.parse_exercises(synthetic(), "09_test_exercises.ipynb"))]
    with pytest.raises(en.NotebookProblem, match="exercise 'test-use' uses 'f', which only exercise 'test-double' defines"):
        student.assignment_notebook(course, [course[0][2][1]])
    both = student.assignment_notebook(course, course[0][2])
    assert [c.source for c in both.cells if c.cell_type == "code"][0] == "import numpy as np", "setup cell kept"


def test_a_follow_up_cell_of_a_left_out_exercise_is_left_out_too():
    follow_up = nbformat.v4.new_code_cell("print(f(10))")
    nb = synthetic()
    nb.cells.insert(7, follow_up)   # after test-double's check, before test-use
    nb.cells[-1].source = "assert 1 + 1 == 2"
    nb.cells[-3].source = "def g(x):\n    ### BEGIN SOLUTION\n    return x + 2\n    ### END SOLUTION"
    course = [(Path("09_test_exercises.ipynb"), nb, en.parse_exercises(nb, "09_test_exercises.ipynb"))]
    only_second = student.assignment_notebook(course, [course[0][2][1]])
    sources = [c.source for c in only_second.cells]
    assert "import numpy as np" in sources and "print(f(10))" not in sources
