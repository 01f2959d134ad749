"""The argument checks every nnlib constructor and function shares (not part of the API).

Each check returns the value in the form the caller needs (an ``int``, a ``float``, a
dtype) or raises a ``ValueError`` in nnlib's style: who complains, what it expected, what
it got. nnlib raises ``ValueError`` for every kind of bad input, wrong *types* included, so
that one ``except ValueError`` catches them all.
"""
import numbers

import numpy as np

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _describe(value):
    """``value`` as the message shows it: its type and, if short, its repr."""
    text = repr(value)
    return f"{type(value).__name__} {text}" if len(text) <= 40 else type(value).__name__


def integer(who, name, value, minimum=1):
    """``value`` as an ``int``, after checking it is a whole number (not a float) ``>= minimum``.

    ``minimum=None`` accepts any integer.
    """
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        hint = f" (write int({value!r}))" if isinstance(value, float) and value.is_integer() else ""
        what = "an integer" if minimum is None else f"an integer >= {minimum}"
        raise ValueError(f"{who} expected {name} to be {what}, got {_describe(value)}{hint}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{who} expected {name} >= {minimum}, got {name}={value}")
    return int(value)


def pair(who, name, value, minimum=1):
    """``(a, b)`` from an int or a pair of ints (rows, columns), each ``>= minimum``.

    For the kernel sizes, strides and paddings of the image layers (Chapter 7).
    """
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    whole = all(not isinstance(v, bool) and isinstance(v, (numbers.Integral, np.integer)) for v in items)
    if len(items) != 2 or not whole or min(items) < minimum:
        raise ValueError(f"{who} expected {name} to be an integer >= {minimum} or a pair of them "
                         f"(rows, columns), got {_describe(value)}. Use e.g. {name}=3 or {name}=(3, 5).")
    return int(items[0]), int(items[1])


def _parse(interval):
    """``"[0, 1)"`` -> ``(0.0, 1.0, True, False)``: the bounds and whether each is included."""
    low, high = interval[1:-1].split(",")
    return float(low), float(high), interval[0] == "[", interval[-1] == "]"


def number(who, name, value, interval):
    """``value`` as a ``float``, after checking it is a real number in ``interval``.

    ``interval`` is written as in mathematics, e.g. ``"[0, 1)"`` or ``"(0, inf)"``; NaN is
    never inside one.
    """
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.integer, np.floating)):
        raise ValueError(f"{who} expected {name} to be a number in {interval}, got {_describe(value)}")
    value = float(value)
    low, high, low_in, high_in = _parse(interval)
    above = value >= low if low_in else value > low
    below = value <= high if high_in else value < high
    if not (above and below):
        raise ValueError(f"{who} expected {name} in {interval}, got {name}={value:g}")
    return value


def float_dtype(who, dtype):
    """``np.dtype(dtype)`` after checking it is float32 or float64 (the two nnlib computes in)."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"{who} expected dtype np.float64 or np.float32, got {_describe(dtype)}") from None
    if dt not in _FLOAT_DTYPES:
        why = ("float16 has 3 significant digits, too few for training and gradient checks"
               if dt.kind == "f" else "parameters must be floating point")
        raise ValueError(f"{who} expected dtype np.float64 or np.float32, got {dt}: {why}.")
    return dt


def generator(who, rng, *, allow_none=True):
    """``np.random.default_rng(rng)`` after checking ``rng`` is a seed, a Generator (or None)."""
    if rng is None and not allow_none:
        raise ValueError(f"{who} expected rng, a seed (int) or a numpy.random.Generator, got None: "
                         "without one the run cannot be reproduced. Pass rng=0 or "
                         "rng=np.random.default_rng(0).")
    try:
        return np.random.default_rng(rng)  # a Generator is returned as it is
    except (TypeError, ValueError):
        raise ValueError(f"{who} expected rng, a seed (int >= 0) or a numpy.random.Generator, "
                         f"got {_describe(rng)}") from None


def input_dtype(module, x, dtype):
    """Raise a ValueError unless the input ``x`` has the dtype of the module's parameters."""
    dtype = np.dtype(dtype)
    if x.dtype != dtype:
        hint = f"Cast the input with x.astype(np.{dtype})"
        if x.dtype in (np.float32, np.float64):
            hint += f" or create the layer with dtype=np.{x.dtype}"
        raise ValueError(
            f"{type(module).__name__} expected input of dtype {dtype} (the dtype of its "
            f"parameters), got {x.dtype}: dtype mismatch between input and weights. {hint}."
        )


def axis(who, x, value):
    """``value`` as an int, after checking it is an axis of the array ``x``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not -x.ndim <= value < x.ndim:
        raise ValueError(f"{who} expected axis to be an integer in [-{x.ndim}, {x.ndim}) for an input "
                         f"of shape {x.shape}, got axis={value!r}")
    return int(value)


def same_shape(who, a_name, a, b_name, b):
    """Raise a ValueError unless ``b`` has the shape of ``a`` (no silent broadcasting)."""
    if a.shape != b.shape:
        raise ValueError(f"{who} expected {b_name} of the shape of {a_name}, {a.shape}, got {b.shape}: "
                         "a smaller array would broadcast silently")
