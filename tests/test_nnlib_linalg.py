"""nnlib.course.linalg: Chapter 1's distances, their values, their rounding and their metric properties.

The bad-input cases of the older functions live in tests/test_nnlib_bad_input.py; this file
checks values against closed forms, the clip in cosine_similarity (and what it hides), and the
metric properties of chord distance, the version of cosine distance that is a true metric on
directions.
"""
import numpy as np
import pytest

from nnlib.course import linalg

RNG_SEED = 0


def random_vectors(n=20_000, d=5, seed=RNG_SEED):
    return np.random.default_rng(seed).normal(size=(n, d))


def test_values_against_closed_forms():
    assert linalg.euclidean_distance([1.0, 2.0], [4.0, 6.0]) == 5.0
    assert linalg.cosine_similarity([1.0, 0.0], [1.0, 1.0]) == pytest.approx(np.cos(np.pi / 4), abs=1e-15)
    assert linalg.cosine_distance([1.0, 0.0], [0.0, 3.0]) == pytest.approx(1.0, abs=1e-15)
    assert linalg.angular_distance([1.0, 0.0], [-2.0, 0.0]) == pytest.approx(1.0, abs=1e-15)
    # chord between directions 90 degrees apart: sqrt(2); 180 degrees apart: 2; same direction: 0
    assert linalg.chord_distance([1.0, 0.0], [0.0, 5.0]) == pytest.approx(np.sqrt(2), abs=1e-15)
    assert linalg.chord_distance([1.0, 0.0], [-3.0, 0.0]) == pytest.approx(2.0, abs=1e-15)
    assert linalg.chord_distance([1.0, 2.0], [2.0, 4.0]) == 0.0


def test_unclipped_cosine_of_a_vector_with_itself_exceeds_one_for_about_a_quarter():
    X = random_vectors()
    raw = linalg.cosine_similarity(X, X, clip=False)
    above = np.mean(raw > 1)
    assert 0.15 < above < 0.35, above
    assert np.max(np.abs(raw - 1)) < 1e-15                 # rounding, not a wrong formula
    clipped = linalg.cosine_similarity(X, X)
    assert np.all(clipped <= 1) and np.all(clipped >= -1)
    assert np.array_equal(clipped, np.clip(raw, -1, 1))    # the clip is the only difference
    assert np.all(linalg.cosine_distance(X, X) >= 0)
    assert np.mean(linalg.cosine_distance(X, X, clip=False) < 0) == above


def test_chord_distance_is_sqrt_of_twice_the_cosine_distance():
    X, Y = random_vectors(seed=1), random_vectors(seed=2)
    chord = linalg.chord_distance(X, Y)
    from_cosine = np.sqrt(2 * linalg.cosine_distance(X, Y))
    assert np.allclose(chord, from_cosine, rtol=0, atol=1e-12)
    # and with the normalization written out by hand
    unit = lambda A: A / np.sqrt(np.sum(A * A, axis=1, keepdims=True))
    assert np.allclose(chord, np.sqrt(np.sum((unit(X) - unit(Y)) ** 2, axis=1)), rtol=0, atol=1e-15)


def test_chord_distance_satisfies_the_metric_rules_on_unit_vectors():
    unit = lambda A: A / np.linalg.norm(A, axis=1, keepdims=True)
    X, Y, Z = (unit(random_vectors(seed=s)) for s in (3, 4, 5))
    d = linalg.chord_distance
    assert np.all(d(X, X) == 0)                             # exactly, not up to rounding
    dxy = d(X, Y)
    assert np.all(dxy > 0) and np.all(dxy <= 2)
    assert np.array_equal(dxy, d(Y, X))                     # symmetric bit for bit
    assert np.all(d(X, Z) <= dxy + d(Y, Z) + 1e-15)         # triangle
    # the triple that breaks cosine distance (0, 45 and 90 degrees) does not break the chord
    p, q, r = (np.array([np.cos(t), np.sin(t)]) for t in np.deg2rad([0, 45, 90]))
    assert linalg.cosine_distance(p, r) > linalg.cosine_distance(p, q) + linalg.cosine_distance(q, r)
    assert d(p, r) <= d(p, q) + d(q, r)


def test_chord_distance_ignores_length_like_the_other_direction_distances():
    X = random_vectors(n=100, seed=6)
    assert np.all(linalg.chord_distance(X, 2 * X) == 0)      # scaling by 2 is exact in floating point
    assert np.all(linalg.chord_distance(X, 3 * X) < 1e-15)   # scaling by 3 rounds
    assert np.all(linalg.chord_distance(X, -X) == pytest.approx(2.0, abs=1e-15))


def test_chord_distance_in_pairwise_and_nearest_neighbors():
    X = random_vectors(n=7, d=3, seed=7)
    table = linalg.pairwise_distances(X, X, metric="chord")
    assert table.shape == (7, 7) and np.all(np.diag(table) == 0)
    assert np.allclose(table, table.T, rtol=0, atol=0)
    query = 5 * X[4]
    assert linalg.nearest_neighbors(query, X, k=1, metric="chord")[0] == 4


def test_chord_distance_refuses_bad_input_with_clear_messages():
    with pytest.raises(ValueError, match="chord_distance: expected non-zero vectors, got a zero vector"):
        linalg.chord_distance([0.0, 0.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="chord_distance: expected vectors of the same length, got 2 and 3"):
        linalg.chord_distance([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="expected real numbers|expected vectors of real numbers"):
        linalg.chord_distance(["a"], ["b"])
    with pytest.raises(ValueError, match="metric must be one of"):
        linalg.pairwise_distances(np.eye(2), np.eye(2), metric="chordal")
