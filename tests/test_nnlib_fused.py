"""The fast paths of nnlib against their readable versions (issue 17 / issue 18 §4).

Every fused or in-place computation must give what the readable formula gives: to float64
round-off where the operations differ in order, bit for bit where they are the same
operations. Shapes are chosen so that the block-by-block kernels run over several blocks
(``nnlib.fused.BLOCK`` entries each) and over a last, partial block.
"""
import contextlib
import math
from unittest import mock

import numpy as np
import pytest

from nnlib import containers, fused
from nnlib import functional as F
from nnlib.activations import GELU, ReLU
from nnlib.embedding import Embedding
from nnlib.layers import Dropout, LayerNorm, Linear, Residual, Sequential
from nnlib.optim import SGD, Adam, AdamW
from nnlib.parameter import Parameter

ROWS = fused.BLOCK // 64 * 2 + 7  # with 64 features: two full blocks and a partial one


def readable_layer_norm(x, gamma, beta, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    xhat = (x - mean) / np.sqrt(var + eps)
    return gamma * xhat + beta, xhat, 1 / np.sqrt(var + eps)


def readable_layer_norm_backward(dout, xhat, inv_std, gamma):
    dxhat = dout * gamma
    return inv_std * (dxhat - dxhat.mean(axis=-1, keepdims=True) - xhat * (dxhat * xhat).mean(axis=-1, keepdims=True))


@pytest.mark.parametrize("shape", [(ROWS, 64), (3, ROWS // 3, 64), (5, 7), (1, 1)])
def test_tanh_gelu_kernels_equal_the_functional_formulas(shape):
    rng = np.random.default_rng(0)
    x, dout = rng.standard_normal(shape) * 3, rng.standard_normal(shape)
    out, t = fused.tanh_gelu(x)
    np.testing.assert_allclose(out, F.gelu(x, "tanh"), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(t, np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(fused.tanh_gelu_backward(x, t, dout), dout * F.gelu_grad(x, "tanh"),
                               rtol=1e-12, atol=1e-14)


def test_tanh_gelu_module_on_a_non_contiguous_float32_input():
    x = np.random.default_rng(1).standard_normal((64, 300)).astype(np.float32)[:, ::2]  # strided view
    G = np.random.default_rng(2).standard_normal(x.shape).astype(np.float32)
    fast, ref = fused.TanhGELU(), GELU("tanh")
    out = fast(x)
    assert out.dtype == np.float32 and out.shape == x.shape
    np.testing.assert_allclose(out, ref(x), rtol=1e-5, atol=1e-6)
    dx = fast.backward(G)
    assert dx.dtype == np.float32
    np.testing.assert_allclose(dx, ref.backward(G), rtol=1e-5, atol=1e-6)
    assert fast.backward(G, input_grad=False) is None


@pytest.mark.parametrize("shape", [(ROWS, 64), (2, ROWS // 2, 64), (4, 3), (1, 5)])
def test_layer_norm_kernels_equal_the_docstring_formulas(shape):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape) * 2 + 1
    gamma, beta, dout = rng.standard_normal(shape[-1]), rng.standard_normal(shape[-1]), rng.standard_normal(shape)
    out, xhat, inv_std = fused.layer_norm(x, gamma, beta, 1e-5)
    ref_out, ref_xhat, ref_inv = readable_layer_norm(x, gamma, beta, 1e-5)
    for got, ref in ((out, ref_out), (xhat, ref_xhat), (inv_std, ref_inv)):
        assert got.shape == ref.shape
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(fused.layer_norm_backward(dout, xhat, inv_std, gamma),
                               readable_layer_norm_backward(dout, ref_xhat, ref_inv, gamma), rtol=1e-11, atol=1e-12)


def test_layer_norm_module_gradients_equal_the_formulas_over_several_blocks():
    rng = np.random.default_rng(4)
    ln = LayerNorm(64)
    ln.gamma.data[...], ln.beta.data[...] = rng.standard_normal(64), rng.standard_normal(64)
    x, dout = rng.standard_normal((ROWS, 64)), rng.standard_normal((ROWS, 64))
    ref_out, xhat, inv_std = readable_layer_norm(x, ln.gamma.data, ln.beta.data, ln.eps)
    np.testing.assert_allclose(ln(x), ref_out, rtol=1e-12, atol=1e-13)
    dx = ln.backward(dout)
    np.testing.assert_allclose(dx, readable_layer_norm_backward(dout, xhat, inv_std, ln.gamma.data), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(ln.gamma.grad, (dout * xhat).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(ln.beta.grad, dout.sum(axis=0), rtol=1e-12)


def test_relu_derivative_from_the_output_equals_the_one_from_the_input():
    x = np.array([-2.0, -0.0, 0.0, 1e-300, 3.0, np.nan, np.inf, -np.inf])
    np.testing.assert_array_equal(F.relu_grad(x, F.relu(x)), F.relu_grad(x))  # NaN passes dout, as in PyTorch
    relu = ReLU()
    relu(x)
    np.testing.assert_array_equal(relu.backward(np.full(x.shape, 2.0)), 2.0 * F.relu_grad(x))


def test_add_sum_writes_after_zero_grad_and_accumulates_otherwise():
    p = Parameter(np.ones(3))
    g = np.arange(6.0).reshape(2, 3)
    p.grad[...] = 5.0
    p.zero_grad()
    p.add_sum(g)
    np.testing.assert_array_equal(p.grad, [3, 5, 7])
    p.add_sum(g)
    np.testing.assert_array_equal(p.grad, [6, 10, 14])


def test_linear_on_batches_of_sequences_equals_the_row_by_row_products():
    lin = Linear(4, 3, rng=0)
    lin.b.data[...] = [1.0, -2.0, 0.5]
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 5, 4))
    G = rng.standard_normal((2, 5, 3))
    expected = np.stack([xb @ lin.W.data + lin.b.data for xb in x])
    for inp in (x, np.asfortranarray(x)):  # the 2-D product path and the batched one
        lin.zero_grad()
        np.testing.assert_allclose(lin(inp), expected, rtol=1e-14, atol=1e-15)
        dx = lin.backward(G)
        np.testing.assert_allclose(dx, G @ lin.W.data.T, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(lin.W.grad, sum(xb.T @ gb for xb, gb in zip(x, G)), rtol=1e-13)
        np.testing.assert_allclose(lin.b.grad, G.sum(axis=(0, 1)), rtol=1e-14)


def test_embedding_backward_equals_np_add_at_bit_for_bit():
    rng = np.random.default_rng(6)
    emb = Embedding(7, 5, rng=0)
    ids = rng.integers(0, 7, size=(4, 9))
    G = rng.standard_normal((4, 9, 5))
    expected = np.zeros((7, 5))
    np.add.at(expected, ids.reshape(-1), G.reshape(-1, 5))
    emb(ids)
    emb.zero_grad()
    emb.backward(G)
    np.testing.assert_array_equal(emb.W.grad, expected)
    emb.W.grad = np.asfortranarray(np.ones((7, 5)))  # a gradient array that is not C-contiguous
    emb.backward(G)
    expected = np.ones((7, 5))
    np.add.at(expected, ids.reshape(-1), G.reshape(-1, 5))
    np.testing.assert_array_equal(emb.W.grad, expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1), lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
                                  lambda ps: Adam(ps, lr=0.01, weight_decay=0.1), lambda ps: AdamW(ps, lr=0.01)],
                         ids=["sgd", "sgd_momentum", "adam", "adamw"])
def test_optimizers_with_work_arrays_equal_the_temporaries_version(make, dtype):
    # The in-place update (a work array per parameter, the hyperparameters as scalars of the
    # parameter's dtype) must give the same bits as the expression with temporaries and Python
    # floats it replaced, step after step.
    rng = np.random.default_rng(7)
    p = Parameter(rng.standard_normal((3, 4)).astype(dtype))
    q = Parameter(p.data.copy())
    opt, ref = make([p]), make([q])
    ref_state = {"m": np.zeros_like(q.data), "v": np.zeros_like(q.data), "vel": None, "t": 0}
    for _ in range(3):
        g = rng.standard_normal((3, 4)).astype(dtype)
        p.grad = g.copy()
        opt.step()
        _reference_step(ref, q, g, ref_state)
        np.testing.assert_array_equal(p.data, q.data)


def _reference_step(opt, p, g, s):
    """The update rules with temporaries, as the docstrings state them."""
    if isinstance(opt, Adam):
        b1, b2 = opt.betas
        s["t"] += 1
        if opt.weight_decay and opt.decoupled:
            p.data *= 1 - opt.lr * opt.weight_decay
        elif opt.weight_decay:
            g = g + opt.weight_decay * p.data
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * (g * g)
        denom = np.sqrt(s["v"]) / math.sqrt(1 - b2 ** s["t"]) + opt.eps  # a Python float: float32 stays float32
        p.data -= opt.lr / (1 - b1 ** s["t"]) * (s["m"] / denom)
        return
    if opt.weight_decay:
        g = g + opt.weight_decay * p.data
    if opt.momentum:
        s["vel"] = g.copy() if s["vel"] is None else opt.momentum * s["vel"] + g
        g = s["vel"]
    p.data -= opt.lr * g


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(5,), (32, 64), (2, 3, 4), (1100, 1000)])  # the last one is over 4 MB
def test_relu_against_its_cached_zeros_is_max_with_zero(shape, dtype):
    # ReLU compares x with a shared, read-only array of zeros (faster than the scalar 0);
    # the bits must be those of np.maximum(x, 0), with signed zeros, infinities and NaN.
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    flat[:4] = [-0.0, np.nan, -np.inf, np.inf]
    layer, other = ReLU(), ReLU()
    out = layer(x)
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    assert out.tobytes() == np.maximum(x, 0).tobytes()
    other(x)
    if x.nbytes <= 4 << 20:
        assert layer._zeros is other._zeros and layer._zeros.shape == x.shape  # one array per shape
        assert not layer._zeros.flags.writeable
    out[...] = 7  # the output is the layer's own array: writing into it changes neither x nor the zeros
    assert not np.any(layer._zeros) and np.isnan(x.reshape(-1)[1])
    np.testing.assert_array_equal(layer(x[:1]), np.maximum(x[:1], 0))  # another shape: new zeros
    dx = layer.backward(np.ones_like(x[:1]))
    np.testing.assert_array_equal(dx, F.relu_grad(x[:1]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("make", [lambda ps: Adam(ps, lr=0.01), lambda ps: Adam(ps, lr=0.01, weight_decay=0.1),
                                  lambda ps: AdamW(ps, lr=0.01, weight_decay=0.1)], ids=["adam", "adam_l2", "adamw"])
def test_adam_on_many_small_parameters_at_once_gives_the_same_bits(make, dtype):
    # For many small parameters Adam works on one flat array (optim._FlatState); the
    # parameter-by-parameter loop must give the same parameters and moments, bit for bit.
    rng = np.random.default_rng(11)
    shapes = [(3, 4), (4,), (4, 5), (5,), (5, 1), (1,)]
    ps = [Parameter(rng.standard_normal(s).astype(dtype)) for s in shapes]
    qs = [Parameter(p.data.copy()) for p in ps]
    flat, loop = make(ps), make(qs)
    assert flat._flat is not None
    loop._flat = None
    loop.m, loop.v = [np.zeros_like(q.data) for q in qs], [np.zeros_like(q.data) for q in qs]
    for _ in range(4):
        for p, q in zip(ps, qs):
            p.grad = rng.standard_normal(p.shape).astype(dtype)
            q.grad = p.grad.copy()
        flat.step()
        loop.step()
        for p, q, m1, m2, v1, v2 in zip(ps, qs, flat.m, loop.m, flat.v, loop.v):
            assert p.data.tobytes() == q.data.tobytes() and m1.tobytes() == m2.tobytes() and v1.tobytes() == v2.tobytes()
    assert Adam([Parameter(np.zeros((784, 256))), Parameter(np.zeros(256))])._flat is None  # large: one by one
    assert Adam([Parameter(np.zeros(3)), Parameter(np.zeros(3, np.float32))])._flat is None  # mixed dtypes


@contextlib.contextmanager
def _ordinary_path(*modules):
    """Within the block, Sequential runs every module by its own forward and backward: no Linear +
    ReLU step, and the given modules' ReLUs never write in place (the reference for the fast paths)."""
    for module in modules:
        for m in _walk(module):
            m._in_place = False
    with mock.patch.object(containers, "_linear_relu_forward", lambda *args: None), \
            mock.patch.object(containers, "_linear_relu_backward", lambda *args: containers._NOT_RUN):
        yield


class _Keeps(Linear):
    """A Linear that keeps every output (as a probe or a user's hook might)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outputs = []

    def forward(self, x):
        out = super().forward(x)
        self.outputs.append(out)
        return out


class _ReturnsView(Linear):
    """A Linear whose output is a view of an array it keeps."""

    def forward(self, x):
        self.full = super().forward(x)
        return self.full[:, :]


class _KeepsGradient(Linear):
    """A Linear whose backward returns an input gradient that it keeps as well."""

    def backward(self, dout, input_grad=True):
        self.dx = super().backward(dout, input_grad)
        return self.dx


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("before, after, in_place", [
    (Linear, Linear, (True, True)),  # the common case: both written in place
    (_Keeps, Linear, (False, True)),  # the pre-activation is kept by someone
    (_ReturnsView, Linear, (False, True)),  # a view: its base is someone's array
    (Linear, _KeepsGradient, (True, False)),  # the gradient is kept by the layer that made it
], ids=["plain", "kept-output", "view", "kept-gradient"])
def test_relu_inside_sequential_overwrites_only_arrays_nobody_else_holds(before, after, in_place, dtype, monkeypatch):
    # Inside Sequential, ReLU writes max(x, 0) into the previous layer's fresh output, and its
    # gradient into the next layer's fresh dx, when the reference count says that nothing else
    # refers to them. The numbers must be the ordinary path's, bit for bit, and an array that
    # someone else holds must keep its values. (Small arrays, as here, are overwritten only
    # below the size threshold set to 0; with the default they never are.)
    monkeypatch.setattr(containers, "IN_PLACE_MIN_BYTES", 0)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((9, 4)).astype(dtype)
    dout = rng.standard_normal((9, 3)).astype(dtype)

    def chain():
        return Sequential(before(4, 6, rng=1, dtype=dtype), ReLU(), after(6, 3, rng=2, dtype=dtype))

    net, ref = chain(), chain()
    used = []  # what was written in place: "forward" (max(x, 0) into x) or "backward" (the mask into dout)
    for name, what in (("_forward_in_place", "forward"), ("_backward_in_place", "backward")):
        method = getattr(net[1], name)
        setattr(net[1], name, lambda a, method=method, what=what: (used.append(what), method(a))[1])
    step_forward, step_backward = containers._linear_relu_forward, containers._linear_relu_backward

    def record_forward(*args):  # the Linear + ReLU step writes max(x W + b, 0) into x W
        out = step_forward(*args)
        return out if out is None else (used.append("forward"), out)[1]

    def record_backward(lin, relu, dout, fresh, input_grad):  # and the mask into dout if fresh
        dx = step_backward(lin, relu, dout, fresh, input_grad)
        if dx is not containers._NOT_RUN and fresh:
            used.append("backward")
        return dx

    monkeypatch.setattr(containers, "_linear_relu_forward", record_forward)
    monkeypatch.setattr(containers, "_linear_relu_backward", record_backward)
    for _ in range(3):  # the first call sets up ReLU's zeros; the later ones may write in place
        out = net(x)
        with _ordinary_path(ref):
            expected = ref(x)
        assert out.tobytes() == expected.tobytes()
        net.zero_grad(), ref.zero_grad()
        dx = net.backward(dout)
        with _ordinary_path(ref):
            dx_ref = ref.backward(dout)
        assert dx.tobytes() == dx_ref.tobytes()
        for p, q in zip(net.parameters(), ref.parameters()):
            assert p.grad.tobytes() == q.grad.tobytes()
    pre = (x @ net[0].W.data + net[0].b.data).tobytes()  # the pre-activation, negative entries and all
    if before is _Keeps:
        assert all(kept.tobytes() == pre for kept in net[0].outputs)
    if before is _ReturnsView:
        assert net[0].full.tobytes() == pre
    if after is _KeepsGradient:
        assert net[2].dx.tobytes() == ref[2].dx.tobytes()
        assert (net[2].dx[net[1]._y == 0] != 0).any()  # not multiplied by ReLU's mask
    if containers._SOLE:
        assert ("forward" in used, "backward" in used) == in_place
    else:  # an interpreter whose reference counts do not tell (see containers._sole_count)
        assert used == (["forward"] * 3 if before is Linear else [])  # the Linear + ReLU step still runs


class _ReadOnlyOutput(Linear):
    """A Linear whose output is a fresh array marked read-only."""

    def forward(self, x):
        out = super().forward(x)
        out.flags.writeable = False
        return out


class _ReLU6(ReLU):
    """A ReLU subclass with its own forward: min(relu(x), 6)."""

    def forward(self, x):
        return np.minimum(super().forward(x), 6.0)


@pytest.mark.parametrize("make", [
    lambda: Sequential(_ReadOnlyOutput(4, 6, rng=1), ReLU(), Linear(6, 3, rng=2)),
    lambda: Sequential(ReLU(), Linear(4, 3, rng=2)),  # the first layer gets the caller's own input
    lambda: Sequential(Linear(4, 6, rng=1), Dropout(0.5, rng=0).eval(), ReLU(), Linear(6, 3, rng=2)),
    lambda: Sequential(Sequential(Linear(4, 6, rng=1), ReLU()), Residual(Sequential(Linear(6, 6, rng=3), ReLU())),
                       ReLU(), Linear(6, 3, rng=2)),
    lambda: Sequential(Linear(4, 6, rng=1), _ReLU6(), Linear(6, 3, rng=2)),
], ids=["read-only", "relu-first", "dropout-eval", "nested-and-residual", "subclass"])
def test_in_place_relu_gives_the_ordinary_numbers_in_other_chains(make, monkeypatch):
    monkeypatch.setattr(containers, "IN_PLACE_MIN_BYTES", 0)
    rng = np.random.default_rng(7)
    x = 4 * rng.standard_normal((9, 4))
    x_before = x.copy()
    dout = rng.standard_normal((9, 3))
    net, ref = make(), make()
    for _ in range(3):
        out = net(x)
        with _ordinary_path(ref):
            expected = ref(x)
        assert out.tobytes() == expected.tobytes()
        net.zero_grad(), ref.zero_grad()
        for _ in range(2):  # a second backward after one forward adds the same gradients again
            dx = net.backward(dout)
            with _ordinary_path(ref):
                assert dx.tobytes() == ref.backward(dout).tobytes()
        for p, q in zip(net.parameters(), ref.parameters()):
            assert p.grad.tobytes() == q.grad.tobytes()
    assert x.tobytes() == x_before.tobytes()  # the caller's input is never written


def _walk(module):
    yield module
    for _, child in module.named_children():
        yield from _walk(child)


def test_a_hook_on_a_relu_instance_runs_inside_sequential(monkeypatch):
    # course.diagnostics.dead_relu_fraction replaces each ReLU's forward on the instance; on a
    # model that has run before (its ReLUs ready to write in place) the hook must still run.
    from nnlib.course.diagnostics import dead_relu_fraction

    monkeypatch.setattr(containers, "IN_PLACE_MIN_BYTES", 0)
    x = np.random.default_rng(0).standard_normal((50, 4))
    net = Sequential(Linear(4, 8, rng=1), ReLU(), Linear(8, 8, rng=2), ReLU(), Linear(8, 3, rng=3))
    fresh = dead_relu_fraction(net, x)
    net(x)
    net.backward(np.ones((50, 3)))
    assert dead_relu_fraction(net, x) == fresh and set(fresh) == {"1", "3"}
    seen = []
    relu = net[1]
    relu.backward = lambda dout, input_grad=True: (seen.append(dout.shape), ReLU.backward(relu, dout))[1]
    net(x)
    net.backward(np.ones((50, 3)))
    assert seen == [(50, 8)]


class _Plain(Linear):
    """A subclass that changes nothing: Sequential treats it as any other module (no Linear + ReLU step)."""


def test_small_arrays_are_not_overwritten_but_large_ones_are():
    # Below containers.IN_PLACE_MIN_BYTES a new array costs less than the checks.
    used = []
    for n in (8, 4096):  # rows of 8 float64s: 512 B per array; 256 KB per array
        net = Sequential(_Plain(8, 8, rng=1), ReLU(), Linear(8, 2, rng=2))
        method = net[1]._forward_in_place
        net[1]._forward_in_place = lambda a, method=method: (used.append(a.nbytes), method(a))[1]
        x = np.ones((n, 8))
        for _ in range(2):
            net(x)
    assert used == [4096 * 8 * 8] * 2 and containers.IN_PLACE_MIN_BYTES <= 4096 * 8 * 8


def test_relu_called_on_its_own_never_writes_into_its_input():
    x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    before = x.copy()
    relu = ReLU()
    for _ in range(2):
        relu(x)
        relu.backward(np.ones_like(x))
    assert x.tobytes() == before.tobytes()


def _mlp(dtype, widths=(5, 7, 7, 6, 3)):
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers += [Linear(a, b, rng=i, dtype=dtype)] + ([ReLU()] if i < len(widths) - 2 else [])
    return Sequential(*layers)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("input_grad", [True, False])
def test_linear_relu_steps_give_the_ordinary_bits_and_write_in_place_after_the_first(dtype, input_grad, monkeypatch):
    # Sequential runs each Linear + ReLU as one step (containers._linear_relu_forward/backward).
    # Over three steps of SGD: outputs, input gradients, every gradient and weight as the modules
    # called one by one give them. Backward, every step but the one nearest the loss gets the
    # new dx of the step above, which nobody else holds, and writes its mask into it.
    rng = np.random.default_rng(3)
    x = rng.standard_normal((11, 5)).astype(dtype)
    dout = rng.standard_normal((11, 3)).astype(dtype)
    net, ref = _mlp(dtype), _mlp(dtype)
    opt, opt_ref = SGD(net.parameters(), lr=0.1), SGD(ref.parameters(), lr=0.1)
    fresh = []
    step_backward = containers._linear_relu_backward
    monkeypatch.setattr(containers, "_linear_relu_backward",
                        lambda lin, relu, d, f, ig: (fresh.append(f), step_backward(lin, relu, d, f, ig))[1])
    for _ in range(3):
        opt.zero_grad(), opt_ref.zero_grad()
        out = net(x)
        with _ordinary_path(ref):
            expected = ref(x)
            dx_ref = ref.backward(dout, input_grad=input_grad)
        dx = net.backward(dout, input_grad=input_grad)
        assert out.tobytes() == expected.tobytes()
        assert (dx is None and dx_ref is None) if not input_grad else dx.tobytes() == dx_ref.tobytes()
        for p, q in zip(net.parameters(), ref.parameters()):
            assert p.grad.tobytes() == q.grad.tobytes()
        opt.step(), opt_ref.step()
        for p, q in zip(net.parameters(), ref.parameters()):
            assert p.data.tobytes() == q.data.tobytes()
    assert fresh == [False, True, True] * 3  # the first gets the last Linear's small dx: not checked, not written


def test_a_hook_on_a_linear_instance_runs_and_keeps_its_output_inside_sequential():
    # A forward replaced on a Linear instance (a probe that keeps each output) turns its
    # Linear + ReLU step off: the hook runs and what it keeps is not overwritten by the ReLU.
    x = np.random.default_rng(1).standard_normal((6, 5))
    net, kept = _mlp(np.float64), []
    lin = net[2]
    lin.forward = lambda a: (kept.append(Linear.forward(lin, a)), kept[-1])[1]
    out = net(x)
    h = np.maximum(x @ net[0].W.data + net[0].b.data, 0)
    assert len(kept) == 1 and kept[0].tobytes() == (h @ lin.W.data + lin.b.data).tobytes()
    assert (kept[0] < 0).any() and out.shape == (6, 3)


def test_a_layer_called_again_on_its_own_makes_sequential_backward_check_it_as_usual():
    # After model(x), model[0](x2) on a batch of 4 replaces what the first Linear keeps; the
    # Linear + ReLU step no longer applies, and backward reports the mismatch as Linear does.
    rng = np.random.default_rng(2)
    net = _mlp(np.float64)
    net(rng.standard_normal((6, 5)))
    net[0](rng.standard_normal((4, 5)))
    with pytest.raises(ValueError, match=r"Linear.backward expected dout of shape \(4, 7\)"):
        net.backward(np.ones((6, 3)))


@pytest.mark.parametrize("twice", ["linear", "relu", "both"])
def test_a_module_used_twice_is_refused_inside_a_linear_relu_step(twice):
    lin, relu = Linear(4, 4, rng=0), ReLU()
    second = {"linear": (lin, ReLU()), "relu": (Linear(4, 4, rng=1), relu), "both": (lin, relu)}[twice]
    net = Sequential(lin, relu, *second)
    with pytest.raises(ValueError, match="expected one call per forward pass"):
        net(np.ones((2, 4)))


def test_a_linear_relu_step_refuses_an_input_of_another_dtype_as_linear_does():
    net = Sequential(Linear(4, 3, rng=0), ReLU())
    with pytest.raises(ValueError, match="Linear") as raised:
        net(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError) as alone:
        Linear(4, 3, rng=0)(np.ones((2, 4), np.float32))
    assert str(raised.value) == str(alone.value)
