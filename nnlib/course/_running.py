"""Running the student's code for a check: what it may not use, how long it may take, and
what to say when it raises.

Part of ``nnlib.course.checks``. ``forbid`` entries are found twice: in the code itself
(``_static_uses`` reads the byte code of the function and of everything it defines) and while
it runs (``_tripwires`` replaces each forbidden library function by one that raises
``_Forbidden``); ``_time_limit`` stops an endless loop; ``_run`` reports an exception inside
the student's code in two lines (what was raised, on which input, at which line).
"""
import contextlib
import dis
import importlib
import inspect
import signal
import threading
import time
import traceback
import types

import numpy as np

from nnlib.course._feedback import NOT_DONE, _call_text, _fail

_LOOP_HELPERS = {"map", "filter", "vectorize", "apply_along_axis", "frompyfunc", "fromiter"}


class _Forbidden(Exception):
    pass


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
