"""The exercise checks, tested: against wrong answers (a mutation test) and for their messages.

Part 1, the mutation test. For every exercise of every exercise notebook that is not on
tests/mutations/pending.txt, tests/mutations/<notebook stem>.py lists at least three
plausible wrong answers (tests/mutations/__init__.py says how to write them). The notebook
runs in-process, with no kernel: its code cells in order in one namespace, Matplotlib's Agg
backend, the notebook's folder as working directory. At each exercise, every variant runs in
a copy of the namespace as it stood before the exercise (its solution cells, then the check
cell), and the verdicts must be:

- the student stub (each marked region replaced as in the student notebook): the check
  raises an AssertionError that says "not implemented yet";
- each wrong answer: the check raises an AssertionError of at most 8 lines of at most 160
  characters, with no traceback in it, other than "not implemented yet", and containing the
  wrong answer's `expect` text when it has one;
- the reference solution, run last in the namespace itself (the notebook then goes on): the
  check passes and prints a line starting with ✔.

Part 2: the messages of nnlib.course.checks themselves: their format and length, the hints
for known mistakes, forbidden functions, timeouts and exceptions in the student's code.
"""
import contextlib
import copy
import functools
import importlib.util
import io
import linecache
import os
import re
import signal
import sys
import time
import types
import warnings
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from IPython.core.inputtransformer2 import TransformerManager  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests"))

import exercise_notebooks as en  # noqa: E402
import mutations  # noqa: E402

from nnlib.course import checks  # noqa: E402

MUTATIONS = ROOT / "tests" / "mutations"
PENDING_FILE = MUTATIONS / "pending.txt"
MAX_LINES, MAX_WIDTH = 8, 160
VARIANT_SECONDS = 60
NOT_DONE = "not implemented yet"


def pending():
    """The notebook stems listed in tests/mutations/pending.txt."""
    return en.pending_notebooks(PENDING_FILE)


NOTEBOOKS = en.exercise_notebooks()
STRICT = [p for p in NOTEBOOKS if p.stem not in pending()]
EXERCISES = [(p.stem, ex.id) for p in STRICT for ex in en.parse_exercises(en.read(p), p)]


def load_wrong(stem, folder=MUTATIONS):
    """WRONG from tests/mutations/<stem>.py; a clear failure when the file is missing."""
    path = Path(folder) / f"{stem}.py"
    if not path.exists():
        pytest.fail(f"chapters/{stem}.ipynb has no mutation file: write tests/mutations/{stem}.py "
                    "(see tests/mutations/__init__.py) or, until then, list it in tests/mutations/pending.txt")
    spec = importlib.util.spec_from_file_location(f"mutations_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.WRONG


# ---- running a notebook in-process ------------------------------------------------------------

# A cell's source turned into Python (IPython's syntax, e.g. %matplotlib, rewritten): the same
# cells run for every variant, so each source is transformed once.
_transform = functools.lru_cache(maxsize=None)(TransformerManager().transform_cell)


class HarnessTimeout(Exception):
    pass


class _Shell:
    """Just enough of get_ipython() for `%matplotlib inline`; any other magic is refused."""

    def run_line_magic(self, name, line, *args, **kwargs):
        if name != "matplotlib":
            raise RuntimeError(f"the mutation test runs cells without IPython and cannot run %{name}")

    def run_cell_magic(self, name, line, cell):
        raise RuntimeError(f"the mutation test runs cells without IPython and cannot run %%{name}")


@contextlib.contextmanager
def deadline(seconds):
    """Stop a variant after ``seconds`` of CPU time (SIGPROF): an endless loop is stopped just
    the same, but a busy machine, which slows the clock on the wall and not the CPU time,
    cannot fail a correct variant; and the checks' own ``timeout=`` (SIGALRM) is left alone."""
    def alarm(signum, frame):
        raise HarnessTimeout(f"did not finish within {seconds} s of CPU time")

    old = signal.signal(signal.SIGPROF, alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


def run_cell(source, ns, label):
    """Execute a cell's source in ns: (what it printed, the exception it raised or None)."""
    code = _transform(source)
    filename = f"<{label}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), deadline(VARIANT_SECONDS):
            exec(compile(code, filename, "exec"), ns)
    except Exception as err:
        return out.getvalue(), err
    return out.getvalue(), None


def clone(ns):
    """A copy of a namespace: values deep-copied where they can be, modules shared."""
    memo, out = {}, {}
    for key, value in ns.items():
        if key == "__builtins__" or isinstance(value, types.ModuleType):
            out[key] = value
            continue
        try:
            out[key] = copy.deepcopy(value, memo)
        except Exception:
            out[key] = value
    return out


@contextlib.contextmanager
def sandbox(folder):
    """The notebook's folder as working directory; global state of NumPy and Matplotlib restored."""
    import matplotlib.pyplot as plt
    cwd, printing, rc = os.getcwd(), np.get_printoptions(), matplotlib.rcParams.copy()
    errors = np.geterr()
    os.chdir(folder)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        os.chdir(cwd)
        np.set_printoptions(**printing)
        np.seterr(**errors)
        matplotlib.rcParams.update(rc)
        plt.close("all")


@dataclass
class Verdict:
    exercise: str
    variant: str
    kind: str            # "reference", "stub" or "wrong"
    error: object        # the exception the check cell raised, or None
    output: str          # what the check cell printed
    expect: str = None
    problem: str = ""    # the variant could not be run as written

    @property
    def message(self):
        return str(self.error) if self.error is not None else ""


def run_variant(nb, ex, ns, sources, label, variant, kind, expect=None):
    replaced = dict(zip(ex.solution_cells(nb), sources))
    problem = ""
    for j in ex.cells:
        if j == ex.check or nb.cells[j].cell_type != "code":
            continue
        _, err = run_cell(replaced.get(j, nb.cells[j].source), ns, f"{label} cell {j}")
        if err is not None and not (kind == "stub" and isinstance(err, NotImplementedError)):
            problem = f"its own code (cell {j}) raised {type(err).__name__}: {err}"
    output, err = run_cell(nb.cells[ex.check].source, ns, f"{label} cell {ex.check}")
    return Verdict(ex.id, variant, kind, err, output, expect, problem)


def run_notebook(path, wrong):
    """{exercise id: [Verdict, ...]} for one exercise notebook and its wrong answers."""
    nb = en.read(path)
    exercises = en.parse_exercises(nb, path)
    from IPython.display import display
    ns = {"__name__": "__main__", "get_ipython": _Shell, "display": display}
    starts = {ex.start: ex for ex in exercises}
    results, i = {}, 0
    with sandbox(Path(path).parent):
        while i < len(nb.cells):
            ex = starts.get(i)
            if ex is None:
                if nb.cells[i].cell_type == "code":
                    _, err = run_cell(nb.cells[i].source, ns, f"{path.stem} cell {i}")
                    if err is not None:
                        raise AssertionError(f"{path.name}, cell {i} (outside the exercises) raised "
                                             f"{type(err).__name__}: {err}")
                i += 1
                continue
            reference = [nb.cells[j].source for j in ex.solution_cells(nb)]
            found = [run_variant(nb, ex, clone(ns), [en.strip_solutions(s) for s in reference],
                                 path.stem, "the student stub", "stub")]
            for name, answer in wrong.get(ex.id, {}).items():
                try:
                    sources = answer.apply(reference)
                except ValueError as err:
                    found.append(Verdict(ex.id, name, "wrong", None, "", problem=str(err)))
                    continue
                found.append(run_variant(nb, ex, clone(ns), sources, path.stem, name, "wrong", answer.expect))
            found.append(run_variant(nb, ex, ns, reference, path.stem, "the reference solution", "reference"))
            results[ex.id] = found
            i = ex.check + 1
    return results


@functools.lru_cache(maxsize=None)
def verdicts(stem):
    return run_notebook(en.CHAPTERS / f"{stem}.ipynb", load_wrong(stem))


def judge(v):
    """'' when the check's verdict on this variant is right, else what is wrong with it."""
    if v.problem:
        return f"cannot be run: {v.problem}"
    message = v.message
    if v.kind == "reference":
        if v.error is not None:
            return f"the check fails the reference solution: {type(v.error).__name__}: {message}"
        return "" if "✔" in v.output else "the check passes the reference but prints no ✔ line"
    if v.error is None:
        return "the check PASSES it, but it should fail"
    if not isinstance(v.error, AssertionError):
        return f"the check raised {type(v.error).__name__} instead of an AssertionError: {message[:300]}"
    lines = message.splitlines()
    if len(lines) > MAX_LINES:
        return f"the failure message has {len(lines)} lines (at most {MAX_LINES}): {message[:300]}"
    if any(len(line) > MAX_WIDTH for line in lines):
        return f"a line of the failure message is longer than {MAX_WIDTH} characters: {message[:300]}"
    if "Traceback" in message or re.search(r'File "[^"]+", line \d+', message):
        return f"the failure message contains a traceback: {message[:300]}"
    if v.kind == "stub":
        return "" if NOT_DONE in message else f"the stub's message does not say {NOT_DONE!r}: {message}"
    if NOT_DONE in message:
        return f"the check says {NOT_DONE!r} to a wrong answer: {message}"
    if v.expect and v.expect.casefold() not in message.casefold():
        return f"the failure message does not mention {v.expect!r}: {message}"
    return ""


# ---- part 1: the tests ---------------------------------------------------------------------------

def test_pending_list_names_only_unconverted_notebooks():
    for stem in pending():
        assert re.fullmatch(r"\d\d_[a-z0-9_]+_exercises", stem), f"pending.txt: {stem!r} is not a notebook stem"
        assert not (MUTATIONS / f"{stem}.py").exists(), (
            f"tests/mutations/{stem}.py exists: delete {stem} from tests/mutations/pending.txt")


def test_every_mutation_file_belongs_to_an_exercise_notebook():
    stems = {p.stem for p in NOTEBOOKS}
    for path in MUTATIONS.glob("*.py"):
        if path.name != "__init__.py":
            assert path.stem in stems, f"tests/mutations/{path.name}: there is no chapters/{path.stem}.ipynb"


@pytest.mark.parametrize("path", STRICT, ids=[p.stem for p in STRICT])
def test_every_exercise_has_at_least_three_wrong_answers(path):
    wrong = load_wrong(path.stem)
    ids = [ex.id for ex in en.parse_exercises(en.read(path), path)]
    stale = sorted(set(wrong) - set(ids))
    assert not stale, f"tests/mutations/{path.stem}.py has wrong answers for exercises that do not exist: {stale}"
    for ex_id in ids:
        answers = wrong.get(ex_id, {})
        assert len(answers) >= 3, (f"exercise {ex_id!r} has {len(answers)} wrong answer(s) in "
                                   f"tests/mutations/{path.stem}.py: write at least three")
        for name, answer in answers.items():
            assert isinstance(answer, mutations.Wrong), f"{ex_id}, {name!r}: use swap(...) or code(...)"


@pytest.mark.parametrize("stem, exercise", EXERCISES, ids=[f"{s}::{e}" for s, e in EXERCISES])
def test_check_accepts_the_solution_and_rejects_the_stub_and_every_wrong_answer(stem, exercise):
    results = verdicts(stem)[exercise]
    wrongs = [v for v in results if v.kind == "wrong"]
    assert len(wrongs) >= 3, f"{exercise}: only {len(wrongs)} wrong answers"
    problems = [f"  {v.variant}: {judge(v)}" for v in results if judge(v)]
    assert not problems, f"{stem}, exercise {exercise!r}:\n" + "\n".join(problems)


def test_chapter_1_quotes_a_real_failure_message():
    """The introduction of Chapter 1's exercises shows the message a missing square root gets."""
    if "01_vectors_exercises" not in [p.stem for p in STRICT]:
        pytest.skip("Chapter 1's exercises are not converted")
    intro = en.read(en.CHAPTERS / "01_vectors_exercises.ipynb").cells[1].source
    found = next(v for v in verdicts("01_vectors_exercises")["vectors-euclidean"] if v.variant == "no square root")
    assert f"```text\n{found.message}\n```" in intro, f"the introduction should quote:\n{found.message}"


def weak_and_strong(tmp_path):
    """A one-exercise notebook, and its copy with a stricter check."""
    meta = {"id": "test-double", "chapter": 98, "title": "Double", "difficulty": "easy", "minutes": 5,
            "objective": "testing the harness"}
    cells = [nbformat.v4.new_code_cell("from nnlib.course import checks"),
             nbformat.v4.new_markdown_cell("```{exercise-start} Double\n:label: test-double\n```\n"
                                           "```{exercise-end}\n```", metadata={"exercise": meta}),
             nbformat.v4.new_markdown_cell("```{solution-start} test-double\n:class: dropdown\n```"),
             nbformat.v4.new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n"
                                       "    ### END SOLUTION"),
             nbformat.v4.new_markdown_cell("```{solution-end}\n```"),
             nbformat.v4.new_code_cell("checks.check_function(double, [((0,), 0)])")]
    paths = []
    for name, check in (("98_weak_exercises", None), ("98_strong_exercises", "[((0,), 0), ((3,), 6)]")):
        nb = nbformat.v4.new_notebook()
        nb.cells = copy.deepcopy(cells)
        if check:
            nb.cells[-1].source = f"checks.check_function(double, {check})"
        nbformat.write(nb, str(tmp_path / f"{name}.ipynb"))
        paths.append(tmp_path / f"{name}.ipynb")
    return paths


def test_the_harness_catches_a_check_that_passes_a_wrong_answer(tmp_path):
    wrong = {"test-double": {"times three": mutations.swap("2 * x", "3 * x"),
                             "stale swap": mutations.swap("4 * x", "5 * x")}}
    weak, strong = weak_and_strong(tmp_path)
    verdict = {v.variant: judge(v) for v in run_notebook(weak, wrong)["test-double"]}
    assert verdict["times three"] == "the check PASSES it, but it should fail"
    assert verdict["stale swap"].startswith("cannot be run") and "0 times" in verdict["stale swap"]
    assert verdict["the reference solution"] == "" and verdict["the student stub"] == ""
    verdict = {v.variant: judge(v) for v in run_notebook(strong, wrong)["test-double"]}
    assert verdict["times three"] == "", verdict


# ---- part 2: the checks' own messages ------------------------------------------------------------

def failure(check, *args, **kwargs):
    """The message of the CheckFailed that check(*args, **kwargs) raises."""
    with pytest.raises(checks.CheckFailed) as info:
        check(*args, **kwargs)
    message = str(info.value)
    assert len(message.splitlines()) <= MAX_LINES and "Traceback" not in message, message
    return message


def test_a_passed_check_prints_one_line_that_says_what_was_verified(capsys):
    checks.check_function(np.sqrt, [((4.0,), 2.0), ((9.0,), 3.0)], name="my_sqrt")
    checks.check_close(np.pi, 3.14159265, "pi", rtol=1e-8)
    assert capsys.readouterr().out == "✔ my_sqrt: all 2 cases are right.\n✔ pi is right.\n"


def test_a_failure_names_the_call_the_case_and_expected_against_got():
    def my_distance(u, v):
        return 7.0
    message = failure(checks.check_function, my_distance, [((np.array([0.0, 0.0]), [3.0, 4.0]), 5.0)])
    assert message == "my_distance(u=[0, 0], v=[3, 4]), case 1 of 1: expected 5, got 7"


def test_the_precision_shows_the_difference():
    message = failure(checks.check_close, -0.2784652, -0.278465, "the minimum", rtol=0, atol=0)
    expected, got = re.search(r"expected (\S+), got (\S+)", message).groups()
    assert expected != got and float(expected) == -0.278465 and float(got) == -0.2784652, message


def test_an_array_mismatch_gives_the_first_wrong_entry_its_index_and_the_count():
    X = np.arange(12.0).reshape(4, 3)
    got = X.copy()
    got[2, 1] += 0.5
    got[3, 0] -= 1
    message = failure(checks.check_function, lambda A: got, [((X,), X)], name="copy_of")
    assert message.startswith("copy_of(A of shape (4, 3)), case 1 of 1:")
    assert "entry [2, 1] is wrong: expected 7, got 7.5 (2 of 12 entries are wrong)" in message


def test_never_a_whole_array_in_a_message():
    X = np.random.default_rng(0).normal(size=(200, 3))
    message = failure(checks.check_function, lambda X: X + 1e-3, [((X,), X)], name="f")
    assert len(message) < 400 and "X of shape (200, 3)" in message, message
    message = failure(checks.check_function, lambda X: 0.505, [((X,), 0.0)], name="dead_fraction")
    assert message == "dead_fraction(X of shape (200, 3)), case 1 of 1: expected 0, got 0.505"


X54 = np.random.default_rng(1).normal(size=(5, 4))
M3 = np.random.default_rng(2).normal(size=(3, 3))


@pytest.mark.parametrize("wrong, expected, hint", [
    (lambda X: 2 * X.mean(axis=1), X54.mean(axis=1), "exactly twice"),
    (lambda X: X.mean(axis=1) / 2, X54.mean(axis=1), "exactly half"),
    (lambda X: -X.mean(axis=1), X54.mean(axis=1), "negative"),
    (lambda X: X.sum(axis=1), X54.mean(axis=1), "4 times the expected one, and 4 is the length of axis 1 of X"),
    (lambda X: X.mean(axis=1) / 5, X54.mean(axis=1), "1/5 of the expected one"),
    (lambda X: X.mean(axis=1) + 1, X54.mean(axis=1), "off by 1 everywhere"),
    (lambda X: X.mean(axis=1) * 1.7, X54.mean(axis=1), "times 1.7 everywhere"),
    (lambda X: X.mean(axis=1)[::-1], X54.mean(axis=1), "wrong order"),
    (lambda X: X.mean(axis=0), X54.mean(axis=1), "axis=0 of X where axis=1"),
    (lambda X: X.mean(axis=1, keepdims=True), X54.mean(axis=1), "extra axes of length 1"),
    (lambda X: X.mean(axis=1), X54.mean(axis=1, keepdims=True), "keepdims=True"),
    (lambda X: X.mean(), X54.mean(axis=1), "one number where an array is expected"),
    (lambda X: X.T, X54, "rows and columns are swapped"),
    (lambda X: np.abs(X.mean(axis=1)) ** 2, np.abs(X54.mean(axis=1)), "square of the expected one"),
    (lambda X: np.sqrt(np.abs(X.mean(axis=1))), np.abs(X54.mean(axis=1)), "square root of the expected"),
    (lambda X: np.where(X > 0, np.nan, X).sum(axis=1), X54.sum(axis=1), "nan in your result"),
    (lambda X: None, X54.mean(axis=1), "a missing `return`"),
], ids=["twice", "half", "negative", "missing-1/N", "extra-1/N", "offset", "factor", "order", "axis",
        "keepdims-extra", "keepdims-missing", "reduced-all", "transposed-shape", "square", "sqrt", "nan", "none"])
def test_hints_for_known_mistakes(wrong, expected, hint):
    message = failure(checks.check_function, wrong, [((X54,), expected)], name="f")
    assert hint in message, message


def test_a_transposed_square_matrix_is_recognised():
    message = failure(checks.check_function, lambda M: M.T, [((M3,), M3)], name="f")
    assert "transpose of the expected one" in message, message


def test_a_known_mistake_given_by_the_author_wins():
    mistakes = {"you used W transposed": lambda X, W: X @ W.T}
    message = failure(checks.check_function, lambda X, W: X @ W.T, [((M3, 2 * M3), 2 * M3 @ M3)],
                      name="layer", mistakes=mistakes)
    assert message.splitlines()[-1].strip() == "hint: you used W transposed", message


def test_tuple_results_are_compared_part_by_part_with_their_names():
    message = failure(checks.check_function, lambda s: (36, 13), [(([3, 4, 4, 2],), (36, 10))],
                      name="count", parts=("weights", "biases"), exact=True)
    assert message == "count(s=[3, 4, 4, 2]), case 1 of 1: biases: expected 10, got 13", message
    message = failure(checks.check_function, lambda: {"a": True, "b": True}, [((), {"a": True, "b": False})],
                      name="rules")
    assert message == "rules(), case 1 of 1: the value for 'b': expected False, got True", message


def test_the_stub_says_not_implemented_yet():
    def todo(x):
        # YOUR CODE HERE
        raise NotImplementedError()
    for check, args in ((checks.check_function, (todo, [((1,), 1)])),
                        (checks.check_raises, (todo, (1,), ValueError)),
                        (checks.check_property, (todo, [(1,)], lambda got, x: True)),
                        (checks.check_derivative, (todo, np.sin, [0.0]))):
        kwargs = {"what": "it holds"} if check is checks.check_property else {}
        assert failure(check, *args, **kwargs) == checks.NOT_DONE.format(name="todo")


def notebook_function(source, name):
    """A function defined the way a notebook cell defines it (its own file name, lines from 1)."""
    filename = f"<cell defining {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    ns = {"np": np}
    exec(compile(source, filename, "exec"), ns)
    return ns[name]


def test_an_exception_in_the_student_code_is_reported_in_two_lines():
    shifted = notebook_function("def shifted(u, v):\n    u = np.asarray(u)\n    return u + np.ones(7)\n",
                                "shifted")
    message = failure(checks.check_function, shifted, [((np.zeros((3, 4)), [1.0]), 0.0)])
    first, second = message.splitlines()
    assert first.startswith("shifted(u of shape (3, 4), v=[1]) raised ValueError: operands could not be broadcast")
    assert second.strip() == "in shifted, line 3 of its cell: return u + np.ones(7)", message


def test_forbidden_functions_are_found_in_the_code_and_while_it_runs():
    from numpy.linalg import norm as imported_norm

    def via_attribute(u):
        return np.linalg.norm(u)

    def via_import(u):
        return imported_norm(u)

    def via_operator(u):
        return np.sqrt(u @ u)

    def via_method(u):
        return np.sqrt(u.dot(u))

    def helper(u):
        return u @ u

    def via_helper(u):
        return np.sqrt(helper(u))

    def swallowed(u):
        try:
            return np.linalg.norm(u)
        except Exception:
            return float(np.sqrt(np.sum(u * u)))

    def with_loop(u):
        return np.sqrt(sum(x * x for x in u))

    forbid = ["numpy.linalg.norm", "@", ".dot", "loops"]
    for fn, used in ((via_attribute, "np.linalg.norm()"), (via_import, "np.linalg.norm()"),
                     (via_operator, "the @ operator"), (via_method, "the method .dot()"),
                     (via_helper, "the @ operator"), (swallowed, "np.linalg.norm()"), (with_loop, "Python loops")):
        message = failure(checks.check_function, fn, [((np.array([3.0, 4.0]),), 5.0)], forbid=forbid)
        assert message == (f"{fn.__name__} uses {used}, which this exercise asks you to do without: "
                           "write that step yourself"), message
    assert np.linalg.norm is imported_norm, "the real np.linalg.norm was not put back"
    checks.check_function(lambda u: float(np.sqrt(np.sum(u * u))), [((np.array([3.0, 4.0]),), 5.0)],
                          forbid=forbid, name="by_hand")


def test_a_timeout_stops_an_endless_loop():
    def forever(x):
        while True:
            x += 1
    start = time.monotonic()
    message = failure(checks.check_function, forever, [((1,), 1)], timeout=0.2)
    assert time.monotonic() - start < 5 and message == "forever(x=1) did not return within 0.2 s: an endless loop?"


def test_check_raises_messages(capsys):
    def quiet(a, b):
        return float("nan")

    def vague(a, b):
        raise ValueError("bad sizes")

    def other(a, b):
        raise IndexError("index 2 is out of bounds")

    args = (np.ones((2, 3)), np.ones(2))
    assert failure(checks.check_raises, quiet, args, ValueError) == (
        "quiet(a=[[1, 1, 1], [1, 1, 1]], b=[1, 1]) should raise ValueError, but returned nan")
    assert failure(checks.check_raises, vague, args, ValueError, mentions=["3", "2"]).endswith(
        "raised ValueError, as it should, but its message 'bad sizes' should mention '3' and '2'")
    assert "should raise ValueError, but raised IndexError: 'index 2 is out of bounds'" in failure(
        checks.check_raises, other, args, ValueError)
    checks.check_raises(vague, args, ValueError, mentions=["sizes"])
    assert capsys.readouterr().out.startswith("✔ vague(a=[[1, 1, 1], [1, 1, 1]], b=[1, 1]) raises ValueError "
                                              "with a message that mentions 'sizes', as it should.")


def test_check_derivative_against_central_differences(capsys):
    x = np.linspace(-2, 2, 9)
    message = failure(checks.check_derivative, lambda x: 2 * np.cos(x), np.sin, x, name="my_grad")
    assert message.startswith("my_grad(x of shape (9,)) against central differences of sin:")
    assert "exactly twice" in message
    checks.check_derivative(np.cos, np.sin, x, name="cos")
    assert capsys.readouterr().out == "✔ cos agrees with central differences of sin at 9 points.\n"


def test_check_property_names_the_failing_input_and_reports_a_raising_property(capsys):
    inputs = [(np.ones(3),), (-np.ones(3),)]
    message = failure(checks.check_property, lambda x: x, inputs,
                      lambda got, x: bool(np.all(got >= 0)) or f"the smallest entry is {got.min():g}",
                      what="the result is never negative", name="identity")
    assert message == "identity(x=[-1, -1, -1]), input 2 of 2: the smallest entry is -1", message
    message = failure(checks.check_property, lambda x: x, inputs, lambda got, x: got["key"],
                      what="it holds", name="f")
    assert "checking your result [1, 1, 1] raised IndexError" in message, message
    checks.check_property(abs, [(-2,), (3,)], lambda got, x: got >= 0, what="the result is never negative")
    assert capsys.readouterr().out == "✔ abs: the result is never negative, for all 2 inputs.\n"


def test_check_equal_and_check_true_messages():
    assert failure(checks.check_equal, np.array([1, 1, 1, 1.0]), np.array([1, 1, 1, 0.0]), "the truth table") == (
        "the truth table: entry [3] is wrong: expected 0, got 1 (1 of 4 entries are wrong)")
    assert failure(checks.check_equal, "tanh", "relu", "the name") == "the name: expected 'relu', got 'tanh'"
    assert failure(checks.check_equal, np.dtype(int), np.dtype(bool), "the dtype").startswith(
        "the dtype: expected ")
    checks.check_equal(np.zeros(3, dtype=bool).dtype, np.dtype(bool), "the dtype")
    checks.check_equal((400, 300), (400, 300), "the shape")
    message = failure(checks.check_true, False, "\n".join(f"line {k}" for k in range(20)), "ok")
    assert message.splitlines()[-1] == "  (…)" and len(message.splitlines()) == MAX_LINES


def test_jupyter_hides_the_frames_of_the_checks():
    """IPython leaves out of a traceback every frame but the last whose locals set __tracebackhide__."""
    with pytest.raises(checks.CheckFailed) as info:
        checks.check_function(lambda x: x + 1, [((1,), 1)], name="f")
    frames, tb = [], info.value.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    from nnlib.course import _feedback, _running
    files = {checks.__file__, _feedback.__file__, _running.__file__}  # the checks and their two helpers
    inside = [f for f in frames if f.f_code.co_filename in files]
    assert inside and all(f.f_locals.get("__tracebackhide__") for f in inside)
    assert isinstance(info.value, AssertionError)
