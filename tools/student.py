"""Write student versions of the exercise notebooks: solutions out, starters in, checks kept.

Usage (through `make student ARGS="..."`, or directly with the course's Python):

    python tools/student.py                          every exercise notebook, one student notebook
                                                     each, into _build/student/
    python tools/student.py --output-dir student chapters/03_activations_exercises.ipynb
                                                     the student version of one notebook
    python tools/student.py --chapter 1 3            the exercises of chapters 1 and 3 as ONE
                                                     assignment notebook (_build/student/assignment.ipynb)
    python tools/student.py --id vectors-cosine neurons-nand --output hw1.ipynb
    python tools/student.py --nbgrader-source --output-dir course/source/ps1
                                                     nbgrader's source version (see below)

What a student notebook is, compared with its exercise notebook:
- In every code cell, each region between `### BEGIN SOLUTION` and `### END SOLUTION` becomes
  `# YOUR CODE HERE` / `raise NotImplementedError()` at the marker's indentation; lines
  outside the markers (the `def` line) stay. The starter cell is shown (not collapsed).
- The solution dropdowns are removed: the markdown from ```{solution-start}``` to
  ```{solution-end}``` (those cells, and any solution prose between them).
- Everything else stays, check cells included. Outputs are cleared, execution counts reset,
  per-cell execution timings and nbgrader metadata dropped.

Selecting exercises (--chapter, --id, or --output alone for all of them) builds one
assignment notebook: a title cell listing the exercises, the bootstrap cell once, then for
each notebook involved its setup code cells and the selected exercises, in course order.
Setup cells are the code cells outside any exercise up to the last selected one, less those
that only serve an exercise left out (they read a name that only such an exercise defines).
If a selected exercise needs a name that only a left-out exercise defines, the tool stops
and says which exercise to add.

--nbgrader-source keeps the solutions and the nbgrader cell metadata (written by
tools/nbgrader_metadata.py) and removes only the solution dropdowns: this is the notebook
to put in an nbgrader course's source/<assignment>/ folder. nbgrader's generate_assignment
then replaces the marked regions itself. Three things are done here for nbgrader: the
dropdown cells are removed, because nbgrader would copy them as raw MyST text into the
students' release (and keep the starter cells collapsed); prose that mentions the markers
gets a no-break space inside them, because nbgrader takes any line that contains
"BEGIN SOLUTION", even in a markdown cell, for the start of a solution region; and every
check cell starts with a hidden test (HIDDEN_PRELUDE) that runs the notebook's imports again
and re-executes nnlib.course.checks, so that a solution cell that replaces a check function
or rebinds `checks` (or `np`, `linalg`, ...) cannot earn marks under `nbgrader autograde`.
nbgrader removes the hidden block from the students' release and restores it from its
database when it grades, so students see the check cells exactly as in the book.

Bad solution markers (unbalanced, nested, or marker lines in a markdown cell) are listed
with notebook, cell (counted from 0) and line, and nothing is written: exit status 1.
"""
import argparse
import re
import ast
import copy
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from exercise_notebooks import (CHAPTERS, DIRECTIVE, ROOT, NotebookProblem, display_name,  # noqa: E402
                                exercise_notebooks, has_markers, marker_problems, names,
                                parse_exercises, read, strip_solutions)

NBSP = "\u00a0"
OUT_DIR = ROOT / "_build" / "student"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
STUDENT_NOTE = ("*Student version: the worked solutions are removed. Write your code where a cell "
                "says `# YOUR CODE HERE` (delete the `raise NotImplementedError()` line), run it, "
                "then run the check cell below it.*")
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
HIDDEN_PRELUDE = """{begin}
# Autograding: run the notebook's imports again and re-execute the checks module, so that
# the check below uses the real checks even if a solution cell replaced or rebound them.
{imports}
import importlib as _importlib
import nnlib.course._feedback, nnlib.course._running, nnlib.course.checks
for _part in (nnlib.course._feedback, nnlib.course._running, nnlib.course.checks):
    _importlib.reload(_part)
checks = nnlib.course.checks
{end}"""


def setup_imports(cells):
    """The import statements at the top level of the given code cells, once each, in order.

    The bootstrap cell (tagged remove-cell) is left out: it installs nnlib where it is missing.
    """
    found = []
    for cell in cells:
        if cell.cell_type != "code" or "remove-cell" in cell.metadata.get("tags", []):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        found += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return list(dict.fromkeys(found))


def hidden_prelude(imports):
    """The hidden test that starts every check cell of an nbgrader source notebook."""
    return HIDDEN_PRELUDE.format(begin=HIDDEN_BEGIN, end=HIDDEN_END, imports="\n".join(imports))


def _without_solution_prose(source, inside):
    """Markdown source less everything from a solution-start to its solution-end.

    `inside` says whether the cell starts inside a solution; returns (kept text, inside at
    the end of the cell). A cell with no solution directives, outside a solution, is kept whole.
    """
    kept, pos = [], 0
    for m in DIRECTIVE.finditer(source):
        if m.group(1) == "solution-start" and not inside:
            kept.append(source[pos:m.start()])
            inside = True
        elif m.group(1) == "solution-end" and inside:
            inside = False
            pos = m.end()
    if not inside:
        kept.append(source[pos:])
    text = "".join(kept)
    return (source if text == source else text.strip("\n")), inside


def convert_cells(cells, nbgrader_source=False, preludes=None):
    """Student (or nbgrader source) copies of cells, given in notebook order.

    The solution dropdowns (markdown from solution-start to solution-end) are dropped; code
    cells are stripped of their solutions unless nbgrader_source; outputs, execution counts
    and timings are cleared. nbgrader metadata is kept only in the nbgrader source, where
    prose that mentions the markers gets a no-break space inside them ("BEGIN\u00a0SOLUTION",
    which looks the same): nbgrader takes any line containing "BEGIN SOLUTION", even in a
    markdown cell, for the start of a solution region. In the nbgrader source, the cell at
    position k of `cells` starts with preludes[k] when given (the check cells' hidden test).
    """
    out, inside = [], False
    for k, cell in enumerate(cells):
        cell = copy.deepcopy(cell)
        if cell.cell_type == "code":
            if has_markers(cell.source) or inside:
                if not nbgrader_source:
                    cell.source = strip_solutions(cell.source)
                jupyter = cell.metadata.get("jupyter", {})
                jupyter.pop("source_hidden", None)
                if not jupyter:
                    cell.metadata.pop("jupyter", None)
            if nbgrader_source and preludes and k in preludes:
                cell.source = preludes[k] + "\n" + cell.source
            cell.outputs = []
            cell.execution_count = None
        else:
            cell.source, inside = _without_solution_prose(cell.source, inside)
            if not cell.source.strip():
                continue  # solution prose, or a cell that held only the dropdown's directive
            if nbgrader_source:
                for words in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
                    cell.source = cell.source.replace(words, words.replace(" ", NBSP))
        cell.metadata.pop("execution", None)
        if not nbgrader_source:
            cell.metadata.pop("nbgrader", None)
        out.append(cell)
    return out


def _fresh_notebook(source_nb):
    nb = nbformat.v4.new_notebook()
    nb.metadata = copy.deepcopy(source_nb.metadata)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    return nb


def _unique_ids(nb):
    """Make cell ids unique (cells copied from several notebooks may share one)."""
    seen = set()
    for cell in nb.cells:
        base = cell.get("id") or "cell"
        new, k = base, 1
        while new in seen:
            k += 1
            new = f"{base}-{k}"
        cell["id"] = new
        seen.add(new)


_NOTEBOOK_LINK = re.compile(r"\]\((?![a-z]+:|#|/|\.\./)([^)#\s]+\.ipynb)(#[^)\s]*)?\)")


def lessons_linked_from_student(source):
    """Markdown whose links to lesson notebooks work from student/: `(01_x.ipynb)` becomes
    `(../chapters/01_x.ipynb)`; links to exercise notebooks stay (their student versions sit
    next to each other in student/)."""
    def fix(m):
        target, anchor = m.group(1), m.group(2) or ""
        if target.endswith("_exercises.ipynb"):
            return m.group(0)
        return f"](../chapters/{target}{anchor})"
    return _NOTEBOOK_LINK.sub(fix, source)


def student_notebook(nb, nbgrader_source=False, path="exercises.ipynb"):
    """The student version of one whole exercise notebook."""
    out = _fresh_notebook(nb)
    out.nbformat_minor = nb.nbformat_minor
    preludes = None
    if nbgrader_source:
        exercises = parse_exercises(nb, path)
        owner = {i for ex in exercises for i in ex.cells}
        preludes = {ex.check: hidden_prelude(setup_imports([c for i, c in enumerate(nb.cells[:ex.check])
                                                             if i not in owner]))
                    for ex in exercises}
    out.cells = [c for c in convert_cells(nb.cells, nbgrader_source, preludes)
                 if "student-links" not in c.metadata.get("tags", [])]  # see tools/student_links.py
    if not nbgrader_source:
        for cell in out.cells:
            if cell.cell_type == "markdown":
                cell.source = lessons_linked_from_student(cell.source)
        first_markdown = next((k for k, c in enumerate(out.cells) if c.cell_type == "markdown"), -1)
        note = nbformat.v4.new_markdown_cell(STUDENT_NOTE)
        note["id"] = "student-version-note"
        out.cells.insert(first_markdown + 1, note)
    _unique_ids(out)
    return out


def check_notebooks(loaded):
    """Raise NotebookProblem listing every marker or structure problem of [(path, nb)]."""
    problems = []
    for path, nb in loaded:
        found = marker_problems(nb, display_name(path))
        problems += found
        if not found:
            try:
                parse_exercises(nb, path)
            except NotebookProblem as err:
                problems += err.problems
    if problems:
        raise NotebookProblem(problems)


def select(course, chapters=(), ids=()):
    """The exercises chosen by chapter numbers and/or ids (all when neither is given)."""
    every = [ex for _, _, exercises in course for ex in exercises]
    known_ids = {ex.id for ex in every}
    unknown = [i for i in ids if i not in known_ids]
    known_chapters = sorted({ex.chapter for ex in every})
    absent = [c for c in chapters if c not in known_chapters]
    if unknown or absent:
        lines = []
        if unknown:
            lines.append(f"unknown exercise id(s) {unknown}; known ids: {sorted(known_ids)}")
        if absent:
            lines.append(f"no exercises for chapter(s) {absent}; chapters with exercises: {known_chapters}")
        raise NotebookProblem(lines)
    if not chapters and not ids:
        return every
    return [ex for ex in every if ex.chapter in chapters or ex.id in ids]


def assignment_notebook(course, chosen, nbgrader_source=False):
    """One notebook with the chosen exercises and the setup cells they need to run.

    course is [(path, nb, exercises)] in course order; chosen is a list of Exercise.
    """
    chosen_ids = {ex.id for ex in chosen}
    nb = _fresh_notebook(course[0][1])
    lines = [f"- Chapter {ex.chapter}: **{ex.title}** ({ex.difficulty}, about {ex.minutes} min) — {ex.objective}"
             for ex in chosen]
    title = nbformat.v4.new_markdown_cell(
        "# Assignment\n\n"
        f"{len(chosen)} exercise(s), about {sum(ex.minutes for ex in chosen)} minutes in all:\n\n"
        + "\n".join(lines) + "\n\nRun the cells from the top. In each exercise, write your code where a cell "
        "says `# YOUR CODE HERE`, run it, then run the check cell below it: it prints a line "
        "starting with ✔ when you are right, and otherwise stops with a message saying what is wrong.")
    title["id"] = "assignment-title"
    if nbgrader_source:   # read-only in the release, like every cell that is not an answer
        title.metadata["nbgrader"] = {"grade": False, "grade_id": "assignment-title", "locked": True,
                                      "schema_version": 3, "solution": False, "task": False}
    cells, seen_sources, problems = [title], set(), []
    for path, source_nb, exercises in course:
        wanted = [ex for ex in exercises if ex.id in chosen_ids]
        if not wanted:
            continue
        owner = {i: ex for ex in exercises for i in ex.cells}
        defined_kept, defined_dropped = set(), {}
        picked, checks_at = [], []
        for i, cell in enumerate(source_nb.cells[: wanted[-1].check + 1]):
            ex = owner.get(i)
            defined, used = names(cell.source) if cell.cell_type == "code" else (set(), set())
            used -= defined
            if ex is not None and ex.id not in chosen_ids:
                for n in defined - defined_kept:
                    defined_dropped.setdefault(n, ex.id)
                continue
            if ex is None and cell.cell_type != "code":
                continue  # prose between exercises is left out of an assignment
            needs = {n: defined_dropped[n] for n in used - defined_kept if n in defined_dropped}
            if ex is None and needs:
                for n in defined:
                    defined_dropped.setdefault(n, next(iter(needs.values())))
                continue  # a cell that serves only a left-out exercise
            if needs:
                for n, other in sorted(needs.items()):
                    problems.append(f"{display_name(path)}, cell {i}: exercise {ex.id!r} uses {n!r}, which "
                                    f"only exercise {other!r} defines: select {other!r} as well")
            defined_kept |= defined
            if ex is None and cell.source in seen_sources:
                continue  # the bootstrap cell, once
            seen_sources.add(cell.source)
            if ex is not None and i == ex.check:
                checks_at.append((len(picked), i))
            picked.append(cell)
        # Each check's hidden test re-runs the imports of the setup cells above it.
        preludes = {k: hidden_prelude(setup_imports([c for j, c in enumerate(source_nb.cells[:i])
                                                     if owner.get(j) is None]))
                    for k, i in checks_at}
        cells += convert_cells(picked, nbgrader_source, preludes)
    if problems:
        raise NotebookProblem(problems)
    nb.cells = cells
    _unique_ids(nb)
    return nb


def write(nb, path):
    nbformat.validate(nb)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Write student versions of the exercise notebooks (solutions replaced by starters).")
    parser.add_argument("--chapter", type=int, nargs="+", default=[], metavar="N",
                        help="put the exercises of these chapters into one assignment notebook")
    parser.add_argument("--id", nargs="+", default=[], metavar="ID", dest="ids",
                        help="put these exercises (by id, e.g. vectors-cosine) into one assignment notebook")
    parser.add_argument("--output", type=Path,
                        help="the assignment notebook to write (default: _build/student/assignment.ipynb)")
    parser.add_argument("--output-dir", type=Path, default=OUT_DIR,
                        help="where one student notebook per exercise notebook goes (default: _build/student)")
    parser.add_argument("--nbgrader-source", action="store_true",
                        help="keep the solutions and nbgrader metadata, drop only the solution dropdowns "
                             "(the source version for an nbgrader course)")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="only these exercise notebooks (default: every one in the --from folder)")
    parser.add_argument("--from", dest="folder", type=Path, default=CHAPTERS,
                        help="the folder of exercise notebooks (default: chapters/)")
    args = parser.parse_args(argv)

    paths = [p.resolve() for p in args.notebooks] or exercise_notebooks(args.folder)
    if not paths:
        print(f"student.py: no *_exercises.ipynb in {args.folder}", file=sys.stderr)
        return 1
    loaded = [(p, read(p)) for p in paths]
    try:
        check_notebooks(loaded)
        course = [(p, nb, parse_exercises(nb, p)) for p, nb in loaded]
        if args.chapter or args.ids or args.output:
            chosen = select(course, args.chapter, args.ids)
            # Only the notebooks that contribute exercises go into the assignment.
            course = [entry for entry in course if any(ex in chosen for ex in entry[2])]
            outputs = {args.output or OUT_DIR / "assignment.ipynb":
                       assignment_notebook(course, chosen, args.nbgrader_source)}
        else:
            outputs = {args.output_dir / p.name: student_notebook(nb, args.nbgrader_source, p)
                       for p, nb, _ in course}
    except NotebookProblem as err:
        print(f"student.py: nothing written; fix these {len(err.problems)} problem(s) first:", file=sys.stderr)
        for line in err.problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    for path, nb in outputs.items():
        write(nb, path)
        n = sum(c.cell_type == "code" for c in nb.cells)
        print(f"wrote {display_name(path)} ({len(nb.cells)} cells, {n} code)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
