"""nnlib.init: the variances of Xavier and He initialisation, seeding and dtypes."""
import numpy as np
import pytest

from nnlib import init
from nnlib.layers import Linear


@pytest.mark.parametrize("fn,expected_var", [
    (init.xavier_uniform, 2 / (400 + 200)),
    (init.xavier_normal, 2 / (400 + 200)),
    (init.he_uniform, 2 / 400),
    (init.he_normal, 2 / 400),
])
def test_variance_matches_the_formula(fn, expected_var):
    W = fn((400, 200), np.random.default_rng(0))
    assert W.shape == (400, 200) and W.dtype == np.float64
    assert W.var() == pytest.approx(expected_var, rel=0.02)
    assert abs(W.mean()) < 0.01


def test_bounds_seeds_gain_and_dtype():
    W = init.xavier_uniform((30, 10), 0, gain=2.0, dtype=np.float32)
    assert W.dtype == np.float32 and np.abs(W).max() <= 2.0 * np.sqrt(6 / 40)
    np.testing.assert_array_equal(init.he_normal((5, 3), 7), init.he_normal((5, 3), np.random.default_rng(7)))
    assert np.abs(init.he_uniform((50, 4), 1)).max() <= np.sqrt(6 / 50)
    assert init.fans((3, 4)) == (3, 4) and init.fans((2, 3, 4)) == (6, 4)
    with pytest.raises(ValueError, match=r"fans expected a weight shape with at least 2 axes, got \(3,\)"):
        init.fans((3,))


def test_linear_uses_the_named_initialiser():
    lin = Linear(400, 100, rng=0, init="xavier_uniform")
    np.testing.assert_array_equal(lin.W.data, init.xavier_uniform((400, 100), 0))
    assert Linear(400, 100, rng=0).W.data.var() == pytest.approx(2 / 400, rel=0.03)
    assert not Linear(3, 2, rng=0).b.data.any()
