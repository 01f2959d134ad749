"""Containers that compose modules: ``Sequential`` (a chain) and ``Residual`` (a skip connection).

Both follow the contract of ``nnlib.module.Module`` and are importable from ``nnlib.module``,
``nnlib.layers`` and ``nnlib`` too. Chapter 2 (layers of neurons) and Chapter 5 (residual
connections).
"""
import sys

import numpy as np

from nnlib import module as _module
from nnlib.module import Module, _spec


def _refs(a):
    """``sys.getrefcount(a)`` one call deep, as ``_held_only_here`` sees it: the caller's name, the
    argument, getrefcount's argument."""
    return sys.getrefcount(a)


def _sole_count():
    """What ``_refs`` returns for an array that only one local variable refers to (3 on CPython:
    the variable, the helper's argument, getrefcount's argument; see ``_held_only_here``).
    Returns 0 (never overwrite) where the count is unreliable: PyPy has none; CPython 3.14 may
    borrow references, which lowers counts; in a free-threaded build other threads may take
    references meanwhile."""
    if (sys.implementation.name != "cpython" or sys.version_info >= (3, 14)
            or not getattr(sys, "_is_gil_enabled", lambda: True)()):
        return 0
    x = np.empty(0)
    return _refs(x)


_SOLE = _sole_count()
# Smaller arrays are not overwritten: for them the checks cost more than a new array (measured
# on a 20-layer MLP of width 64: 1.5 to 2.5 % slower at 8 KB per array, even at 16 KB; 3 %
# faster at 256 KB, the 784-256-256-10 MLP at batch 256).
IN_PLACE_MIN_BYTES = 64 << 10


def _held_only_here(a):
    """True if the caller may overwrite ``a``: a large, writable array that owns its memory and
    that nothing but the caller's one local variable refers to. Any other name, list,
    attribute, view or memoryview of it adds to its reference count (a weak reference or a raw
    pointer taken from ``a.ctypes`` does not: nnlib makes neither)."""
    return (type(a) is np.ndarray and a.nbytes >= IN_PLACE_MIN_BYTES and sys.getrefcount(a) <= _SOLE
            and a.base is None and a.flags.writeable)


def _steps(modules):
    """The modules in pairs ``(module, None)``, except ``(linear, relu)`` for a Linear followed by
    a ReLU (those exact classes: a subclass may do something else), which Sequential runs as
    one step."""
    from nnlib.activations import ReLU
    from nnlib.layers import Linear

    steps, i = [], 0
    while i < len(modules):
        m = modules[i]
        if type(m) is Linear and i + 1 < len(modules) and type(modules[i + 1]) is ReLU:
            steps.append((m, modules[i + 1]))
            i += 2
        else:
            steps.append((m, None))
            i += 1
    return steps


def _forward_one(m, x, this_pass, alone):
    """What ``Module.__call__`` does for ``m(x)`` inside a pass, less the call. With ``alone``
    (the caller's ``_held_only_here(x)``) a module that can may write its output into ``x``."""
    if m._pass == this_pass:
        m(x)  # a second call in this forward pass: Module.__call__ raises its error
    m._pass = this_pass
    x = m._forward_in_place(x) if alone else m.forward(x)  # ReLU in place: max(x, 0) written into x
    m._out_spec = (x.shape, x.dtype) if type(x) is np.ndarray else _spec(x)
    return x


def _linear_relu_forward(lin, relu, x, this_pass):
    """``relu(lin(x))`` as one step: ``out = max(x W + b, 0)``, written into the new array of
    ``x W`` (nobody else has it yet), with the checks of the two calls done once. Returns None,
    and does nothing, where the step does not apply: an input that is not an (N, D) array of
    W's dtype (the ordinary calls then raise their errors), a second call of either module in
    this pass, or a forward replaced on the instance (a hook)."""
    W = lin.W.data
    if (type(x) is not np.ndarray or x.ndim != 2 or x.shape[1] != lin.in_features or x.dtype is not W.dtype
            or lin._pass == this_pass or relu._pass == this_pass
            or "forward" in vars(lin) or "forward" in vars(relu)):
        return None
    lin._pass = relu._pass = this_pass
    lin._x = x  # what Linear.forward keeps
    out = x @ W  # Linear: out = x W + b
    out += lin.b.data
    zeros = relu._zeros
    if zeros is None or zeros.dtype is not out.dtype or zeros.shape != out.shape:
        zeros = relu._zeros_for(out)
    relu._y = np.maximum(out, zeros, out=out)  # ReLU: out = max(out, 0), kept for its backward
    lin._out_spec = relu._out_spec = (out.shape, out.dtype)  # one tuple: backward checks `is`
    return out


_NOT_RUN = object()  # _linear_relu_backward's answer where it does not apply


def _linear_relu_backward(lin, relu, dout, fresh, input_grad):
    """The backward pass of ``_linear_relu_forward``'s step: ``g = dout * (y > 0)`` (written into
    ``dout`` if ``fresh``: nobody else holds it), ``dW += x^T g``, ``db += sum_n g`` and, if
    ``input_grad``, ``dx = g W^T``. Returns ``dx`` (None without ``input_grad``), or ``_NOT_RUN``
    where the step does not apply: the last forward pass did not run this step (or ran one of
    the modules again on its own), ``dout`` does not match its output, or a backward is
    replaced on the instance."""
    spec = relu._out_spec
    if (lin._out_spec is not spec or spec is None or type(dout) is not np.ndarray
            or dout.shape != spec[0] or dout.dtype is not spec[1]
            or "backward" in vars(lin) or "backward" in vars(relu)):
        return _NOT_RUN
    mask = relu._y != 0  # ReLU: relu'(x) = (x > 0), and y = max(x, 0) is nonzero exactly there
    g = np.multiply(dout, mask, dout) if fresh else np.multiply(dout, mask)  # g = dout * relu'(x)
    lin.W.add_grad(lin._x.T, g)  # Linear: dW += x^T g
    lin.b.add_sum(g)  # db += sum_n g
    return g @ lin.W.data.T if input_grad else None  # dx = g W^T


class Sequential(Module):
    """A chain of modules: ``out = m_k(... m_2(m_1(x)))``; backward runs in reverse.

    Indexable (``model[0]``, slices give a new Sequential), has ``len`` and can
    be iterated. Chapter 2 (layers of neurons). Inside ``model(x)``, a Linear
    followed by a ReLU runs as one step, ``max(x W + b, 0)``, with the checks done
    once and the ReLU written into the Linear's new output (and, backward, the mask
    into the next layer's new ``dx``); elsewhere a ReLU writes into an array when
    nothing else refers to it. The same numbers, fewer arrays and Python calls.

    Parameters
    ----------
    modules : Module
        The layers, in order (passed as separate arguments).
    """

    def __init__(self, *modules):
        super().__init__()
        for m in modules:
            if not isinstance(m, Module):
                raise ValueError(
                    f"Sequential expected Module arguments (layer objects such as ReLU(), not "
                    f"functions or classes), got {type(m).__name__}"
                )
        self._modules = list(modules)
        # a module that redefines __call__ is called as it is (see forward)
        self._custom_call = any(type(m).__call__ is not Module.__call__ for m in modules)
        self._steps = _steps(self._modules)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self._modules[index])
        return self._modules[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def forward(self, x):
        if _module._depth == 0 or self._custom_call:  # forward() called directly, not model(x)
            for m in self._modules:
                x = m(x)
            return x
        # Inside this Sequential's own call, what Module.__call__ does for each layer, written
        # out: one Python call per layer instead of two, which shows in deep, narrow networks.
        # A Linear followed by a ReLU runs as one step (_linear_relu_forward).
        this_pass = _module._pass
        for m, relu in self._steps:
            if relu is not None:
                out = _linear_relu_forward(m, relu, x, this_pass)
                if out is not None:
                    x = out
                    continue
            # _held_only_here is asked before the call, while this loop's x is the one name for the array
            alone = m._in_place and _held_only_here(x)
            x = _forward_one(m, x, this_pass, alone)
            if relu is not None:
                alone = _held_only_here(x)
                x = _forward_one(relu, x, this_pass, alone)
        return x

    def backward(self, dout, input_grad=True):
        """Backpropagate ``dout`` through the layers in reverse; return ``dx``.

        ``input_grad`` is passed to the first layer only: with False it returns None.
        """
        dout = self._check_backward(dout)
        steps = self._steps
        if not steps:
            return dout if input_grad else None
        fresh = False  # True: dout is the new dx of a Linear + ReLU step, which nobody else holds
        first = steps[0]
        for step in reversed(steps):
            m, relu = step
            if relu is not None:
                wanted = input_grad or step is not first  # only the first layer may skip its input gradient
                alone = fresh or _held_only_here(dout)  # asked before the call (see forward)
                dx = _linear_relu_backward(m, relu, dout, alone, wanted)
                if dx is not _NOT_RUN:
                    dout, fresh = dx, True
                    continue
                alone = fresh or _held_only_here(dout)
                dout = relu._backward_in_place(dout) if alone else relu.backward(dout)  # the mask written into dout
                fresh = False
            if step is first:
                return m.backward(dout, input_grad=input_grad)
            alone = m._in_place and (fresh or _held_only_here(dout))
            dout = m._backward_in_place(dout) if alone else m.backward(dout)
            fresh = False
        return dout


class Residual(Module):
    """Residual (skip) connection ``out = x + module(x)``; backward ``dx = dout + module.backward(dout)``.

    The wrapped module must keep the shape of its input (``(N, D)`` or
    ``(B, T, D)``). Chapter 5 (residual connections); Chapter 9 (transformers).

    Parameters
    ----------
    module : Module
        The branch ``f`` in ``x + f(x)``.
    """

    def __init__(self, module):
        super().__init__()
        if not isinstance(module, Module):
            raise ValueError(f"Residual expected a Module, got {type(module).__name__}")
        self.module = module

    def forward(self, x):
        x = np.asarray(x)
        out = self.module(x)
        if out.shape != x.shape:
            raise ValueError(
                f"Residual expected its module to keep the input shape {x.shape}, got output "
                f"shape {out.shape}: x + module(x) needs equal shapes (check out_features)."
            )
        return x + out

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)
        dbranch = self.module.backward(dout, input_grad=input_grad)
        return dout + dbranch if input_grad else None
