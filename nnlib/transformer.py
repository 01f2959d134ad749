"""The pre-norm transformer block and a small decoder-only language model.

A block is ``x = x + attn(ln1(x))`` then ``x = x + mlp(ln2(x))`` (GPT-2's pre-norm order),
with ``mlp = Linear(C, M) -> GELU -> Linear(M, C)``. A language model embeds token ids,
adds positions, applies a stack of blocks, a final layer norm and a linear head that gives
one logit per vocabulary entry at every position. Built on the attention backward pass
derived step by step in Chapter 9 (transformers); the whole block's backward pass
(layer norms and MLP included) is gradient-checked there, not derived.
``count_transformer_parameters`` (in ``nnlib.param_count``, importable from here) counts
the parameters of such a model, and of Llama-style ones, from the configuration.
"""
import numpy as np

from nnlib import _validate
from nnlib.activations import GELU
from nnlib.fused import TanhGELU as _TanhGELU  # noqa: F401 (the fused GELU("tanh"), imported from here)
from nnlib.attention import MultiHeadAttention
from nnlib.embedding import Embedding, LearnedPositionalEmbedding, SinusoidalPositionalEncoding, check_sequence
from nnlib.layers import LayerNorm, Linear, Sequential
from nnlib.module import Module
from nnlib.param_count import count_transformer_parameters  # noqa: F401 (re-exported)

__all__ = ["TransformerBlock", "DecoderLM", "count_transformer_parameters"]


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
        ``np.float64`` (default) or ``np.float32``: the dtype of every parameter and of the expected input.

    Notes
    -----
    Input and output ``(B, T, C)``.
    """

    def __init__(self, d_model, n_heads, d_mlp=None, causal=True, *, gelu="tanh", rng=None, dtype=np.float64):
        super().__init__()
        rng = _validate.generator("TransformerBlock", rng)
        dtype = _validate.float_dtype("TransformerBlock", dtype)
        self.d_model = _validate.integer("TransformerBlock", "d_model", d_model)
        self.d_mlp = 4 * self.d_model if d_mlp is None else _validate.integer("TransformerBlock", "d_mlp", d_mlp)
        if gelu not in ("tanh", "none"):
            raise ValueError(f"TransformerBlock expected gelu 'tanh' or 'none', got {gelu!r}")
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
        h = self.attn(self.ln1(x))
        h += x  # x + attn(ln1(x)), added into the sublayer's new output array
        # The MLP acts on every position alone: give it one (B*T, C) matrix (a view).
        out = self.mlp(self.ln2(h).reshape(B * T, C)).reshape(B, T, C)
        out += h  # h + mlp(ln2(h))
        return out

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)  # (B, T, C)
        B, T, C = dout.shape
        dh = self.ln2.backward(self.mlp.backward(dout.reshape(B * T, C)).reshape(B, T, C))
        dh += dout  # dh = dout + ln2.backward(mlp.backward(dout))
        dattn = self.ln1.backward(self.attn.backward(dh))
        if not input_grad:
            return None
        dattn += dh  # dx = dh + ln1.backward(attn.backward(dh))
        return dattn

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
        Number of blocks ``L`` (>= 0).
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
        ``np.float64`` (default) or ``np.float32``: the dtype of all parameters.
    """

    def __init__(self, vocab_size, context_length, d_model, n_heads, n_layers, d_mlp=None, *,
                 positional="learned", tie_embeddings=False, gelu="tanh", rng=None, dtype=np.float64):
        super().__init__()
        if positional not in ("learned", "sinusoidal", "none"):
            raise ValueError(f"DecoderLM expected positional 'learned', 'sinusoidal' or 'none', got {positional!r}")
        if not isinstance(tie_embeddings, (bool, np.bool_)):
            raise ValueError(f"DecoderLM expected tie_embeddings True or False, got {tie_embeddings!r}")
        rng = _validate.generator("DecoderLM", rng)
        dtype = _validate.float_dtype("DecoderLM", dtype)
        self.vocab_size = _validate.integer("DecoderLM", "vocab_size", vocab_size)
        self.context_length = _validate.integer("DecoderLM", "context_length", context_length)
        self.d_model = _validate.integer("DecoderLM", "d_model", d_model)
        n_layers = _validate.integer("DecoderLM", "n_layers", n_layers, minimum=0)
        self.positional, self.tie_embeddings = positional, bool(tie_embeddings)
        self.tok_emb = Embedding(vocab_size, d_model, rng=rng, dtype=dtype)
        if positional == "learned":
            self.pos = LearnedPositionalEmbedding(context_length, d_model, rng=rng, dtype=dtype)
        elif positional == "sinusoidal":
            self.pos = SinusoidalPositionalEncoding(context_length, d_model, dtype=dtype)
        else:
            self.pos = None
        self.blocks = [TransformerBlock(d_model, n_heads, d_mlp, causal=True, gelu=gelu, rng=rng, dtype=dtype)
                       for _ in range(n_layers)]
        self.ln_f = LayerNorm(d_model, dtype=dtype)
        self.head = None if tie_embeddings else Linear(d_model, vocab_size, rng=rng, dtype=dtype, init="xavier")
        self._h = None

    def forward(self, ids):
        ids = np.asarray(ids)
        if ids.ndim != 2:
            raise ValueError(f"DecoderLM expected token ids of shape (B, T), got shape {ids.shape}; "
                             "for one sequence use ids[None]")
        B, T = ids.shape
        if T == 0:
            raise ValueError(f"DecoderLM expected sequences of at least one token, got ids of shape {ids.shape}")
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
            Tokens to add (>= 0); when the sequence outgrows the context, only its last ``context_length`` tokens are fed back.

        Returns
        -------
        ndarray of int, shape ``(B, T0 + n_new)``
        """
        ids = np.asarray(ids)
        n_new = _validate.integer("DecoderLM.generate", "n_new", n_new, minimum=0)
        if ids.ndim != 2 or ids.shape[1] == 0:
            raise ValueError(f"DecoderLM.generate expected prompts of shape (B, T0) with T0 >= 1, got "
                             f"shape {ids.shape}; for one prompt use ids[None]")
        for _ in range(n_new):
            logits = self.forward(ids[:, -self.context_length:])
            ids = np.concatenate([ids, logits[:, -1].argmax(axis=-1)[:, None]], axis=1)
        return ids

    def extra_repr(self):
        return (f"vocab_size={self.vocab_size}, context_length={self.context_length}, "
                f"positional={self.positional!r}, tie_embeddings={self.tie_embeddings}")
