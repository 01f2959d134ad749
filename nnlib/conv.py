"""Convolutional layers: Conv2d, MaxPool2d and Flatten (Chapter 7, convolutional networks).

Images travel as batches ``(N, C, H, W)`` (PyTorch's "NCHW"): N images of C channels, H
rows, W columns. A convolution slides one small kernel over every position of the image,
so the same weights are used everywhere (weight sharing); like every library, nnlib
computes a cross-correlation (the kernel is not flipped) and calls it a convolution.
``_windows`` gathers every window with ``sliding_window_view`` (no copy); the only Python
loops left run over the ``kH * kW`` offsets inside a kernel, never over output positions.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nnlib import _validate
from nnlib.init import INITIALIZERS
from nnlib.module import Module, Parameter

__all__ = ["Conv2d", "MaxPool2d", "Flatten"]


def _check_images(module, x, channels=None):
    """``x`` as an array after checking it is a non-empty float batch ``(N, C, H, W)``."""
    name = type(module).__name__
    x = np.asarray(x)
    C = "C" if channels is None else channels
    if x.ndim != 4:
        hint = {2: " Rows of flattened pixels: use x.reshape(N, C, H, W).",
                3: " One image: use x[None]; a grey-scale batch (N, H, W): use x[:, None]."}
        raise ValueError(f"{name} expected a batch of images of shape (N, {C}, H, W), got shape "
                         f"{x.shape}: a {x.ndim}-D input.{hint.get(x.ndim, '')}")
    if x.size == 0:
        raise ValueError(f"{name} expected a non-empty batch of images, got shape {x.shape}: "
                         "an empty axis (an empty slice of the data?).")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(
            f"{name} expected {channels} input channel(s) (shape (N, {channels}, H, W)), got "
            f"shape {x.shape}: wrong channel count. Check in_channels={channels} against the "
            "previous layer's out_channels; channels-last images (N, H, W, C) need "
            "x.transpose(0, 3, 1, 2).")
    if x.dtype.kind != "f":
        raise ValueError(f"{name} expected a floating-point input, got dtype {x.dtype}; "
                         "convert with x.astype(np.float64)")
    return x


def _output_size(module, shape, kernel, stride, padding):
    """``(H_out, W_out) = ((H + 2 p - k) // s + 1, ...)``, after checking the kernel fits."""
    H, W = shape[2], shape[3]
    (kH, kW), (sH, sW), (pH, pW) = kernel, stride, padding
    if H + 2 * pH < kH or W + 2 * pW < kW:
        raise ValueError(
            f"{type(module).__name__} expected images of at least {kH}x{kW} after padding "
            f"(the kernel size), got {H}x{W} with padding ({pH}, {pW}), i.e. "
            f"{H + 2 * pH}x{W + 2 * pW}: the kernel is larger than the padded input. Use a "
            "smaller kernel, more padding, or fewer downsampling layers before this one.")
    return (H + 2 * pH - kH) // sH + 1, (W + 2 * pW - kW) // sW + 1


def _windows(x, kernel, stride, axes):
    """Every window of ``x`` along two ``axes``: a view whose last two axes are ``(kH, kW)``, no copy."""
    index = [slice(None)] * x.ndim
    index[axes[0]], index[axes[1]] = slice(None, None, stride[0]), slice(None, None, stride[1])
    return sliding_window_view(x, kernel, axis=axes)[tuple(index)]


def _im2col(xp, kernel, stride, buffer=None):
    """``cols[(n, y, x), (i, j, c)] = xp[n, sH*y + i, sW*x + j, c]`` from channels-last ``xp``.

    Returns ``(cols, buffer)``: ``cols`` of shape ``(N*Ho*Wo, kH*kW*C)`` lives in ``buffer``,
    which is reused when the next call has the same shape (a large new array costs page
    faults: 10 ms for the 58 MB of a 28x28, 32-channel batch of 64).
    """
    windows = _windows(xp, kernel, stride, axes=(1, 2))  # (N, Ho, Wo, C, kH, kW), a view
    N, Ho, Wo, C = windows.shape[:4]
    rows_first = kernel[1] * C >= Wo  # copy in runs of kW*C numbers (a window's row), else of Wo
    order = (0, 1, 2, 4, 5, 3) if rows_first else (4, 5, 3, 0, 1, 2)  # few channels: store transposed
    window_copy = windows.transpose(order)  # (N, Ho, Wo, kH, kW, C) or (kH, kW, C, N, Ho, Wo), a view
    if buffer is None or buffer.shape != window_copy.shape or buffer.dtype != xp.dtype:
        buffer = np.empty(window_copy.shape, dtype=xp.dtype)
    np.copyto(buffer, window_copy)
    cols = buffer.reshape(N * Ho * Wo, -1) if rows_first else buffer.reshape(-1, N * Ho * Wo).T
    return cols, buffer  # cols: (N*Ho*Wo, kH*kW*C)


def _offset_slices(i, j, out_size, stride):
    """The input rows and columns that offset ``(i, j)`` of a kernel touches, as two slices."""
    (Ho, Wo), (sH, sW) = out_size, stride
    return slice(i, i + sH * (Ho - 1) + 1, sH), slice(j, j + sW * (Wo - 1) + 1, sW)


def _kernel_weights(init, shape, rng, dtype):
    """Initial kernels ``(C_out, C_in, kH, kW)``, ``fan_in = C_in*kH*kW``, ``fan_out = C_out*kH*kW`` (PyTorch's).

    ``nnlib.init.fans`` reads a shape's last axis as ``fan_out``, so the kernels are drawn
    as the ``(fan_in, C_out)`` matrix of the im2col product, whose ``fan_in`` is right (all
    He needs), and transposed; Glorot's variance ``2 / (fan_in + C_out)`` is rescaled to
    ``2 / (fan_in + fan_out)``.
    """
    C_out, C_in, kH, kW = shape
    fan_in, fan_out = C_in * kH * kW, C_out * kH * kW
    W = INITIALIZERS[init]((fan_in, C_out), rng, dtype=dtype)  # (fan_in, C_out)
    if INITIALIZERS[init].__name__.startswith("xavier"):
        W *= np.sqrt((fan_in + C_out) / (fan_in + fan_out)).astype(dtype)
    return np.ascontiguousarray(W.T).reshape(shape)  # (C_out, C_in, kH, kW)


class Conv2d(Module):
    """2-D convolution (cross-correlation) ``out[n, o] = b[o] + sum_c W[o, c] * xp[n, c]``.

    In full: ``out[n, o, y, x] = b[o] + sum_{c, i, j} W[o, c, i, j] * xp[n, c, sH*y + i, sW*x + j]``,
    where ``xp`` is the input with ``padding`` zeros added on every side, and
    ``H_out = (H + 2 pH - kH) // sH + 1`` (likewise ``W_out``).

    ``W`` has shape ``(C_out, C_in, kH, kW)``, PyTorch's layout, unlike ``Linear``'s
    ``(in, out)``: a kernel is an image-shaped object (``W[o]`` is the ``C_in``-channel
    picture that output channel ``o`` responds to), and ``W.reshape(C_out, -1)`` lists the
    kernels as rows, so the im2col product reads left to right. im2col copies every window
    into a column, ``cols[(c, i, j), (n, y, x)] = xp[n, c, sH*y + i, sW*x + j]``, and the
    layer is one matrix product, kernel rows times window columns:
    ``out = W.reshape(C_out, -1) @ cols + b``.

    The code computes the same product transposed, one row per output position,
    ``out_rows = cols^T @ W_mat^T`` of shape ``(N*H_out*W_out, C_out)``: OpenBLAS runs these
    long, narrow products 1.2 to 2 times faster with the long axis first. It keeps images
    channels-last in memory, ``(N, H, W, C)``, and flattens each window in ``(i, j, c)``
    order (``W_mat = W.transpose(0, 2, 3, 1).reshape(C_out, -1)``), so that copying a window
    moves runs of ``kW*C`` neighbouring numbers. The output is an ``(N, C_out, H_out, W_out)``
    view of that memory: the same numbers as any NCHW array, read by the next layer without
    a copy.

    Backward (Chapter 7 derives it), with ``D`` the ``(N*H_out*W_out, C_out)`` rows of ``dout``:

    - ``dW = D^T @ cols^T``, i.e. ``dW[o, c, i, j] = sum_{n, y, x} dout[n, o, y, x] xp[n, c,
      sH*y + i, sW*x + j]``: the correlation of the input with ``dout``; ``db`` sums ``D``'s rows.
    - ``dx = col2im(D @ W_mat)``: each window's ``dout`` times the kernels, added back
      where the window was copied from, the padding then cut off. It is computed one kernel
      offset at a time: ``D @ W[:, :, i, j]`` lands on the inputs that offset touched.
      Seen as a convolution (stride 1): ``dx`` is the "full" correlation of ``dout``, padded
      with ``k - 1`` zeros, with the kernels flipped in both spatial axes and their channel
      axes swapped, ``W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)``, cropped by ``padding``; with
      stride ``s``, ``dout`` first gets ``s - 1`` zeros between its entries.

    Parameters
    ----------
    in_channels : int
        Channels ``C_in`` of the input.
    out_channels : int
        Channels ``C_out`` of the output (the number of kernels).
    kernel_size : int or (int, int)
        ``(kH, kW)``; an int ``k`` means ``(k, k)``.
    stride : int or (int, int)
        Step ``(sH, sW)`` between windows (default 1).
    padding : int or (int, int)
        Zeros ``(pH, pW)`` added above and below, left and right (default 0).
    rng : ``numpy.random.Generator``, int or None
        Random generator or seed for the initial kernels.
    dtype : ``numpy`` floating dtype
        ``np.float64`` (default) or ``np.float32``; inputs must match it.
    init : str
        ``"he"`` (default, He normal with ``fan_in = C_in*kH*kW``), ``"he_uniform"``,
        ``"xavier"`` or ``"xavier_uniform"`` (Glorot, ``fan_out = C_out*kH*kW``), as PyTorch
        counts the fans of a convolution; see ``nnlib.init``.

    Attributes
    ----------
    W : Parameter
        Kernels, ``W.data`` of shape ``(C_out, C_in, kH, kW)`` (PyTorch: ``weight``).
    b : Parameter
        Bias, ``b.data`` of shape ``(C_out,)``, initialised to zero (PyTorch: ``bias``).

    Notes
    -----
    Input ``(N, C_in, H, W)``, output ``(N, C_out, H_out, W_out)``; ``backward(dout)`` takes
    the output's shape and returns ``dx`` of the input's (None with ``input_grad=False``). Chapter 7.
    """

    def __init__(self, in_channels, out_channels, kernel_size, *, stride=1, padding=0, rng=None,
                 dtype=np.float64, init="he"):
        super().__init__()
        if init not in INITIALIZERS:
            raise ValueError(f"Conv2d: unknown init {init!r}; expected one of {sorted(INITIALIZERS)}")
        self.in_channels = _validate.integer("Conv2d", "in_channels", in_channels)
        self.out_channels = _validate.integer("Conv2d", "out_channels", out_channels)
        self.kernel_size = _validate.pair("Conv2d", "kernel_size", kernel_size, 1)
        self.stride = _validate.pair("Conv2d", "stride", stride, 1)
        self.padding = _validate.pair("Conv2d", "padding", padding, 0)
        dtype, rng = _validate.float_dtype("Conv2d", dtype), _validate.generator("Conv2d", rng)
        shape = (self.out_channels, self.in_channels) + self.kernel_size
        self.W = Parameter(_kernel_weights(init, shape, rng, dtype))
        self.b = Parameter(np.zeros(self.out_channels, dtype=dtype))
        self._cache = self._buffer = None  # the last forward's windows, and the memory they live in

    def forward(self, x):
        x = _check_images(self, x, self.in_channels)
        _validate.input_dtype(self, x, self.W.data.dtype)
        N, C, H, W = x.shape
        Ho, Wo = _output_size(self, x.shape, self.kernel_size, self.stride, self.padding)
        (pH, pW), C_out = self.padding, self.out_channels
        xp = x.transpose(0, 2, 3, 1)  # (N, H, W, C): channels last, a view
        if pH or pW:  # zero padding, written into one new array
            xp = np.zeros((N, H + 2 * pH, W + 2 * pW, C), dtype=x.dtype)
            xp[:, pH:pH + H, pW:pW + W] = x.transpose(0, 2, 3, 1)
        cols, self._buffer = _im2col(xp, self.kernel_size, self.stride, self._buffer)  # one window per row
        W_mat = self.W.data.transpose(0, 2, 3, 1).reshape(C_out, -1)  # (C_out, kH*kW*C): kernel o in row o
        out = cols @ W_mat.T  # (N*Ho*Wo, C_out): out^T = (W_mat @ cols^T)^T
        out += self.b.data
        self._cache = (cols, xp.shape, x.shape, (Ho, Wo))
        return out.reshape(N, Ho, Wo, C_out).transpose(0, 3, 1, 2)  # (N, C_out, Ho, Wo), a view

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)  # (N, C_out, Ho, Wo)
        cols, padded_shape, (N, C, H, W), (Ho, Wo) = self._cache
        (kH, kW), (pH, pW), C_out = self.kernel_size, self.padding, self.out_channels
        D = dout.transpose(0, 2, 3, 1).reshape(-1, C_out)  # (N*Ho*Wo, C_out); no copy if channels-last
        dW_mat = D.T @ cols  # (C_out, kH*kW*C): dW = D^T cols
        self.W.grad += dW_mat.reshape(C_out, kH, kW, C).transpose(0, 3, 1, 2)
        self.b.grad += np.ones(len(D), dtype=D.dtype) @ D  # db = sum of D's rows (as 1^T D: BLAS, 5x faster)
        if not input_grad:
            return None
        dxp = np.zeros(padded_shape, dtype=dout.dtype)  # (N, Hp, Wp, C), channels last
        for i in range(kH):  # col2im, one kernel offset at a time: D @ W[:, :, i, j] (the (i, j)
            for j in range(kW):  # block of D @ W_mat) lands on the inputs that offset touched
                rows, columns = _offset_slices(i, j, (Ho, Wo), self.stride)
                dxp[:, rows, columns] += (D @ self.W.data[:, :, i, j]).reshape(N, Ho, Wo, C)
        return dxp[:, pH:pH + H, pW:pW + W].transpose(0, 3, 1, 2)  # (N, C, H, W): padding cut off, a view

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        if self.stride != (1, 1):
            text += f", stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.W.data.dtype != np.float64:
            text += f", dtype={self.W.data.dtype}"
        return text


class MaxPool2d(Module):
    """Max pooling: ``out[n, c, y, x] = max_{i, j} x[n, c, sH*y + i, sW*x + j]`` over each window.

    ``H_out = (H - kH) // sH + 1`` (no padding; a partial window at the edge is dropped, as
    in PyTorch). Backward: each window's ``dout`` goes to its maximal input, the first in
    row-major order among equal ones (PyTorch's rule); with overlapping windows (stride <
    kernel) an input collects the gradient of every window it wins. A feature shifted by
    less than the window gives the same output (a little translation invariance), with
    ``sH * sW`` times fewer positions. Chapter 7.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Window ``(kH, kW)``.
    stride : int, (int, int) or None
        Step between windows; None (default) means ``kernel_size`` (windows side by side).

    Notes
    -----
    Input ``(N, C, H, W)``, output ``(N, C, H_out, W_out)``, same dtype; no parameters.
    """

    def __init__(self, kernel_size, stride=None):
        super().__init__()
        self.kernel_size = _validate.pair("MaxPool2d", "kernel_size", kernel_size, 1)
        self.stride = self.kernel_size if stride is None else _validate.pair("MaxPool2d", "stride", stride, 1)
        self._cache = None

    def forward(self, x):
        x = _check_images(self, x)
        N, C = x.shape[:2]
        Ho, Wo = _output_size(self, x.shape, self.kernel_size, self.stride, (0, 0))
        kH, kW = self.kernel_size
        windows = _windows(x, self.kernel_size, self.stride, axes=(2, 3)).reshape(N, C, Ho, Wo, kH * kW)  # a copy
        winner = windows.argmax(axis=-1)  # (N, C, Ho, Wo): i * kW + j of the first maximum
        self._cache = (winner, x.shape)
        return np.take_along_axis(windows, winner[..., None], axis=-1)[..., 0]  # (N, C, Ho, Wo)

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)  # (N, C, Ho, Wo)
        if not input_grad:
            return None
        winner, shape = self._cache
        kH, kW = self.kernel_size
        dx = np.zeros(shape, dtype=dout.dtype)
        zero = dout.dtype.type(0)
        for i in range(kH):  # offset (i, j) receives dout where it won its window
            for j in range(kW):
                rows, columns = _offset_slices(i, j, dout.shape[2:], self.stride)
                dx[:, :, rows, columns] += np.where(winner == i * kW + j, dout, zero)
        return dx

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class Flatten(Module):
    """``(N, d1, d2, ...)`` to ``(N, d1 * d2 * ...)``: images become rows for a ``Linear``.

    ``out = x.reshape(N, -1)`` (row-major: for ``(N, C, H, W)`` the channel varies
    slowest, as in ``torch.nn.Flatten``); backward ``dx = dout.reshape(x.shape)``.
    Input of shape ``(N, ...)`` with at least 2 axes; output ``(N, prod(...))``, same
    dtype; no parameters. Chapter 7.
    """

    def __init__(self):
        super().__init__()
        self._shape = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"Flatten expected a batch of shape (N, ...) with at least 2 axes, got "
                             f"shape {x.shape}: nothing to flatten. For one example use x[None].")
        if x.size == 0:
            raise ValueError(f"Flatten expected a non-empty batch, got shape {x.shape}: an empty axis.")
        if x.dtype.kind != "f":
            raise ValueError(f"Flatten expected a floating-point input, got dtype {x.dtype}; "
                             "convert with x.astype(np.float64)")
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)  # (N, prod(...))

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)  # (N, prod(...))
        return dout.reshape(self._shape) if input_grad else None
