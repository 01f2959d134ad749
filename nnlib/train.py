"""A training loop with validation, early stopping and deterministic progress lines.

``fit`` runs minibatch gradient descent for a number of epochs and records the
loss (and, for classification, the accuracy) on the training and validation
sets after every epoch. Progress lines contain no timings and round floats to 4
decimals, so a notebook's output is the same on every run. ``predict``, ``evaluate``
and ``accuracy`` measure a model; ``grad_norms``, ``global_grad_norm`` and
``clip_grad_norm`` (in ``nnlib.grad_norm``, importable from here) measure and bound
the gradients after a backward pass. Chapter 5 (training in practice).
"""
from dataclasses import dataclass, field

import numpy as np

from nnlib import _validate
from nnlib.data import batches
from nnlib.grad_norm import clip_grad_norm, global_grad_norm, grad_norms  # noqa: F401 (re-exported)
from nnlib.losses import CrossEntropyLoss
from nnlib.module import Module

__all__ = ["fit", "History", "predict", "evaluate", "accuracy", "grad_norms", "global_grad_norm",
           "clip_grad_norm"]


def accuracy(logits, y):
    """Fraction of rows whose largest logit is at the true label: ``mean(argmax(logits) == y)``.

    Parameters
    ----------
    logits : ndarray, shape ``(N, C)``
        Scores (or probabilities) per class.
    y : ndarray, shape ``(N,)``
        Integer labels.

    Returns
    -------
    acc : float
        In ``[0, 1]``. Chapter 5.
    """
    logits, y = np.asarray(logits), np.asarray(y)
    if logits.ndim < 1 or logits.shape[:-1] != y.shape:
        raise ValueError(f"accuracy expected labels of shape {logits.shape[:-1]} (one per row of logits), "
                         f"got {y.shape}")
    if logits.size == 0:
        raise ValueError(f"accuracy expected at least one example and one class, got logits of shape "
                         f"{logits.shape}: the fraction of no examples is undefined")
    return float(np.mean(np.argmax(logits, axis=-1) == y))


def predict(model, X, batch_size=1024):
    """Outputs of ``model`` on ``X`` in evaluation mode (dropout off), batch by batch.

    The model's previous train/eval mode is restored afterwards.

    Parameters
    ----------
    model : Module
        The network.
    X : ndarray, shape ``(N, D)``
        Inputs.
    batch_size : int
        Rows per forward pass (limits memory), an integer >= 1.

    Returns
    -------
    out : ndarray, shape ``(N, C)``
        The model's outputs (logits for a classifier). Chapter 5.
    """
    _check_model("predict", model)
    X = _check_data("predict", "X", X)
    batch_size = _validate.integer("predict", "batch_size", batch_size)
    was_training = model.training
    model.eval()
    try:
        outs = [model(X[i:i + batch_size]) for i in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    return np.concatenate(outs, axis=0)


def evaluate(model, loss_fn, X, y):
    """Loss (and accuracy for ``CrossEntropyLoss``) of ``model`` on ``(X, y)`` in evaluation mode.

    Parameters
    ----------
    model : Module
        The network.
    loss_fn : MSELoss or CrossEntropyLoss
        The loss.
    X : ndarray, shape ``(N, D)``
        Inputs.
    y : ndarray, shape ``(N,)`` or ``(N, 1)``
        Labels or targets.

    Returns
    -------
    metrics : dict
        ``{"loss": float}`` plus ``"accuracy"`` for classification. Chapter 5.
    """
    _check_loss("evaluate", loss_fn)
    out = predict(model, X)
    metrics = {"loss": float(loss_fn(out, y))}
    if isinstance(loss_fn, CrossEntropyLoss):
        metrics["accuracy"] = accuracy(out, y)
    return metrics


@dataclass
class History:
    """Per-epoch record returned by ``fit``; each list has one entry per completed epoch.

    Losses and accuracies are measured after each epoch in evaluation mode on
    the whole set. Validation lists stay empty without validation data, and
    accuracy lists stay empty for regression. Chapter 5.
    """

    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False

    @property
    def epochs(self):
        """Number of completed epochs (an int)."""
        return len(self.train_loss)

    def __repr__(self):
        parts = [f"epochs={self.epochs}"]
        for name in ("train_loss", "val_loss", "train_acc", "val_acc"):
            values = getattr(self, name)
            if values:
                parts.append(f"{name}={values[-1]:.4f}")
        return f"History({', '.join(parts)})"


def fit(model, loss_fn, optimizer, X, y, *, epochs, batch_size, rng, X_val=None, y_val=None,
        early_stopping=None, verbose=True, print_every=None):
    """Train ``model`` with minibatch gradient descent and return a ``History``.

    Each epoch shuffles ``(X, y)`` with ``rng`` and, for every minibatch, runs
    ``optimizer.zero_grad()``, ``loss_fn(model(X_b), y_b)``,
    ``model.backward(loss_fn.backward(), input_grad=False)`` (the data needs no
    gradient) and ``optimizer.step()``. Then the
    loss (and accuracy, with ``CrossEntropyLoss``) on the training and
    validation sets is recorded.

    Parameters
    ----------
    model : Module
        The network (set to training mode for the updates).
    loss_fn : MSELoss or CrossEntropyLoss
        The loss.
    optimizer : Optimizer
        Built on ``model.parameters()``.
    X : ndarray, shape ``(N, D)``
        Training inputs (same dtype as the model).
    y : ndarray, shape ``(N,)`` or ``(N, 1)``
        Training labels or targets.
    epochs : int
        Maximum number of passes over the training set (an integer >= 1).
    batch_size : int
        Rows per minibatch (an integer >= 1).
    rng : ``numpy.random.Generator`` or int
        Source of the shuffles (the run is reproducible given the same rng). Required:
        ``None`` is refused, because it would make the run impossible to repeat.
    X_val : ndarray, shape ``(N_val, D)``, optional
        Validation inputs.
    y_val : ndarray, shape ``(N_val,)``, optional
        Validation labels.
    early_stopping : int or None
        Patience: stop after this many epochs without a new best validation
        loss, then restore the parameters of the best epoch. Needs validation data.
    verbose : bool
        Print one short line every ``print_every`` epochs (and for the first and last).
    print_every : int or None
        An integer >= 1; default ``max(1, epochs // 10)``.

    Returns
    -------
    history : History
        Per-epoch losses and accuracies, ``best_epoch`` and ``stopped_early``. Chapter 5.
    """
    X, y, X_val, y_val, epochs, batch_size, rng, early_stopping, every = _fit_arguments(
        model, loss_fn, optimizer, X, y, X_val, y_val, epochs, batch_size, rng, early_stopping, print_every)
    history = History()
    best_loss, best_params, waited = np.inf, None, 0
    for epoch in range(1, epochs + 1):
        model.train()
        for xb, yb in batches(X, y, batch_size, rng):
            optimizer.zero_grad()
            loss_fn(model(xb), yb)
            model.backward(loss_fn.backward(), input_grad=False)
            optimizer.step()
        _record(history, evaluate(model, loss_fn, X, y), "train")
        if X_val is not None:
            _record(history, evaluate(model, loss_fn, X_val, y_val), "val")
        if verbose and (epoch == 1 or epoch % every == 0 or epoch == epochs):
            print(_progress_line(history, epoch, epochs))
        if early_stopping is not None:
            if history.val_loss[-1] < best_loss:
                best_loss, waited, history.best_epoch = history.val_loss[-1], 0, epoch
                best_params = [p.data.copy() for p in model.parameters()]
            else:
                waited += 1
                if waited >= early_stopping:
                    history.stopped_early = True
                    break
    if early_stopping is not None:
        for p, data in zip(model.parameters(), best_params):
            p.data[...] = data
        if verbose:
            stop = f"stopped at epoch {history.epochs}" if history.stopped_early else "finished"
            print(f"early stopping: {stop}, restored epoch {history.best_epoch} "
                  f"(val_loss {best_loss:.4f})")
    else:
        history.best_epoch = history.epochs
    return history


def _fit_arguments(model, loss_fn, optimizer, X, y, X_val, y_val, epochs, batch_size, rng, early_stopping,
                   print_every):
    """``fit``'s arguments in the form the loop uses, after checking every one of them."""
    _check_model("fit", model)
    _check_loss("fit", loss_fn)
    if isinstance(optimizer, type) or not (hasattr(optimizer, "step") and hasattr(optimizer, "zero_grad")):
        raise ValueError(f"fit expected an optimizer such as SGD(model.parameters(), lr=0.1), "
                         f"got {getattr(optimizer, '__name__', type(optimizer).__name__)}")
    epochs = _validate.integer("fit", "epochs", epochs)
    batch_size = _validate.integer("fit", "batch_size", batch_size)
    rng = _validate.generator("fit", rng, allow_none=False)
    X, y = _check_data("fit", "X", X), _check_data("fit", "y", y)
    if len(X) != len(y):
        raise ValueError(f"fit expected X and y of equal length (one target per example), got "
                         f"{len(X)} and {len(y)}")
    if (X_val is None) != (y_val is None):
        raise ValueError(f"fit expected both X_val and y_val, or neither, got only "
                         f"{'X_val' if y_val is None else 'y_val'}")
    if X_val is not None:
        X_val, y_val = _check_data("fit", "X_val", X_val), _check_data("fit", "y_val", y_val)
    if early_stopping is not None:
        early_stopping = _validate.integer("fit", "early_stopping", early_stopping)
        if X_val is None:
            raise ValueError("fit: early_stopping expected validation data (X_val, y_val), got none")
    every = max(1, epochs // 10) if print_every is None else _validate.integer("fit", "print_every", print_every)
    return X, y, X_val, y_val, epochs, batch_size, rng, early_stopping, every


def _check_model(who, model):
    if not isinstance(model, Module):
        raise ValueError(f"{who} expected a Module as the model, got {type(model).__name__}")


def _check_loss(who, loss_fn):
    if isinstance(loss_fn, type) or not (callable(loss_fn) and hasattr(loss_fn, "backward")):
        name = getattr(loss_fn, "__name__", type(loss_fn).__name__)
        raise ValueError(f"{who} expected a loss object such as CrossEntropyLoss() (an instance, with a "
                         f"backward method), got {name}")


def _check_data(who, name, a):
    """``a`` as an array, after checking it holds at least one example."""
    a = np.asarray(a)
    if a.ndim == 0 or len(a) == 0:
        raise ValueError(f"{who} expected {name} with at least one example (shape (N, ...), N >= 1), "
                         f"got shape {a.shape}")
    return a


def _record(history, metrics, part):
    getattr(history, f"{part}_loss").append(metrics["loss"])
    if "accuracy" in metrics:
        getattr(history, f"{part}_acc").append(metrics["accuracy"])


def _progress_line(history, epoch, epochs):
    width = len(str(epochs))
    parts = [f"epoch {epoch:>{width}}/{epochs}"]
    for name in ("train_loss", "val_loss", "train_acc", "val_acc"):
        values = getattr(history, name)
        if values:
            parts.append(f"{name} {values[-1]:.4f}")
    return "  ".join(parts)
