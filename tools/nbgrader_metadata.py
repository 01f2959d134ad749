"""Stamp nbgrader cell metadata on exercise notebooks, derived from their exercise structure.

Usage:
    python tools/nbgrader_metadata.py chapters/01_vectors_exercises.ipynb [...]   write it
    python tools/nbgrader_metadata.py --check chapters/*_exercises.ipynb         only report

Every cell gets `metadata.nbgrader` (schema_version 3), computed from the structure that
tools/exercise_notebooks.py reads, so running it again changes nothing:

| cell                                         | solution | grade | locked | grade_id               |
| -------------------------------------------- | -------- | ----- | ------ | ---------------------- |
| a code cell with ### BEGIN/END SOLUTION      | true     | false | false  | <exercise id>-solution |
| the check cell after an exercise's solution  | false    | true  | true   | <exercise id>-check    |
| the exercise statement (exercise-start cell) | false    | false | true   | <exercise id>-exercise |
| the solution-start / solution-end cells      | false    | false | true   | <id>-solution-start/-end |
| any other cell of an exercise                | false    | false | true   | <exercise id>-cell-K   |
| cells outside exercises (setup, prose)       | false    | false | true   | chNN-cell-K            |

A check cell is worth POINTS[difficulty] points (easy 1, medium 2, hard 3). K counts from 1
within the exercise, or among the cells outside exercises. A second solution cell of one
exercise is <id>-solution-2. Ids are unique across the course, because exercise ids are,
so exercises of several chapters can share one nbgrader assignment.

Only metadata changes; the file is rewritten only when it differs. Bad solution markers or
a broken exercise structure are reported (notebook, cell, line) and nothing is written.
"""
import argparse
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from exercise_notebooks import (DIRECTIVE, NotebookProblem, chapter_number, display_name, where,  # noqa: E402
                                has_markers, marker_problems, parse_exercises, read)

POINTS = {"easy": 1, "medium": 2, "hard": 3}
SCHEMA_VERSION = 3


def cell_metadata(nb, path):
    """The nbgrader metadata every cell of nb should carry, as a list (one dict per cell)."""
    name = display_name(path)
    problems = marker_problems(nb, name)
    if problems:
        raise NotebookProblem(problems)
    exercises = parse_exercises(nb, path)
    owner = {i: ex for ex in exercises for i in ex.cells}
    chapter = chapter_number(path) or (exercises[0].chapter if exercises else 0)
    counters, result, seen = {}, [], {}

    def numbered(key):
        counters[key] = counters.get(key, 0) + 1
        return counters[key]

    for i, cell in enumerate(nb.cells):
        ex = owner.get(i)
        meta = {"grade": False, "locked": True, "schema_version": SCHEMA_VERSION, "solution": False, "task": False}
        kinds = {m.group(1) for m in DIRECTIVE.finditer(cell.source)} if cell.cell_type == "markdown" else set()
        if cell.cell_type == "code" and has_markers(cell.source):
            meta.update(solution=True, locked=False)
            k = numbered((ex.id if ex else f"ch{chapter:02d}", "solution"))
            grade_id = f"{ex.id if ex else f'ch{chapter:02d}'}-solution" + (f"-{k}" if k > 1 else "")
        elif ex is not None and i == ex.check:
            meta.update(grade=True, points=POINTS[ex.difficulty])
            grade_id = f"{ex.id}-check"
        elif ex is not None and i == ex.start:
            grade_id = f"{ex.id}-exercise"
        elif ex is not None and kinds & {"solution-start", "solution-end"}:
            grade_id = f"{ex.id}-" + "-".join(sorted(kinds & {"solution-start", "solution-end"}, reverse=True))
        elif ex is not None:
            grade_id = f"{ex.id}-cell-{numbered((ex.id, 'cell'))}"
        else:
            grade_id = f"ch{chapter:02d}-cell-{numbered('outside')}"
        if grade_id in seen:
            problems.append(f"{where(name, i)}: grade_id {grade_id!r} is already used by cell {seen[grade_id]}")
        seen[grade_id] = i
        meta["grade_id"] = grade_id
        result.append(dict(sorted(meta.items())))
    if problems:
        raise NotebookProblem(problems)
    return result


def where(name, i):
    return f"{name}, cell {i}"


def stamp(nb, path):
    """Set the nbgrader metadata of every cell of nb (in place); return True if anything changed."""
    changed = False
    for cell, meta in zip(nb.cells, cell_metadata(nb, path)):
        if cell.metadata.get("nbgrader") != meta:
            cell.metadata["nbgrader"] = nbformat.from_dict(meta)
            changed = True
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(description="Stamp nbgrader cell metadata on exercise notebooks.")
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if any notebook's metadata is missing or out of date")
    args = parser.parse_args(argv)
    stale, failed = [], False
    for path in args.notebooks:
        nb = read(path)
        try:
            changed = stamp(nb, path)
        except NotebookProblem as err:
            failed = True
            print(f"nbgrader_metadata.py: {display_name(path)} not stamped:", file=sys.stderr)
            for line in err.problems:
                print(f"  {line}", file=sys.stderr)
            continue
        if changed and args.check:
            stale.append(path)
            print(f"out of date: {display_name(path)} (run python tools/nbgrader_metadata.py {display_name(path)})")
        elif changed:
            nbformat.validate(nb)
            nbformat.write(nb, str(path))
            print(f"stamped {display_name(path)}")
        else:
            print(f"up to date: {display_name(path)}")
    return 1 if failed or stale else 0


if __name__ == "__main__":
    sys.exit(main())
