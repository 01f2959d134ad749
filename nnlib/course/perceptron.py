"""The threshold unit and Rosenblatt's perceptron learning rule (derived in Chapter 2, Neurons).

A threshold unit fires (outputs 1) when the weighted sum of its inputs exceeds its
threshold ``theta`` and stays silent (outputs 0) otherwise:

    out = 1 if w . x > theta else 0  =  step(w . x + b)  with  b = -theta.

The perceptron learning rule finds ``w`` and ``b`` from labelled examples: visit the
examples in order; whenever the unit's output ``yhat`` differs from the label ``y``, move
the weights towards (``y = 1``) or away from (``y = 0``) the misclassified input,

    w <- w + lr * (y - yhat) * x,    b <- b + lr * (y - yhat).

On a linearly separable set it stops after finitely many updates (Novikoff's theorem);
on a set that is not separable, such as XOR, it never stops making mistakes.
"""
from dataclasses import dataclass, field

import numpy as np

from nnlib import _validate

__all__ = ["threshold_unit", "PerceptronResult", "train_perceptron"]


def _batch(X, who, n_features=None):
    """X as a float64 array of shape (N, D); a single example of shape (D,) becomes (1, D)."""
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{who}: expected numbers in X, got dtype {X.dtype}")
    X = X.astype(np.float64)
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{who}: expected finite inputs in X, got NaN or inf")
    if X.ndim == 1:
        X = X.reshape(1, -1)
    if X.ndim != 2:
        raise ValueError(f"{who}: expected X of shape (N, D) (one example per row) or (D,), got shape {X.shape}")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{who}: expected examples with {n_features} features (the length of w), "
                         f"got X of shape {X.shape}")
    return X


def threshold_unit(X, w, theta):
    """The threshold unit (McCulloch-Pitts neuron, perceptron): ``1`` where ``X @ w > theta``, else ``0``.

    Equivalent to ``step(X @ w + b)`` with bias ``b = -theta``.

    Parameters
    ----------
    X : ndarray, shape ``(N, D)``, or ``(D,)`` for one example
        Inputs, one example per row.
    w : ndarray, shape ``(D,)``
        Weights.
    theta : float
        Threshold: the unit fires when the weighted sum is strictly larger.

    Returns
    -------
    out : ndarray, shape ``(N,)``
        ``1.0`` or ``0.0`` for each example (float64). Chapter 2.
    """
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 1:
        raise ValueError(f"threshold_unit: expected a weight vector w of shape (D,), got shape {w.shape}")
    if not np.isscalar(theta) and np.ndim(theta) != 0:
        raise ValueError(f"threshold_unit: expected a single number theta, got shape {np.shape(theta)}")
    theta = _validate.number("threshold_unit", "theta", np.asarray(theta).item(), "(-inf, inf)")
    X = _batch(X, "threshold_unit", n_features=w.shape[0])
    return (X @ w > theta).astype(np.float64)


@dataclass
class PerceptronResult:
    """What ``train_perceptron`` found.

    Attributes
    ----------
    w : ndarray, shape ``(D,)``
        Final weights.
    b : float
        Final bias (``-theta``).
    converged : bool
        True if the last epoch made no mistake (every example is classified correctly).
    epochs : int
        Epochs run, including the final mistake-free one when converged.
    updates : int
        Total number of weight updates (one per mistake).
    mistakes : list of int
        Mistakes made in each epoch, in order.
    history : list of (ndarray, float)
        ``(w, b)`` after each update, starting with the initial values: the path of the
        decision boundary.
    """
    w: np.ndarray
    b: float
    converged: bool
    epochs: int
    updates: int
    mistakes: list = field(default_factory=list)
    history: list = field(default_factory=list, repr=False)


def train_perceptron(X, y, *, lr=1.0, max_epochs=100, w0=None, b0=0.0, rng=None):
    """Rosenblatt's perceptron learning rule, example by example, until an epoch has no mistakes.

    For each example ``x`` with label ``y`` in turn: ``yhat = step(w . x + b)``; then
    ``w += lr * (y - yhat) * x`` and ``b += lr * (y - yhat)`` (nothing changes when
    ``yhat == y``). Training stops after the first epoch without a mistake, or after
    ``max_epochs``.

    Parameters
    ----------
    X : ndarray, shape ``(N, D)``
        Inputs, one example per row.
    y : ndarray, shape ``(N,)``
        Labels, each 0 or 1.
    lr : float
        Learning rate (> 0). With ``w0 = 0`` and ``b0 = 0`` it only scales ``w`` and ``b``
        and does not change the predictions.
    max_epochs : int
        Upper limit on passes over the data.
    w0 : ndarray, shape ``(D,)``, optional
        Initial weights (default zeros).
    b0 : float
        Initial bias.
    rng : ``numpy.random.Generator``, int or None
        If given, the examples are visited in a fresh random order each epoch; if None
        (default), in the order given.

    Returns
    -------
    PerceptronResult
        Final ``w`` and ``b``, whether it converged, epochs, updates, mistakes per epoch
        and the ``(w, b)`` history. Chapter 2.
    """
    X = _batch(X, "train_perceptron")
    N, D = X.shape
    y = np.asarray(y)
    if y.shape != (N,):
        raise ValueError(f"train_perceptron: expected labels y of shape ({N},) (one per row of X), got shape {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(f"train_perceptron: expected labels 0 or 1, got the values {np.unique(y).tolist()}")
    lr = _validate.number("train_perceptron", "lr", lr, "(0, inf)")
    max_epochs = _validate.integer("train_perceptron", "max_epochs", max_epochs)
    w = np.zeros(D) if w0 is None else np.array(w0, dtype=np.float64)
    if w.shape != (D,):
        raise ValueError(f"train_perceptron: expected w0 of shape ({D},), got shape {w.shape}")
    b = _validate.number("train_perceptron", "b0", b0, "(-inf, inf)")
    if not np.all(np.isfinite(w)):
        raise ValueError("train_perceptron: expected finite initial weights w0, got NaN or inf")
    y = y.astype(np.float64)
    gen = None if rng is None else _validate.generator("train_perceptron", rng)

    history = [(w.copy(), b)]
    mistakes = []
    for epoch in range(1, max_epochs + 1):
        order = np.arange(N) if gen is None else gen.permutation(N)
        n_wrong = 0
        for i in order:
            error = y[i] - float(X[i] @ w + b > 0)  # -1, 0 or +1
            if error != 0:
                w = w + lr * error * X[i]
                b = b + lr * error
                n_wrong += 1
                history.append((w.copy(), b))
        mistakes.append(n_wrong)
        if n_wrong == 0:
            return PerceptronResult(w, b, True, epoch, len(history) - 1, mistakes, history)
    return PerceptronResult(w, b, False, max_epochs, len(history) - 1, mistakes, history)
