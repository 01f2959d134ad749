"""Wrong answers for chapters/06_depth_vs_width_exercises.ipynb: the mistakes students really make.

Each must be rejected by its exercise's check (tests/test_exercise_mutations.py explains how
they are run; tests/mutations/__init__.py how to write one).
"""
from mutations import code, swap

HAT_OUT = "np.array([[2.0], [-4.0], [2.0]])"
FOLD_T = "np.array([-0.3, -0.6])"
FOLD_OUT = "np.array([[1.0], [-3.0]])"
STEP = "                opt.step()\n"
TEST_MSE = "mse[i, j] = np.mean((net(x_test) - y_test) ** 2)"
MATCH = "n = (deep_params - 1) // 3"

WRONG = {
    "depth-predict-pieces": {
        "the bound n + 1": swap("return 3", "return 6", expect="bound"),
        "the v = 0 unit's kink counted": swap("return 3", "return 4", expect="one kink too many"),
        "the kinks, not the pieces": swap("return 3", "return 2", expect="number of kinks"),
        "every unit's kink counted but one merge": swap("return 3", "return 5", expect="two kinks too many"),
        "a string": swap("return 3", 'return "3"', expect="whole number"),
    },
    "depth-hat": {
        "the slopes as output weights": swap(HAT_OUT, "np.array([[2.0], [-2.0], [0.0]])",
                                             expect="change of slope"),
        "kinks at 0, -1/2, -1": swap("np.array([0.0, -0.5, -1.0])", "np.array([0.0, 0.5, 1.0])",
                                     expect="your network"),
        "no unit to level off at 1": swap(HAT_OUT, "np.array([[2.0], [-4.0], [0.0]])", expect="slopes"),
        "an output bias of 1": swap("np.zeros(1)", "np.ones(1)"),
        "four units": code('''
            def hat_network():
                W1, b1 = np.ones((1, 4)), np.array([0.0, -0.5, -1.0, -2.0])
                W2, b2 = np.array([[2.0], [-4.0], [2.0], [0.0]]), np.zeros(1)
                return piecewise.relu_network([W1, W2], [b1, b2])
        ''', expect="Linear(1, 3)"),
    },
    "depth-shallow-kinks": {
        "the signed change w v": swap("changes = np.abs(w[has_kink]) * v[has_kink]",
                                      "changes = w[has_kink] * v[has_kink]", expect="|w| v"),
        "kinks at lo and hi kept": swap("(kinks > lo) & (kinks < hi)", "(kinks >= lo) & (kinks <= hi)",
                                        expect="strictly inside"),
        "coincident kinks not merged": swap("if merged and k - merged[-1] <= 1e-9:", "if False:",
                                            expect="merge"),
        "cancelled kinks kept": swap("if abs(t) > 1e-9 * scale]", "]", expect="add up to zero"),
        "b / w for -b / w": swap("kinks = -b[has_kink] / w[has_kink]", "kinks = b[has_kink] / w[has_kink]"),
        "not sorted": swap("order = np.argsort(kinks[inside])", "order = np.arange(inside.sum())"),
    },
    "depth-sampled-count": {
        "marked entries counted, not runs": swap("return int(starts.sum()) + 1", "return int(marked.sum()) + 1",
                                                 expect="runs"),
        "no + 1": swap("return int(starts.sum()) + 1", "return int(starts.sum())", expect="plus one"),
        "first differences": swap("d = f[:-2] - 2 * f[1:-1] + f[2:]", "d = np.diff(f)"),
        "no tolerance for rounding": swap("> 1e-9 * max(1.0, np.abs(f).max())", "> 0"),
    },
    "depth-fold-six": {
        "the tent as the pattern": swap(FOLD_T, "np.array([0.0, -0.5])", FOLD_OUT, "np.array([[2.0], [-4.0]])",
                                        expect="three pieces"),
        "a threshold outside (0, 1)": swap(FOLD_T, "np.array([-0.3, -1.2])", expect="strictly inside"),
        "the second layer reads u0 + u1, not the tent": swap("np.outer(tent, np.ones(2))", "np.ones((2, 2))",
                                                              expect="your network"),
        "output weights that cancel": swap(FOLD_OUT, "np.array([[0.0], [0.0]])"),
        "one layer of four units": code('''
            def fold_network():
                W1, b1 = np.ones((1, 4)), np.array([0.0, -0.25, -0.5, -0.75])
                W2 = np.array([[4.0], [-8.0], [8.0], [-8.0]])
                return piecewise.relu_network([W1, W2], [b1, np.zeros(1)])
        ''', expect="Linear(2, 2)"),
    },
    "depth-sawtooth": {
        "one hidden layer too few": swap("for _ in range(k - 1):", "for _ in range(k - 2):",
                                         expect="Linear(2, 2)"),
        "the tent's weights 2 and -2": swap("tent = np.array([[2.0], [-4.0]])", "tent = np.array([[2.0], [-2.0]])",
                                            expect="pieces"),
        "no thresholds after the first layer": swap("biases.append(thresholds)", "biases.append(np.zeros(2))"),
        "later layers read u0 + u1": swap("weights.append(tent @ np.ones((1, 2)))",
                                          "weights.append(np.ones((2, 2)))"),
        "the library's sawtooth": code('''
            def my_sawtooth(k):
                return piecewise.sawtooth_network(k)
        ''', expect="sawtooth_network"),
    },
    "depth-experiment": {
        "no zero_grad: gradients pile up": swap("                opt.zero_grad()\n", ""),
        "the training error": swap(TEST_MSE, "mse[i, j] = np.mean((net(X_train) - Y_train) ** 2)",
                                   expect="training points"),
        "no optimizer step": swap(STEP, "", expect="untrained"),
        "the same seed for every run": swap("net = make_net(design, seed)", "net = make_net(design, 0)",
                                            expect="same network"),
        "pieces counted on [0, 1]": swap("piecewise.count_pieces(net, -1, 1)", "piecewise.count_pieces(net, 0, 1)",
                                         expect="pieces"),
        "seeds as rows": swap("return mse, pieces", "return mse.T, pieces.T", expect="swapped"),
    },
    "depth-matched-width": {
        "no biases": swap("m * k + k", "m * k"),
        "rounded up: more parameters than the deep one": swap(MATCH, "n = -(-(deep_params - 1) // 3)"),
        "no output bias in the shallow count": swap(MATCH, "n = deep_params // 3"),
        "the output layer left out": swap("zip(sizes, sizes[1:])", "zip(sizes[:-1], sizes[1:-1])"),
        "1 -> n -> 1 counted as 2n + 1": swap(MATCH, "n = (deep_params - 1) // 2",
                                             "return n, deep_params, 3 * n + 1",
                                             "return n, deep_params, 2 * n + 1"),
        "nnlib's count_parameters": code('''
            def matched_shallow_width(hidden):
                sizes = [1, *hidden, 1]
                deep = nnlib.Sequential(*[nnlib.Linear(m, k) for m, k in zip(sizes, sizes[1:])])
                deep_params = nnlib.count_parameters(deep)
                n = (deep_params - 1) // 3
                return n, deep_params, 3 * n + 1
        ''', expect="count_parameters"),
    },
    "depth-uat-units": {
        "n knots for n units": swap("xs = np.linspace(lo, hi, n + 1)", "xs = np.linspace(lo, hi, n)",
                                    expect="raised"),
        "no output bias": swap("[b1, ys[:1]]", "[b1, np.zeros(1)]", expect="straight"),
        "the slopes as output weights": swap("out = np.concatenate([[slopes[0]], np.diff(slopes)])",
                                             "out = slopes"),
        "the error measured at the ends only": swap("x = np.linspace(lo, hi, 2001)", "x = np.linspace(lo, hi, 2)"),
        "one unit fewer": swap("    return n\n    ### END", "    return n - 1\n    ### END"),
        "np.interp instead of the network": swap(
            "while np.abs(interpolant_network(f, n, lo, hi)(x[:, None])[:, 0]\n                 - f(x)).max() > eps:",
            "while np.abs(np.interp(x, np.linspace(lo, hi, n + 1),\n"
            "                       f(np.linspace(lo, hi, n + 1))) - f(x)).max() > eps:",
            expect="np.interp"),
    },
}
