"""nnlib.autograd.Value: every operation's derivative, repeated backward, graph listing."""
import math

import numpy as np
import pytest

from nnlib import functional as F
from nnlib.autograd import Value

OPS = {
    "add": lambda a, b: a + b,
    "radd": lambda a, b: 2.0 + a * b,
    "sub": lambda a, b: a - b,
    "rsub": lambda a, b: 3.0 - a * b,
    "mul": lambda a, b: a * b * a,
    "rmul": lambda a, b: 3.0 * a + b * 0.5,
    "div": lambda a, b: a / b,
    "rdiv": lambda a, b: 2.0 / (a * b),
    "pow": lambda a, b: a**3 + b**-2,
    "neg": lambda a, b: -a * b,
    "exp": lambda a, b: (a * b).exp(),
    "log": lambda a, b: (a * a + b * b).log(),
    "tanh": lambda a, b: (a + b).tanh(),
    "relu": lambda a, b: (a - b).relu() + (b - a).relu() * 2.0,
    "sigmoid": lambda a, b: (a * b).sigmoid(),
}


def value_of(f, a, b):
    return f(Value(a), Value(b)).data


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("a,b", [(0.7, -1.3), (-0.4, 2.1)])
def test_gradients_match_central_differences(name, a, b):
    f, h = OPS[name], 1e-6
    va, vb = Value(a), Value(b)
    out = f(va, vb)
    out.backward()
    da = (value_of(f, a + h, b) - value_of(f, a - h, b)) / (2 * h)
    db = (value_of(f, a, b + h) - value_of(f, a, b - h)) / (2 * h)
    assert va.grad == pytest.approx(da, rel=1e-6, abs=1e-8)
    assert vb.grad == pytest.approx(db, rel=1e-6, abs=1e-8)


def test_backward_accumulates_like_parameters_and_zero_grad_resets():
    a, b = Value(0.2), Value(-0.3)
    c = a * b + a  # a is used twice
    out = (c * c).tanh()
    out.backward()
    first = (a.grad, b.grad, c.grad)
    assert first[0] == pytest.approx((1 - math.tanh(c.data**2) ** 2) * 2 * c.data * (b.data + 1))
    out.backward()  # the same rule as Parameter: gradients add up
    assert (a.grad, b.grad, c.grad) == pytest.approx(tuple(2 * g for g in first))
    out.zero_grad()
    assert (a.grad, b.grad, c.grad, out.grad) == (0.0, 0.0, 0.0, 0.0)
    out.backward()
    assert (a.grad, b.grad, c.grad) == pytest.approx(first)


def test_a_node_used_twice_receives_both_contributions():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    a.grad = 0.0
    (a * a).backward()
    assert a.grad == 6.0
    assert (a * a).inputs == (a, a)


def test_bad_operations_raise_clear_errors():
    with pytest.raises(ValueError, match=r"division by zero"):
        Value(1.0) / 0
    with pytest.raises(ValueError, match=r"division by zero"):
        2.0 / Value(0.0)
    with pytest.raises(ValueError, match=r"fractional power"):
        Value(-2.0) ** 0.5
    with pytest.raises(ValueError, match=r"overflows"):
        Value(1000.0).exp()
    with pytest.raises(ValueError, match=r"finite number, got nan"):
        Value(float("nan"))
    with pytest.raises(ValueError, match=r"expected a number, got str"):
        Value("x")


def test_number_to_the_power_of_a_value():
    x = Value(3.0)
    y = 2 ** x
    y.backward()
    assert y.data == 8.0 and x.grad == pytest.approx(8.0 * math.log(2.0))


def test_a_neuron_matches_nnlib_functional():
    x, w, bias = [1.0, -2.0], [0.5, 0.25], 0.1
    wv = [Value(v) for v in w]
    out = (sum((Value(xi) * wi for xi, wi in zip(x, wv)), Value(bias))).sigmoid()
    out.backward()
    z = np.dot(x, w) + bias
    assert out.data == pytest.approx(float(F.sigmoid(np.array(z))))
    assert [v.grad for v in wv] == pytest.approx(list(F.sigmoid_grad(np.array(z)) * np.array(x)))


def test_graph_lists_nodes_in_topological_order_and_edges():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    nodes, edges = d.graph()
    assert nodes[-1] is d and len(nodes) == 4
    position = {id(n): i for i, n in enumerate(nodes)}
    assert all(position[id(src)] < position[id(dst)] for src, dst in edges)
    assert {(s.label or s.op, t.op) for s, t in edges} == {("a", "*"), ("b", "*"), ("*", "+"), ("a", "+")}
    assert repr(a) == "Value(data=1.0000, grad=0.0000, label='a')"


def test_deep_graph_needs_no_recursion():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_errors():
    with pytest.raises(ValueError, match="Value.log expected a positive number, got -1.0"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match=r"Value \*\* expected a number as the exponent, got a Value"):
        Value(2.0) ** Value(2.0)
