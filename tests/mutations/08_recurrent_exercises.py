"""Wrong answers for chapters/08_recurrent_exercises.ipynb: the mistakes students really make.

Each must be rejected by its exercise's check (tests/test_exercise_mutations.py explains how
they are run; tests/mutations/__init__.py how to write one).
"""
from mutations import code, swap

STEP = "h = np.tanh(x[:, t] @ W_x + h @ W_h + b)"
DELTA = "delta = dout[:, t] + d_next @ W_h.T"
CHAIN = "delta = (delta * (1 - hs[:, t] ** 2)) @ W_h.T"
RADIUS = "radius = np.abs(np.linalg.eigvals(W)).max()"
NORM = "norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))"
SCALE = "scale = max_norm / norm if norm > max_norm else 1.0"

WRONG = {
    "rnn-forward": {
        "no recurrence: the previous state is left out":
            swap(STEP, "h = np.tanh(x[:, t] @ W_x + b)", expect="previous one"),
        "W_h transposed": swap(STEP, "h = np.tanh(x[:, t] @ W_x + h @ W_h.T + b)",
                               expect="transposed"),
        "no tanh": swap(STEP, "h = x[:, t] @ W_x + h @ W_h + b", expect="tanh is missing"),
        "h_0 = 1 instead of 0": swap("h = np.zeros((B, H))", "h = np.ones((B, H))"),
        "stores the state before updating it (off by one step)": swap(
            f"        {STEP}\n        states[:, t] = h\n",
            f"        states[:, t] = h\n        {STEP}\n"),
        "nnlib's RNN, the shortcut": code('''
            def my_rnn_forward(x, W_x, W_h, b):
                layer = nnlib.RNN(W_x.shape[0], W_h.shape[0])
                layer.W_x.data[...], layer.W_h.data[...], layer.b.data[...] = W_x, W_h, b
                return layer(x)
        ''', expect="nnlib.RNN"),
    },
    "rnn-bptt": {
        "the gradient from the next step is forgotten": swap(DELTA, "delta = dout[:, t]"),
        "W_h instead of its transpose": swap(DELTA, "delta = dout[:, t] + d_next @ W_h"),
        "dW_h from h_t instead of h_{t-1}": swap("dW_h += h_prev.T @ d", "dW_h += hs[:, t].T @ d"),
        "tanh' taken as 1 - h, not 1 - h^2": swap("d = delta * (1 - hs[:, t] ** 2)",
                                                  "d = delta * (1 - hs[:, t])"),
        "carries delta instead of d to the previous step": swap("        d_next = d\n",
                                                                "        d_next = delta\n"),
        "db summed over the wrong axis": swap("db += d.sum(axis=0)", "db += d.sum(axis=1)"),
    },
    "rnn-finite-differences": {
        "a one-sided difference": swap("grad[i, j] = (up - down) / (2 * eps)",
                                       "grad[i, j] = (up - loss(W)) / eps"),
        "divided by eps instead of 2 eps": swap("grad[i, j] = (up - down) / (2 * eps)",
                                                "grad[i, j] = (up - down) / eps",
                                                expect="times 2"),
        "the entry is not put back": swap("            W[i, j] = old\n            grad", "            grad"),
        "lowered from the raised value, so it ends at old, not old - eps": swap(
            "W[i, j] = old - eps", "W[i, j] -= eps"),
        "nnlib's numerical_gradient, the shortcut": code('''
            def my_numerical_gradient(loss, W, eps=1e-5):
                return numerical_gradient(loss, W, eps)
        ''', expect="numerical_gradient"),
    },
    "rnn-jacobian-chain": {
        "W_h instead of its transpose": swap(CHAIN, "delta = (delta * (1 - hs[:, t] ** 2)) @ W_h"),
        "the tanh factor of the wrong step": swap(CHAIN,
                                                  "delta = (delta * (1 - hs[:, t - 1] ** 2)) @ W_h.T"),
        "no tanh factor": swap(CHAIN, "delta = delta @ W_h.T"),
        "one step too many (back to h_0)": swap("for t in range(T - 1, 0, -1):",
                                                "for t in range(T - 1, -1, -1):"),
    },
    "rnn-spectral-radius": {
        "the largest singular value": swap(RADIUS, "radius = np.linalg.norm(W, 2)",
                                           expect="singular value"),
        "the largest real part": swap(RADIUS, "radius = np.linalg.eigvals(W).real.max()",
                                      expect="absolute values"),
        "the Frobenius norm": swap(RADIUS, "radius = np.sqrt(np.sum(W ** 2))"),
        "the largest entry": swap(RADIUS, "radius = np.abs(W).max()"),
        "the factor upside down": swap("return W * (r / radius)", "return W * (radius / r)"),
    },
    "rnn-clip": {
        "each array clipped on its own": code('''
            def my_clip_grad_norm(grads, max_norm):
                norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
                out = []
                for g in grads:
                    n = np.sqrt(np.sum(g ** 2))
                    out.append(g * (max_norm / n) if n > max_norm else g)
                return out, norm
        '''),
        "every entry clipped to [-max_norm, max_norm]": swap(
            "return [g * scale for g in grads], norm",
            "return [np.clip(g, -max_norm, max_norm) for g in grads], norm"),
        "always rescaled to max_norm": swap(SCALE, "scale = max_norm / norm"),
        "returns the norm after clipping": swap("return [g * scale for g in grads], norm",
                                                "return [g * scale for g in grads], norm * scale"),
        "no square root": swap(NORM, "norm = float(sum(np.sum(g ** 2) for g in grads))"),
        "nnlib's clip_grad_norm, the shortcut": code('''
            def my_clip_grad_norm(grads, max_norm):
                params = [nnlib.Parameter(np.array(g, dtype=float)) for g in grads]
                for p, g in zip(params, grads):
                    p.grad[...] = g
                norm = nnlib.clip_grad_norm(params, max_norm)
                return [p.grad for p in params], norm
        ''', expect="clip_grad_norm"),
    },
    "lstm-step": {
        "input and forget gates swapped": swap(
            "i = 1 / (1 + np.exp(-z[:, :H]))\n    f = 1 / (1 + np.exp(-z[:, H:2 * H]))",
            "f = 1 / (1 + np.exp(-z[:, :H]))\n    i = 1 / (1 + np.exp(-z[:, H:2 * H]))"),
        "no input gate": swap("    c = f * c_prev + i * g\n    h", "    c = f * c_prev + g\n    h"),
        "no tanh on the cell": swap("h = o * np.tanh(c)", "h = o * c"),
        "a sigmoid for the candidate g": swap("g = np.tanh(z[:, 2 * H:3 * H])",
                                              "g = 1 / (1 + np.exp(-z[:, 2 * H:3 * H]))"),
        "tanh for the output gate": swap("o = 1 / (1 + np.exp(-z[:, 3 * H:]))", "o = np.tanh(z[:, 3 * H:])"),
        "the old cell multiplied by the input gate": swap("    c = f * c_prev + i * g\n    h",
                                                          "    c = i * c_prev + f * g\n    h"),
    },
    "lstm-gradient-survival": {
        "the loss put on the first step": swap("dout[:, -1] = u", "dout[:, 0] = u"),
        "u sent to every step": swap("dout[:, -1] = u", "dout[:] = u"),
        "the norm of the last input's gradient": swap("np.linalg.norm(dx[:, 0], axis=1)",
                                                      "np.linalg.norm(dx[:, -1], axis=1)"),
        "one norm for the whole batch": swap("np.linalg.norm(dx[:, 0], axis=1)", "np.linalg.norm(dx[:, 0])"),
        "the sum of the entries, not the norm": swap("np.linalg.norm(dx[:, 0], axis=1)", "dx[:, 0].sum(axis=1)"),
    },
}
