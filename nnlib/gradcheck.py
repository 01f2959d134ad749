"""Numerical gradient checking: compare backward passes with finite differences.

The central difference ``(f(x + h) - f(x - h)) / (2 h)`` has error of order
``h**2``, so with float64 and ``h = 1e-5`` a correct backward pass agrees to a
relative error of about 1e-8 or better. Derived in Chapter 4 (backpropagation).
"""
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of a scalar function ``f`` at ``x``.

    ``grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h)`` for every entry ``i``.
    ``x`` is perturbed in place and restored, so ``f`` may read it directly
    (for example a parameter's ``.data``).

    Parameters
    ----------
    f : function ``f(x)``
        ``f(x)`` returns a scalar (it may ignore its argument and read ``x``
        through a closure, e.g. when ``x`` is a parameter's ``.data``).
    x : ndarray, any shape ``S``
        Point of evaluation (use float64).
    h : float
        Step size.

    Returns
    -------
    grad : ndarray, shape ``S``
        Numerical ``df/dx``, float64. Chapter 4.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = x.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient expected a contiguous array x (it is perturbed in place)")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = float(f(x))
        flat[i] = old - h
        minus = float(f(x))
        flat[i] = old
        grad.reshape(-1)[i] = (plus - minus) / (2 * h)
    return grad


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
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error expected arrays of equal shape, got {a.shape} and {b.shape}")
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
        0 when equal (and when both are all zero). Chapters 4 and 7.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"normwise_error expected arrays of equal shape, got {a.shape} and {b.shape}")
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
    if error not in _ERRORS:
        raise ValueError(f"check_module: error must be 'entrywise' or 'normwise', got {error!r}")
    measure = _ERRORS[error]
    x = np.array(x)
    is_data = x.dtype.kind in "iub"  # token ids: no input gradient
    if not is_data:
        x = x.astype(np.float64)
    out = module(x)
    G = np.random.default_rng(seed).standard_normal(out.shape)

    def loss(_):
        return np.sum(module(x) * G)

    module.zero_grad()
    module(x)
    dx = module.backward(G)
    errors = {} if is_data else {"input": measure(dx, numerical_gradient(loss, x, h))}
    for name, p in module.named_parameters():
        errors[name] = measure(p.grad, numerical_gradient(loss, p.data, h))
    return GradCheckResult(errors, tol)
