"""Containers that compose modules: ``Sequential`` (a chain) and ``Residual`` (a skip connection).

Both follow the contract of ``nnlib.module.Module`` and are importable from ``nnlib.module``,
``nnlib.layers`` and ``nnlib`` too. Chapter 2 (layers of neurons) and Chapter 5 (residual
connections).
"""
import sys

import numpy as np

from nnlib import module as _module
from nnlib.module import Module, _spec


def _sole_count():
    """``sys.getrefcount`` of an array only a local variable refers to (2 on CPython: the
    variable and the argument; see Sequential.forward). Returns 0 (never overwrite) where
    the count is unreliable: PyPy has none; CPython 3.14 may borrow references, which lowers
    counts; in a free-threaded build other threads may take references meanwhile."""
    if (sys.implementation.name != "cpython" or sys.version_info >= (3, 14)
            or not getattr(sys, "_is_gil_enabled", lambda: True)()):
        return 0
    x = np.empty(0)
    return sys.getrefcount(x)


_SOLE = _sole_count()
# Smaller arrays are not overwritten: for them the checks cost more than a new array (measured
# on a 20-layer MLP of width 64: 1.5 to 2.5 % slower at 8 KB per array, even at 16 KB; 3 %
# faster at 256 KB, the 784-256-256-10 MLP at batch 256).
IN_PLACE_MIN_BYTES = 64 << 10


class Sequential(Module):
    """A chain of modules: ``out = m_k(... m_2(m_1(x)))``; backward runs in reverse.

    Indexable (``model[0]``, slices give a new Sequential), has ``len`` and can
    be iterated. Chapter 2 (layers of neurons). Inside ``model(x)``, a ReLU writes
    its output into the previous layer's output (and its gradient into the next
    layer's ``dx``) when nothing else refers to that array: the same numbers, one
    array fewer.

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
        # An array only this loop refers to (usually a layer's fresh output) may be overwritten:
        # ReLU then writes max(x, 0) into x, the same numbers without a new array. Any other
        # name, list, attribute, view or memoryview of it adds to its reference count (a weak
        # reference or a raw pointer taken from x.ctypes does not: nnlib makes neither).
        this_pass, ndarray, refs = _module._pass, np.ndarray, sys.getrefcount
        sole, min_bytes = _SOLE, IN_PLACE_MIN_BYTES
        for m in self._modules:
            if m._pass == this_pass:
                m(x)  # a second call in this forward pass: Module.__call__ raises its error
            m._pass = this_pass
            if (m._in_place and type(x) is ndarray and x.nbytes >= min_bytes
                    and refs(x) <= sole and x.base is None and x.flags.writeable):
                x = m._forward_in_place(x)
            else:
                x = m.forward(x)
            m._out_spec = (x.shape, x.dtype) if type(x) is ndarray else _spec(x)
        return x

    def backward(self, dout, input_grad=True):
        """Backpropagate ``dout`` through the layers in reverse; return ``dx``.

        ``input_grad`` is passed to the first layer only: with False it returns None.
        """
        dout = self._check_backward(dout)
        if not self._modules:
            return dout if input_grad else None
        ndarray, refs, sole, min_bytes = np.ndarray, sys.getrefcount, _SOLE, IN_PLACE_MIN_BYTES
        for m in reversed(self._modules[1:]):
            if (m._in_place and type(dout) is ndarray and dout.nbytes >= min_bytes  # as in forward
                    and refs(dout) <= sole and dout.base is None and dout.flags.writeable):
                dout = m._backward_in_place(dout)
            else:
                dout = m.backward(dout)
        return self._modules[0].backward(dout, input_grad=input_grad)


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
