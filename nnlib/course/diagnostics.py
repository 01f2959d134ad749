"""Looking inside a network while it trains: per-layer statistics, gradient norms, dead units.

Training curves say *that* something is wrong; these functions help say *where*. They read a
model without changing its parameters:

- ``activation_stats(model, x)``: the mean, spread and fraction of zeros of every layer's
  output in a ``Sequential``, as the signal travels forward (Chapter 5, initialization);
- ``gradient_stats(model, x, dout)``: the spread of the gradient arriving at every layer's
  output as it travels backward (vanishing and exploding gradients, Chapter 5);
- ``dead_relu_fraction(model, x)``: for every ``ReLU`` (at any depth), the fraction of its
  units that output zero for every example of ``x`` (Chapters 3 and 5);
- ``confusion_matrix(y_true, y_pred)``: counts of true class against predicted class
  (Chapter 5).

Bad input raises a ``ValueError`` that names what was expected and what arrived.
"""
import numpy as np

from nnlib import _validate
from nnlib.activations import ReLU
from nnlib.layers import Sequential
from nnlib.module import Module

__all__ = ["activation_stats", "gradient_stats", "dead_relu_fraction", "confusion_matrix", "format_stats"]


def _check_sequential(model, who):
    if not isinstance(model, Sequential):
        raise ValueError(f"{who} expected a Sequential model (it walks the layers one by one), "
                         f"got {type(model).__name__}; wrap the layers with nnlib.Sequential(...)")


def _check_batch(x, who):
    x = np.asarray(x)
    if x.ndim < 2 or x.shape[0] == 0:
        raise ValueError(f"{who} expected a non-empty batch of shape (N, D), got shape {x.shape}; "
                         "for one example use x.reshape(1, -1)")
    return x


def _summary(index, layer, a):
    a = np.asarray(a, dtype=np.float64)
    return {"index": index, "layer": type(layer).__name__, "mean": float(a.mean()),
            "std": float(a.std()), "zero_fraction": float(np.mean(a == 0))}


def activation_stats(model, x):
    """Statistics of every layer's output as ``x`` passes forward through a ``Sequential``.

    Runs ``h_0 = x``, ``h_k = layer_k(h_{k-1})`` and summarises each ``h_k`` (all entries
    of the batch together). The model is left in whatever state its forward passes leave
    it (so a ``gradient_stats`` call can follow). Chapter 5 (initialization).

    Parameters
    ----------
    model : Sequential
        The network; its top-level layers are visited (a ``Residual`` block counts as one).
    x : ndarray, shape ``(N, D)``
        A batch of inputs with the model's dtype.

    Returns
    -------
    stats : list of dict
        One dict per layer, in order, with keys ``index`` (int, 0-based), ``layer`` (the
        class name), ``mean``, ``std`` (floats over all ``N * M`` entries of the output
        ``(N, M)``) and ``zero_fraction`` (share of entries exactly 0).
    """
    _check_sequential(model, "activation_stats")
    h = _check_batch(x, "activation_stats")
    stats = []
    for k, layer in enumerate(model):
        h = layer(h)
        stats.append(_summary(k, layer, h))
    return stats


def gradient_stats(model, x, dout):
    """Statistics of the gradient arriving at every layer's output, travelling backward.

    Runs the forward pass on ``x``, then ``g_L = dout`` and ``g_{k-1} = layer_k.backward(g_k)``
    from the last layer to the first, and summarises ``g_k = dLoss/dh_k``, the gradient
    with respect to the output of layer ``k``. Parameter gradients are accumulated into
    ``p.grad`` as in any backward pass (call ``model.zero_grad()`` first if you read them).
    Chapter 5 (vanishing and exploding gradients).

    Parameters
    ----------
    model : Sequential
        The network.
    x : ndarray, shape ``(N, D)``
        A batch of inputs.
    dout : ndarray, shape of ``model(x)``, e.g. ``(N, C)``
        The gradient of the loss with respect to the model's output (for example
        ``loss.backward()``, or random numbers to probe the backward pass alone).

    Returns
    -------
    stats : list of dict
        One dict per layer, in forward order, with keys as in ``activation_stats``
        (``std`` is the spread of ``dLoss/dh_k`` over the batch and units).
    """
    _check_sequential(model, "gradient_stats")
    x = _check_batch(x, "gradient_stats")
    out = model(x)
    g = np.asarray(dout)
    if g.shape != out.shape:
        raise ValueError(f"gradient_stats expected dout of the output's shape {out.shape}, got {g.shape}")
    stats = []
    for k in range(len(model) - 1, -1, -1):
        stats.append(_summary(k, model[k], g))
        g = model[k].backward(g)
    return stats[::-1]


def _relu_modules(module, prefix=""):
    """(name, ReLU) for every ReLU inside ``module``, depth first, in assignment order."""
    found = [(prefix.rstrip(".") or "model", module)] if isinstance(module, ReLU) else []
    for name, child in module.named_children():
        found.extend(_relu_modules(child, f"{prefix}{name}."))
    return found


def dead_relu_fraction(model, x):
    """For every ``ReLU`` in ``model``: the fraction of its units that are zero for all of ``x``.

    A unit (one column of the ReLU's output) is *dead on x* when its input is ``<= 0``
    for every example, so it passes no gradient back for any of them: ``dead_j =
    all_n (input_nj <= 0)``. The model runs once in evaluation mode (dropout off); its
    train/eval mode is restored afterwards. Chapters 3 and 5.

    Parameters
    ----------
    model : Module
        The network; ReLU modules are found at any depth (inside ``Sequential`` and
        ``Residual``).
    x : ndarray, shape ``(N, D)``
        The examples to test, e.g. the whole training set.

    Returns
    -------
    fractions : dict
        ``{name: float in [0, 1]}`` for every ReLU, e.g. ``{"1": 0.0, "3": 0.125}``,
        named by the path of the ReLU in the model.
    """
    if not isinstance(model, Module):
        raise ValueError(f"dead_relu_fraction expected a Module, got {type(model).__name__}")
    x = _check_batch(x, "dead_relu_fraction")
    relus = _relu_modules(model)
    if not relus:
        raise ValueError("dead_relu_fraction expected a model containing ReLU modules, got none")
    masks = {}

    def recorder(name, module):
        forward = type(module).forward

        def wrapped(h):
            out = forward(module, h)
            active = np.asarray(out > 0).reshape(-1, out.shape[-1]).any(axis=0)  # (M,)
            masks[name] = active
            return out
        return wrapped

    was_training = model.training
    model.eval()
    try:
        for name, m in relus:
            m.forward = recorder(name, m)  # an instance attribute shadows the class method
        model(x)
    finally:
        for _, m in relus:
            vars(m).pop("forward", None)
        model.train(was_training)
    return {name: float(1.0 - masks[name].mean()) for name, _ in relus if name in masks}


def confusion_matrix(y_true, y_pred, n_classes=None):
    """Count how often each true class was predicted as each class.

    ``C[i, j]`` = number of examples with true label ``i`` and predicted label ``j``; the
    diagonal holds the correct predictions, so ``trace(C) / N`` is the accuracy.
    Chapter 5.

    Parameters
    ----------
    y_true : array of int, shape ``(N,)``
        True labels in ``0 .. n_classes - 1``.
    y_pred : array of int, shape ``(N,)``
        Predicted labels (e.g. ``logits.argmax(axis=1)``).
    n_classes : int or None
        Number of classes ``C``; default ``max(y_true, y_pred) + 1``.

    Returns
    -------
    C : ndarray of int64, shape ``(n_classes, n_classes)``
        Rows are true classes, columns predicted classes.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_pred.shape != y_true.shape:
        raise ValueError(f"confusion_matrix expected two label arrays of equal shape (N,), got "
                         f"{y_true.shape} and {y_pred.shape}; pass logits.argmax(axis=1), not logits")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and y.dtype.kind not in "iu":
            raise ValueError(f"confusion_matrix expected integer labels in {name}, got dtype {y.dtype}")
        if y.size and y.min() < 0:
            raise ValueError(f"confusion_matrix expected labels >= 0 in {name}, got {y.min()}")
    top = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    if n_classes is None:
        if top == 0:
            raise ValueError("confusion_matrix expected at least one label (or n_classes), got empty "
                             "y_true and y_pred")
        n_classes = top
    n_classes = _validate.integer("confusion_matrix", "n_classes", n_classes)
    if top > n_classes:
        raise ValueError(f"confusion_matrix expected labels below n_classes={n_classes}, got a label {top - 1}")
    C = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(C, (y_true.astype(np.int64), y_pred.astype(np.int64)), 1)
    return C


def format_stats(stats, keys=("mean", "std", "zero_fraction"), every=1):
    """A small text table of ``activation_stats``/``gradient_stats`` output, one row per layer.

    Parameters
    ----------
    stats : list of dict
        As returned by ``activation_stats`` or ``gradient_stats``.
    keys : tuple of str
        The columns to show.
    every : int
        Show every ``every``-th row (and always the last).

    Returns
    -------
    text : str
        Floats in scientific notation with 2 decimals (stable across runs).
    """
    every = _validate.integer("format_stats", "every", every)
    header = f"{'layer':>5} {'type':<10}" + "".join(f"{k:>14}" for k in keys)
    rows = [header]
    for i, s in enumerate(stats):
        if i % every == 0 or i == len(stats) - 1:
            rows.append(f"{s['index']:>5} {s['layer']:<10}" + "".join(f"{s[k]:>14.2e}" for k in keys))
    return "\n".join(rows)
