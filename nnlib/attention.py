"""Token embeddings, positional information and (multi-head) scaled dot-product attention.

Shapes follow nanoGPT: a batch of sequences is ``(B, T, C)`` (batch, time = position,
channels = model width); attention works per head on ``(B, h, T, d)`` with ``d = C / h``.
Every layer keeps the dtype of its parameters (float32 stays float32). The forward and
backward passes are derived in Chapter 7 (transformers).
"""
import math

import numpy as np

from nnlib.layers import Linear, _check_dtype
from nnlib.module import Module, Parameter

__all__ = [
    "Embedding", "sinusoidal_positions", "SinusoidalPositionalEncoding", "LearnedPositionalEmbedding",
    "causal_mask", "scaled_dot_product_attention", "scaled_dot_product_attention_backward",
    "MultiHeadAttention",
]


def _rng(rng):
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _check_sequence(module, x, C):
    """Raise a ValueError unless ``x`` is a float batch of sequences ``(B, T, C)``."""
    name = type(module).__name__
    if x.ndim != 3 or x.shape[-1] != C:
        raise ValueError(
            f"{name} expected a batch of sequences of shape (B, T, {C}), got shape {x.shape}. "
            f"For one sequence use x[None]; check that the model width is {C}."
        )


class Embedding(Module):
    """A lookup table: token id ``i`` becomes row ``i`` of a learned matrix, ``out = W[ids]``.

    Backward: ``dW[i] += sum of dout over every position holding token i`` (the ids are
    integers, so there is no input gradient; ``backward`` returns None). Chapter 7.

    Parameters
    ----------
    num_embeddings : int
        Vocabulary size ``V``; valid ids are ``0 .. V-1``.
    dim : int
        Embedding width ``C``.
    rng : ``numpy.random.Generator``, int or None
        Random generator or seed for the initial table.
    dtype : numpy floating dtype
        dtype of the table and of the output.
    std : float
        The table starts as ``N(0, std**2)`` (default 1, as PyTorch's ``nn.Embedding``).

    Attributes
    ----------
    W : Parameter
        The table, ``W.data`` of shape ``(V, C)``.

    Notes
    -----
    Input: integer ids of any shape ``S`` (usually ``(B, T)``); output shape ``S + (C,)``.
    """

    def __init__(self, num_embeddings, dim, *, rng=None, dtype=np.float64, std=1.0):
        super().__init__()
        self.num_embeddings, self.dim = int(num_embeddings), int(dim)
        W = _rng(rng).standard_normal((self.num_embeddings, self.dim)) * std
        self.W = Parameter(W.astype(dtype))
        self._ids = None

    def forward(self, ids):
        ids = np.asarray(ids)
        V = self.num_embeddings
        if ids.dtype.kind not in "iu":
            raise ValueError(
                f"Embedding expected integer token ids, got dtype {ids.dtype}; "
                "convert with ids.astype(np.int64) (ids index rows of the table, they are not features)."
            )
        if ids.size and (ids.min() < 0 or ids.max() >= V):
            raise ValueError(
                f"Embedding expected token ids in 0..{V - 1} (vocabulary size {V}), got ids from "
                f"{ids.min()} to {ids.max()}: a token outside the vocabulary. Check vocab_size."
            )
        self._ids = ids
        return self.W.data[ids]  # (*S, C)

    def backward(self, dout, input_grad=True):
        self._check_backward(self._ids, dout, None if self._ids is None else self._ids.shape + (self.dim,))
        np.add.at(self.W.grad, self._ids.reshape(-1), dout.reshape(-1, self.dim))
        return None

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.dim}"


def sinusoidal_positions(T, C, dtype=np.float64):
    """The fixed positional encodings of Vaswani et al. (2017).

    ``P[t, 2i] = sin(t / 10000**(2i / C))`` and ``P[t, 2i + 1] = cos(t / 10000**(2i / C))``:
    each pair of channels is a sine/cosine of one frequency, from one cycle per ~6 positions
    down to very slow ones. Chapter 7.

    Parameters
    ----------
    T : int
        Number of positions.
    C : int
        Model width (even).
    dtype : numpy floating dtype
        dtype of the result.

    Returns
    -------
    P : ndarray, shape ``(T, C)``
    """
    if C % 2:
        raise ValueError(f"sinusoidal_positions expected an even width C (sine/cosine pairs), got C={C}")
    t = np.arange(T)[:, None]  # (T, 1)
    freq = 10000.0 ** (-np.arange(0, C, 2) / C)  # (C/2,)
    P = np.empty((T, C))
    P[:, 0::2] = np.sin(t * freq)
    P[:, 1::2] = np.cos(t * freq)
    return P.astype(dtype)


class SinusoidalPositionalEncoding(Module):
    """Add fixed sinusoidal positions: ``out[b, t] = x[b, t] + P[t]`` (no parameters).

    Backward: ``dx = dout``. Input and output ``(B, T, C)`` with ``T <= max_len``. Chapter 7.

    Parameters
    ----------
    max_len : int
        The longest sequence (the context length).
    dim : int
        Model width ``C``.
    dtype : numpy floating dtype
        dtype of the table (and of the expected input).
    """

    def __init__(self, max_len, dim, *, dtype=np.float64):
        super().__init__()
        self.max_len, self.dim = int(max_len), int(dim)
        self.P = sinusoidal_positions(self.max_len, self.dim, dtype)  # (max_len, C), not trained
        self._shape = None

    def forward(self, x):
        x = np.asarray(x)
        _check_sequence(self, x, self.dim)
        _check_dtype(self, x, self.P.dtype)
        B, T, C = x.shape
        if T > self.max_len:
            raise ValueError(f"{type(self).__name__} expected at most {self.max_len} positions "
                             f"(the context length), got a sequence of length {T}")
        self._shape = x.shape
        return x + self.P[:T]

    def backward(self, dout, input_grad=True):
        self._check_backward(self._shape, dout, self._shape)
        return dout

    def extra_repr(self):
        return f"max_len={self.max_len}, dim={self.dim}"


class LearnedPositionalEmbedding(Module):
    """Add a learned vector per position: ``out[b, t] = x[b, t] + P[t]`` (GPT-2's ``wpe``).

    Backward: ``dP[t] += sum_b dout[b, t]`` and ``dx = dout``. Input and output ``(B, T, C)``
    with ``T <= max_len``. Chapter 7.

    Parameters
    ----------
    max_len : int
        The context length: one learned vector per position.
    dim : int
        Model width ``C``.
    rng : ``numpy.random.Generator``, int or None
        Random generator or seed.
    dtype : numpy floating dtype
        dtype of the table.
    std : float
        Initial ``N(0, std**2)`` (default 1).

    Attributes
    ----------
    P : Parameter
        ``P.data`` of shape ``(max_len, C)``.
    """

    def __init__(self, max_len, dim, *, rng=None, dtype=np.float64, std=1.0):
        super().__init__()
        self.max_len, self.dim = int(max_len), int(dim)
        self.P = Parameter((_rng(rng).standard_normal((self.max_len, self.dim)) * std).astype(dtype))
        self._T = None

    def forward(self, x):
        x = np.asarray(x)
        _check_sequence(self, x, self.dim)
        _check_dtype(self, x, self.P.data.dtype)
        B, T, C = x.shape
        if T > self.max_len:
            raise ValueError(f"{type(self).__name__} expected at most {self.max_len} positions "
                             f"(the context length), got a sequence of length {T}")
        self._T = (B, T, C)
        return x + self.P.data[:T]

    def backward(self, dout, input_grad=True):
        self._check_backward(self._T, dout, self._T)
        T = self._T[1]
        self.P.grad[:T] += dout.sum(axis=0)
        return dout if input_grad else None

    def extra_repr(self):
        return f"max_len={self.max_len}, dim={self.dim}"


def causal_mask(T):
    """Which key positions each query may see: ``mask[i, j] = (j <= i)``, shape ``(T, T)``, bool.

    Row ``i`` is query position ``i``; True marks the allowed keys (itself and earlier
    positions). Chapter 7.
    """
    return np.tril(np.ones((T, T), dtype=bool))


def scaled_dot_product_attention(q, k, v, causal=False):
    """``softmax(q k^T / sqrt(d)) v`` over the last two axes, optionally with a causal mask.

    ``S = q @ k^T / sqrt(d)``; with ``causal`` the scores of future keys (``j > i``) are set
    to ``-inf`` so they get weight 0; ``A = softmax(S)`` row by row; ``out = A @ v``.
    Each output is a weighted average of the value vectors (linear in ``v``), with weights
    that depend non-linearly on ``q`` and ``k``. Chapter 7.

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
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention expected q (..., T, d), k (..., T_k, d) and v (..., T_k, d_v), "
            f"got q {q.shape}, k {k.shape}, v {v.shape}: queries and keys need the same d, keys and "
            "values the same T_k."
        )
    T, Tk = q.shape[-2], k.shape[-2]
    if causal and T != Tk:
        raise ValueError(f"scaled_dot_product_attention with causal=True expected as many queries as "
                         f"keys, got T={T} and T_k={Tk}")
    scale = 1.0 / math.sqrt(q.shape[-1])
    S = (q * scale) @ k.swapaxes(-1, -2)  # (..., T, T_k)
    if causal:
        S += _causal_bias(T, S.dtype)
    return _softmax_inplace(S) @ v, S


def scaled_dot_product_attention_backward(dout, q, k, v, A):
    """Gradients of ``out = softmax(q k^T / sqrt(d)) v`` with respect to ``q``, ``k`` and ``v``.

    ``dv = A^T @ dout``; ``dA = dout @ v^T``; the softmax backward row by row,
    ``dS = A * (dA - sum_j dA * A)``; then ``dq = dS @ k / sqrt(d)`` and
    ``dk = dS^T @ q / sqrt(d)``. Masked entries have ``A = 0`` and so get ``dS = 0``.
    Chapter 7.

    Parameters
    ----------
    dout : ndarray, shape ``(..., T, d_v)``
        Gradient of the loss with respect to ``out``.
    q, k, v : ndarray
        The forward inputs, shapes as in ``scaled_dot_product_attention``.
    A : ndarray, shape ``(..., T, T_k)``
        The attention weights the forward pass returned.

    Returns
    -------
    dq : ndarray, shape of ``q``
    dk : ndarray, shape of ``k``
    dv : ndarray, shape of ``v``
    """
    scale = 1.0 / math.sqrt(q.shape[-1])
    dv = A.swapaxes(-1, -2) @ dout
    dS = dout @ v.swapaxes(-1, -2)  # (..., T, T_k): dA for now
    _softmax_backward_inplace(A, dS)
    dS *= scale
    return dS @ k, dS.swapaxes(-1, -2) @ q, dv


# -- the shared hot path ------------------------------------------------------------------
_BIAS_CACHE = {}


def _causal_bias(T, dtype):
    """0 where a query may look (j <= i), -inf above the diagonal; shape ``(T, T)``, cached."""
    key = (T, np.dtype(dtype).str)
    if key not in _BIAS_CACHE:
        _BIAS_CACHE[key] = np.where(causal_mask(T), 0.0, -np.inf).astype(dtype)
    return _BIAS_CACHE[key]


def _softmax_inplace(S):
    """Row-wise softmax of ``S`` over the last axis, overwriting ``S``; returns it."""
    S -= S.max(axis=-1, keepdims=True)
    np.exp(S, out=S)
    S /= S.sum(axis=-1, keepdims=True)
    return S


def _softmax_backward_inplace(A, dA):
    """Fused softmax backward: overwrite ``dA`` with ``A * (dA - sum(dA * A, -1))``."""
    row = np.einsum("...j,...j->...", dA, A)[..., None]  # (..., T, 1), no (..., T, T) temporary
    dA -= row
    dA *= A
    return dA


class MultiHeadAttention(Module):
    """Multi-head self-attention: ``h`` attention heads side by side, then one output projection.

    ``[q, k, v] = x @ W_qkv + b_qkv`` (one ``Linear(C, 3C)``), split into ``h`` heads of
    width ``d = C / h``; per head ``y = softmax(q k^T / sqrt(d)) v``; the heads are joined
    back to width ``C`` and ``out = y @ W_o + b_o``. Parameters: ``4 C^2 + 4 C``.
    Backward runs the same steps in reverse (``scaled_dot_product_attention_backward``).
    Chapter 7.

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
        dtype of the weights and the expected input.

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
        d_model, n_heads = int(d_model), int(n_heads)
        if n_heads < 1 or d_model % n_heads:
            raise ValueError(
                f"MultiHeadAttention expected d_model divisible by n_heads (each head gets "
                f"d_model / n_heads channels), got d_model={d_model} and n_heads={n_heads}"
            )
        rng = _rng(rng)
        self.d_model, self.n_heads, self.causal = d_model, n_heads, bool(causal)
        self.qkv = Linear(d_model, 3 * d_model, rng=rng, dtype=dtype, init="xavier")
        self.proj = Linear(d_model, d_model, rng=rng, dtype=dtype, init="xavier")
        self.attn = None
        self._cache = None
        self._shape = None

    def forward(self, x):
        x = np.asarray(x)
        _check_sequence(self, x, self.d_model)
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
        self._shape = (B, T, C)
        return self.proj(y).reshape(B, T, C)

    def backward(self, dout, input_grad=True):
        self._check_backward(self._cache, dout, None if self._cache is None else self._shape)
        q, k, v, A = self._cache
        B, h, T, d = q.shape
        C = self.d_model
        dy = self.proj.backward(dout.reshape(B * T, C)).reshape(B, T, h, d).transpose(0, 2, 1, 3)  # (B, h, T, d)
        dqkv = np.empty((B, T, 3, h, d), dtype=dout.dtype)
        dq, dk, dv = dqkv.transpose(2, 0, 3, 1, 4)  # views, each (B, h, T, d)
        dv[...] = A.swapaxes(-1, -2) @ dy
        dS = dy @ v.swapaxes(-1, -2)  # (B, h, T, T)
        _softmax_backward_inplace(A, dS)
        dS *= 1.0 / math.sqrt(d)
        np.matmul(dS, k, out=dq)
        np.matmul(dS.swapaxes(-1, -2), q, out=dk)
        dx = self.qkv.backward(dqkv.reshape(B * T, 3 * C), input_grad=input_grad)  # (B*T, C)
        return None if dx is None else dx.reshape(B, T, C)

    def extra_repr(self):
        return f"d_model={self.d_model}, n_heads={self.n_heads}, causal={self.causal}"
