"""Layers with their own maths: Linear, Dropout, LayerNorm and BatchNorm1d.

Every layer follows the contract of ``nnlib.module.Module``: ``forward(x)``
keeps what ``backward`` needs, ``backward(dout)`` returns ``dx`` and adds the
parameter gradients into ``p.grad``; ``backward(dout, input_grad=False)`` skips
``dx`` and returns None. The containers ``Sequential`` and ``Residual`` live in
``nnlib.module`` and are importable from here too.
"""
import numpy as np

from nnlib.init import INITIALIZERS
from nnlib.module import Module, Parameter, Residual, Sequential  # noqa: F401 (re-exported)


def _check_dtype(module, x, dtype):
    if x.dtype != dtype:
        hint = f"Cast the input with x.astype(np.{dtype})"
        if np.issubdtype(x.dtype, np.floating):
            hint += f" or create the layer with dtype=np.{x.dtype}"
        raise ValueError(
            f"{type(module).__name__} expected input of dtype {dtype} (the dtype of its "
            f"parameters), got {x.dtype}: dtype mismatch between input and weights. {hint}."
        )


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
        Size ``D`` of each input vector.
    out_features : int
        Size ``M`` of each output vector.
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
        if init not in INITIALIZERS:
            raise ValueError(f"Linear: unknown init {init!r}; expected one of {sorted(INITIALIZERS)}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        W = INITIALIZERS[init]((self.in_features, self.out_features), rng, dtype=dtype)
        self.W = Parameter(W)
        self.b = Parameter(np.zeros(self.out_features, dtype=dtype))
        self._x = None

    def forward(self, x):
        x = np.asarray(x)
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
        _check_dtype(self, x, self.W.data.dtype)
        self._x = x
        out = x @ self.W.data  # (..., M)
        out += self.b.data
        return out

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)  # (..., M)
        x2 = self._x.reshape(-1, self.in_features)  # (N, D), N = all leading axes
        d2 = dout.reshape(-1, self.out_features)  # (N, M)
        self.W.add_grad(x2.T, d2)  # dW += x^T @ dout
        self.b.grad += d2.sum(axis=0)  # db += sum over the batch
        if not input_grad:
            return None
        return dout @ self.W.data.T  # dx = dout @ W^T, (..., D)

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
        if not 0 <= p < 1:
            raise ValueError(f"Dropout expected 0 <= p < 1, got p={p}")
        self.p = float(p)
        self.rng = np.random.default_rng(rng)  # a Generator is used as it is
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


class LayerNorm(Module):
    """Layer normalisation over the last axis (the features of each example/token).

    ``xhat = (x - mean) / sqrt(var + eps)`` with mean and (biased) variance over
    the last axis, then ``out = gamma * xhat + beta``. Backward:
    ``dx = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / sqrt(var + eps)``
    with ``dxhat = dout * gamma``. Chapter 5 (normalization); used in Chapter 9
    (transformers).

    Parameters
    ----------
    dim : int
        Size ``D`` of the last axis. Input ``(N, D)`` or ``(B, T, D)``, output same shape.
    eps : float
        Added to the variance for stability.
    dtype : ``numpy`` floating dtype
        dtype of ``gamma`` and ``beta`` (and of the expected input).

    Attributes
    ----------
    gamma : Parameter
        Scale, shape ``(D,)``, initialised to ones (PyTorch: ``weight``).
    beta : Parameter
        Shift, shape ``(D,)``, initialised to zeros (PyTorch: ``bias``).
    """

    def __init__(self, dim, eps=1e-5, *, dtype=np.float64):
        super().__init__()
        self.dim = int(dim)
        self.eps = float(eps)
        self.gamma = Parameter(np.ones(self.dim, dtype=dtype))
        self.beta = Parameter(np.zeros(self.dim, dtype=dtype))
        self._cache = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim < 2 or x.shape[-1] != self.dim:
            raise ValueError(
                f"LayerNorm expected input of shape (N, {self.dim}) or (B, T, {self.dim}), got "
                f"shape {x.shape}: wrong feature count or a 1-D batch (use x.reshape(1, -1))."
            )
        _check_dtype(self, x, self.gamma.data.dtype)
        xc = x - x.mean(axis=-1, keepdims=True)
        inv_std = 1 / np.sqrt((xc * xc).mean(axis=-1, keepdims=True) + self.eps)  # (..., 1)
        xhat = xc * inv_std
        self._cache = (xhat, inv_std)
        return xhat * self.gamma.data + self.beta.data

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)
        xhat, inv_std = self._cache
        D = self.dim
        self.gamma.grad += (dout * xhat).reshape(-1, D).sum(axis=0)
        self.beta.grad += dout.reshape(-1, D).sum(axis=0)
        if not input_grad:
            return None
        dxhat = dout * self.gamma.data
        return inv_std * (
            dxhat
            - dxhat.mean(axis=-1, keepdims=True)
            - xhat * (dxhat * xhat).mean(axis=-1, keepdims=True)
        )

    def extra_repr(self):
        return f"{self.dim}, eps={self.eps}"


class BatchNorm1d(Module):
    """Batch normalisation of each feature over the batch, input ``(N, D)``.

    Training: ``xhat = (x - mu_B) / sqrt(var_B + eps)`` with the batch mean and
    biased variance per feature, ``out = gamma * xhat + beta``, and the running
    statistics are updated as ``running = (1 - momentum) * running + momentum * stat``
    (with the unbiased variance, as PyTorch does). Eval: the running mean and
    variance replace the batch statistics. Chapter 5 (normalization).

    Parameters
    ----------
    dim : int
        Number of features ``D``. Input and output have shape ``(N, D)``.
    eps : float
        Added to the variance for stability.
    momentum : float
        Weight of the newest batch in the running statistics.
    dtype : ``numpy`` floating dtype
        dtype of the parameters, running statistics and expected input.

    Attributes
    ----------
    gamma : Parameter
        Scale, shape ``(D,)`` (PyTorch: ``weight``).
    beta : Parameter
        Shift, shape ``(D,)`` (PyTorch: ``bias``).
    running_mean : ndarray, shape ``(D,)``
        Starts at zeros.
    running_var : ndarray, shape ``(D,)``
        Starts at ones.
    """

    def __init__(self, dim, eps=1e-5, momentum=0.1, *, dtype=np.float64):
        super().__init__()
        self.dim = int(dim)
        self.eps = float(eps)
        self.momentum = float(momentum)
        self.gamma = Parameter(np.ones(self.dim, dtype=dtype))
        self.beta = Parameter(np.zeros(self.dim, dtype=dtype))
        self.running_mean = np.zeros(self.dim, dtype=dtype)
        self.running_var = np.ones(self.dim, dtype=dtype)
        self._cache = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(
                f"BatchNorm1d expected input of shape (N, {self.dim}), got shape {x.shape}: "
                "wrong feature count, or not a 2-D batch (use x.reshape(1, -1) for one example)."
            )
        _check_dtype(self, x, self.gamma.data.dtype)
        N = x.shape[0]
        if self.training:
            if N < 2:
                raise ValueError(
                    f"BatchNorm1d expected a batch of at least 2 examples in training mode, got "
                    f"shape {x.shape}; call model.eval() before predicting on single examples."
                )
            mean = x.mean(axis=0)
            xc = x - mean
            var = (xc * xc).mean(axis=0)
            m = self.momentum
            self.running_mean *= 1 - m
            self.running_mean += m * mean
            self.running_var *= 1 - m
            self.running_var += (m * N / (N - 1)) * var
        else:
            xc = x - self.running_mean
            var = self.running_var
        inv_std = 1 / np.sqrt(var + self.eps)  # (D,)
        xhat = xc * inv_std
        self._cache = (xhat, inv_std, self.training)
        return xhat * self.gamma.data + self.beta.data

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)
        xhat, inv_std, training = self._cache
        self.gamma.grad += (dout * xhat).sum(axis=0)
        self.beta.grad += dout.sum(axis=0)
        if not input_grad:
            return None
        dxhat = dout * self.gamma.data
        if not training:  # running statistics are constants
            return dxhat * inv_std
        return inv_std * (
            dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)
        )

    def extra_repr(self):
        return f"{self.dim}, eps={self.eps}, momentum={self.momentum}"
