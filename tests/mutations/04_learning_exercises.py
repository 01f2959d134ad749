"""Wrong answers for chapters/04_learning_exercises.ipynb: the mistakes students really make.

Each must be rejected by its exercise's check (tests/test_exercise_mutations.py explains how
they are run; tests/mutations/__init__.py how to write one).
"""
from mutations import code, swap

MEAN = "loss = (errors[0] + errors[1]) / 2"
DIVERGES = ("        theta = np.array(theta0, dtype=float)\n"
            "        for _ in range(steps):\n"
            "            theta = theta - lr * grad(theta)\n")
HALVES = ("            high = mid\n"
          "        else:\n"
          "            low = mid\n")
SIN_NODE = 'return Value(value, _inputs=((x, local),), _op="sin")'
MSE = "return 2 * (pred - target) / pred.size"
CE_SHIFT = "shifted = Z - Z.max(axis=1, keepdims=True)"
SLOPE = "grad[i] = (f(plus) - f(minus)) / (2 * h)"
CENTRAL32 = "numerical = (f(x + h) - f(x - h)) / (2 * h)"
H_STAR = "h_star = (c2 * eps / (2 * c1)) ** (1 / 3)"
MOMENTUM = ("        v = mu * v + g\n"
            "        theta = theta - lr * v\n")
FIRST_BELOW = ("        below = np.flatnonzero(norms < tol)\n"
               "        if below.size == 0:\n"
               "            continue\n"
               "        updates = int(below[0])\n")
CORRECTION = ("    m_hat = m / (1 - beta1 ** t)\n"
              "    v_hat = v / (1 - beta2 ** t)\n")

WRONG = {
    "learning-neuron-autograd": {
        "the sum instead of the mean": swap(MEAN, "loss = errors[0] + errors[1]", expect="twice"),
        "no ReLU": swap("(w_node * x + b_node).relu()", "(w_node * x + b_node)", expect="ReLU"),
        "the chain rule by hand, wrapped in Values": code('''
            def neuron_mean_grad(w, b):
                grads, total = [0.0, 0.0], 0.0
                for x, y in [(1.0, 1.0), (2.0, 4.0)]:
                    z = max(w * x + b, 0.0)
                    total += (z - y) ** 2 / 2
                    if w * x + b > 0:
                        grads[0] += (z - y) * x
                        grads[1] += z - y
                w_node, b_node = Value(w), Value(b)
                w_node.grad, b_node.grad = grads
                return Value(total), w_node, b_node
        ''', expect="not in the graph"),
        "backward called twice": swap("    loss.backward()\n", "    loss.backward()\n    loss.backward()\n",
                                      expect="exactly once"),
        "w and b swapped in the neuron": swap("(w_node * x + b_node).relu()", "(b_node * x + w_node).relu()"),
        "returns the gradients as floats": swap("return loss, w_node, b_node",
                                                "return loss.data, w_node.grad, b_node.grad",
                                                expect="not a Value"),
    },
    "learning-divergence": {
        "the formula, from probes of grad": code('''
            def divergence_lr(loss, grad, theta0):
                D = len(theta0)
                g0 = grad(theta0)
                H = np.array([grad(theta0 + np.eye(D)[i]) - g0 for i in range(D)])
                return float(2 / np.linalg.eigvalsh((H + H.T) / 2).max())
        ''', expect="not the next gradient-descent step"),
        "20 steps per learning rate": swap("def diverges(lr, steps=400):", "def diverges(lr, steps=20):",
                                           expect="at most 20 steps"),
        "the bisection keeps the wrong half": swap(HALVES, "            low = mid\n"
                                                           "        else:\n"
                                                           "            high = mid\n"),
        "a blow-up counted as convergence": swap("            if loss(theta) > 1e10:\n                return True",
                                                 "            if loss(theta) > 1e10:\n                return False"),
        "a bisection that stops early": swap("while high / low > 1.001:", "while high / low > 1.5:"),
        "theta0 changed in place": swap(DIVERGES, "        theta = theta0\n"
                                                  "        for _ in range(steps):\n"
                                                  "            theta -= lr * grad(theta)\n"),
    },
    "learning-value-sin": {
        "-cos as the derivative": swap("math.cos(x.data)", "-math.cos(x.data)", expect="negative"),
        "sin as the derivative": swap("math.cos(x.data)", "math.sin(x.data)"),
        "a leaf: no input recorded": swap(SIN_NODE, "return Value(value)", expect="inputs must be (x,)"),
        "a copy of x as the input": swap("_inputs=((x, local),)", "_inputs=((Value(x.data), local),)",
                                         expect="x itself"),
        "returns a float": swap(SIN_NODE, "return value", expect="expected a Value"),
        "the derivative in degrees": swap("math.cos(x.data)", "math.cos(x.data) * math.pi / 180"),
    },
    "learning-tanh-backward": {
        "1 - tanh(x)": swap("local = 1 - t * t", "local = 1 - t", expect="1 - tanh(x)**2"),
        "1 - x squared": swap("local = 1 - t * t", "local = 1 - x * x", expect="square tanh(x), not x"),
        "dout forgotten": swap("return local * dout", "return local", expect="multiply it by dout"),
        "the sigmoid's derivative": swap("local = 1 - t * t", "local = t * (1 - t)"),
        "nnlib's tanh_grad": swap("    t = np.tanh(x)\n    local = 1 - t * t\n",
                                  "    local = nnlib.functional.tanh_grad(x)\n", expect="tanh_grad"),
        "nnlib's Tanh layer": code('''
            def my_tanh_backward(x, dout):
                layer = nnlib.Tanh()
                layer(x)
                return layer.backward(dout)
        ''', expect="Tanh"),
    },
    "learning-dense-relu-backward": {
        "dW = G^T X": swap("dW = X.T @ G", "dW = G.T @ X", expect="swapped"),
        "db as a mean": swap("db = G.sum(axis=0)", "db = G.mean(axis=0)", expect="a mean where a sum"),
        "db summed over the wrong axis": swap("db = G.sum(axis=0)", "db = G.sum(axis=1)", expect="axis"),
        "dX = G W, no transpose": swap("dX = G @ W.T", "dX = G @ W", expect="raised ValueError"),
        "ReLU with >=": swap("return G * (X > 0)", "return G * (X >= 0)"),
        "ReLU's mask without G": swap("return G * (X > 0)", "return (X > 0) * 1.0"),
        "MSE without its 2": swap(MSE, "return (pred - target) / pred.size", expect="half"),
        "MSE divided by N only": swap(MSE, "return 2 * (pred - target) / len(pred)", expect="4 times"),
        "MSE with the sign flipped": swap(MSE, "return 2 * (target - pred) / pred.size", expect="sign"),
        "a loop for db": swap("db = G.sum(axis=0)", "db = sum(g for g in G)", expect="loops"),
    },
    "learning-softmax-ce": {
        "no max subtraction": swap(CE_SHIFT, "shifted = Z", expect="overflows"),
        "the gradient without 1/N": swap("return float(loss), dZ / N", "return float(loss), dZ", expect="twice"),
        "P + Y instead of P - Y": swap("dZ[rows, labels] -= 1", "dZ[rows, labels] += 1"),
        "the sum instead of the mean": swap("loss = -log_probs[rows, labels].mean()",
                                            "loss = -log_probs[rows, labels].sum()", expect="twice"),
        "the max over the wrong axis": swap(CE_SHIFT, "shifted = Z - Z.max(axis=0, keepdims=True)"),
        "nnlib's CrossEntropyLoss": code('''
            def my_softmax_cross_entropy(Z, labels):
                loss_fn = nnlib.CrossEntropyLoss()
                return loss_fn(Z, labels), loss_fn.backward()
        ''', expect="CrossEntropyLoss"),
    },
    "learning-numerical-gradient": {
        "a forward difference": swap(SLOPE, "grad[i] = (f(plus) - f(x)) / h"),
        "divided by h instead of 2h": swap(SLOPE, "grad[i] = (f(plus) - f(minus)) / h", expect="twice"),
        "x nudged in place, never restored": swap(
            "        plus, minus = x.copy(), x.copy()\n        plus[i] += h\n        minus[i] -= h\n",
            "        x[i] += h\n        plus = x.copy()\n        x[i] -= 2 * h\n        minus = x.copy()\n",
            ),
        "nnlib's numerical_gradient": code('''
            def my_numerical_gradient(f, x, h=1e-5):
                return gradcheck.numerical_gradient(f, np.array(x, dtype=float), h)
        ''', expect="numerical_gradient"),
        "h squared in the denominator": swap(SLOPE, "grad[i] = (f(plus) - f(minus)) / (2 * h * h)"),
    },
    "learning-float32-gradcheck": {
        "h not converted: float64 arithmetic": swap("    h = x.dtype.type(h)\n", "", expect="convert h"),
        "a forward difference": swap(CENTRAL32, "numerical = (f(x + h) - f(x)) / h"),
        "the absolute error": swap("return np.abs(numerical.astype(np.float64) - exact) / np.abs(exact)",
                                   "return np.abs(numerical.astype(np.float64) - exact)"),
        "h* without the 2": swap(H_STAR, "h_star = (c2 * eps / c1) ** (1 / 3)", expect="without the 2"),
        "the square-root rule": swap(H_STAR, "h_star = (c2 * eps / c1) ** 0.5", expect="forward difference"),
        "e(h*) without the rounding term": swap("e_star = c1 * h_star ** 2 + c2 * eps / h_star",
                                                "e_star = c1 * h_star ** 2", expect="rounding term"),
    },
    "learning-momentum-loop": {
        "a running average of the gradients": swap("v = mu * v + g", "v = mu * v + (1 - mu) * g",
                                                   expect="running average"),
        "theta moved with the old velocity": swap(MOMENTUM, "        theta = theta - lr * v\n"
                                                            "        v = mu * v + g\n", expect="old velocity"),
        "the path without its start": swap("path = [theta.copy()]", "path = []"),
        "nnlib.SGD inside the loop": code('''
            def momentum_descent(grad, theta0, lr, mu, steps):
                p = nnlib.Parameter(np.array(theta0, dtype=float))
                opt = nnlib.SGD([p], lr=lr, momentum=mu)
                path = [p.data.copy()]
                for _ in range(steps):
                    opt.zero_grad()
                    p.grad = grad(p.data)
                    opt.step()
                    path.append(p.data.copy())
                return np.array(path)

            def fastest(grad, theta0, mu, lrs, tol, max_steps):
                best_lr, best_steps = None, None
                for lr in lrs:
                    with np.errstate(over="ignore", invalid="ignore"):
                        norms = np.linalg.norm(momentum_descent(grad, theta0, lr, mu, max_steps), axis=1)
                    below = np.flatnonzero(norms < tol)
                    if below.size and (best_steps is None or below[0] < best_steps):
                        best_lr, best_steps = lr, int(below[0])
                return best_lr, best_steps
        ''', expect="SGD"),
        "a run that never gets there counts as 0 updates": swap(FIRST_BELOW,
                                                                "        updates = int(np.argmax(norms < tol))\n",
                                                                expect="counted as 0 updates"),
        "the slowest instead of the fastest": swap("updates < best_steps", "updates > best_steps"),
        "off by one": swap("updates = int(below[0])", "updates = int(below[0]) + 1"),
    },
    "learning-adam": {
        "no bias correction": swap(CORRECTION, "    m_hat, v_hat = m, v\n", expect="bias correction"),
        "t + 1 in the correction": swap("beta1 ** t)", "beta1 ** (t + 1))", "beta2 ** t)", "beta2 ** (t + 1))"),
        "eps inside the square root": swap("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)"),
        "the betas swapped": swap("m = beta1 * m + (1 - beta1) * grad", "m = beta2 * m + (1 - beta2) * grad",
                                  "v = beta2 * v + (1 - beta2) * grad ** 2", "v = beta1 * v + (1 - beta1) * grad ** 2"),
        "m and v updated in place": swap(
            "    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v + (1 - beta2) * grad ** 2\n",
            "    m *= beta1\n    m += (1 - beta1) * grad\n    v *= beta2\n    v += (1 - beta2) * grad ** 2\n",
            expect="changed an array"),
        "the gradient's square root instead of v's": swap("(np.sqrt(v_hat) + eps)", "(np.abs(m_hat) + eps)"),
    },
}
