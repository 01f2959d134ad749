"""nnlib.conv: Conv2d, MaxPool2d and Flatten against finite differences, naive loops and PyTorch."""
import math

import numpy as np
import pytest

from nnlib.activations import ReLU
from nnlib.conv import Conv2d, Flatten, MaxPool2d
from nnlib.gradcheck import check_module, normwise_error
from nnlib.layers import Linear
from nnlib.module import Sequential, count_parameters

TOL = 1e-7  # float64 gradient checks: worst entrywise relative error per array (rel_error)
# Conv2d is linear in x and in W, so a central difference is exact whatever the step: a large
# step h keeps the round-off (about 1e-16 * |L| / h) far below TOL even for tiny gradient entries.
H_LINEAR = 1e-3
TORCH_TOL = 1e-10  # float64 agreement with PyTorch: normwise error (max |a - b| / max |b|) per array

# (N, C_in, H, W, C_out, kernel_size, stride, padding)
CONV_CONFIGS = [
    (2, 1, 5, 5, 3, 3, 1, 0),  # grey-scale images, square kernel
    (2, 2, 6, 5, 3, 3, 2, 1),  # stride 2, padding 1, rectangular image
    (1, 3, 5, 7, 2, (2, 3), (2, 1), (1, 0)),  # batch 1, non-square kernel, stride and padding per axis
    (3, 2, 4, 4, 2, (3, 1), 1, (0, 2)),  # a column kernel, padding wider than the kernel
    (2, 2, 7, 6, 3, 3, 3, 2),  # stride 3 (the last rows are dropped), padding 2
    (2, 2, 3, 3, 2, 5, 1, 1),  # kernel larger than the image, but not than the padded image
]
CONV_IDS = ["gray", "stride2_pad1_rect", "batch1_nonsquare", "column_kernel", "stride3_pad2", "big_kernel"]


def make_conv(config, seed=0, dtype=np.float64):
    N, C, H, W, C_out, k, s, p = config
    conv = Conv2d(C, C_out, k, stride=s, padding=p, rng=seed, dtype=dtype)
    conv.b.data[...] = np.random.default_rng(seed + 1).standard_normal(C_out)  # a nonzero bias
    x = np.random.default_rng(seed + 2).standard_normal((N, C, H, W)).astype(dtype)
    return conv, x


def pair(v):
    return tuple(v) if isinstance(v, tuple) else (v, v)


def naive_correlation(x, W, stride=(1, 1), padding=(0, 0)):
    """The definition, one output value at a time: sum_{c,i,j} W[o, c, i, j] xp[n, c, s*y + i, s*x + j]."""
    (sH, sW), (pH, pW) = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (pH, pH), (pW, pW)))
    N, C, Hp, Wp = xp.shape
    C_out, _, kH, kW = W.shape
    out = np.zeros((N, C_out, (Hp - kH) // sH + 1, (Wp - kW) // sW + 1))
    for n in range(N):
        for o in range(C_out):
            for y in range(out.shape[2]):
                for x_ in range(out.shape[3]):
                    for c in range(C):
                        for i in range(kH):
                            for j in range(kW):
                                out[n, o, y, x_] += W[o, c, i, j] * xp[n, c, sH * y + i, sW * x_ + j]
    return out


def torch_or_skip():
    return pytest.importorskip("torch")


# -- the forward pass ----------------------------------------------------------------------
@pytest.mark.parametrize("config", CONV_CONFIGS, ids=CONV_IDS)
def test_conv2d_equals_the_naive_loops(config):
    conv, x = make_conv(config)
    expected = naive_correlation(x, conv.W.data, conv.stride, conv.padding) + conv.b.data[:, None, None]
    np.testing.assert_allclose(conv(x), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("H,W,k,s,p", [(8, 8, 3, 1, 1), (28, 28, 5, 1, 0), (7, 9, (3, 2), (2, 3), (1, 0)),
                                       (5, 5, 5, 2, 2), (6, 4, 2, 2, 0), (3, 3, 1, 1, 0)])
def test_output_size_is_floor_of_h_plus_2p_minus_k_over_s_plus_1(H, W, k, s, p):
    conv = Conv2d(2, 3, k, stride=s, padding=p, rng=0)
    (kH, kW), (sH, sW), (pH, pW) = pair(k), pair(s), pair(p)
    out = conv(np.ones((1, 2, H, W)))
    assert out.shape == (1, 3, math.floor((H + 2 * pH - kH) / sH) + 1, math.floor((W + 2 * pW - kW) / sW) + 1)


def test_one_kernel_by_hand():
    """A 3x3 image, a 2x2 kernel: every output is one window times the kernel, summed."""
    conv = Conv2d(1, 1, 2, rng=0)
    conv.W.data[...] = [[[[1, 0], [0, -1]]]]  # top-left minus bottom-right
    x = np.arange(9.0).reshape(1, 1, 3, 3)  # [[0 1 2] [3 4 5] [6 7 8]]
    np.testing.assert_array_equal(conv(x), [[[[0 - 4, 1 - 5], [3 - 7, 4 - 8]]]])


def test_weight_sharing_a_shifted_pattern_gives_a_shifted_response():
    conv, _ = make_conv((1, 1, 9, 9, 2, 3, 1, 0))
    conv.b.data[...] = 0
    x = np.zeros((1, 1, 9, 9))
    x[0, 0, 1:4, 1:4] = np.random.default_rng(0).standard_normal((3, 3))
    shifted = np.roll(x, (2, 3), axis=(2, 3))
    np.testing.assert_allclose(conv(shifted)[:, :, 2:, 3:], conv(x)[:, :, :-2, :-3], atol=1e-14)


def test_channels_last_and_strided_inputs_give_the_same_result():
    conv, x = make_conv((2, 3, 6, 5, 4, 3, 1, 1))
    expected = np.array(conv(x))
    channels_last = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(conv(channels_last), expected)
    bigger = np.zeros((2, 3, 12, 10))
    bigger[:, :, ::2, ::2] = x
    np.testing.assert_array_equal(conv(bigger[:, :, ::2, ::2]), expected)
    np.testing.assert_array_equal(conv(x.tolist()), expected)


# -- the backward pass ---------------------------------------------------------------------
@pytest.mark.parametrize("config", CONV_CONFIGS, ids=CONV_IDS)
def test_conv2d_gradcheck(config):
    conv, x = make_conv(config)
    errors = check_module(conv, x, seed=7, h=H_LINEAR)
    assert set(errors) == {"input", "W", "b"}
    assert errors.max_error < TOL, str(errors)


@pytest.mark.parametrize("config", [(2, 2, 6, 5, 3, 3, 1, 1), (1, 3, 5, 7, 2, (2, 3), 1, 0),
                                    (2, 2, 7, 6, 3, 3, 2, 1), (2, 1, 6, 6, 2, (3, 2), (2, 3), (0, 1))],
                         ids=["pad1", "nonsquare", "stride2", "strides23"])
def test_backward_is_two_correlations(config):
    """dW = the input correlated with dout; dx = the full correlation of dout with the flipped kernel."""
    conv, x = make_conv(config)
    N, C, H, W, C_out, k, s, p = config
    (kH, kW), (sH, sW), (pH, pW) = pair(k), pair(s), pair(p)
    out = conv(x)
    G = np.random.default_rng(3).standard_normal(out.shape)
    dx = conv.backward(G)
    # dout with s - 1 zeros between entries: the gradient of a stride-1 output grid
    dilated = np.zeros((N, C_out, (out.shape[2] - 1) * sH + 1, (out.shape[3] - 1) * sW + 1))
    dilated[:, :, ::sH, ::sW] = G
    # dW[o, c] = sum_n xp[n, c] correlated with dilated dout[n, o] (an image times an image)
    xp = np.pad(x, ((0, 0), (0, 0), (pH, pH), (pW, pW)))
    dW = naive_correlation(xp.transpose(1, 0, 2, 3), dilated.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    np.testing.assert_allclose(conv.W.grad, dW[:, :, :kH, :kW], rtol=1e-12, atol=1e-12)
    # dx: pad with k - 1 zeros, correlate with W flipped and its channel axes swapped, crop the padding
    Hp, Wp = H + 2 * pH, W + 2 * pW
    full = np.zeros((N, C_out, Hp + kH - 1, Wp + kW - 1))
    full[:, :, kH - 1:kH - 1 + dilated.shape[2], kW - 1:kW - 1 + dilated.shape[3]] = dilated
    flipped = conv.W.data[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    dxp = naive_correlation(full, flipped)
    np.testing.assert_allclose(dx, dxp[:, :, pH:pH + H, pW:pW + W], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv.b.grad, G.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_reused_window_memory_keeps_each_pass_right():
    """Conv2d copies the windows into the same memory when the shape repeats; outputs stay intact."""
    conv, x1 = make_conv((2, 3, 6, 5, 4, 3, 1, 1))
    fresh, _ = make_conv((2, 3, 6, 5, 4, 3, 1, 1))
    x2 = np.random.default_rng(9).standard_normal(x1.shape)
    G = np.random.default_rng(3).standard_normal((2, 4, 6, 5))
    out1 = conv(x1)
    kept = np.array(out1)
    conv(x2)  # the second pass writes its windows where the first pass's were
    np.testing.assert_array_equal(out1, kept)
    fresh(x2)
    np.testing.assert_array_equal(conv.backward(G), fresh.backward(G))  # the gradient of the last pass
    np.testing.assert_array_equal(conv.W.grad, fresh.W.grad)


def test_conv2d_input_grad_false_and_accumulation():
    conv, x = make_conv((2, 2, 5, 5, 3, 3, 1, 1))
    G = np.random.default_rng(1).standard_normal((2, 3, 5, 5))
    conv(x)
    dx = conv.backward(G)
    first = [conv.W.grad.copy(), conv.b.grad.copy()]
    conv.backward(G)  # accumulates: twice the gradient
    np.testing.assert_allclose(conv.W.grad, 2 * first[0])
    np.testing.assert_allclose(conv.b.grad, 2 * first[1])
    conv.zero_grad()
    conv(x)
    assert conv.backward(G, input_grad=False) is None
    np.testing.assert_allclose(conv.W.grad, first[0])
    np.testing.assert_allclose(conv.b.grad, first[1])
    assert dx.shape == x.shape


def test_a_small_cnn_gradcheck():
    """Conv -> ReLU -> MaxPool -> Conv (stride 2) -> Flatten -> Linear, as Chapter 7 builds it."""
    model = Sequential(Conv2d(1, 3, 3, padding=1, rng=0), ReLU(), MaxPool2d(2),
                       Conv2d(3, 4, 2, stride=2, rng=1), ReLU(), Flatten(), Linear(4 * 2 * 2, 5, rng=2))
    x = np.random.default_rng(3).standard_normal((2, 1, 8, 8))
    errors = check_module(model, x, seed=4, error="normwise")  # normwise: ReLU zeros some gradients exactly
    assert errors.max_error < TOL, str(errors)


# -- PyTorch -----------------------------------------------------------------------------------
@pytest.mark.parametrize("config", CONV_CONFIGS, ids=CONV_IDS)
def test_conv2d_matches_torch(config):
    torch = torch_or_skip()
    conv, x = make_conv(config)
    out = conv(x)
    G = np.random.default_rng(5).standard_normal(out.shape)
    dx = conv.backward(G)
    xt = torch.tensor(x, requires_grad=True)
    Wt = torch.tensor(conv.W.data, requires_grad=True)  # the same (C_out, C_in, kH, kW) layout
    bt = torch.tensor(conv.b.data, requires_grad=True)
    out_t = torch.nn.functional.conv2d(xt, Wt, bt, stride=conv.stride, padding=conv.padding)
    out_t.backward(torch.tensor(G))
    for ours, theirs in [(out, out_t.detach()), (dx, xt.grad), (conv.W.grad, Wt.grad), (conv.b.grad, bt.grad)]:
        assert normwise_error(ours, theirs.numpy()) < TORCH_TOL


def test_conv2d_parameter_count_and_layout_match_torch():
    conv = Conv2d(3, 8, (3, 5), rng=0)
    assert conv.W.data.shape == (8, 3, 3, 5) and conv.b.data.shape == (8,)
    assert count_parameters(conv) == 8 * 3 * 3 * 5 + 8 == 368
    torch = torch_or_skip()
    assert sum(p.numel() for p in torch.nn.Conv2d(3, 8, (3, 5)).parameters()) == 368


@pytest.mark.parametrize("init,variance", [("he", lambda fi, fo: 2 / fi), ("he_uniform", lambda fi, fo: 2 / fi),
                                           ("xavier", lambda fi, fo: 2 / (fi + fo)),
                                           ("xavier_uniform", lambda fi, fo: 2 / (fi + fo))])
def test_initial_variance_uses_the_fans_of_a_convolution(init, variance):
    """fan_in = C_in*kH*kW and fan_out = C_out*kH*kW (PyTorch's), not nnlib.init.fans(W.shape)."""
    C_in, C_out, kH, kW = 8, 64, 5, 3
    W = Conv2d(C_in, C_out, (kH, kW), rng=0, init=init).W.data  # 7680 weights
    expected = variance(C_in * kH * kW, C_out * kH * kW)
    assert abs(W.var() / expected - 1) < 0.05  # the sampling error of a variance of 7680 draws is ~2%
    wrong = variance(C_out * C_in * kH, kW)  # what the (fan_in, fan_out) = (prod(shape[:-1]), shape[-1]) rule gives
    assert abs(W.var() / wrong - 1) > 0.5
    assert abs(W.mean()) < 0.1 * math.sqrt(expected)


def test_conv2d_keeps_float32():
    conv, x = make_conv((2, 3, 6, 6, 4, 3, 2, 1), dtype=np.float32)
    out = conv(x)
    dx = conv.backward(np.ones_like(out))
    assert out.dtype == dx.dtype == np.float32
    assert conv.W.data.dtype == conv.W.grad.dtype == conv.b.grad.dtype == np.float32


# -- MaxPool2d ------------------------------------------------------------------------------
def distinct_values(shape, seed):
    """A random arrangement of 0.1, 0.2, ...: no ties, and every gap far larger than the step h."""
    return (np.random.default_rng(seed).permutation(math.prod(shape)) + 1.0).reshape(shape) / 10


def naive_max_pool(x, k, s):
    (kH, kW), (sH, sW) = pair(k), pair(s)
    N, C, H, W = x.shape
    out = np.empty((N, C, (H - kH) // sH + 1, (W - kW) // sW + 1))
    for y in range(out.shape[2]):
        for x_ in range(out.shape[3]):
            out[:, :, y, x_] = x[:, :, sH * y:sH * y + kH, sW * x_:sW * x_ + kW].max(axis=(2, 3))
    return out


POOL_CONFIGS = [((2, 3, 4, 4), 2, None), ((1, 2, 5, 7), 2, None), ((2, 1, 5, 5), 3, 2),
                ((2, 2, 6, 5), (2, 3), (1, 2)), ((1, 1, 4, 6), (1, 2), None), ((1, 2, 8, 7), 2, 3)]
POOL_IDS = ["2x2", "odd_sizes_drop_edges", "overlapping_3_stride2", "nonsquare_strides", "1x2", "gaps_stride3"]


@pytest.mark.parametrize("shape,k,s", POOL_CONFIGS, ids=POOL_IDS)
def test_maxpool_forward_and_gradcheck(shape, k, s):
    pool = MaxPool2d(k, s)
    x = distinct_values(shape, seed=0)
    np.testing.assert_array_equal(pool(x), naive_max_pool(x, k, k if s is None else s))
    errors = check_module(pool, x, seed=1)
    assert errors.max_error < TOL, str(errors)


def test_maxpool_routes_ties_to_the_first_maximum_in_row_major_order():
    x = np.array([[[[1.0, 1.0, 0.0],
                    [1.0, 1.0, 1.0],
                    [0.0, 1.0, 1.0]]]])
    pool = MaxPool2d(2, stride=1)  # four overlapping windows, each full of ties
    np.testing.assert_array_equal(pool(x), np.ones((1, 1, 2, 2)))
    dx = pool.backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    # each window's first maximum is its top-left entry: (0,0), (0,1), (1,0), (1,1)
    np.testing.assert_array_equal(dx, [[[[1.0, 2.0, 0.0], [3.0, 4.0, 0.0], [0.0, 0.0, 0.0]]]])


@pytest.mark.parametrize("k,s", [(2, None), (3, 1), ((2, 3), (2, 1))], ids=["2x2", "overlapping", "nonsquare"])
def test_maxpool_with_ties_matches_torch(k, s):
    torch = torch_or_skip()
    x = np.random.default_rng(0).integers(0, 3, size=(2, 3, 7, 8)).astype(np.float64)  # many ties
    pool = MaxPool2d(k, s)
    out = pool(x)
    G = np.random.default_rng(1).standard_normal(out.shape)
    dx = pool.backward(G)
    xt = torch.tensor(x, requires_grad=True)
    out_t = torch.nn.functional.max_pool2d(xt, k, s)
    out_t.backward(torch.tensor(G))
    np.testing.assert_array_equal(out, out_t.detach().numpy())
    assert normwise_error(dx, xt.grad.numpy()) < TORCH_TOL


def test_maxpool_keeps_float32_and_has_no_parameters():
    pool = MaxPool2d(2)
    out = pool(distinct_values((2, 2, 4, 4), 0).astype(np.float32))
    assert out.dtype == pool.backward(np.ones_like(out)).dtype == np.float32
    assert count_parameters(pool) == 0 and pool.stride == (2, 2)


# -- Flatten ------------------------------------------------------------------------------------
def test_flatten_round_trip_in_torch_order():
    x = np.random.default_rng(0).standard_normal((3, 2, 4, 5)).astype(np.float32)
    flat = Flatten()
    out = flat(x)
    assert out.shape == (3, 40) and out.dtype == np.float32
    np.testing.assert_array_equal(out[1], x[1].ravel())  # channel slowest, column fastest
    G = np.random.default_rng(1).standard_normal((3, 40)).astype(np.float32)
    np.testing.assert_array_equal(flat.backward(G), G.reshape(3, 2, 4, 5))
    assert flat.backward(G, input_grad=False) is None
    torch = torch_or_skip()
    np.testing.assert_array_equal(out, torch.nn.Flatten()(torch.from_numpy(x)).numpy())


# -- error messages ---------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,message", [
    (dict(in_channels=0), r"Conv2d expected in_channels >= 1, got in_channels=0"),
    (dict(out_channels=-2), r"Conv2d expected out_channels >= 1, got out_channels=-2"),
    (dict(in_channels=2.0), r"Conv2d expected in_channels to be an integer >= 1, got float 2.0"),
    (dict(kernel_size=0), r"Conv2d expected kernel_size to be an integer >= 1 or a pair.*got (\w+ )?0"),
    (dict(kernel_size=(3, 0)), r"Conv2d expected kernel_size to be an integer >= 1.*got (\w+ )?\(3, 0\)"),
    (dict(kernel_size=2.5), r"Conv2d expected kernel_size to be an integer >= 1.*got (\w+ )?2.5"),
    (dict(kernel_size=(3, 3, 3)), r"Conv2d expected kernel_size.*pair.*got (\w+ )?\(3, 3, 3\)"),
    (dict(stride=0), r"Conv2d expected stride to be an integer >= 1.*got (\w+ )?0"),
    (dict(padding=-1), r"Conv2d expected padding to be an integer >= 0.*got (\w+ )?-1"),
    (dict(padding=True), r"Conv2d expected padding to be an integer >= 0.*got (\w+ )?True"),
    (dict(init="magic"), r"Conv2d: unknown init 'magic'; expected one of"),
    (dict(dtype=np.int64), r"Conv2d expected dtype np.float64 or np.float32, got int64: parameters must be floating point"),
    (dict(dtype=np.float16), r"Conv2d expected dtype np.float64 or np.float32, got float16: float16 has 3 significant digits"),
    (dict(rng="seed"), r"Conv2d expected rng, a seed \(int >= 0\) or a numpy.random.Generator, got str 'seed'"),
])
def test_conv2d_bad_arguments(kwargs, message):
    args = dict(in_channels=2, out_channels=3, kernel_size=3) | kwargs
    with pytest.raises(ValueError, match=message):
        Conv2d(args.pop("in_channels"), args.pop("out_channels"), args.pop("kernel_size"), **args)


@pytest.mark.parametrize("x,message", [
    (np.ones((3, 8, 8)), r"Conv2d expected a batch of images of shape \(N, 3, H, W\), got shape \(3, 8, 8\): "
                         r"a 3-D input. One image: use x\[None\]"),
    (np.ones((4, 192)), r"Conv2d expected a batch of images.*got shape \(4, 192\): a 2-D input.*x.reshape\(N, C, H, W\)"),
    (np.ones((2, 1, 8, 8)), r"Conv2d expected 3 input channel\(s\) \(shape \(N, 3, H, W\)\), got shape \(2, 1, 8, 8\): "
                            r"wrong channel count.*in_channels=3"),
    (np.ones((2, 8, 8, 3)), r"Conv2d expected 3 input channel\(s\).*got shape \(2, 8, 8, 3\).*transpose\(0, 3, 1, 2\)"),
    (np.ones((2, 3, 2, 8)), r"Conv2d expected images of at least 5x5 after padding \(the kernel size\), got 2x8 with "
                            r"padding \(1, 1\), i.e. 4x10: the kernel is larger than the padded input"),
    (np.ones((0, 3, 8, 8)), r"Conv2d expected a non-empty batch of images, got shape \(0, 3, 8, 8\)"),
    (np.ones((2, 3, 8, 8), dtype=np.float32), r"Conv2d expected input of dtype float64.*got float32.*dtype=np.float32"),
    (np.ones((2, 3, 8, 8), dtype=np.int64), r"Conv2d expected a floating-point input, got dtype int64"),
    (np.ones((2, 3, 8, 8), dtype=np.float16), r"Conv2d expected input of dtype float64.*got float16"),
])
def test_conv2d_bad_inputs(x, message):
    with pytest.raises(ValueError, match=message):
        Conv2d(3, 4, 5, padding=1, rng=0)(x)


def test_backward_errors():
    for layer, x in [(Conv2d(1, 2, 3, rng=0), np.ones((2, 1, 5, 5))), (MaxPool2d(2), np.ones((2, 1, 4, 4))),
                     (Flatten(), np.ones((2, 1, 4, 4)))]:
        name = type(layer).__name__
        with pytest.raises(ValueError, match=rf"{name}\.backward was called before forward"):
            layer.backward(np.ones((2, 2, 3, 3)))
        out = layer(x)
        with pytest.raises(ValueError, match=rf"{name}\.backward expected dout of shape {re_shape(out.shape)}.*got \(3,"):
            layer.backward(np.ones((3,) + out.shape[1:]))


def re_shape(shape):
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")


@pytest.mark.parametrize("make,x,message", [
    (lambda: MaxPool2d(3), np.ones((1, 1, 2, 5)), r"MaxPool2d expected images of at least 3x3.*got 2x5"),
    (lambda: MaxPool2d(2), np.ones((4, 4)), r"MaxPool2d expected a batch of images of shape \(N, C, H, W\), got shape \(4, 4\)"),
    (lambda: MaxPool2d(2), np.ones((1, 1, 4, 4), dtype=np.int32), r"MaxPool2d expected a floating-point input, got dtype int32"),
    (lambda: Flatten(), np.ones(5), r"Flatten expected a batch of shape \(N, \.\.\.\) with at least 2 axes, got shape \(5,\)"),
    (lambda: Flatten(), np.ones((2, 3), dtype=np.int64), r"Flatten expected a floating-point input, got dtype int64"),
    (lambda: Flatten(), np.ones((0, 3)), r"Flatten expected a non-empty batch, got shape \(0, 3\)"),
])
def test_pool_and_flatten_bad_inputs(make, x, message):
    with pytest.raises(ValueError, match=message):
        make()(x)


@pytest.mark.parametrize("args,message", [((0,), r"MaxPool2d expected kernel_size to be an integer >= 1.*got (\w+ )?0"),
                                          ((2, 0), r"MaxPool2d expected stride to be an integer >= 1.*got (\w+ )?0"),
                                          (((2, -1),), r"MaxPool2d expected kernel_size.*got (\w+ )?\(2, -1\)")])
def test_maxpool_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        MaxPool2d(*args)
