"""Wrong answers for chapters/01_vectors_exercises.ipynb: the mistakes students really make.

Each must be rejected by its exercise's check (tests/test_exercise_mutations.py explains how
they are run; tests/mutations/__init__.py how to write one).
"""
from mutations import code, swap

NORM = "np.sqrt(np.sum((u - v) ** 2))"
ZERO_CHECK = ('    if nu == 0 or nv == 0:\n'
              '        raise ValueError("cosine similarity is undefined for a zero vector")\n')
DISTANCES = "distances = np.sqrt(np.sum((X - query) ** 2, axis=1))"
SIZE_CHECK = ('    if n != len(x):\n'
              '        raise ValueError(f"A has {n} columns but x has {len(x)} entries")\n')

WRONG = {
    "vectors-euclidean": {
        "no square root": swap(NORM, "np.sum((u - v) ** 2)", expect="square root"),
        "L1: the sum of |u - v|": swap(NORM, "np.sum(np.abs(u - v))"),
        "a mean instead of the sum": swap("np.sum(", "np.mean("),
        "u + v instead of u - v": swap("(u - v)", "(u + v)"),
        "the largest |u_i - v_i| only": swap(NORM, "np.max(np.abs(u - v))"),
        "np.linalg.norm, the shortcut": swap(NORM, "np.linalg.norm(u - v)", expect="np.linalg.norm"),
        "nnlib's own version": swap(NORM, "linalg.euclidean_distance(u, v)", expect="euclidean_distance"),
        "lists are not converted to arrays": swap(
            "u, v = np.asarray(u, dtype=float), np.asarray(v, dtype=float)", "pass", expect="TypeError"),
    },
    "vectors-cosine": {
        "divided by one norm only": swap("(u @ v) / (nu * nv)", "(u @ v) / nu"),
        "squared norms (no square roots)": swap("np.sqrt(u @ u), np.sqrt(v @ v)", "u @ u, v @ v"),
        "no zero-vector check: returns nan": swap(ZERO_CHECK, "", expect="returned nan"),
        "checks only the first vector": swap("if nu == 0 or nv == 0:", "if nu == 0:"),
        "a message that does not say why": swap('"cosine similarity is undefined for a zero vector"',
                                                '"undefined"', expect="should mention"),
        "ZeroDivisionError instead of ValueError": swap("raise ValueError(", "raise ZeroDivisionError(",
                                                        expect="ZeroDivisionError"),
        "cosine distance instead of similarity": swap("return (u @ v) / (nu * nv)",
                                                      "return 1 - (u @ v) / (nu * nv)"),
        "nnlib's own version": code('''
            def my_cosine_similarity(u, v):
                return linalg.cosine_similarity(u, v)
        ''', expect="cosine_similarity"),
    },
    "vectors-nearest": {
        "argmax instead of argmin": swap("np.argmin", "np.argmax", expect="farthest"),
        "the sum over axis 0": swap("axis=1", "axis=0"),
        "L1 distance": swap(DISTANCES, "distances = np.sum(np.abs(X - query), axis=1)", expect="L1"),
        "the closest direction (cosine)": swap(
            DISTANCES, "distances = -(X @ query) / (np.sqrt(np.sum(X ** 2, axis=1)) * np.sqrt(query @ query))",
            expect="direction"),
        "a Python loop over the rows": swap(
            DISTANCES, "distances = np.array([np.sqrt(np.sum((row - query) ** 2)) for row in X])",
            expect="loops"),
        "the smallest distance instead of its index": swap("return int(np.argmin(distances))",
                                                           "return float(np.min(distances))"),
        "nnlib's nearest_neighbors": code('''
            def my_nearest(query, X):
                return int(linalg.nearest_neighbors(query, X)[0])
        ''', expect="nearest_neighbors"),
    },
    "vectors-metric": {
        "no tolerance anywhere": code('''
            def metric_rules(d, X, Y, Z, tol=1e-9):
                dxx, dxy, dyx = d(X, X), d(X, Y), d(Y, X)
                dxz, dyz = d(X, Z), d(Y, Z)
                different = np.any(X != Y, axis=1)
                return {
                    "identity": bool(np.all(dxx == 0) and np.all(dxy[different] > 0)),
                    "non-negative": bool(np.all(dxy >= 0)),
                    "symmetric": bool(np.all(dxy == dyx)),
                    "triangle": bool(np.all(dxz <= dxy + dyz)),
                }
        '''),
        "identity tests d(x, x) only": swap(" and np.all(dxy[different] > tol)", ""),
        "identity tests x != y only": swap("np.all(dxx <= tol) and ", ""),
        "np.any where np.all is needed": code('''
            def metric_rules(d, X, Y, Z, tol=1e-9):
                dxx, dxy, dyx = d(X, X), d(X, Y), d(Y, X)
                dxz, dyz = d(X, Z), d(Y, Z)
                different = np.any(X != Y, axis=1)
                return {
                    "identity": bool(np.any(dxx <= tol) and np.any(dxy[different] > tol)),
                    "non-negative": bool(np.any(dxy >= -tol)),
                    "symmetric": bool(np.any(np.abs(dxy - dyx) <= tol)),
                    "triangle": bool(np.any(dxz <= dxy + dyz + tol)),
                }
        '''),
        "non-negative as strictly positive": swap("np.all(dxy >= -tol)", "np.all(dxy > tol)"),
        "symmetry compares d(x, y) with itself": swap("np.abs(dxy - dyx)", "np.abs(dxy - dxy)"),
        "the triangle inequality the wrong way round": swap("dxz <= dxy + dyz + tol", "dxz >= dxy + dyz - tol"),
        "a misspelled key": swap('"non-negative":', '"non_negative":', expect="missing ['non-negative']"),
    },
    "vectors-triangle": {
        "the chapter's triple, whatever the angle": swap(
            "return arrow(0.0), arrow(angle / 2), arrow(angle)",
            "return arrow(0.0), arrow(45.0), arrow(90.0)", expect="not 1°"),
        "q = p": swap("arrow(angle / 2)", "arrow(0.0)", expect="no violation"),
        "degrees used as radians": swap("t = np.deg2rad(degrees)", "t = degrees"),
        "r at twice the angle": swap("arrow(angle / 2), arrow(angle)", "arrow(angle), arrow(2 * angle)"),
        "q opposite the arc": swap("arrow(angle / 2)", "arrow(angle / 2 + 180)", expect="no violation"),
        "a zero vector for q": swap("arrow(angle / 2)", "np.zeros(2)", expect="raised ValueError"),
    },
    "vectors-angle": {
        "np.dot for the dot product": swap("float(np.sum(u * v))", "float(np.dot(u, v))", expect="np.dot"),
        "@ for the dot product": swap("float(np.sum(u * v))", "float(u @ v)", expect="@"),
        "the norm without its square root": swap("np.sqrt(my_dot(u, u))", "my_dot(u, u)", expect="square"),
        "np.linalg.norm for the norm": swap("float(np.sqrt(my_dot(u, u)))", "float(np.linalg.norm(u))",
                                            expect="np.linalg.norm"),
        "the angle in radians": swap("float(np.degrees(np.arccos(", "float((np.arccos(", expect="radians"),
        "no clipping: nan for parallel vectors": swap("np.clip(cosine, -1.0, 1.0)", "cosine", expect="nan"),
        "clipped above only": swap("np.clip(cosine, -1.0, 1.0)", "np.minimum(cosine, 1.0)", expect="nan"),
        "divided by one norm only": swap("(my_norm(u) * my_norm(v))", "my_norm(u)"),
    },
    "vectors-matvec": {
        "A @ x": code('''
            def my_matvec(A, x):
                if np.shape(A)[1] != len(x):
                    raise ValueError(f"A has {np.shape(A)[1]} columns but x has {len(x)} entries")
                return np.asarray(A, dtype=float) @ np.asarray(x, dtype=float)
        ''', expect="@"),
        "np.dot": code('''
            def my_matvec(A, x):
                return np.dot(A, x)
        ''', expect="np.dot"),
        "transposed indices A[j, i]": swap("out[i] += A[i, j] * x[j]", "out[i] += A[j, i] * x[j]"),
        "= instead of +=": swap("out[i] += ", "out[i] = "),
        "x[i] instead of x[j]": swap("out[i] += A[i, j] * x[j]", "out[i] += A[i, j] * x[i]"),
        "no size check": swap(SIZE_CHECK, "", expect="should raise ValueError"),
        "a message without the numbers": swap('f"A has {n} columns but x has {len(x)} entries"',
                                              '"the sizes do not match"', expect="should mention"),
        "summed over the wrong axis": swap(
            "    for i in range(m):\n        for j in range(n):\n            out[i] += A[i, j] * x[j]\n",
            "    out = np.sum(A * x, axis=0)\n", expect="axis=0"),
    },
    "vectors-batch": {
        "X Wᵀ": swap("X @ W + b", "X @ W.T + b"),
        "no bias": swap("X @ W + b", "X @ W", expect="bias is missing"),
        "the bias down the columns": swap("X @ W + b", "X @ W + b[:, None]"),
        "W X instead of X W": swap("X @ W + b", "W @ X + b"),
        "a loop over the examples": swap("return X @ W + b", "return np.array([x @ W + b for x in X])",
                                         expect="loops"),
        "the transposed result": swap("return X @ W + b", "return (X @ W + b).T", expect="swapped"),
    },
    "vectors-count": {
        "a bias for the input layer too": swap("biases = sum(sizes[1:])", "biases = sum(sizes)",
                                               expect="biases"),
        "sums of sizes instead of products": swap("n_in * n_out", "n_in + n_out"),
        "the counts swapped": swap("return weights, biases", "return biases, weights", expect="swapped"),
        "only the first layer's weights": swap("zip(sizes, sizes[1:])", "zip(sizes[:2], sizes[1:2])"),
        "n_out squared": swap("n_in * n_out", "n_out * n_out"),
    },
    "vectors-vit": {
        "no position for the class token": swap("(n_patches + 1) * width", "n_patches * width"),
        "attention without biases": swap("4 * (width * width + width)", "4 * width * width"),
        "one layer norm per layer": swap("2 * (2 * width)", "2 * width"),
        "inputs without the channels": swap("inputs = image * image * channels", "inputs = image * image",
                                            expect="inputs"),
        "patches per side, not per image": swap("(image // patch) ** 2", "image // patch"),
        "no head": swap("head = 2 * width + (width * classes + classes)", "head = 2 * width"),
        "an MLP without biases": swap("(width * mlp + mlp) + (mlp * width + width)", "2 * width * mlp"),
    },
}
