"""What each fast path buys: nnlib's fused kernels against the readable formulas they replace.

Each pair computes the same thing (checked before timing) on the shapes of the transformer
blocks of ``bench_transformer`` (float32): the readable version is the formula written with
whole-array NumPy expressions (``nnlib.functional`` where it has one), the fused one is what
the layers now call (``nnlib.fused``, ``ReLU.forward``, ``Embedding.backward``). Timed by ``harness.measure``
like everything else, at 1 thread.
"""
import math

import numpy as np

from nnlib import functional as F
from nnlib import fused
from nnlib.activations import ReLU
from nnlib.embedding import Embedding

SHAPES = {"small": dict(B=16, T=64, C=128, h=4), "large": dict(B=16, T=256, C=256, h=8)}


def gelu_pair(B, T, C, h, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B * T, 4 * C)).astype(np.float32)
    d = rng.standard_normal(x.shape).astype(np.float32)

    def readable():
        return F.gelu(x, "tanh"), d * F.gelu_grad(x, "tanh")

    def fast():
        out, t = fused.tanh_gelu(x)
        return out, fused.tanh_gelu_backward(x, t, d)

    return readable, fast


def layer_norm_pair(B, T, C, h, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, T, C)).astype(np.float32)
    d = rng.standard_normal(x.shape).astype(np.float32)
    gamma, beta = (rng.standard_normal(C).astype(np.float32) for _ in range(2))

    def readable():
        xc = x - x.mean(axis=-1, keepdims=True)
        inv_std = 1 / np.sqrt((xc * xc).mean(axis=-1, keepdims=True) + 1e-5)
        xhat = xc * inv_std
        dxhat = d * gamma
        dx = inv_std * (dxhat - dxhat.mean(axis=-1, keepdims=True) - xhat * (dxhat * xhat).mean(axis=-1, keepdims=True))
        return xhat * gamma + beta, dx

    def fast():
        out, xhat, inv_std = fused.layer_norm(x, gamma, beta, 1e-5)
        return out, fused.layer_norm_backward(d, xhat, inv_std, gamma)

    return readable, fast


def attention_pair(B, T, C, h, seed=0):
    rng = np.random.default_rng(seed)
    d = C // h
    q, k, v = (rng.standard_normal((B, h, T, d)).astype(np.float32) for _ in range(3))
    dout = rng.standard_normal((B, h, T, d)).astype(np.float32)
    mask = np.tri(T, dtype=bool)

    def readable():  # the chapter's steps on the whole (B, h, T, T) matrix
        S = q @ k.swapaxes(-1, -2) / math.sqrt(d)
        A = F.softmax(np.where(mask, S, -np.inf))
        dS = F.softmax_backward(A, dout @ v.swapaxes(-1, -2)) / math.sqrt(d)
        return A @ v, dS @ k, dS.swapaxes(-1, -2) @ q, A.swapaxes(-1, -2) @ dout

    def fast():
        out, blocks, plan = fused.attend(q, k, v, True)
        grads = tuple(np.empty_like(a) for a in (q, k, v))
        fused.attend_backward(dout, q, k, v, blocks, plan, np.vecdot(dout, out), grads)
        return (out,) + grads

    return readable, fast


def embedding_pair(B, T, C, h, seed=0, V=512):
    rng = np.random.default_rng(seed)
    emb = Embedding(V, C, rng=seed, dtype=np.float32)
    ids = rng.integers(0, V, size=(B, T))
    d = rng.standard_normal((B, T, C)).astype(np.float32)
    emb(ids)

    def readable():
        grad = np.zeros((V, C), np.float32)
        np.add.at(grad, ids.reshape(-1), d.reshape(-1, C))  # dW[i] += dout[t] for ids[t] = i
        return (grad,)

    def fast():
        emb.zero_grad()
        emb.backward(d)
        return (emb.W.grad,)

    return readable, fast


def relu_pair(B, T, C, h, seed=0):
    x = np.random.default_rng(seed).standard_normal((B * T, 4 * C)).astype(np.float32)
    layer = ReLU()

    def readable():
        return (F.relu(x),)  # np.maximum(x, 0)

    def fast():
        return (layer.forward(x),)  # np.maximum(x, zeros), or the scalar 0 beyond 4 MB

    return readable, fast


KERNELS = {"tanh-GELU forward + backward, (B*T, 4C)": gelu_pair,
           "ReLU forward (against zeros), (B*T, 4C)": relu_pair,
           "LayerNorm forward + backward, (B, T, C)": layer_norm_pair,
           "causal attention core forward + backward, (B, h, T, d)": attention_pair,
           "Embedding backward, 512 x C table, (B, T) ids": embedding_pair}


def pairs():
    """``{(kernel, shape): ({"readable": f, "fused": g}, agreement)}``; the two must agree first."""
    out = {}
    for kernel, make in KERNELS.items():
        for shape, cfg in SHAPES.items():
            readable, fast = make(**cfg)
            err = max(float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), 1e-30)) for a, b in zip(readable(), fast()))
            if not err < 1e-4:
                raise AssertionError(f"{kernel} ({shape}): readable and fused versions disagree ({err:.1e})")
            out[(kernel, shape)] = ({"readable": readable, "fused": fast}, err)
    return out
