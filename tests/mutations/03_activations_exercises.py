"""Wrong answers for chapters/03_activations_exercises.ipynb: the mistakes students really make.

Each must be rejected by its exercise's check (tests/test_exercise_mutations.py explains how
they are run; tests/mutations/__init__.py how to write one).
"""
from mutations import code, swap

SIGMOID_GRAD = "    s = F.sigmoid(x)\n    return s * (1 - s)\n"
CENTRAL = "return (f(x + h) - f(x - h)) / (2 * h)"
GELU_RETURN = "return 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * du_dx"
SHIFT = "shifted = z - z.max(axis=1, keepdims=True)"
DEAD = "return float(np.mean(np.all(Z <= 0, axis=0)))"
QUANTILE = "layer.b.data[j] -= np.quantile(Z[:, j], (i + 0.5) / m)"
NEWTON = "x = x - float(F.silu_grad(x)) / float(silu_second(x))"

WRONG = {
    "activations-sigmoid-grad": {
        "s (1 + s)": swap("return s * (1 - s)", "return s * (1 + s)", expect="s (1 - s)"),
        "the sigmoid itself": swap("return s * (1 - s)", "return s", expect="sigmoid itself"),
        "nnlib's sigmoid_grad, the shortcut": swap(SIGMOID_GRAD, "    return F.sigmoid_grad(x)\n",
                                                   expect="sigmoid_grad"),
        "a forward difference": swap(CENTRAL, "return (f(x + h) - f(x)) / h", expect="forward difference"),
        "divided by h instead of 2h": swap(CENTRAL, "return (f(x + h) - f(x - h)) / h", expect="twice"),
        "h ignored (always 1e-5)": swap(CENTRAL, "return (f(x + 1e-5) - f(x - 1e-5)) / 2e-5"),
    },
    "activations-derivatives": {
        "1 - tanh x": swap("return 1 - np.tanh(x) ** 2", "return 1 - np.tanh(x)", expect="squared"),
        "1 - x^2": swap("return 1 - np.tanh(x) ** 2", "return 1 - x ** 2", expect="not x"),
        "tanh^2 without the 1 -": swap("return 1 - np.tanh(x) ** 2", "return np.tanh(x) ** 2",
                                       expect="1 minus"),
        "nnlib's tanh_grad": swap("return 1 - np.tanh(x) ** 2", "return F.tanh_grad(x)", expect="tanh_grad"),
        "ReLU's slope 1 at x = 0": swap("return (x > 0).astype(float)", "return (x >= 0).astype(float)",
                                        expect="x >= 0"),
        "ReLU itself": swap("return (x > 0).astype(float)", "return np.maximum(x, 0)", expect="ReLU itself"),
        "alpha * x for the leaky slope": swap("return np.where(x > 0, 1.0, alpha)",
                                              "return np.where(x > 0, 1.0, alpha * x)", expect="alpha * x"),
        "alpha fixed at 0.01": swap("return np.where(x > 0, 1.0, alpha)", "return np.where(x > 0, 1.0, 0.01)",
                                    expect="use the argument alpha"),
    },
    "activations-tanh-sigmoid": {
        "2 sigma(x) - 1": swap("return 2 * F.sigmoid(2 * x) - 1", "return 2 * F.sigmoid(x) - 1",
                               expect="argument is 2x"),
        "sigma(2x) - 1": swap("return 2 * F.sigmoid(2 * x) - 1", "return F.sigmoid(2 * x) - 1",
                              expect="factor 2 is missing"),
        "2 sigma(2x) + 1": swap("return 2 * F.sigmoid(2 * x) - 1", "return 2 * F.sigmoid(2 * x) + 1",
                                expect="off by 2"),
        "np.tanh, the shortcut": swap("return 2 * F.sigmoid(2 * x) - 1", "return np.tanh(x)", expect="np.tanh"),
        "one chain-rule factor 2 forgotten": swap("return 2 * s * (1 - s) * 2", "return 2 * s * (1 - s)",
                                                  expect="chain-rule factor"),
        "the slope of sigma at x, not 2x": code('''
            def tanh_via_sigmoid(x):
                return 2 * F.sigmoid(2 * np.asarray(x, dtype=float)) - 1

            def tanh_grad_via_sigmoid(x):
                s = F.sigmoid(np.asarray(x, dtype=float))
                return 4 * s * (1 - s)
        '''),
    },
    "activations-gelu-tanh-grad": {
        "no chain-rule factor du/dx": swap(GELU_RETURN, "return 0.5 * (1 + t) + 0.5 * x * (1 - t**2)",
                                           expect="du/dx is missing"),
        "only the first product-rule term": swap(GELU_RETURN, "return 0.5 * (1 + t)", expect="product rule"),
        "the 3 of d(x^3)/dx forgotten": swap("du_dx = c * (1 + 3 * 0.044715 * x**2)",
                                             "du_dx = c * (1 + 0.044715 * x**2)"),
        "tanh' taken as 1 - t": swap("(1 - t**2) * du_dx", "(1 - t) * du_dx"),
        "the exact GELU's slope": swap(GELU_RETURN, "return F.gelu_grad(x)", expect="gelu_grad"),
        "nnlib's tanh-form slope, the shortcut": swap(GELU_RETURN, 'return F.gelu_grad(x, "tanh")',
                                                      expect="gelu_grad"),
    },
    "activations-softmax": {
        "no max subtraction (overflows)": swap(SHIFT, "shifted = z", expect="overflow"),
        "one max for the whole array": swap(SHIFT, "shifted = z - z.max()", expect="invalid value"),
        "the max over axis 0": swap(SHIFT, "shifted = z - z.max(axis=0, keepdims=True)"),
        "sum without keepdims": swap("return e / e.sum(axis=1, keepdims=True)", "return e / e.sum(axis=1)",
                                     expect="broadcast"),
        "normalized over the columns": swap("return e / e.sum(axis=1, keepdims=True)",
                                            "return e / e.sum(axis=0, keepdims=True)", expect="each row"),
        "clipping the scores instead": swap(SHIFT, "shifted = np.clip(z, -700, 700)"),
        "nnlib's softmax, the shortcut": code('''
            def my_softmax(z):
                return F.softmax(np.asarray(z, dtype=float), axis=1)
        ''', expect="softmax()"),
    },
    "activations-saturation": {
        "every factor at x": code('''
            def stacked_sigmoid_grad(x, k):
                s = float(F.sigmoid(x))
                return (s * (1 - s)) ** k
        ''', expect="own input"),
        "the bound 0.25^k": code('''
            def stacked_sigmoid_grad(x, k):
                return 0.25 ** k
        ''', expect="best case"),
        "the last layer's slope missing": swap("    for _ in range(k):", "    for _ in range(k - 1):",
                                               expect="k - 1 factors"),
        "a not moved forward": swap("        a = s\n", ""),
        "the product of the activations": swap("slope *= s * (1 - s)", "slope *= s"),
    },
    "activations-dead-units": {
        "< 0 instead of <= 0": swap("np.all(Z <= 0, axis=0)", "np.all(Z < 0, axis=0)", expect="<= 0"),
        "np.any instead of np.all": swap("np.all(Z <= 0, axis=0)", "np.any(Z <= 0, axis=0)", expect="np.any"),
        "over the rows (axis=1)": swap("np.all(Z <= 0, axis=0)", "np.all(Z <= 0, axis=1)"),
        "the bias forgotten": swap("Z = X @ layer.W.data + layer.b.data", "Z = X @ layer.W.data"),
        "a count instead of a fraction": swap(DEAD, "return float(np.sum(np.all(Z <= 0, axis=0)))"),
        "nnlib's diagnostics, the shortcut": code('''
            def dead_fraction(layer, X):
                from nnlib.course import diagnostics
                model = nnlib.Sequential(layer, nnlib.ReLU())
                return diagnostics.dead_relu_fraction(model, np.asarray(X, dtype=float))["1"]
        ''', expect="dead_relu_fraction"),
    },
    "activations-dead-remedy": {
        "every unit re-initialized": swap("dead = np.flatnonzero(np.all(Z <= 0, axis=0))",
                                          "dead = np.arange(Z.shape[1])"),
        "the median for every dead unit": swap(QUANTILE, "layer.b.data[j] -= np.median(Z[:, j])"),
        "the quantile added (a sign error)": swap(QUANTILE, "layer.b.data[j] += np.quantile(Z[:, j], (i + 0.5) / m)"),
        "the bias reset to zero": swap(QUANTILE, "layer.b.data[j] = 0.0"),
        "the bias set to minus the quantile of XW, forgetting b": swap(
            QUANTILE, "layer.b.data[j] = -np.quantile(Z[:, j], (i + 0.5) / m)"),
        "q = i / m (off by half a step)": swap(QUANTILE, "layer.b.data[j] -= np.quantile(Z[:, j], i / m)"),
        "the weights redrawn too": swap(QUANTILE, QUANTILE + "\n        layer.W.data[:, j] = 1.0"),
    },
    "activations-gelu-min": {
        "the wrong half kept": swap("if g(lo) * g(mid) <= 0:", "if g(lo) * g(mid) > 0:"),
        "returns lo, not the midpoint": swap("    return (lo + hi) / 2", "    return lo", expect="1 of"),
        "one halving too many": swap("for _ in range(steps):", "for _ in range(steps + 1):"),
        "no bracket check": swap('''    if g(lo) * g(hi) > 0:
        raise ValueError(f"g has the same sign at {lo} and {hi}: no bracket")
''', "", expect="should raise ValueError"),
        "a grid search that ignores steps": code('''
            def bisect(g, lo, hi, steps):
                if g(lo) * g(hi) > 0:
                    raise ValueError("no bracket")
                grid = np.linspace(lo, hi, 100001)
                values = np.abs([g(v) for v in grid])
                return float(grid[np.argmin(values)])
        ''', expect="no halving"),
        "scipy's brentq, the shortcut": code('''
            def bisect(g, lo, hi, steps):
                return brentq(g, lo, hi)
        ''', expect="brentq"),
    },
    "activations-silu-min": {
        "f'' = sigma (1 - sigma)": swap("return s * (1 - s) * (2 + x * (1 - 2 * s))", "return s * (1 - s)",
                                        expect="sigmoid's slope"),
        "a constant 0.25 for f''": swap("return s * (1 - s) * (2 + x * (1 - 2 * s))",
                                        "return np.full_like(s, 0.25)", expect="constant"),
        "+ instead of - in the Newton step": swap(NEWTON, "x = x + float(F.silu_grad(x)) / float(silu_second(x))"),
        "SiLU' returned instead of SiLU": swap("return x, float(F.silu(x))", "return x, float(F.silu_grad(x))"),
        "a grid search that ignores steps": swap(NEWTON, "pass", "    return x, float(F.silu(x))", '''    grid = np.linspace(-3, 0, 3_000_001)
    x = float(grid[np.argmin(F.silu(grid))])
    return x, float(F.silu(x))''', expect="one Newton step"),
    },
}
