"""nnlib losses: values, fused gradients, stability, dtypes and error messages."""
import numpy as np
import pytest

from nnlib.gradcheck import numerical_gradient, rel_error
from nnlib.losses import CrossEntropyLoss, MSELoss

TOL = 1e-7


@pytest.mark.parametrize("shape,seed", [((4, 1), 0), ((3, 2), 1), ((2, 3, 2), 2)])
def test_mse_value_and_gradient(shape, seed):
    rng = np.random.default_rng(seed)
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    loss = MSELoss()
    value = loss(pred, target)
    assert isinstance(value, float)
    assert value == pytest.approx(np.mean((pred - target) ** 2), rel=1e-12)
    numeric = numerical_gradient(lambda p: MSELoss()(p, target), pred)
    assert rel_error(loss.backward(), numeric) < TOL


@pytest.mark.parametrize("shape,C,seed", [((4,), 3, 0), ((6,), 5, 1), ((2, 3), 4, 2)])
def test_cross_entropy_value_and_gradient(shape, C, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal(shape + (C,)) * 2
    labels = rng.integers(0, C, size=shape)
    loss = CrossEntropyLoss()
    value = loss(logits, labels)
    z = logits.reshape(-1, C)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(len(z)), labels.reshape(-1)]))
    assert isinstance(value, float) and value == pytest.approx(expected, rel=1e-12)
    numeric = numerical_gradient(lambda zz: CrossEntropyLoss()(zz, labels), logits)
    dlogits = loss.backward()
    assert dlogits.shape == logits.shape
    assert rel_error(dlogits, numeric) < TOL
    np.testing.assert_allclose(loss.backward(), dlogits)  # a second call gives the same


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 1e4, 0.0]])
    loss = CrossEntropyLoss()
    assert loss(logits, np.array([0, 1])) == pytest.approx(0.0, abs=1e-12)
    assert loss(logits, np.array([2, 0])) == pytest.approx((2000.0 + 1e4) / 2)
    assert np.all(np.isfinite(loss.backward()))


@pytest.mark.parametrize("loss,target", [(MSELoss(), np.zeros((4, 3))), (CrossEntropyLoss(), np.array([0, 1, 2, 1]))],
                         ids=["MSELoss", "CrossEntropyLoss"])
def test_float32_stays_float32(loss, target):
    pred = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    loss(pred, target)
    assert loss.backward().dtype == np.float32


def test_cross_entropy_label_errors():
    logits = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"labels in 0\.\.3 \(C=4 classes\), got labels out of range \(min 0, max 4\)"):
        CrossEntropyLoss()(logits, np.array([0, 1, 4]))
    with pytest.raises(ValueError, match=r"out of range \(min -1"):
        CrossEntropyLoss()(logits, np.array([0, -1, 2]))
    with pytest.raises(ValueError, match=r"expected integer class labels, got non-integer dtype float64.*astype"):
        CrossEntropyLoss()(logits, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"expected labels of shape \(3,\).*got shape \(3, 4\).*one-hot.*argmax"):
        CrossEntropyLoss()(logits, np.eye(4, dtype=np.int64)[[0, 1, 2]])
    with pytest.raises(ValueError, match=r"expected logits of shape \(N, C\), got shape \(4,\): a 1-D batch"):
        CrossEntropyLoss()(np.zeros(4), np.array(1))


def test_non_finite_loss_hints_at_the_learning_rate():
    with pytest.raises(ValueError, match=r"CrossEntropyLoss expected a finite loss, got nan.*lower the learning rate"):
        CrossEntropyLoss()(np.array([[np.nan, 0.0]]), np.array([0]))
    with pytest.raises(ValueError, match=r"MSELoss expected a finite loss, got inf.*learning rate"):
        MSELoss()(np.array([[np.inf]]), np.array([[0.0]]))


def test_mse_shape_mismatch_hints_at_broadcasting():
    with pytest.raises(ValueError, match=r"MSELoss expected target of shape \(5, 1\).*got \(5,\).*reshape"):
        MSELoss()(np.zeros((5, 1)), np.zeros(5))


@pytest.mark.parametrize("loss", [MSELoss(), CrossEntropyLoss()], ids=["MSELoss", "CrossEntropyLoss"])
def test_backward_before_forward(loss):
    with pytest.raises(ValueError, match=rf"{type(loss).__name__}.backward was called before forward"):
        loss.backward()


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
                                   ">i8", ">u4"])
def test_label_range_check_finds_both_ends_for_every_integer_dtype(dtype):
    # The check is one maximum over the labels viewed as unsigned integers: a negative label
    # must still be refused (it would otherwise index the last classes silently).
    z = np.zeros((4, 3))
    loss = CrossEntropyLoss()
    assert loss(z, np.array([0, 1, 2, 1], dtype=dtype)) == pytest.approx(np.log(3))
    with pytest.raises(ValueError, match=r"labels in 0\.\.2 \(C=3 classes\), got labels out of range \(min 0, max 3\)"):
        loss(z, np.array([0, 1, 3, 1], dtype=dtype))
    if np.dtype(dtype).kind == "i":
        with pytest.raises(ValueError, match=r"out of range \(min -1, max 2\)"):
            loss(z, np.array([0, -1, 2, 1], dtype=dtype))
        with pytest.raises(ValueError, match=r"out of range \(min -3, max 1\)"):
            loss(z, np.array([0, -3, 1, 1], dtype=dtype))  # -3 = -C: a valid index from the end
    strided = np.array([0, 9, 1, 9, 2, 9, 1, 9], dtype=dtype)[::2]  # not contiguous
    assert loss(z, strided) == pytest.approx(np.log(3))
