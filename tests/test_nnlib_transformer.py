"""nnlib.transformer: the pre-norm block, the decoder-only language model, parameter counts.

Gradient checks in float64 use the normwise relative error (see test_nnlib_attention.py).
"""
import numpy as np
import pytest

from nnlib.activations import GELU
from gradcheck_helpers import TOL, gradcheck
from nnlib.module import count_parameters
from nnlib.transformer import DecoderLM, TransformerBlock, _TanhGELU, count_transformer_parameters

def randomize_norms_and_biases(module, seed):
    """Give layer norms and biases non-trivial values so their gradients are really tested."""
    rng = np.random.default_rng(seed)
    for name, p in module.named_parameters():
        if name.endswith((".b", "gamma", "beta")):
            p.data[...] = rng.standard_normal(p.data.shape) * 0.5 + (1.0 if name.endswith("gamma") else 0.0)


# ---- the GELU used inside the block -------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_tanh_gelu_equals_nnlib_gelu(dtype):
    x = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(dtype) * 3
    G = np.random.default_rng(1).standard_normal(x.shape).astype(dtype)
    fused, ref = _TanhGELU(), GELU("tanh")
    out, expected = fused(x), ref(x)
    assert out.dtype == dtype
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)
    np.testing.assert_allclose(fused.backward(G), ref.backward(G), rtol=tol, atol=tol)


# ---- the block -----------------------------------------------------------------------------

@pytest.mark.parametrize("causal,gelu", [(True, "tanh"), (False, "tanh"), (True, "none")])
@pytest.mark.parametrize("shape,heads,d_mlp,seed", [((2, 5, 8), 2, None, 0), ((1, 4, 6), 3, 10, 1)])
def test_block_gradcheck(shape, heads, d_mlp, seed, causal, gelu):
    block = TransformerBlock(shape[-1], heads, d_mlp, causal, gelu=gelu, rng=seed)
    randomize_norms_and_biases(block, seed)
    errors = gradcheck(block, np.random.default_rng(seed + 1).standard_normal(shape), seed)
    assert max(errors.values()) < TOL, errors


def test_block_is_attention_then_mlp_with_residuals():
    block = TransformerBlock(8, 2, rng=0)
    x = np.random.default_rng(0).standard_normal((2, 3, 8))
    h = x + block.attn(block.ln1(x))
    expected = h + block.mlp(block.ln2(h))
    np.testing.assert_allclose(block(x), expected, rtol=1e-12)


def test_block_parameter_count():
    C, M = 16, 40
    block = TransformerBlock(C, 4, M, rng=0)
    assert count_parameters(block) == (4 * C * C + 4 * C) + (2 * C * M + M + C) + 4 * C
    assert count_parameters(TransformerBlock(C, 4, rng=0)) == 12 * C * C + 13 * C


def test_block_keeps_float32():
    block = TransformerBlock(8, 2, rng=0, dtype=np.float32)
    x = np.random.default_rng(0).standard_normal((2, 5, 8)).astype(np.float32)
    out = block(x)
    assert out.dtype == block.backward(np.ones_like(out)).dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in block.parameters())


def test_block_errors():
    with pytest.raises(ValueError, match="divisible by n_heads"):
        TransformerBlock(10, 4)
    with pytest.raises(ValueError, match=r"\(B, T, 8\)"):
        TransformerBlock(8, 2)(np.zeros((3, 8)))


# ---- the language model --------------------------------------------------------------------

LM_VARIANTS = [dict(positional="learned"), dict(positional="sinusoidal", tie_embeddings=True),
               dict(positional="none", gelu="none"), dict(positional="learned", tie_embeddings=True)]


@pytest.mark.parametrize("kwargs", LM_VARIANTS, ids=lambda k: "-".join(f"{v}" for v in k.values()))
def test_language_model_gradcheck(kwargs):
    lm = DecoderLM(vocab_size=5, context_length=6, d_model=4, n_heads=2, n_layers=2, rng=0, **kwargs)
    randomize_norms_and_biases(lm, 1)
    ids = np.array([[0, 3, 1, 4], [2, 2, 0, 1]])
    errors = gradcheck(lm, ids, input_is_data=True)
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("kwargs", LM_VARIANTS, ids=lambda k: "-".join(f"{v}" for v in k.values()))
def test_counter_equals_the_models_parameters(kwargs):
    for V, T, C, h, L, M in [(5, 6, 4, 2, 2, None), (11, 13, 32, 4, 2, None), (7, 9, 12, 3, 3, 20)]:
        lm = DecoderLM(V, T, C, h, L, M, rng=0, **kwargs)
        expected = count_parameters(lm)
        got = count_transformer_parameters(L, C, h, V, T, M, positional=kwargs["positional"],
                                           tie_embeddings=kwargs.get("tie_embeddings", False))
        assert got == expected
        parts = count_transformer_parameters(L, C, h, V, T, M, positional=kwargs["positional"],
                                             tie_embeddings=kwargs.get("tie_embeddings", False), breakdown=True)
        assert parts["total"] == expected == sum(v for k, v in parts.items() if k in (
            "token embeddings", "positions", "blocks", "final norm", "head"))
        assert parts["blocks"] == L * count_parameters(lm.blocks[0])


@pytest.mark.parametrize("layers,width,heads,published", [
    (12, 768, 12, 124_439_808), (24, 1024, 16, 354_823_168),
    (36, 1280, 20, 774_030_080), (48, 1600, 25, 1_557_611_200)])
def test_gpt2_sizes(layers, width, heads, published):
    # GPT-2 (vocabulary 50,257, context 1,024, learned positions, head tied to the token
    # table, biases everywhere): 124M, 355M, 774M and 1.5B parameters.
    assert count_transformer_parameters(layers, width, heads, 50257, 1024, tie_embeddings=True) == published


def test_gpt3_sizes_round_to_the_papers_table():
    # Brown et al. (2020), Table 2.1: context 2,048, same vocabulary as GPT-2.
    for L, C, h, published in [(12, 768, 12, 125e6), (24, 1024, 16, 350e6), (24, 1536, 16, 760e6),
                               (32, 2560, 32, 2.7e9), (32, 4096, 32, 6.7e9), (96, 12288, 96, 175e9)]:
        n = count_transformer_parameters(L, C, h, 50257, 2048, tie_embeddings=True)
        assert abs(n - published) / published < 0.02, (L, C, n)
    # XL (24 heads of 128, but C = 2048) and 13B (40 heads of 128, but C = 5140) are
    # inconsistent in the table; the heads do not enter the count, so skip their check.
    for L, C, published in [(24, 2048, 1.3e9), (40, 5140, 13.0e9)]:
        n = count_transformer_parameters(L, C, None, 50257, 2048, tie_embeddings=True)
        assert abs(n - published) / published < 0.02, (L, C, n)


def test_count_without_biases_and_with_an_untied_head():
    C, V, T, L = 8, 10, 5, 2
    tied = count_transformer_parameters(L, C, 2, V, T, bias=False, tie_embeddings=True)
    assert tied == L * (12 * C * C + 4 * C) + V * C + T * C + 2 * C
    untied = count_transformer_parameters(L, C, 2, V, T, tie_embeddings=False, head_bias=False)
    assert untied - count_transformer_parameters(L, C, 2, V, T, tie_embeddings=True) == C * V


def test_count_errors():
    with pytest.raises(ValueError, match="divisible by n_heads"):
        count_transformer_parameters(12, 768, 10, 50257, 1024)
    assert count_transformer_parameters(12, 768, None, 50257, 1024, tie_embeddings=True) == 124_439_808
    with pytest.raises(ValueError, match="positional"):
        count_transformer_parameters(1, 8, 2, 10, 5, positional="rotary")


def test_language_model_is_causal():
    lm = DecoderLM(7, 8, 8, 2, 2, rng=0)
    a = np.array([[1, 2, 3, 4, 5, 6]])
    b = a.copy()
    b[0, 4:] = [0, 0]
    np.testing.assert_allclose(lm(a)[0, :4], lm(b)[0, :4], rtol=1e-12)


def test_language_model_shapes_float32_and_generate():
    lm = DecoderLM(7, 8, 8, 2, 1, rng=0, dtype=np.float32)
    ids = np.array([[1, 2, 3], [0, 6, 5]])
    logits = lm(ids)
    assert logits.shape == (2, 3, 7) and logits.dtype == np.float32
    assert lm.backward(np.ones_like(logits)) is None
    assert all(p.grad.dtype == np.float32 for p in lm.parameters())
    out = lm.generate(ids, 4)
    assert out.shape == (2, 7) and np.array_equal(out[:, :3], ids)
    assert lm.generate(ids, 7).shape == (2, 10)  # the context is cropped to the last 8 tokens


def test_language_model_errors():
    lm = DecoderLM(vocab_size=7, context_length=4, d_model=8, n_heads=2, n_layers=1, rng=0)
    with pytest.raises(ValueError, match="at most 4 tokens"):
        lm(np.zeros((1, 5), dtype=int))
    with pytest.raises(ValueError, match=r"ids in 0\.\.6"):
        lm(np.array([[1, 7]]))
    with pytest.raises(ValueError, match=r"ids in 0\.\.6"):
        lm(np.array([[-1, 2]]))
    with pytest.raises(ValueError, match=r"shape \(B, T\)"):
        lm(np.array([1, 2]))
    with pytest.raises(ValueError, match="divisible by n_heads"):
        DecoderLM(7, 4, d_model=10, n_heads=4, n_layers=1)
    with pytest.raises(ValueError, match="positional"):
        DecoderLM(7, 4, 8, 2, 1, positional="rope")


def test_a_tiny_model_learns_to_copy():
    # The whole training path end to end: at position t, predict the token at t - 2.
    from nnlib.losses import CrossEntropyLoss
    from nnlib.optim import Adam
    rng = np.random.default_rng(0)
    lm = DecoderLM(6, 8, 16, 2, 1, rng=0)
    loss_fn, opt = CrossEntropyLoss(), Adam(lm.parameters(), lr=1e-2)
    for _ in range(150):
        ids = rng.integers(0, 6, size=(32, 8))
        opt.zero_grad()
        loss = loss_fn(lm(ids)[:, 2:-1], ids[:, :-3])  # positions 2..6 predict tokens 0..4
        lm.backward(np.pad(loss_fn.backward(), ((0, 0), (2, 1), (0, 0))))  # zero gradient elsewhere
        opt.step()
    assert loss < 0.2, loss


@pytest.mark.parametrize("positional", ["learned", "sinusoidal", "none"])
@pytest.mark.parametrize("tie", [None, True, False])
@pytest.mark.parametrize("L,C,h,V,T,M", [(1, 8, 2, 11, 5, None), (2, 12, 3, 7, 9, 20), (3, 4, 1, 30, 4, 4)])
def test_count_agrees_with_decoder_lm_with_the_same_arguments(positional, tie, L, C, h, V, T, M):
    # The same arguments, defaults included (tie=None leaves tie_embeddings at its default).
    kwargs = {"positional": positional} if tie is None else {"positional": positional, "tie_embeddings": tie}
    lm = DecoderLM(V, T, C, h, L, M, rng=0, **kwargs)
    assert count_transformer_parameters(L, C, h, V, T, M, **kwargs) == count_parameters(lm)


# ---- Llama-style configurations (Chapter 10) ---------------------------------------------------

def llama_shapes(L, C, h, g, M, V):
    """Every weight of a Llama model, as the shapes of its published checkpoints list them."""
    d = C // h
    shapes = [(V, C)]  # embed_tokens
    for _ in range(L):
        shapes += [(h * d, C), (g * d, C), (g * d, C), (C, h * d)]  # q_proj, k_proj, v_proj, o_proj
        shapes += [(M, C), (M, C), (C, M)]  # gate_proj, up_proj, down_proj
        shapes += [(C,), (C,)]  # input_layernorm, post_attention_layernorm (RMSNorm scales)
    return shapes + [(C,), (V, C)]  # final norm, lm_head (not tied)


LLAMA = {"Llama 2 7B": (32, 4096, 32, 32, 11008, 32000, 6_738_415_616),
         "Llama 2 70B": (80, 8192, 64, 8, 28672, 32000, 68_976_648_192)}


@pytest.mark.parametrize("name", list(LLAMA))
def test_llama_2_sizes(name):
    L, C, h, g, M, V, published = LLAMA[name]
    by_shapes = sum(int(np.prod(s)) for s in llama_shapes(L, C, h, g, M, V))
    counted = count_transformer_parameters(L, C, h, V, 4096, M, positional="none", bias=False,
                                           mlp="swiglu", norm="rmsnorm", n_kv_heads=g)
    assert counted == by_shapes == published


def test_llama_options_part_by_part():
    C, M, h, g, L, V = 16, 40, 4, 2, 3, 11
    d, kv = C // h, g * C // h
    parts = count_transformer_parameters(L, C, h, V, 8, M, positional="none", mlp="swiglu", norm="rmsnorm",
                                         n_kv_heads=g, breakdown=True)
    assert parts["attention per block"] == 2 * C * C + 2 * C * kv + (2 * C + 2 * kv)  # with biases
    assert parts["mlp per block"] == 3 * C * M + 2 * M + C
    assert parts["per block"] == parts["attention per block"] + parts["mlp per block"] + 2 * C
    assert parts["final norm"] == C and parts["positions"] == 0
    # grouped-query attention only shrinks W_k and W_v; with g = h it is ordinary attention
    full = count_transformer_parameters(L, C, h, V, 8, M, n_kv_heads=h)
    assert full == count_transformer_parameters(L, C, h, V, 8, M)
    fewer = count_transformer_parameters(L, C, h, V, 8, M, n_kv_heads=g, bias=False)
    assert count_transformer_parameters(L, C, h, V, 8, M, bias=False) - fewer == L * 2 * C * (h - g) * d
    # layernorm has 2C per norm (scale and shift), rmsnorm C: 2L + 1 norms
    assert (count_transformer_parameters(L, C, h, V, 8, M) - count_transformer_parameters(
        L, C, h, V, 8, M, norm="rmsnorm")) == (2 * L + 1) * C


@pytest.mark.parametrize("L,C,h,V,T,M", [(1, 8, 2, 11, 5, None), (2, 12, 3, 7, 9, 20)])
def test_count_equals_decoder_lm_for_the_options_it_builds(L, C, h, V, T, M):
    lm = DecoderLM(V, T, C, h, L, M, rng=0)
    assert count_transformer_parameters(L, C, h, V, T, M, mlp="gelu", norm="layernorm", n_kv_heads=h,
                                        bias=True) == count_parameters(lm)
