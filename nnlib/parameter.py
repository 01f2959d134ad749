"""``Parameter``: a trainable array and the gradient of the loss with respect to it.

Importable as ``nnlib.Parameter`` and ``nnlib.module.Parameter`` too. Derived in Chapter 4
(gradient descent).
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

    ``grad`` (a property, below) holds the accumulated gradient: same shape and dtype as
    ``data``, zeros at the start.
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
        if value.dtype != self.data.dtype:
            raise ValueError(
                f"Parameter.grad expected an array of dtype {self.data.dtype} (the dtype of data), "
                f"got {value.dtype}; cast it with value.astype(np.{self.data.dtype})"
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
            np.matmul(a, b, self._grad)  # out=self._grad, passed by position (cheaper)
            self._zero_pending = False
        else:
            self._grad += a @ b

    def add_sum(self, g):
        """Accumulate the column sums of ``g`` into the gradient: ``grad += g.sum(axis=0)`` (a bias's ``db``).

        ``g`` has shape ``(N,) + data.shape``. Right after ``zero_grad()`` the sum is written
        straight into the gradient array (``np.add.reduce(g, axis=0, out=...)``), as in ``add_grad``.
        """
        if self._zero_pending:
            np.add.reduce(g, 0, None, self._grad)  # np.sum(g, axis=0, out=grad) without its wrapper or keywords
            self._zero_pending = False
        else:
            self._grad += np.add.reduce(g, axis=0)

    def __repr__(self):
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"
