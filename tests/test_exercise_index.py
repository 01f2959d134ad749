"""The exercise index (appendix/exercises.md) and the instructor guide (appendix/instructors.md).

The index is generated from the exercise metadata by tools/exercise_index.py; the committed
page must equal a fresh generation, so it cannot go stale. Its links must point at exercise
labels and pages that the book builds (the build, with -n -W, checks that they resolve).
"""
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import exercise_index  # noqa: E402
import exercise_notebooks as en  # noqa: E402

COURSE = en.course_exercises()
PAGE = ROOT / "appendix" / "exercises.md"
GUIDE = ROOT / "appendix" / "instructors.md"


def toc_files():
    found = []

    def walk(node):
        if isinstance(node, dict):
            found.extend(node[k] for k in ("file", "root") if k in node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    return set(found)


def test_committed_index_equals_a_fresh_generation():
    assert PAGE.exists(), "appendix/exercises.md is missing: run python tools/exercise_index.py"
    assert PAGE.read_text() == exercise_index.render(), (
        "appendix/exercises.md is out of date with the exercise metadata: run python tools/exercise_index.py")


def test_index_lists_every_exercise_with_its_metadata():
    text = PAGE.read_text()
    for _, _, exercises in COURSE:
        for ex in exercises:
            row = next((line for line in text.splitlines() if f"<{ex.id}>`" in line), None)
            assert row, f"exercise {ex.id!r} is not in the index"
            cells = [c.strip() for c in row.strip("|").split("|")]
            assert cells[1].endswith(ex.difficulty) and cells[2] == f"{ex.minutes} min", row
            assert cells[3] == " ".join(ex.objective.split()), row
    total = sum(ex.minutes for _, _, exs in COURSE for ex in exs)
    assert f"**{exercise_index.hours(total)}**" in text, "the total exercise time is missing from the time table"


def test_index_links_point_at_pages_and_labels_the_book_builds():
    text = PAGE.read_text()
    toc = toc_files()
    labels = {ex.id for _, _, exs in COURSE for ex in exs} | {"instructor-guide"}
    refs = re.findall(r"\{ref\}`[^`]*<([^>]+)>`", text)
    assert refs and set(refs) <= labels, f"links to unknown labels: {set(refs) - labels}"
    docs = re.findall(r"\{doc\}`[^`]*</([^>]+)>`", text)
    assert docs and set(docs) <= toc, f"links to pages not in _toc.yml: {set(docs) - toc}"
    assert "(instructor-guide)=" in GUIDE.read_text()
    assert {"appendix/exercises", "appendix/instructors"} <= toc


def test_instructor_guide_includes_the_generated_time_table():
    guide, page = GUIDE.read_text(), PAGE.read_text()
    assert exercise_index.TABLE_START in page and exercise_index.TABLE_END in page
    assert f'start-after: "{exercise_index.TABLE_START}"' in guide and f'end-before: "{exercise_index.TABLE_END}"' in guide
    for command in ("make student", "--nbgrader-source", "nbgrader generate_assignment", "nbgrader autograde"):
        assert command in guide, f"the instructor guide does not explain {command!r}"
    issues = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].rstrip("/") + "/issues"
    assert issues in guide, f"the instructor guide should link to {issues}"
