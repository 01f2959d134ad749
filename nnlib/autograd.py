"""A scalar reverse-mode automatic differentiation engine (in the spirit of micrograd).

Each ``Value`` holds a number, the gradient of a final output with respect to it, and
the inputs that produced it together with the *local derivative* with respect to each
input. ``out.backward()`` visits the graph in reverse topological order and applies the
chain rule at every node: ``d out / d input += local_derivative * d out / d node``.
Derived in Chapter 4 (backpropagation).

One rule for gradients, the same as for ``Parameter`` (and PyTorch): ``backward()``
*adds* ``d out / d node`` into ``node.grad`` for every node of the graph. Calling it
twice doubles every gradient; call ``out.zero_grad()`` first to start again from zero.
"""
import math


def _as_value(x):
    return x if isinstance(x, Value) else Value(x)


class Value:
    """A scalar node of a computation graph: ``data``, ``grad`` and how it was made.

    Supports ``+ - * / **`` (with numbers on either side, ``2 ** v`` included), unary
    minus, and the methods ``exp``, ``log``, ``tanh``, ``relu``, ``sigmoid``. Chapter 4.

    Parameters
    ----------
    data : float
        The value (a finite number).
    label : str
        Optional name for drawings of the graph.

    Attributes
    ----------
    data : float
        The value.
    grad : float
        The sum of ``d(output)/d(self)`` over every ``output.backward()`` since the
        last ``zero_grad()``; 0 before the first.
    op : str
        The operation that produced this node (``""`` for a leaf).
    """

    def __init__(self, data, label="", _inputs=(), _op=""):
        try:
            data = float(data)
        except (TypeError, ValueError):
            raise ValueError(f"Value expected a number, got {type(data).__name__} {data!r}") from None
        if not math.isfinite(data):
            raise ValueError(f"Value expected a finite number, got {data}"
                             + (f" (the result of {_op})" if _op else ""))
        self.data = data
        self.grad = 0.0
        self.label = label
        self.op = _op
        self._inputs = tuple(_inputs)  # ((input Value, d self / d input), ...)

    @property
    def inputs(self):
        """The Values this node was computed from, in order (empty for a leaf)."""
        return tuple(node for node, _ in self._inputs)

    # -- arithmetic: each op records its inputs and the local derivatives -------------
    def __add__(self, other):
        other = _as_value(other)
        return Value(self.data + other.data, _inputs=((self, 1.0), (other, 1.0)), _op="+")

    def __mul__(self, other):
        other = _as_value(other)
        return Value(self.data * other.data, _inputs=((self, other.data), (other, self.data)), _op="*")

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            raise ValueError("Value ** expected a number as the exponent, got a Value: a variable "
                             "exponent is not supported; write (exponent * base.log()).exp()")
        try:
            exponent = float(exponent)
        except (TypeError, ValueError):
            raise ValueError(f"Value ** expected a number as the exponent, got "
                             f"{type(exponent).__name__} {exponent!r}") from None
        x = self.data
        if x == 0 and exponent < 0:
            raise ValueError(f"Value ** expected a non-zero base for the negative power {exponent:g}, "
                             f"got 0 ** {exponent:g} (division by zero)")
        if x < 0 and not exponent.is_integer():
            raise ValueError(f"Value ** expected a base >= 0 for the fractional power {exponent:g}, got "
                             f"({x:g}) ** {exponent:g}: a negative number to a fractional power is not real")
        if x == 0 and 0 < exponent < 1:
            raise ValueError(f"Value ** expected a base > 0 for the power {exponent:g} (its derivative "
                             f"is infinite at 0), got 0 ** {exponent:g}")
        try:
            out = x**exponent
            local = 0.0 if exponent == 0 else exponent * x ** (exponent - 1)  # d(x^e)/dx = e x^(e-1)
        except OverflowError:
            raise ValueError(f"Value ** expected a result that fits in a float, got ({x:g}) ** "
                             f"{exponent:g}, which overflows") from None
        return Value(out, _inputs=((self, local),), _op=f"**{exponent:g}")

    def __rpow__(self, base):
        """``base ** self`` for a positive number ``base``: ``exp(self * log(base))``."""
        try:
            base = float(base)
        except (TypeError, ValueError):
            raise ValueError(f"number ** Value expected a number as the base, got {type(base).__name__}") from None
        if base <= 0:
            raise ValueError(f"number ** Value expected a positive base, got {base:g}")
        try:
            out = base**self.data
        except OverflowError:
            raise ValueError(f"number ** Value expected a result that fits in a float, got "
                             f"{base:g} ** {self.data:g}, which overflows") from None
        return Value(out, _inputs=((self, out * math.log(base)),), _op=f"{base:g}**")

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-_as_value(other))

    def __truediv__(self, other):
        other = _as_value(other)
        if other.data == 0:
            raise ValueError(f"Value / expected a non-zero divisor, got {self.data:g} / 0 (division by zero)")
        return self * other**-1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return _as_value(other) - self

    def __rtruediv__(self, other):
        return _as_value(other) / self

    # -- functions: the value and its local derivative ---------------------------------
    def _unary(self, value, local_grad, op):
        """The node ``f(self)`` whose local derivative ``f'(self)`` is ``local_grad``."""
        return Value(value, _inputs=((self, local_grad),), _op=op)

    def exp(self):
        """``exp(x)``; derivative ``exp(x)``."""
        if self.data > 709.0:
            raise ValueError(f"Value.exp expected an exponent <= 709 (exp of more overflows a float), "
                             f"got {self.data:g}")
        e = math.exp(self.data)
        return self._unary(e, e, "exp")

    def log(self):
        """Natural log ``log(x)`` for ``x > 0``; derivative ``1 / x``."""
        if self.data <= 0:
            raise ValueError(f"Value.log expected a positive number, got {self.data}")
        return self._unary(math.log(self.data), 1.0 / self.data, "log")

    def tanh(self):
        """``tanh(x)``; derivative ``1 - tanh(x)**2``."""
        t = math.tanh(self.data)
        return self._unary(t, 1.0 - t * t, "tanh")

    def relu(self):
        """``max(x, 0)``; derivative 1 for ``x > 0``, else 0."""
        return self._unary(max(self.data, 0.0), float(self.data > 0), "relu")

    def sigmoid(self):
        """``1 / (1 + exp(-x))`` (stable); derivative ``s * (1 - s)``."""
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:
            z = math.exp(self.data)
            s = z / (1.0 + z)
        return self._unary(s, s * (1.0 - s), "sigmoid")

    # -- the backward pass -------------------------------------------------------
    def topological_order(self):
        """Return all nodes of the graph ending here, each after all of its inputs."""
        order, seen = [], set()
        stack = [(self, False)]
        while stack:  # iterative depth-first search (deep graphs need no recursion)
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node.inputs) if id(child) not in seen)
        return order

    def backward(self):
        """Add ``d(self)/d(node)`` into ``node.grad`` for every node of the graph.

        The chain rule, from the output back: ``d self / d self = 1``, and for every node,
        each input receives ``local derivative * d self / d node``. An input used twice
        (``a * a``, ``a + a``) receives a contribution from each use.
        """
        order = self.topological_order()
        g = {id(node): 0.0 for node in order}  # d self / d node, for this call only
        g[id(self)] = 1.0
        for node in reversed(order):
            for child, local in node._inputs:
                g[id(child)] += local * g[id(node)]
        for node in order:
            node.grad += g[id(node)]

    def zero_grad(self):
        """Set ``grad`` to 0 for every node of the graph ending here."""
        for node in self.topological_order():
            node.grad = 0.0

    def graph(self):
        """Return ``(nodes, edges)`` for drawing: nodes in topological order, edges ``(input, output)``."""
        nodes = self.topological_order()
        edges = [(child, node) for node in nodes for child in node.inputs]
        return nodes, edges

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.4f}, grad={self.grad:.4f}{label})"
