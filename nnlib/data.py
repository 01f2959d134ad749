"""Small, seeded data sets and the helpers to split and batch them.

Every generator takes either ``rng`` (a ``numpy.random.Generator``) or ``seed``
(an int); with neither, seed 0 is used, so the same call always returns the
same data. Features are float64 arrays ``X`` of shape ``(N, D)``; class labels
are int64 arrays ``y`` of shape ``(N,)``; regression targets have shape ``(N, 1)``.
Nothing is downloaded: the digits come with scikit-learn.
"""
from collections import namedtuple

import numpy as np

from nnlib import _validate


def _make_rng(rng=None, seed=None, who="data"):
    if rng is not None and seed is not None:
        raise ValueError(f"{who} expected either rng or seed, got both")
    if rng is not None:
        return _validate.generator(who, rng)  # a Generator is returned as it is
    return _validate.generator(who, 0 if seed is None else seed)


_FUNCTIONS_1D = {
    "sin": np.sin,
    "cubic": lambda x: 0.1 * x**3 - x,
    "abs": np.abs,
    "step": lambda x: (x > 0).astype(np.float64),
    "linear": lambda x: 2 * x + 1,
    "gauss": lambda x: np.exp(-(x**2)),
}


def make_1d(n=100, *, func="sin", noise=0.1, low=-3.0, high=3.0, rng=None, seed=None):
    """Noisy samples of a 1-D function: ``y = f(x) + noise * eps``, ``eps ~ N(0, 1)``.

    Parameters
    ----------
    n : int
        Number of points ``N``; ``x`` is uniform on ``[low, high]``, sorted.
    func : str or function ``f(x)``
        ``"sin"``, ``"cubic"`` (``0.1 x**3 - x``), ``"abs"``, ``"step"``,
        ``"linear"`` (``2x + 1``), ``"gauss"`` (``exp(-x**2)``), or a function of an array.
    noise : float
        Standard deviation of the Gaussian noise.
    low : float
        Left end of the interval.
    high : float
        Right end of the interval.
    rng : ``numpy.random.Generator`` or None
        Random source (or pass ``seed``).
    seed : int or None
        Seed used when ``rng`` is not given (default 0).

    Returns
    -------
    X : ndarray, shape ``(N, 1)``
        Inputs.
    y : ndarray, shape ``(N, 1)``
        Targets. Chapter 3 (activation functions).
    """
    if isinstance(func, str) and func not in _FUNCTIONS_1D:
        raise ValueError(f"make_1d expected func to be one of {sorted(_FUNCTIONS_1D)} or a function, "
                         f"got {func!r}")
    if not (isinstance(func, str) or callable(func)):
        raise ValueError(f"make_1d expected func to be a name or a function, got {type(func).__name__}")
    f = _FUNCTIONS_1D[func] if isinstance(func, str) else func
    n = _validate.integer("make_1d", "n", n)
    noise = _validate.number("make_1d", "noise", noise, "[0, inf)")
    low = _validate.number("make_1d", "low", low, "(-inf, inf)")
    high = _validate.number("make_1d", "high", high, "(-inf, inf)")
    if not low < high:
        raise ValueError(f"make_1d expected low < high (an interval), got low={low:g}, high={high:g}")
    r = _make_rng(rng, seed, "make_1d")
    x = np.sort(r.uniform(low, high, size=n))
    y = f(x) + noise * r.standard_normal(n)
    return x.reshape(-1, 1), y.reshape(-1, 1)


def make_xor(n=200, *, noise=0.1, rng=None, seed=None):
    """The XOR problem: points near the four corners of ``[-1, 1]**2``, label ``1`` where ``x1 * x2 < 0``.

    ``n`` points ``N`` (corners chosen uniformly) plus Gaussian ``noise``; returns
    ``X`` of shape ``(N, 2)`` and int labels ``y`` of shape ``(N,)``. ``rng`` or
    ``seed`` as in ``make_1d``. The problem of Chapter 2: no single neuron separates it.
    """
    n = _validate.integer("make_xor", "n", n)
    noise = _validate.number("make_xor", "noise", noise, "[0, inf)")
    r = _make_rng(rng, seed, "make_xor")
    corners = r.choice([-1.0, 1.0], size=(n, 2))
    X = corners + noise * r.standard_normal((n, 2))
    y = (corners[:, 0] * corners[:, 1] < 0).astype(np.int64)
    return X, y


def make_spirals(n_per_class=100, n_classes=3, *, noise=0.2, rng=None, seed=None):
    """Interleaved spirals (CS231n's toy data): class ``k`` lies on a spiral arm.

    For ``t`` in ``[0, 1]``: radius ``t``, angle ``4 (k + t) + noise * eps``.
    Returns ``X`` of shape ``(n_per_class * n_classes, 2)`` and int labels ``y``
    of shape ``(N,)``; ``rng`` or ``seed`` as in ``make_1d``. Chapter 4 (training loop).
    """
    n_per_class = _validate.integer("make_spirals", "n_per_class", n_per_class)
    n_classes = _validate.integer("make_spirals", "n_classes", n_classes)
    noise = _validate.number("make_spirals", "noise", noise, "[0, inf)")
    r = _make_rng(rng, seed, "make_spirals")
    t = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    angle = 4.0 * (y + t) + noise * r.standard_normal(t.size)
    X = np.stack([t * np.sin(angle), t * np.cos(angle)], axis=1)
    return X, y


def make_blobs(n=200, centers=3, *, dim=2, std=1.0, spread=5.0, rng=None, seed=None):
    """Gaussian blobs: centre ``c_k ~ U(-spread, spread)**dim``, points ``c_y + std * eps``.

    ``n`` points ``N`` with labels drawn uniformly from ``centers`` classes;
    returns ``X`` of shape ``(N, dim)`` and int labels ``y`` of shape ``(N,)``;
    ``rng`` or ``seed`` as in ``make_1d``. Linearly separable when the centres lie far apart
    (Chapter 2); handy for tests and quick experiments.
    """
    n = _validate.integer("make_blobs", "n", n)
    centers = _validate.integer("make_blobs", "centers", centers)
    dim = _validate.integer("make_blobs", "dim", dim)
    std = _validate.number("make_blobs", "std", std, "[0, inf)")
    spread = _validate.number("make_blobs", "spread", spread, "(0, inf)")
    r = _make_rng(rng, seed, "make_blobs")
    c = r.uniform(-spread, spread, size=(centers, dim))
    y = r.integers(0, centers, size=n).astype(np.int64)
    X = c[y] + std * r.standard_normal((n, dim))
    return X, y


def train_val_test_split(X, y, *, val_size=0.15, test_size=0.15, rng=None, seed=None):
    """Shuffle and split into train, validation and test parts.

    Parameters
    ----------
    X : ndarray, shape ``(N, ...)``
        Features.
    y : ndarray, shape ``(N, ...)``
        Labels or targets.
    val_size : float
        Fraction of ``N`` for validation.
    test_size : float
        Fraction of ``N`` for testing; the rest is for training.
    rng : ``numpy.random.Generator`` or None
        Random source for the shuffle (or pass ``seed``; default seed 0).
    seed : int or None
        Seed used when ``rng`` is not given.

    Returns
    -------
    splits : tuple of ndarray
        ``(X_train, y_train, X_val, y_val, X_test, y_test)``. Chapter 5.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"train_val_test_split expected X and y of equal length, got {len(X)} and {len(y)}")
    val_size = _validate.number("train_val_test_split", "val_size", val_size, "[0, 1)")
    test_size = _validate.number("train_val_test_split", "test_size", test_size, "[0, 1)")
    if not val_size + test_size < 1:
        raise ValueError("train_val_test_split expected val_size + test_size < 1 (something left to "
                         f"train on), got {val_size} + {test_size}")
    N = len(X)
    n_val, n_test = int(round(val_size * N)), int(round(test_size * N))
    for part, size, n in (("validation", val_size, n_val), ("test", test_size, n_test),
                          ("training", 1, N - n_val - n_test)):
        if size > 0 and n < 1:
            raise ValueError(
                f"train_val_test_split expected at least one row in the {part} set, got 0 rows from "
                f"N={N} (val_size={val_size}, test_size={test_size}): the data set is too small for "
                "this split. Use more rows or other fractions."
            )
    perm = _make_rng(rng, seed, "train_val_test_split").permutation(N)
    test, val, train = perm[:n_test], perm[n_test:n_test + n_val], perm[n_test + n_val:]
    return X[train], y[train], X[val], y[val], X[test], y[test]


def batches(X, y, batch_size, rng=None):
    """Yield minibatches ``(X_b, y_b)`` of at most ``batch_size`` rows.

    With ``rng`` (a ``numpy.random.Generator`` or a seed) the rows are shuffled
    first (one new permutation per call, i.e. per epoch); with None they come in
    order. ``X`` has shape ``(N, ...)``, ``y`` shape ``(N, ...)``; the last batch
    may be smaller. Chapter 4 (the training loop) and Chapter 5.
    """
    X, y = np.asarray(X), np.asarray(y)
    N = len(X)
    if len(y) != N:
        raise ValueError(f"batches expected X and y of equal length, got {N} and {len(y)}")
    batch_size = _validate.integer("batches", "batch_size", batch_size)
    if rng is None:
        for start in range(0, N, batch_size):
            yield X[start:start + batch_size], y[start:start + batch_size]
        return
    idx = _make_rng(rng, who="batches").permutation(N)
    for start in range(0, N, batch_size):
        b = idx[start:start + batch_size]
        yield X[b], y[b]


_DIGITS_FIELDS = {
    "X_train": "Training features, shape ``(N_train, 64)``, pixels scaled to ``[0, 1]``.",
    "y_train": "Training labels 0..9, shape ``(N_train,)``, int64.",
    "X_val": "Validation features, shape ``(N_val, 64)``.",
    "y_val": "Validation labels, shape ``(N_val,)``.",
    "X_test": "Test features, shape ``(N_test, 64)``.",
    "y_test": "Test labels, shape ``(N_test,)``.",
}


class Digits(namedtuple("Digits", list(_DIGITS_FIELDS))):
    """The 8x8 digits split into parts: ``X_train, y_train, X_val, y_val, X_test, y_test``.

    A named tuple, so ``d.X_train`` works and so does unpacking in that order.
    Features have 64 columns (the flattened 8x8 image, raw values 0..16 divided
    by 16); labels are int64 digits 0..9. Chapter 5.
    """

    __slots__ = ()


for _name, _doc in _DIGITS_FIELDS.items():
    getattr(Digits, _name).__doc__ = _doc


def load_digits(*, val_size=0.15, test_size=0.15, seed=0, dtype=np.float64):
    """The 1797 handwritten 8x8 digits shipped with scikit-learn, split reproducibly.

    No download: uses ``sklearn.datasets.load_digits``. Pixels are divided by 16
    to lie in ``[0, 1]``; images are flattened to 64 features.

    Parameters
    ----------
    val_size : float
        Fraction for validation.
    test_size : float
        Fraction for testing.
    seed : int
        Seed of the shuffle; the same seed gives the same split.
    dtype : ``numpy`` floating dtype
        dtype of the features, ``np.float64`` or ``np.float32`` (labels are int64).

    Returns
    -------
    digits : Digits
        Named container ``(X_train, y_train, X_val, y_val, X_test, y_test)``. Chapter 5.
    """
    dtype = _validate.float_dtype("load_digits", dtype)  # an integer dtype would cut pixels to 0/1
    from sklearn.datasets import load_digits as _sk_load_digits

    raw = _sk_load_digits()
    X = (raw.data / 16.0).astype(dtype)
    y = raw.target.astype(np.int64)
    parts = train_val_test_split(X, y, val_size=val_size, test_size=test_size, seed=seed)
    return Digits(*parts)
