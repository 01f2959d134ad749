"""Fused kernels for the hot work of the transformer block: tanh-GELU, LayerNorm and the attention core.

NumPy evaluates ``0.5 * x * (1 + np.tanh(u))`` one operation at a time: each operation is a
pass over the whole array, and most allocate a new one. For a ``(B*T, 4C)`` activation that
does not fit in the CPU cache, every pass is a trip to main memory (and every new array a
round of page faults). The functions here apply the same operations, in the same order, to
blocks of about ``BLOCK`` entries that stay in the cache, writing in place into arrays
allocated once. Each line carries the formula it computes; the readable versions are
``nnlib.functional.gelu`` / ``gelu_grad``, the formulas in ``LayerNorm``'s docstring and in
``nnlib.attention``, and the tests check that the two agree to float64 round-off.

Attention's ``(..., T, T_k)`` scores are computed a block of ``_QUERY_BLOCK`` queries (and a
few sequences) at a time, so that a block stays in the cache while its softmax and products
are done; with a causal mask the block of queries ``i .. i2`` needs only the keys ``0 .. i2``
(later keys get weight 0), so about half of the scores of a long sequence are never computed.
Softmax does not change when a constant is subtracted from a row: each block is shifted by its
largest score (one fast reduction instead of a slow one per short row), and a row whose scores
all lie so far below it that its sum underflows (below ``_TINY``) is recomputed with its own
maximum. Row sums are matrix-vector products (``e @ ones``), and the softmax backward's
``sum_j dA_ij A_ij`` is ``dout_i . out_i`` (``dA_ij = dout_i . v_j``, ``sum_j A_ij v_j = out_i``),
which needs no pass over the ``T x T`` matrix. Chapter 9 (and the speed appendix).
"""
import math

import numpy as np

from nnlib.activations import GELU

__all__ = ["tanh_gelu", "tanh_gelu_backward", "layer_norm", "layer_norm_backward", "TanhGELU", "attend",
           "attend_backward", "attention_plan", "attention_weights"]

BLOCK = 65536  # entries per block: 256 KB of float32, so a few blocks fit in a 2 MB L2 cache
_QUERY_BLOCK = 64  # attention: queries per block
_BLOCK_ENTRIES = 2 ** 18  # attention: scores per block (1 MB of float32)
_TINY = math.exp(-60.0)  # attention: a row sum below this under its block's shift is recomputed exactly
_C = math.sqrt(2.0 / math.pi)  # c = sqrt(2/pi)
_A = 0.044715  # a


def _row_blocks(n_rows, row_size):
    """Slices over the rows of an ``(n_rows, row_size)`` array, about ``BLOCK`` entries each."""
    step = max(1, BLOCK // max(row_size, 1))
    return [slice(i, i + step) for i in range(0, n_rows, step)], min(step, n_rows)


def tanh_gelu(x):
    """``gelu(x) = 0.5 x (1 + tanh(u))`` with ``u = c (x + a x^3)``, ``c = sqrt(2/pi)``, ``a = 0.044715``.

    ``x`` of shape ``(..., D)``, floating point. Returns ``(out, t)``, both of the shape and
    dtype of ``x``: ``out = gelu(x)`` and ``t = tanh(u)``, which the backward pass reuses.
    """
    x2 = x.reshape(-1, x.shape[-1])  # (N, D)
    out, t = np.empty_like(x2), np.empty_like(x2)
    blocks, rows = _row_blocks(*x2.shape)
    work = np.empty((rows, x2.shape[1]), x.dtype)
    for s in blocks:
        xs, ts, o = x2[s], t[s], out[s]
        u = np.multiply(xs, xs, out=work[:len(xs)])  # x^2
        u *= _C * _A  # c a x^2
        u += _C  # c (1 + a x^2)
        u *= xs  # u = c (x + a x^3)
        np.tanh(u, out=ts)  # t = tanh(u)
        np.add(ts, 1, out=o)  # 1 + t
        o *= xs  # x (1 + t)
        o *= 0.5  # gelu(x) = 0.5 x (1 + t)
    return out.reshape(x.shape), t.reshape(x.shape)


def tanh_gelu_backward(x, t, dout):
    """``dx = dout * gelu'(x)`` with ``gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 a x^2)``.

    ``x``, ``t = tanh(u)`` (from ``tanh_gelu``) and ``dout`` of one shape ``(..., D)``; returns
    ``dx`` of that shape and dtype.
    """
    D = x.shape[-1]
    x2, t2, d2 = x.reshape(-1, D), t.reshape(-1, D), dout.reshape(-1, D)  # (N, D)
    dx = np.empty_like(d2)
    blocks, rows = _row_blocks(*x2.shape)
    work = np.empty((rows, D), x.dtype)
    for s in blocks:
        xs, ts, g = x2[s], t2[s], dx[s]
        w = work[:len(xs)]
        np.multiply(xs, xs, out=g)  # x^2
        g *= 3 * _A * _C  # 3 a c x^2
        g += _C  # du/dx = c (1 + 3 a x^2)
        g *= xs  # x du/dx
        np.multiply(ts, ts, out=w)  # t^2
        np.subtract(1, w, out=w)  # 1 - t^2
        g *= w  # x (1 - t^2) du/dx
        g += 1  # 1 + x (1 - t^2) du/dx
        g += ts  # (1 + t) + x (1 - t^2) du/dx
        g *= 0.5  # gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) du/dx
        g *= d2[s]  # dx = dout * gelu'(x)
    return dx.reshape(dout.shape)


def layer_norm(x, gamma, beta, eps):
    """``out = gamma * xhat + beta``, ``xhat = (x - mean) / sqrt(var + eps)`` over the last axis.

    ``x (..., D)``; ``gamma``, ``beta (D,)``. Returns ``(out, xhat, inv_std)``: ``out`` and
    ``xhat`` of the shape of ``x``, ``inv_std = 1 / sqrt(var + eps)`` of shape ``(..., 1)``.
    """
    D = x.shape[-1]
    x2 = x.reshape(-1, D)  # (N, D)
    out, xhat = np.empty_like(x2), np.empty_like(x2)
    inv_std = np.empty(len(x2), x.dtype)  # (N,)
    ones = np.ones(D, x.dtype)
    blocks, _ = _row_blocks(*x2.shape)
    for s in blocks:
        xs, xh, o, r = x2[s], xhat[s], out[s], inv_std[s]
        mean = xs @ ones  # sum_d x_d (a matrix-vector product: faster than a row-wise sum)
        mean /= D  # mean
        np.subtract(xs, mean[:, None], out=xh)  # x - mean
        np.vecdot(xh, xh, out=r)  # sum_d (x_d - mean)^2
        r /= D  # var (biased)
        r += eps  # var + eps
        np.sqrt(r, out=r)  # sqrt(var + eps)
        np.divide(1, r, out=r)  # inv_std = 1 / sqrt(var + eps)
        xh *= r[:, None]  # xhat = (x - mean) inv_std
        np.multiply(xh, gamma, out=o)  # gamma xhat
        o += beta  # out = gamma xhat + beta
    return out.reshape(x.shape), xhat.reshape(x.shape), inv_std.reshape(x.shape[:-1] + (1,))


def layer_norm_backward(dout, xhat, inv_std, gamma):
    """``dx = (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) inv_std`` with ``dxhat = dout * gamma``.

    ``dout`` and ``xhat (..., D)``, ``inv_std (..., 1)`` and ``gamma (D,)`` as ``layer_norm``
    returned them; returns ``dx (..., D)``. (The gradients of ``gamma`` and ``beta`` are the
    layer's: ``sum dout * xhat`` and ``sum dout``.)
    """
    D = dout.shape[-1]
    d2, x2, r2 = dout.reshape(-1, D), xhat.reshape(-1, D), inv_std.reshape(-1)  # (N, D), (N, D), (N,)
    dx = np.empty_like(d2)
    ones = np.ones(D, dout.dtype)
    blocks, rows = _row_blocks(*d2.shape)
    work = np.empty((rows, D), dout.dtype)
    for s in blocks:
        xs, g = x2[s], dx[s]
        w = work[:len(xs)]
        np.multiply(d2[s], gamma, out=g)  # dxhat = dout gamma
        m1 = g @ ones  # sum_d dxhat_d
        m1 /= D  # mean(dxhat)
        m2 = np.vecdot(g, xs)  # sum_d dxhat_d xhat_d
        m2 /= D  # mean(dxhat xhat)
        g -= m1[:, None]  # dxhat - mean(dxhat)
        np.multiply(xs, m2[:, None], out=w)  # xhat mean(dxhat xhat)
        g -= w  # dxhat - mean(dxhat) - xhat mean(dxhat xhat)
        g *= r2[s, None]  # dx = (...) inv_std
    return dx.reshape(dout.shape)


class TanhGELU(GELU):
    """``GELU("tanh")`` computed by ``tanh_gelu`` / ``tanh_gelu_backward``; backward reuses ``tanh(u)``.

    The same formula as ``nnlib.functional.gelu(x, "tanh")`` and the same derivative as
    ``gelu_grad(x, "tanh")`` (the readable reference, ``GELU("tanh")``: the tests check the
    two agree to float64 round-off); ``TransformerBlock`` uses this one in its hot path.
    Input of any shape with at least one axis, dtype kept.
    """

    def __init__(self):
        super().__init__("tanh")
        self._t = None

    def forward(self, x):
        x = np.asarray(x)
        if x.dtype.kind != "f" or x.ndim == 0:
            return super().forward(x)  # raises the usual error for non-float input; 0-d: the plain formula
        self._x = x
        out, self._t = tanh_gelu(x)
        return out

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)
        if not input_grad:
            return None
        if self._t is None or self._x.ndim == 0:
            return super().backward(dout, input_grad)
        return tanh_gelu_backward(self._x, self._t, dout)


# -- attention: softmax(q k^T / sqrt(d)) v, block by block (nnlib.attention states the formulas) --
_BIAS_CACHE = {}


def _causal_bias(T, dtype):
    """0 where a query may look (j <= i), -inf above the diagonal; shape ``(T, T)``, cached."""
    key = (T, np.dtype(dtype).str)
    if key not in _BIAS_CACHE:
        _BIAS_CACHE[key] = np.where(np.tri(T, dtype=bool), 0.0, -np.inf).astype(dtype)  # mask: j <= i
    return _BIAS_CACHE[key]


def attention_plan(L, heads, T, Tk, causal):
    """The blocks ``(batch slice b, first query i, end query i2, number of keys end)`` to compute."""
    Tq = min(T, _QUERY_BLOCK)
    per_b = heads * Tq * Tk  # scores of one sequence (all heads) in one block of queries
    Bc = max(1, _BLOCK_ENTRIES // per_b)  # sequences per block
    return [(slice(b, b + Bc), i, min(i + Tq, T), min(i + Tq, T) if causal else Tk)
            for b in range(0, L, Bc) for i in range(0, T, Tq)]


def attend(q, k, v, causal, out=None):
    """``out = softmax(q k^T / sqrt(d)) v`` block by block; returns ``(out, blocks of A, plan)``.

    ``q (L, ..., T, d)``, ``k (L, ..., T_k, d)``, ``v (L, ..., T_k, d_v)``; the blocks are
    ``A[b, ..., i:i2, :end]`` (the weights of the keys after ``end`` are 0).
    """
    T, Tk, d = q.shape[-2], k.shape[-2], q.shape[-1]
    heads = math.prod(q.shape[1:-2])
    qs = q * (1.0 / math.sqrt(d))  # q / sqrt(d): scaling the T x d queries costs less than the T x T scores
    if out is None:
        out = np.empty(q.shape[:-1] + v.shape[-1:], q.dtype)
    plan = attention_plan(q.shape[0], heads, T, Tk, causal)
    ones = np.ones(Tk, q.dtype)
    blocks = []
    for b, i, i2, end in plan:
        S = qs[b, ..., i:i2, :] @ k[b, ..., :end, :].swapaxes(-1, -2)  # S = q k^T / sqrt(d), (Bc, ..., Tq, end)
        if causal:
            S[..., i:end] += _causal_bias(end - i, S.dtype)  # -inf where key j > query: weight 0
        S -= np.fmax.reduce(S, axis=(-2, -1), keepdims=True)  # S - max: every entry <= 0, exp cannot overflow
        np.exp(S, out=S)  # e = exp(S - max)
        sums = S @ ones[:end]  # sum_j e_j per row, (Bc, ..., Tq)
        if (sums < _TINY).any():
            _exact_rows(S, sums, qs[b, ..., i:i2, :], k[b, ..., :end, :], i, causal)
        S /= sums[..., None]  # A = e / sum_j e_j = softmax(S)
        np.matmul(S, v[b, ..., :end, :], out=out[b, ..., i:i2, :])  # out = A v, (Bc, ..., Tq, d_v)
        blocks.append(S)
    return out, blocks, plan


def _exact_rows(e, sums, qs, k, i, causal):
    """Recompute with its own maximum every row of ``e`` whose sum underflowed under the block's shift."""
    idx = np.nonzero(sums < _TINY)  # rows whose scores all lie ~60 or more below the block's maximum
    S = np.matmul(k[idx[:-1]], qs[idx][..., None])[..., 0]  # their scores again, (n, end)
    if causal:
        S[np.arange(S.shape[-1]) > (i + idx[-1])[:, None]] = -np.inf  # key j after query i + r
    S -= S.max(axis=-1, keepdims=True)  # S - max_j S_j, per row
    np.exp(S, out=S)
    e[idx] = S
    sums[idx] = S.sum(axis=-1)


def attend_backward(dout, q, k, v, blocks, plan, delta, grads):
    """``(dq, dk, dv)`` into ``grads`` from the blocks of ``A`` and ``delta = sum_j dA_ij A_ij``.

    The steps of ``nnlib.attention.scaled_dot_product_attention_backward``, block by block.
    """
    dq, dk, dv = grads
    scale = 1.0 / math.sqrt(q.shape[-1])
    one_block = len(plan) == 1
    if not one_block:
        dk[...] = 0  # several blocks add into dk and dv
        dv[...] = 0
    for (b, i, i2, end), A in zip(plan, blocks):
        g = dout[b, ..., i:i2, :]  # (Bc, ..., Tq, d_v)
        if one_block:
            np.matmul(A.swapaxes(-1, -2), g, out=dv[b, ..., :end, :])  # dv = A^T dout
        else:
            dv[b, ..., :end, :] += A.swapaxes(-1, -2) @ g
        dS = g @ v[b, ..., :end, :].swapaxes(-1, -2)  # dA = dout v^T, (Bc, ..., Tq, end)
        dS -= delta[b, ..., i:i2, None]  # dA_ij - sum_j dA_ij A_ij
        dS *= A  # dS = A (dA - sum_j dA A): the softmax backward
        np.matmul(dS, k[b, ..., :end, :], out=dq[b, ..., i:i2, :])  # dq = dS k (/ sqrt(d) below)
        if one_block:
            np.matmul(dS.swapaxes(-1, -2), q[b, ..., i:i2, :], out=dk[b, ..., :end, :])  # dk = dS^T q
        else:
            dk[b, ..., :end, :] += dS.swapaxes(-1, -2) @ q[b, ..., i:i2, :]
    dq *= scale  # the scores were q k^T / sqrt(d)
    dk *= scale


def attention_weights(blocks, plan, shape):
    """The full attention weights ``(L, ..., T, T_k)`` from the blocks (zero where no key was computed)."""
    if len(plan) == 1 and blocks[0].shape == shape:
        return blocks[0]
    A = np.zeros(shape, blocks[0].dtype)
    for (b, i, i2, end), block in zip(plan, blocks):
        A[b, ..., i:i2, :end] = block
    return A
