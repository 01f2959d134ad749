"""The structure of the course's exercise notebooks, read from the notebooks themselves.

Shared by tools/student.py, tools/nbgrader_metadata.py, tools/exercise_index.py and their
tests. An exercise notebook (the model is chapters/01_vectors_exercises.ipynb) is:

- setup cells: the bootstrap cell (tagged remove-cell) and the imports;
- for each exercise, in this order:
    a markdown cell with ```{exercise-start} Title / :label: ID``` ... ```{exercise-end}```
      whose cell metadata "exercise" holds id, chapter, title, difficulty, minutes, objective
      and topics (ids from tools/curriculum.yml; see load_curriculum);
    a markdown cell with ```{solution-start} ID / :class: dropdown```;
    the solution cell(s): a skeleton that a student keeps (signature, docstring with shapes,
      `# TODO` hints) with one or more regions between the lines `### BEGIN SOLUTION` and
      `### END SOLUTION`, each of which the student version replaces by a stub;
    a markdown cell with ```{solution-end}```;
    the check cell: the first code cell after the solution (it calls nnlib.course.checks);
- closing cells (what next).

Cells are numbered from 0 in every message, in the order Jupyter shows them; lines from 1.
"""
import builtins
import re
import symtable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
CURRICULUM = Path(__file__).resolve().parent / "curriculum.yml"
PENDING = ROOT / "tests" / "mutations" / "pending.txt"

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
METADATA_KEYS = ("id", "chapter", "title", "difficulty", "minutes", "objective")
OPTIONAL_KEYS = ("topics",)   # required of every notebook off tests/mutations/pending.txt
DIFFICULTIES = ("easy", "medium", "hard")
DIRECTIVE = re.compile(
    r"```\{(exercise-start|exercise-end|solution-start|solution-end)\}([^\n]*)\n(.*?)```", re.S)


class NotebookProblem(Exception):
    """Problems found in one or more notebooks; each names the notebook, cell and line."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def where(name, cell=None, line=None):
    """'chapters/x.ipynb, cell 5, line 3': the place a message points at."""
    text = str(name)
    if cell is not None:
        text += f", cell {cell}"
    if line is not None:
        text += f", line {line}"
    return text


def display_name(path):
    """The path relative to the repository when it lies inside it, else as given."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def exercise_notebooks(folder=CHAPTERS):
    """Every exercise notebook (chapters/NN_name_exercises.ipynb), in course order."""
    return sorted(Path(folder).glob("*_exercises.ipynb"))


def read(path):
    return nbformat.read(path, as_version=4)


def chapter_number(path):
    """The chapter number from a notebook's name: 3 for 03_activations_exercises.ipynb."""
    match = re.match(r"(\d+)_", Path(path).name)
    return int(match.group(1)) if match else None


# ---- solution markers ---------------------------------------------------------------------

def marker_problems(nb, name):
    """Every misuse of the solution markers in a notebook, as messages (empty when all is well).

    A marker is a line that reads exactly `### BEGIN SOLUTION` or `### END SOLUTION` (indented
    as the code needs). In a code cell, markers must alternate BEGIN, END, ... and the last
    BEGIN must be closed: a BEGIN inside an open region is a nested region. A code line that
    merely contains "BEGIN SOLUTION" or "END SOLUTION" is reported too, because nbgrader would
    take it for a marker while tools/student.py would not. In a markdown or raw cell, a line
    that is a marker means solution text outside a code cell (prose that mentions the
    markers inside a sentence is fine).
    """
    problems = []
    for i, cell in enumerate(nb.cells):
        lines = cell.source.splitlines()
        if cell.cell_type != "code":
            for n, line in enumerate(lines, 1):
                if line.strip() in (BEGIN, END):
                    problems.append(f"{where(name, i, n)}: {line.strip()!r} in a {cell.cell_type} cell: "
                                    "solution markers belong in code cells only")
            continue
        open_at = None
        for n, line in enumerate(lines, 1):
            text = line.strip()
            if text == BEGIN:
                if open_at is not None:
                    problems.append(f"{where(name, i, n)}: nested {BEGIN!r}: the region opened on line "
                                    f"{open_at} is not closed yet (add {END!r} before this line)")
                else:
                    open_at = n
            elif text == END:
                if open_at is None:
                    problems.append(f"{where(name, i, n)}: {END!r} without a {BEGIN!r} before it")
                open_at = None
            elif "BEGIN SOLUTION" in text or "END SOLUTION" in text:
                problems.append(f"{where(name, i, n)}: {text!r} is not a marker line: write "
                                f"{BEGIN!r} or {END!r} alone on its line")
        if open_at is not None:
            problems.append(f"{where(name, i, open_at)}: {BEGIN!r} is never closed by {END!r}")
    return problems


def has_markers(source):
    return any(line.strip() in (BEGIN, END) for line in source.splitlines())


def strip_solutions(source):
    """The source with each marked region replaced by the starter stub at the marker's indent.

    Lines outside the markers (a `def` line, a check that follows) are kept as they are.
    Assumes marker_problems found nothing.
    """
    out, inside = [], False
    for line in source.splitlines():
        if line.strip() == BEGIN:
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + stub for stub in STUB]
            inside = True
        elif line.strip() == END:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def solution_lines(source):
    """The lines strictly between the markers of a cell (the solution itself)."""
    found, inside = [], False
    for line in source.splitlines():
        if line.strip() == BEGIN:
            inside = True
        elif line.strip() == END:
            inside = False
        elif inside:
            found.append(line)
    return found


# ---- exercises ----------------------------------------------------------------------------

@dataclass
class Exercise:
    """One exercise: its metadata and where its cells are in the notebook."""

    meta: dict
    path: Path
    start: int            # the cell with exercise-start (and the metadata)
    solution_start: int   # the cell with solution-start
    solution_end: int     # the cell with solution-end
    check: int            # the check cell: the first code cell after the solution

    id = property(lambda self: self.meta["id"])
    chapter = property(lambda self: self.meta["chapter"])
    title = property(lambda self: self.meta["title"])
    difficulty = property(lambda self: self.meta["difficulty"])
    minutes = property(lambda self: self.meta["minutes"])
    objective = property(lambda self: self.meta["objective"])
    topics = property(lambda self: list(self.meta.get("topics", [])))

    @property
    def cells(self):
        """Indices of every cell of the exercise, from its statement to its check."""
        return range(self.start, self.check + 1)

    def solution_cells(self, nb):
        """Indices of the code cells with solution markers inside the solution dropdown."""
        return [i for i in range(self.solution_start + 1, self.solution_end)
                if nb.cells[i].cell_type == "code" and has_markers(nb.cells[i].source)]


def directives(nb):
    """(cell index, name, argument, body) for every exercise/solution directive, in order."""
    return [(i, m.group(1), m.group(2).strip(), m.group(3))
            for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
            for m in DIRECTIVE.finditer(c.source)]


def parse_exercises(nb, path):
    """The exercises of a notebook, in order; NotebookProblem when the structure is broken."""
    name = display_name(path)
    problems, exercises = [], []
    expected = "exercise-start"
    order = {"exercise-start": "exercise-end", "exercise-end": "solution-start",
             "solution-start": "solution-end", "solution-end": "exercise-start"}
    current = {}
    for i, directive, argument, body in directives(nb):
        if directive != expected:
            problems.append(f"{where(name, i)}: found {{{directive}}} where {{{expected}}} was expected "
                            "(each exercise is exercise-start, exercise-end, solution-start, solution-end)")
            break
        expected = order[directive]
        if directive == "exercise-start":
            label = re.search(r":label:\s*(\S+)", body)
            meta = dict(nb.cells[i].metadata.get("exercise", {}))
            missing = [k for k in METADATA_KEYS if k not in meta]
            topics = meta.get("topics", [])
            if missing:
                problems.append(f"{where(name, i)}: the exercise's cell metadata \"exercise\" lacks {missing}")
            elif not (isinstance(topics, list) and all(isinstance(t, str) for t in topics)):
                problems.append(f"{where(name, i)}: the metadata \"topics\" should be a list of topic ids "
                                f"from tools/curriculum.yml, got {topics!r}")
            elif not label or meta["id"] != label.group(1):
                problems.append(f"{where(name, i)}: metadata id {meta['id']!r} differs from the :label: "
                                f"{label.group(1) if label else None!r}")
            current = {"meta": meta, "start": i, "label": label.group(1) if label else None}
        elif directive == "solution-start":
            if argument != current.get("label"):
                problems.append(f"{where(name, i)}: solution-start names {argument!r}, "
                                f"but the exercise is {current.get('label')!r}")
            current["solution_start"] = i
        elif directive == "solution-end":
            next_start = next((j for j, d, _, _ in directives(nb) if d == "exercise-start" and j > i),
                              len(nb.cells))
            check = next((j for j in range(i + 1, next_start) if nb.cells[j].cell_type == "code"), None)
            if check is None:
                problems.append(f"{where(name, i)}: no check cell (a code cell) follows the solution of "
                                f"{current.get('label')!r}")
                continue
            exercises.append(Exercise(current["meta"], Path(path), current["start"],
                                      current["solution_start"], i, check))
    else:
        if expected != "exercise-start":
            problems.append(f"{name}: the last exercise ends before its {{{expected}}}")
    if problems:
        raise NotebookProblem(problems)
    return exercises


def load_curriculum(path=CURRICULUM):
    """The course's topics: (topics, pending), topics an ordered dict id -> dict(text, section,
    chapter, title), pending the list of topic ids that have no exercise yet.

    NotebookProblem when an id is repeated or a pending id is not a topic.
    """
    data = yaml.safe_load(Path(path).read_text())
    topics, problems = {}, []
    for section in data["sections"]:
        for topic in section["topics"]:
            if topic["id"] in topics:
                problems.append(f"{display_name(path)}: topic id {topic['id']!r} appears twice")
            topics[topic["id"]] = dict(text=topic["text"], section=section["section"],
                                       chapter=section["chapter"], title=section["title"])
    pending = list(data.get("pending") or [])
    problems += [f"{display_name(path)}: pending topic {t!r} is not a topic" for t in pending if t not in topics]
    if problems:
        raise NotebookProblem(problems)
    return topics, pending


def pending_notebooks(path=PENDING):
    """Stems of the exercise notebooks not converted to the current format yet.

    Listed in tests/mutations/pending.txt (one a line, # comments): they have no mutation
    file, no "topics" metadata and may keep bare stubs. The list shrinks to empty.
    """
    path = Path(path)
    if not path.exists():
        return []
    return [line.strip() for line in path.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def course_exercises(folder=CHAPTERS):
    """Every exercise of the course, in course order, as (notebook path, notebook, exercises)."""
    found = []
    for path in exercise_notebooks(folder):
        nb = read(path)
        found.append((path, nb, parse_exercises(nb, path)))
    return found


# ---- names a cell defines and uses (to keep the setup a selection of exercises needs) ------

_transform = TransformerManager().transform_cell


def names(source):
    """(defined, used): global names a code cell binds and global names it reads.

    Uses Python's symbol tables, so a function's parameters and locals are not mistaken for
    globals; IPython magics are translated first; builtins are never counted as used.
    """
    try:
        table = symtable.symtable(_transform(source), "<cell>", "exec")
    except SyntaxError:
        return set(), set()
    defined = {s.get_name() for s in table.get_symbols()
               if s.is_assigned() or s.is_imported() or s.is_namespace()}
    used = {s.get_name() for s in table.get_symbols() if s.is_referenced()}

    def nested(t):
        for child in t.get_children():
            used.update(s.get_name() for s in child.get_symbols() if s.is_global() and s.is_referenced())
            nested(child)

    nested(table)
    return defined, used - set(dir(builtins))
