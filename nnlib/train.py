"""A training loop with validation, early stopping and deterministic progress lines.

``fit`` runs minibatch gradient descent for a number of epochs and records the
loss (and, for classification, the accuracy) on the training and validation
sets after every epoch. Progress lines contain no timings and round floats to 4
decimals, so a notebook's output is the same on every run. ``grad_norms``,
``global_grad_norm`` and ``clip_grad_norm`` measure (and bound) the gradients
after a backward pass. Chapter 5 (training in practice).
"""
from dataclasses import dataclass, field

import numpy as np

from nnlib.data import batches
from nnlib.losses import CrossEntropyLoss
from nnlib.module import Module, Parameter


def grad_norms(model):
    """The Euclidean norm ``||p.grad||`` of every parameter's gradient, by name.

    Read it right after a backward pass. Chapter 5 (monitoring).

    Parameters
    ----------
    model : Module
        Any module with parameters.

    Returns
    -------
    norms : dict
        ``{name: float}``, e.g. ``{"0.W": 0.31, "0.b": 0.02, ...}`` in parameter order.
    """
    if not isinstance(model, Module):
        raise ValueError(f"grad_norms expected a Module, got {type(model).__name__}")
    return {name: float(np.sqrt(np.sum(np.asarray(p.grad, dtype=np.float64) ** 2)))
            for name, p in model.named_parameters()}


def global_grad_norm(model):
    """The norm of all gradients together: ``sqrt(sum over parameters of ||p.grad||**2)``.

    This is the number gradient clipping compares with its threshold. Chapter 5.

    Parameters
    ----------
    model : Module
        Any module with parameters.

    Returns
    -------
    norm : float
    """
    norms = grad_norms(model)
    return float(np.sqrt(sum(n * n for n in norms.values())))


def clip_grad_norm(params, max_norm):
    """Scale all gradients down together so that their global norm is at most ``max_norm``.

    With ``n = sqrt(sum_p ||p.grad||**2)``: if ``n > max_norm`` every ``p.grad`` is
    multiplied by ``max_norm / n`` (the direction is kept, only the length shrinks),
    as ``torch.nn.utils.clip_grad_norm_`` does. Chapters 5 and 8 (exploding gradients).

    Parameters
    ----------
    params : list of Parameter, or a Module
        For example ``model.parameters()``.
    max_norm : float
        The largest allowed global norm, ``> 0``.

    Returns
    -------
    norm : float
        The global norm *before* clipping.
    """
    params = params.parameters() if isinstance(params, Module) else list(params)
    if not all(isinstance(p, Parameter) for p in params):
        raise ValueError("clip_grad_norm expected a list of Parameter objects (model.parameters()), "
                         f"got {[type(p).__name__ for p in params][:3]}")
    if not (isinstance(max_norm, (int, float, np.integer, np.floating)) and max_norm > 0):
        raise ValueError(f"clip_grad_norm expected max_norm > 0, got {max_norm!r}")
    norm = float(np.sqrt(sum(float(np.sum(np.asarray(p.grad, dtype=np.float64) ** 2)) for p in params)))
    if norm > max_norm:
        scale = max_norm / norm
        for p in params:
            p.grad *= scale
    return norm


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
    if logits.shape[:-1] != y.shape:
        raise ValueError(f"accuracy expected labels of shape {logits.shape[:-1]}, got {y.shape}")
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
        Rows per forward pass (limits memory).

    Returns
    -------
    out : ndarray, shape ``(N, C)``
        The model's outputs (logits for a classifier). Chapter 5.
    """
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
        Maximum number of passes over the training set.
    batch_size : int
        Rows per minibatch.
    rng : ``numpy.random.Generator`` or int
        Source of the shuffles (the run is reproducible given the same rng).
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
        Default: ``max(1, epochs // 10)``.

    Returns
    -------
    history : History
        Per-epoch losses and accuracies, ``best_epoch`` and ``stopped_early``. Chapter 5.
    """
    if early_stopping is not None and X_val is None:
        raise ValueError("fit: early_stopping expected validation data (X_val, y_val), got none")
    if (X_val is None) != (y_val is None):
        raise ValueError("fit expected both X_val and y_val, or neither")
    rng = np.random.default_rng(rng)
    every = print_every or max(1, epochs // 10)
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
