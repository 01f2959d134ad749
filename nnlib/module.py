"""Parameters, the Module base class, and the containers that compose modules.

A layer is a short class with two methods. ``forward(x)`` computes the output
and keeps only what the backward pass needs; ``backward(dout)`` receives the
gradient of the loss with respect to the output and returns the gradient with
respect to the input, adding the gradients of its parameters into their
``.grad`` arrays along the way (Chapter 4, backpropagation). ``Sequential``
chains modules and ``Residual`` adds a skip connection around one.
"""
import numpy as np


class Parameter:
    """A trainable array together with the gradient of the loss with respect to it.

    Backward passes *add* into ``grad`` (gradients accumulate, as in PyTorch),
    so call ``zero_grad()`` (or the optimizer's) before each new backward pass.
    Derived in Chapter 4 (gradient descent).

    Parameters
    ----------
    data : ndarray, any shape ``S``
        The values, floating point. Stored as given (no copy, dtype kept).

    Attributes
    ----------
    data : ndarray, shape ``S``
        The values.
    """

    def __init__(self, data):
        data = np.asarray(data)
        if not np.issubdtype(data.dtype, np.floating):
            raise ValueError(
                f"Parameter expected a floating-point array, got dtype {data.dtype}; "
                "create it with np.asarray(values, dtype=np.float64)"
            )
        self.data = data
        self._grad = np.zeros_like(data)
        self._zero_pending = False

    # Why ``grad`` is a property: ``zero_grad()`` only marks the gradient as
    # zero, and the array is cleared when someone first touches it. Linear's
    # backward pass then writes ``x.T @ dout`` straight into the array instead
    # of clearing it and adding a temporary (see ``add_grad``). Whoever reads
    # ``p.grad`` always sees the right values.
    @property
    def grad(self):
        """Gradient of the loss with respect to ``data``: an array of the same shape and dtype."""
        if self._zero_pending:
            self._grad.fill(0)
            self._zero_pending = False
        return self._grad

    @grad.setter
    def grad(self, value):
        value = np.asarray(value)
        if value.shape != self.data.shape:
            raise ValueError(
                f"Parameter.grad expected an array of shape {self.data.shape}, got {value.shape}"
            )
        self._grad = value
        self._zero_pending = False

    @property
    def shape(self):
        """The shape of ``data`` (a tuple)."""
        return self.data.shape

    @property
    def dtype(self):
        """The dtype of ``data``."""
        return self.data.dtype

    @property
    def size(self):
        """The number of scalars in ``data`` (an int)."""
        return self.data.size

    def zero_grad(self):
        """Reset ``grad`` to zeros (the same array, cleared on first use)."""
        self._zero_pending = True

    def add_grad(self, a, b):
        """Accumulate a matrix product into the gradient: ``grad += a @ b`` (Linear's ``dW``).

        Right after ``zero_grad()`` this is ``grad = a @ b``, written straight
        into the gradient array by ``np.matmul(a, b, out=...)``: no temporary,
        no clearing, no addition.
        """
        if self._zero_pending:
            np.matmul(a, b, out=self._grad)
            self._zero_pending = False
        else:
            self._grad += a @ b

    def __repr__(self):
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class of every layer, activation and model.

    Subclasses implement ``forward(x)`` and ``backward(dout)``. Parameters and
    sub-modules stored as attributes (or in a list of modules) are found by
    ``parameters()`` automatically, in the order they were assigned.
    Derived in Chapter 4 (backpropagation) and Chapter 5 (training in practice).

    Attributes
    ----------
    training : bool
        True in training mode (the default), False after ``eval()``. Only layers
        that behave differently when training (Dropout, BatchNorm1d) read it.
    """

    def __init__(self):
        self.training = True

    def forward(self, x):
        """Compute the output for input ``x`` and remember what backward needs."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, dout):
        """Return ``dL/dx`` given ``dout = dL/dout`` and accumulate parameter gradients.

        Layers with parameters also accept the keyword ``input_grad=False``:
        they then accumulate their parameter gradients but skip computing
        ``dL/dx`` (returning None), which saves work for the first layer of a
        network, whose input is data (PyTorch skips it the same way because
        the data tensor does not require a gradient).
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    def __call__(self, x):
        return self.forward(x)

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
        """Return a list of ``(name, Parameter)`` pairs, recursively, e.g. ``"0.W"``."""
        named = []
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                named.append((prefix + name, value))
        for name, child in self.named_children():
            named.extend(child.named_parameters(prefix=f"{prefix}{name}."))
        return named

    def parameters(self):
        """Return the list of all ``Parameter`` objects of this module and its children."""
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

    # -- checks shared by the layers -------------------------------------------
    def _check_backward(self, cache, dout, expected_shape):
        """Raise a helpful ValueError if forward has not run or ``dout`` has the wrong shape."""
        name = type(self).__name__
        if cache is None:
            raise ValueError(
                f"{name}.backward was called before forward: expected a forward pass "
                f"to store its input, got none. Run out = layer(x) before layer.backward(dout)."
            )
        if dout.shape != expected_shape:
            raise ValueError(
                f"{name}.backward expected dout of shape {expected_shape} (the shape of the "
                f"last forward output), got {dout.shape}; did the batch change between "
                "forward and backward?"
            )

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


def has_parameters(module):
    """Return True if ``module`` or any of its sub-modules holds a ``Parameter`` (stops at the first)."""
    for value in vars(module).values():
        if isinstance(value, Parameter):
            return True
    return any(has_parameters(child) for _, child in module.named_children())


def count_parameters(module):
    """Total number of trainable scalars: the sum of ``p.size`` over ``module.parameters()``.

    Parameters
    ----------
    module : Module
        Any module.

    Returns
    -------
    int
        For ``Linear(3, 4)`` this is ``3 * 4 + 4 = 16`` (Chapter 6, parameter-matched
        networks; Chapter 7, the size of a transformer).
    """
    return int(sum(p.size for p in module.parameters()))


def backward_params_only(module, dout):
    """Accumulate the parameter gradients of ``module`` without computing ``dx``.

    Calls ``module.backward(dout, input_grad=False)``; a module without
    parameters has nothing to accumulate and is skipped. Returns None.
    """
    if has_parameters(module):
        module.backward(dout, input_grad=False)


class Sequential(Module):
    """A chain of modules: ``out = m_k(... m_2(m_1(x)))``; backward runs in reverse.

    Indexable (``model[0]``, slices give a new Sequential), has ``len`` and can
    be iterated. Chapter 2 (layers of neurons).

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

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self._modules[index])
        return self._modules[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def forward(self, x):
        for m in self._modules:
            x = m(x)
        return x

    def backward(self, dout, input_grad=True):
        """Backpropagate ``dout`` through the layers in reverse; return ``dx``.

        With ``input_grad=False`` the layers before the first one with
        parameters are skipped and that layer does not compute its ``dx``
        (returns None), the work PyTorch also skips for a data input.
        """
        mods = self._modules
        if input_grad:
            for m in reversed(mods):
                dout = m.backward(dout)
            return dout
        first = next((i for i, m in enumerate(mods) if has_parameters(m)), len(mods))
        for m in reversed(mods[first + 1:]):
            dout = m.backward(dout)
        if first < len(mods):
            mods[first].backward(dout, input_grad=False)
        return None


class Residual(Module):
    """Residual (skip) connection ``out = x + module(x)``; backward ``dx = dout + module.backward(dout)``.

    The wrapped module must keep the shape of its input (``(N, D)`` or
    ``(B, T, D)``). Chapter 5 (residual connections); Chapter 7 (transformers).

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
        self._shape = None

    def forward(self, x):
        x = np.asarray(x)
        out = self.module(x)
        if out.shape != x.shape:
            raise ValueError(
                f"Residual expected its module to keep the input shape {x.shape}, got output "
                f"shape {out.shape}: x + module(x) needs equal shapes (check out_features)."
            )
        self._shape = x.shape
        return x + out

    def backward(self, dout, input_grad=True):
        self._check_backward(self._shape, dout, self._shape)
        if not input_grad:
            backward_params_only(self.module, dout)
            return None
        return dout + self.module.backward(dout)
