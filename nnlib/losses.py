"""Loss functions: mean squared error and softmax cross-entropy.

A loss is called as ``value = loss(pred, target)`` and returns a Python float;
``dpred = loss.backward()`` then returns the gradient of that value with respect
to ``pred`` (same shape and dtype as ``pred``), which starts the backward pass
of the model. Both use mean reduction. Derived in Chapter 4 (learning).
"""
import math

import numpy as np


def _check_finite(name, value):
    if not math.isfinite(value):
        raise ValueError(
            f"{name} expected a finite loss, got {value}: the predictions contain NaN or inf. "
            "Training has usually diverged: lower the learning rate (or check the inputs for "
            "NaN/inf and scale them)."
        )


_UNSIGNED = {np.dtype(s): np.dtype(u) for s, u in
             ((np.int8, np.uint8), (np.int16, np.uint16), (np.int32, np.uint32), (np.int64, np.uint64))}


class MSELoss:
    """Mean squared error ``L = mean((pred - target)**2)`` over all entries.

    Backward: ``dL/dpred = 2 * (pred - target) / pred.size``. Chapter 4.

    Call ``loss(pred, target)`` with ``pred`` of any shape ``S`` (e.g. ``(N, 1)``)
    and ``target`` of the same shape ``S``; it returns a float. ``backward()``
    returns an array of shape ``S`` and the dtype of ``pred`` (the target is cast
    to that dtype).
    """

    def __init__(self):
        self._diff = None

    def forward(self, pred, target):
        """Return ``mean((pred - target)**2)`` as a float; ``pred`` and ``target`` have shape ``S``."""
        pred = np.asarray(pred)
        target = np.asarray(target)
        if pred.shape != target.shape:
            raise ValueError(
                f"MSELoss expected target of shape {pred.shape} (the shape of pred), got "
                f"{target.shape}. A (N,) target against (N, 1) predictions would broadcast to "
                "(N, N): reshape with y.reshape(-1, 1)."
            )
        if not np.issubdtype(pred.dtype, np.floating):
            raise ValueError(f"MSELoss expected floating-point predictions, got dtype {pred.dtype}")
        if target.dtype.kind not in "biuf":
            raise ValueError(f"MSELoss expected numeric targets, got dtype {target.dtype}")
        if pred.size == 0:
            raise ValueError(f"MSELoss expected at least one prediction, got an empty array of shape "
                             f"{pred.shape}: the mean of no errors is undefined. Check the batch slicing.")
        diff = pred - target.astype(pred.dtype, copy=False)
        with np.errstate(invalid="ignore", over="ignore"):  # a non-finite loss is reported below
            value = float(np.mean(diff * diff))
        _check_finite("MSELoss", value)
        self._diff = diff
        return value

    __call__ = forward

    def backward(self):
        """Return ``dL/dpred = 2 * (pred - target) / pred.size``, shape ``S``."""
        if self._diff is None:
            raise ValueError(
                "MSELoss.backward was called before forward: expected a stored difference, "
                "got none. Compute loss(pred, target) first."
            )
        return self._diff * (2 / self._diff.size)

    def __repr__(self):
        return "MSELoss()"


class CrossEntropyLoss:
    """Softmax cross-entropy from logits with integer labels, mean over examples.

    ``L = mean_n( -log softmax(z_n)[y_n] ) = mean_n( log sum_c exp(z_nc) - z_n,y_n )``,
    computed stably (the row maximum is subtracted first). The gradient is the
    fused softmax-plus-log backward ``dL/dz = (softmax(z) - onehot(y)) / N``.
    Chapter 4 (loss); Chapter 5 uses it on the digits data.

    Call ``loss(logits, labels)`` with ``logits`` of shape ``(N, C)`` (or
    ``(B, T, C)``) and integer ``labels`` in ``0 .. C-1`` of shape ``(N,)`` (or
    ``(B, T)``); it returns a float. ``backward()`` returns ``dL/dlogits`` with
    the shape and dtype of ``logits``.
    """

    def __init__(self):
        self._cache = None
        self._rows = None  # np.arange(N), kept between calls with the same N

    def _check(self, logits, target):
        if logits.ndim < 2:
            raise ValueError(
                f"CrossEntropyLoss expected logits of shape (N, C), got shape {logits.shape}: "
                "a 1-D batch. For one example use logits.reshape(1, -1)."
            )
        if logits.dtype.kind != "f":
            raise ValueError(f"CrossEntropyLoss expected floating-point logits, got dtype {logits.dtype}")
        C = logits.shape[-1]
        if logits.size == 0:
            raise ValueError(
                f"CrossEntropyLoss expected at least one example and one class, got logits of shape "
                f"{logits.shape}: the mean over no examples is undefined. Check the batch slicing."
            )
        if target.shape != logits.shape[:-1]:
            hint = (
                " The labels look one-hot: pass class indices y.argmax(axis=-1)."
                if target.shape == logits.shape else ""
            )
            raise ValueError(
                f"CrossEntropyLoss expected labels of shape {logits.shape[:-1]} (one integer "
                f"class per row of logits), got shape {target.shape}.{hint}"
            )
        if target.dtype.kind not in "iu":
            raise ValueError(
                f"CrossEntropyLoss expected integer class labels, got non-integer dtype "
                f"{target.dtype}; convert with y.astype(np.int64) (labels are class indices, "
                "not probabilities)."
            )
        # One maximum finds labels out of range at both ends: viewed as unsigned integers of the
        # same size, negative labels are huge.
        unsigned = target
        if target.dtype.kind == "i":
            as_unsigned = _UNSIGNED.get(target.dtype)  # the native types from a table, others by name
            unsigned = target.view(as_unsigned if as_unsigned is not None else target.dtype.str.replace("i", "u"))
        if target.size and np.maximum.reduce(unsigned, None) >= C:
            raise ValueError(
                f"CrossEntropyLoss expected labels in 0..{C - 1} (C={C} classes), got labels out "
                f"of range (min {target.min()}, max {target.max()}); check the number of "
                "output units against the number of classes."
            )

    def forward(self, logits, target):
        """Return the mean cross-entropy as a float; shapes ``(N, C)`` and ``(N,)``."""
        if type(logits) is not np.ndarray:
            logits = np.asarray(logits)
        if type(target) is not np.ndarray:
            target = np.asarray(target)
        self._check(logits, target)
        z, y = logits, target
        if z.ndim != 2:
            z, y = logits.reshape(-1, logits.shape[-1]), target.reshape(-1)  # (N, C) and (N,), N = all leading axes
        rows = self._rows
        if rows is None or len(rows) != len(y):
            rows = self._rows = np.arange(len(y))
        with np.errstate(invalid="ignore"):  # inf - inf: a non-finite loss is reported below
            shifted = z - np.maximum.reduce(z, 1, keepdims=True)  # z - z.max(axis=1): max entry 0 per row
            correct = shifted[rows, y]  # (N,)
            probs = np.exp(shifted, out=shifted)  # reuse the buffer
            sums = np.add.reduce(probs, 1)  # probs.sum(axis=1), (N,)
            value = float(np.add.reduce(np.log(sums)) - np.add.reduce(correct)) / len(y)
        _check_finite("CrossEntropyLoss", value)
        probs /= sums[:, None]
        self._cache = (probs, y, rows, logits.shape)
        return value

    __call__ = forward

    def backward(self):
        """Return ``dL/dlogits = (softmax(logits) - onehot(labels)) / N``, shape of the logits."""
        if self._cache is None:
            raise ValueError(
                "CrossEntropyLoss.backward was called before forward: expected stored "
                "probabilities, got none. Compute loss(logits, labels) first."
            )
        probs, y, rows, shape = self._cache
        inv_n = probs.dtype.type(1 / probs.shape[0])  # 1/N as the dtype's scalar, converted once
        dz = np.multiply(probs, inv_n)  # (N, C), a new array: backward may be called again
        dz[rows, y] -= inv_n
        return dz if dz.shape == shape else dz.reshape(shape)

    def __repr__(self):
        return "CrossEntropyLoss()"
