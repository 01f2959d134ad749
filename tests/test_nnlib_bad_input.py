"""Adversarial input to every public entry point of nnlib: a clear error, or PyTorch's behaviour.

Issue 16: no bad input may give a cryptic error or a silently wrong number. Every case
below is one public entry point and one kind of bad input (the ``KINDS``), with one of
three outcomes:

- ``error``: a ``ValueError`` (exactly that class) whose message names the object, says
  what it ``expected`` and what it ``got``; each case lists the pieces that must appear;
- ``works``: input that looks wrong but is legitimate, handled correctly (lists instead
  of arrays, an empty batch through a row-wise layer, float16 through an activation,
  a second backward pass, a module used again in a *new* forward pass);
- ``nan``: NaN or inf flows through as it does in PyTorch (compared with torch itself,
  skipped where torch is not installed); the losses then report it with a clear error.

``python tests/test_nnlib_bad_input.py`` runs every case and prints the table of counts
per kind and outcome, with an ``open`` column for the cases that fail (it must be 0).

Decisions recorded here:

- nnlib raises ``ValueError`` for every kind of bad input, wrong *types* included (PyTorch
  raises ``TypeError`` for some of those), so one ``except ValueError`` catches them all
  and the exercise checks need one exception class;
- ``backward`` twice after one forward pass adds the gradients again (as PyTorch does
  with ``retain_graph=True``), for every layer, loss gradient and ``Value``;
- a module called twice in one forward pass is refused (weight tying is done by sharing
  a ``Parameter``); optimizers refuse a Parameter listed twice and a module passed in
  place of ``model.parameters()``;
- ``fit(rng=None)`` is refused: a run must be reproducible;
- an empty batch passes through row-wise layers as in PyTorch; reductions over it
  (losses, accuracy, BatchNorm1d, attention over T = 0, fit, predict) raise;
- layers are built in float64 or float32; float16 is refused there, kept by the
  activations and functions, and refused by the finite differences of ``gradcheck``.
"""
import math
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

import nnlib
from nnlib import attention, data, functional as F, gradcheck, init, transformer
from nnlib.autograd import Value
from nnlib.course import diagnostics, linalg, perceptron, piecewise
from nnlib.embedding import LearnedPositionalEmbedding, SinusoidalPositionalEncoding, sinusoidal_positions

KINDS = ("shape", "ndim", "dtype int", "dtype float16", "NaN/inf", "empty", "list", "labels",
         "backward before forward", "backward twice", "shared module", "hyperparameter", "type")


@dataclass
class Case:
    entry: str  # the public entry point
    kind: str  # one of KINDS
    outcome: str  # "error", "works" or "nan"
    run: Callable  # error: the call that must raise; works: a check; nan: returns (nnlib, torch) arrays
    pieces: tuple = ()  # error: text the message must contain (the object, what it expected, what came)


CASES = []


def bad(entry, kind, call, *pieces, obj=None):
    """A call that must raise a clear ValueError mentioning ``obj`` (default ``entry``) and ``pieces``."""
    assert kind in KINDS, kind
    CASES.append(Case(entry, kind, "error", call, (obj or entry, "expected", "got") + pieces))


def works(entry, kind, check):
    assert kind in KINDS, kind
    CASES.append(Case(entry, kind, "works", check))


def nan_like_torch(entry, pair):
    """``pair()`` returns a list of (nnlib array, torch tensor) that must agree, NaN for NaN."""
    CASES.append(Case(entry, "NaN/inf", "nan", pair))


def rng(seed=0):
    return np.random.default_rng(seed)


def after_forward(module, x):
    module(x)
    return module


def x23(dtype=np.float64):
    return rng().standard_normal((2, 3)).astype(dtype)


def with_nan(shape, where=(0, 0), value=np.nan, seed=0):
    x = rng(seed).standard_normal(shape)
    x[where] = value
    return x


# ---- Parameter, Module, containers, count_parameters -----------------------------------------
bad("Parameter", "dtype int", lambda: nnlib.Parameter(np.arange(3)), "floating-point array", "int64")
bad("Parameter", "shape", lambda: setattr(nnlib.Parameter(np.zeros(3)), "grad", np.zeros(4)),
    "shape (3,)", "(4,)", obj="Parameter.grad")
bad("Parameter", "dtype float16", lambda: setattr(nnlib.Parameter(np.zeros(3)), "grad", np.zeros(3, np.float16)),
    "dtype float64", "float16", obj="Parameter.grad")
bad("count_parameters", "type", lambda: nnlib.count_parameters([nnlib.Linear(2, 2)]), "a Module", "list")
bad("Sequential", "type", lambda: nnlib.Sequential(np.tanh), "Module arguments", "ufunc")
bad("Residual", "type", lambda: nnlib.Residual(np.tanh), "a Module", "ufunc")
bad("Residual", "shape", lambda: nnlib.Residual(nnlib.Linear(3, 4, rng=0))(np.ones((2, 3))),
    "keep the input shape (2, 3)", "output shape (2, 4)")
bad("Sequential", "backward before forward", lambda: nnlib.Sequential(nnlib.ReLU()).backward(np.ones(2)),
    "before forward")


def _reused_error(make, x):
    """Use one module twice in one forward pass (inside a Sequential)."""
    m = make()
    return lambda: nnlib.Sequential(m, m)(x)


_REUSE_PIECES = ("one call per forward pass", "a second call in the same pass", "sharing a Parameter")
for _name, _make, _x in [
    ("Linear", lambda: nnlib.Linear(3, 3, rng=0), np.ones((2, 3))),
    ("ReLU", nnlib.ReLU, np.ones((2, 3))),
    ("LayerNorm", lambda: nnlib.LayerNorm(3), np.ones((2, 3))),
    ("Sequential", lambda: nnlib.Sequential(nnlib.Linear(3, 3, rng=0), nnlib.Tanh()), np.ones((2, 3))),
    ("MultiHeadAttention", lambda: nnlib.MultiHeadAttention(4, 2, rng=0), np.ones((1, 3, 4))),
    ("TransformerBlock", lambda: nnlib.TransformerBlock(4, 2, rng=0), np.ones((1, 3, 4))),
]:
    bad(_name, "shared module", _reused_error(_make, _x), *_REUSE_PIECES)


def _reuse_in_a_new_pass_is_fine():
    lin = nnlib.Linear(3, 2, rng=0)
    a, b = lin(np.ones((2, 3))), lin(np.zeros((4, 3)))  # two passes: the second input is kept
    assert a.shape == (2, 2) and b.shape == (4, 2)
    lin.backward(np.ones((4, 2)))
    np.testing.assert_array_equal(lin.W.grad, 0)  # x was zeros in the last pass


works("Module", "shared module", _reuse_in_a_new_pass_is_fine)


def _shared_parameter_is_the_nnlib_way():
    first, second = nnlib.Linear(3, 3, rng=0), nnlib.Linear(3, 3, rng=1)
    second.W, second.b = first.W, first.b
    model = nnlib.Sequential(first, nnlib.Tanh(), second)
    assert nnlib.count_parameters(model) == 12 and len(model.parameters()) == 2
    x = rng().standard_normal((2, 3))
    errors = gradcheck.check_module(model, x)
    assert errors.ok, str(errors)


works("Module", "shared module", _shared_parameter_is_the_nnlib_way)

# ---- Linear --------------------------------------------------------------------------------
bad("Linear", "shape", lambda: nnlib.Linear(3, 4, rng=0)(np.ones((2, 5))), "3 features", "shape (2, 5)")
bad("Linear", "ndim", lambda: nnlib.Linear(3, 4, rng=0)(np.ones(3)), "(N, 3)", "shape (3,)", "reshape(1, -1)")
bad("Linear", "dtype int", lambda: nnlib.Linear(3, 4, rng=0)(np.ones((2, 3), int)), "dtype float64", "int64")
bad("Linear", "dtype float16", lambda: nnlib.Linear(3, 4, rng=0)(np.ones((2, 3), np.float16)),
    "dtype float64", "float16")
bad("Linear", "dtype float16", lambda: nnlib.Linear(3, 4, dtype=np.float16), "np.float32", "float16")
bad("Linear", "dtype int", lambda: nnlib.Linear(3, 4, dtype=np.int64), "np.float32", "int64")
bad("Linear", "hyperparameter", lambda: nnlib.Linear(-1, 2), "in_features >= 1", "in_features=-1")
bad("Linear", "hyperparameter", lambda: nnlib.Linear(0, 2), "in_features >= 1", "in_features=0")
bad("Linear", "type", lambda: nnlib.Linear(3.5, 2), "in_features to be an integer", "float 3.5")
bad("Linear", "type", lambda: nnlib.Linear(3, "4"), "out_features to be an integer", "str '4'")
bad("Linear", "hyperparameter", lambda: nnlib.Linear(3, 2, init="magic"), "init to be one of", "'magic'")
bad("Linear", "type", lambda: nnlib.Linear(3, 2, rng="seed"), "rng", "str 'seed'")
bad("Linear", "backward before forward", lambda: nnlib.Linear(3, 2).backward(np.ones((2, 2))),
    "before forward", "none")
bad("Linear", "shape", lambda: after_forward(nnlib.Linear(3, 2, rng=0), np.ones((4, 3))).backward(np.ones((5, 2))),
    "dout of shape (4, 2)", "(5, 2)", obj="Linear.backward")
bad("Linear", "dtype float16",
    lambda: after_forward(nnlib.Linear(3, 2, rng=0), np.ones((4, 3))).backward(np.ones((4, 2), np.float16)),
    "dtype float64", "float16", obj="Linear.backward")


def _list_input_equals_array():
    lin = nnlib.Linear(3, 2, rng=0)
    np.testing.assert_array_equal(lin([[1.0, 2.0, 3.0]]), lin(np.array([[1.0, 2.0, 3.0]])))
    np.testing.assert_array_equal(lin.backward([[1.0, -1.0]]), lin.backward(np.array([[1.0, -1.0]])))


works("Linear", "list", _list_input_equals_array)


def _empty_batch_like_torch(make, width):
    def check():
        m = make()
        out = m(np.zeros((0, width)))
        assert out.shape[0] == 0
        dx = m.backward(np.zeros_like(out))
        assert dx.shape == (0, width)
        for p in m.parameters():
            np.testing.assert_array_equal(p.grad, 0)
    return check


works("Linear", "empty", _empty_batch_like_torch(lambda: nnlib.Linear(3, 2, rng=0), 3))
works("LayerNorm", "empty", _empty_batch_like_torch(lambda: nnlib.LayerNorm(3), 3))
works("Sequential", "empty", _empty_batch_like_torch(
    lambda: nnlib.Sequential(nnlib.Linear(3, 4, rng=0), nnlib.ReLU(), nnlib.Softmax()), 3))

# ---- activations and functional --------------------------------------------------------------
ACTIVATIONS = {"ReLU": nnlib.ReLU, "LeakyReLU": nnlib.LeakyReLU, "Sigmoid": nnlib.Sigmoid, "Tanh": nnlib.Tanh,
               "GELU": nnlib.GELU, "GELU_tanh": lambda: nnlib.GELU("tanh"), "SiLU": nnlib.SiLU,
               "Step": nnlib.Step, "Softmax": nnlib.Softmax, "LogSoftmax": nnlib.LogSoftmax}
for _name, _make in ACTIVATIONS.items():
    _cls = _name.split("_")[0]
    bad(_name, "dtype int", lambda make=_make: make()(np.array([[1, 2]])), "floating-point input", "int64",
        obj=_cls)
    bad(_name, "backward before forward", lambda make=_make: make().backward(np.ones((1, 2))),
        "before forward", obj=f"{_cls}.backward")
    bad(_name, "shape", lambda make=_make: after_forward(make(), x23()).backward(np.ones((3, 2))),
        "dout of shape (2, 3)", "(3, 2)", obj=f"{_cls}.backward")

    def _float16_kept(make=_make):
        x = np.array([[-1.5, 0.25, 2.0]], dtype=np.float16)
        m = make()
        out = m(x)
        assert out.dtype == np.float16, out.dtype
        assert m.backward(np.ones_like(out)).dtype == np.float16
        ref = make()(x.astype(np.float64))
        np.testing.assert_allclose(out.astype(np.float64), ref, rtol=2e-3, atol=2e-3)

    works(_name, "dtype float16", _float16_kept)

    def _lists_work(make=_make):
        m = make()
        np.testing.assert_array_equal(m([[0.5, -1.0]]), make()(np.array([[0.5, -1.0]])))
        assert m.backward([[1.0, 1.0]]).shape == (1, 2)

    works(_name, "list", _lists_work)
    works(_name, "empty", _empty_batch_like_torch(_make, 3))

bad("LeakyReLU", "type", lambda: nnlib.LeakyReLU("0.1"), "negative_slope to be a number", "str '0.1'")
bad("GELU", "hyperparameter", lambda: nnlib.GELU("fast"), "approximate 'none' or 'tanh'", "'fast'")
bad("Softmax", "type", lambda: nnlib.Softmax(axis=1.5), "axis to be an integer", "float 1.5")
bad("Softmax", "ndim", lambda: nnlib.Softmax(axis=2)(x23()), "axis to be an integer in [-2, 2)", "axis=2")
bad("LogSoftmax", "ndim", lambda: nnlib.LogSoftmax(axis=-3)(x23()), "in [-2, 2)", "axis=-3")
bad("functional.relu", "type", lambda: F.relu(np.array(["a"])), "real numbers", "<U1", obj="relu")
bad("functional.softmax", "ndim", lambda: F.softmax(np.ones((2, 3)), axis=2), "in [-2, 2)", "axis=2",
    obj="softmax")
bad("functional.softmax_backward", "shape", lambda: F.softmax_backward(np.ones((2, 3)), np.ones((2, 1))),
    "dout of the shape of y, (2, 3)", "(2, 1)", obj="softmax_backward")
bad("functional.log_softmax_backward", "shape",
    lambda: F.log_softmax_backward(np.ones((2, 3)), np.ones(3)), "(2, 3)", "(3,)", obj="log_softmax_backward")
bad("functional.gelu", "hyperparameter", lambda: F.gelu(np.zeros(2), "fast"), "'none' or 'tanh'", "'fast'",
    obj="gelu")


def _functional_integers_in_float64():
    for f in (F.relu, F.sigmoid, F.tanh, F.gelu, F.silu, F.step, F.softmax):
        out = f(np.array([[1, -2, 3]]))
        assert out.dtype == np.float64
        np.testing.assert_allclose(out, f(np.array([[1.0, -2.0, 3.0]])))


works("functional", "dtype int", _functional_integers_in_float64)


def _exact_gelu_keeps_float16():
    x = np.linspace(-3, 3, 7).astype(np.float16)
    assert F.gelu(x).dtype == F.gelu_grad(x).dtype == F.erf(x).dtype == np.float16
    assert F.erf(np.array([0, 1])).dtype == np.float64  # integers are not cut back to integers


works("functional.gelu", "dtype float16", _exact_gelu_keeps_float16)

# ---- Dropout, LayerNorm, BatchNorm1d ----------------------------------------------------------
bad("Dropout", "hyperparameter", lambda: nnlib.Dropout(1), "p in [0, 1)", "p=1")
bad("Dropout", "hyperparameter", lambda: nnlib.Dropout(-0.1), "p in [0, 1)", "p=-0.1")
bad("Dropout", "hyperparameter", lambda: nnlib.Dropout(float("nan")), "p in [0, 1)", "p=nan")
bad("Dropout", "type", lambda: nnlib.Dropout("0.5"), "p to be a number", "str '0.5'")
bad("Dropout", "dtype int", lambda: nnlib.Dropout(0.5, rng=0)(np.ones((2, 2), int)), "floating-point", "int64")
bad("Dropout", "dtype int", lambda: nnlib.Dropout(0.5, rng=0).eval()(np.ones((2, 2), int)), "floating-point",
    "int64")
bad("Dropout", "backward before forward", lambda: nnlib.Dropout(0.5).backward(np.ones(2)), "before forward",
    obj="Dropout.backward")
bad("LayerNorm", "shape", lambda: nnlib.LayerNorm(4)(np.ones((2, 3))), "(N, 4)", "shape (2, 3)")
bad("LayerNorm", "ndim", lambda: nnlib.LayerNorm(4)(np.ones(4)), "(N, 4)", "shape (4,)")
bad("LayerNorm", "dtype int", lambda: nnlib.LayerNorm(3)(np.ones((2, 3), int)), "dtype float64", "int64")
bad("LayerNorm", "dtype float16", lambda: nnlib.LayerNorm(3, dtype=np.float16), "np.float32", "float16")
bad("LayerNorm", "hyperparameter", lambda: nnlib.LayerNorm(3, eps=-1e-5), "eps in [0, inf)", "eps=-1e-05")
bad("LayerNorm", "hyperparameter", lambda: nnlib.LayerNorm(0), "dim >= 1", "dim=0")
bad("LayerNorm", "backward before forward", lambda: nnlib.LayerNorm(3).backward(np.ones((2, 3))),
    "before forward", obj="LayerNorm.backward")
bad("BatchNorm1d", "ndim", lambda: nnlib.BatchNorm1d(4)(np.ones((2, 3, 4))), "(N, 4)", "shape (2, 3, 4)")
bad("BatchNorm1d", "shape", lambda: nnlib.BatchNorm1d(4)(np.ones((1, 4))), "at least 2 examples", "(1, 4)",
    "model.eval()")
bad("BatchNorm1d", "empty", lambda: nnlib.BatchNorm1d(4)(np.ones((0, 4))), "at least 2 examples", "(0, 4)")
bad("BatchNorm1d", "hyperparameter", lambda: nnlib.BatchNorm1d(4, momentum=2), "momentum in [0, 1]",
    "momentum=2")
bad("BatchNorm1d", "hyperparameter", lambda: nnlib.BatchNorm1d(4, eps=-1), "eps in [0, inf)", "eps=-1")
bad("BatchNorm1d", "dtype int", lambda: nnlib.BatchNorm1d(3)(np.ones((2, 3), int)), "dtype float64", "int64")
bad("BatchNorm1d", "type", lambda: nnlib.BatchNorm1d(4.0), "dim to be an integer", "float 4.0", "int(4.0)")

# ---- embeddings, positions, attention, transformer -----------------------------------------
bad("Embedding", "dtype int", lambda: nnlib.Embedding(5, 3)(np.array([[1.0, 2.0]])), "integer token ids",
    "float64")
bad("Embedding", "labels", lambda: nnlib.Embedding(5, 3)(np.array([[1, 5]])), "ids in 0..4", "from 1 to 5")
bad("Embedding", "labels", lambda: nnlib.Embedding(5, 3)(np.array([[-1, 2]])), "ids in 0..4", "from -1 to 2")
bad("Embedding", "hyperparameter", lambda: nnlib.Embedding(0, 3), "num_embeddings >= 1", "num_embeddings=0")
bad("Embedding", "hyperparameter", lambda: nnlib.Embedding(5, 3, std=-1), "std in [0, inf)", "std=-1")
bad("Embedding", "dtype float16", lambda: nnlib.Embedding(5, 3, dtype=np.float16), "np.float32", "float16")
bad("Embedding", "backward before forward", lambda: nnlib.Embedding(5, 3).backward(np.ones((1, 2, 3))),
    "before forward", obj="Embedding.backward")
works("Embedding", "list", lambda: np.testing.assert_array_equal(
    nnlib.Embedding(5, 3, rng=0)([[1, 2]]), nnlib.Embedding(5, 3, rng=0)(np.array([[1, 2]]))))
bad("sinusoidal_positions", "hyperparameter", lambda: sinusoidal_positions(4, 5), "even width", "C=5")
bad("sinusoidal_positions", "hyperparameter", lambda: sinusoidal_positions(-1, 4), "T >= 1", "T=-1")
bad("SinusoidalPositionalEncoding", "shape", lambda: SinusoidalPositionalEncoding(4, 2)(np.zeros((1, 5, 2))),
    "at most 4 positions", "length 5")
bad("SinusoidalPositionalEncoding", "ndim", lambda: SinusoidalPositionalEncoding(4, 2)(np.zeros((5, 2))),
    "(B, T, 2)", "shape (5, 2)")
bad("SinusoidalPositionalEncoding", "empty", lambda: SinusoidalPositionalEncoding(4, 2)(np.zeros((1, 0, 2))),
    "T >= 1", "shape (1, 0, 2)")
bad("SinusoidalPositionalEncoding", "dtype float16",
    lambda: SinusoidalPositionalEncoding(4, 2)(np.zeros((1, 3, 2), np.float16)), "dtype float64", "float16")
bad("LearnedPositionalEmbedding", "shape", lambda: LearnedPositionalEmbedding(4, 2)(np.zeros((1, 5, 2))),
    "at most 4 positions", "length 5")
bad("LearnedPositionalEmbedding", "hyperparameter", lambda: LearnedPositionalEmbedding(0, 2),
    "max_len >= 1", "max_len=0")
bad("causal_mask", "hyperparameter", lambda: attention.causal_mask(-1), "T >= 1", "T=-1")
bad("causal_mask", "type", lambda: attention.causal_mask(2.0), "T to be an integer", "float 2.0")
_q = rng().standard_normal((2, 4, 3))
bad("scaled_dot_product_attention", "shape",
    lambda: attention.scaled_dot_product_attention(_q, np.zeros((2, 4, 5)), np.zeros((2, 4, 3))), "same d",
    "k (2, 4, 5)")
bad("scaled_dot_product_attention", "shape",
    lambda: attention.scaled_dot_product_attention(_q, _q[:, :2], _q[:, :2], causal=True),
    "as many queries as keys", "T=4 and T_k=2")
bad("scaled_dot_product_attention", "dtype int",
    lambda: attention.scaled_dot_product_attention(np.ones((1, 2, 2), int), np.ones((1, 2, 2), int),
                                                   np.ones((1, 2, 2), int)), "one floating dtype", "int64")
bad("scaled_dot_product_attention", "dtype float16",
    lambda: attention.scaled_dot_product_attention(_q, _q.astype(np.float16), _q), "one floating dtype",
    "float64, float16 and float64")
bad("scaled_dot_product_attention", "empty",
    lambda: attention.scaled_dot_product_attention(np.zeros((1, 0, 3)), np.zeros((1, 0, 3)), np.zeros((1, 0, 3))),
    "at least one query and one key", "T=0")
bad("scaled_dot_product_attention_backward", "shape",
    lambda: attention.scaled_dot_product_attention_backward(np.ones((2, 4, 2)), _q, _q, _q, np.ones((2, 4, 4))),
    "dout of shape (2, 4, 3)", "(2, 4, 2)")
bad("MultiHeadAttention", "hyperparameter", lambda: nnlib.MultiHeadAttention(10, 3), "divisible by n_heads",
    "n_heads=3")
bad("MultiHeadAttention", "hyperparameter", lambda: nnlib.MultiHeadAttention(8, 0), "n_heads >= 1", "n_heads=0")
bad("MultiHeadAttention", "type", lambda: nnlib.MultiHeadAttention(8, 2, causal="yes"), "causal True or False",
    "'yes'")
bad("MultiHeadAttention", "ndim", lambda: nnlib.MultiHeadAttention(8, 2)(np.zeros((5, 8))), "(B, T, 8)",
    "shape (5, 8)")
bad("MultiHeadAttention", "shape", lambda: nnlib.MultiHeadAttention(8, 2)(np.zeros((2, 5, 6))), "(B, T, 8)",
    "shape (2, 5, 6)")
bad("MultiHeadAttention", "dtype float16",
    lambda: nnlib.MultiHeadAttention(8, 2)(np.zeros((2, 5, 8), np.float16)), "dtype float64", "float16",
    obj="Linear")
bad("MultiHeadAttention", "empty", lambda: nnlib.MultiHeadAttention(8, 2)(np.zeros((2, 0, 8))), "T >= 1",
    "(2, 0, 8)")
bad("MultiHeadAttention", "backward before forward",
    lambda: nnlib.MultiHeadAttention(8, 2).backward(np.zeros((2, 5, 8))), "before forward")
bad("TransformerBlock", "backward before forward", lambda: nnlib.TransformerBlock(8, 2).backward(np.zeros((2, 5, 8))),
    "before forward", obj="TransformerBlock.backward")
bad("TransformerBlock", "ndim",
    lambda: after_forward(nnlib.TransformerBlock(8, 2, rng=0), np.zeros((2, 5, 8))).backward(np.zeros((10, 8))),
    "dout of shape (2, 5, 8)", "(10, 8)", obj="TransformerBlock.backward")
bad("TransformerBlock", "hyperparameter", lambda: nnlib.TransformerBlock(8, 2, gelu="fast"), "gelu 'tanh' or 'none'",
    "'fast'")
bad("TransformerBlock", "hyperparameter", lambda: nnlib.TransformerBlock(8, 2, d_mlp=0), "d_mlp >= 1", "d_mlp=0")
bad("TransformerBlock", "empty", lambda: nnlib.TransformerBlock(8, 2)(np.zeros((1, 0, 8))), "T >= 1", "(1, 0, 8)")


def lm(**kwargs):
    return nnlib.DecoderLM(7, 4, 8, 2, 1, rng=0, **kwargs)


bad("DecoderLM", "hyperparameter", lambda: nnlib.DecoderLM(7, 4, 8, 2, -1), "n_layers >= 0", "n_layers=-1")
bad("DecoderLM", "hyperparameter", lambda: nnlib.DecoderLM(0, 4, 8, 2, 1), "vocab_size >= 1", "vocab_size=0")
bad("DecoderLM", "hyperparameter", lambda: lm(positional="rope"), "positional 'learned'", "'rope'")
bad("DecoderLM", "type", lambda: lm(tie_embeddings="yes"), "tie_embeddings True or False", "'yes'")
bad("DecoderLM", "dtype float16", lambda: lm(dtype=np.float16), "np.float32", "float16")
bad("DecoderLM", "dtype int", lambda: lm()(np.array([[1.0, 2.0]])), "integer token ids", "float64", obj="Embedding")
bad("DecoderLM", "labels", lambda: lm()(np.array([[1, 7]])), "ids in 0..6", "from 1 to 7", obj="Embedding")
bad("DecoderLM", "ndim", lambda: lm()(np.array([1, 2])), "shape (B, T)", "shape (2,)")
bad("DecoderLM", "shape", lambda: lm()(np.zeros((1, 5), int)), "at most 4 tokens", "length 5")
bad("DecoderLM", "empty", lambda: lm()(np.zeros((1, 0), int)), "at least one token", "(1, 0)")
bad("DecoderLM", "backward before forward", lambda: lm().backward(np.zeros((1, 2, 7))), "before forward",
    obj="DecoderLM.backward")
bad("DecoderLM.generate", "hyperparameter", lambda: lm().generate(np.array([[1, 2]]), -1), "n_new >= 0",
    "n_new=-1")
bad("DecoderLM.generate", "type", lambda: lm().generate(np.array([[1, 2]]), 1.5), "n_new to be an integer",
    "float 1.5")
bad("DecoderLM.generate", "ndim", lambda: lm().generate(np.array([1, 2]), 1), "(B, T0)", "shape (2,)")
works("DecoderLM", "list", lambda: np.testing.assert_array_equal(lm()([[1, 2]]), lm()(np.array([[1, 2]]))))
works("DecoderLM.generate", "empty", lambda: np.testing.assert_array_equal(
    lm().generate(np.array([[1, 2]]), 0), [[1, 2]]))

bad("count_transformer_parameters", "hyperparameter",
    lambda: transformer.count_transformer_parameters(12, 768, 10, 50257, 1024), "divisible by n_heads", "n_heads=10")
bad("count_transformer_parameters", "hyperparameter",
    lambda: transformer.count_transformer_parameters(2, 64, 8, 10, 5, n_kv_heads=3), "n_kv_heads dividing n_heads",
    "n_kv_heads=3")
bad("count_transformer_parameters", "hyperparameter",
    lambda: transformer.count_transformer_parameters(2, 64, None, 10, 5, n_kv_heads=2), "n_heads", "None")
bad("count_transformer_parameters", "hyperparameter",
    lambda: transformer.count_transformer_parameters(2, 64, 8, 10, 5, mlp="relu"), "mlp one of", "'relu'")
bad("count_transformer_parameters", "hyperparameter",
    lambda: transformer.count_transformer_parameters(2, 64, 8, 10, 5, norm="batchnorm"), "norm one of",
    "'batchnorm'")
bad("count_transformer_parameters", "hyperparameter",
    lambda: transformer.count_transformer_parameters(2, 64, 8, 10, 5, positional="rotary"), "positional one of",
    "'rotary'")
bad("count_transformer_parameters", "type",
    lambda: transformer.count_transformer_parameters(2.0, 64, 8, 10, 5), "n_layers to be an integer", "float 2.0")

# ---- losses --------------------------------------------------------------------------------
bad("MSELoss", "shape", lambda: nnlib.MSELoss()(np.zeros((5, 1)), np.zeros(5)), "target of shape (5, 1)", "(5,)",
    "reshape")
bad("MSELoss", "dtype int", lambda: nnlib.MSELoss()(np.zeros((2, 1), int), np.zeros((2, 1))),
    "floating-point predictions", "int64")
bad("MSELoss", "type", lambda: nnlib.MSELoss()(np.zeros(2), np.array(["a", "b"])), "numeric targets", "<U1")
bad("MSELoss", "empty", lambda: nnlib.MSELoss()(np.zeros((0, 1)), np.zeros((0, 1))), "at least one prediction",
    "shape (0, 1)")
bad("MSELoss", "NaN/inf", lambda: nnlib.MSELoss()(np.array([[np.inf]]), np.array([[0.0]])), "finite loss", "inf",
    "learning rate")
bad("MSELoss", "NaN/inf", lambda: nnlib.MSELoss()(np.array([[1.0]]), np.array([[np.nan]])), "finite loss", "nan")
bad("MSELoss", "backward before forward", lambda: nnlib.MSELoss().backward(), "before forward",
    obj="MSELoss.backward")
works("MSELoss", "list", lambda: math.isclose(nnlib.MSELoss()([[1.0], [2.0]], [[0.0], [0.0]]), 2.5))
bad("CrossEntropyLoss", "ndim", lambda: nnlib.CrossEntropyLoss()(np.zeros(4), np.array(1)), "(N, C)", "shape (4,)")
bad("CrossEntropyLoss", "dtype int", lambda: nnlib.CrossEntropyLoss()(np.zeros((2, 3), int), np.array([0, 1])),
    "floating-point logits", "int64")
bad("CrossEntropyLoss", "labels", lambda: nnlib.CrossEntropyLoss()(np.zeros((3, 4)), np.array([0, 1, 4])),
    "labels in 0..3", "max 4")
bad("CrossEntropyLoss", "labels", lambda: nnlib.CrossEntropyLoss()(np.zeros((3, 4)), np.array([0, -1, 2])),
    "labels in 0..3", "min -1")
bad("CrossEntropyLoss", "labels", lambda: nnlib.CrossEntropyLoss()(np.zeros((3, 4)), np.array([0.0, 1.0, 2.0])),
    "integer class labels", "float64")
bad("CrossEntropyLoss", "labels", lambda: nnlib.CrossEntropyLoss()(np.zeros((3, 4)), np.eye(4, dtype=int)[:3]),
    "labels of shape (3,)", "shape (3, 4)", "one-hot")
bad("CrossEntropyLoss", "empty", lambda: nnlib.CrossEntropyLoss()(np.zeros((0, 3)), np.zeros(0, int)),
    "at least one example", "shape (0, 3)")
bad("CrossEntropyLoss", "empty", lambda: nnlib.CrossEntropyLoss()(np.zeros((2, 0)), np.zeros(2, int)),
    "one class", "shape (2, 0)")
bad("CrossEntropyLoss", "NaN/inf", lambda: nnlib.CrossEntropyLoss()(np.array([[np.nan, 0.0]]), np.array([0])),
    "finite loss", "nan", "learning rate")
bad("CrossEntropyLoss", "NaN/inf", lambda: nnlib.CrossEntropyLoss()(np.array([[np.inf, 0.0]]), np.array([0])),
    "finite loss", "nan")
bad("CrossEntropyLoss", "backward before forward", lambda: nnlib.CrossEntropyLoss().backward(), "before forward",
    obj="CrossEntropyLoss.backward")
works("CrossEntropyLoss", "list", lambda: math.isclose(nnlib.CrossEntropyLoss()([[0.0, 0.0]], [1]), math.log(2)))


def _cross_entropy_float16():
    loss = nnlib.CrossEntropyLoss()
    value = loss(np.array([[2.0, 0.5, -1.0]], np.float16), np.array([0]))
    assert abs(value - nnlib.CrossEntropyLoss()(np.array([[2.0, 0.5, -1.0]]), np.array([0]))) < 1e-3
    assert loss.backward().dtype == np.float16


works("CrossEntropyLoss", "dtype float16", _cross_entropy_float16)

# ---- optimizers ------------------------------------------------------------------------------


def params():
    return nnlib.Linear(3, 2, rng=0).parameters()


for _opt in (nnlib.SGD, nnlib.Adam, nnlib.AdamW):
    _n = _opt.__name__
    bad(_n, "hyperparameter", lambda o=_opt: o(params(), lr=-1), "lr in (0, inf)", "lr=-1")
    bad(_n, "hyperparameter", lambda o=_opt: o(params(), lr=0), "lr in (0, inf)", "lr=0")
    bad(_n, "hyperparameter", lambda o=_opt: o(params(), lr=float("nan")), "lr in (0, inf)", "lr=nan")
    bad(_n, "type", lambda o=_opt: o(params(), lr="0.1"), "lr to be a number", "str '0.1'")
    bad(_n, "shared module", lambda o=_opt: (lambda ps: o(ps + ps[:1], lr=0.1))(params()), "each Parameter once",
        "positions 0 and 2", "model.parameters()")
    bad(_n, "type", lambda o=_opt: o(nnlib.Linear(3, 2), lr=0.1), "model.parameters()",
        "the module Linear itself")
    bad(_n, "type", lambda o=_opt: o(nnlib.Parameter(np.zeros(2)), lr=0.1), "list of Parameter",
        "a single Parameter")
    bad(_n, "type", lambda o=_opt: o([np.zeros(3)], lr=0.1), "Parameter objects", "ndarray at position 0")
    bad(_n, "type", lambda o=_opt: o(None, lr=0.1), "list of Parameter", "NoneType")
    bad(_n, "empty", lambda o=_opt: o([], lr=0.1), "non-empty list", "none")
    if _opt is not nnlib.SGD:
        bad(_n, "hyperparameter", lambda o=_opt: o(params(), betas=(1.0, 0.999)), "betas[0] in [0, 1)",
            "betas[0]=1")
        bad(_n, "hyperparameter", lambda o=_opt: o(params(), betas=(0.9, 1.0)), "betas[1] in [0, 1)", "betas[1]=1")
        bad(_n, "type", lambda o=_opt: o(params(), betas=0.9), "a pair (beta1, beta2)", "0.9")
        bad(_n, "hyperparameter", lambda o=_opt: o(params(), eps=-1e-8), "eps in [0, inf)", "eps=-1e-08")
        bad(_n, "hyperparameter", lambda o=_opt: o(params(), weight_decay=-0.1), "weight_decay in [0, inf)",
            "weight_decay=-0.1")
bad("SGD", "hyperparameter", lambda: nnlib.SGD(params(), lr=0.1, momentum=1.0), "momentum in [0, 1)", "momentum=1")
bad("SGD", "hyperparameter", lambda: nnlib.SGD(params(), lr=0.1, momentum=-0.5), "momentum in [0, 1)",
    "momentum=-0.5")
bad("SGD", "hyperparameter", lambda: nnlib.SGD(params(), lr=0.1, weight_decay=-1), "weight_decay in [0, inf)",
    "weight_decay=-1")

# ---- training helpers ----------------------------------------------------------------------
_X, _Y = data.make_blobs(20, centers=2, seed=0)


def fit(**kwargs):
    model = nnlib.Sequential(nnlib.Linear(2, 4, rng=0), nnlib.ReLU(), nnlib.Linear(4, 2, rng=1))
    args = dict(model=model, loss_fn=nnlib.CrossEntropyLoss(), optimizer=nnlib.SGD(model.parameters(), lr=0.1),
                X=_X, y=_Y, epochs=1, batch_size=4, rng=0, verbose=False)
    args.update(kwargs)
    return nnlib.fit(**args)


bad("fit", "hyperparameter", lambda: fit(epochs=0), "epochs >= 1", "epochs=0")
bad("fit", "type", lambda: fit(epochs=2.5), "epochs to be an integer", "float 2.5")
bad("fit", "hyperparameter", lambda: fit(batch_size=0), "batch_size >= 1", "batch_size=0")
bad("fit", "type", lambda: fit(batch_size=4.0), "batch_size to be an integer", "float 4.0")
bad("fit", "type", lambda: fit(rng=None), "rng", "None", "rng=0")
bad("fit", "type", lambda: fit(rng="seed"), "rng", "str 'seed'")
bad("fit", "empty", lambda: fit(X=_X[:0], y=_Y[:0]), "X with at least one example", "shape (0, 2)")
bad("fit", "shape", lambda: fit(y=_Y[:-1]), "X and y of equal length", "20 and 19")
bad("fit", "hyperparameter", lambda: fit(early_stopping=2), "validation data", "none", obj="fit: early_stopping")
bad("fit", "hyperparameter", lambda: fit(X_val=_X, y_val=_Y, early_stopping=0), "early_stopping >= 1",
    "early_stopping=0")
bad("fit", "hyperparameter", lambda: fit(print_every=0), "print_every >= 1", "print_every=0")
bad("fit", "type", lambda: fit(loss_fn=nnlib.CrossEntropyLoss), "CrossEntropyLoss() (an instance",
    "got CrossEntropyLoss")
bad("fit", "type", lambda: fit(optimizer=nnlib.SGD), "an optimizer such as SGD", "got SGD")
bad("fit", "type", lambda: fit(model=np.tanh), "a Module as the model", "ufunc")
works("fit", "list", lambda: fit(X=_X.tolist(), y=_Y.tolist()).epochs == 1)
bad("predict", "hyperparameter", lambda: nnlib.predict(nnlib.Linear(2, 2), _X, batch_size=0), "batch_size >= 1",
    "batch_size=0")
bad("predict", "empty", lambda: nnlib.predict(nnlib.Linear(2, 2), _X[:0]), "at least one example", "(0, 2)")
bad("predict", "type", lambda: nnlib.predict(np.tanh, _X), "a Module", "ufunc")
bad("evaluate", "type", lambda: nnlib.evaluate(nnlib.Linear(2, 2), nnlib.MSELoss, _X, _Y), "loss object",
    "got MSELoss")
bad("accuracy", "empty", lambda: nnlib.accuracy(np.zeros((0, 3)), np.zeros(0, int)), "at least one example",
    "(0, 3)")
bad("accuracy", "shape", lambda: nnlib.accuracy(np.zeros((4, 3)), np.zeros(3, int)), "labels of shape (4,)",
    "(3,)")
bad("grad_norms", "type", lambda: nnlib.grad_norms(params()), "a Module", "list")
bad("clip_grad_norm", "hyperparameter", lambda: nnlib.clip_grad_norm(params(), 0), "max_norm in (0, inf]",
    "max_norm=0")
bad("clip_grad_norm", "type", lambda: nnlib.clip_grad_norm(params(), "1"), "max_norm to be a number", "str '1'")
bad("clip_grad_norm", "type", lambda: nnlib.clip_grad_norm([np.zeros(2)], 1.0), "Parameter objects", "ndarray")
works("clip_grad_norm", "type", lambda: nnlib.clip_grad_norm(nnlib.Linear(2, 2), 1.0) == 0.0)  # a Module works

# ---- gradient checking -------------------------------------------------------------------------
bad("numerical_gradient", "dtype int", lambda: gradcheck.numerical_gradient(lambda z: np.sum(z**2), np.arange(3)),
    "float64 (or float32) array x", "int64", "truncated")
bad("numerical_gradient", "dtype float16",
    lambda: gradcheck.numerical_gradient(lambda z: np.sum(z**2), np.ones(3, np.float16)), "float64", "float16")
bad("numerical_gradient", "list", lambda: gradcheck.numerical_gradient(lambda z: np.sum(z), [1.0, 2.0]),
    "NumPy array", "list")
bad("numerical_gradient", "hyperparameter", lambda: gradcheck.numerical_gradient(np.sum, np.ones(2), h=0),
    "h in (0, inf)", "h=0")
bad("numerical_gradient", "shape", lambda: gradcheck.numerical_gradient(lambda z: z * 2, np.ones(2)),
    "one number", "shape (2,)")
bad("rel_error", "shape", lambda: gradcheck.rel_error(np.ones(2), np.ones(3)), "equal shape", "(2,) and (3,)")
bad("normwise_error", "shape", lambda: gradcheck.normwise_error(np.ones(2), np.ones((2, 1))), "equal shape",
    "(2, 1)")
bad("check_module", "dtype float16", lambda: gradcheck.check_module(nnlib.Linear(2, 2, dtype=np.float32),
                                                                    np.ones((1, 2))),
    "float64 parameters", "float32", "1e-3")
bad("check_module", "hyperparameter", lambda: gradcheck.check_module(nnlib.ReLU(), np.ones((1, 2)), error="max"),
    "'entrywise' or 'normwise'", "'max'")
bad("check_module", "type", lambda: gradcheck.check_module(np.tanh, np.ones((1, 2))), "a Module", "ufunc")


def _float32_finite_differences_are_coarse():
    # Allowed (Chapter 4 measures it), and as coarse as the docstring says: about 1e-3.
    x = rng().standard_normal(5).astype(np.float32)
    err = gradcheck.rel_error(gradcheck.numerical_gradient(lambda z: np.sum(np.sin(z)), x), np.cos(x))
    assert 1e-6 < err < 3e-2, err


works("numerical_gradient", "dtype float16", _float32_finite_differences_are_coarse)

# ---- init --------------------------------------------------------------------------------
bad("init.fans", "ndim", lambda: init.fans((3,)), "at least 2 axes", "(3,)", obj="fans")
bad("init.he_normal", "hyperparameter", lambda: init.he_normal((-1, 2)), "shape[0] >= 1", "shape[0]=-1",
    obj="he_normal")
bad("init.xavier_uniform", "hyperparameter", lambda: init.xavier_uniform((2, 2), gain=0), "gain in (0, inf)",
    "gain=0", obj="xavier_uniform")
bad("init.xavier_normal", "dtype int", lambda: init.xavier_normal((2, 2), dtype=np.int64), "np.float32", "int64",
    obj="xavier_normal")
bad("init.he_uniform", "type", lambda: init.he_uniform((2.5, 2)), "shape[0] to be an integer", "float 2.5",
    obj="he_uniform")

# ---- autograd.Value ------------------------------------------------------------------------
bad("Value", "NaN/inf", lambda: Value(float("nan")), "finite number", "nan")
bad("Value", "NaN/inf", lambda: Value(1e308) * 10, "finite number", "inf", "the result of *")
bad("Value", "type", lambda: Value("x"), "a number", "str 'x'")
bad("Value", "type", lambda: Value(1.0) + "a", "a number", "str 'a'")
bad("Value", "hyperparameter", lambda: Value(1.0) / 0, "non-zero divisor", "1 / 0", "division by zero",
    obj="Value /")
bad("Value", "hyperparameter", lambda: 2.0 / Value(0.0), "non-zero", "division by zero", obj="Value")
bad("Value", "hyperparameter", lambda: Value(-2.0) ** 0.5, "base >= 0", "(-2) ** 0.5", obj="Value **")
bad("Value", "hyperparameter", lambda: Value(0.0) ** 0.5, "base > 0", "0 ** 0.5", obj="Value **")
bad("Value", "NaN/inf", lambda: Value(1e200) ** 2, "fits in a float", "overflows", obj="Value **")
bad("Value", "NaN/inf", lambda: Value(1000.0).exp(), "exponent <= 709", "got 1000", obj="Value.exp")
bad("Value", "NaN/inf", lambda: 2 ** Value(5000.0), "fits in a float", "2 ** 5000", obj="number ** Value")
bad("Value", "hyperparameter", lambda: (-2) ** Value(1.0), "positive base", "-2", obj="number ** Value")
bad("Value", "type", lambda: Value(2.0) ** Value(2.0), "a number as the exponent", "a Value", obj="Value **")
bad("Value", "hyperparameter", lambda: Value(0.0).log(), "positive number", "got 0", obj="Value.log")


def _value_backward_twice_accumulates():
    a = Value(0.5)
    out = (a * a).tanh()
    out.backward()
    first = a.grad
    out.backward()
    assert a.grad == 2 * first
    assert (Value(0.0) ** 0).data == 1.0  # x ** 0 has derivative 0, even at 0


works("Value", "backward twice", _value_backward_twice_accumulates)

# ---- data ------------------------------------------------------------------------------------
bad("data.make_1d", "hyperparameter", lambda: data.make_1d(func="tan"), "one of ['abs', 'cubic'", "'tan'",
    obj="make_1d")
bad("data.make_1d", "type", lambda: data.make_1d(func=3), "a name or a function", "int", obj="make_1d")
bad("data.make_1d", "hyperparameter", lambda: data.make_1d(n=-1), "n >= 1", "n=-1", obj="make_1d")
bad("data.make_1d", "type", lambda: data.make_1d(n=2.5), "n to be an integer", "float 2.5", obj="make_1d")
bad("data.make_1d", "hyperparameter", lambda: data.make_1d(low=2, high=1), "low < high", "low=2, high=1",
    obj="make_1d")
bad("data.make_1d", "hyperparameter", lambda: data.make_1d(noise=-0.1), "noise in [0, inf)", "noise=-0.1",
    obj="make_1d")
bad("data.make_1d", "hyperparameter", lambda: data.make_1d(seed=1, rng=np.random.default_rng(1)), "either rng or seed",
    "both", obj="make_1d")
bad("data.make_1d", "hyperparameter", lambda: data.make_1d(seed=-1), "rng", "int -1", obj="make_1d")
bad("data.make_xor", "hyperparameter", lambda: data.make_xor(0), "n >= 1", "n=0", obj="make_xor")
bad("data.make_spirals", "hyperparameter", lambda: data.make_spirals(10, 0), "n_classes >= 1", "n_classes=0",
    obj="make_spirals")
bad("data.make_blobs", "hyperparameter", lambda: data.make_blobs(10, centers=0), "centers >= 1", "centers=0",
    obj="make_blobs")
bad("data.make_blobs", "hyperparameter", lambda: data.make_blobs(10, dim=0), "dim >= 1", "dim=0", obj="make_blobs")
bad("data.train_val_test_split", "empty", lambda: data.train_val_test_split(np.ones((3, 2)), np.ones(3)),
    "at least one row in the validation set", "N=3", obj="train_val_test_split")
bad("data.train_val_test_split", "hyperparameter",
    lambda: data.train_val_test_split(_X, _Y, val_size=0.5, test_size=0.5), "val_size + test_size < 1", "0.5 + 0.5",
    obj="train_val_test_split")
bad("data.train_val_test_split", "hyperparameter",
    lambda: data.train_val_test_split(_X, _Y, val_size=-0.1), "val_size in [0, 1)", "val_size=-0.1",
    obj="train_val_test_split")
bad("data.train_val_test_split", "shape", lambda: data.train_val_test_split(_X, _Y[:5]), "equal length",
    "20 and 5", obj="train_val_test_split")
bad("data.batches", "hyperparameter", lambda: list(data.batches(_X, _Y, 0)), "batch_size >= 1", "batch_size=0",
    obj="batches")
bad("data.batches", "type", lambda: list(data.batches(_X, _Y, 1.5)), "batch_size to be an integer", "float 1.5",
    obj="batches")
bad("data.load_digits", "dtype int", lambda: data.load_digits(dtype=np.int64), "np.float32", "int64",
    obj="load_digits")
bad("data.load_digits", "dtype float16", lambda: data.load_digits(dtype=np.float16), "np.float32", "float16",
    obj="load_digits")
works("data.batches", "list", lambda: [len(b) for b, _ in data.batches(_X.tolist(), _Y.tolist(), 8, 0)] == [8, 8, 4])

# ---- the course helpers that take input ------------------------------------------------------


def _nan_network():
    net = piecewise.sawtooth_network(2)
    net[0].W.data[0, 0] = np.nan
    return net


bad("piecewise.linear_pieces", "NaN/inf", lambda: piecewise.count_pieces(_nan_network(), 0, 1),
    "finite weights", "NaN or inf in Linear layer 0", obj="piecewise")
bad("piecewise.linear_pieces", "hyperparameter", lambda: piecewise.count_pieces(piecewise.sawtooth_network(1), 1, 0),
    "lo < hi", "lo=1.0, hi=0.0", obj="piecewise")
bad("piecewise.linear_pieces", "NaN/inf", lambda: piecewise.count_pieces(piecewise.sawtooth_network(1), 0, np.nan),
    "hi in (-inf, inf)", "hi=nan", obj="piecewise")
bad("piecewise.sawtooth_network", "hyperparameter", lambda: piecewise.sawtooth_network(0), "depth >= 1", "depth=0",
    obj="sawtooth_network")
bad("perceptron.train_perceptron", "NaN/inf",
    lambda: perceptron.train_perceptron(np.array([[np.nan, 1.0], [0.0, 1.0]]), np.array([0, 1])), "finite inputs",
    "NaN or inf", obj="train_perceptron")
bad("perceptron.train_perceptron", "hyperparameter",
    lambda: perceptron.train_perceptron(np.eye(2), np.array([0, 1]), max_epochs=2.5), "max_epochs to be an integer",
    "float 2.5", obj="train_perceptron")
bad("perceptron.threshold_unit", "type", lambda: perceptron.threshold_unit(np.eye(2), np.ones(2), "0.5"),
    "theta to be a number", "str '0.5'", obj="threshold_unit")
bad("linalg.cosine_similarity", "shape", lambda: linalg.cosine_similarity([1, 2], [1, 2, 3]), "same length",
    "2 and 3", obj="cosine_similarity")
bad("linalg.cosine_similarity", "hyperparameter", lambda: linalg.cosine_similarity([0, 0], [1, 2]),
    "zero vector", "undefined", obj="cosine_similarity")
bad("linalg.euclidean_distance", "type", lambda: linalg.euclidean_distance(["a"], ["b"]), "real numbers", "<U1",
    obj="euclidean_distance")
bad("linalg.nearest_neighbors", "type", lambda: linalg.nearest_neighbors([0, 0], np.eye(2), k=1.5),
    "between 1 and 2", "1.5", obj="nearest_neighbors")
bad("diagnostics.confusion_matrix", "labels", lambda: diagnostics.confusion_matrix([0, 1.5], [0, 1]),
    "integer labels", "float64", obj="confusion_matrix")
bad("diagnostics.confusion_matrix", "labels", lambda: diagnostics.confusion_matrix([0, 3], [0, 1], n_classes=3),
    "labels below n_classes=3", "a label 3", obj="confusion_matrix")
bad("diagnostics.confusion_matrix", "empty", lambda: diagnostics.confusion_matrix([], []), "at least one label",
    "empty", obj="confusion_matrix")
bad("diagnostics.activation_stats", "type", lambda: diagnostics.activation_stats(nnlib.Linear(2, 2), _X),
    "a Sequential", "Linear", obj="activation_stats")
bad("diagnostics.activation_stats", "ndim",
    lambda: diagnostics.activation_stats(nnlib.Sequential(nnlib.Linear(2, 2)), np.ones(2)), "(N, D)", "(2,)",
    obj="activation_stats")
bad("diagnostics.gradient_stats", "shape",
    lambda: diagnostics.gradient_stats(nnlib.Sequential(nnlib.Linear(2, 2)), _X, np.ones((3, 2))),
    "dout of the output's shape (20, 2)", "(3, 2)", obj="gradient_stats")
bad("diagnostics.dead_relu_fraction", "type",
    lambda: diagnostics.dead_relu_fraction(nnlib.Sequential(nnlib.Linear(2, 2)), _X), "containing ReLU", "none",
    obj="dead_relu_fraction")
bad("diagnostics.format_stats", "hyperparameter", lambda: diagnostics.format_stats([], every=0), "every >= 1",
    "every=0", obj="format_stats")


# ---- backward twice: the same gradients are added again, for every layer ----------------------
def _twice(make, x, seed=0):
    def check():
        m = make()
        out = m(x)
        G = rng(seed + 7).standard_normal(out.shape).astype(out.dtype)
        m.zero_grad()
        dx1 = m.backward(G)
        first = [p.grad.copy() for p in m.parameters()]
        dx2 = m.backward(G)
        if dx1 is not None:
            np.testing.assert_array_equal(dx1, dx2)
        for p, g in zip(m.parameters(), first):
            np.testing.assert_allclose(p.grad, 2 * g, rtol=1e-12, atol=1e-15)
    return check


_ids = np.array([[0, 3, 1], [2, 2, 6]])
TWICE = {
    "Linear": (lambda: nnlib.Linear(3, 4, rng=0), x23()),
    "LayerNorm": (lambda: nnlib.LayerNorm(3), x23()),
    "BatchNorm1d": (lambda: nnlib.BatchNorm1d(3), x23()),
    "Dropout": (lambda: nnlib.Dropout(0.5, rng=0), x23()),
    "Sequential": (lambda: nnlib.Sequential(nnlib.Linear(3, 4, rng=0), nnlib.GELU(), nnlib.Linear(4, 2, rng=1)), x23()),
    "Residual": (lambda: nnlib.Residual(nnlib.Linear(3, 3, rng=0)), x23()),
    "Embedding": (lambda: nnlib.Embedding(7, 4, rng=0), _ids),
    "LearnedPositionalEmbedding": (lambda: LearnedPositionalEmbedding(5, 4, rng=0), rng().standard_normal((2, 3, 4))),
    "SinusoidalPositionalEncoding": (lambda: SinusoidalPositionalEncoding(5, 4), rng().standard_normal((2, 3, 4))),
    "MultiHeadAttention": (lambda: nnlib.MultiHeadAttention(4, 2, True, rng=0), rng().standard_normal((2, 3, 4))),
    "TransformerBlock": (lambda: nnlib.TransformerBlock(4, 2, rng=0), rng().standard_normal((2, 3, 4))),
    "DecoderLM": (lambda: nnlib.DecoderLM(7, 4, 4, 2, 1, rng=0), _ids),
    "DecoderLM_tied": (lambda: nnlib.DecoderLM(7, 4, 4, 2, 1, tie_embeddings=True, rng=0), _ids),
}
TWICE.update({name: (make, x23()) for name, make in ACTIVATIONS.items()})
for _name, (_make, _x) in TWICE.items():
    works(_name, "backward twice", _twice(_make, _x))


def _list_dout(make, x):
    """backward accepts dout as a nested list (through _check_backward), with the same result."""
    def check():
        grads = []
        for as_list in (False, True):
            m = make()
            out = m(x)
            G = rng(3).standard_normal(out.shape)
            dx = m.backward(G.tolist() if as_list else G)
            grads.append([dx] + [p.grad.copy() for p in m.parameters()])
        for a, b in zip(*grads):
            np.testing.assert_array_equal(a, b)
    return check


for _name, (_make, _x) in TWICE.items():
    if _name not in ACTIVATIONS and _name != "Linear":  # those two have list cases above
        works(_name, "list", _list_dout(_make, _x))


def _loss_backward_twice():
    for loss, args in ((nnlib.MSELoss(), (x23(), np.zeros((2, 3)))), (nnlib.CrossEntropyLoss(), (x23(), [0, 2]))):
        loss(*args)
        np.testing.assert_array_equal(loss.backward(), loss.backward())


works("MSELoss", "backward twice", _loss_backward_twice)


# ---- NaN and inf flow as in PyTorch ------------------------------------------------------------
def _torch():
    import torch
    return torch


def _t(a, grad=False):
    torch = _torch()
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


def _activation_nan_pair(name, make, torch_fn):
    def pair():
        x = np.array([[np.nan, -1.0, 0.5], [np.inf, -np.inf, 2.0]])
        m = make()
        out = m(x)
        dx = m.backward(np.ones_like(out))
        xt = _t(x, grad=name != "Step")  # torch has no derivative of heaviside (nnlib's is 0)
        yt = torch_fn(xt)
        if name == "Step":
            return [(out, yt)]
        yt.backward(_torch().ones_like(yt))
        return [(out, yt), (dx, xt.grad)]
    return pair


def _torch_activations():
    torch = _torch()
    nnf = torch.nn.functional
    return {"ReLU": torch.relu, "LeakyReLU": nnf.leaky_relu, "Sigmoid": torch.sigmoid, "Tanh": torch.tanh,
            "GELU": nnf.gelu, "GELU_tanh": lambda x: nnf.gelu(x, approximate="tanh"), "SiLU": nnf.silu,
            "Step": lambda x: torch.heaviside(x, torch.zeros((), dtype=x.dtype)),
            "Softmax": lambda x: torch.softmax(x, -1),
            "LogSoftmax": lambda x: torch.log_softmax(x, -1)}


for _name, _make in ACTIVATIONS.items():
    nan_like_torch(_name, _activation_nan_pair(_name, _make, lambda x, n=_name: _torch_activations()[n](x)))


def _linear_nan():
    lin = nnlib.Linear(3, 2, rng=0)
    x = with_nan((4, 3), (1, 2))
    out = lin(x)
    G = rng(1).standard_normal(out.shape)
    dx = lin.backward(G)
    xt, Wt, bt = _t(x, True), _t(lin.W.data, True), _t(lin.b.data, True)
    yt = xt @ Wt + bt
    yt.backward(_t(G))
    return [(out, yt), (dx, xt.grad), (lin.W.grad, Wt.grad), (lin.b.grad, bt.grad)]


def _norm_nan(make, torch_make, x):
    def pair():
        m = make()
        out = m(x)
        G = rng(2).standard_normal(out.shape)
        dx = m.backward(G)
        tm = torch_make().double()
        xt = _t(x, True)
        yt = tm(xt)
        yt.backward(_t(G))
        return [(out, yt), (dx, xt.grad), (m.gamma.grad, tm.weight.grad), (m.beta.grad, tm.bias.grad)]
    return pair


def _cross_entropy_reports_what_flows():
    # NaN logits from upstream: torch's loss is nan, nnlib's loss raises its clear error.
    with pytest.raises(ValueError, match="CrossEntropyLoss expected a finite loss, got nan"):
        nnlib.CrossEntropyLoss()(nnlib.Linear(3, 2, rng=0)(with_nan((4, 3))), np.array([0, 1, 0, 1]))
    torch = _torch()
    return [(np.array(np.nan), torch.nn.functional.cross_entropy(_t(with_nan((4, 2))), torch.tensor([0, 1, 0, 1])))]


def _sdpa_nan(causal):
    def pair():
        q = with_nan((1, 4, 3), (0, 1, 0))
        k, v = rng(1).standard_normal((1, 4, 3)), rng(2).standard_normal((1, 4, 3))
        out, _ = attention.scaled_dot_product_attention(q, k, v, causal)
        torch = _torch()
        yt = torch.nn.functional.scaled_dot_product_attention(_t(q), _t(k), _t(v), is_causal=causal)
        return [(out, yt)]
    return pair


def _optimizer_nan(opt_name):
    def pair():
        torch = _torch()
        data0 = rng().standard_normal(3)
        g = np.array([np.nan, 1.0, np.inf])
        p = nnlib.Parameter(data0.copy())
        opt = getattr(nnlib, opt_name)([p], lr=0.1)
        p.grad = g.copy()
        opt.step()
        pt = torch.nn.Parameter(_t(data0))
        opt_t = getattr(torch.optim, opt_name)([pt], lr=0.1)
        pt.grad = _t(g)
        opt_t.step()
        return [(p.data, pt.detach())]
    return pair


def _clip_nan(bad_value):
    def pair():
        torch = _torch()
        g1, g2 = np.array([1.0, bad_value]), np.array([3.0, 4.0])
        ps = [nnlib.Parameter(np.zeros(2)), nnlib.Parameter(np.zeros(2))]
        for p, g in zip(ps, (g1, g2)):
            p.grad = g.copy()
        norm = nnlib.clip_grad_norm(ps, 1.0)
        pts = [torch.nn.Parameter(_t(np.zeros(2))) for _ in range(2)]
        for p, g in zip(pts, (g1, g2)):
            p.grad = _t(g)
        norm_t = torch.nn.utils.clip_grad_norm_(pts, 1.0)
        return [(np.array(norm), norm_t), (ps[0].grad, pts[0].grad), (ps[1].grad, pts[1].grad)]
    return pair


nan_like_torch("Linear", _linear_nan)
nan_like_torch("LayerNorm", _norm_nan(lambda: nnlib.LayerNorm(3), lambda: _torch().nn.LayerNorm(3),
                                      with_nan((4, 3), (1, 1))))
nan_like_torch("BatchNorm1d", _norm_nan(lambda: nnlib.BatchNorm1d(3), lambda: _torch().nn.BatchNorm1d(3),
                                        with_nan((4, 3), (1, 1))))
nan_like_torch("CrossEntropyLoss", _cross_entropy_reports_what_flows)
nan_like_torch("scaled_dot_product_attention", _sdpa_nan(False))
nan_like_torch("scaled_dot_product_attention", _sdpa_nan(True))
for _opt_name in ("SGD", "Adam", "AdamW"):
    nan_like_torch(_opt_name, _optimizer_nan(_opt_name))
nan_like_torch("clip_grad_norm", _clip_nan(np.nan))
nan_like_torch("clip_grad_norm", _clip_nan(np.inf))
nan_like_torch("functional.softmax", lambda: [(F.softmax(np.array([[np.inf, 1.0], [-np.inf, 0.0]])),
                                               _torch().softmax(_t([[np.inf, 1.0], [-np.inf, 0.0]]), -1))])


# ---- convolution and recurrence (Chapters 7 and 8) --------------------------------------------
def _images(shape=(2, 3, 6, 6), dtype=np.float64):
    return rng().standard_normal(shape).astype(dtype)


bad("Conv2d", "shape", lambda: nnlib.Conv2d(3, 4, 3, rng=0)(_images((2, 2, 6, 6))),
    "3 input channel(s)", "(2, 2, 6, 6)", "transpose(0, 3, 1, 2)")
bad("Conv2d", "ndim", lambda: nnlib.Conv2d(3, 4, 3, rng=0)(_images((3, 6, 6))), "(N, 3, H, W)", "(3, 6, 6)", "x[None]")
bad("Conv2d", "dtype int", lambda: nnlib.Conv2d(3, 4, 3, rng=0)(np.ones((2, 3, 6, 6), int)), "floating-point", "int64")
bad("Conv2d", "dtype float16", lambda: nnlib.Conv2d(3, 4, 3, dtype=np.float16), "np.float32", "float16")
bad("Conv2d", "shape", lambda: nnlib.Conv2d(3, 4, 3, rng=0)(_images((2, 3, 2, 2))), "at least 3x3", "2x2")
bad("Conv2d", "hyperparameter", lambda: nnlib.Conv2d(3, 4, 0), "kernel_size", "integer >= 1", "got int 0")
bad("Conv2d", "hyperparameter", lambda: nnlib.Conv2d(3, 4, 3, stride=1.5), "stride", "got float 1.5")
bad("Conv2d", "hyperparameter", lambda: nnlib.Conv2d(3, 4, 3, padding=-1), "padding", "integer >= 0", "got int -1")
bad("Conv2d", "backward before forward", lambda: nnlib.Conv2d(3, 4, 3, rng=0).backward(np.ones((2, 4, 4, 4))),
    "before forward", obj="Conv2d.backward")
bad("Conv2d", "shape", lambda: after_forward(nnlib.Conv2d(3, 4, 3, rng=0), _images()).backward(np.ones((2, 4, 3, 3))),
    "(2, 4, 4, 4)", "(2, 4, 3, 3)", obj="Conv2d.backward")
bad("Conv2d", "shared module", lambda: (lambda c: nnlib.Sequential(c, c)(_images()))(
    nnlib.Conv2d(3, 3, 3, padding=1, rng=0)), "one call per forward pass", "second call", obj="Conv2d(3, 3")
bad("MaxPool2d", "hyperparameter", lambda: nnlib.MaxPool2d(0), "kernel_size", "got int 0")
bad("MaxPool2d", "ndim", lambda: nnlib.MaxPool2d(2)(np.ones((2, 6, 6))), "(N, C, H, W)", "(2, 6, 6)")
bad("MaxPool2d", "shape", lambda: nnlib.MaxPool2d(4)(np.ones((2, 1, 3, 3))), "at least 4x4", "3x3")
bad("Flatten", "ndim", lambda: nnlib.Flatten()(np.ones(3)), "at least 2 axes", "(3,)", "x[None]")
bad("Flatten", "backward before forward", lambda: nnlib.Flatten().backward(np.ones(3)), "before forward",
    obj="Flatten.backward")
for _rnn in ("RNN", "LSTM"):
    _make = getattr(nnlib, _rnn)
    bad(_rnn, "shape", lambda m=_make: m(3, 4, rng=0)(np.ones((2, 5, 2))), "(B, T, 3)", "(2, 5, 2)", "input_size=3")
    bad(_rnn, "ndim", lambda m=_make: m(3, 4, rng=0)(np.ones((5, 3))), "(B, T, 3)", "(5, 3)", "x[None]")
    bad(_rnn, "dtype int", lambda m=_make: m(3, 4, rng=0)(np.ones((2, 5, 3), int)), "float64", "int64")
    bad(_rnn, "empty", lambda m=_make: m(3, 4, rng=0)(np.ones((2, 0, 3))), "at least one step", "(2, 0, 3)")
    bad(_rnn, "hyperparameter", lambda m=_make: m(0, 4), "input_size >= 1", "got input_size=0")
    bad(_rnn, "hyperparameter", lambda m=_make: m(3, 2.5), "hidden_size", "got float 2.5")
    bad(_rnn, "backward before forward", lambda m=_make: m(3, 4, rng=0).backward(np.ones((2, 5, 4))),
        "before forward", obj=_rnn + ".backward")
    bad(_rnn, "shape", lambda m=_make: after_forward(m(3, 4, rng=0), np.ones((2, 5, 3))).backward(np.ones((2, 5, 3))),
        "(2, 5, 4)", "(2, 5, 3)", obj=_rnn + ".backward")


# ---- the tests ------------------------------------------------------------------------------
def _id(case):
    return f"{case.entry}-{case.kind}".replace(" ", "_")


ERRORS = [c for c in CASES if c.outcome == "error"]
WORKS = [c for c in CASES if c.outcome == "works"]
NANS = [c for c in CASES if c.outcome == "nan"]


def check_error(case):
    with pytest.raises(ValueError) as info:
        case.run()
    assert info.type is ValueError, f"{info.type.__name__}: {info.value}"  # not a subclass such as AxisError
    message = str(info.value)
    missing = [piece for piece in case.pieces if piece not in message]
    assert not missing, f"message {message!r} lacks {missing}"


def check_nan(case):
    with np.errstate(all="ignore"):  # inf - inf and 0 * inf are the point here; torch does not warn
        pairs = case.run()
    for ours, theirs in pairs:
        theirs = theirs.detach().numpy()
        assert np.shape(ours) == theirs.shape
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)  # equal_nan: NaN where torch has NaN


def check_works(case):
    result = case.run()
    assert result is None or result, "the check returned False"


@pytest.mark.parametrize("case", ERRORS, ids=[_id(c) for c in ERRORS])
def test_bad_input_raises_a_clear_value_error(case):
    check_error(case)


@pytest.mark.parametrize("case", WORKS, ids=[_id(c) for c in WORKS])
def test_legitimate_odd_input_works(case):
    check_works(case)


@pytest.mark.parametrize("case", NANS, ids=[_id(c) for c in NANS])
def test_nan_and_inf_flow_as_in_pytorch(case):
    pytest.importorskip("torch")
    check_nan(case)


def test_every_public_name_has_a_case():
    entries = {c.entry for c in CASES}
    names = {n for n in nnlib.__all__ if n[0].isupper() or n in (
        "fit", "predict", "evaluate", "accuracy", "grad_norms", "clip_grad_norm", "count_parameters")}
    names -= {"History"}  # a record, nothing to pass in
    missing = {n for n in names if not any(e == n or e.startswith((n + "_", n + ".")) for e in entries)}
    assert not missing, missing
    assert {c.kind for c in CASES} == set(KINDS)


def summary():
    """Run every case; return {(kind, outcome): count}, with outcome "open" for a failing case."""
    counts = Counter()
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    for case in CASES:
        check = {"error": check_error, "works": check_works, "nan": check_nan}[case.outcome]
        if case.outcome == "nan" and not have_torch:
            counts[case.kind, "skipped (no torch)"] += 1
            continue
        try:
            check(case)
            counts[case.kind, case.outcome] += 1
        except BaseException as exc:  # noqa: BLE001 (pytest's failures are BaseExceptions)
            counts[case.kind, "open"] += 1
            print(f"OPEN {_id(case)}: {type(exc).__name__}: {exc}"[:300], file=sys.stderr)
    return counts


if __name__ == "__main__":
    counts = summary()
    outcomes = ["error", "works", "nan", "open"]
    print(f"{'kind':<25}" + "".join(f"{o:>8}" for o in outcomes))
    for kind in KINDS:
        print(f"{kind:<25}" + "".join(f"{counts[kind, o]:>8}" for o in outcomes))
    print(f"{'total':<25}" + "".join(f"{sum(counts[k, o] for k in KINDS):>8}" for o in outcomes))
    good = sum(counts[k, o] for k in KINDS for o in ("error", "works"))
    print(f"good (clear error or correct result): {good}; NaN flow as in PyTorch: "
          f"{sum(counts[k, 'nan'] for k in KINDS)}; open: {sum(counts[k, 'open'] for k in KINDS)}")
