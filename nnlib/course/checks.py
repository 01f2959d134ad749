"""Self-checks for exercises: feedback a student can read, one line when the answer is right.

Every exercise ends with a check cell that calls these functions. A check either prints one
line starting with a check mark that says what was verified, or raises an
``AssertionError`` (a ``CheckFailed``) whose message, at most eight lines, says what was
checked and on which input, the first wrong entry with its index, expected against got at a
precision that shows the difference, and a hint when the mistake is a known one::

    my_matvec(A of shape (4, 3), x of shape (3,)), case 3 of 3:
      entry [2] is wrong: expected 0.2784652, got -0.2784652 (4 of 4 entries are wrong)
      hint: your result is the negative of the expected one: a sign error?

Raising (rather than printing) means that a failing check stops "Run all", shows up in red
in Jupyter, and counts as a failure for nbgrader's autograder. An exception inside the
student's code is reported in two lines (what was raised, on which input, at which line of
their code), never as a traceback into this module, whose frames Jupyter hides.

- ``check_function(fn, cases)``: ``fn(*args)`` against the expected value, case by case;
- ``check_close`` / ``check_equal``: one computed value against the expected one;
- ``check_raises(fn, args, error)``: ``fn(*args)`` must raise, naming what it should;
- ``check_derivative(df, f, x)``: a derivative against central differences of ``f``;
- ``check_property(fn, inputs, prop)``: a property that must hold for every input;
- ``check_true(condition, failure, success)`` and ``passed(message)``.

Options of the functions that call the student's code: ``forbid`` lists what the exercise
asks them to do without (library functions by dotted name, ``"@"``, ``"loops"``, or a
method such as ``".dot"``), found both in their code and while it runs; ``mistakes`` maps a
hint to a function that computes a known wrong answer; ``timeout`` stops an endless loop.
Used by the exercise notebook of every chapter; Chapter 1's exercises show most options.
"""
import numpy as np

from nnlib.course._feedback import (NOT_DONE, CheckFailed, _brief, _call_text, _diff, _fail, _join,
                                    _known_mistake, _names, _is_number)
from nnlib.course._running import _Forbidden, _nice, _refuse_forbidden, _run, _tripwires, _without

__all__ = ["CheckFailed", "check_function", "check_close", "check_equal", "check_raises",
           "check_derivative", "check_property", "check_true", "passed", "NOT_DONE"]








def passed(message):
    """Print the success line every check ends with."""
    print(f"\u2714 {message}")


# ---- the checks --------------------------------------------------------------------------------





def check_function(fn, cases, *, name=None, rtol=1e-6, atol=1e-9, forbid=(), mistakes=None,
                   parts=None, timeout=None, exact=False):
    """Call ``fn(*args)`` for each case and compare the result with the expected one.

    Parameters
    ----------
    fn : callable
        The student's function.
    cases : list of (args, expected) or (args, expected, label)
        ``args`` is a tuple of arguments (or one argument); ``expected`` a number, an array,
        a bool, a string, a dict, or a tuple/list of these. Arrays are passed as copies.
    name : str, optional
        The name shown in messages (default ``fn.__name__``).
    rtol, atol : float
        Tolerances for numbers and arrays, as in ``numpy.allclose``.
    forbid : sequence of str
        What the exercise asks the student to do without: dotted names of library
        functions (``"numpy.linalg.norm"``), ``"@"``, ``"loops"``, or methods (``".dot"``).
    mistakes : dict of {str: callable}, optional
        A hint for each known wrong answer, computed by the callable from the same arguments.
    parts : sequence of str, optional
        Names of the items of a tuple result, used in messages (``("weights", "biases")``).
    timeout : float, optional
        Seconds after which one call is stopped as an endless loop.
    exact : bool
        Compare numbers exactly (counts, indices).
    """
    __tracebackhide__ = True
    name = name or getattr(fn, "__name__", "your function")
    _refuse_forbidden(fn, name, forbid)
    for k, case in enumerate(cases, 1):
        args, expected = case[0], case[1]
        args = args if isinstance(args, tuple) else (args,)
        got = _run(fn, args, name, forbid, timeout)
        lines = _diff(got, expected, (rtol, atol), args, _names(fn, len(args)), parts, exact)
        if lines:
            known = _known_mistake(got, args, mistakes, (rtol, atol), exact)
            if known:
                lines = [line for line in lines if not line.startswith("hint:")] + [f"hint: {known}"]
            label = f" ({case[2]})" if len(case) > 2 else ""
            _fail(_join(f"{_call_text(name, fn, args)}, case {k} of {len(cases)}{label}", lines))
    _refuse_forbidden(fn, name, forbid, methods=True)
    passed(f"{name}: all {len(cases)} cases are right{_without(forbid)}.")


def check_close(got, expected, what, *, rtol=1e-6, atol=1e-9):
    """Assert that a computed value (number, array, tuple or dict) matches the expected one."""
    __tracebackhide__ = True
    lines = _diff(got, expected, (rtol, atol))
    if lines:
        _fail(_join(what, lines))
    passed(f"{what} is right.")


def check_equal(got, expected, what):
    """Assert exact equality (integers, strings, shapes, truth tables)."""
    __tracebackhide__ = True
    if _array_like(expected) and _array_like(got):
        lines = _diff(got, expected, exact=True)
    else:   # dtypes, strings, None, objects: plain equality
        same = got == expected
        same = bool(np.all(same)) if isinstance(same, np.ndarray) else bool(same)
        lines = None if same else [f"expected {_brief(expected)}, got {_brief(got)}"]
    if lines:
        _fail(_join(what, lines))
    passed(f"{what} is right.")


def _array_like(value):
    """A number, a bool, an array, or a (nested) list or tuple of these."""
    if isinstance(value, (np.ndarray, bool, np.bool_)) or _is_number(value):
        return True
    return isinstance(value, (list, tuple)) and all(_array_like(v) for v in value)


def check_true(condition, failure, success):
    """Assert a condition that has no single expected value; explain the failure in words."""
    __tracebackhide__ = True
    if not condition:
        _fail(failure)
    passed(success)


def check_raises(fn, args, error, *, name=None, mentions=(), forbid=()):
    """Assert that ``fn(*args)`` raises ``error`` whose message contains every string in ``mentions``."""
    __tracebackhide__ = True
    name = name or getattr(fn, "__name__", "your function")
    args = args if isinstance(args, tuple) else (args,)
    call = _call_text(name, fn, args)
    _refuse_forbidden(fn, name, forbid)
    try:
        with _tripwires(forbid) as used:
            result = fn(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
    except NotImplementedError:
        _fail(NOT_DONE.format(name=name))
    except _Forbidden:
        _fail(f"{name} uses {_nice(used[0])}, which this exercise asks you to do without: write that step yourself")
    except error as err:
        _refuse_forbidden(fn, name, forbid, methods=True)
        missing = [m for m in mentions if str(m) not in str(err)]
        if missing:
            _fail(f"{call} raised {error.__name__}, as it should, but its message {_brief(str(err))} "
                  f"should mention {' and '.join(repr(str(m)) for m in missing)}")
        said = " and ".join(repr(str(m)) for m in mentions)
        passed(f"{call} raises {error.__name__}" + (f" with a message that mentions {said}" if mentions
                                                    else "") + ", as it should.")
        return
    except Exception as err:
        _fail(f"{call} should raise {error.__name__}, but raised {type(err).__name__}: "
              f"{_brief(' '.join(str(err).split()))}")
    _fail(f"{call} should raise {error.__name__}, but returned {_brief(result)}")


def check_derivative(df, f, x, *, name=None, h=1e-5, rtol=1e-6, atol=1e-8, mistakes=None, forbid=()):
    """Assert that ``df(x)`` equals the central difference ``(f(x + h) - f(x - h)) / 2h`` entrywise.

    For elementwise functions (activations). ``f`` is the reference function; ``x`` an array
    of points, chosen away from kinks. The tolerance should allow the O(h^2) error.
    """
    __tracebackhide__ = True
    name = name or getattr(df, "__name__", "your derivative")
    x = np.asarray(x, dtype=float)
    expected = (f(x + h) - f(x - h)) / (2 * h)
    _refuse_forbidden(df, name, forbid)
    got = _run(df, (x,), name, forbid)
    lines = _diff(got, expected, (rtol, atol), (x,), _names(df, 1))
    if lines:
        known = _known_mistake(got, (x,), mistakes, (rtol, atol), False)
        if known:
            lines = [line for line in lines if not line.startswith("hint:")] + [f"hint: {known}"]
        fname = getattr(f, "__name__", "f")
        _fail(_join(f"{_call_text(name, df, (x,))} against central differences of {fname}", lines))
    _refuse_forbidden(df, name, forbid, methods=True)
    passed(f"{name} agrees with central differences of {getattr(f, '__name__', 'f')} at {x.size} points.")


def check_property(fn, inputs, prop, *, what, name=None, forbid=(), timeout=None):
    """Assert that ``prop(fn(*args), *args)`` holds for every ``args`` in ``inputs``.

    ``prop`` returns True when the property holds and otherwise False or a string that says
    how it fails; ``what`` says what holds, for the success line ("the result is symmetric").
    """
    __tracebackhide__ = True
    name = name or getattr(fn, "__name__", "your function")
    _refuse_forbidden(fn, name, forbid)
    inputs = [a if isinstance(a, tuple) else (a,) for a in inputs]
    for k, args in enumerate(inputs, 1):
        got = _run(fn, args, name, forbid, timeout)
        head = f"{_call_text(name, fn, args)}, input {k} of {len(inputs)}"
        try:
            verdict = prop(got, *args)
        except Exception as err:
            _fail(_join(head, [f"checking your result {_brief(got)} raised {type(err).__name__}: "
                               + " ".join(str(err).split())[:120]]))
        if isinstance(verdict, str) or not verdict:
            _fail(_join(head, [verdict if isinstance(verdict, str) else f"{what}: not for {_brief(got)}"]))
    _refuse_forbidden(fn, name, forbid, methods=True)
    passed(f"{name}: {what}, for all {len(inputs)} inputs{_without(forbid)}.")
