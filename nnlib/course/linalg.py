"""Distances and similarities between vectors (derived in Chapter 1, Vectors).

Each function takes two vectors of the same length, or two batches of vectors (one per
row), and checks its input: vectors of different lengths, or a zero vector where an angle
is needed, raise a ``ValueError`` that says what was expected and what arrived.
"""
import numpy as np

__all__ = ["euclidean_distance", "cosine_similarity", "cosine_distance", "angular_distance",
           "chord_distance", "pairwise_distances", "nearest_neighbors"]


def _pair(u, v, who):
    u, v = _numbers(u, who), _numbers(v, who)
    if u.ndim == 0 or v.ndim == 0:
        raise ValueError(f"{who}: expected vectors (1-D) or batches of vectors (2-D, one per row), "
                         f"got arrays of shapes {u.shape} and {v.shape}")
    if u.shape[-1] != v.shape[-1]:
        raise ValueError(f"{who}: expected vectors of the same length, got {u.shape[-1]} and {v.shape[-1]} "
                         f"(shapes {u.shape} and {v.shape})")
    return u, v


def _numbers(a, who):
    """``a`` as a float64 array, after checking it holds real numbers."""
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{who}: expected vectors of real numbers, got an array of dtype {a.dtype}")
    return a.astype(np.float64)


def euclidean_distance(u, v):
    """Straight-line distance: ``d(u, v) = sqrt(sum_i (u_i - v_i)^2) = ||u - v||``.

    Parameters
    ----------
    u, v : array of shape (D,) or (N, D)
        Two vectors, or two batches of N vectors (row k of u is compared with row k of v).

    Returns
    -------
    float or array of shape (N,)
    """
    u, v = _pair(u, v, "euclidean_distance")
    return np.sqrt(np.sum((u - v) ** 2, axis=-1))


def _norms(u, v, who):
    nu, nv = np.linalg.norm(u, axis=-1), np.linalg.norm(v, axis=-1)
    if np.any(nu == 0) or np.any(nv == 0):
        raise ValueError(f"{who}: expected non-zero vectors, got a zero vector: it has no "
                         "direction, so its angle to another vector is undefined; remove all-zero vectors first")
    return nu, nv


def cosine_similarity(u, v, *, clip=True):
    """Cosine of the angle between u and v: ``cos(u, v) = u . v / (||u|| ||v||)``, in [-1, 1].

    In exact arithmetic the quotient lies in [-1, 1]; in floating point it can land one
    rounding step outside: for about a quarter of random vectors x, ``x . x / (||x|| ||x||)``
    comes out as 1 + 2.2e-16. By default the result is clipped to [-1, 1], which is why
    ``cosine_distance(x, x)`` is never negative and ``angular_distance`` never takes the
    arccos of a number above 1. The clip hides rounding, not a flaw of the formula: it moves
    a value by a rounding error at most (Chapter 1 shows both versions).

    Parameters
    ----------
    u, v : array of shape (D,) or (N, D)
        Non-zero vectors (the angle to a zero vector is undefined).
    clip : bool
        Clip to [-1, 1] (default); ``clip=False`` returns the raw quotient.

    Returns
    -------
    float or array of shape (N,)
        1 for vectors pointing the same way, 0 for perpendicular ones, -1 for opposite ones.
    """
    u, v = _pair(u, v, "cosine_similarity")
    nu, nv = _norms(u, v, "cosine_similarity")
    quotient = np.sum(u * v, axis=-1) / (nu * nv)
    return np.clip(quotient, -1.0, 1.0) if clip else quotient


def cosine_distance(u, v, *, clip=True):
    """``1 - cosine_similarity(u, v)``, in [0, 2] (with the default clip).

    Not a metric: it is 0 for different vectors that point the same way (u and 2u), and it
    breaks the triangle inequality (Chapter 1 shows both numerically). It is never negative
    only because of the clip in ``cosine_similarity``: with ``clip=False``, about a quarter
    of random x give ``cosine_distance(x, x) = -2.2e-16``.
    """
    return 1.0 - cosine_similarity(u, v, clip=clip)


def angular_distance(u, v):
    """The angle itself, ``arccos(cosine_similarity(u, v)) / pi``, in [0, 1].

    Unlike cosine distance this satisfies the triangle inequality (angles on the sphere add
    up), so it is a metric on directions. arccos is so steep near 1 that the rounding of
    the cosine grows: ``angular_distance(x, x)`` can come out near 1e-8 instead of 0.
    """
    return np.arccos(cosine_similarity(u, v)) / np.pi


def chord_distance(u, v):
    """Straight-line distance between the directions of u and v: ``|| u/||u|| - v/||v|| ||``.

    Both vectors are scaled to length 1 (points on the unit sphere) and their Euclidean
    distance is taken: the length of the chord between them, in [0, 2]. It equals
    ``sqrt(2 * (1 - cos(u, v)))``, the square root of twice the cosine distance, but is
    computed from the normalized vectors, so ``chord_distance(x, x)`` is exactly 0 and no
    value is negative. On unit vectors it is the Euclidean distance, hence a true metric;
    like cosine and angular distance it gives 0 for u and 2u, so on raw vectors it is a
    metric on directions (Chapter 1).

    Parameters
    ----------
    u, v : array of shape (D,) or (N, D)
        Non-zero vectors.

    Returns
    -------
    float or array of shape (N,)
    """
    u, v = _pair(u, v, "chord_distance")
    nu, nv = _norms(u, v, "chord_distance")
    diff = u / nu[..., None] - v / nv[..., None]    # (..., D): the two unit vectors' difference
    return np.sqrt(np.sum(diff ** 2, axis=-1))


_METRICS = {"euclidean": euclidean_distance, "cosine": cosine_distance, "angular": angular_distance,
            "chord": chord_distance}


def pairwise_distances(X, Y, metric="euclidean"):
    """Distances between every row of X and every row of Y.

    Parameters
    ----------
    X : array of shape (N, D)
    Y : array of shape (M, D)
    metric : {"euclidean", "cosine", "angular", "chord"}

    Returns
    -------
    array of shape (N, M)
        Entry (i, j) is the distance between X[i] and Y[j].
    """
    if metric not in _METRICS:
        raise ValueError(f"pairwise_distances: metric must be one of {sorted(_METRICS)}, got {metric!r}")
    X, Y = np.atleast_2d(X), np.atleast_2d(Y)
    if X.ndim != 2 or Y.ndim != 2:
        raise ValueError(f"pairwise_distances: expected two 2-D arrays (one vector per row), "
                         f"got shapes {X.shape} and {Y.shape}")
    return _METRICS[metric](X[:, None, :], Y[None, :, :])  # (N, 1, D) against (1, M, D) -> (N, M)


def nearest_neighbors(query, X, k=1, metric="euclidean"):
    """Indices of the k rows of X closest to the query vector, closest first.

    Parameters
    ----------
    query : array of shape (D,)
    X : array of shape (N, D)
    k : int
    metric : {"euclidean", "cosine", "angular", "chord"}

    Returns
    -------
    array of int, shape (k,)
    """
    X = np.atleast_2d(X)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= len(X):
        raise ValueError(f"nearest_neighbors: expected k between 1 and {len(X)} (the number of rows), got {k!r}")
    d = pairwise_distances(np.asarray(query)[None, :], X, metric)[0]
    return np.argsort(d, kind="stable")[:k]
