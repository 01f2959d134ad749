"""Numerical gradient checking: compare backward passes with finite differences.

The central difference ``(f(x + h) - f(x - h)) / (2 h)`` has error of order
``h**2``, so with float64 and ``h = 1e-5`` a correct backward pass agrees to a
relative error of about 1e-8 or better. Derived in Chapter 4 (backpropagation).
"""
import numpy as np

from nnlib import _validate
from nnlib.module import Module


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of a scalar function ``f`` at ``x``.

    ``grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h)`` for every entry ``i``.
    ``x`` is perturbed in place and restored, so ``f`` may read it directly
    (for example a parameter's ``.data``).

    Use float64. In float32 the rounding error of ``f`` (about 6e-8 relative) is divided
    by ``2 h``, so the estimate is only good to about 1e-3 relative, however ``h`` is
    chosen (Chapter 4 measures this). Integer and float16 arrays are refused: they
    cannot hold ``x + h`` (the perturbation would be truncated or rounded away).

    Parameters
    ----------
    f : function ``f(x)``
        ``f(x)`` returns a scalar (it may ignore its argument and read ``x``
        through a closure, e.g. when ``x`` is a parameter's ``.data``).
    x : ndarray, any shape ``S``
        Point of evaluation: a float64 (or float32) NumPy array.
    h : float
        Step size, ``h > 0``.

    Returns
    -------
    grad : ndarray, shape ``S``
        Numerical ``df/dx``, float64. Chapter 4.
    """
    if not isinstance(x, np.ndarray):
        raise ValueError(f"numerical_gradient expected x to be a NumPy array (it is perturbed in place), "
                         f"got {type(x).__name__}; pass np.array(x, dtype=np.float64)")
    if x.dtype not in (np.float64, np.float32):
        raise ValueError(f"numerical_gradient expected a float64 (or float32) array x, got dtype {x.dtype}: it cannot "
                         f"hold x + h for h={h:g} (the step would be truncated or rounded away). "
                         "Use x.astype(np.float64).")
    h = _validate.number("numerical_gradient", "h", h, "(0, inf)")
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = x.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient expected a contiguous array x (it is perturbed in place), "
                         "got a non-contiguous view; pass np.ascontiguousarray(x)")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = _scalar(f(x))
        flat[i] = old - h
        minus = _scalar(f(x))
        flat[i] = old
        grad.reshape(-1)[i] = (plus - minus) / (2 * h)
    return grad


def _scalar(value):
    """``float(value)``, after checking ``value`` is one number (what ``f`` must return)."""
    if np.size(value) != 1:
        raise ValueError(f"numerical_gradient expected f(x) to return one number, got an array of shape "
                         f"{np.shape(value)}; return a scalar loss such as np.sum(out * G)")
    return float(np.asarray(value).reshape(-1)[0])


def _pair(who, a, b):
    """``a`` and ``b`` as float64 arrays, after checking they have one shape."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"{who} expected arrays of equal shape, got {a.shape} and {b.shape}")
    return a, b


def rel_error(a, b):
    """Worst relative error ``max(|a - b| / max(|a| + |b|, 1e-8))`` over all entries (CS231n's formula).

    Parameters
    ----------
    a : ndarray or float, any shape ``S``
        For example the analytic gradient.
    b : ndarray or float, shape ``S``
        For example the numerical gradient, same shape as ``a``.

    Returns
    -------
    error : float
        0 when equal; below 1e-7 means agreement for float64 checks. Chapter 4.
    """
    a, b = _pair("rel_error", a, b)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))


def normwise_error(a, b):
    """Relative error of a whole array: ``max|a - b| / max(max|a|, max|b|)``.

    Unlike ``rel_error``, it stays small for an array whose true gradient is exactly zero
    (for example attention's key bias, Chapter 9): the numerical estimate's tiny rounding
    noise is measured against the array's scale, not against zero.

    Parameters
    ----------
    a, b : ndarray or float, same shape ``S``

    Returns
    -------
    error : float
        0 when equal (and when both are all zero). Chapter 9 (gradient checks of attention).
    """
    a, b = _pair("normwise_error", a, b)
    if a.size == 0:
        return 0.0
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-12)
    return float(np.max(np.abs(a - b)) / scale)


_ERRORS = {"entrywise": rel_error, "normwise": normwise_error}


class GradCheckResult(dict):
    """A dict ``name -> worst relative error`` (``"input"`` and each parameter) that prints as a table."""

    def __init__(self, errors, tol):
        super().__init__(errors)
        self.tol = tol

    @property
    def max_error(self):
        """The largest error over all entries (a float)."""
        return max(self.values()) if self else 0.0

    @property
    def ok(self):
        """True when every error is below ``tol``."""
        return self.max_error < self.tol

    def __str__(self):
        width = max([len(k) for k in self] + [5])
        lines = [f"{'name':<{width}}  rel. error  (tolerance {self.tol:.0e})"]
        for name, err in self.items():
            lines.append(f"{name:<{width}}  {err:.1e}     {'ok' if err < self.tol else 'FAIL'}")
        return "\n".join(lines)


def check_module(module, x, seed=0, h=1e-5, tol=1e-7, error="entrywise"):
    """Gradient-check a module's backward pass for its input and every parameter.

    Uses the scalar ``L = sum(module(x) * G)`` with a fixed random ``G`` of the
    output's shape, so ``dL/dout = G``; compares ``module.backward(G)`` and the
    accumulated ``p.grad`` with ``numerical_gradient``. Use float64 inputs and
    parameters. A module whose forward pass is random (Dropout in training mode)
    must be made deterministic first.

    Parameters
    ----------
    module : Module
        The module to check (its ``.grad`` arrays are reset).
    x : ndarray, shape the module accepts, e.g. ``(N, D)``
        Input; a float64 copy is used. Integer input (token ids for ``Embedding`` or a
        language model) is passed as it is, and has no gradient to check.
    seed : int
        Seed for ``G``.
    h : float
        Finite-difference step.
    tol : float
        Tolerance used for the ok/FAIL column of the printout.
    error : {"entrywise", "normwise"}
        ``rel_error`` (the worst entry, each relative to its own size) or
        ``normwise_error`` (relative to the whole array's size; use it when some true
        gradients are exactly zero).

    Returns
    -------
    errors : GradCheckResult
        A dict ``{"input": err, "0.W": err, ...}`` (no ``"input"`` for integer input);
        ``print(errors)`` shows a table. Chapter 4.
    """
    if not isinstance(module, Module):
        raise ValueError(f"check_module expected a Module, got {type(module).__name__}")
    if not (isinstance(error, str) and error in _ERRORS):
        raise ValueError(f"check_module expected error 'entrywise' or 'normwise', got {error!r}")
    for name, p in module.named_parameters():
        if p.data.dtype != np.float64:
            raise ValueError(
                f"check_module expected float64 parameters, got {name} of dtype {p.data.dtype}: finite "
                "differences in float32 are only good to about 1e-3, so a correct backward pass would "
                "look wrong. Build the module with dtype=np.float64 to check it."
            )
    measure = _ERRORS[error]
    x = np.array(x)
    is_data = x.dtype.kind in "iub"  # token ids: no input gradient
    if not is_data:
        x = x.astype(np.float64)
    out = module(x)
    G = _validate.generator("check_module", seed).standard_normal(out.shape)

    def loss(_):
        return np.sum(module(x) * G)

    module.zero_grad()
    module(x)
    dx = module.backward(G)
    errors = {} if is_data else {"input": measure(dx, numerical_gradient(loss, x, h))}
    for name, p in module.named_parameters():
        errors[name] = measure(p.grad, numerical_gradient(loss, p.data, h))
    return GradCheckResult(errors, tol)
