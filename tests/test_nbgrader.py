"""nbgrader compatibility of the exercise notebooks.

- Every exercise notebook carries complete nbgrader metadata (schema 3), exactly as
  tools/nbgrader_metadata.py derives it from the exercise structure: solution cells are
  solution=true and editable, check cells grade=true with points and locked, every other
  cell locked; grade_ids unique (across the course) and valid for nbgrader's own validator.
- The real nbgrader, on Chapter 1 in a temporary course: `nbgrader generate_assignment`
  releases a notebook without solutions whose code equals what `make student` writes, and
  `nbgrader autograde` gives the solutions (submitted as a student's work) full marks and
  the untouched release zero.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import exercise_notebooks as en  # noqa: E402
import nbgrader_metadata  # noqa: E402
import student  # noqa: E402

COURSE = en.course_exercises()
PATHS = [path for path, _, _ in COURSE]
IDS = [p.name for p in PATHS]
BIN = Path(sys.executable).parent
PIN = "pip install nbgrader==0.9.6 (pinned in requirements.txt)"


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader")


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_every_cell_carries_the_derived_nbgrader_metadata(path):
    nb = nbformat.read(path, as_version=4)
    expected = nbgrader_metadata.cell_metadata(nb, path)
    for i, (cell, want) in enumerate(zip(nb.cells, expected)):
        assert nbgrader_meta(cell) == want, (
            f"{path.name}, cell {i}: nbgrader metadata {nbgrader_meta(cell)} should be {want}. "
            f"Run: python tools/nbgrader_metadata.py chapters/{path.name}")


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_nbgrader_metadata_is_consistent_with_the_exercises(path):
    """Independent of the tool: the roles follow from the markers and the check cells."""
    nb = nbformat.read(path, as_version=4)
    exercises = {ex.check: ex for ex in en.parse_exercises(nb, path)}
    for i, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell) or {}
        place = f"{path.name}, cell {i}"
        assert meta, f"{place} has no nbgrader metadata: run python tools/nbgrader_metadata.py chapters/{path.name}"
        assert meta.get("schema_version") == 3 and isinstance(meta.get("grade_id"), str), f"{place}: {meta}"
        if cell.cell_type == "code" and en.has_markers(cell.source):
            assert meta["solution"] and not meta["grade"] and not meta["locked"], f"{place}: solution cell {meta}"
        elif i in exercises:
            ex = exercises[i]
            assert meta["grade"] and meta["locked"] and not meta["solution"], f"{place}: check cell {meta}"
            assert meta["points"] == nbgrader_metadata.POINTS[ex.difficulty], f"{place}: points for {ex.difficulty}"
            assert meta["grade_id"] == f"{ex.id}-check"
        else:
            assert meta["locked"] and not meta["grade"] and not meta["solution"], f"{place}: should be read-only {meta}"
    try:
        from nbgrader.nbgraderformat import MetadataValidator
    except ImportError:
        pytest.fail(f"nbgrader is not installed: {PIN}")
    MetadataValidator().validate_nb(nb)  # nbgrader's own check: ids present, unique, points


def test_grade_ids_are_unique_across_the_course():
    seen = {}
    for path in PATHS:
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            grade_id = (nbgrader_meta(cell) or {}).get("grade_id")
            assert grade_id, (f"{path.name}, cell {i} has no nbgrader grade_id: "
                              f"run python tools/nbgrader_metadata.py chapters/{path.name}")
            assert grade_id not in seen, f"grade_id {grade_id!r} in {path.name}, cell {i} and in {seen[grade_id]}"
            seen[grade_id] = f"{path.name}, cell {i}"


def test_stamping_is_deterministic_and_idempotent():
    path, nb, _ = COURSE[0]
    bare = nbformat.from_dict(nb)
    for cell in bare.cells:
        cell.metadata.pop("nbgrader", None)
    assert nbgrader_metadata.stamp(bare, path) is True
    assert [nbgrader_meta(c) for c in bare.cells] == [nbgrader_meta(c) for c in nbformat.read(path, as_version=4).cells]
    assert nbgrader_metadata.stamp(bare, path) is False, "a second run changed something"


def test_stamping_refuses_bad_markers():
    nb = nbformat.from_dict(COURSE[0][1])
    solution = next(i for i, c in enumerate(nb.cells) if en.has_markers(c.source))
    nb.cells[solution].source = nb.cells[solution].source.replace(en.END, "")
    with pytest.raises(en.NotebookProblem, match=rf"cell {solution}, line \d+: '### BEGIN SOLUTION' is never closed"):
        nbgrader_metadata.stamp(nb, COURSE[0][0])


# ---- the real nbgrader -----------------------------------------------------------------------

def nbgrader(course, *args):
    """Run the venv's nbgrader in the course folder; its bin/ goes first on PATH (for alembic)."""
    exe = BIN / "nbgrader"
    if not exe.exists():
        pytest.fail(f"nbgrader is not installed in {BIN}: {PIN}")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    result = subprocess.run([str(exe), *args], cwd=course, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_real_nbgrader_releases_no_solution_and_grades_the_solutions_full_marks(tmp_path):
    path, nb, exercises = COURSE[0]   # Chapter 1
    course, assignment, name = tmp_path / "course", "ch01", path.name
    (course / "source" / assignment).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'nnfs-test'\n"
        "c.Execute.timeout = 300\n")
    assert student.main(["--nbgrader-source", "--from", str(path.parent),
                         "--output-dir", str(course / "source" / assignment)]) == 0
    for other in (course / "source" / assignment).iterdir():
        if other.name != name:
            other.unlink()  # only Chapter 1 in this assignment

    nbgrader(course, "generate_assignment", assignment, "--force")
    release = nbformat.read(course / "release" / assignment / name, as_version=4)
    source_code = [c for c in nbformat.read(course / "source" / assignment / name, as_version=4).cells
                   if c.cell_type == "code"]
    released_code = [c for c in release.cells if c.cell_type == "code"]
    secret = {line.strip() for c in source_code for line in en.solution_lines(c.source) if line.strip()}
    secret -= {line.strip() for c in source_code for line in en.strip_solutions(c.source).splitlines()}
    for i, cell in enumerate(release.cells):
        leaked = [line for line in cell.source.splitlines()
                  if line.strip() in secret or (cell.cell_type == "code" and "SOLUTION" in line)]
        assert leaked == [], f"nbgrader's release, cell {i}, still has solution lines: {leaked}"
    ours = [c.source for c in student.student_notebook(nb).cells if c.cell_type == "code"]
    assert [c.source for c in released_code] == ours, "nbgrader's release differs from make student's notebook"
    assert sum(nbgrader_meta(c)["solution"] for c in released_code) == len(exercises)

    submitted = course / "submitted"
    (submitted / "solver" / assignment).mkdir(parents=True)
    (submitted / "idle" / assignment).mkdir(parents=True)
    shutil.copy(course / "source" / assignment / name, submitted / "solver" / assignment / name)
    shutil.copy(course / "release" / assignment / name, submitted / "idle" / assignment / name)
    nbgrader(course, "autograde", assignment, "--force")

    from nbgrader.api import Gradebook
    full = sum(nbgrader_metadata.POINTS[ex.difficulty] for ex in exercises)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        solver = gb.find_submission_notebook(path.stem, assignment, "solver")
        idle = gb.find_submission_notebook(path.stem, assignment, "idle")
        scores = {g.name: (g.score, g.max_score) for g in solver.grades}
        assert scores == {f"{ex.id}-check": (nbgrader_metadata.POINTS[ex.difficulty],) * 2 for ex in exercises}, scores
        assert solver.score == solver.max_score == full, f"the solutions scored {solver.score} of {solver.max_score}"
        assert idle.score == 0 and idle.max_score == full, f"the unsolved release scored {idle.score} of {full}"
