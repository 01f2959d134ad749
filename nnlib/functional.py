"""Activation functions and their derivatives, as plain functions on arrays.

Every function works elementwise on an array of any shape (``(N, D)``,
``(B, T, D)``, ...) and returns an array of the same shape and dtype: float32 in,
float32 out (integer and boolean input is computed in float64; NaN and inf propagate as in
PyTorch). ``<name>_grad(x)`` is the derivative with respect to the input,
evaluated elementwise, so the backward pass of ``y = f(x)`` is
``dx = dout * f_grad(x)``. Softmax and log-softmax mix the entries along one
axis, so instead of a derivative they come with a backward function that
computes the Jacobian-vector product directly. Derived in Chapter 3
(activation functions); softmax in Chapter 4 (loss).

GELU uses ``scipy.special.erf``, imported on first use (scipy takes longer to import
than the rest of nnlib together).
"""
import math

import numpy as np

from nnlib import _validate

_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_TANH_COEF = 0.044715


def erf(x):
    """The error function ``erf(x) = 2/sqrt(pi) * integral_0^x exp(-t**2) dt``, elementwise (scipy's).

    Returns the dtype of ``x`` (scipy computes float16 in float64).
    """
    from scipy.special import erf as scipy_erf
    x = np.asarray(x)
    out = scipy_erf(x)
    return out.astype(x.dtype, copy=False) if x.dtype.kind == "f" else out


def _float_array(x, who):
    """Return x as a floating-point array (integers and booleans become float64, floats keep their dtype)."""
    if type(x) is np.ndarray and x.dtype.kind == "f":
        return x  # the usual case
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{who} expected an array of real numbers, got dtype {x.dtype}")
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    return x


def relu(x):
    """Rectified linear unit: ``relu(x) = max(x, 0)``.

    ``x`` is an array of any shape ``S``; returns shape ``S``, same dtype. Chapter 3.
    """
    return np.maximum(_float_array(x, "relu"), 0)


def relu_grad(x, out=None):
    """Derivative of ReLU: ``1`` where ``x > 0``, else ``0`` (we use 0 at x = 0).

    ``x`` is an array of any shape ``S``; returns shape ``S``, same dtype. ``out``, if given, is
    ``relu(x)`` (the ``ReLU`` layer passes its output): then it is ``out != 0``, one comparison. Chapter 3.
    """
    if out is not None:  # relu(x) != 0 exactly where not x <= 0 (NaN stays NaN, so it gives 1)
        return (out != 0).astype(out.dtype)
    x = _float_array(x, "relu_grad")
    return (~(x <= 0)).astype(x.dtype)  # 1 at NaN, as in PyTorch (dout passes through)


def leaky_relu(x, negative_slope=0.01):
    """Leaky ReLU: ``x`` where ``x > 0``, else ``negative_slope * x`` (PyTorch's default 0.01).

    ``x`` is an array of any shape ``S``; returns shape ``S``, same dtype. Chapter 3.
    """
    x = _float_array(x, "leaky_relu")
    return np.where(x > 0, x, x * float(negative_slope))


def leaky_relu_grad(x, negative_slope=0.01):
    """Derivative of leaky ReLU: ``1`` where ``x > 0``, else ``negative_slope``.

    ``x`` is an array of any shape ``S``; returns shape ``S``, same dtype. Chapter 3.
    """
    x = _float_array(x, "leaky_relu_grad")
    return np.where(x > 0, 1, float(negative_slope)).astype(x.dtype)


def sigmoid(x):
    """Logistic sigmoid ``s(x) = 1 / (1 + exp(-x))``, computed without overflow.

    For ``x >= 0`` we use ``1 / (1 + exp(-x))`` and for ``x < 0`` the equal form
    ``exp(x) / (1 + exp(x))``, so ``exp`` only ever sees non-positive numbers.
    ``x`` is an array of any shape ``S``; returns values in ``[0, 1]``, shape ``S``, same
    dtype. Chapter 3.
    """
    x = _float_array(x, "sigmoid")
    z = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def sigmoid_grad(x, out=None):
    """Derivative of the sigmoid: ``s(x) * (1 - s(x))``.

    ``x`` is an array of any shape ``S``; returns shape ``S``, same dtype. ``out``, if
    given, is ``sigmoid(x)`` already computed (the ``Sigmoid`` layer passes its output).
    Chapter 3.
    """
    s = sigmoid(x) if out is None else out
    return s * (1 - s)


def tanh(x):
    """Hyperbolic tangent ``tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))``.

    ``x`` is an array of any shape ``S``; returns shape ``S``, same dtype. Chapter 3.
    """
    return np.tanh(_float_array(x, "tanh"))


def tanh_grad(x, out=None):
    """Derivative of tanh: ``1 - tanh(x)**2``.

    ``x`` is an array of any shape ``S``; returns shape ``S``, same dtype. ``out``, if
    given, is ``tanh(x)`` already computed (the ``Tanh`` layer passes its output).
    Chapter 3.
    """
    t = np.tanh(_float_array(x, "tanh_grad")) if out is None else out
    return 1 - t * t


def gelu(x, approximate="none"):
    """Gaussian error linear unit ``gelu(x) = x * Phi(x)``, Phi the standard normal CDF.

    With ``approximate="none"``: ``0.5 * x * (1 + erf(x / sqrt(2)))`` (exact).
    With ``approximate="tanh"``:
    ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))`` (as in GPT-2).
    ``approximate`` is ``"none"`` or ``"tanh"``, as in PyTorch. ``x`` is an array of any
    shape ``S``; returns shape ``S``, same dtype. Chapter 3; used again in Chapter 9.
    """
    x = _float_array(x, "gelu")
    if approximate == "none":
        return 0.5 * x * (1 + erf(x / _SQRT_2))
    if approximate == "tanh":
        cube = x * x * x  # NumPy's float32 x**3 is far slower than two products
        return 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (x + _GELU_TANH_COEF * cube)))
    raise ValueError(f"gelu expected approximate 'none' or 'tanh', got {approximate!r}")


def gelu_grad(x, approximate="none"):
    """Derivative of GELU.

    Exact: ``Phi(x) + x * phi(x)`` with ``phi(x) = exp(-x**2 / 2) / sqrt(2 pi)``.
    Tanh form, with ``u = sqrt(2/pi) * (x + 0.044715 x**3)`` and ``t = tanh(u)``:
    ``0.5 * (1 + t) + 0.5 * x * (1 - t**2) * sqrt(2/pi) * (1 + 3 * 0.044715 * x**2)``.

    ``x`` is an array of any shape ``S``; returns shape ``S``, same dtype. Chapter 3.
    """
    x = _float_array(x, "gelu_grad")
    if approximate == "none":
        cdf = 0.5 * (1 + erf(x / _SQRT_2))
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
        return cdf + x * pdf
    if approximate == "tanh":
        x2 = x * x
        t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_TANH_COEF * x2 * x))
        du = _SQRT_2_OVER_PI * (1 + 3 * _GELU_TANH_COEF * x2)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
    raise ValueError(f"gelu_grad expected approximate 'none' or 'tanh', got {approximate!r}")


def silu(x):
    """Sigmoid linear unit (swish): ``silu(x) = x * s(x)``, s the sigmoid.

    ``x`` is an array of any shape ``S``; returns shape ``S``, same dtype. Chapter 3.
    """
    x = _float_array(x, "silu")
    return x * sigmoid(x)


def silu_grad(x):
    """Derivative of SiLU: ``s(x) * (1 + x * (1 - s(x)))``.

    ``x`` is an array of any shape ``S``; returns shape ``S``, same dtype. Chapter 3.
    """
    x = _float_array(x, "silu_grad")
    s = sigmoid(x)
    return s * (1 + x * (1 - s))


def step(x):
    """Heaviside step (the perceptron's activation): ``1`` where ``x > 0``, else ``0``.

    ``x`` is an array of any shape ``S``; returns shape ``S``, same dtype. Chapter 2.
    """
    x = _float_array(x, "step")
    return (x > 0).astype(x.dtype)


def step_grad(x):
    """Derivative of the step: ``0`` everywhere (undefined at 0; we use 0).

    This is why a network of step units cannot learn by gradient descent
    (Chapter 3). ``x`` has any shape ``S``; returns zeros of shape ``S``, same dtype.
    """
    return np.zeros_like(_float_array(x, "step_grad"))


def softmax(x, axis=-1):
    """Softmax ``y_i = exp(x_i) / sum_j exp(x_j)`` along ``axis``, computed stably.

    Subtracting ``max_j x_j`` first does not change the result and keeps every
    ``exp`` at most 1, so large logits cannot overflow.

    Parameters
    ----------
    x : ndarray, any shape, e.g. ``(N, C)`` or ``(B, T, T)``
        Logits.
    axis : int
        The axis that sums to one (default: the last).

    Returns
    -------
    y : ndarray, same shape as ``x``
        Probabilities, same dtype. Chapter 4 (loss); Chapter 9 (attention).
    """
    x = _float_array(x, "softmax")
    axis = _validate.axis("softmax", x, axis)
    if x.size == 0:
        return x.copy()  # nothing to normalise (PyTorch also returns the empty array)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def softmax_backward(y, dout, axis=-1):
    """Backward pass of softmax: the Jacobian-vector product ``dx = J^T dout``.

    With ``y = softmax(x)`` the Jacobian is ``J_ij = y_i * (delta_ij - y_j)``, so
    ``dx_i = y_i * (dout_i - sum_j dout_j * y_j)``; no ``C x C`` matrix is formed.

    Parameters
    ----------
    y : ndarray, any shape ``S``
        The softmax output (not the logits).
    dout : ndarray, shape ``S``
        Gradient of the loss with respect to ``y``.
    axis : int
        The axis softmax was taken over.

    Returns
    -------
    dx : ndarray, shape ``S``
        Gradient with respect to the logits. Chapter 4.
    """
    y, dout = np.asarray(y), np.asarray(dout)
    _validate.same_shape("softmax_backward", "y", y, "dout", dout)
    axis = _validate.axis("softmax_backward", y, axis)
    return y * (dout - (dout * y).sum(axis=axis, keepdims=True))


def log_softmax(x, axis=-1):
    """Log-softmax ``x_i - log(sum_j exp(x_j))`` along ``axis``, computed stably.

    Uses ``m = max_j x_j``: ``x_i - m - log(sum_j exp(x_j - m))``, which is finite
    even when ``softmax(x)`` underflows to 0.

    Parameters
    ----------
    x : ndarray, any shape ``S``
        Logits.
    axis : int
        The normalised axis (default: the last).

    Returns
    -------
    out : ndarray, same shape as ``x``
        Log-probabilities, same dtype. Chapter 4 (cross-entropy loss).
    """
    x = _float_array(x, "log_softmax")
    axis = _validate.axis("log_softmax", x, axis)
    if x.size == 0:
        return x.copy()
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def log_softmax_backward(out, dout, axis=-1):
    """Backward pass of log-softmax: ``dx_i = dout_i - softmax(x)_i * sum_j dout_j``.

    Parameters
    ----------
    out : ndarray, any shape ``S``
        The log-softmax output.
    dout : ndarray, shape ``S``
        Gradient of the loss with respect to ``out``.
    axis : int
        The axis log-softmax was taken over.

    Returns
    -------
    dx : ndarray, shape ``S``
        Gradient with respect to the logits. Chapter 4.
    """
    out, dout = np.asarray(out), np.asarray(dout)
    _validate.same_shape("log_softmax_backward", "out", out, "dout", dout)
    axis = _validate.axis("log_softmax_backward", out, axis)
    return dout - np.exp(out) * dout.sum(axis=axis, keepdims=True)
