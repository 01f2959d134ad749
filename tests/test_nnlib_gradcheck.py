"""nnlib.gradcheck: numerical gradients, relative error and the module checker."""
import numpy as np

from nnlib.activations import ReLU
from nnlib.gradcheck import check_module, normwise_error, numerical_gradient, rel_error
from nnlib.layers import Linear
from nnlib.module import Module


def test_numerical_gradient_of_a_known_function_restores_x():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    grad = numerical_gradient(lambda z: np.sum(z**3), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_rel_error():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert abs(rel_error(1.0, 1.1) - 0.1 / 2.1) < 1e-12
    assert rel_error(1e-12, 3e-11) < 1e-2  # a floor of 1e-8 keeps true zeros from reporting 1.0
    assert rel_error(0.0, 0.0) == 0.0


class BrokenLinear(Linear):
    def backward(self, dout, input_grad=True):
        dx = super().backward(dout, input_grad)
        self.b.grad *= 2  # a wrong bias gradient
        return dx


def test_check_module_reports_per_name_and_catches_a_bug():
    x = np.random.default_rng(0).standard_normal((4, 3))
    good = check_module(Linear(3, 2, rng=0), x)
    assert set(good) == {"input", "W", "b"} and good.ok
    bad = check_module(BrokenLinear(3, 2, rng=0), x)
    assert bad["b"] > 0.1 and bad["W"] < 1e-7 and not bad.ok
    text = str(bad)
    assert text.splitlines()[0].startswith("name") and "FAIL" in text and "ok" in text


def test_check_module_on_a_parameter_free_module():
    class Square(Module):
        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, dout):
            return 2 * self.x * dout

    errors = check_module(Square(), np.array([[1.0, -2.0]]))
    assert list(errors) == ["input"] and errors["input"] < 1e-9
    assert check_module(ReLU(), np.array([[1.0, -2.0]])).ok


class ZeroBiasEffect(Module):
    """out = x * w + (b - b): the true gradient of b is exactly zero."""

    def __init__(self):
        super().__init__()
        from nnlib.module import Parameter
        self.w = Parameter(np.array([1.5, -0.5]))
        self.b = Parameter(np.array([0.3, 0.7]))

    def forward(self, x):
        self.x = x
        return x * self.w.data + (self.b.data * 1e3 - self.b.data * 1e3)

    def backward(self, dout):
        self.w.grad += np.sum(dout * self.x, axis=0)
        return dout * self.w.data  # b.grad stays exactly 0, the truth


def test_normwise_error_measures_against_the_array_scale():
    # A true zero gradient against finite-difference noise of 1e-6:
    assert normwise_error(np.array([1.0, 0.0]), np.array([1.0, 1e-6])) < 2e-6
    assert rel_error(np.array([1.0, 0.0]), np.array([1.0, 1e-6])) > 0.5   # entrywise: "wrong"
    assert normwise_error(np.zeros(3), np.zeros(3)) == 0.0
    assert abs(normwise_error(np.array([2.0, 1.0]), np.array([1.0, 1.0])) - 0.5) < 1e-15


def test_check_module_normwise_accepts_an_exactly_zero_gradient():
    x = np.random.default_rng(1).standard_normal((3, 2))
    normwise = check_module(ZeroBiasEffect(), x, error="normwise")
    assert normwise.ok and normwise["b"] < 1e-7
    with np.testing.assert_raises(ValueError):
        check_module(ZeroBiasEffect(), x, error="max")
