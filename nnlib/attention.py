"""Scaled dot-product attention, the causal mask and multi-head self-attention (Chapter 9).

Shapes follow nanoGPT: a batch of sequences is ``(B, T, C)`` (batch, time = position,
channels = model width); attention works per head on ``(B, h, T, d)`` with ``d = C / h``.
Every layer keeps the dtype of its parameters (float32 stays float32). The forward pass
and its backward pass (``dV``, ``dA``, the softmax backward, ``dQ`` and ``dK``) are derived
step by step in Chapter 9 (transformers).
"""
import math

import numpy as np

from nnlib import _validate
from nnlib.embedding import check_sequence
from nnlib.layers import Linear
from nnlib.module import Module

__all__ = ["causal_mask", "scaled_dot_product_attention", "scaled_dot_product_attention_backward",
           "MultiHeadAttention"]


def causal_mask(T):
    """Which key positions each query may see: ``mask[i, j] = (j <= i)``, shape ``(T, T)``, bool.

    Row ``i`` is query position ``i``; True marks the allowed keys (itself and earlier
    positions). Chapter 9.
    """
    T = _validate.integer("causal_mask", "T", T)
    return np.tril(np.ones((T, T), dtype=bool))


def scaled_dot_product_attention(q, k, v, causal=False):
    """``softmax(q k^T / sqrt(d)) v`` over the last two axes, optionally with a causal mask.

    Scores ``S = q @ k^T / sqrt(d)``; with ``causal`` the scores of future keys
    (``j > i``) are set to ``-inf`` so they get weight 0; weights ``A = softmax(S)`` row by
    row; ``out = A @ v``. Each output is a weighted average of the value vectors (linear
    in ``v``), with weights that depend non-linearly on ``q`` and ``k``. Chapter 9.

    Parameters
    ----------
    q : ndarray, shape ``(..., T, d)``
        Queries (e.g. ``(B, h, T, d)``).
    k : ndarray, shape ``(..., T_k, d)``
        Keys.
    v : ndarray, shape ``(..., T_k, d_v)``
        Values.
    causal : bool
        Mask future positions (needs ``T == T_k``).

    Returns
    -------
    out : ndarray, shape ``(..., T, d_v)``
    A : ndarray, shape ``(..., T, T_k)``
        The attention weights; each row sums to 1.
    """
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2 or q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention expected q (..., T, d), k (..., T_k, d) and v (..., T_k, d_v), "
            f"got q {q.shape}, k {k.shape}, v {v.shape}: queries and keys need the same d, keys and "
            "values the same T_k."
        )
    if not (q.dtype.kind == "f" and q.dtype == k.dtype == v.dtype):
        raise ValueError(f"scaled_dot_product_attention expected q, k and v of one floating dtype, got "
                         f"{q.dtype}, {k.dtype} and {v.dtype}; cast them with .astype(np.float64)")
    T, Tk = q.shape[-2], k.shape[-2]
    if T == 0 or Tk == 0:
        raise ValueError(f"scaled_dot_product_attention expected at least one query and one key, got "
                         f"T={T} and T_k={Tk}: softmax over no keys is undefined")
    if causal and T != Tk:
        raise ValueError(f"scaled_dot_product_attention with causal=True expected as many queries as "
                         f"keys, got T={T} and T_k={Tk}")
    scale = 1.0 / math.sqrt(q.shape[-1])
    A = (q * scale) @ k.swapaxes(-1, -2)  # the scores S, (..., T, T_k)
    if causal:
        A += _causal_bias(T, A.dtype)  # -inf above the diagonal
    _softmax_inplace(A)  # now the weights A = softmax(S), in the same array
    return A @ v, A


def scaled_dot_product_attention_backward(dout, q, k, v, A, out=None):
    """Gradients of ``out = softmax(q k^T / sqrt(d)) v`` with respect to ``q``, ``k`` and ``v``.

    With ``A`` the attention weights: ``dv = A^T @ dout``; ``dA = dout @ v^T``; the
    softmax backward row by row, ``dS = A * (dA - sum_j dA * A)``; then
    ``dq = dS @ k / sqrt(d)`` and ``dk = dS^T @ q / sqrt(d)``. Masked entries have
    ``A = 0`` and so get ``dS = 0``. Derived step by step in Chapter 9.

    Parameters
    ----------
    dout : ndarray, shape ``(..., T, d_v)``
        Gradient of the loss with respect to ``out``.
    q, k, v : ndarray
        The forward inputs, shapes as in ``scaled_dot_product_attention``.
    A : ndarray, shape ``(..., T, T_k)``
        The attention weights the forward pass returned.
    out : tuple of three ndarray, optional
        Arrays of the shapes of ``q``, ``k`` and ``v`` to write ``dq``, ``dk``, ``dv``
        into (``MultiHeadAttention`` passes views of one buffer).

    Returns
    -------
    dq : ndarray, shape of ``q``
    dk : ndarray, shape of ``k``
    dv : ndarray, shape of ``v``
    """
    dout, q, k, v, A = (np.asarray(a) for a in (dout, q, k, v, A))
    expected = {"dout": q.shape[:-1] + v.shape[-1:], "A": q.shape[:-1] + k.shape[-2:-1]}
    for name, got in (("dout", dout.shape), ("A", A.shape)):
        if got != expected[name]:
            raise ValueError(f"scaled_dot_product_attention_backward expected {name} of shape "
                             f"{expected[name]} (from the shapes of q, k and v), got {got}")
    dq, dk, dv = out if out is not None else (None, None, None)
    scale = 1.0 / math.sqrt(q.shape[-1])
    dv = np.matmul(A.swapaxes(-1, -2), dout, out=dv)  # (..., T_k, d_v)
    dS = dout @ v.swapaxes(-1, -2)  # dA for now, (..., T, T_k)
    _softmax_backward_inplace(A, dS)  # now dS = A * (dA - rowsum(dA * A))
    dS *= scale
    dq = np.matmul(dS, k, out=dq)  # (..., T, d)
    dk = np.matmul(dS.swapaxes(-1, -2), q, out=dk)  # (..., T_k, d)
    return dq, dk, dv


# -- the shared hot path ------------------------------------------------------------------
_BIAS_CACHE = {}


def _causal_bias(T, dtype):
    """0 where a query may look (j <= i), -inf above the diagonal; shape ``(T, T)``, cached."""
    key = (T, np.dtype(dtype).str)
    if key not in _BIAS_CACHE:
        _BIAS_CACHE[key] = np.where(causal_mask(T), 0.0, -np.inf).astype(dtype)
    return _BIAS_CACHE[key]


def _softmax_inplace(S):
    """Row-wise softmax of ``S`` over the last axis, overwriting ``S``; returns it.

    Computes ``exp(S - max) / sum(exp(S - max))`` (``nnlib.functional.softmax``) in place;
    the tests check the two agree to float64 round-off.
    """
    S -= S.max(axis=-1, keepdims=True)  # S - max_j S_j: every entry <= 0, (..., T, T_k)
    np.exp(S, out=S)  # e_j = exp(S_j - max), in (0, 1]
    S /= S.sum(axis=-1, keepdims=True)  # A_j = e_j / sum_k e_k
    return S


def _softmax_backward_inplace(A, dA):
    """Fused softmax backward: overwrite ``dA`` with ``A * (dA - sum(dA * A, -1))``.

    The formula of ``nnlib.functional.softmax_backward``, without a ``(..., T, T)`` temporary;
    the tests check the two agree to float64 round-off.
    """
    row = np.einsum("...j,...j->...", dA, A)[..., None]  # r = sum_j dA_j A_j, (..., T, 1)
    dA -= row  # dA_j - r
    dA *= A  # dS_j = A_j (dA_j - r)
    return dA


class MultiHeadAttention(Module):
    """Multi-head self-attention: ``h`` attention heads side by side, then one output projection.

    ``[q, k, v] = x @ W_qkv + b_qkv`` (one ``Linear(C, 3C)``), split into ``h`` heads of
    width ``d = C / h``; per head ``y = softmax(q k^T / sqrt(d)) v``; the heads are joined
    back to width ``C`` and ``out = y @ W_o + b_o``. Parameters: ``4 C^2 + 4 C``.
    Backward runs the same steps in reverse, through ``scaled_dot_product_attention_backward``.
    Chapter 9.

    Parameters
    ----------
    d_model : int
        Model width ``C``; must be divisible by ``n_heads``.
    n_heads : int
        Number of heads ``h``.
    causal : bool
        If True, position ``t`` attends only to positions ``<= t`` (decoders, language models).
    rng : ``numpy.random.Generator``, int or None
        Random generator or seed for the weights.
    dtype : numpy floating dtype
        ``np.float64`` (default) or ``np.float32``: the dtype of the weights and the expected input.

    Attributes
    ----------
    qkv : Linear
        ``C -> 3C``: queries, keys and values of every head.
    proj : Linear
        ``C -> C``: the output projection.
    attn : ndarray, shape ``(B, h, T, T)`` or None
        The attention weights of the last forward pass (for drawing attention maps).

    Notes
    -----
    Input ``x`` of shape ``(B, T, C)``; output ``(B, T, C)``.
    """

    def __init__(self, d_model, n_heads, causal=False, *, rng=None, dtype=np.float64):
        super().__init__()
        d_model = _validate.integer("MultiHeadAttention", "d_model", d_model)
        n_heads = _validate.integer("MultiHeadAttention", "n_heads", n_heads)
        if not isinstance(causal, (bool, np.bool_)):
            raise ValueError(f"MultiHeadAttention expected causal True or False, got {causal!r}")
        if d_model % n_heads:
            raise ValueError(
                f"MultiHeadAttention expected d_model divisible by n_heads (each head gets "
                f"d_model / n_heads channels), got d_model={d_model} and n_heads={n_heads}"
            )
        rng = _validate.generator("MultiHeadAttention", rng)
        self.d_model, self.n_heads, self.causal = d_model, n_heads, bool(causal)
        self.qkv = Linear(d_model, 3 * d_model, rng=rng, dtype=dtype, init="xavier")
        self.proj = Linear(d_model, d_model, rng=rng, dtype=dtype, init="xavier")
        self.attn = None
        self._cache = None

    def forward(self, x):
        x = np.asarray(x)
        check_sequence(self, x, self.d_model)
        B, T, C = x.shape
        h = self.n_heads
        d = C // h
        # The Linear layers get (B*T, C) views: one large 2-D matrix product is faster than B.
        qkv = self.qkv(x.reshape(B * T, C)).reshape(B, T, 3, h, d).transpose(2, 0, 3, 1, 4)  # (3, B, h, T, d)
        q, k, v = qkv[0], qkv[1], qkv[2]  # each (B, h, T, d)
        y, A = scaled_dot_product_attention(q, k, v, self.causal)  # (B, h, T, d), (B, h, T, T)
        self.attn = A
        self._cache = (q, k, v, A)
        y = y.transpose(0, 2, 1, 3).reshape(B * T, C)  # (B, T, h, d) -> (B*T, C)
        return self.proj(y).reshape(B, T, C)

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)  # (B, T, C)
        q, k, v, A = self._cache
        B, h, T, d = q.shape
        C = self.d_model
        dy = self.proj.backward(dout.reshape(B * T, C))  # (B*T, C)
        dy = dy.reshape(B, T, h, d).transpose(0, 2, 1, 3)  # (B, h, T, d)
        dqkv = np.empty((B, T, 3, h, d), dtype=dout.dtype)  # the layout qkv's output had
        dq, dk, dv = dqkv.transpose(2, 0, 3, 1, 4)  # views, each (B, h, T, d)
        scaled_dot_product_attention_backward(dy, q, k, v, A, out=(dq, dk, dv))
        dx = self.qkv.backward(dqkv.reshape(B * T, 3 * C), input_grad=input_grad)  # (B*T, C)
        return None if dx is None else dx.reshape(B, T, C)

    def extra_repr(self):
        return f"d_model={self.d_model}, n_heads={self.n_heads}, causal={self.causal}"
