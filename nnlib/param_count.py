"""Counting a decoder-only transformer's parameters from its configuration (Chapters 9 and 10).

``count_transformer_parameters`` covers GPT-2/GPT-3-style models (what ``DecoderLM``
builds) and Llama-style ones (SwiGLU MLP, RMSNorm, no biases, rotary positions, grouped-
query attention). Importable from ``nnlib.transformer`` too.
"""
from nnlib import _validate

__all__ = ["count_transformer_parameters"]

_NORM_SIZE = {"layernorm": 2, "rmsnorm": 1}  # parameters per channel: gamma and beta, or gamma


def count_transformer_parameters(n_layers, d_model, n_heads, vocab_size, context_length, d_mlp=None, *,
                                 positional="learned", tie_embeddings=False, bias=True, head_bias=None,
                                 mlp="gelu", norm="layernorm", n_kv_heads=None, breakdown=False):
    """Number of parameters of a decoder-only transformer from its configuration.

    With ``C`` the width, ``M`` the MLP width, ``h`` heads of width ``d = C / h`` and
    ``g`` key/value heads (``g = h`` unless grouped-query attention), per block:

    - attention: ``W_q`` and ``W_o`` are ``C x C``, ``W_k`` and ``W_v`` are ``C x g d``,
      so ``2 C^2 + 2 C g d`` weights (``4 C^2`` when ``g = h``), plus ``2 C + 2 g d``
      biases;
    - MLP: ``mlp="gelu"`` has ``C x M`` and ``M x C`` (``2 C M``, plus ``M + C`` biases);
      ``mlp="swiglu"`` has ``C x M`` (gate), ``C x M`` (up) and ``M x C`` (down)
      (``3 C M``, plus ``2 M + C`` biases);
    - two norms: ``2 C`` each for ``norm="layernorm"`` (scale and shift), ``C`` each for
      ``norm="rmsnorm"`` (scale only).

    Plus the token table ``V C``, learned positions ``T_max C``, a final norm, and, unless
    tied to the token table, a head of ``C V`` (+ ``V`` bias). With ``M = 4C``, biases and
    layer norms a block has ``12 C^2 + 13 C`` parameters. The number of heads does not
    change the count unless ``n_kv_heads`` differs from it. Chapter 9; Chapter 10 (scale).

    Parameters
    ----------
    n_layers, d_model, vocab_size, context_length : int
        ``L`` (>= 0), ``C``, ``V``, ``T_max``.
    n_heads : int or None
        ``h``; must divide ``C``. None skips that check (useful for published tables whose
        head count and width disagree, such as GPT-3 XL's 24 heads of 128 with ``C = 2048``);
        it needs ``n_kv_heads`` left at None.
    d_mlp : int or None
        MLP hidden width ``M`` (default ``4 C``).
    positional : str
        ``"learned"`` counts ``T_max C`` position parameters; ``"sinusoidal"`` and ``"none"``
        (also rotary embeddings, which have no parameters) count 0.
    tie_embeddings : bool
        The output head reuses the token table (GPT-2 and GPT-3 do: pass True). Default
        False, as in ``DecoderLM``.
    bias : bool
        Linear layers inside the blocks have biases (GPT-2: yes; Llama: no).
    head_bias : bool or None
        An untied head has a bias (default: the value of ``bias``); ignored when tied.
    mlp : {"gelu", "swiglu"}
        Two matrices with an activation between them, or the gated SwiGLU of Llama
        (``down(silu(gate(x)) * up(x))``, three matrices).
    norm : {"layernorm", "rmsnorm"}
        The norm before each sub-layer and at the end.
    n_kv_heads : int or None
        Key/value heads ``g`` for grouped-query attention (Llama 2 70B: 8 of 64); must divide
        ``n_heads``. Default: ``n_heads``.
    breakdown : bool
        Return a dict of the parts (and ``"total"``) instead of the total.

    Returns
    -------
    int, or dict of int
        Equals ``count_parameters(DecoderLM(...))`` for the same arguments exactly when the
        options are ones ``DecoderLM`` builds: ``mlp="gelu"``, ``norm="layernorm"``,
        ``n_kv_heads`` None (or equal to ``n_heads``), ``bias=True`` and ``head_bias`` left at
        its default (the defaults of the two agree). The tests compare the two over a grid,
        and the Llama options against the published Llama 2 7B and 70B sizes.
    """
    who = "count_transformer_parameters"
    L = _validate.integer(who, "n_layers", n_layers, minimum=0)
    C = _validate.integer(who, "d_model", d_model)
    V = _validate.integer(who, "vocab_size", vocab_size)
    T = _validate.integer(who, "context_length", context_length)
    M = 4 * C if d_mlp is None else _validate.integer(who, "d_mlp", d_mlp)
    h = 1 if n_heads is None else _validate.integer(who, "n_heads", n_heads)
    if C % h:
        raise ValueError(f"{who} expected d_model divisible by n_heads, got d_model={C} and n_heads={h}")
    if n_kv_heads is None:
        g = h
    elif n_heads is None:
        raise ValueError(f"{who} expected n_heads (to know the head width) when n_kv_heads is given, got None")
    else:
        g = _validate.integer(who, "n_kv_heads", n_kv_heads)
        if h % g:
            raise ValueError(f"{who} expected n_kv_heads dividing n_heads (each key/value head serves "
                             f"n_heads / n_kv_heads query heads), got n_heads={h} and n_kv_heads={g}")
    for name, value, allowed in (("positional", positional, ("learned", "sinusoidal", "none")),
                                 ("mlp", mlp, ("gelu", "swiglu")), ("norm", norm, tuple(_NORM_SIZE))):
        if value not in allowed:
            raise ValueError(f"{who} expected {name} one of {', '.join(map(repr, allowed))}, got {value!r}")
    b = 1 if bias else 0
    head_bias = bias if head_bias is None else head_bias
    kv = g * (C // h)  # the width of the keys (and of the values)
    attention = 2 * C * C + 2 * C * kv + b * (2 * C + 2 * kv)  # W_q, W_o (C, C); W_k, W_v (C, kv)
    if mlp == "gelu":
        mlp_size = 2 * C * M + b * (M + C)  # (C, M) and (M, C)
    else:
        mlp_size = 3 * C * M + b * (2 * M + C)  # gate and up (C, M), down (M, C)
    one_norm = _NORM_SIZE[norm] * C
    per_block = attention + mlp_size + 2 * one_norm
    parts = {
        "token embeddings": V * C,
        "positions": T * C if positional == "learned" else 0,
        "blocks": L * per_block,
        "final norm": one_norm,
        "head": 0 if tie_embeddings else C * V + (V if head_bias else 0),
    }
    total = sum(parts.values())
    if breakdown:
        return {"per block": per_block, "attention per block": attention, "mlp per block": mlp_size,
                **parts, "total": total}
    return total
