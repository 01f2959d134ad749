"""nnlib.course.piecewise: exact linear pieces of one-input ReLU networks, on networks whose count is known."""
import numpy as np
import pytest

import nnlib
from nnlib.course import piecewise as pw


def shallow(w, b, v, c=0.0):
    """x -> sum_j v_j ReLU(w_j x + b_j) + c, as an nnlib network."""
    return pw.relu_network([np.reshape(w, (1, -1)), np.reshape(v, (-1, 1))], [b, [c]])


def agrees_with_model(model, pieces, lo, hi, n=2001):
    x = np.linspace(lo, hi, n)
    np.testing.assert_allclose(pieces(x), model(x[:, None]), rtol=1e-10, atol=1e-10)


def test_single_unit_has_two_pieces_and_its_kink():
    net = shallow([2.0], [-1.0], [1.0])  # ReLU(2x - 1): kink at 0.5
    p = pw.linear_pieces(net, -1, 1)
    assert p.n_pieces == 2
    np.testing.assert_allclose(p.breakpoints, [0.5])
    np.testing.assert_allclose(p.slopes[:, 0], [0.0, 2.0])
    np.testing.assert_allclose(p.intercepts[:, 0], [0.0, -1.0])
    agrees_with_model(net, p, -1, 1)


def test_kink_outside_the_interval_gives_one_piece():
    net = shallow([1.0], [-3.0], [1.0])  # kink at x = 3
    assert pw.count_pieces(net, -1, 1) == 1
    assert pw.count_pieces(net, -1, 4) == 2


def test_hat_function_from_three_units_has_four_pieces():
    net = shallow([1.0, 1.0, 1.0], [0.0, -0.5, -1.0], [2.0, -4.0, 2.0])
    p = pw.linear_pieces(net, -1, 2)
    assert p.n_pieces == 4
    np.testing.assert_allclose(p.breakpoints, [0.0, 0.5, 1.0], atol=1e-15)
    np.testing.assert_allclose(p.slopes[:, 0], [0.0, 2.0, -2.0, 0.0])
    agrees_with_model(net, p, -1, 2)


@pytest.mark.parametrize("k", range(1, 11))
def test_sawtooth_of_depth_k_has_two_to_the_k_pieces(k):
    net = pw.sawtooth_network(k)
    assert len([m for m in net if isinstance(m, nnlib.ReLU)]) == k
    p = pw.linear_pieces(net, 0, 1)
    assert p.n_pieces == 2**k
    np.testing.assert_allclose(p.breakpoints, np.arange(1, 2**k) / 2**k, atol=1e-12)
    agrees_with_model(net, p, 0, 1)


@pytest.mark.parametrize("width,depth", [(3, 1), (3, 2), (3, 3), (4, 2), (5, 2)])
def test_wider_folds_multiply_pieces(width, depth):
    net = pw.sawtooth_network(depth, width)
    p = pw.linear_pieces(net, 0, 1)
    assert p.n_pieces == width**depth
    agrees_with_model(net, p, 0, 1)


def test_coincident_kinks_count_once():
    # kinks at 0.3, 0.9/3 (= 0.30000000000000004 in floating point) and 0.3 again
    net = shallow([1.0, 3.0, -2.0], [-0.3, -0.9, 0.6], [1.0, 1.0, 1.0])
    p = pw.linear_pieces(net, 0, 1)
    assert p.n_pieces == 2
    np.testing.assert_allclose(p.breakpoints, [0.3])
    agrees_with_model(net, p, 0, 1)


def test_kinks_that_cancel_disappear():
    # ReLU(x) - ReLU(x) is the zero function; ReLU(x) - ReLU(-x) is the line x
    assert pw.count_pieces(shallow([1.0, 1.0], [0.0, 0.0], [1.0, -1.0]), -1, 1) == 1
    assert pw.count_pieces(shallow([1.0, -1.0], [0.0, 0.0], [1.0, -1.0]), -1, 1) == 1


def test_dead_network_is_one_piece():
    net = shallow([1.0, -1.0, 2.0], [-5.0, -5.0, -20.0], [1.0, 2.0, 3.0], c=0.7)  # no unit fires on [-1, 1]
    p = pw.linear_pieces(net, -1, 1)
    assert p.n_pieces == 1
    np.testing.assert_allclose(p.slopes, [[0.0]])
    np.testing.assert_allclose(p.intercepts, [[0.7]])
    deep = nnlib.Sequential(nnlib.Linear(1, 4, rng=0), nnlib.ReLU(), nnlib.Linear(4, 1, rng=1))
    deep[0].W.data[...] = 0.0
    deep[0].b.data[...] = -1.0  # every first-layer unit is off everywhere
    assert pw.count_pieces(deep, -10, 10) == 1


def test_zero_output_weight_removes_the_kink():
    assert pw.count_pieces(shallow([1.0, 1.0], [-0.2, -0.6], [1.0, 0.0]), 0, 1) == 2


@pytest.mark.parametrize("seed", range(20))
def test_shallow_networks_never_exceed_units_plus_one(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    net = nnlib.Sequential(nnlib.Linear(1, n, rng=rng), nnlib.ReLU(), nnlib.Linear(n, 1, rng=rng))
    net[0].b.data[...] = rng.normal(size=n)
    p = pw.linear_pieces(net, -3, 3)
    assert 1 <= p.n_pieces <= n + 1
    w, b = net[0].W.data[0], net[0].b.data
    inside = np.unique(np.round(-b / w, 9))
    inside = inside[(inside > -3) & (inside < 3)]
    assert p.n_pieces == len(inside) + 1  # generic weights: every kink inside the interval is real
    np.testing.assert_allclose(p.breakpoints, inside, atol=1e-9)
    agrees_with_model(net, p, -3, 3)


@pytest.mark.parametrize("seed", range(10))
def test_random_deep_networks_match_the_model_and_the_two_layer_bound(seed):
    rng = np.random.default_rng(100 + seed)
    n1, n2 = (int(v) for v in rng.integers(1, 8, size=2))
    net = nnlib.Sequential(nnlib.Linear(1, n1, rng=rng), nnlib.ReLU(), nnlib.Linear(n1, n2, rng=rng),
                           nnlib.ReLU(), nnlib.Linear(n2, 1, rng=rng))
    net[0].b.data[...] = rng.normal(size=n1)
    net[2].b.data[...] = rng.normal(size=n2)
    p = pw.linear_pieces(net, -3, 3)
    assert p.n_pieces <= (n1 + 1) * (n2 + 1)
    agrees_with_model(net, p, -3, 3, n=20001)
    # every breakpoint is a real kink: the slopes on either side differ
    eps = 1e-7
    x = p.breakpoints
    left = (net((x - eps)[:, None]) - net((x - 2 * eps)[:, None])) / eps
    right = (net((x + 2 * eps)[:, None]) - net((x + eps)[:, None])) / eps
    assert np.all(np.abs(left - right) > 1e-6)


def test_leaky_relu_and_vector_outputs():
    net = pw.relu_network([[[1.0, -1.0]], np.eye(2)], [[0.0, 0.5], [0.0, 0.0]], activation=nnlib.LeakyReLU)
    p = pw.linear_pieces(net, -1, 1)
    assert p.slopes.shape == (3, 2) and p.n_pieces == 3  # kinks at 0 (first output) and 0.5 (second)
    np.testing.assert_allclose(p.breakpoints, [0.0, 0.5])
    agrees_with_model(net, p, -1, 1)


def test_first_layer_alone_gives_vector_valued_pieces():
    net = pw.sawtooth_network(3)
    assert pw.count_pieces(net[:2], 0, 1) == 2  # Linear(1, 2), ReLU: kinks at 0 (the end) and 0.5


def test_float32_model_is_counted_in_float64():
    net = nnlib.Sequential(nnlib.Linear(1, 3, rng=0, dtype=np.float32), nnlib.ReLU(),
                           nnlib.Linear(3, 1, rng=1, dtype=np.float32))
    net[0].b.data[...] = np.array([0.1, -0.2, 0.3], dtype=np.float32)
    assert 1 <= pw.count_pieces(net, -2, 2) <= 4


def test_pieces_refuse_points_outside_their_interval():
    p = pw.linear_pieces(pw.sawtooth_network(2), 0, 1)
    with pytest.raises(ValueError, match=r"expected points in \[0, 1\]"):
        p(np.array([1.5]))


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="in_features=1"):
        pw.count_pieces(nnlib.Sequential(nnlib.Linear(2, 3, rng=0), nnlib.ReLU(), nnlib.Linear(3, 1, rng=0)), 0, 1)
    with pytest.raises(ValueError, match="got a Tanh layer"):
        pw.count_pieces(nnlib.Sequential(nnlib.Linear(1, 3, rng=0), nnlib.Tanh(), nnlib.Linear(3, 1, rng=0)), 0, 1)
    with pytest.raises(ValueError, match="lo < hi"):
        pw.count_pieces(pw.sawtooth_network(1), 1, 0)
    with pytest.raises(ValueError, match=r"piecewise expected hi in \(-inf, inf\), got hi=inf"):
        pw.count_pieces(pw.sawtooth_network(1), 0, np.inf)
    with pytest.raises(ValueError, match="expected an nnlib model"):
        pw.count_pieces(lambda x: x, 0, 1)
    with pytest.raises(ValueError, match="at least one Linear"):
        pw.count_pieces(nnlib.Sequential(nnlib.ReLU()), 0, 1)
    with pytest.raises(ValueError, match="expected 3 inputs"):
        pw.count_pieces(nnlib.Sequential(nnlib.Linear(1, 2, rng=0), nnlib.ReLU(), nnlib.Linear(3, 1, rng=0)), 0, 1)
    with pytest.raises(ValueError, match=r"linear_pieces expected rtol in \(0, 1\), got rtol=0"):
        pw.linear_pieces(pw.sawtooth_network(1), 0, 1, rtol=0)


def test_builders_validate_their_input():
    with pytest.raises(ValueError, match="sawtooth_network expected depth >= 1, got depth=0"):
        pw.sawtooth_network(0)
    with pytest.raises(ValueError, match="sawtooth_network expected width >= 2, got width=1"):
        pw.sawtooth_network(2, width=1)
    with pytest.raises(ValueError, match="sawtooth_network expected depth to be an integer >= 1, got float 2.5"):
        pw.sawtooth_network(2.5)
    with pytest.raises(ValueError, match="equally many"):
        pw.relu_network([np.ones((1, 2))], [])
    with pytest.raises(ValueError, match=r"bias of shape \(2,\)"):
        pw.relu_network([np.ones((1, 2))], [np.ones(3)])
    with pytest.raises(ValueError, match="2 rows"):
        pw.relu_network([np.ones((1, 2)), np.ones((3, 1))], [np.zeros(2), np.zeros(1)])


def test_sawtooth_parameter_count():
    for k in range(1, 6):
        assert nnlib.count_parameters(pw.sawtooth_network(k)) == 6 * k + 1
