"""The Module base class (``Parameter`` is in ``nnlib.parameter``, the containers ``Sequential``
and ``Residual`` in ``nnlib.containers``; all are importable from here too).

A layer is a short class with two methods. ``forward(x)`` computes the output
and keeps only what the backward pass needs; ``backward(dout)`` receives the
gradient of the loss with respect to the output and returns the gradient with
respect to the input, adding the gradients of its parameters into their
``.grad`` arrays along the way (Chapter 4, backpropagation). ``Sequential``
chains modules and ``Residual`` adds a skip connection around one.

One rule for skipping work: every module's ``backward(dout, input_grad=False)``
still accumulates its parameter gradients but does not compute the gradient
with respect to its input, and returns None. ``fit`` uses it for the first
layer, whose input is data (PyTorch skips that gradient too, because the data
does not require one).

One rule for a second backward pass: ``backward`` may be called again after one forward
pass and adds the same gradients again (as PyTorch does with ``retain_graph=True``);
call ``zero_grad()`` in between to start from zero.
"""
import numpy as np

from nnlib.parameter import Parameter  # noqa: F401 (nnlib.module.Parameter keeps working)


# Every call of a module at the top level (not from inside another module's forward)
# starts a new forward pass; a module called twice within one pass is refused (see
# Module.__call__).
_depth = 0
_pass = 0


def _spec(out):
    """``(shape, dtype)`` of a forward output, which backward checks ``dout`` against."""
    if type(out) is np.ndarray:  # the usual case, without np.shape's function call
        return out.shape, out.dtype
    return np.shape(out), getattr(out, "dtype", None)


class Module:
    """Base class of every layer, activation and model.

    Subclasses implement ``forward(x)`` and ``backward(dout, input_grad=True)``.
    Call a module as ``module(x)``: that runs ``forward`` and records the shape and
    dtype of the output, which ``backward`` checks ``dout`` against. Parameters and
    sub-modules stored as attributes (or in a list of modules) are found by
    ``parameters()`` automatically, in the order they were assigned.
    Derived in Chapter 4 (backpropagation) and Chapter 5 (training in practice).

    A module keeps what one forward pass needs for its backward pass, so it can be
    used only once per forward pass: ``Sequential(layer, ReLU(), layer)`` raises a
    ``ValueError`` at its forward pass. Share weights by sharing a ``Parameter``
    instead (two layers whose ``W`` is the same ``Parameter`` keep their own inputs
    and add into one gradient), as ``DecoderLM(tie_embeddings=True)`` does.

    Attributes
    ----------
    training : bool
        True in training mode (the default), False after ``eval()``. Only layers
        that behave differently when training (Dropout, BatchNorm1d) read it.
    """

    training = True
    _in_place = False  # True: has _forward_in_place and _backward_in_place (see Sequential)
    _out_spec = None  # (shape, dtype) of the last forward output
    _pass = -1  # the forward pass the module was last called in

    def __init__(self):
        self.training = True

    def forward(self, x):
        """Compute the output for input ``x`` and remember what backward needs."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, dout, input_grad=True):
        """Return ``dL/dx`` given ``dout = dL/dout`` and accumulate parameter gradients.

        With ``input_grad=False`` the parameter gradients are accumulated but ``dL/dx``
        is not computed, and None is returned (the rule in this module's docstring).
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    def __call__(self, x):
        global _depth, _pass
        if _depth == 0:
            _pass += 1  # a new forward pass: no module has been called in it yet
        elif self._pass == _pass:
            raise ValueError(
                f"{type(self).__name__}({self.extra_repr()}) expected one call per forward pass, "
                "got a second call in the same pass: a module keeps one input for its backward "
                "pass, so a second use would overwrite the first and make the gradients wrong. "
                "Use two modules, or share weights by sharing a Parameter (second.W = first.W), "
                "as DecoderLM(tie_embeddings=True) does."
            )
        self._pass = _pass
        _depth += 1
        try:
            out = self.forward(x)
        finally:
            _depth -= 1
        self._out_spec = _spec(out)
        return out

    # -- finding parameters and sub-modules ---------------------------------
    def named_children(self):
        """Return a list of ``(name, module)`` pairs for the direct sub-modules."""
        children = []
        for name, value in vars(self).items():
            if isinstance(value, Module):
                children.append((name, value))
            elif isinstance(value, (list, tuple)):
                children.extend(
                    (f"{name}.{i}" if name != "_modules" else str(i), v)
                    for i, v in enumerate(value)
                    if isinstance(v, Module)
                )
        return children

    def named_parameters(self, prefix=""):
        """Return a list of ``(name, Parameter)`` pairs, recursively, e.g. ``"0.W"``.

        A ``Parameter`` shared by several modules (tied weights) is listed once, under
        the first name it is found by, as in PyTorch.
        """
        named, seen = [], set()

        def walk(module, prefix):
            for name, value in vars(module).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    named.append((prefix + name, value))
            for name, child in module.named_children():
                walk(child, f"{prefix}{name}.")

        walk(self, prefix)
        return named

    def parameters(self):
        """Return the list of all ``Parameter`` objects of this module and its children (each once)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self):
        """Reset the gradient of every parameter to zero."""
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode=True):
        """Switch this module and all sub-modules to training mode; return self."""
        self.training = mode
        for _, child in self.named_children():
            child.train(mode)
        return self

    def eval(self):
        """Switch to evaluation mode (dropout off, running statistics used); return self."""
        return self.train(False)

    # -- the check every backward pass starts with --------------------------------
    def _check_backward(self, dout):
        """``dout`` as an array, after checking it against the last forward output.

        Raises a ValueError if forward has not run, or if ``dout`` does not have the
        shape and dtype of the output that forward returned.
        """
        spec = self._out_spec
        if type(dout) is np.ndarray and spec is not None and dout.shape == spec[0] and dout.dtype == spec[1]:
            return dout  # the usual case: every check below passes
        name = type(self).__name__
        if spec is None:
            raise ValueError(
                f"{name}.backward was called before forward: expected a forward pass "
                f"to store its input, got none. Run out = layer(x) before layer.backward(dout)."
            )
        dout = np.asarray(dout)
        shape, dtype = self._out_spec
        if dout.shape != shape:
            raise ValueError(
                f"{name}.backward expected dout of shape {shape} (the shape of the "
                f"last forward output), got {dout.shape}; did the batch change between "
                "forward and backward?"
            )
        if dtype is not None and dout.dtype != dtype:
            raise ValueError(
                f"{name}.backward expected dout of dtype {dtype} (the dtype of the last "
                f"forward output), got {dout.dtype}; cast it with dout.astype(np.{dtype})."
            )
        return dout

    # -- printing ------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of ``repr``, e.g. ``in_features=3, out_features=4``."""
        return ""

    def __repr__(self):
        children = self.named_children()
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_text}")
        lines.append(")")
        return "\n".join(lines)


def count_parameters(module):
    """Total number of trainable scalars: the sum of ``p.size`` over ``module.parameters()``.

    A shared (tied) ``Parameter`` is counted once, as ``sum(p.numel() for p in
    model.parameters())`` does in PyTorch.

    Parameters
    ----------
    module : Module
        Any module.

    Returns
    -------
    int
        For ``Linear(3, 4)`` this is ``3 * 4 + 4 = 16`` (Chapter 6, parameter-matched
        networks; Chapter 9, the size of a transformer).
    """
    if not isinstance(module, Module):
        raise ValueError(f"count_parameters expected a Module, got {type(module).__name__}")
    return int(sum(p.size for p in module.parameters()))


from nnlib.containers import Residual, Sequential  # noqa: E402,F401 (nnlib.module.Sequential keeps working)
