"""Self-checks for exercises: precise feedback for students, one clear line when right.

Every exercise in the course ends with a check cell that calls one of these functions.
A check either prints a single success line starting with a check mark, or raises an
`AssertionError` whose message says exactly what is wrong, for example::

    relu(-2.0) should be 0.0, got -2.0

Raising (rather than printing) means that a failing check stops "Run all", shows up in
red in Jupyter, and is counted as a failure by nbgrader's autograder.

Used in the exercise notebook of every chapter; the format is described in Chapter 1's
exercises.
"""
import numpy as np

__all__ = ["check_function", "check_close", "check_equal", "check_true", "check_raises", "passed"]

_NOT_DONE = "{name} is not implemented yet: replace `raise NotImplementedError()` with your code and run the cell again"


def _show(value):
    """A short, stable text for a value in a message (arrays rounded to 6 decimals)."""
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=6, suppress_small=True, separator=", ", max_line_width=10**6)
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value)


def _call_text(name, args):
    return f"{name}({', '.join(_show(a) for a in args)})"


def _mismatch(got, expected, rtol, atol):
    """None when got matches expected, else a reason in words."""
    if isinstance(expected, (bool, np.bool_)) or expected is None or isinstance(expected, str):
        return None if got == expected else f"should be {_show(expected)}, got {_show(got)}"
    if isinstance(expected, (tuple, list)) and not all(np.isscalar(e) for e in expected):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"should be a sequence of {len(expected)} items, got {_show(got)}"
        for k, (g, e) in enumerate(zip(got, expected)):
            reason = _mismatch(g, e, rtol, atol)
            if reason:
                return f"item {k} {reason}"
        return None
    try:
        got_arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"should be a number or an array of numbers, got {type(got).__name__} {_show(got)}"
    exp_arr = np.asarray(expected, dtype=float)
    if got_arr.shape != exp_arr.shape:
        return f"should have shape {exp_arr.shape}, got shape {got_arr.shape} ({_show(got)})"
    if not np.allclose(got_arr, exp_arr, rtol=rtol, atol=atol, equal_nan=True):
        return f"should be {_show(expected)}, got {_show(got)}"
    return None


def passed(message):
    """Print the success line every check ends with."""
    print(f"\u2714 {message}")


def check_function(fn, cases, *, name=None, rtol=1e-6, atol=1e-9):
    """Call ``fn(*args)`` for each ``(args, expected)`` in cases and compare the results.

    Parameters
    ----------
    fn : callable
        The student's function.
    cases : list of (tuple, object)
        Arguments and the expected result (a number, an array, a bool, or a tuple of these).
    name : str, optional
        The name shown in messages (defaults to ``fn.__name__``).
    rtol, atol : float
        Tolerances for numbers and arrays, as in ``numpy.allclose``.
    """
    name = name or getattr(fn, "__name__", "your function")
    for args, expected in cases:
        args = args if isinstance(args, tuple) else (args,)
        try:
            got = fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
        except NotImplementedError:
            raise AssertionError(_NOT_DONE.format(name=name)) from None
        except Exception as err:
            raise AssertionError(f"{_call_text(name, args)} raised {type(err).__name__}: {err}") from None
        reason = _mismatch(got, expected, rtol, atol)
        if reason:
            raise AssertionError(f"{_call_text(name, args)} {reason}")
    passed(f"{name}: all {len(cases)} cases are right.")


def check_close(got, expected, what, *, rtol=1e-6, atol=1e-9):
    """Assert that a computed value (number, array or tuple) matches the expected one."""
    reason = _mismatch(got, expected, rtol, atol)
    if reason:
        raise AssertionError(f"{what} {reason}")
    passed(f"{what} is right.")


def check_equal(got, expected, what):
    """Assert exact equality (integers, strings, shapes, tuples)."""
    if not (got == expected if not isinstance(got, np.ndarray) else np.array_equal(got, expected)):
        raise AssertionError(f"{what} should be {_show(expected)}, got {_show(got)}")
    passed(f"{what} is right.")


def check_true(condition, failure, success):
    """Assert a condition that has no single expected value; explain the failure in words."""
    if not condition:
        raise AssertionError(failure)
    passed(success)


def check_raises(fn, args, error, *, name=None):
    """Assert that ``fn(*args)`` raises ``error`` (an exception class)."""
    name = name or getattr(fn, "__name__", "your function")
    args = args if isinstance(args, tuple) else (args,)
    try:
        fn(*args)
    except NotImplementedError:
        raise AssertionError(_NOT_DONE.format(name=name)) from None
    except error:
        passed(f"{_call_text(name, args)} raises {error.__name__}, as it should.")
        return
    except Exception as err:
        raise AssertionError(f"{_call_text(name, args)} should raise {error.__name__}, "
                             f"but raised {type(err).__name__}: {err}") from None
    raise AssertionError(f"{_call_text(name, args)} should raise {error.__name__}, but returned normally")
