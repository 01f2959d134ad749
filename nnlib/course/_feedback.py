"""How a check words its verdict: short texts for values, calls and numbers, and the diff.

Part of ``nnlib.course.checks`` (see its docstring for the format of a message): a failing
check raises ``CheckFailed`` through ``_fail``, which keeps a message to ``MAX_LINES`` lines
of at most ``MAX_WIDTH`` characters; ``_diff`` compares a result with the expected value and
says how they differ (the first wrong entry with its index, at a precision that shows the
difference, the shape, a hint for a known mistake), or returns None when they agree.
"""
import inspect
import math

import numpy as np

NOT_DONE = ("{name} is not implemented yet: replace `# YOUR CODE HERE` and "
            "`raise NotImplementedError()` with your code, then run the cell again")
MAX_LINES, MAX_WIDTH = 8, 160
class CheckFailed(AssertionError):
    """A check that failed: the message says what is wrong, in at most eight short lines."""


def _fail(message):
    __tracebackhide__ = True
    lines = [line if len(line) <= MAX_WIDTH else line[:MAX_WIDTH - 1] + "…"
             for line in str(message).splitlines()]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES - 1] + ["  (…)"]
    raise CheckFailed("\n".join(lines)) from None


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
        shape = _shape(a)
        for ax in range(len(shape) if len(shape) >= 2 else 0):
            if e.shape == _drop(shape, ax):
                wrong = [b for b in range(len(shape)) if b != ax and g.shape == _drop(shape, b)]
                if wrong:
                    return f"a reduction over axis={wrong[0]} of {n or 'the input'} where axis={ax} is needed?"
    if g.size == 1 and e.size > 1:
        return "one number where an array is expected: a reduction over every axis (a missing axis=...)?"
    return None


def _shape(a):
    """The shape of an array or a rectangular list; () for anything else (a ragged list too)."""
    if not isinstance(a, (np.ndarray, list)):
        return ()
    try:
        return np.shape(a)
    except ValueError:  # a list of arrays of different shapes
        return ()


def _factor(r, args, names):
    for n, a in zip(names, args):
        for ax, length in enumerate(_shape(a)):
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
