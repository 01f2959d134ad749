"""Wrong answers for chapters/05_training_exercises.ipynb: the mistakes students really make.

Each must be rejected by its exercise's check (tests/test_exercise_mutations.py explains how
they are run; tests/mutations/__init__.py how to write one).
"""
from mutations import code, swap

SPLIT_PERM = "    perm = rng.permutation(n)\n    ### END SOLUTION\n    # TODO: cut it"
BATCH_PERM = "    perm = rng.permutation(n)\n    return [perm"
CUT = ("    test = perm[:n_test]\n    val = perm[n_test:n_test + n_val]\n"
       "    train = perm[n_test + n_val:]")
FIT = ("    nnlib.fit(model, nnlib.CrossEntropyLoss(),\n"
       "              nnlib.Adam(model.parameters(), lr=lr), X, y, epochs=epochs,\n"
       "              batch_size=32, rng=np.random.default_rng(seed), verbose=False)\n")
SGD_L2 = "p.data -= lr * (p.grad + weight_decay * p.data)"
DECAY = ("    if decoupled:\n        theta = theta * (1 - lr * weight_decay)\n    else:\n"
         "        grad = grad + weight_decay * theta")
LN_STATS = "mu = x.mean(axis=1, keepdims=True)\n    var = x.var(axis=1, keepdims=True)"
LN_RETURN = ("    return gamma * (x - mu) / np.sqrt(var + eps) + beta\n    ### END SOLUTION\n\n\n"
             "def my_batch_norm")
BN_RETURN = ("    var = x.var(axis=0)\n    ### END SOLUTION\n"
             "    # TODO: standardize, then scale by gamma and shift by beta\n"
             "    ### BEGIN SOLUTION\n    return gamma * (x - mu) / np.sqrt(var + eps) + beta")
NORM = "total = float(np.sqrt(sum(np.sum(p.grad ** 2) for p in params)))"

WRONG = {
    "training-split-batches": {
        "no shuffle before the split": swap(SPLIT_PERM, SPLIT_PERM.replace("rng.permutation(n)", "np.arange(n)"),
                                            expect="in order"),
        "the sizes of validation and test swapped": swap(
            CUT, "    test = perm[:n_val]\n    val = perm[n_val:n_val + n_test]\n    train = perm[n_test + n_val:]",
            expect="sizes"),
        "validation cut before test": swap(CUT, "    val = perm[:n_val]\n    test = perm[n_val:n_val + n_test]\n"
                                                "    train = perm[n_test + n_val:]", expect="validation was cut first"),
        "training keeps the validation indices": swap("train = perm[n_test + n_val:]", "train = perm[n_test:]",
                                                      expect="sizes"),
        "the last, shorter batch dropped": swap("range(0, n, batch_size)]", "range(0, n - batch_size + 1, batch_size)]",
                                                expect="batch sizes"),
        "batches in order, never shuffled": swap(BATCH_PERM, BATCH_PERM.replace("rng.permutation(n)", "np.arange(n)"),
                                                 expect="same order"),
        "a new generator with a fixed seed every epoch": swap(
            BATCH_PERM, BATCH_PERM.replace("rng.permutation(n)", "np.random.default_rng(0).permutation(n)"),
            expect="same order"),
        "np.array_split into n // batch_size pieces": swap(
            "return [perm[start:start + batch_size] for start in range(0, n, batch_size)]",
            "return np.array_split(perm, n // batch_size)", expect="batch sizes"),
    },
    "training-per-class": {
        "rows and columns swapped": swap("C[t, p] += 1", "C[p, t] += 1"),
        "divided by the column sums (precision, not recall)": swap("rows = C.sum(axis=1)", "rows = C.sum(axis=0)"),
        "0 instead of nan for a class without examples": swap(
            "np.diag(C) / np.maximum(rows, 1), np.nan)", "np.diag(C) / np.maximum(rows, 1), 0.0)",
            expect="expected nan"),
        "the overall accuracy for every class": swap(
            "acc = np.where(rows > 0, np.diag(C) / np.maximum(rows, 1), np.nan)",
            "acc = np.full(n_classes, np.trace(C) / C.sum())"),
        "nnlib's confusion_matrix, the shortcut": code('''
            def per_class_accuracy(y_true, y_pred, n_classes):
                C = diagnostics.confusion_matrix(y_true, y_pred, n_classes=n_classes)
                rows = C.sum(axis=1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    return C, np.where(rows > 0, np.diag(C) / np.maximum(rows, 1), np.nan)
        ''', expect="confusion_matrix"),
    },
    "training-digits-mlp": {
        "no ReLU between the layers": swap(
            "nnlib.Linear(64, hidden, rng=r), nnlib.ReLU(),\n                             nnlib.Linear(hidden, 10, rng=r))",
            "nnlib.Linear(64, hidden, rng=r),\n                             nnlib.Linear(hidden, 10, rng=r))",
            expect="Sequential(Linear, ReLU, Linear)"),
        "the learning rate hard-coded": swap("nnlib.Adam(model.parameters(), lr=lr)",
                                             "nnlib.Adam(model.parameters(), lr=3e-3)", expect="given `lr`"),
        "the batch order not seeded": swap("rng=np.random.default_rng(seed), verbose=False)",
                                           "rng=np.random.default_rng(), verbose=False)",
                                           expect="different networks"),
        "never trained": swap(FIT, "", expect="at least 93%"),
        "plain SGD instead of Adam": swap("nnlib.Adam(model.parameters(), lr=lr)",
                                          "nnlib.SGD(model.parameters(), lr=lr)", expect="at least 93%"),
        "the lowest accuracy chosen": swap("best = max(val_acc.values())", "best = min(val_acc.values())",
                                           expect="lowest accuracy"),
        "no tie rule: the first best in the dict": swap(
            "return min(setting for setting, acc in val_acc.items() if acc == best)",
            "return max(val_acc, key=val_acc.get)", expect="first best setting"),
        "a tie goes to the larger model": swap("return min(setting for setting", "return max(setting for setting"),
    },
    "training-weight-decay": {
        "no decay on the biases": swap(
            f"        {SGD_L2}",
            f"        if p.data.ndim > 1:\n            {SGD_L2}\n        else:\n            p.data -= lr * p.grad",
            expect="biases were not decayed"),
        "the penalty with the wrong sign": swap(SGD_L2, "p.data -= lr * (p.grad - weight_decay * p.data)"),
        "SGD decay not multiplied by lr": swap(SGD_L2, "p.data -= lr * p.grad + weight_decay * p.data"),
        "L2 and decoupled swapped": swap("    if decoupled:\n", "    if not decoupled:\n", expect="swapped"),
        "decoupled decay without the learning rate": swap("theta = theta * (1 - lr * weight_decay)",
                                                          "theta = theta * (1 - weight_decay)", expect="paper"),
        "no bias correction": swap("m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)", "m_hat, v_hat = m, v"),
        "eps inside the square root": swap("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)"),
        "decoupled decay after the Adam step": swap(
            DECAY, "    if not decoupled:\n        grad = grad + weight_decay * theta",
            "    return theta, m, v",
            "    if decoupled:\n        theta = theta * (1 - lr * weight_decay)\n    return theta, m, v"),
    },
    "training-dropout": {
        "no 1 / (1 - p) scaling": swap("    return x * keep / (1 - p)", "    return x * keep",
                                       expect="original dropout"),
        "scaled by 1 / p": swap("    return x * keep / (1 - p)", "    return x * keep / p", expect="1 / p"),
        "the mask the wrong way round": swap("    return x * keep / (1 - p)", "    return x * ~keep / (1 - p)",
                                             expect="wrong way round"),
        "dropout in evaluation mode too": swap("    if not training:\n        return x\n", ""),
        "backward ignores the mask": swap("return dout * keep / (1 - p)", "return dout / (1 - p)",
                                          expect="ignores the mask"),
        "backward without the scaling": swap("return dout * keep / (1 - p)", "return dout * keep",
                                             expect="without the 1 / (1 - p)"),
        "backward passes dout through": swap("return dout * keep / (1 - p)", "return dout", expect="unchanged"),
    },
    "training-early-stopping": {
        "an equal loss counts as better": swap("if loss < best:", "if loss <= best:"),
        "off by one: > patience": swap("if waited >= patience:", "if waited > patience:"),
        "epochs counted from 0": swap("enumerate(val_losses, start=1)", "enumerate(val_losses)"),
        "the count is not reset": swap("best, best_epoch, waited = loss, epoch, 0", "best, best_epoch = loss, epoch"),
        "the stopping epoch returned as the best": swap("return best_epoch, epoch", "return epoch, epoch"),
    },
    "training-he-init": {
        "fan_out instead of fan_in": swap("np.sqrt(2.0 / fan_in)", "np.sqrt(2.0 / fan_out)", expect="fan_out"),
        "variance 1 / fan_in (LeCun)": swap("np.sqrt(2.0 / fan_in)", "np.sqrt(1.0 / fan_in)", expect="tanh-like"),
        "the variance passed as the standard deviation": swap("np.sqrt(2.0 / fan_in)", "2.0 / fan_in",
                                                              expect="standard deviation"),
        "backward without the ReLU's mask": swap("\n        g = (g * (z > 0)) @ W.T", "\n        g = g @ W.T"),
        "W instead of W transposed": swap("\n        g = (g * (z > 0)) @ W.T", "\n        g = (g * (z > 0)) @ W",
                                          expect="raised ValueError"),
        "the spread of z instead of h": swap("act_std.append(h.std())", "act_std.append(z.std())"),
        "the gradient recorded one layer too low": swap(
            "        grad_std.append(g.std())\n        g = (g * (z > 0)) @ W.T",
            "        g = (g * (z > 0)) @ W.T\n        grad_std.append(g.std())"),
    },
    "training-normalize": {
        "layer norm over the wrong axis": swap(LN_STATS, LN_STATS.replace("axis=1", "axis=0"),
                                               expect="every row mean 0"),
        "no keepdims in layer norm": swap(LN_STATS, "mu = x.mean(axis=1)\n    var = x.var(axis=1)",
                                          expect="keepdims=True"),
        "the unbiased variance (ddof=1)": swap("var = x.var(axis=0)", "var = x.var(axis=0, ddof=1)",
                                               expect="biased variance"),
        "eps outside the square root": swap(LN_RETURN, LN_RETURN.replace("np.sqrt(var + eps)",
                                                                         "(np.sqrt(var) + eps)")),
        "gamma and beta swapped": swap(BN_RETURN, BN_RETURN.replace("return gamma * (x - mu) / np.sqrt(var + eps) + beta",
                                                                    "return beta * (x - mu) / np.sqrt(var + eps) + gamma")),
    },
    "training-residual": {
        "no skip connection in the forward pass": swap("return x + branch, (x, z, h, W1, W2)",
                                                       "return branch, (x, z, h, W1, W2)",
                                                       expect="skip connection is missing"),
        "dx without the skip path": swap("dx = dz @ W1.T + dout", "dx = dz @ W1.T", expect="misses the path"),
        "the ReLU's mask forgotten": swap("dz = dh * (z > 0)", "dz = dh"),
        "db1 summed over the wrong axis": swap("dW1, db1 = x.T @ dz, dz.sum(axis=0)",
                                               "dW1, db1 = x.T @ dz, dz.sum(axis=1)"),
        "dW2 transposed": swap("dW2, db2 = h.T @ dout, dout.sum(axis=0)", "dW2, db2 = dout.T @ h, dout.sum(axis=0)",
                               expect="swapped"),
        "a ReLU after the sum": swap("return x + branch, (x, z, h, W1, W2)",
                                     "return np.maximum(x + branch, 0.0), (x, z, h, W1, W2)"),
    },
    "training-clip": {
        "each parameter clipped on its own": code('''
            def my_clip_grad_norm(params, max_norm):
                total = float(np.sqrt(sum(np.sum(p.grad ** 2) for p in params)))
                for p in params:
                    norm = float(np.sqrt(np.sum(p.grad ** 2)))
                    if norm > max_norm:
                        p.grad *= max_norm / norm
                return total
        '''),
        "returns the norm after clipping": swap("    return total", "    return min(total, max_norm)"),
        "the condition the wrong way round": swap("if total > max_norm:", "if total < max_norm:"),
        "scaled by norm / max_norm": swap("p.grad *= max_norm / total", "p.grad *= total / max_norm"),
        "the squared norm (no square root)": swap(NORM, "total = float(sum(np.sum(p.grad ** 2) for p in params))"),
        "nnlib's own clip_grad_norm": code('''
            def my_clip_grad_norm(params, max_norm):
                return nnlib.clip_grad_norm(params, max_norm)
        ''', expect="clip_grad_norm"),
    },
}
