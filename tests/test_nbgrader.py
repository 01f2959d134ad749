"""nbgrader compatibility of the exercise notebooks.

- Every exercise notebook carries complete nbgrader metadata (schema 3), exactly as
  tools/nbgrader_metadata.py derives it from the exercise structure: solution cells are
  solution=true and editable, check cells grade=true with points and locked, every other
  cell locked; grade_ids unique (across the course) and valid for nbgrader's own validator.
- The real nbgrader, on Chapter 1 in a temporary course, run once for the whole file (one
  generate_assignment, then the autograding of two submissions, through nbgrader's Python
  API): the release has no solution and equals what `make student` writes; the solutions
  submitted as a student's work get full marks and the stubs none; and a student who
  replaces a check function or rebinds `checks` in a solution cell gets no marks for the
  wrong answers behind them, because each check cell of the nbgrader source starts with a
  hidden test that re-imports the checks (tools/student.py). In-process, the same cheats
  pass the check cells as students see them.
"""
import contextlib
import importlib
import io
import os
import sys
import warnings
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
# Through nbgrader's own Python API (NbGraderAPI, which its formgrader uses): the same
# GenerateAssignment and Autograde converters that `nbgrader generate_assignment` and
# `nbgrader autograde` run, configured from the course's nbgrader_config.py, but imported
# once: each start of the command line costs about 5 s of CPU before it does anything.

@contextlib.contextmanager
def nbgrader_environment():
    """The venv's bin/ first on PATH (nbgrader runs `alembic` for its database) and one BLAS thread."""
    if not (BIN / "nbgrader").exists():
        pytest.fail(f"nbgrader is not installed in {BIN}: {PIN}")
    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        mp.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            mp.setenv(var, "1")
        warnings.simplefilter("ignore")   # nbgrader's own SQLAlchemy warnings
        yield


def nbgrader_api(course):
    """NbGraderAPI for the course folder, configured by its nbgrader_config.py."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def succeeded(result, what):
    assert result["success"], f"nbgrader {what} failed:\n{result.get('error', '')[-3000:]}\n{result.get('log', '')[-3000:]}"


# What a student who cheats writes into two solution cells: one replaces a function of the
# checks module, the other rebinds the name `checks`; both answers are wrong.
CHEATS = {
    "vectors-euclidean": (
        "from nnlib.course import checks as _c\n"
        "_c.check_function = lambda *args, **kwargs: print('\u2714 all right')\n"
        "def my_euclidean_distance(u, v):\n"
        "    return 0.0"),
    "vectors-count": (
        "class _AlwaysRight:\n"
        "    def __getattr__(self, name):\n"
        "        return lambda *args, **kwargs: print('\u2714 all right')\n"
        "checks = _AlwaysRight()\n"
        "def count_mlp_parameters(sizes):\n"
        "    return 0, 0"),
}


# The second submission leaves these exercises as released (the stubs).
LEFT_UNSOLVED = ("vectors-cosine", "vectors-metric", "vectors-angle", "vectors-batch")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Chapter 1 through the real nbgrader, once: generate_assignment, then one autograde of
    two submissions: the solutions ("solver"), and a mixed one ("mixed") that solves some
    exercises, leaves the stubs of LEFT_UNSOLVED and cheats in two (CHEATS)."""
    path, nb, exercises = COURSE[0]   # Chapter 1
    course, assignment, name = tmp_path_factory.mktemp("nbgrader") / "course", "ch01", path.name
    (course / "source" / assignment).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'nnfs-test'\n"
        "c.Execute.timeout = 300\n")
    source_path = course / "source" / assignment / name
    student.write(student.student_notebook(nb, nbgrader_source=True, path=path), source_path)
    with nbgrader_environment():
        api = nbgrader_api(course)
        succeeded(api.generate_assignment(assignment, force=True), "generate_assignment")
    release_path = course / "release" / assignment / name

    source = nbformat.read(source_path, as_version=4)
    mixed = nbformat.read(release_path, as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in mixed.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        ex_id = grade_id.removesuffix("-solution")
        if ex_id in CHEATS:
            cell.source = CHEATS[ex_id]
        elif grade_id in answers and ex_id not in LEFT_UNSOLVED:
            cell.source = answers[grade_id]   # the student writes the solution into the release
    with nbgrader_environment():
        for student_id, notebook in (("solver", source), ("mixed", mixed)):
            (course / "submitted" / student_id / assignment).mkdir(parents=True)
            nbformat.write(notebook, str(course / "submitted" / student_id / assignment / name))
            succeeded(api.autograde(assignment, student_id, force=True), f"autograde of {student_id}")

    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {sid: {g.name: (g.score, g.max_score)
                        for g in gb.find_submission_notebook(path.stem, assignment, sid).grades}
                  for sid in ("solver", "mixed")}
    return dict(path=path, nb=nb, exercises=exercises, source=source,
                release=nbformat.read(release_path, as_version=4), scores=scores)


def test_real_nbgrader_releases_no_solution_and_what_make_student_writes(graded):
    nb, exercises, release = graded["nb"], graded["exercises"], graded["release"]
    source_code = [c for c in graded["source"].cells if c.cell_type == "code"]
    released_code = [c for c in release.cells if c.cell_type == "code"]
    secret = {line.strip() for c in source_code for line in en.solution_lines(c.source) if line.strip()}
    secret -= {line.strip() for c in source_code for line in en.strip_solutions(c.source).splitlines()}
    for i, cell in enumerate(release.cells):
        leaked = [line for line in cell.source.splitlines()
                  if line.strip() in secret or (cell.cell_type == "code" and ("SOLUTION" in line or "HIDDEN" in line))]
        assert leaked == [], f"nbgrader's release, cell {i}, still has solution or hidden-test lines: {leaked}"
    ours = [c.source for c in student.student_notebook(nb).cells if c.cell_type == "code"]
    assert [c.source for c in released_code] == ours, "nbgrader's release differs from make student's notebook"
    assert sum(nbgrader_meta(c)["solution"] for c in released_code) == len(exercises)


def test_real_nbgrader_gives_solutions_full_marks_and_stubs_none(graded):
    exercises, scores = graded["exercises"], graded["scores"]
    full = {f"{ex.id}-check": (nbgrader_metadata.POINTS[ex.difficulty],) * 2 for ex in exercises}
    assert scores["solver"] == full, scores["solver"]
    for ex in exercises:
        if ex.id not in CHEATS:
            score, most = scores["mixed"][f"{ex.id}-check"]
            want = 0 if ex.id in LEFT_UNSOLVED else most
            assert score == want, f"{ex.id}: {'the stub' if want == 0 else 'the solution'} earned {score} of {most}"


def test_a_replaced_check_earns_no_marks_under_real_autograde(graded):
    """The hidden test of each check re-imports the checks, so both cheats fail their exercise."""
    for ex_id in CHEATS:
        score, most = graded["scores"]["mixed"][f"{ex_id}-check"]
        assert score == 0, f"{ex_id}: a wrong answer behind a replaced check earned {score} of {most}"


def test_without_the_hidden_test_the_cheats_would_pass():
    """The threat is real: run in-process, each cheat passes its check cell as the students see
    it, and fails once the hidden test of the nbgrader source runs first."""
    path, nb, exercises = COURSE[0]
    source = student.student_notebook(nb, nbgrader_source=True, path=path)
    checks_by_id = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                    if c.metadata.get("nbgrader", {}).get("grade")}
    setup = "\n".join(student.setup_imports([c for c in nb.cells[:exercises[0].start]]))
    for ex_id, cheat in CHEATS.items():
        visible = nb.cells[next(ex.check for ex in exercises if ex.id == ex_id)].source
        for check, should_pass in ((visible, True), (checks_by_id[f"{ex_id}-check"], False)):
            ns = {}
            exec(setup + "\nrng = np.random.default_rng(1)", ns)
            exec(cheat, ns)
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(check, ns)
                passed = True
            except AssertionError:
                passed = False
            finally:
                for part in ("_feedback", "_running", "checks"):
                    importlib.reload(importlib.import_module(f"nnlib.course.{part}"))
            assert passed == should_pass, (f"{ex_id}: the cheat {'passes' if passed else 'fails'} "
                                           f"the check {'without' if should_pass else 'with'} the hidden test")
