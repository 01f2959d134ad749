"""nnlib.functional: values, derivatives (against central differences), stability, dtypes."""
import math
import warnings

import numpy as np
import pytest

from nnlib import functional as F
from nnlib.gradcheck import numerical_gradient, rel_error

TOL = 1e-7  # float64 gradient checks

ELEMENTWISE = [
    (F.relu, F.relu_grad),
    (F.leaky_relu, F.leaky_relu_grad),
    (lambda x: F.leaky_relu(x, 0.2), lambda x: F.leaky_relu_grad(x, 0.2)),
    (F.sigmoid, F.sigmoid_grad),
    (F.tanh, F.tanh_grad),
    (F.gelu, F.gelu_grad),
    (lambda x: F.gelu(x, "tanh"), lambda x: F.gelu_grad(x, "tanh")),
    (F.silu, F.silu_grad),
    (F.step, F.step_grad),
]
IDS = ["relu", "leaky_relu", "leaky_relu_0.2", "sigmoid", "tanh", "gelu", "gelu_tanh", "silu", "step"]


def away_from_kinks(shape, seed):
    """Random inputs at least 0.01 away from 0, where relu/step have their kink."""
    x = np.random.default_rng(seed).standard_normal(shape)
    return np.where(np.abs(x) < 0.01, 0.5, x)


@pytest.mark.parametrize("fn,grad", ELEMENTWISE, ids=IDS)
@pytest.mark.parametrize("shape,seed", [((5,), 0), ((3, 4), 1), ((2, 3, 4), 2)])
def test_elementwise_derivative_matches_central_difference(fn, grad, shape, seed):
    x = away_from_kinks(shape, seed)
    G = np.random.default_rng(seed + 10).standard_normal(shape)
    numeric = numerical_gradient(lambda z: np.sum(fn(z) * G), x)
    assert rel_error(grad(x) * G, numeric) < TOL


@pytest.mark.parametrize("fn,grad", ELEMENTWISE, ids=IDS)
def test_elementwise_float32_stays_float32(fn, grad):
    x = away_from_kinks((4, 3), 0).astype(np.float32)
    assert fn(x).dtype == np.float32
    assert grad(x).dtype == np.float32


def test_known_values():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(F.relu(x), [0, 0, 3])
    np.testing.assert_allclose(F.leaky_relu(x), [-0.02, 0, 3])
    np.testing.assert_allclose(F.sigmoid(np.array([0.0])), [0.5])
    np.testing.assert_allclose(F.step(x), [0, 0, 1])
    np.testing.assert_allclose(F.silu(x), x / (1 + np.exp(-x)))
    exact = [0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x]
    np.testing.assert_allclose(F.gelu(x), exact, rtol=1e-14, atol=1e-15)
    # the tanh approximation stays within 1e-3 of the exact GELU
    grid = np.linspace(-6, 6, 1001)
    assert np.max(np.abs(F.gelu(grid, "tanh") - F.gelu(grid))) < 1e-3


def test_sigmoid_is_stable_for_large_inputs():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow warning fails the test
        s = F.sigmoid(x)
        g = F.sigmoid_grad(x)
        s32 = F.sigmoid(x.astype(np.float32))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert np.all(np.isfinite(g)) and np.all(np.isfinite(s32))


def test_softmax_is_stable_and_sums_to_one():
    x = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = F.softmax(x)
        ls = F.log_softmax(x)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0)
    np.testing.assert_allclose(y[0], F.softmax(np.array([0.0, 1.0, 2.0])))
    assert np.all(np.isfinite(ls))
    np.testing.assert_allclose(ls[1], [-2000.0, -1000.0, 0.0])
    np.testing.assert_allclose(np.exp(F.log_softmax(x[:1])), y[:1])


@pytest.mark.parametrize("shape,axis", [((4,), -1), ((3, 5), -1), ((3, 5), 0), ((2, 3, 4), 1)])
def test_softmax_backward_is_the_jacobian_vector_product(shape, axis):
    rng = np.random.default_rng(len(shape))
    x, G = rng.standard_normal(shape), rng.standard_normal(shape)
    numeric = numerical_gradient(lambda z: np.sum(F.softmax(z, axis) * G), x)
    assert rel_error(F.softmax_backward(F.softmax(x, axis), G, axis), numeric) < TOL
    numeric = numerical_gradient(lambda z: np.sum(F.log_softmax(z, axis) * G), x)
    assert rel_error(F.log_softmax_backward(F.log_softmax(x, axis), G, axis), numeric) < TOL


def test_softmax_float32_stays_float32():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    y = F.softmax(x)
    assert y.dtype == np.float32
    assert F.softmax_backward(y, x).dtype == np.float32
    assert F.log_softmax(x).dtype == np.float32
    assert F.log_softmax_backward(F.log_softmax(x), x).dtype == np.float32


def test_integer_input_becomes_float64():
    assert F.relu(np.array([-1, 2])).dtype == np.float64


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="gelu expected approximate 'none' or 'tanh', got 'fast'"):
        F.gelu(np.zeros(2), approximate="fast")
