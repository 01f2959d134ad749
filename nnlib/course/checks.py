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
import contextlib
import dis
import importlib
import inspect
import math
import signal
import threading
import time
import traceback
import types

import numpy as np

__all__ = ["CheckFailed", "check_function", "check_close", "check_equal", "check_raises",
           "check_derivative", "check_property", "check_true", "passed", "NOT_DONE"]

NOT_DONE = ("{name} is not implemented yet: replace `# YOUR CODE HERE` and "
            "`raise NotImplementedError()` with your code, then run the cell again")
MAX_LINES, MAX_WIDTH = 8, 160
_LOOP_HELPERS = {"map", "filter", "vectorize", "apply_along_axis", "frompyfunc", "fromiter"}


class CheckFailed(AssertionError):
    """A check that failed: the message says what is wrong, in at most eight short lines."""


class _Forbidden(Exception):
    pass


def _fail(message):
    __tracebackhide__ = True
    lines = [line if len(line) <= MAX_WIDTH else line[:MAX_WIDTH - 1] + "…"
             for line in str(message).splitlines()]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES - 1] + ["  (…)"]
    raise CheckFailed("\n".join(lines)) from None


def passed(message):
    """Print the success line every check ends with."""
    print(f"\u2714 {message}")


# ---- short texts for values, calls and numbers ---------------------------------------------

def _num(x, digits=6):
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{digits}g}"


def _pair(expected, got):
    """Expected and got as text, with just enough digits to tell them apart."""
    for digits in range(4, 18):
        e, g = _num(expected, digits), _num(got, digits)
        if e != g:
            return e, g
    return repr(float(expected)), repr(float(got))


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _brief(value):
    """A short text for any value: small arrays in full, large ones by their shape."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return repr(bool(value)) if value is not None else "None"
    if _is_number(value):
        return _num(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:39] + "…")
    if isinstance(value, (np.ndarray, list, tuple)):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            arr = None
        if arr is not None and arr.size <= 8 and arr.ndim <= 2:
            if arr.ndim == 0:
                return _num(arr)
            rows = ["[" + ", ".join(_num(v) for v in row) + "]" for row in np.atleast_2d(arr)]
            text = rows[0] if arr.ndim == 1 else "[" + ", ".join(rows) + "]"
            if isinstance(value, tuple):
                return "(" + text[1:-1] + ("," if arr.size == 1 else "") + ")"
            return text
        if arr is not None:
            return f"an array of shape {arr.shape}"
        if isinstance(value, tuple) and len(value) <= 3:
            return "(" + ", ".join(_brief(v) for v in value) + ")"
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))}" if len(value) > 3 else \
            "{" + ", ".join(f"{k!r}: {_brief(v)}" for k, v in value.items()) + "}"
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    first = repr(value).splitlines()[0] if repr(value) else type(value).__name__
    return first if len(first) <= 40 else type(value).__name__


def _argument(name, value):
    text = _brief(value)
    if text.startswith("an array of shape"):
        return f"{name} of shape {text[18:]}" if name else text
    return f"{name}={text}" if name else text


def _names(fn, n):
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return [None] * n
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in params if p.kind in kinds]
    return (names + [None] * n)[:n]


def _call_text(name, fn, args):
    return f"{name}({', '.join(_argument(n, a) for n, a in zip(_names(fn, len(args)), args))})"


def _join(head, lines):
    if len(lines) == 1 and len(head) + len(lines[0]) < 110:
        return f"{head}: {lines[0]}"
    return head + ":\n" + "\n".join("  " + line for line in lines)


# ---- running the student's code ------------------------------------------------------------

def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _static_uses(fn, forbid):
    """What of `forbid` the code of fn (and of the notebook functions it calls) uses.

    Finds the operator @ and loops in the bytecode, forbidden functions bound to a global or
    a closure name, and methods by name (".dot"). Calls through a module attribute
    (np.linalg.norm) are caught while the code runs (see _tripwires).
    """
    objects = {}
    for item in forbid:
        if item not in ("@", "loops") and not item.startswith("."):
            module, _, attr = item.rpartition(".")
            with contextlib.suppress(ImportError, AttributeError, ValueError):
                objects[id(getattr(importlib.import_module(module), attr))] = item
    found, seen, todo = [], set(), [fn]
    while todo:
        f = todo.pop()
        code = getattr(f, "__code__", None)
        if code is None or id(code) in seen:
            continue
        seen.add(id(code))
        scope = dict(getattr(f, "__globals__", {}))
        for var, cell in zip(code.co_freevars, getattr(f, "__closure__", None) or ()):
            with contextlib.suppress(ValueError):
                scope[var] = cell.cell_contents
        for co in _code_objects(code):
            for ins in dis.get_instructions(co):
                if "@" in forbid and ins.opname == "BINARY_OP" and ins.argrepr in ("@", "@="):
                    found.append("@")
                if "loops" in forbid and ins.opname in ("FOR_ITER", "JUMP_BACKWARD"):
                    found.append("loops")
            for n in co.co_names + co.co_freevars:
                obj = scope.get(n)
                if "." + n in forbid:
                    found.append("." + n)
                if obj is not None and id(obj) in objects:
                    found.append(objects[id(obj)])
                if "loops" in forbid and n in _LOOP_HELPERS:
                    found.append("loops")
                if isinstance(obj, types.FunctionType) and obj.__module__ == getattr(f, "__module__", None):
                    todo.append(obj)
    return list(dict.fromkeys(found))


@contextlib.contextmanager
def _tripwires(forbid):
    """Replace each forbidden library function by one that records the call and raises."""
    used, patched = [], []
    try:
        for item in forbid:
            if item in ("@", "loops") or item.startswith("."):
                continue
            module_name, _, attr = item.rpartition(".")
            module = importlib.import_module(module_name)
            original = getattr(module, attr)

            def trip(*args, _item=item, **kwargs):
                used.append(_item)
                raise _Forbidden(_item)

            setattr(module, attr, trip)
            patched.append((module, attr, original))
        yield used
    finally:
        for module, attr, original in reversed(patched):
            setattr(module, attr, original)


class _Timeout(BaseException):
    pass


@contextlib.contextmanager
def _time_limit(seconds):
    usable = (seconds and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def alarm(signum, frame):
        raise _Timeout()

    old_handler = signal.signal(signal.SIGALRM, alarm)
    old_left, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_left:
            signal.setitimer(signal.ITIMER_REAL, max(old_left - (time.monotonic() - start), 1e-3))


def _nice(item):
    if item in ("@", "loops"):
        return {"@": "the @ operator", "loops": "Python loops"}[item]
    if item.startswith("."):
        return f"the method {item}()"
    for long, short in (("nnlib.course.", ""), ("numpy.", "np.")):
        item = item.replace(long, short, 1) if item.startswith(long) else item
    return item + "()"


def _where(err, fn):
    """'in my_fn, line 4 of its cell: return A @ x' for the student's line that raised, or ''."""
    frames = traceback.extract_tb(err.__traceback__)
    home = getattr(getattr(fn, "__code__", None), "co_filename", None)
    mine = [f for f in frames if f.filename == home] or \
        [f for f in frames if "site-packages" not in f.filename and f.filename != __file__
         and "/nnlib/" not in f.filename.replace("\\", "/")]
    if not mine:
        return ""
    f = mine[-1]
    return f"in {f.name}, line {f.lineno} of its cell: {(f.line or '').strip()}"


def _run(fn, args, name, forbid=(), timeout=None):
    """fn(*args) on copies of the arguments; every failure becomes a short CheckFailed."""
    __tracebackhide__ = True
    args = tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)
    call = _call_text(name, fn, args)
    error = None
    with _tripwires(forbid) as used:
        try:
            with _time_limit(timeout):
                got = fn(*args)
        except NotImplementedError:
            error = NOT_DONE.format(name=name)
        except _Timeout:
            error = f"{call} did not return within {timeout:g} s: an endless loop?"
        except _Forbidden:
            pass
        except Exception as err:  # the student's own error, in two lines
            text = " ".join(str(err).split())
            text = text if len(text) <= 120 else text[:119] + "…"
            where = _where(err, fn)
            error = f"{call} raised {type(err).__name__}: {text}" + (f"\n  {where}" if where else "")
    if used:
        error = (f"{name} uses {_nice(used[0])}, which this exercise asks you to do without: "
                 "write that step yourself")
    if error:
        _fail(error)
    return got


# ---- comparing a result with the expected one ------------------------------------------------

def _drop(shape, axis):
    return shape[:axis] + shape[axis + 1:]


def _shape_hint(g, e, args, names):
    if e.ndim == 2 and g.shape == e.shape[::-1]:
        return "rows and columns are swapped: a transposed matrix, or a product in the wrong order?"
    if g.ndim > e.ndim and np.squeeze(g).shape == np.squeeze(e).shape:
        return f"extra axes of length 1: reshape to {e.shape} (for example with .ravel() or [:, 0])"
    if g.ndim < e.ndim and np.squeeze(g).shape == np.squeeze(e).shape:
        return f"a length-1 axis is missing: keepdims=True, or reshape to {e.shape}"
    for n, a in zip(names, args):
        shape = np.shape(a) if isinstance(a, (np.ndarray, list)) else ()
        for ax in range(len(shape) if len(shape) >= 2 else 0):
            if e.shape == _drop(shape, ax):
                wrong = [b for b in range(len(shape)) if b != ax and g.shape == _drop(shape, b)]
                if wrong:
                    return f"a reduction over axis={wrong[0]} of {n or 'the input'} where axis={ax} is needed?"
    if g.size == 1 and e.size > 1:
        return "one number where an array is expected: a reduction over every axis (a missing axis=...)?"
    return None


def _factor(r, args, names):
    for n, a in zip(names, args):
        for ax, length in enumerate(np.shape(a) if isinstance(a, (np.ndarray, list)) else ()):
            if length >= 3 and math.isclose(r, length, rel_tol=1e-9):
                return (f"your result is {length} times the expected one, and {length} is the length of axis "
                        f"{ax} of {n or 'the input'}: a sum where a mean (a factor 1/{length}) is needed?")
            if length >= 3 and math.isclose(r, 1 / length, rel_tol=1e-9):
                return (f"your result is 1/{length} of the expected one, and {length} is the length of axis "
                        f"{ax} of {n or 'the input'}: a mean where a sum is needed?")
    if math.isclose(r, 2, rel_tol=1e-9):
        return "your result is exactly twice the expected one: a factor 2 too many (or a missing 1/2)?"
    if math.isclose(r, 0.5, rel_tol=1e-9):
        return "your result is exactly half the expected one: a missing factor 2?"
    return None


def _known_mistake(got, args, mistakes, tol, exact):
    """The hint of the first known mistake whose wrong answer equals got, or None."""
    for text, wrong in (mistakes or {}).items():
        try:
            with np.errstate(all="ignore"):
                if _diff(got, wrong(*args), tol, exact=exact) is None:
                    return text
        except Exception:
            continue
    return None


def _hint(g, e, args, names, tol):
    rtol, atol = tol
    close = lambda a, b: a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
    bad = np.argwhere(~np.isfinite(g) & np.isfinite(e))
    if bad.size:
        kind = "nan" if np.isnan(g[tuple(bad[0])]) else "inf"
        return (f"{kind} in your result: a division by zero, an overflow, or a sqrt, log or arccos "
                "of a value outside its domain (rounding can push a cosine just past 1)?")
    big = np.abs(e) > 10 * atol
    if big.any() and close(g, -e):
        return "your result is the negative of the expected one: a sign error?"
    if big.any() and np.allclose(g[~big], 0, atol=10 * atol):
        r = float(np.median(g[big] / e[big]))
        if r != 0 and not math.isclose(r, 1, rel_tol=1e-6) and close(g, r * e):
            found = _factor(r, args, names)
            if found or e.size > 1:
                return found or f"your result is the expected one times {r:.4g} everywhere: one constant factor is wrong"
    if np.all(e >= 0) and close(g, e ** 2) and not close(e, e ** 2):
        return "your result is the square of the expected one: a missing square root?"
    if np.all(e >= 0) and np.all(g >= 0) and close(g ** 2, e) and not close(e, e ** 2):
        return "your result is the square root of the expected one: a square root too many?"
    if e.size > 1:
        c = float(np.median(g - e))
        if close(g, e + c):
            return f"your result is off by {_num(c, 4)} everywhere: a missing or extra term (a bias, a +1)?"
        if e.ndim == 2 and e.shape[0] == e.shape[1] and close(g, e.T):
            return "your result is the transpose of the expected one: rows and columns swapped?"
        if close(np.sort(g, axis=None), np.sort(e, axis=None)):
            return "the right values in the wrong order"
    return None


def _index(idx):
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def _diff(got, expected, tol=(1e-6, 1e-9), args=(), names=(), parts=None, exact=False):
    """None when got matches expected, else the lines that say how it differs."""
    if expected is None or isinstance(expected, (bool, np.bool_, str)):
        same = got is None if expected is None else (
            isinstance(got, type(expected)) or isinstance(got, (bool, np.bool_))) and got == expected
        return None if same else [f"expected {_brief(expected)}, got {_brief(got)}"]
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [f"expected a dict with the keys {sorted(map(str, expected))}, got {_brief(got)}"]
        if set(got) != set(expected):
            missing, extra = sorted(set(expected) - set(got), key=str), sorted(set(got) - set(expected), key=str)
            return [f"the dict should have the keys {sorted(map(str, expected))}: "
                    + "; ".join(text for text in (f"missing {missing}" if missing else "",
                                                  f"not expected {extra}" if extra else "") if text)]
        for key, value in expected.items():
            lines = _diff(got[key], value, tol, args, names, None, exact)
            if lines:
                return [f"the value for {key!r}: {lines[0]}", *lines[1:]]
        return None
    if isinstance(expected, (tuple, list)) and (parts or not all(_is_number(v) for v in expected)):
        label = lambda k: parts[k] if parts else f"item {k}"
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            what = f" ({', '.join(parts)})" if parts else ""
            return [f"expected a {type(expected).__name__} of {len(expected)} items{what}, got {_brief(got)}"]
        for k, (g, e) in enumerate(zip(got, expected)):
            lines = _diff(g, e, tol, args, names, None, exact)
            if lines:
                return [f"{label(k)}: {lines[0]}", *lines[1:]]
        return None
    if got is None:
        return ["expected a number or an array, got None: a missing `return`?"]
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return [f"expected a number or an array of numbers, got {type(got).__name__} {_brief(got)}"]
    e = np.asarray(expected, dtype=float)
    if g.shape != e.shape:
        if e.ndim <= 1 and e.size <= 6 and g.ndim <= 1 and g.size <= 6:
            lines = [f"expected {_brief(expected)}, got {_brief(got)}"]
        else:
            what = "a single number" if e.ndim == 0 else f"an array of shape {e.shape}"
            lines = [f"expected {what}, got " + ("a single number" if g.ndim == 0 else f"an array of shape {g.shape}")]
        hint = _shape_hint(g, e, args, names)
        return lines + ([f"hint: {hint}"] if hint else [])
    ok = (g == e) | (np.isnan(g) & np.isnan(e)) if exact else \
        np.isclose(g, e, rtol=tol[0], atol=tol[1], equal_nan=True)
    if np.all(ok):
        return None
    bad = np.argwhere(~ok)
    first = tuple(bad[0])
    es, gs = _pair(e[first], g[first])
    if e.ndim == 0:
        lines = [f"expected {es}, got {gs}"]
    else:
        count = f" ({len(bad)} of {e.size} entries are wrong)" if e.size > 1 else ""
        lines = [f"entry {_index(first)} is wrong: expected {es}, got {gs}{count}"]
    hint = _hint(g, e, args, names, (0, 0) if exact else tol)
    return lines + ([f"hint: {hint}"] if hint else [])


# ---- the checks --------------------------------------------------------------------------------

def _without(forbid):
    names = [_nice(f) for f in forbid]
    if len(names) > 3:
        names = names[:2] + [f"{len(names) - 2} other shortcuts"]
    return f" (without {', '.join(names[:-1]) + ' or ' if len(names) > 1 else ''}{names[-1]})" if names else ""


def _refuse_forbidden(fn, name, forbid, methods=False):
    """Fail when fn's code uses something forbidden: first everything but methods, whose
    names (".dot") also match module functions (np.dot), then, after the cases ran, methods."""
    __tracebackhide__ = True
    forbid = [f for f in forbid if f.startswith(".") == methods]
    used = _static_uses(fn, forbid)
    if used:
        _fail(f"{name} uses {_nice(used[0])}, which this exercise asks you to do without: "
              "write that step yourself")


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
