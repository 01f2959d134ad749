"""The fully connected layer and dropout: Linear and Dropout.

Every layer follows the contract of ``nnlib.module.Module``: ``forward(x)``
keeps what ``backward`` needs, ``backward(dout)`` returns ``dx`` and adds the
parameter gradients into ``p.grad``; ``backward(dout, input_grad=False)`` skips
``dx`` and returns None. The containers ``Sequential`` and ``Residual`` live in
``nnlib.module``, the normalization layers ``LayerNorm`` and ``BatchNorm1d`` in
``nnlib.normalization``; all are importable from here too.
"""
import numpy as np

from nnlib import _validate
from nnlib.init import INITIALIZERS
from nnlib.module import Module, Parameter, Residual, Sequential  # noqa: F401 (re-exported)
from nnlib.normalization import BatchNorm1d, LayerNorm  # noqa: F401 (re-exported)


class Linear(Module):
    """Fully connected layer ``out = x @ W + b``.

    nnlib stores ``W`` as ``(in_features, out_features)`` so the formula reads
    left to right; PyTorch stores the transpose, ``weight`` of shape
    ``(out_features, in_features)``, and computes ``x @ weight.T + bias``.
    Backward: ``dW += x^T @ dout``, ``db += sum_n dout``, ``dx = dout @ W^T``.
    Derived in Chapter 2 (neurons) and Chapter 4 (backpropagation).

    Parameters
    ----------
    in_features : int
        Size ``D`` of each input vector (an integer >= 1).
    out_features : int
        Size ``M`` of each output vector (an integer >= 1).
    rng : ``numpy.random.Generator``, int or None
        Random generator or seed for the initial weights.
    dtype : ``numpy`` floating dtype
        ``np.float64`` (default) or ``np.float32``; inputs must match it.
    init : str
        ``"he"`` (default, He normal, for ReLU nets), ``"he_uniform"``,
        ``"xavier"`` (Glorot normal) or ``"xavier_uniform"``; see ``nnlib.init``.

    Attributes
    ----------
    W : Parameter
        Weights, ``W.data`` of shape ``(in_features, out_features)``.
    b : Parameter
        Bias, ``b.data`` of shape ``(out_features,)``, initialised to zero.

    Notes
    -----
    Input ``x`` has shape ``(N, D)`` or ``(B, T, D)``; the output has the same
    leading axes and ``M`` features: ``(N, M)`` or ``(B, T, M)``.
    """

    def __init__(self, in_features, out_features, *, rng=None, dtype=np.float64, init="he"):
        super().__init__()
        if not (isinstance(init, str) and init in INITIALIZERS):
            raise ValueError(f"Linear expected init to be one of {sorted(INITIALIZERS)}, got {init!r}")
        self.in_features = _validate.integer("Linear", "in_features", in_features)
        self.out_features = _validate.integer("Linear", "out_features", out_features)
        dtype = _validate.float_dtype("Linear", dtype)
        rng = _validate.generator("Linear", rng)
        W = INITIALIZERS[init]((self.in_features, self.out_features), rng, dtype=dtype)
        self.W = Parameter(W)  # (D, M)
        self.b = Parameter(np.zeros(self.out_features, dtype=dtype))  # (M,)
        self._x = None

    def forward(self, x):
        W = self.W.data
        if type(x) is not np.ndarray:
            x = np.asarray(x)  # (..., D)
        shape = x.shape
        if len(shape) < 2 or shape[-1] != self.in_features or x.dtype is not W.dtype:
            self._check_input(x)  # raises the error that explains what is wrong (if anything is)
        self._x = x
        if len(shape) > 2 and x.flags.c_contiguous:  # (B, T, D): one (B*T, D) matrix product, not B small ones
            out = (x.reshape(-1, self.in_features) @ W).reshape(shape[:-1] + (self.out_features,))
        else:
            out = x @ W  # x W, (..., M)
        out += self.b.data  # out = x W + b (added in place: no second (..., M) array)
        return out

    def backward(self, dout, input_grad=True):
        spec = self._out_spec  # Module._check_backward's usual case, without the call
        if type(dout) is not np.ndarray or spec is None or dout.shape != spec[0] or dout.dtype is not spec[1]:
            dout = self._check_backward(dout)  # (..., M)
        x, g = self._x, dout
        if x.ndim != 2:
            x = x.reshape(-1, self.in_features)  # (N, D), N = all leading axes
            g = dout.reshape(-1, self.out_features)  # (N, M)
        self.W.add_grad(x.T, g)  # dW += x^T dout, (D, M)
        self.b.add_sum(g)  # db += sum_n dout, (M,)
        if not input_grad:
            return None
        dx = g @ self.W.data.T  # dx = dout W^T, (N, D)
        return dx if dout.ndim == 2 else dx.reshape(dout.shape[:-1] + (self.in_features,))  # (..., D)

    def _check_input(self, x):
        """Raise the ValueError that says why ``x`` is not a batch ``(N, D)`` or ``(B, T, D)`` of W's dtype."""
        D = self.in_features
        if x.ndim < 2:
            raise ValueError(
                f"Linear expected a batch of shape (N, {D}) or (B, T, {D}), got shape {x.shape}: "
                "a 1-D batch. For one example use x.reshape(1, -1); "
                "for N scalar inputs use x.reshape(-1, 1)."
            )
        if x.shape[-1] != D:
            raise ValueError(
                f"Linear expected input with {D} features (shape (N, {D})), got shape {x.shape}: "
                f"wrong feature count. Check in_features={D} against the previous layer's "
                "out_features or the data's number of columns."
            )
        _validate.input_dtype(self, x, self.W.data.dtype)

    def extra_repr(self):
        text = f"in_features={self.in_features}, out_features={self.out_features}"
        if self.W.data.dtype != np.float64:
            text += f", dtype={self.W.data.dtype}"
        return text


class Dropout(Module):
    """Inverted dropout: in training ``out = x * mask / (1 - p)``, in eval ``out = x``.

    Each entry of ``mask`` is 1 with probability ``1 - p`` (drawn anew in every
    forward pass); dividing by ``1 - p`` keeps the expected output equal to
    ``x``, so nothing changes at evaluation time. Backward ``dx = dout * mask / (1 - p)``.
    Input of any shape ``S``, output shape ``S``. Chapter 5.

    Parameters
    ----------
    p : float
        Probability of zeroing an entry, ``0 <= p < 1``.
    rng : ``numpy.random.Generator``, int or None
        Source of the random masks.
    """

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        self.p = _validate.number("Dropout", "p", p, "[0, 1)")
        self.rng = _validate.generator("Dropout", rng)  # a Generator is used as it is
        self._scale = None

    def forward(self, x):
        x = np.asarray(x)
        if x.dtype.kind != "f":
            raise ValueError(f"Dropout expected a floating-point input, got dtype {x.dtype}; "
                             "convert with x.astype(np.float64)")
        if not self.training or self.p == 0:
            self._scale = None  # identity
            return x
        keep = self.rng.random(x.shape) >= self.p
        self._scale = keep.astype(x.dtype) / (1 - self.p)
        return x * self._scale

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)
        if not input_grad:
            return None
        return dout if self._scale is None else dout * self._scale

    def extra_repr(self):
        return f"p={self.p}"
