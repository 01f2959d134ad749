"""Activation functions as layers (modules) with a forward and a backward pass.

Each module applies one function from ``nnlib.functional`` to an input of any
shape (``(N, D)``, ``(B, T, D)``, ...), keeps what its backward pass needs, and
returns ``dx = dout * f'(x)`` (softmax and log-softmax use their Jacobian-vector
products). They have no parameters. Derived in Chapter 3 (activation functions).
"""
import numpy as np

from nnlib import _validate
from nnlib import functional as F
from nnlib.module import Module


def _check_float(module, x):
    if x.dtype.kind != "f":
        raise ValueError(
            f"{type(module).__name__} expected a floating-point input, got dtype {x.dtype}; "
            "convert with x.astype(np.float64) (integer arrays are usually labels, not features)"
        )


class _Pointwise(Module):
    """An activation applied entry by entry: ``out = f(x)``, backward ``dx = dout * f'(x)``.

    Subclasses give ``f(x)`` and its derivative ``df(x, out)``, both from
    ``nnlib.functional`` (``out = f(x)`` is passed so that a derivative written in terms
    of the output, such as the sigmoid's ``s (1 - s)``, need not recompute it): either the
    functional functions themselves (``f = staticmethod(F.relu)``) or methods that call
    them with the layer's settings. Input of any shape, output the same shape and dtype.
    Chapter 3.
    """

    def __init__(self):
        super().__init__()
        self._x = self._y = None

    def f(self, x):
        raise NotImplementedError(f"{type(self).__name__} must define f")

    def df(self, x, out):
        raise NotImplementedError(f"{type(self).__name__} must define df")

    def forward(self, x):
        if type(x) is not np.ndarray or x.dtype.kind != "f":
            x = np.asarray(x)
            _check_float(self, x)  # raises unless x is floating point
        self._x = x
        self._y = y = self.f(x)
        return y

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)
        if not input_grad:
            return None
        return dout * self.df(self._x, self._y)


# np.maximum(x, 0) takes NumPy's loop for an array and a scalar, which is not vectorised:
# against an array of zeros of x's shape the same maximum (the same bits) runs 1.5 to 4 times
# faster for arrays up to a few MB (measured with NumPy 2.4). Beyond that, reading the zeros
# costs more than it saves. One read-only zeros array per shape and dtype is shared by every ReLU.
_ZEROS = {}
_ZEROS_MAX_BYTES = 4 << 20


def _zeros_like(x):
    """A read-only array of zeros with ``x``'s shape and dtype (cached); a 0-d zero for a large ``x``."""
    key = (x.shape, x.dtype)
    zeros = _ZEROS.get(key)
    if zeros is None:
        if x.nbytes > _ZEROS_MAX_BYTES:
            return np.zeros((), x.dtype)
        if len(_ZEROS) >= 32:  # many shapes (say, a varying sequence length): start again
            _ZEROS.clear()
        zeros = _ZEROS[key] = np.zeros(x.shape, x.dtype)
        zeros.flags.writeable = False
    return zeros


class ReLU(_Pointwise):
    """``out = max(x, 0)``; backward ``dx = dout * (x > 0)``.

    Input of any shape ``S``, output shape ``S``, same dtype. Chapter 3.
    """

    f = staticmethod(F.relu)
    df = staticmethod(F.relu_grad)  # df(x, out): out = f(x) saves recomputing it
    _zeros = None  # the zeros x is compared with (shared with every ReLU of that shape)

    # The generic forward and backward with f and df written out: ReLU sits between every
    # pair of layers, so what a call costs matters in deep, narrow networks.
    def forward(self, x):
        zeros = self._zeros  # the usual case: the zeros of the last call fit x (so x is a float array)
        if type(x) is not np.ndarray or zeros is None or x.dtype is not zeros.dtype or x.shape != zeros.shape:
            if type(x) is not np.ndarray or x.dtype.kind != "f":
                x = np.asarray(x)
                _check_float(self, x)
            zeros = self._zeros_for(x)
        self._y = y = np.maximum(x, zeros)  # = F.relu(x) = max(x, 0), faster (see _zeros_like)
        return y  # (backward needs only y: x is not kept)

    def _zeros_for(self, x):
        zeros = self._zeros
        if zeros is None or zeros.dtype is not x.dtype or zeros.shape != x.shape:
            zeros = self._zeros = _zeros_like(x)
        return zeros

    def backward(self, dout, input_grad=True):
        spec = self._out_spec  # Module._check_backward's usual case, without the call
        if type(dout) is not np.ndarray or spec is None or dout.shape != spec[0] or dout.dtype is not spec[1]:
            dout = self._check_backward(dout)
        if not input_grad:
            return None
        return np.multiply(dout, self._y != 0)  # dout * F.relu_grad(x, out), the mask used as it is

    # forward and backward written into their argument, for an array nothing else refers to
    # (Sequential calls them when the reference count says so): the same numbers, no new array.
    # A forward or backward replaced by a subclass or on the instance (a hook, such as
    # course.diagnostics.dead_relu_fraction's) is called instead, as it would be otherwise.
    _in_place = True

    def _forward_in_place(self, x):
        if type(self).forward is not ReLU.forward or "forward" in vars(self) or x.dtype.kind != "f":
            return self.forward(x)  # the replacement; or the checks and their errors
        self._y = y = np.maximum(x, self._zeros_for(x), out=x)  # x = max(x, 0)
        return y

    def _backward_in_place(self, dout):
        spec = self._out_spec
        if (type(self).backward is not ReLU.backward or "backward" in vars(self)
                or spec is None or dout.shape != spec[0] or dout.dtype is not spec[1]):
            return self.backward(dout)  # the replacement; or the checks, and their errors
        return np.multiply(dout, self._y != 0, out=dout)  # dout = dout * relu'(x)


class LeakyReLU(_Pointwise):
    """``out = x`` where ``x > 0``, else ``negative_slope * x``.

    Backward ``dx = dout * (1 if x > 0 else negative_slope)``.

    Parameters
    ----------
    negative_slope : float
        Slope for negative inputs (default 0.01, as in PyTorch). Chapter 3.
    """

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = _validate.number("LeakyReLU", "negative_slope", negative_slope, "(-inf, inf)")

    def f(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def df(self, x, out):
        return F.leaky_relu_grad(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(_Pointwise):
    """``out = 1 / (1 + exp(-x))`` (stable); backward ``dx = dout * out * (1 - out)``.

    Input of any shape ``S``, output shape ``S``, same dtype. Chapter 3.
    """

    f = staticmethod(F.sigmoid)
    df = staticmethod(F.sigmoid_grad)  # df(x, out): out = f(x) saves recomputing it


class Tanh(_Pointwise):
    """``out = tanh(x)``; backward ``dx = dout * (1 - out**2)``.

    Input of any shape ``S``, output shape ``S``, same dtype. Chapter 3.
    """

    f = staticmethod(F.tanh)
    df = staticmethod(F.tanh_grad)  # df(x, out): out = f(x) saves recomputing it


class GELU(_Pointwise):
    """``out = x * Phi(x)`` (Phi the standard normal CDF); see ``nnlib.functional.gelu``.

    Backward ``dx = dout * gelu_grad(x)``.

    Parameters
    ----------
    approximate : str
        ``"none"`` (exact, uses erf) or ``"tanh"`` (GPT-2's approximation).
        Chapter 3; used in Chapter 9 (transformers).
    """

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU expected approximate 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def f(self, x):
        return F.gelu(x, self.approximate)

    def df(self, x, out):
        return F.gelu_grad(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(_Pointwise):
    """``out = x * sigmoid(x)`` (swish); backward ``dx = dout * s * (1 + x * (1 - s))``.

    Input of any shape ``S``, output shape ``S``, same dtype. Chapter 3.
    """

    def f(self, x):
        return F.silu(x)

    def df(self, x, out):
        return F.silu_grad(x)


class Step(_Pointwise):
    """Heaviside step ``out = 1`` where ``x > 0``, else ``0``; its gradient is zero.

    Input of any shape ``S``, output shape ``S``, same dtype. Chapter 2 (the
    perceptron); Chapter 3 shows why its zero gradient stops learning.
    """

    def f(self, x):
        return F.step(x)

    def df(self, x, out):
        return F.step_grad(x)


class Softmax(Module):
    """``out_i = exp(x_i) / sum_j exp(x_j)`` along ``axis`` (stable).

    Backward: ``dx = out * (dout - sum(dout * out, axis))``. For training a
    classifier use ``CrossEntropyLoss`` on the logits instead (fused, stabler).

    Parameters
    ----------
    axis : int
        The axis that sums to one (default -1). Chapter 4; Chapter 9 (attention).
    """

    def __init__(self, axis=-1):
        super().__init__()
        self.axis = _validate.integer(type(self).__name__, "axis", axis, minimum=None)
        self._y = None

    def forward(self, x):
        x = np.asarray(x)
        _check_float(self, x)
        _validate.axis(type(self).__name__, x, self.axis)
        self._y = F.softmax(x, self.axis)
        return self._y

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)
        return F.softmax_backward(self._y, dout, self.axis) if input_grad else None

    def extra_repr(self):
        return f"axis={self.axis}"


class LogSoftmax(Module):
    """``out_i = x_i - log(sum_j exp(x_j))`` along ``axis`` (stable).

    Backward: ``dx = dout - exp(out) * sum(dout, axis)``.

    Parameters
    ----------
    axis : int
        The normalised axis (default -1). Chapter 4.
    """

    def __init__(self, axis=-1):
        super().__init__()
        self.axis = _validate.integer(type(self).__name__, "axis", axis, minimum=None)
        self._y = None

    def forward(self, x):
        x = np.asarray(x)
        _check_float(self, x)
        _validate.axis(type(self).__name__, x, self.axis)
        self._y = F.log_softmax(x, self.axis)
        return self._y

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)
        return F.log_softmax_backward(self._y, dout, self.axis) if input_grad else None

    def extra_repr(self):
        return f"axis={self.axis}"
