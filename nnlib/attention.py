"""Scaled dot-product attention, the causal mask and multi-head self-attention (Chapter 9).

Shapes follow nanoGPT: a batch of sequences is ``(B, T, C)`` (batch, time = position,
channels = model width); attention works per head on ``(B, h, T, d)`` with ``d = C / h``.
Every layer keeps the dtype of its parameters (float32 stays float32). The forward pass
and its backward pass (``dV``, ``dA``, the softmax backward, ``dQ`` and ``dK``) are derived
step by step in Chapter 9 (transformers).

The computation itself (``nnlib.fused.attend`` and ``attend_backward``) follows these formulas
block by block: a causal block of queries skips the keys after its last query, each block is
shifted by its own maximum, and the softmax backward's ``sum_j dA_ij A_ij`` is computed as
``dout_i . out_i``. The tests check it against the formulas written out one step per line.
"""
import numpy as np

from nnlib import _validate
from nnlib.embedding import check_sequence
from nnlib.fused import attend, attend_backward, attention_plan, attention_weights
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
    lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    q3, k3, v3 = (np.broadcast_to(a, lead + a.shape[-2:]).reshape((-1,) + a.shape[-2:]) for a in (q, k, v))
    out, blocks, plan = attend(q3, k3, v3, causal)  # on (L, T, d) arrays, L = all leading axes
    A = attention_weights(blocks, plan, (len(q3), T, Tk))  # (L, T, T_k)
    return out.reshape(lead + out.shape[-2:]), A.reshape(lead + (T, Tk))


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
        Arrays of the shapes of ``q``, ``k`` and ``v`` to write ``dq``, ``dk``, ``dv`` into.

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
    if q.shape[:-2] != k.shape[:-2] or q.shape[:-2] != v.shape[:-2]:
        raise ValueError(f"scaled_dot_product_attention_backward expected q, k and v with the same leading "
                         f"axes, got {q.shape}, {k.shape} and {v.shape}")
    T, Tk = A.shape[-2:]
    dout3, q3, k3, v3, A3 = (a.reshape((-1,) + a.shape[-2:]) for a in (dout, q, k, v, A))  # (L, ., .)
    plan = attention_plan(len(A3), 1, T, Tk, causal=False)  # all keys: masked entries of A are 0 anyway
    blocks = [A3[b, i:i2, :end] for b, i, i2, end in plan]
    delta = np.vecdot(dout3, A3 @ v3)  # sum_j dA_ij A_ij = dout_i . out_i, out = A v, (L, T)
    grads = tuple(np.empty(a.shape, dout.dtype) for a in (q3, k3, v3))
    attend_backward(dout3, q3, k3, v3, blocks, plan, delta, grads)
    grads = tuple(g.reshape(a.shape) for g, a in zip(grads, (q, k, v)))
    if out is None:
        return grads
    for buf, g in zip(out, grads):
        buf[...] = g
    return tuple(out)


class MultiHeadAttention(Module):
    """Multi-head self-attention: ``h`` attention heads side by side, then one output projection.

    ``[q, k, v] = x @ W_qkv + b_qkv`` (one ``Linear(C, 3C)``), split into ``h`` heads of
    width ``d = C / h``; per head ``y = softmax(q k^T / sqrt(d)) v``; the heads are joined
    back to width ``C`` and ``out = y @ W_o + b_o``. Parameters: ``4 C^2 + 4 C``.
    Backward runs the same steps in reverse, with the computation that
    ``scaled_dot_product_attention_backward`` uses. Chapter 9.

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
        self._cache = None

    @property
    def attn(self):
        """The attention weights of the last forward pass, ``(B, h, T, T)`` (None before one).

        Assembled on request from the blocks the forward pass kept (for drawing attention
        maps); row ``t`` of head ``j`` is how much position ``t`` looked at each position.
        """
        if self._cache is None:
            return None
        q, k, v, y, blocks, plan = self._cache
        return attention_weights(blocks, plan, q.shape[:-1] + (k.shape[-2],))

    def forward(self, x):
        x = np.asarray(x)
        check_sequence(self, x, self.d_model)
        B, T, C = x.shape
        h = self.n_heads
        d = C // h
        # The Linear layers get (B*T, C) views: one large 2-D matrix product is faster than B.
        qkv = self.qkv(x.reshape(B * T, C)).reshape(B, T, 3, h, d).transpose(2, 0, 3, 1, 4)  # (3, B, h, T, d)
        q, k, v = qkv[0], qkv[1], qkv[2]  # each (B, h, T, d)
        heads = np.empty((B, T, h, d), dtype=x.dtype)  # the heads side by side, as proj wants them
        y = heads.transpose(0, 2, 1, 3)  # a (B, h, T, d) view of it
        _, blocks, plan = attend(q, k, v, self.causal, out=y)  # y = softmax(q k^T / sqrt(d)) v
        self._cache = (q, k, v, y, blocks, plan)
        return self.proj(heads.reshape(B * T, C)).reshape(B, T, C)

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)  # (B, T, C)
        q, k, v, y, blocks, plan = self._cache
        B, h, T, d = q.shape
        C = self.d_model
        dy = self.proj.backward(dout.reshape(B * T, C))  # (B*T, C)
        dy = dy.reshape(B, T, h, d).transpose(0, 2, 1, 3)  # (B, h, T, d)
        dqkv = np.empty((B, T, 3, h, d), dtype=dout.dtype)  # the layout qkv's output had
        dq, dk, dv = dqkv.transpose(2, 0, 3, 1, 4)  # views, each (B, h, T, d)
        delta = np.vecdot(dy, y)  # sum_j dA_ij A_ij = dy_i . y_i, (B, h, T)
        attend_backward(dy, q, k, v, blocks, plan, delta, (dq, dk, dv))  # the steps of ..._attention_backward
        dx = self.qkv.backward(dqkv.reshape(B * T, 3 * C), input_grad=input_grad)  # (B*T, C)
        return None if dx is None else dx.reshape(B, T, C)

    def extra_repr(self):
        return f"d_model={self.d_model}, n_heads={self.n_heads}, causal={self.causal}"
