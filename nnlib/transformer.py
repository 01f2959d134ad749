"""The pre-norm transformer block, a small decoder-only language model, and parameter counts.

A block is ``x = x + attn(ln1(x))`` then ``x = x + mlp(ln2(x))`` (GPT-2's pre-norm order),
with ``mlp = Linear(C, M) -> GELU -> Linear(M, C)``. A language model embeds token ids,
adds positions, applies a stack of blocks, a final layer norm and a linear head that gives
one logit per vocabulary entry at every position. Derived in Chapter 9 (transformers).
"""
import math

import numpy as np

from nnlib.activations import GELU
from nnlib.attention import MultiHeadAttention
from nnlib.embedding import Embedding, LearnedPositionalEmbedding, SinusoidalPositionalEncoding, check_sequence
from nnlib.layers import LayerNorm, Linear, Sequential
from nnlib.module import Module

__all__ = ["TransformerBlock", "DecoderLM", "count_transformer_parameters"]


class _TanhGELU(GELU):
    """``GELU("tanh")`` with a fused forward and backward that keep ``tanh(u)`` for backward.

    Same formula as ``nnlib.functional.gelu(x, "tanh")``:
    ``0.5 x (1 + tanh(u))``, ``u = sqrt(2/pi) (x + 0.044715 x^3)``; derivative
    ``0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)``. Fused here so that
    backward reuses ``t`` from forward instead of recomputing it, which matters in the
    block's hot path. Input of any shape, dtype kept.
    """

    _C = math.sqrt(2.0 / math.pi)
    _A = 0.044715

    def __init__(self):
        super().__init__("tanh")
        self._t = None

    def forward(self, x):
        x = np.asarray(x)
        if x.dtype.kind != "f":
            return super().forward(x)  # raises the usual error
        self._x = x  # the formulas of each line are those of nnlib.functional.gelu(x, "tanh")
        t = x * x  # (..., M)
        t *= self._C * self._A
        t += self._C
        t *= x  # u = sqrt(2/pi) (x + a x^3)
        np.tanh(t, out=t)
        self._t = t
        out = t + 1
        out *= x
        out *= 0.5
        return out

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)
        if not input_grad:
            return None
        x, t = self._x, self._t  # the formula of nnlib.functional.gelu_grad(x, "tanh")
        g = x * x
        g *= 3 * self._A * self._C
        g += self._C  # du/dx
        g *= x
        g *= 1 - t * t
        g += 1
        g += t
        g *= 0.5  # 0.5 (1 + t) + 0.5 x (1 - t^2) du/dx
        g *= dout
        return g


class TransformerBlock(Module):
    """Pre-norm transformer block: ``x + attn(ln1(x))``, then ``+ mlp(ln2(x))``.

    ``mlp(z) = GELU(z @ W1 + b1) @ W2 + b2`` with hidden width ``d_mlp`` (default ``4 C``).
    Attention mixes information *between* positions; the MLP transforms each position on
    its own and supplies the non-linearity. Backward:
    ``dx1 = dout + ln2.backward(mlp.backward(dout))``, ``dx = dx1 + ln1.backward(attn.backward(dx1))``.
    Parameters: ``4C^2 + 4C`` (attention) ``+ 2 C M + M + C`` (MLP) ``+ 4C`` (two layer norms).
    Chapter 9.

    Parameters
    ----------
    d_model : int
        Model width ``C``.
    n_heads : int
        Attention heads (``C`` divisible by it).
    d_mlp : int or None
        MLP hidden width ``M`` (default ``4 * d_model``).
    causal : bool
        Causal attention (True for language models).
    gelu : str
        ``"tanh"`` (GPT-2's approximation, the default) or ``"none"`` (exact GELU).
    rng : ``numpy.random.Generator``, int or None
        Random generator or seed.
    dtype : numpy floating dtype
        dtype of every parameter and of the expected input.

    Notes
    -----
    Input and output ``(B, T, C)``.
    """

    def __init__(self, d_model, n_heads, d_mlp=None, causal=True, *, gelu="tanh", rng=None, dtype=np.float64):
        super().__init__()
        rng = np.random.default_rng(rng)
        self.d_model = int(d_model)
        self.d_mlp = int(d_mlp) if d_mlp is not None else 4 * self.d_model
        self.ln1 = LayerNorm(self.d_model, dtype=dtype)
        self.attn = MultiHeadAttention(self.d_model, n_heads, causal, rng=rng, dtype=dtype)
        self.ln2 = LayerNorm(self.d_model, dtype=dtype)
        self.mlp = Sequential(Linear(self.d_model, self.d_mlp, rng=rng, dtype=dtype, init="xavier"),
                              _TanhGELU() if gelu == "tanh" else GELU(gelu),
                              Linear(self.d_mlp, self.d_model, rng=rng, dtype=dtype, init="xavier"))

    def forward(self, x):
        x = np.asarray(x)
        check_sequence(self, x, self.d_model)
        B, T, C = x.shape
        x = x + self.attn(self.ln1(x))
        # The MLP acts on every position alone: give it one (B*T, C) matrix (a view).
        return x + self.mlp(self.ln2(x).reshape(B * T, C)).reshape(B, T, C)

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)  # (B, T, C)
        B, T, C = dout.shape
        dx = dout + self.ln2.backward(self.mlp.backward(dout.reshape(B * T, C)).reshape(B, T, C))
        dattn = self.ln1.backward(self.attn.backward(dx))
        return dx + dattn if input_grad else None

    def extra_repr(self):
        return f"d_model={self.d_model}, n_heads={self.attn.n_heads}, d_mlp={self.d_mlp}"


class DecoderLM(Module):
    """A decoder-only (GPT-style) language model: ids ``(B, T)`` to next-token logits ``(B, T, V)``.

    ``x = tok_emb(ids) (+ positions)``; ``x = block_L(... block_1(x))`` (causal);
    ``logits = ln_f(x) @ W_head (+ b_head)``. With ``tie_embeddings`` the head reuses the
    token table, ``logits = ln_f(x) @ W_emb^T`` (no head parameters, no head bias: GPT-2).
    ``logits[b, t]`` scores the token at position ``t + 1`` given tokens ``0 .. t``.
    ``backward(dlogits)`` accumulates every parameter gradient and returns None (the input
    is integer ids, so there is no input gradient whatever ``input_grad`` says). Chapter 9.

    Parameters
    ----------
    vocab_size : int
        ``V``.
    context_length : int
        The longest sequence the model accepts.
    d_model : int
        Width ``C``.
    n_heads : int
        Heads per block.
    n_layers : int
        Number of blocks ``L``.
    d_mlp : int or None
        MLP hidden width (default ``4 C``).
    positional : str
        ``"learned"`` (GPT-2), ``"sinusoidal"`` (fixed, no parameters) or ``"none"``.
    tie_embeddings : bool
        Share the token table with the output head (default False: a ``Linear(C, V)`` head
        with bias).
    gelu : str
        ``"tanh"`` or ``"none"``, passed to every block.
    rng : ``numpy.random.Generator``, int or None
        Random generator or seed.
    dtype : numpy floating dtype
        dtype of all parameters.
    """

    def __init__(self, vocab_size, context_length, d_model, n_heads, n_layers, d_mlp=None, *,
                 positional="learned", tie_embeddings=False, gelu="tanh", rng=None, dtype=np.float64):
        super().__init__()
        if positional not in ("learned", "sinusoidal", "none"):
            raise ValueError(f"DecoderLM expected positional 'learned', 'sinusoidal' or 'none', got {positional!r}")
        rng = np.random.default_rng(rng)
        self.vocab_size, self.context_length = int(vocab_size), int(context_length)
        self.d_model, self.positional, self.tie_embeddings = int(d_model), positional, bool(tie_embeddings)
        self.tok_emb = Embedding(vocab_size, d_model, rng=rng, dtype=dtype)
        if positional == "learned":
            self.pos = LearnedPositionalEmbedding(context_length, d_model, rng=rng, dtype=dtype)
        elif positional == "sinusoidal":
            self.pos = SinusoidalPositionalEncoding(context_length, d_model, dtype=dtype)
        else:
            self.pos = None
        self.blocks = [TransformerBlock(d_model, n_heads, d_mlp, causal=True, gelu=gelu, rng=rng, dtype=dtype)
                       for _ in range(int(n_layers))]
        self.ln_f = LayerNorm(d_model, dtype=dtype)
        self.head = None if tie_embeddings else Linear(d_model, vocab_size, rng=rng, dtype=dtype, init="xavier")
        self._h = None

    def forward(self, ids):
        ids = np.asarray(ids)
        if ids.ndim != 2:
            raise ValueError(f"DecoderLM expected token ids of shape (B, T), got shape {ids.shape}; "
                             "for one sequence use ids[None]")
        B, T = ids.shape
        if T > self.context_length:
            raise ValueError(f"DecoderLM expected sequences of at most {self.context_length} tokens "
                             f"(its context length), got length {T}; crop to the last "
                             f"{self.context_length} tokens or build the model with a longer context")
        x = self.tok_emb(ids)  # (B, T, C)
        if self.pos is not None:
            x = self.pos(x)
        for block in self.blocks:
            x = block(x)
        x = self.ln_f(x)
        if self.tie_embeddings:
            self._h = x
            return x @ self.tok_emb.W.data.T  # (B, T, V)
        return self.head(x)

    def backward(self, dlogits, input_grad=True):
        dlogits = self._check_backward(dlogits)  # (B, T, V)
        if self.tie_embeddings:
            h = self._h
            C, V = self.d_model, self.vocab_size
            self.tok_emb.W.add_grad(dlogits.reshape(-1, V).T, h.reshape(-1, C))  # (V, C)
            dx = dlogits @ self.tok_emb.W.data  # (B, T, C)
        else:
            dx = self.head.backward(dlogits)
        dx = self.ln_f.backward(dx)
        for block in reversed(self.blocks):
            dx = block.backward(dx)
        if self.pos is not None:
            dx = self.pos.backward(dx)
        self.tok_emb.backward(dx)
        return None

    def generate(self, ids, n_new):
        """Greedy decoding: append the most likely next token ``n_new`` times.

        Parameters
        ----------
        ids : ndarray of int, shape ``(B, T0)``
            The prompts.
        n_new : int
            Tokens to add; when the sequence outgrows the context, only its last ``context_length`` tokens are fed back.

        Returns
        -------
        ndarray of int, shape ``(B, T0 + n_new)``
        """
        ids = np.asarray(ids)
        for _ in range(int(n_new)):
            logits = self.forward(ids[:, -self.context_length:])
            ids = np.concatenate([ids, logits[:, -1].argmax(axis=-1)[:, None]], axis=1)
        return ids

    def extra_repr(self):
        return (f"vocab_size={self.vocab_size}, context_length={self.context_length}, "
                f"positional={self.positional!r}, tie_embeddings={self.tie_embeddings}")


def count_transformer_parameters(n_layers, d_model, n_heads, vocab_size, context_length, d_mlp=None, *,
                                 positional="learned", tie_embeddings=False, bias=True, head_bias=None,
                                 breakdown=False):
    """Number of parameters of a GPT-style decoder from its configuration.

    Per block: attention ``4 C^2`` weights (+ ``4 C`` biases), MLP ``2 C M`` weights
    (+ ``M + C`` biases), two layer norms ``4 C``; so ``12 C^2 + 13 C`` for ``M = 4C`` with
    biases. Plus the token table ``V C``, learned positions ``T_max C``, a final layer norm
    ``2 C``, and, unless tied to the token table, a head of ``C V`` (+ ``V`` bias).
    The number of heads does not change the count (the heads split ``C``); it is checked only.
    Chapter 9.

    Parameters
    ----------
    n_layers, d_model, vocab_size, context_length : int
        ``L``, ``C``, ``V``, ``T_max``.
    n_heads : int or None
        ``h``; must divide ``C``. None skips that check (useful for published tables whose
        head count and width disagree, such as GPT-3 XL's 24 heads of 128 with ``C = 2048``).
    d_mlp : int or None
        MLP hidden width ``M`` (default ``4 C``).
    positional : str
        ``"learned"`` counts ``T_max C`` position parameters; ``"sinusoidal"``/``"none"`` count 0.
    tie_embeddings : bool
        The output head reuses the token table (GPT-2 and GPT-3 do: pass True). Default
        False, as in ``DecoderLM``.
    bias : bool
        Linear layers inside the blocks have biases (GPT-2: yes).
    head_bias : bool or None
        An untied head has a bias (default: the value of ``bias``); ignored when tied.
    breakdown : bool
        Return a dict of the parts (and ``"total"``) instead of the total.

    Returns
    -------
    int, or dict of int
        Equals ``count_parameters(DecoderLM(...))`` for the same arguments (the defaults
        agree; ``DecoderLM`` always has biases, so this holds for ``bias=True`` and
        ``head_bias`` left at its default). The tests compare the two over a grid.
    """
    L, C, V, T = (int(n) for n in (n_layers, d_model, vocab_size, context_length))
    h = 1 if n_heads is None else int(n_heads)
    if h < 1 or C % h:
        raise ValueError(f"count_transformer_parameters expected d_model divisible by n_heads, "
                         f"got d_model={C} and n_heads={h}")
    if positional not in ("learned", "sinusoidal", "none"):
        raise ValueError(f"count_transformer_parameters expected positional 'learned', 'sinusoidal' "
                         f"or 'none', got {positional!r}")
    M = int(d_mlp) if d_mlp is not None else 4 * C
    b = 1 if bias else 0
    head_bias = bias if head_bias is None else head_bias
    attention = 4 * C * C + b * 4 * C  # W_qkv (C, 3C) and W_o (C, C), with biases 3C + C
    mlp = 2 * C * M + b * (M + C)
    norms = 2 * (2 * C)
    per_block = attention + mlp + norms
    parts = {
        "token embeddings": V * C,
        "positions": T * C if positional == "learned" else 0,
        "blocks": L * per_block,
        "final norm": 2 * C,
        "head": 0 if tie_embeddings else C * V + (V if head_bias else 0),
    }
    total = sum(parts.values())
    if breakdown:
        return {"per block": per_block, "attention per block": attention, "mlp per block": mlp, **parts,
                "total": total}
    return total
