"""nnlib.attention and nnlib.embedding: embeddings, positions, scaled dot-product and multi-head attention.

Every module is gradient-checked in float64 against central differences. The tolerance is
on the *normwise* relative error max|analytic - numerical| / max|numerical|: an entrywise
relative error is meaningless for the key bias, whose true gradient is exactly 0 (adding
the same vector to every key shifts each row of scores by a constant, which softmax ignores).
"""
import math

import numpy as np
import pytest

from nnlib.attention import (MultiHeadAttention, causal_mask, scaled_dot_product_attention,
                             scaled_dot_product_attention_backward)
from nnlib.embedding import (Embedding, LearnedPositionalEmbedding, SinusoidalPositionalEncoding,
                             sinusoidal_positions)
from gradcheck_helpers import TOL, assert_ok, gradcheck, normwise_error
from nnlib.gradcheck import numerical_gradient

def naive_mha(mha, x):
    """Multi-head attention with explicit loops over batch, heads and positions (a reference)."""
    B, T, C = x.shape
    h = mha.n_heads
    d = C // h
    qkv = x @ mha.qkv.W.data + mha.qkv.b.data
    q, k, v = qkv[..., :C], qkv[..., C:2 * C], qkv[..., 2 * C:]
    y = np.zeros_like(x)
    for b in range(B):
        for head in range(h):
            cols = slice(head * d, (head + 1) * d)
            for i in range(T):
                keys = range(i + 1) if mha.causal else range(T)
                scores = np.array([q[b, i, cols] @ k[b, j, cols] / math.sqrt(d) for j in keys])
                w = np.exp(scores - scores.max())
                w /= w.sum()
                y[b, i, cols] = sum(wj * v[b, j, cols] for wj, j in zip(w, keys))
    return y @ mha.proj.W.data + mha.proj.b.data


# ---- scaled dot-product attention ----------------------------------------------------------

def test_causal_mask_is_lower_triangular():
    m = causal_mask(4)
    assert m.dtype == bool and m.shape == (4, 4)
    assert np.array_equal(m, np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]], dtype=bool))


@pytest.mark.parametrize("causal", [False, True])
def test_attention_weights_are_a_softmax_of_scaled_scores(causal):
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((2, 5, 3)) for _ in range(3))
    out, A = scaled_dot_product_attention(q, k, v, causal)
    S = q @ k.swapaxes(-1, -2) / math.sqrt(3)
    if causal:
        S = np.where(causal_mask(5), S, -np.inf)
    expected = np.exp(S - S.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    np.testing.assert_allclose(A, expected, rtol=1e-12)
    np.testing.assert_allclose(A.sum(-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(out, expected @ v, rtol=1e-12)
    if causal:
        assert np.all(A[..., ~causal_mask(5)] == 0)


@pytest.mark.parametrize("causal", [False, True])
def test_attention_backward_matches_finite_differences(causal):
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal((2, 3, 4, 3)) for _ in range(3))  # (B, h, T, d)
    G = rng.standard_normal((2, 3, 4, 3))
    out, A = scaled_dot_product_attention(q, k, v, causal)
    grads = scaled_dot_product_attention_backward(G, q, k, v, A.copy())
    for analytic, arr in zip(grads, (q, k, v)):
        numerical = numerical_gradient(lambda _: np.sum(scaled_dot_product_attention(q, k, v, causal)[0] * G), arr)
        assert normwise_error(analytic, numerical) < TOL


def test_attention_rejects_mismatched_shapes():
    q = np.zeros((2, 4, 3))
    with pytest.raises(ValueError, match="same d"):
        scaled_dot_product_attention(q, np.zeros((2, 4, 5)), np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match="causal=True"):
        scaled_dot_product_attention(q, np.zeros((2, 6, 3)), np.zeros((2, 6, 3)), causal=True)


# ---- multi-head attention ------------------------------------------------------------------

@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape,heads,seed", [((2, 5, 8), 2, 0), ((3, 4, 6), 3, 1), ((1, 6, 4), 1, 2)])
def test_mha_gradcheck(shape, heads, seed, causal):
    mha = MultiHeadAttention(shape[-1], heads, causal, rng=seed)
    mha.qkv.b.data[...] = np.random.default_rng(seed).standard_normal(mha.qkv.b.data.shape)  # not all zero
    assert_ok(gradcheck(mha, np.random.default_rng(seed + 1).standard_normal(shape), seed))


@pytest.mark.parametrize("causal", [False, True])
def test_mha_equals_a_loop_over_batch_heads_and_positions(causal):
    mha = MultiHeadAttention(6, 3, causal, rng=3)
    mha.qkv.b.data[...] = np.random.default_rng(3).standard_normal(18)
    x = np.random.default_rng(4).standard_normal((2, 5, 6))
    np.testing.assert_allclose(mha(x), naive_mha(mha, x), rtol=1e-10, atol=1e-12)
    assert mha.attn.shape == (2, 3, 5, 5)


def test_key_bias_gets_zero_gradient():
    mha = MultiHeadAttention(4, 2, rng=0)
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    mha(x)
    mha.backward(np.random.default_rng(1).standard_normal((2, 3, 4)))
    np.testing.assert_allclose(mha.qkv.b.grad[4:8], 0, atol=1e-12)
    assert np.all(np.abs(mha.qkv.b.grad[8:]) > 0)


def test_causal_output_ignores_future_positions():
    mha = MultiHeadAttention(4, 2, causal=True, rng=0)
    x = np.random.default_rng(0).standard_normal((1, 5, 4))
    y = x.copy()
    y[0, 3:] += 10.0  # change positions 3 and 4
    np.testing.assert_allclose(mha(x)[0, :3], mha(y)[0, :3], rtol=1e-12)
    assert not np.allclose(mha(x)[0, 3:], mha(y)[0, 3:])


def test_attention_without_positions_is_permutation_equivariant():
    mha = MultiHeadAttention(4, 2, causal=False, rng=0)
    x = np.random.default_rng(0).standard_normal((1, 6, 4))
    perm = np.array([3, 0, 5, 1, 4, 2])
    np.testing.assert_allclose(mha(x[:, perm]), mha(x)[:, perm], rtol=1e-10, atol=1e-12)


def test_mha_keeps_float32():
    mha = MultiHeadAttention(8, 2, causal=True, rng=0, dtype=np.float32)
    x = np.random.default_rng(0).standard_normal((2, 5, 8)).astype(np.float32)
    out = mha(x)
    dx = mha.backward(np.ones_like(out))
    assert out.dtype == dx.dtype == mha.attn.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in mha.parameters())


def test_mha_parameter_count():
    mha = MultiHeadAttention(12, 4, rng=0)
    assert sum(p.size for p in mha.parameters()) == 4 * 12 * 12 + 4 * 12


def test_mha_errors():
    with pytest.raises(ValueError, match="divisible by n_heads"):
        MultiHeadAttention(10, 3)
    mha = MultiHeadAttention(8, 2)
    with pytest.raises(ValueError, match=r"\(B, T, 8\)"):
        mha(np.zeros((5, 8)))
    with pytest.raises(ValueError, match=r"\(B, T, 8\)"):
        mha(np.zeros((2, 5, 6)))
    with pytest.raises(ValueError, match="dtype"):
        mha(np.zeros((2, 5, 8), dtype=np.float32))
    with pytest.raises(ValueError, match="before forward"):
        MultiHeadAttention(8, 2).backward(np.zeros((2, 5, 8)))


# ---- embeddings and positions ----------------------------------------------------------------

def test_embedding_looks_up_rows_and_gradchecks():
    emb = Embedding(5, 3, rng=0)
    ids = np.array([[0, 4, 4], [2, 0, 1]])
    np.testing.assert_array_equal(emb(ids), emb.W.data[ids])
    assert emb(ids).shape == (2, 3, 3)
    assert_ok(gradcheck(emb, ids, input_is_data=True))
    emb.zero_grad()
    emb(ids)
    emb.backward(np.ones((2, 3, 3)))
    np.testing.assert_array_equal(emb.W.grad[:, 0], [2, 1, 1, 0, 2])  # how often each id occurs


def test_embedding_errors():
    emb = Embedding(5, 3)
    with pytest.raises(ValueError, match=r"0\.\.4"):
        emb(np.array([[1, 5]]))
    with pytest.raises(ValueError, match=r"0\.\.4"):
        emb(np.array([[-1, 2]]))
    with pytest.raises(ValueError, match="integer token ids"):
        emb(np.array([[1.0, 2.0]]))


def test_embedding_keeps_float32():
    emb = Embedding(5, 3, rng=0, dtype=np.float32)
    assert emb(np.array([[1, 2]])).dtype == np.float32


def test_sinusoidal_positions_formula():
    P = sinusoidal_positions(7, 6)
    t, i = 5, 1  # channel pair i uses frequency 10000 ** (-2i / C)
    assert P[t, 2 * i] == pytest.approx(math.sin(t / 10000 ** (2 * i / 6)))
    assert P[t, 2 * i + 1] == pytest.approx(math.cos(t / 10000 ** (2 * i / 6)))
    np.testing.assert_allclose(P[0], [0, 1, 0, 1, 0, 1])
    with pytest.raises(ValueError, match="even"):
        sinusoidal_positions(4, 5)


def test_sinusoidal_encoding_adds_positions_and_passes_gradients():
    pe = SinusoidalPositionalEncoding(6, 4)
    x = np.random.default_rng(0).standard_normal((2, 5, 4))
    np.testing.assert_allclose(pe(x), x + sinusoidal_positions(5, 4))
    assert pe.parameters() == []
    assert_ok(gradcheck(pe, x))
    assert SinusoidalPositionalEncoding(6, 4, dtype=np.float32).P.dtype == np.float32


def test_learned_positions_gradcheck():
    pos = LearnedPositionalEmbedding(6, 4, rng=0)
    assert_ok(gradcheck(pos, np.random.default_rng(1).standard_normal((2, 4, 4))))
    assert np.all(pos.P.grad[4:] == 0)  # positions beyond the sequence get no gradient


@pytest.mark.parametrize("make", [lambda: SinusoidalPositionalEncoding(4, 2),
                                  lambda: LearnedPositionalEmbedding(4, 2)], ids=["sinusoidal", "learned"])
def test_positions_reject_a_sequence_longer_than_the_context(make):
    with pytest.raises(ValueError, match="at most 4 positions"):
        make()(np.zeros((1, 5, 2)))


# ---- the blocked computation against the readable formulas ----------------------------------

def readable_attention(q, k, v, causal):
    """The chapter's formulas, one step per line, on whole arrays (the reference)."""
    from nnlib import functional as F
    S = q @ k.swapaxes(-1, -2) / math.sqrt(q.shape[-1])
    if causal:
        S = np.where(causal_mask(S.shape[-1]), S, -np.inf)
    A = F.softmax(S)
    return A @ v, A


def readable_attention_backward(dout, q, k, v, A):
    from nnlib import functional as F
    dv = A.swapaxes(-1, -2) @ dout
    dS = F.softmax_backward(A, dout @ v.swapaxes(-1, -2)) / math.sqrt(q.shape[-1])
    return dS @ k, dS.swapaxes(-1, -2) @ q, dv


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape,block_entries", [((2, 3, 5, 4), None), ((3, 2, 150, 8), None),
                                                 ((5, 2, 70, 4), 2 * 64 * 70)])
def test_blocked_attention_equals_the_readable_formulas(shape, block_entries, causal, monkeypatch):
    # T = 150 gives three blocks of queries (64, 64, 22); the small block size, several blocks
    # of sequences. Every block must agree with the formulas to float64 round-off.
    import nnlib.fused as fused_module
    if block_entries:
        monkeypatch.setattr(fused_module, "_BLOCK_ENTRIES", block_entries)
    rng = np.random.default_rng(0)
    q, k, v, dout = (rng.standard_normal(shape) for _ in range(4))
    out, A = scaled_dot_product_attention(q, k, v, causal)
    ref_out, ref_A = readable_attention(q, k, v, causal)
    np.testing.assert_allclose(A, ref_A, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out, ref_out, rtol=1e-12, atol=1e-14)
    for got, ref in zip(scaled_dot_product_attention_backward(dout, q, k, v, A),
                        readable_attention_backward(dout, q, k, v, ref_A)):
        np.testing.assert_allclose(got, ref, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("causal", [False, True])
def test_mha_with_several_blocks_equals_the_loops_and_gradchecks(causal, monkeypatch):
    import nnlib.fused as fused_module
    monkeypatch.setattr(fused_module, "_BLOCK_ENTRIES", 2 * 64 * 70)  # blocks of 1 sequence
    mha = MultiHeadAttention(4, 2, causal, rng=5)
    mha.qkv.b.data[...] = np.random.default_rng(5).standard_normal(12)
    x = np.random.default_rng(6).standard_normal((2, 70, 4))
    np.testing.assert_allclose(mha(x), naive_mha(mha, x), rtol=1e-10, atol=1e-12)
    _, ref_A = readable_attention(*np.moveaxis((x @ mha.qkv.W.data + mha.qkv.b.data).reshape(2, 70, 3, 2, 2),
                                               2, 0).transpose(0, 1, 3, 2, 4), causal)
    np.testing.assert_allclose(mha.attn, ref_A, rtol=1e-12, atol=1e-15)  # zeros where no score was computed
    assert_ok(gradcheck(mha, x[:, :66], seed=5))  # 66 positions: a second block of queries


def test_rows_far_below_the_block_maximum_are_recomputed_exactly():
    # Row 0 scores -150 for every key, row 1 scores 0: under the block's shift (0), row 0's
    # exponentials underflow in float32 (exp(-150) = 0). Its weights must still be uniform.
    k = np.zeros((1, 3, 4, 2), dtype=np.float32)
    k[..., 0] = 1.0
    q = np.zeros((1, 3, 4, 2), dtype=np.float32)
    q[0, :, 0, 0] = -150 * math.sqrt(2)
    v = np.random.default_rng(0).standard_normal((1, 3, 4, 2)).astype(np.float32)
    for causal in (False, True):
        out, A = scaled_dot_product_attention(q, k, v, causal)
        assert np.all(np.isfinite(out)) and A.dtype == np.float32
        ref_out, ref_A = readable_attention(q.astype(np.float64), k.astype(np.float64), v.astype(np.float64), causal)
        np.testing.assert_allclose(A, ref_A, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(A[0, :, 0], [[1, 0, 0, 0]] * 3)  # causal: row 0 sees only key 0
