"""nnlib.data: seeded toy data, the digits split and the batching helpers."""
import numpy as np
import pytest

from nnlib import data


@pytest.mark.parametrize("make,kwargs", [
    (data.make_1d, {"n": 50}), (data.make_xor, {"n": 40}),
    (data.make_spirals, {"n_per_class": 20}), (data.make_blobs, {"n": 60, "centers": 4}),
], ids=["make_1d", "make_xor", "make_spirals", "make_blobs"])
def test_generators_are_seeded(make, kwargs):
    X1, y1 = make(**kwargs, seed=3)
    X2, y2 = make(**kwargs, rng=np.random.default_rng(3))
    X3, _ = make(**kwargs, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    np.testing.assert_array_equal(make(**kwargs)[0], make(**kwargs, seed=0)[0])  # default seed 0
    assert X1.dtype == np.float64 and X1.ndim == 2 and len(X1) == len(y1)
    with pytest.raises(ValueError, match="expected either rng or seed, got both"):
        make(**kwargs, seed=1, rng=np.random.default_rng(1))


def test_shapes_and_labels():
    X, y = data.make_1d(30, func="cubic", noise=0.0, seed=1)
    assert X.shape == (30, 1) and y.shape == (30, 1) and np.all(np.diff(X[:, 0]) >= 0)
    np.testing.assert_allclose(y, 0.1 * X**3 - X)
    X, y = data.make_xor(100, noise=0.0, seed=2)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    X, y = data.make_spirals(10, 3, seed=0)
    assert X.shape == (30, 2) and y.dtype == np.int64 and set(y) == {0, 1, 2}
    X, y = data.make_blobs(50, centers=3, dim=5, seed=0)
    assert X.shape == (50, 5) and set(y) <= {0, 1, 2}


def test_load_digits_split_is_reproducible_and_scaled():
    d = data.load_digits(seed=0)
    assert len(d) == 6 and d.X_train.shape[1] == 64
    assert len(d.X_train) + len(d.X_val) + len(d.X_test) == 1797
    assert len(d.X_val) == len(d.X_test) == 270
    assert d.X_train.min() >= 0.0 and d.X_train.max() == 1.0
    assert d.y_train.dtype == np.int64 and set(d.y_train) == set(range(10))
    again = data.load_digits(seed=0)
    np.testing.assert_array_equal(d.X_test, again.X_test)
    assert not np.array_equal(d.y_test, data.load_digits(seed=1).y_test)
    X_train, *_ = data.load_digits(dtype=np.float32)
    assert X_train.dtype == np.float32


def test_train_val_test_split_partitions_the_rows():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    Xtr, ytr, Xva, yva, Xte, yte = data.train_val_test_split(X, y, val_size=0.2, test_size=0.3, seed=0)
    assert (len(ytr), len(yva), len(yte)) == (5, 2, 3)
    assert sorted(np.concatenate([ytr, yva, yte])) == list(range(10))
    np.testing.assert_array_equal(Xtr[:, 0], 2 * ytr)
    with pytest.raises(ValueError, match="equal length, got 10 and 9"):
        data.train_val_test_split(X, y[:9])


def test_batches_cover_every_row_once():
    X, y = np.arange(10).reshape(10, 1), np.arange(10)
    ordered = list(data.batches(X, y, 4))
    assert [len(b[1]) for b in ordered] == [4, 4, 2] and list(ordered[0][1]) == [0, 1, 2, 3]
    rng = np.random.default_rng(0)
    first = np.concatenate([b[1] for b in data.batches(X, y, 3, rng)])
    second = np.concatenate([b[1] for b in data.batches(X, y, 3, rng)])
    assert sorted(first) == list(range(10)) and not np.array_equal(first, second)
    for xb, yb in data.batches(X, y, 3, 1):
        np.testing.assert_array_equal(xb[:, 0], yb)
