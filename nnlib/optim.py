"""Optimizers: SGD (with momentum), Adam and AdamW, with PyTorch's update rules.

An optimizer holds a list of ``Parameter`` objects. ``step()`` updates every
``p.data`` in place from ``p.grad``; ``zero_grad()`` resets the gradients.
All state arrays have the parameter's dtype, so float32 stays float32.
SGD, momentum and Adam are derived in Chapter 4 (gradient descent); weight
decay and AdamW in Chapter 5 (training in practice).
"""
import math

import numpy as np

from nnlib import _validate
from nnlib.module import Module, Parameter


class Optimizer:
    """Base class: keeps the parameter list and implements ``zero_grad``.

    Every hyperparameter is checked when the optimizer is built, as ``torch.optim`` does: a
    value outside its range raises a ``ValueError`` naming the argument, the range and the
    value. A ``Parameter`` listed twice is refused (it would be stepped twice per step).

    Parameters
    ----------
    params : list of Parameter
        For example ``model.parameters()`` (each Parameter once; not the module itself).
    lr : float
        Learning rate, ``lr > 0``.
    """

    def __init__(self, params, lr):
        name = type(self).__name__
        if isinstance(params, (Module, Parameter)):
            what = "a single Parameter: pass [p]" if isinstance(params, Parameter) else (
                f"the module {type(params).__name__} itself: pass model.parameters()")
            raise ValueError(f"{name} expected a list of Parameter objects such as model.parameters(), "
                             f"got {what}")
        try:
            self.params = list(params)
        except TypeError:
            raise ValueError(f"{name} expected a list of Parameter objects such as model.parameters(), "
                             f"got {type(params).__name__}") from None
        if not self.params:
            raise ValueError(f"{name} expected a non-empty list of parameters, got none")
        first = {}
        for i, p in enumerate(self.params):
            if not isinstance(p, Parameter):
                raise ValueError(
                    f"{name} expected Parameter objects, got {type(p).__name__} at position {i}; "
                    "pass model.parameters()"
                )
            if id(p) in first:
                raise ValueError(
                    f"{name} expected each Parameter once, got {p!r} at positions {first[id(p)]} and {i}: "
                    "it would be updated twice per step. Pass model.parameters(), which lists a "
                    "shared Parameter once."
                )
            first[id(p)] = i
        self.lr = _validate.number(name, "lr", lr, "(0, inf)")
        self._work = [None] * len(self.params)  # per-parameter work arrays, made on first use (_scratch)

    def zero_grad(self):
        """Set ``p.grad`` to zero for every parameter."""
        for p in self.params:
            p._zero_pending = True  # = p.zero_grad(), without a method call per parameter

    def step(self):
        """Update every parameter once from its current gradient."""
        raise NotImplementedError


def _scalar(value, dtype):
    """``value`` as a NumPy scalar of ``dtype``: the same number NumPy would use for the Python
    float (it casts it to the array's dtype), without the conversion in every operation,
    which costs about 0.3 us each time, a quarter of an update of a 64 x 64 array."""
    return dtype.type(value)


def _scratch(optimizer, i, p):
    """A work array of ``p``'s shape and dtype, kept by the optimizer for parameter ``i``."""
    buf = optimizer._work[i]
    if buf is None or buf.shape != p.data.shape or buf.dtype != p.data.dtype:
        buf = optimizer._work[i] = np.empty_like(p.data)
    return buf


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and L2 weight decay.

    Per parameter, with ``g = grad + weight_decay * p``:
    without momentum ``p = p - lr * g``; with momentum
    ``v = momentum * v + g`` (``v = g`` on the first step) and ``p = p - lr * v``,
    exactly as ``torch.optim.SGD`` (dampening 0, no Nesterov).

    Parameters
    ----------
    params : list of Parameter
        The parameters to update.
    lr : float
        Learning rate.
    momentum : float
        Momentum factor in ``[0, 1)``; 0 disables it.
    weight_decay : float
        L2 penalty coefficient added to the gradient, ``>= 0``. Chapters 4 and 5.
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr)
        self.momentum = _validate.number("SGD", "momentum", momentum, "[0, 1)")
        self.weight_decay = _validate.number("SGD", "weight_decay", weight_decay, "[0, inf)")
        self.velocity = [None] * len(self.params)

    def step(self):
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        if not (mu or wd):  # plain SGD, the common case
            dtype = lr_ = None
            for p in self.params:
                g = p.grad if p._zero_pending else p._grad  # = p.grad, without the property's call
                if g.dtype is not dtype:  # lr as a scalar of the gradient's dtype (see _scalar)
                    dtype = g.dtype
                    lr_ = _scalar(lr, dtype)
                p.data -= lr_ * g  # p = p - lr * g (the temporary costs no more than a kept buffer)
            return
        for i, (p, step) in enumerate(zip(self.params, self._work)):
            g = p.grad
            if wd:
                g = g + wd * p.data
            if mu:
                v = self.velocity[i]
                if v is None:
                    v = self.velocity[i] = g.copy()
                else:
                    v *= mu
                    v += g
                g = v
            if step is None or step.shape != g.shape:
                step = _scratch(self, i, p)
            np.multiply(g, lr, step)  # step = lr * g, in a buffer kept between steps (out by position: cheaper)
            p.data -= step  # p = p - lr * g


class Adam(Optimizer):
    """Adam with bias correction (``torch.optim.Adam``), optional L2 weight decay.

    With ``g = grad + weight_decay * p`` and step count ``t``:
    ``m = b1 * m + (1 - b1) * g``, ``v = b2 * v + (1 - b2) * g**2``,
    ``m_hat = m / (1 - b1**t)``, ``v_hat = v / (1 - b2**t)``,
    ``p = p - lr * m_hat / (sqrt(v_hat) + eps)``.

    Parameters
    ----------
    params : list of Parameter
        The parameters to update.
    lr : float
        Learning rate (default 1e-3).
    betas : tuple of float
        ``(b1, b2)``, decay rates of the first and second moment averages, each in ``[0, 1)``.
    eps : float
        Added to the denominator for stability, ``>= 0``.
    weight_decay : float
        L2 penalty added to the gradient, ``>= 0`` (AdamW decouples it instead). Chapter 4;
        weight decay in Chapter 5.
    """

    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        name = type(self).__name__
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise ValueError(f"{name} expected betas to be a pair (beta1, beta2), got {betas!r}")
        self.betas = tuple(_validate.number(name, f"betas[{i}]", b, "[0, 1)") for i, b in enumerate(betas))
        self.eps = _validate.number(name, "eps", eps, "[0, inf)")
        self.weight_decay = _validate.number(name, "weight_decay", weight_decay, "[0, inf)")
        self.t = 0
        self._flat = _FlatState.for_params(self.params)
        if self._flat is not None:  # m and v are views of one array each (see _FlatState)
            self.m, self.v = self._flat.views(self._flat.m), self._flat.views(self._flat.v)
        else:
            self.m = [np.zeros_like(p.data) for p in self.params]
            self.v = [np.zeros_like(p.data) for p in self.params]

    def step(self):
        self.t += 1
        b1, b2 = self.betas
        lr, wd, eps = self.lr, self.weight_decay, self.eps
        step_size = lr / (1 - b1**self.t)
        sqrt_bc2 = math.sqrt(1 - b2**self.t)
        numbers = (b1, 1 - b1, b2, 1 - b2, sqrt_bc2, eps, step_size, 1 - lr * wd)
        if self._flat is not None and self._flat.fits(self.params):
            self._flat_step(numbers)
            return
        dtype = None
        for i, (p, m, v) in enumerate(zip(self.params, self.m, self.v)):
            g = p.grad
            if g.dtype is not dtype:  # the numbers as scalars of the gradient's dtype (see _scalar)
                dtype = g.dtype
                b1_, c1, b2_, c2, sqrt_bc2_, eps_, step_, decay = (_scalar(x, dtype) for x in numbers)
            if wd and self.decoupled:
                p.data *= decay  # p = p (1 - lr wd)
            elif wd:
                g = g + wd * p.data
            buf = _scratch(self, i, p)  # one array per parameter, reused: no temporaries
            update = _adam_update(g, m, v, buf, b1_, c1, b2_, c2, sqrt_bc2_, eps_, step_)
            p.data -= update  # p = p - lr * m_hat / (sqrt(v_hat) + eps)

    def _flat_step(self, numbers):
        """``step`` for many small parameters: the same operations, each once on all of them."""
        flat, wd = self._flat, self.weight_decay
        b1, c1, b2, c2, sqrt_bc2, eps, step_size, decay = (_scalar(x, flat.dtype) for x in numbers)
        if wd and self.decoupled:
            for p in self.params:
                p.data *= decay  # p = p (1 - lr wd)
        g = np.concatenate([p.grad for p in self.params], axis=None, out=flat.g)  # every gradient, flat
        if wd and not self.decoupled:
            g = g + wd * np.concatenate([p.data for p in self.params], axis=None)
        _adam_update(g, flat.m, flat.v, flat.buf, b1, c1, b2, c2, sqrt_bc2, eps, step_size)
        for p, u in zip(self.params, flat.buf_views):  # the update, in each parameter's shape
            p.data -= u  # p = p - lr * m_hat / (sqrt(v_hat) + eps)


def _adam_update(g, m, v, buf, b1, c1, b2, c2, sqrt_bc2, eps, step_size):
    """Update the moments ``m`` and ``v`` in place from ``g``; return Adam's step, in ``buf``.

    ``c1 = 1 - b1``, ``c2 = 1 - b2``, ``sqrt_bc2 = sqrt(1 - b2^t)``, ``step_size = lr / (1 - b1^t)``,
    all scalars of the arrays' dtype; every operation writes into ``m``, ``v`` or ``buf``.
    """
    m *= b1
    np.multiply(g, c1, buf)
    m += buf  # m = b1 m + (1 - b1) g
    v *= b2
    np.multiply(g, g, buf)
    buf *= c2
    v += buf  # v = b2 v + (1 - b2) g^2
    denom = np.sqrt(v, buf)
    denom /= sqrt_bc2
    denom += eps  # sqrt(v_hat) + eps = sqrt(v) / sqrt(1 - b2^t) + eps
    update = np.divide(m, denom, buf)
    update *= step_size
    return update  # lr * m_hat / (sqrt(v_hat) + eps)


class _FlatState:
    """Adam's ``m``, ``v`` and work array as one array each, for parameters that are many and small.

    Adam applies the same elementwise operations to every parameter; with a 64-unit MLP each
    takes about a microsecond however small the array, so one pass over all parameters at once
    (gradients copied into one array first) does the same arithmetic, bit for bit, several
    times faster. Used when all parameters share a dtype and average at most ``MAX_MEAN_SIZE``
    entries (beyond that the copy costs more than the calls it saves).
    """

    MAX_MEAN_SIZE = 4096

    def __init__(self, params):
        self.dtype = params[0].data.dtype
        self.shapes = [p.data.shape for p in params]
        self.bounds = np.cumsum([0] + [p.data.size for p in params]).tolist()
        self.m, self.v, self.g, self.buf = (np.zeros(self.bounds[-1], self.dtype) for _ in range(4))
        self.buf_views = self.views(self.buf)

    @classmethod
    def for_params(cls, params):
        sizes = [p.data.size for p in params]
        if len(params) < 2 or len({p.data.dtype for p in params}) > 1 or sum(sizes) > cls.MAX_MEAN_SIZE * len(params):
            return None
        return cls(params)

    def views(self, flat):
        """Views of ``flat``, one per parameter, in the parameters' shapes."""
        return [flat[a:b].reshape(shape) for a, b, shape in zip(self.bounds, self.bounds[1:], self.shapes)]

    def fits(self, params):
        """Whether the parameters still have the shapes and dtype the flat arrays were made for."""
        return all(p.data.dtype == self.dtype and p.data.shape == shape for p, shape in zip(params, self.shapes))


class AdamW(Adam):
    """Adam with decoupled weight decay (``torch.optim.AdamW``).

    First ``p = p * (1 - lr * weight_decay)``, then the Adam update of ``Adam``
    with ``g = grad`` (the decay does not pass through ``m`` and ``v``).
    Arguments as in ``Adam``; ``weight_decay`` defaults to 0.01 as in PyTorch. Chapter 5.
    """

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr, betas, eps, weight_decay)
