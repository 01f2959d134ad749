"""Exact linear pieces of a ReLU network on one input (Chapter 6, depth versus width).

A network built from ``Linear`` layers and ReLU (or leaky ReLU) activations computes a
continuous *piecewise linear* function of its input: on each of finitely many intervals
it is exactly ``slope * x + intercept``. This module finds those intervals exactly,
without sampling, by carrying the affine formula through the network layer by layer:

- at the start there is one interval ``[lo, hi]`` and the formula ``x`` (slope 1,
  intercept 0);
- a ``Linear`` layer maps the formula of every interval: ``slope @ W`` and
  ``intercept @ W + b``;
- a ReLU splits an interval wherever one of its units' pre-activation
  ``z(x) = a x + c`` changes sign inside it (at ``x = -c / a``), then, on each new
  interval, keeps the units that are positive there and zeroes the others;
- adjacent intervals whose formulas are equal are merged again, so what remains are
  the true linear pieces, the points between them the true breakpoints (kinks).

The result is a ``PiecewiseLinear`` object; ``count_pieces`` and ``breakpoints`` are
shortcuts. ``relu_network`` builds a network from given weights and
``sawtooth_network`` builds the deep "sawtooth" whose piece count doubles with every
layer (Telgarsky 2016).
"""
from dataclasses import dataclass

import numpy as np

from nnlib import _validate
from nnlib.activations import LeakyReLU, ReLU
from nnlib.layers import Linear, Sequential
from nnlib.module import Module

__all__ = ["PiecewiseLinear", "linear_pieces", "count_pieces", "breakpoints",
           "relu_network", "sawtooth_network"]


@dataclass
class PiecewiseLinear:
    """A continuous piecewise linear function on ``[edges[0], edges[-1]]``.

    On piece ``p``, i.e. for ``edges[p] <= x <= edges[p + 1]``, the value is
    ``slopes[p] * x + intercepts[p]``. Returned by ``linear_pieces``. Chapter 6.

    Attributes
    ----------
    edges : ndarray, shape ``(P + 1,)``
        Increasing: the interval's ends and, between them, the breakpoints.
    slopes : ndarray, shape ``(P, K)``
        Slope of each of the ``K`` outputs on each of the ``P`` pieces.
    intercepts : ndarray, shape ``(P, K)``
        Intercept of each output on each piece.
    """

    edges: np.ndarray
    slopes: np.ndarray
    intercepts: np.ndarray

    @property
    def n_pieces(self):
        """The number ``P`` of linear pieces (an int)."""
        return len(self.slopes)

    @property
    def breakpoints(self):
        """The ``P - 1`` interior points where the slope changes, shape ``(P - 1,)``."""
        return self.edges[1:-1].copy()

    def __call__(self, x):
        """Evaluate at ``x`` (shape ``(N,)`` or ``(N, 1)``); returns shape ``(N, K)``."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        lo, hi = self.edges[0], self.edges[-1]
        if np.any((x < lo) | (x > hi)):
            raise ValueError(f"PiecewiseLinear expected points in [{lo:g}, {hi:g}] (where the pieces were "
                             f"computed), got values from {x.min():g} to {x.max():g}")
        idx = np.clip(np.searchsorted(self.edges, x, side="right") - 1, 0, self.n_pieces - 1)
        return self.slopes[idx] * x[:, None] + self.intercepts[idx]  # (N, K)

    def __repr__(self):
        return (f"PiecewiseLinear({self.n_pieces} pieces on [{self.edges[0]:g}, {self.edges[-1]:g}], "
                f"{self.slopes.shape[1]} output(s))")


def _flatten(model):
    """The model's layers in order (nested Sequentials unpacked); only supported layers pass."""
    if isinstance(model, Sequential):
        layers = []
        for m in model:
            layers.extend(_flatten(m))
        return layers
    if isinstance(model, (Linear, ReLU, LeakyReLU)):
        return [model]
    kind = type(model).__name__
    raise ValueError(f"piecewise: expected a Sequential of Linear, ReLU and LeakyReLU layers, got a {kind} "
                     "layer; other layers (Sigmoid, Tanh, GELU, normalization, dropout) are not piecewise "
                     "linear in the same way")


def _check_model(model):
    layers = _flatten(model) if isinstance(model, Module) else None
    if layers is None:
        raise ValueError(f"piecewise: expected an nnlib model (a Sequential), got {type(model).__name__}")
    linears = [m for m in layers if isinstance(m, Linear)]
    if not linears:
        raise ValueError("piecewise: expected at least one Linear layer, got none")
    if linears[0].in_features != 1:
        raise ValueError(f"piecewise: expected a network on one input (first Linear with in_features=1), "
                         f"got in_features={linears[0].in_features}")
    for i, lin in enumerate(linears):
        if not (np.all(np.isfinite(lin.W.data)) and np.all(np.isfinite(lin.b.data))):
            raise ValueError(f"piecewise: expected finite weights and biases, got NaN or inf in Linear "
                             f"layer {i}: the pieces of such a network are undefined (has training diverged?)")
    return layers


def _check_interval(lo, hi):
    lo = _validate.number("piecewise", "lo", lo, "(-inf, inf)")
    hi = _validate.number("piecewise", "hi", hi, "(-inf, inf)")
    if not lo < hi:
        raise ValueError(f"piecewise: expected a finite interval lo < hi, got lo={lo}, hi={hi}")
    return lo, hi


def _split(edges, slopes, intercepts, min_gap):
    """Add the points where some pre-activation changes sign strictly inside an interval."""
    z_left = slopes * edges[:-1, None] + intercepts  # (P, K)
    z_right = slopes * edges[1:, None] + intercepts  # (P, K)
    crosses = (z_left > 0) != (z_right > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        roots = -intercepts[crosses] / slopes[crosses]
    roots = roots[np.isfinite(roots)] + 0.0  # + 0.0 turns -0.0 into 0.0
    if roots.size == 0:
        return edges, slopes, intercepts
    points = np.sort(np.concatenate([edges, roots]))
    kept = [points[0]]
    for v in points[1:]:  # coincident kinks (equal up to rounding) become one breakpoint
        if v - kept[-1] > min_gap:
            kept.append(v)
    kept[-1] = edges[-1]
    new_edges = np.array(kept)
    mids = 0.5 * (new_edges[:-1] + new_edges[1:])
    parent = np.clip(np.searchsorted(edges, mids, side="right") - 1, 0, len(slopes) - 1)
    return new_edges, slopes[parent], intercepts[parent]


def _merge(edges, slopes, intercepts, rtol):
    """Join neighbouring intervals on which every output has the same slope (up to rounding).

    The function is continuous, so equal slopes on two touching intervals mean one line.
    """
    if len(slopes) == 1:
        return edges, slopes, intercepts
    scale = max(np.abs(slopes).max(), np.abs(intercepts).max(), 1e-300)
    same = np.all(np.abs(np.diff(slopes, axis=0)) <= rtol * scale, axis=1)  # (P - 1,)
    keep = np.concatenate([[True], ~same])  # a piece starts where the formula changes
    starts = np.flatnonzero(keep)
    return np.append(edges[starts], edges[-1]), slopes[starts], intercepts[starts]


def linear_pieces(model, lo, hi, *, rtol=1e-9):
    """The exact linear pieces of a one-input ReLU network on ``[lo, hi]``.

    Propagates the affine formula of every interval through the layers: a ``Linear``
    layer maps ``(a, c) -> (a @ W, c @ W + b)``; a ReLU first splits intervals at the
    zeros ``x = -c_j / a_j`` of its pre-activations, then keeps ``(a_j, c_j)`` where
    ``a_j x + c_j > 0`` on the interval and sets them to 0 elsewhere (leaky ReLU: times
    ``negative_slope``). Neighbouring intervals with equal slopes are merged.
    Chapter 6 (depth versus width).

    Parameters
    ----------
    model : Sequential
        ``Linear`` layers with ``ReLU`` or ``LeakyReLU`` between them (nested Sequentials
        are fine); the first ``Linear`` has ``in_features=1``. Any number of outputs ``K``.
    lo, hi : float
        The interval, ``lo < hi``.
    rtol : float
        Relative tolerance: kinks closer than ``rtol * (hi - lo)`` count as one, and
        slopes that differ by less than ``rtol`` times the largest coefficient count as
        equal (rounding, not a real kink).

    Returns
    -------
    PiecewiseLinear
        ``edges`` of shape ``(P + 1,)``, ``slopes`` and ``intercepts`` of shape ``(P, K)``.
    """
    layers = _check_model(model)
    lo, hi = _check_interval(lo, hi)
    rtol = _validate.number("linear_pieces", "rtol", rtol, "(0, 1)")
    min_gap = rtol * (hi - lo)
    edges = np.array([lo, hi])
    slopes, intercepts = np.ones((1, 1)), np.zeros((1, 1))  # the identity x -> x, (P, K)
    for layer in layers:
        if isinstance(layer, Linear):
            W, b = layer.W.data.astype(np.float64), layer.b.data.astype(np.float64)
            if slopes.shape[1] != W.shape[0]:
                raise ValueError(f"piecewise: a Linear layer expected {W.shape[0]} inputs, but the layer "
                                 f"before it gives {slopes.shape[1]}")
            slopes, intercepts = slopes @ W, intercepts @ W + b  # (P, K)
        else:
            edges, slopes, intercepts = _split(edges, slopes, intercepts, min_gap)
            mids = 0.5 * (edges[:-1] + edges[1:])
            active = slopes * mids[:, None] + intercepts > 0  # (P, K)
            gain = 0.0 if isinstance(layer, ReLU) else layer.negative_slope
            factor = np.where(active, 1.0, gain)
            slopes, intercepts = slopes * factor, intercepts * factor
        edges, slopes, intercepts = _merge(edges, slopes, intercepts, rtol)
    return PiecewiseLinear(edges, slopes, intercepts)


def count_pieces(model, lo, hi, *, rtol=1e-9):
    """Number of linear pieces of ``model`` on ``[lo, hi]`` (an int): ``linear_pieces(...).n_pieces``.

    Same arguments as ``linear_pieces``. Chapter 6.
    """
    return linear_pieces(model, lo, hi, rtol=rtol).n_pieces


def breakpoints(model, lo, hi, *, rtol=1e-9):
    """The kinks of ``model`` inside ``(lo, hi)``, increasing, shape ``(P - 1,)``.

    Same arguments as ``linear_pieces``. Chapter 6.
    """
    return linear_pieces(model, lo, hi, rtol=rtol).breakpoints


def relu_network(weights, biases, *, activation=ReLU):
    """A Sequential of ``Linear`` layers with the given weights, an activation between them.

    Parameters
    ----------
    weights : list of arrays
        ``weights[i]`` of shape ``(n_i, n_{i+1})`` (nnlib's ``x @ W`` convention).
    biases : list of arrays
        ``biases[i]`` of shape ``(n_{i+1},)``.
    activation : Module class
        Put between consecutive ``Linear`` layers (default ``ReLU``; none after the last).

    Returns
    -------
    Sequential
        float64 layers holding copies of the given arrays. Chapter 6.
    """
    if len(weights) != len(biases) or not weights:
        raise ValueError(f"relu_network expected equally many weight matrices and bias vectors (at least "
                         f"one), got {len(weights)} and {len(biases)}")
    layers = []
    for i, (W, b) in enumerate(zip(weights, biases)):
        W = np.atleast_2d(np.asarray(W, dtype=np.float64))
        b = np.atleast_1d(np.asarray(b, dtype=np.float64))
        if b.shape != (W.shape[1],):
            raise ValueError(f"relu_network: layer {i} expected a bias of shape ({W.shape[1]},) for a weight "
                             f"of shape {W.shape}, got {b.shape}")
        if i > 0 and W.shape[0] != layers[-2].out_features:
            raise ValueError(f"relu_network: layer {i} expected a weight with {layers[-2].out_features} rows "
                             f"(the previous layer's outputs), got shape {W.shape}")
        linear = Linear(W.shape[0], W.shape[1])
        linear.W.data[...] = W
        linear.b.data[...] = b
        layers += [linear, activation()]
    return Sequential(*layers[:-1])


def sawtooth_network(depth, width=2):
    """The folding network: ``depth`` hidden layers of ``width`` units, ``width**depth`` pieces on [0, 1].

    Each hidden layer computes the units ``ReLU(t - j / width)``, ``j = 0 .. width - 1``, of
    the zigzag ``t`` made by the layer before (``t = x`` for the first); the zigzag
    ``Z(t) = width * (u_0 - 2 u_1 + 2 u_2 - ...)`` runs ``width`` times between 0 and 1 as
    ``t`` goes from 0 to 1. Composing it ``depth`` times gives ``width**depth`` pieces with
    ``depth * width`` units. With ``width=2`` it is the tent map composed with itself,
    Telgarsky's sawtooth. Chapter 6.

    Parameters
    ----------
    depth : int
        Number of hidden layers, at least 1.
    width : int
        Units per hidden layer, at least 2.

    Returns
    -------
    Sequential
        ``Linear(1, width), ReLU, (Linear(width, width), ReLU) * (depth - 1), Linear(width, 1)``.
    """
    depth = _validate.integer("sawtooth_network", "depth", depth, minimum=1)
    width = _validate.integer("sawtooth_network", "width", width, minimum=2)
    zig = width * np.array([1.0] + [2.0 * (-1) ** j for j in range(1, width)])  # output weights of Z
    thresholds = -np.arange(width) / width  # biases: u_j = ReLU(t - j / width)
    weights = [np.ones((1, width))] + [np.outer(zig, np.ones(width))] * (depth - 1) + [zig[:, None]]
    biases = [thresholds] * depth + [np.zeros(1)]
    return relu_network(weights, biases)
