"""Wrong answers for chapters/02_neurons_exercises.ipynb: the mistakes students really make.

Each must be rejected by its exercise's check (tests/test_exercise_mutations.py explains how
they are run; tests/mutations/__init__.py how to write one).
"""
from mutations import code, swap

SIGMOID = "return 1 / (1 + np.exp(-z))"
LIF_RESET = ("        if v > threshold:\n"
             "            spikes += 1\n"
             "            v = 0.0\n")
PERCEPTRON_UPDATE = "w, b = w + error * x_i, b + error"
RELU_IF = ("        if k < len(params) - 1:\n"
           "            H = np.maximum(H, 0)\n")
COLLAPSE_STEP = "W, b = W @ layer.W.data, b @ layer.W.data + layer.b.data"

WRONG = {
    "neurons-forward": {
        "e^(+z): the sign in the sigmoid": swap("np.exp(-z)", "np.exp(z)", expect="sign"),
        "the bias forgotten": swap("z = X @ w + b", "z = X @ w", expect="bias is missing"),
        "the bias subtracted": swap("z = X @ w + b", "z = X @ w - b", expect="subtracted"),
        "no sigmoid: z itself": swap(SIGMOID, "return z", expect="sigmoid is missing"),
        "tanh instead of the sigmoid": swap(SIGMOID, "return np.tanh(z)"),
        "an (N, 1) column instead of (N,)": swap("z = X @ w + b", "z = X @ w.reshape(-1, 1) + b",
                                                 expect="shape"),
    },
    "neurons-spikes": {
        "fires at v = threshold (>=)": swap("if v > threshold:", "if v >= threshold:", expect=">="),
        "no reset after a spike": swap("            v = 0.0\n", "", expect="not reset"),
        "the reset subtracts the threshold": swap("            v = 0.0\n", "            v = v - threshold\n",
                                                  expect="subtracts"),
        "no leak: v grows by the input": swap("v = leak * v + current", "v = v + current"),
        "the leak applied after the input": swap("v = leak * v + current", "v = leak * (v + current)"),
        "one step too few": swap("for _ in range(steps):", "for _ in range(steps - 1):"),
        "the voltage returned instead of the count": swap("    return spikes", "    return v"),
        "spikes = 1 instead of spikes += 1": swap(
            LIF_RESET, "        if v > threshold:\n            spikes = 1\n            v = 0.0\n"),
    },
    "neurons-threshold": {
        "bias +theta": swap("layer.b.data[:] = -theta", "layer.b.data[:] = theta"),
        "the weights never set": swap("layer.W.data[:] = w.reshape(-1, 1)", "pass"),
        "a sigmoid instead of the step": swap("nnlib.Sequential(layer, nnlib.Step())",
                                              "nnlib.Sequential(layer, nnlib.Sigmoid())"),
        "the bias nudged so that w . x = theta fires": swap("layer.b.data[:] = -theta",
                                                            "layer.b.data[:] = -theta + 1e-9",
                                                            expect="exactly at"),
        "the weights as a row": swap("layer.W.data[:] = w.reshape(-1, 1)",
                                     "layer.W.data[:] = w.reshape(1, -1)", expect="raised ValueError"),
        "the bias fixed at -1": swap("layer.b.data[:] = -theta", "layer.b.data[:] = -1.0"),
    },
    "neurons-nand": {
        "AND's weights for NAND": swap("return -1.0, -1.0, 1.5", "return 1.0, 1.0, -1.5", expect="AND"),
        "only the weights flipped": swap("return -1.0, -1.0, 1.5", "return -1.0, -1.0, -1.5",
                                         expect="always 0"),
        "NAND and NOR swapped": code('''
            def nand_weights():
                return -1.0, -1.0, 0.5

            def nor_weights():
                return -1.0, -1.0, 1.5
        ''', expect="NOR"),
        "NOR's bias too small": swap("    return -1.0, -1.0, 0.5\n", "    return -1.0, -1.0, -0.5\n",
                                     expect="always 0"),
        "a list of two numbers": swap("return -1.0, -1.0, 1.5", "return [-1.0, 1.5]",
                                      expect="expected a tuple"),
    },
    "neurons-xor-proof": {
        "a certificate for every table": code('''
            def impossibility_certificate(y):
                return np.ones(4)
        ''', expect="return None"),
        "None for every table": code('''
            def impossibility_certificate(y):
                return None
        ''', expect="return a certificate"),
        "XOR only, XNOR forgotten": swap("if y[0] == y[3] and y[1] == y[2] and y[0] != y[1]:",
                                         "if tuple(y) == (0, 1, 1, 0):", expect="return a certificate"),
        "only the two strict conditions of XOR": swap("return np.ones(4)",
                                                      "return (y == 1).astype(float)", expect="leaves"),
        "the signs put into the multipliers": swap("return np.ones(4)", "return 2.0 * y - 1",
                                                   expect="negative"),
        "the wrong diagonals": swap("if y[0] == y[3] and y[1] == y[2] and y[0] != y[1]:",
                                    "if y[0] == y[1] and y[2] == y[3] and y[0] != y[2]:",
                                    expect="computes this table"),
        "all multipliers zero": swap("return np.ones(4)", "return np.zeros(4)", expect="no contradiction"),
    },
    "neurons-xor-net": {
        "the chapter's OR and NAND hidden units": swap(
            "hidden.W.data[:] = [[1.0, -1.0],\n                        [-1.0, 1.0]]\n"
            "    hidden.b.data[:] = [-0.5, -0.5]",
            "hidden.W.data[:] = [[1.0, -1.0],\n                        [1.0, -1.0]]\n"
            "    hidden.b.data[:] = [-0.5, 1.5]", expect="hidden units should compute"),
        "AND on top instead of OR": swap("top.b.data[:] = [-0.5]", "top.b.data[:] = [-1.5]",
                                         expect="top unit should compute OR"),
        "hidden biases +0.5": swap("hidden.b.data[:] = [-0.5, -0.5]", "hidden.b.data[:] = [0.5, 0.5]"),
        "sigmoids instead of steps": swap("nnlib.Sequential(hidden, nnlib.Step(), top, nnlib.Step())",
                                          "nnlib.Sequential(hidden, nnlib.Sigmoid(), top, nnlib.Sigmoid())",
                                          expect="Linear, Step, Linear, Step"),
        "NOR on top": swap("top.W.data[:] = [[1.0], [1.0]]\n    top.b.data[:] = [-0.5]",
                           "top.W.data[:] = [[-1.0], [-1.0]]\n    top.b.data[:] = [0.5]"),
        "a top layer of the wrong shape": swap("top.W.data[:] = [[1.0], [1.0]]", "top.W.data[:] = [[1.0, 1.0]]",
                                               expect="raised ValueError"),
    },
    "neurons-perceptron": {
        "z = 0 counts as firing (>=)": swap("float(x_i @ w + b > 0)", "float(x_i @ w + b >= 0)",
                                            expect="counts as firing"),
        "the bias never moves": swap(PERCEPTRON_UPDATE, "w = w + error * x_i", expect="bias never moves"),
        "while True: max_epochs ignored": code('''
            def my_perceptron(X, y, max_epochs=100):
                X = np.asarray(X, dtype=float)
                w, b, updates = np.zeros(X.shape[1]), 0.0, 0
                while True:
                    mistakes = 0
                    for x_i, y_i in zip(X, y):
                        error = y_i - float(x_i @ w + b > 0)
                        if error != 0:
                            w, b = w + error * x_i, b + error
                            mistakes += 1
                    updates += mistakes
                    if mistakes == 0:
                        break
                return w, b, updates
        ''', expect="endless loop"),
        "one epoch too few": swap("for epoch in range(max_epochs):", "for epoch in range(max_epochs - 1):"),
        "epochs counted instead of updates": swap("updates += mistakes", "updates += 1"),
        "y x added instead of (y - prediction) x": swap(PERCEPTRON_UPDATE, "w, b = w + y_i * x_i, b + y_i"),
        "all mistakes of an epoch applied at once": code('''
            def my_perceptron(X, y, max_epochs=100):
                X = np.asarray(X, dtype=float)
                w, b, updates = np.zeros(X.shape[1]), 0.0, 0
                for epoch in range(max_epochs):
                    errors = y - (X @ w + b > 0)
                    mistakes = int(np.sum(errors != 0))
                    w, b = w + errors @ X, b + errors.sum()
                    updates += mistakes
                    if mistakes == 0:
                        break
                return w, b, updates
        '''),
    },
    "neurons-layer": {
        "no ReLU at all": swap(RELU_IF, "", expect="without any ReLU"),
        "a ReLU after the last layer too": swap(RELU_IF, "        H = np.maximum(H, 0)\n",
                                                expect="after the last layer"),
        "the bias forgotten": swap("H = H @ W + b", "H = H @ W"),
        "W transposed": swap("H = H @ W + b", "H = H @ W.T + b"),
        "build_network without the ReLUs": swap(
            "        if k < len(params) - 1:\n            layers.append(nnlib.ReLU())\n", "",
            expect="expected the layers"),
        "build_network does not copy the bias": swap("        linear.b.data[:] = b\n", "",
                                                     expect="the formula gives"),
        "build_network with sigmoids": swap("layers.append(nnlib.ReLU())", "layers.append(nnlib.Sigmoid())",
                                            expect="expected the layers"),
    },
    "neurons-collapse": {
        "the biases simply added up": swap(COLLAPSE_STEP, "W, b = W @ layer.W.data, b + layer.b.data"),
        "the products in the wrong order": swap(COLLAPSE_STEP,
                                                "W, b = layer.W.data @ W, b @ layer.W.data + layer.b.data"),
        "only the last layer's bias": swap(COLLAPSE_STEP, "W, b = W @ layer.W.data, layer.b.data",
                                           expect="only the last layer's bias"),
        "b starts at ones": swap("b = np.zeros(layers[0].in_features)", "b = np.ones(layers[0].in_features)"),
        "W starts at zeros": swap("W = np.eye(layers[0].in_features)",
                                  "W = np.zeros((layers[0].in_features,) * 2)"),
        "the weights multiplied, the biases forgotten": swap(
            COLLAPSE_STEP, "W, b = W @ layer.W.data, b @ layer.W.data"),
    },
}
