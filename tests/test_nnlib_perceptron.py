"""nnlib.course.perceptron: the threshold unit and the perceptron learning rule."""
import numpy as np
import pytest

from nnlib import functional as F
from nnlib.course.perceptron import PerceptronResult, threshold_unit, train_perceptron

BOOL = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


def test_threshold_unit_computes_and_and_or():
    np.testing.assert_array_equal(threshold_unit(BOOL, [1, 1], 1.5), [0, 0, 0, 1])
    np.testing.assert_array_equal(threshold_unit(BOOL, [1, 1], 0.5), [0, 1, 1, 1])


def test_threshold_is_a_negative_bias():
    rng = np.random.default_rng(0)
    X, w, theta = rng.normal(size=(50, 3)), rng.normal(size=3), 0.7
    np.testing.assert_array_equal(threshold_unit(X, w, theta), F.step(X @ w - theta))


def test_threshold_unit_fires_only_strictly_above_the_threshold():
    assert threshold_unit([1.0, 0.0], [1.0, 1.0], 1.0).tolist() == [0.0]
    assert threshold_unit([1.0, 0.1], [1.0, 1.0], 1.0).tolist() == [1.0]


def test_threshold_unit_rejects_bad_input():
    with pytest.raises(ValueError, match="3 features"):
        threshold_unit(np.ones((4, 2)), np.ones(3), 0.0)
    with pytest.raises(ValueError, match="shape \\(D,\\)"):
        threshold_unit(np.ones((4, 2)), np.ones((2, 1)), 0.0)
    with pytest.raises(ValueError, match="single number theta"):
        threshold_unit(np.ones((4, 2)), np.ones(2), np.zeros(2))
    with pytest.raises(ValueError, match="dtype"):
        threshold_unit(np.array(["a", "b"]), np.ones(2), 0.0)


@pytest.mark.parametrize("labels", [[0, 0, 0, 1], [0, 1, 1, 1], [1, 1, 1, 0], [1, 0, 0, 0]])
def test_perceptron_learns_the_separable_boolean_functions(labels):
    result = train_perceptron(BOOL, np.array(labels))
    assert isinstance(result, PerceptronResult) and result.converged
    np.testing.assert_array_equal(F.step(BOOL @ result.w + result.b), labels)
    assert result.mistakes[-1] == 0 and result.updates == sum(result.mistakes)
    assert len(result.history) == result.updates + 1


def test_perceptron_never_converges_on_xor():
    result = train_perceptron(BOOL, np.array([0, 1, 1, 0]), max_epochs=200)
    assert not result.converged and result.epochs == 200 and min(result.mistakes) > 0


def test_perceptron_first_update_follows_the_rule():
    # w = 0, b = 0: the first example (label 1) is predicted 0, so w += lr * x, b += lr.
    result = train_perceptron(np.array([[2.0, -1.0]]), np.array([1]), lr=0.5)
    np.testing.assert_allclose(result.history[1][0], [1.0, -0.5])
    assert result.history[1][1] == 0.5 and result.converged and result.updates == 1


def test_perceptron_converges_on_separable_blobs_with_shuffling():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    y = (X @ np.array([1.0, -2.0]) + 0.3 > 0).astype(int)
    keep = np.abs(X @ np.array([1.0, -2.0]) + 0.3) > 0.2  # a margin
    result = train_perceptron(X[keep], y[keep], rng=0, max_epochs=1000)
    assert result.converged
    np.testing.assert_array_equal(F.step(X[keep] @ result.w + result.b), y[keep])


def test_train_perceptron_rejects_bad_input():
    with pytest.raises(ValueError, match="labels y of shape \\(4,\\)"):
        train_perceptron(BOOL, np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="labels 0 or 1"):
        train_perceptron(BOOL, np.array([0, 1, 2, 1]))
    with pytest.raises(ValueError, match=r"train_perceptron expected lr in \(0, inf\), got lr=0"):
        train_perceptron(BOOL, np.array([0, 1, 1, 1]), lr=0)
    with pytest.raises(ValueError, match="max_epochs"):
        train_perceptron(BOOL, np.array([0, 1, 1, 1]), max_epochs=0)
    with pytest.raises(ValueError, match="w0 of shape \\(2,\\)"):
        train_perceptron(BOOL, np.array([0, 1, 1, 1]), w0=np.zeros(3))
    with pytest.raises(ValueError, match="shape \\(N, D\\)"):
        train_perceptron(np.ones((2, 2, 2)), np.array([0, 1]))
