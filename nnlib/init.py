"""Weight initialisation: Xavier/Glorot and He (Kaiming), normal and uniform.

nnlib stores a weight matrix as ``(fan_in, fan_out)`` (so ``out = x @ W``), which
is the transpose of PyTorch's ``(out_features, in_features)`` layout. The goal of
both schemes is to keep the variance of activations (and gradients) roughly
constant from layer to layer. Derived in Chapter 5 (training in practice:
initialization).
"""
import math

import numpy as np

from nnlib import _validate


def fans(shape):
    """Return ``(fan_in, fan_out)`` of a weight of shape ``shape`` in nnlib's layout.

    Parameters
    ----------
    shape : tuple of int
        ``(fan_in, fan_out)`` for a matrix; for more axes, the last axis is
        ``fan_out`` and the product of the others is ``fan_in``.

    Returns
    -------
    fans : tuple of int
        ``(fan_in, fan_out)``. Chapter 5.
    """
    return _fans(shape, "fans")


def _fans(shape, who):
    """``fans(shape)``, with errors that name the function ``who`` that was called."""
    try:
        shape = tuple(shape)
    except TypeError:
        raise ValueError(f"{who} expected a weight shape (a tuple of ints), got {shape!r}") from None
    if len(shape) < 2:
        raise ValueError(f"{who} expected a weight shape with at least 2 axes, got {shape}")
    shape = tuple(_validate.integer(who, f"shape[{i}]", s) for i, s in enumerate(shape))
    return math.prod(shape[:-1]), shape[-1]


def xavier_uniform(shape, rng=None, *, gain=1.0, dtype=np.float64):
    """Glorot/Xavier uniform: ``W ~ U(-a, a)``, ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Parameters
    ----------
    shape : tuple of int
        ``(fan_in, fan_out)``.
    rng : ``numpy.random.Generator``, int or None
        Random generator or seed (None: fresh, non-reproducible randomness).
    gain : float
        Scale for the activation, ``> 0`` (1 for tanh/sigmoid-like use, as in the paper).
    dtype : ``numpy`` floating dtype
        dtype of the result: ``np.float64`` (default) or ``np.float32``.

    Returns
    -------
    W : ndarray, shape ``shape``
        Variance ``gain**2 * 2 / (fan_in + fan_out)``. Chapter 5.
    """
    fan_in, fan_out = _fans(shape, "xavier_uniform")
    dtype = _validate.float_dtype("xavier_uniform", dtype)
    gain = _validate.number("xavier_uniform", "gain", gain, "(0, inf)")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _validate.generator("xavier_uniform", rng).uniform(-bound, bound, size=shape).astype(dtype, copy=False)


def xavier_normal(shape, rng=None, *, gain=1.0, dtype=np.float64):
    """Glorot/Xavier normal: ``W ~ N(0, std**2)``, ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Arguments as in ``xavier_uniform``; returns an array of shape ``shape``. Chapter 5.
    """
    fan_in, fan_out = _fans(shape, "xavier_normal")
    dtype = _validate.float_dtype("xavier_normal", dtype)
    gain = _validate.number("xavier_normal", "gain", gain, "(0, inf)")
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return (_validate.generator("xavier_normal", rng).standard_normal(size=shape) * std).astype(dtype, copy=False)


def he_uniform(shape, rng=None, *, dtype=np.float64):
    """He/Kaiming uniform for ReLU nets: ``W ~ U(-a, a)``, ``a = sqrt(6 / fan_in)``.

    Arguments as in ``xavier_uniform`` (no gain: it is fixed at ``sqrt(2)`` for
    ReLU); returns an array of shape ``shape`` with variance ``2 / fan_in``. Chapter 5.
    """
    fan_in, _ = _fans(shape, "he_uniform")
    dtype = _validate.float_dtype("he_uniform", dtype)
    bound = math.sqrt(6.0 / fan_in)
    return _validate.generator("he_uniform", rng).uniform(-bound, bound, size=shape).astype(dtype, copy=False)


def he_normal(shape, rng=None, *, dtype=np.float64):
    """He/Kaiming normal for ReLU nets: ``W ~ N(0, 2 / fan_in)``.

    Arguments as in ``xavier_uniform``; returns an array of shape ``shape``. Chapter 5.
    """
    fan_in, _ = _fans(shape, "he_normal")
    dtype = _validate.float_dtype("he_normal", dtype)
    std = math.sqrt(2.0 / fan_in)
    return (_validate.generator("he_normal", rng).standard_normal(size=shape) * std).astype(dtype, copy=False)


# The names accepted by ``Linear(..., init=name)``.
INITIALIZERS = {
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "xavier": xavier_normal,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "glorot": xavier_normal,
    "glorot_uniform": xavier_uniform,
}
