"""Gradient norms after a backward pass, and clipping them (Chapter 5, monitoring; Chapter 8).

``grad_norms`` gives the norm of every parameter's gradient by name, ``global_grad_norm``
the norm of all of them together, and ``clip_grad_norm`` scales them down together when
that global norm is too large. Importable from ``nnlib`` and ``nnlib.train`` too.
"""
import numpy as np

from nnlib import _validate
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
    as ``torch.nn.utils.clip_grad_norm_`` does. A non-finite norm spreads as it does in
    PyTorch: NaN makes every gradient NaN, inf makes the finite ones 0. Chapters 5 and 8
    (exploding gradients).

    Parameters
    ----------
    params : list of Parameter, or a Module
        For example ``model.parameters()``.
    max_norm : float
        The largest allowed global norm, ``> 0`` (``inf`` measures without clipping).

    Returns
    -------
    norm : float
        The global norm *before* clipping.
    """
    if isinstance(params, Parameter):
        params = [params]
    try:
        params = params.parameters() if isinstance(params, Module) else list(params)
    except TypeError:
        params = [params]  # not iterable: reported below
    if not all(isinstance(p, Parameter) for p in params):
        raise ValueError("clip_grad_norm expected a list of Parameter objects (model.parameters()), "
                         f"got {[type(p).__name__ for p in params][:3]}")
    max_norm = _validate.number("clip_grad_norm", "max_norm", max_norm, "(0, inf]")
    norm = float(np.sqrt(sum(float(np.sum(np.asarray(p.grad, dtype=np.float64) ** 2)) for p in params)))
    if norm > max_norm or not np.isfinite(norm):
        scale = max_norm / norm  # a NaN norm gives NaN, an infinite one 0
        with np.errstate(invalid="ignore"):  # inf * 0 = nan, as in PyTorch
            for p in params:
                p.grad *= scale
    return norm
