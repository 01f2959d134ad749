"""The exercise index (appendix/exercises.md), the curriculum topics, and the instructor guide.

The index is generated from the exercise metadata by tools/exercise_index.py; the committed
page must equal a fresh generation, so it cannot go stale. Its links must point at exercise
labels and pages that the book builds (the build, with -n -W, checks that they resolve).

Every exercise names the curriculum topics it practises (metadata "topics", ids from
tools/curriculum.yml); every topic of the curriculum's sections 1-10 must have an exercise,
except those on the curriculum's pending list, which the chapter authors shrink to empty.
"""
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import exercise_index  # noqa: E402
import exercise_notebooks as en  # noqa: E402
import student  # noqa: E402

COURSE = en.course_exercises()
TOPICS, PENDING_TOPICS = en.load_curriculum()
CURRICULUM_MD = ROOT.parent / "shared" / "CURRICULUM.md"
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
            assert cells[4] == exercise_index.topics_text(ex), row
    total = sum(ex.minutes for _, _, exs in COURSE for ex in exs)
    assert f"**{exercise_index.hours(total)}**" in text, "the total exercise time is missing from the time table"


# ---- topics: an exercise for every topic ---------------------------------------------------

def test_the_curriculum_covers_sections_1_to_10_with_unique_ids():
    sections = sorted({t["section"] for t in TOPICS.values()})
    assert sections == list(range(1, 11)), f"tools/curriculum.yml has topics for sections {sections}, want 1-10"
    for topic_id, topic in TOPICS.items():
        assert re.fullmatch(r"[a-z]+/[a-z0-9-]+", topic_id), f"topic id {topic_id!r} should look like 'vectors/metric'"
        assert len(topic["text"].split()) >= 4, f"topic {topic_id!r}: say what it covers"
    assert len(PENDING_TOPICS) == len(set(PENDING_TOPICS)), "a topic is listed twice under pending"


def test_curriculum_sections_match_the_spec():
    """The section titles of tools/curriculum.yml are those of CURRICULUM.md (when it is there)."""
    if not CURRICULUM_MD.exists():
        pytest.skip("../shared/CURRICULUM.md is not in this checkout")
    headings = dict(re.findall(r"^## (\d+)\. (.+)$", CURRICULUM_MD.read_text(), re.M))
    for topic in TOPICS.values():
        spec = headings.get(str(topic["section"]), "")
        assert spec.split(":")[0].startswith(topic["title"]), (
            f"curriculum section {topic['section']} is {spec!r} in CURRICULUM.md, {topic['title']!r} here")


def test_every_exercise_names_known_topics():
    for path, _, exercises in COURSE:
        converted = path.stem not in en.pending_notebooks()
        for ex in exercises:
            unknown = [t for t in ex.topics if t not in TOPICS]
            assert not unknown, f"{path.name}, {ex.id}: unknown topic(s) {unknown}; the ids are in tools/curriculum.yml"
            if converted:
                assert ex.topics, f"{path.name}, {ex.id}: name the topic(s) it practises in its metadata"
            for topic in ex.topics:
                assert TOPICS[topic]["chapter"] <= ex.chapter, (
                    f"{ex.id} (Chapter {ex.chapter}) practises {topic!r}, taught only in Chapter "
                    f"{TOPICS[topic]['chapter']}")


def test_every_topic_has_an_exercise_unless_pending():
    practised = {t for _, _, exs in COURSE for ex in exs for t in ex.topics}
    missing = [t for t in TOPICS if t not in practised and t not in PENDING_TOPICS]
    assert not missing, (f"these topics have no exercise: {missing}. Write one (its metadata names the topic) "
                         "or, for now, list them under `pending` in tools/curriculum.yml")
    done = [t for t in PENDING_TOPICS if t in practised]
    assert not done, f"these topics have an exercise now: delete them from `pending` in tools/curriculum.yml: {done}"


def test_index_lists_every_topic_with_its_exercises():
    text = PAGE.read_text()
    for topic_id in TOPICS:
        row = next((line for line in text.splitlines() if line.startswith(f"| `{topic_id}` |")), None)
        assert row, f"topic {topic_id!r} is not in the index"
        exercises = [ex for _, _, exs in COURSE for ex in exs if topic_id in ex.topics]
        for ex in exercises:
            assert f"<{ex.id}>`" in row, f"{ex.id} is missing from the row of {topic_id!r}"
        assert exercises or row.endswith("| none yet |"), row


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
    for command in ("make student", "--nbgrader-source", "nbgrader generate_assignment", "nbgrader autograde",
                    "### BEGIN HIDDEN TESTS", "importlib.reload", "tests/mutations/"):
        assert command in guide, f"the instructor guide does not explain {command!r}"
    path, nb, exercises = COURSE[0]
    owner = {i for ex in exercises for i in ex.cells}
    prelude = student.hidden_prelude(student.setup_imports(
        [c for i, c in enumerate(nb.cells[:exercises[0].check]) if i not in owner]))
    assert prelude in guide, "the instructor guide should show the hidden test exactly as tools/student.py writes it"
    issues = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].rstrip("/") + "/issues"
    assert issues in guide, f"the instructor guide should link to {issues}"
