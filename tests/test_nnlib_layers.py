"""nnlib layers and activation modules: gradient checks, dtypes, modes and error messages."""
import numpy as np
import pytest

from nnlib.activations import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Step, Tanh
from nnlib.gradcheck import check_module, numerical_gradient, rel_error
from nnlib.layers import BatchNorm1d, Dropout, LayerNorm, Linear, Residual, Sequential

TOL = 1e-7  # float64 gradient checks: worst relative error per array


def away_from_zero(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    return np.where(np.abs(x) < 0.05, 0.5, x)  # keep ReLU-like kinks out of reach of h


def assert_gradcheck(module, x, seed):
    errors = check_module(module, x, seed=seed + 100)  # G independent of x
    assert set(errors) == {"input"} | {name for name, _ in module.named_parameters()}
    assert errors.max_error < TOL, str(errors)


SHAPES = [((4, 3), 0), ((2, 5), 1), ((2, 3, 3), 2)]  # (N, D) and (B, T, D)


@pytest.mark.parametrize("shape,seed", SHAPES)
def test_linear_gradcheck(shape, seed):
    assert_gradcheck(Linear(shape[-1], 4, rng=seed), away_from_zero(shape, seed), seed)


@pytest.mark.parametrize("shape,seed", SHAPES)
def test_layernorm_gradcheck(shape, seed):
    ln = LayerNorm(shape[-1])
    rng = np.random.default_rng(seed)
    ln.gamma.data[...] = rng.standard_normal(shape[-1])  # not the trivial ones/zeros
    ln.beta.data[...] = rng.standard_normal(shape[-1])
    assert_gradcheck(ln, away_from_zero(shape, seed), seed)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape,seed", [((5, 3), 0), ((4, 2), 1)])
def test_batchnorm_gradcheck(shape, seed, training):
    bn = BatchNorm1d(shape[1])
    rng = np.random.default_rng(seed)
    bn.gamma.data[...] = rng.standard_normal(shape[1])
    bn.running_mean[...] = rng.standard_normal(shape[1])
    bn.running_var[...] = rng.uniform(0.5, 2.0, shape[1])
    bn.train(training)
    assert_gradcheck(bn, away_from_zero(shape, seed), seed)


@pytest.mark.parametrize("shape,seed", SHAPES)
def test_residual_and_sequential_gradcheck(shape, seed):
    D = shape[-1]
    block = Sequential(
        Linear(D, 6, rng=seed), GELU(), Linear(6, D, rng=seed + 1), Residual(Sequential(LayerNorm(D), Linear(D, D, rng=seed + 2), Tanh()))
    )
    assert_gradcheck(block, away_from_zero(shape, seed), seed)


ACTIVATIONS = [ReLU, lambda: LeakyReLU(0.1), Sigmoid, Tanh, GELU, lambda: GELU("tanh"), SiLU,
               Softmax, lambda: Softmax(axis=0), LogSoftmax, Step]
ACT_IDS = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "GELU_tanh", "SiLU", "Softmax",
           "Softmax_axis0", "LogSoftmax", "Step"]


@pytest.mark.parametrize("make", ACTIVATIONS, ids=ACT_IDS)
@pytest.mark.parametrize("shape,seed", SHAPES)
def test_activation_module_gradcheck(make, shape, seed):
    assert_gradcheck(make(), away_from_zero(shape, seed), seed)


@pytest.mark.parametrize("p,seed", [(0.3, 0), (0.5, 1)])
def test_dropout_gradcheck_with_a_fixed_mask(p, seed):
    x = away_from_zero((6, 4), seed)
    G = np.random.default_rng(seed + 1).standard_normal(x.shape)
    drop = Dropout(p, rng=seed)

    def f(z):
        drop.rng = np.random.default_rng(seed)  # the same mask in every forward pass
        return np.sum(drop(z) * G)

    f(x)
    dx = drop.backward(G)
    assert rel_error(dx, numerical_gradient(f, x)) < TOL


def test_dropout_is_inverted_and_identity_in_eval():
    x = np.ones((200, 50))
    drop = Dropout(0.25, rng=0)
    out = drop(x)
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.02
    assert abs(out.mean() - 1.0) < 0.03  # expectation preserved
    np.testing.assert_array_equal(drop.backward(np.ones_like(x)), out)
    drop.eval()
    assert drop(x) is x
    np.testing.assert_array_equal(drop.backward(x), x)


def test_batchnorm_running_statistics_follow_pytorch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3)) * 2 + 1
    bn = BatchNorm1d(3, momentum=0.1)
    bn(x)
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.var(axis=0, ddof=1))
    bn.eval()
    out = bn(x)
    np.testing.assert_allclose(out, (x - bn.running_mean) / np.sqrt(bn.running_var + 1e-5))


def test_layernorm_normalises_each_row():
    x = np.random.default_rng(0).standard_normal((2, 3, 8)) * 5 + 3
    out = LayerNorm(8)(x)
    np.testing.assert_allclose(out.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=-1), 1, atol=1e-4)


def test_linear_computes_x_at_W_plus_b_with_in_out_layout():
    lin = Linear(3, 4, rng=0)
    assert lin.W.data.shape == (3, 4) and lin.b.data.shape == (4,)
    lin.b.data[...] = [1, 2, 3, 4]
    x = np.random.default_rng(1).standard_normal((2, 5, 3))
    np.testing.assert_allclose(lin(x), x @ lin.W.data + lin.b.data)


def test_backward_accumulates_and_zero_grad_resets():
    lin = Linear(3, 2, rng=0)
    x, d = np.ones((4, 3)), np.ones((4, 2))
    lin(x)
    lin.backward(d)
    first = lin.W.grad.copy()
    lin.backward(d)
    np.testing.assert_allclose(lin.W.grad, 2 * first)
    lin.zero_grad()
    np.testing.assert_array_equal(lin.W.grad, 0)
    lin.backward(d)  # after zero_grad the product is written directly: same values
    np.testing.assert_allclose(lin.W.grad, first)


def test_linear_backward_when_only_one_gradient_was_zeroed():
    # each gradient follows its own state: W restarts from zero while b keeps accumulating,
    # then the reverse
    lin = Linear(3, 2, rng=0)
    x = np.random.default_rng(1).standard_normal((4, 3))
    d = np.random.default_rng(2).standard_normal((4, 2))
    lin(x)
    lin.backward(d)
    dW, db = x.T @ d, d.sum(axis=0)
    lin.W.zero_grad()
    lin.backward(d)
    np.testing.assert_allclose(lin.W.grad, dW)
    np.testing.assert_allclose(lin.b.grad, 2 * db)
    lin.b.zero_grad()
    lin.backward(d)
    np.testing.assert_allclose(lin.W.grad, 2 * dW)
    np.testing.assert_allclose(lin.b.grad, db)


def test_input_grad_false_skips_dx_but_keeps_parameter_gradients():
    model = Sequential(ReLU(), Linear(3, 4, rng=0), ReLU(), Linear(4, 2, rng=1))
    x = away_from_zero((5, 3), 0)
    d = np.random.default_rng(2).standard_normal((5, 2))
    model(x)
    model.backward(d)
    full = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    model(x)
    assert model.backward(d, input_grad=False) is None
    for p, g in zip(model.parameters(), full):
        np.testing.assert_allclose(p.grad, g)
    res = Residual(Linear(3, 3, rng=0))
    res(x)
    assert res.backward(np.ones((5, 3)), input_grad=False) is None
    assert np.any(res.module.W.grad != 0)


# -- float32 in, float32 out --------------------------------------------------------
F32_MODULES = [
    lambda: Linear(4, 3, rng=0, dtype=np.float32),
    lambda: LayerNorm(4, dtype=np.float32),
    lambda: BatchNorm1d(4, dtype=np.float32),
    lambda: BatchNorm1d(4, dtype=np.float32).eval(),
    lambda: Dropout(0.5, rng=0),
    lambda: Residual(Linear(4, 4, rng=0, dtype=np.float32)),
    lambda: Sequential(Linear(4, 4, rng=0, dtype=np.float32), ReLU()),
] + ACTIVATIONS
F32_IDS = ["Linear", "LayerNorm", "BatchNorm1d", "BatchNorm1d_eval", "Dropout", "Residual", "Sequential"] + ACT_IDS


@pytest.mark.parametrize("make", F32_MODULES, ids=F32_IDS)
def test_float32_in_float32_out(make):
    module = make()
    x = away_from_zero((5, 4), 0).astype(np.float32)
    out = module(x)
    assert out.dtype == np.float32
    dx = module.backward(np.ones_like(out))
    assert dx.dtype == np.float32
    for p in module.parameters():
        assert p.data.dtype == np.float32 and p.grad.dtype == np.float32


def test_float32_3d_inputs_for_transformer_layers():
    x = away_from_zero((2, 3, 4), 0).astype(np.float32)
    for module in (Linear(4, 5, dtype=np.float32, rng=0), LayerNorm(4, dtype=np.float32), GELU(), Dropout(0.1, rng=0)):
        out = module(x)
        assert out.dtype == np.float32 and out.shape[:2] == (2, 3)
        assert module.backward(np.ones_like(out)).shape == x.shape


# -- error messages -------------------------------------------------------------------
def test_linear_wrong_feature_count():
    with pytest.raises(ValueError, match=r"Linear expected input with 3 features.*got shape \(2, 5\).*wrong feature count"):
        Linear(3, 4, rng=0)(np.ones((2, 5)))


def test_linear_one_dimensional_batch():
    with pytest.raises(ValueError, match=r"Linear expected a batch of shape \(N, 3\).*got shape \(3,\).*1-D batch.*reshape"):
        Linear(3, 4, rng=0)(np.ones(3))


def test_dtype_mismatch_between_input_and_weights():
    with pytest.raises(ValueError, match=r"Linear expected input of dtype float64.*got float32.*dtype mismatch"):
        Linear(3, 4, rng=0)(np.ones((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"LayerNorm expected input of dtype float32.*got float64"):
        LayerNorm(3, dtype=np.float32)(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Linear expected input of dtype float64.*got int64.*astype"):
        Linear(3, 4, rng=0)(np.ones((2, 3), dtype=np.int64))


@pytest.mark.parametrize("make", [lambda: Linear(3, 2, rng=0), ReLU, lambda: LayerNorm(3), lambda: BatchNorm1d(3),
                                  Sigmoid, Softmax, lambda: Dropout(0.5), lambda: Residual(Tanh())],
                         ids=["Linear", "ReLU", "LayerNorm", "BatchNorm1d", "Sigmoid", "Softmax", "Dropout", "Residual"])
def test_backward_before_forward(make):
    module = make()
    with pytest.raises(ValueError, match=rf"{type(module).__name__}\.backward was called before forward"):
        module.backward(np.ones((2, 3)))


def test_backward_with_wrong_dout_shape():
    lin = Linear(3, 2, rng=0)
    lin(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"Linear.backward expected dout of shape \(4, 2\).*got \(5, 2\)"):
        lin.backward(np.ones((5, 2)))


def test_other_layer_errors():
    with pytest.raises(ValueError, match=r"LayerNorm expected input of shape \(N, 4\).*got shape \(2, 3\)"):
        LayerNorm(4)(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"BatchNorm1d expected input of shape \(N, 4\).*got shape \(2, 3, 4\)"):
        BatchNorm1d(4)(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"BatchNorm1d expected a batch of at least 2.*model.eval\(\)"):
        BatchNorm1d(4)(np.ones((1, 4)))
    with pytest.raises(ValueError, match=r"Residual expected its module to keep the input shape \(2, 3\).*\(2, 4\)"):
        Residual(Linear(3, 4, rng=0))(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Dropout expected p in \[0, 1\), got p=1"):
        Dropout(1)
    with pytest.raises(ValueError, match=r"ReLU expected a floating-point input, got dtype int64"):
        ReLU()(np.array([[1, 2]]))
    with pytest.raises(ValueError, match=r"Linear expected init to be one of .*got .magic."):
        Linear(2, 2, init="magic")
    with pytest.raises(ValueError, match=r"Sequential expected Module arguments.*got ufunc"):
        Sequential(np.tanh)


def test_error_names_the_layer_inside_sequential():
    model = Sequential(Linear(4, 8, rng=0), ReLU(), Linear(6, 2, rng=1))
    with pytest.raises(ValueError, match=r"Linear expected input with 6 features.*got shape \(3, 8\)"):
        model(np.ones((3, 4)))
