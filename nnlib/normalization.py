"""Normalization layers: LayerNorm (per example, over the features) and BatchNorm1d (per feature, over the batch).

Both follow the contract of ``nnlib.module.Module`` and are importable from ``nnlib.layers``
too. Derived in Chapter 5 (normalization); LayerNorm is used again in Chapter 9.
"""
import numpy as np

from nnlib import _validate, fused
from nnlib.module import Module, Parameter


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
        Added to the variance for stability, ``eps >= 0``.
    dtype : ``numpy`` floating dtype
        ``np.float64`` or ``np.float32``: the dtype of ``gamma`` and ``beta`` (and of the
        expected input).

    Attributes
    ----------
    gamma : Parameter
        Scale, shape ``(D,)``, initialised to ones (PyTorch: ``weight``).
    beta : Parameter
        Shift, shape ``(D,)``, initialised to zeros (PyTorch: ``bias``).
    """

    def __init__(self, dim, eps=1e-5, *, dtype=np.float64):
        super().__init__()
        self.dim = _validate.integer("LayerNorm", "dim", dim)
        self.eps = _validate.number("LayerNorm", "eps", eps, "[0, inf)")
        dtype = _validate.float_dtype("LayerNorm", dtype)
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
        _validate.input_dtype(self, x, self.gamma.data.dtype)
        # The formula of the docstring, block by block and in place (nnlib.fused.layer_norm):
        # mean and var over the last axis, xhat = (x - mean) / sqrt(var + eps), gamma xhat + beta.
        out, xhat, inv_std = fused.layer_norm(x, self.gamma.data, self.beta.data, self.eps)
        self._cache = (xhat, inv_std)  # (..., D), (..., 1)
        return out

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)
        xhat, inv_std = self._cache
        D = self.dim
        d2 = dout.reshape(-1, D)  # (N, D)
        self.gamma.grad += np.einsum("nd,nd->d", d2, xhat.reshape(-1, D))  # dgamma += sum_n dout * xhat
        self.beta.add_sum(d2)  # dbeta += sum_n dout
        if not input_grad:
            return None
        # dx = (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) / sqrt(var + eps), dxhat = dout gamma
        return fused.layer_norm_backward(dout, xhat, inv_std, self.gamma.data)

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
        Added to the variance for stability, ``eps >= 0``.
    momentum : float
        Weight of the newest batch in the running statistics, in ``[0, 1]``.
    dtype : ``numpy`` floating dtype
        ``np.float64`` or ``np.float32``: the dtype of the parameters, running statistics
        and expected input.

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
        self.dim = _validate.integer("BatchNorm1d", "dim", dim)
        self.eps = _validate.number("BatchNorm1d", "eps", eps, "[0, inf)")
        self.momentum = _validate.number("BatchNorm1d", "momentum", momentum, "[0, 1]")
        dtype = _validate.float_dtype("BatchNorm1d", dtype)
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
        _validate.input_dtype(self, x, self.gamma.data.dtype)
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
