"""MLP training steps: nnlib against PyTorch, against its own matrix products, and against NumPy.

One step = ``zero_grad``, forward, softmax cross-entropy, backward (no gradient for the
input data), SGD update, on a float32 batch. Contenders, all from the same weights:

- **nnlib**: ``Sequential(Linear, ReLU, ..., Linear)``, ``CrossEntropyLoss``, ``SGD``, called
  as the chapters call them (``model.backward(dout, input_grad=False)``).
- **pytorch**: ``torch.nn.Sequential`` of the same layers, ``F.cross_entropy``, ``torch.optim.SGD``.
- **gemms**: only the matrix products nnlib's step performs, on arrays of the same shapes and
  layouts, written into preallocated outputs (``np.matmul(..., out=...)``): for L layers, L in
  the forward pass and 2L - 1 in the backward pass (no input gradient). For 784-256-256-10
  these are the 8 GEMMs of issue 17. The floor for any NumPy implementation.
- **numpy**: the best step we could write by hand with NumPy: preallocated buffers, in-place
  bias and ReLU, a fused stable softmax cross-entropy, the ReLU mask applied in place, an
  in-place SGD update, reductions through the ufuncs' own ``reduce`` and the learning rate
  as a float32 scalar. What remains between it and nnlib is the cost of the library.

Configurations (issue 17): the 784-256-256-10 ReLU MLP at batch 32, 256 and 1024 (nnlib
against pytorch and gemms), and a deep narrow MLP, 20 layers of width 64, at batch 64 and
32 (nnlib against numpy: the per-layer overhead of the library). Before timing, three steps
of every contender from the same start must reach the same weights.
"""
import math

import numpy as np

from nnlib.activations import ReLU
from nnlib.layers import Linear, Sequential
from nnlib.losses import CrossEntropyLoss
from nnlib.optim import SGD

LR = 0.01
WIDE = (784, 256, 256, 10)
DEEP = (64,) * 21  # 20 Linear(64, 64) layers, ReLU between them, 64 classes


def problem(sizes, batch, dtype=np.float32, seed=0):
    """Inputs ``X (batch, sizes[0])``, labels ``y (batch,)``, He-initialised weights, zero biases."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], size=batch)
    weights = [(rng.standard_normal((a, b)) * math.sqrt(2 / a)).astype(dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [(rng.standard_normal(b) * 0.1).astype(dtype) for b in sizes[1:]]
    return X, y, weights, biases


def nnlib_step(X, y, weights, biases):
    layers = []
    for i, (W, b) in enumerate(zip(weights, biases)):
        lin = Linear(*W.shape, dtype=W.dtype)
        lin.W.data[...], lin.b.data[...] = W, b
        layers += [lin, ReLU()] if i < len(weights) - 1 else [lin]
    model, loss_fn = Sequential(*layers), CrossEntropyLoss()
    opt = SGD(model.parameters(), lr=LR)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        model.backward(loss_fn.backward(), input_grad=False)
        opt.step()
        return loss

    return step, lambda: [m.W.data for m in model if isinstance(m, Linear)]


def torch_step(X, y, weights, biases):
    import torch

    layers = []
    for i, (W, b) in enumerate(zip(weights, biases)):
        lin = torch.nn.Linear(*W.shape)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))  # PyTorch stores W transposed
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin, torch.nn.ReLU()] if i < len(weights) - 1 else [lin]
    model = torch.nn.Sequential(*layers)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    cross_entropy = torch.nn.functional.cross_entropy

    def step():
        opt.zero_grad()
        loss = cross_entropy(model(Xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step, lambda: [m.weight.detach().numpy().T for m in model if isinstance(m, torch.nn.Linear)]


def numpy_step(X, y, weights, biases):
    """The hand-written step: every array preallocated, every elementwise pass in place.

    Written for speed as well as we know how: reductions through the ufuncs' own ``reduce``
    (``np.sum`` and the ``.max``/``.sum`` methods add a Python wrapper that costs about 3 us a
    call), the learning rate as a scalar of the arrays' dtype (a Python float is converted in
    every operation), ``out=`` passed by position.
    """
    Ws, bs = [W.copy() for W in weights], [b.copy() for b in biases]
    N, L = X.shape[0], len(Ws)
    rows = np.arange(N)
    lr, inv_n = X.dtype.type(LR), X.dtype.type(1 / N)
    H = [np.empty((N, W.shape[1]), X.dtype) for W in Ws]  # layer outputs (post-ReLU)
    Z = [np.zeros_like(h) for h in H]  # ReLU as max(h, zeros): NumPy is slower with the scalar 0
    G = [np.empty((N, W.shape[0]), X.dtype) for W in Ws]  # gradients of the layer inputs
    dW, db = [np.empty_like(W) for W in Ws], [np.empty_like(b) for b in bs]
    matmul, maximum, multiply, add, exp, log = np.matmul, np.maximum, np.multiply, np.add, np.exp, np.log

    def step():
        a = X
        for i in range(L):  # forward: h = relu(a W + b)
            h = matmul(a, Ws[i], H[i])
            h += bs[i]
            if i < L - 1:
                maximum(h, Z[i], out=h)
            a = h
        z = H[-1]  # softmax cross-entropy, stable, in place in the logits' buffer
        z -= maximum.reduce(z, 1, keepdims=True)
        loss = -float(add.reduce(z[rows, y]))
        exp(z, z)
        sums = add.reduce(z, 1)
        loss = (loss + float(add.reduce(log(sums)))) / N
        z /= sums[:, None]
        z[rows, y] -= 1
        z *= inv_n
        g = z  # dL/dlogits
        for i in range(L - 1, -1, -1):  # backward, no input gradient
            a = X if i == 0 else H[i - 1]
            matmul(a.T, g, dW[i])
            add.reduce(g, 0, None, db[i])
            if i > 0:
                g = matmul(g, Ws[i].T, G[i])
                multiply(g, a > 0, g)  # ReLU backward: the mask of the layer below's output
        for W, dw, b, d in zip(Ws, dW, bs, db):  # SGD
            dw *= lr
            W -= dw
            d *= lr
            b -= d
        return loss

    return step, lambda: Ws


def gemm_step(X, y, weights, biases):
    """Only the matrix products of nnlib's step (L forward, 2L - 1 backward), into fixed buffers."""
    N, L = X.shape[0], len(weights)
    H = [X] + [np.maximum(np.asarray(np.random.default_rng(i).standard_normal((N, W.shape[1])), X.dtype), 0)
               for i, W in enumerate(weights)]
    Gs = [np.asarray(np.random.default_rng(10 + i).standard_normal((N, W.shape[1])), X.dtype)
          for i, W in enumerate(weights)]
    out = [np.empty_like(h) for h in H[1:]]
    dW = [np.empty_like(W) for W in weights]
    dX = [np.empty((N, W.shape[0]), X.dtype) for W in weights]

    def step():
        for i in range(L):
            np.matmul(H[i], weights[i], out=out[i])  # forward: a W
        for i in range(L - 1, -1, -1):
            np.matmul(H[i].T, Gs[i], out=dW[i])  # dW = a^T g
            if i > 0:
                np.matmul(Gs[i], weights[i].T, out=dX[i])  # da = g W^T
    return step


def count_gemms(sizes):
    L = len(sizes) - 1
    return L + 2 * L - 1


def agreement(makers, X, y, weights, biases, n_steps=3):
    """Max |W_nnlib - W_other| after ``n_steps`` steps from the same start; raises if they differ."""
    finals = {}
    for name, make in makers.items():
        step, get = make(X, y, weights, biases)
        for _ in range(n_steps):
            step()
        finals[name] = get()
    diffs = {name: float(max(np.max(np.abs(a - b)) for a, b in zip(finals["nnlib"], ws)))
             for name, ws in finals.items() if name != "nnlib"}
    for name, d in diffs.items():
        if not d < 1e-4:
            raise AssertionError(f"nnlib and {name} reach different weights after {n_steps} steps "
                                 f"(max difference {d:.1e}): the benchmark would time different work")
    return diffs


def contenders(sizes, batch, names):
    """``({name: step function}, weight agreement)`` for one configuration."""
    X, y, weights, biases = problem(sizes, batch)
    makers = {"nnlib": nnlib_step, "numpy": numpy_step, "pytorch": torch_step}
    makers = {k: v for k, v in makers.items() if k in names}
    diffs = agreement(makers, X, y, weights, biases)
    steps = {name: make(X, y, weights, biases)[0] for name, make in makers.items()}
    if "gemms" in names:
        steps["gemms"] = gemm_step(X, y, weights, biases)
    return steps, diffs
