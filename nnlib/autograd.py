"""A scalar reverse-mode automatic differentiation engine (in the spirit of micrograd).

Each ``Value`` holds a number, the gradient of the final output with respect to
it, and the operation and inputs that produced it. ``out.backward()`` visits the
graph in reverse topological order and applies the chain rule at every node:
``child.grad += local_derivative * node.grad``. Derived in Chapter 4
(backpropagation).

Repeated ``backward()`` calls: every call first resets the ``grad`` of every
node in the graph to 0 and then propagates, so calling it twice gives the same
gradients as calling it once (nothing accumulates silently across calls).
"""
import math


def _as_value(x):
    return x if isinstance(x, Value) else Value(x)


class Value:
    """A scalar node of a computation graph: ``data``, ``grad`` and how it was made.

    Supports ``+ - * / **`` (with numbers on either side), unary minus, and the
    methods ``exp``, ``log``, ``tanh``, ``relu``, ``sigmoid``. Chapter 4.

    Parameters
    ----------
    data : float
        The value.
    label : str
        Optional name for drawings of the graph.

    Attributes
    ----------
    data : float
        The value.
    grad : float
        ``d(output)/d(self)`` after ``output.backward()``; 0 before.
    op : str
        The operation that produced this node (``""`` for a leaf).
    """

    def __init__(self, data, label="", _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.op = _op
        self._prev = tuple(_children)
        self._backward = lambda: None

    # -- arithmetic: each defines out and how out.grad flows to its inputs ---
    def __add__(self, other):
        other = _as_value(other)
        out = Value(self.data + other.data, _children=(self, other), _op="+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = _as_value(other)
        out = Value(self.data * other.data, _children=(self, other), _op="*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            raise ValueError("Value.__pow__ expected a number exponent, got a Value; use exp/log")
        exponent = float(exponent)
        out = Value(self.data**exponent, _children=(self,), _op=f"**{exponent:g}")

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-_as_value(other))

    def __truediv__(self, other):
        return self * _as_value(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return _as_value(other) - self

    def __rtruediv__(self, other):
        return _as_value(other) * self**-1

    # -- functions -----------------------------------------------------------
    def _unary(self, value, local_grad, op):
        """Make the node ``f(self)`` whose local derivative ``f'(self)`` is ``local_grad``."""
        out = Value(value, _children=(self,), _op=op)

        def _backward():
            self.grad += local_grad * out.grad

        out._backward = _backward
        return out

    def exp(self):
        """``exp(x)``; derivative ``exp(x)``."""
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
                stack.extend((child, False) for child in reversed(node._prev) if id(child) not in seen)
        return order

    def backward(self):
        """Fill ``grad`` of every node with ``d(self)/d(node)``.

        Resets all gradients in the graph to 0 first, so a second call gives
        identical results instead of doubling them.
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()

    def graph(self):
        """Return ``(nodes, edges)`` for drawing: nodes in topological order, edges ``(input, output)``."""
        nodes = self.topological_order()
        edges = [(child, node) for node in nodes for child in node._prev]
        return nodes, edges

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.4f}, grad={self.grad:.4f}{label})"
