"""Recurrent layers: RNN and LSTM, with backpropagation through time (Chapter 8).

A batch of sequences has shape ``(B, T, D)`` (batch first, as ``batch_first=True`` in
PyTorch): B sequences of T steps, each step a vector of D features. A recurrent layer
carries a hidden state ``h_t`` of H numbers from step to step, computed with the same
weights at every step, and returns all of them, ``(B, T, H)``, starting from ``h_0 = 0``.

Speed: the input's share of every step, ``x_t @ W_x``, is one matrix product for all
steps at once, and so are the weight gradients after the backward loop; only the
recurrence ``h_{t-1} -> h_t`` must run step by step (each step needs the one before).
The states are stored time-major, ``(T, B, H)``, so that each step's arrays are
contiguous; the output is a ``(B, T, H)`` view of them.
"""
import numpy as np

from nnlib import _validate
from nnlib.module import Module, Parameter

__all__ = ["RNN", "LSTM"]


def _uniform_weights(module, input_size, hidden_size, gates, rng, dtype):
    """``W_x (D, gates*H)``, ``W_h (H, gates*H)``, ``b (gates*H,)``, each ``U(-1/sqrt(H), 1/sqrt(H))``."""
    name = type(module).__name__
    D, H = _validate.integer(name, "input_size", input_size), _validate.integer(name, "hidden_size", hidden_size)
    dtype, rng = _validate.float_dtype(name, dtype), _validate.generator(name, rng)
    bound = 1 / np.sqrt(H)

    def draw(*shape):
        return Parameter(rng.uniform(-bound, bound, size=shape).astype(dtype))
    return D, H, draw(D, gates * H), draw(H, gates * H), draw(gates * H)


def _time_major(x):
    """``(B, T, D)`` to ``(T*B, D)`` rows, time major (a copy): step ``t`` is rows ``t*B`` to ``(t+1)*B``."""
    B, T, D = x.shape
    return x.transpose(1, 0, 2).reshape(T * B, D)


def _check_sequences(module, x, D, dtype):
    """``x`` as an array after checking it is a non-empty batch ``(B, T, D)`` of ``dtype``."""
    name = type(module).__name__
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[-1] != D:
        hint = " One sequence (T, D): use x[None]." if x.ndim == 2 and x.shape[-1] == D else (
            f" Check input_size={D} against the data's last axis (features per step).")
        raise ValueError(f"{name} expected a batch of sequences of shape (B, T, {D}) (batch first), "
                         f"got shape {x.shape}.{hint}")
    if x.size == 0:
        raise ValueError(f"{name} expected at least one sequence of at least one step, got shape "
                         f"{x.shape}: an empty axis (an empty slice of the data?).")
    _validate.input_dtype(module, x, dtype)
    return x


class _Recurrent(Module):
    """What RNN and LSTM share: the weight gradients after the backward loop, and the repr."""

    def _weight_grads(self, x_rows, hs, dz, input_grad):
        """Accumulate dW_x, dW_h and db from ``dz`` (T, B, G), the gradient of every step's
        pre-activations (G = H for the RNN, 4H for the LSTM's four gates), and return dx."""
        T, B, G = dz.shape
        H = hs.shape[-1]
        dz_rows = dz.reshape(T * B, G)
        self.W_x.add_grad(x_rows.T, dz_rows)  # dW_x = sum_t x_t^T dz_t
        self.W_h.add_grad(hs[:-1].reshape(-1, H).T, dz[1:].reshape(-1, G))  # dW_h = sum_t h_{t-1}^T dz_t
        self.b.grad += np.ones(T * B, dtype=dz.dtype) @ dz_rows  # db = sum_t dz_t (1^T dz: BLAS, faster)
        if not input_grad:
            return None
        dx = dz_rows @ self.W_x.data.T  # dx_t = dz_t W_x^T, (T*B, D)
        return dx.reshape(T, B, -1).transpose(1, 0, 2)  # (B, T, D)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.W_x.data.dtype != np.float64:
            text += f", dtype={self.W_x.data.dtype}"
        return text


class RNN(_Recurrent):
    """Elman recurrent layer ``h_t = tanh(x_t @ W_x + h_{t-1} @ W_h + b)``, ``h_0 = 0``.

    ``W_x`` is ``(D, H)`` and ``W_h`` is ``(H, H)`` in nnlib's ``x @ W`` convention; PyTorch's
    ``nn.RNN(D, H, batch_first=True)`` (tanh) stores the transposes: ``weight_ih_l0 = W_x.T``,
    ``weight_hh_l0 = W_h.T``, and two biases whose sum is ``b = bias_ih_l0 + bias_hh_l0``.

    Backward, backpropagation through time (Chapter 8 derives it): with ``a_t`` the
    pre-activation, the gradient reaching ``h_t`` is ``dh_t = dout_t + da_{t+1} @ W_h^T``
    (from the output and from the next step), ``da_t = dh_t * (1 - h_t**2)``; then
    ``dW_x = sum_t x_t^T da_t``, ``dW_h = sum_t h_{t-1}^T da_t``, ``db = sum_t da_t`` and
    ``dx_t = da_t @ W_x^T``. The gradient that step 1 receives from step T is a product of
    T - 1 factors ``diag(1 - h^2) W_h^T``: it vanishes or explodes as T grows.

    Parameters
    ----------
    input_size : int
        Features ``D`` per step.
    hidden_size : int
        Size ``H`` of the hidden state.
    rng : ``numpy.random.Generator``, int or None
        Random generator or seed. ``W_x``, ``W_h`` and ``b`` start uniform in
        ``(-1/sqrt(H), 1/sqrt(H))``, PyTorch's default for its weights and for each of its
        two biases (so PyTorch's summed bias ranges twice as wide, triangularly distributed).
    dtype : ``numpy`` floating dtype
        ``np.float64`` (default) or ``np.float32``; inputs must match it.

    Attributes
    ----------
    W_x : Parameter
        Input weights, shape ``(D, H)``.
    W_h : Parameter
        Recurrent weights, shape ``(H, H)``.
    b : Parameter
        Bias, shape ``(H,)``.

    Notes
    -----
    Input ``x`` of shape ``(B, T, D)``; output: every hidden state, ``(B, T, H)``
    (``out[:, -1]`` is the last one). ``backward(dout)`` takes ``(B, T, H)`` (zeros where
    a step's state is not used) and returns ``dx`` of shape ``(B, T, D)``. Chapter 8.
    """

    def __init__(self, input_size, hidden_size, *, rng=None, dtype=np.float64):
        super().__init__()
        D, H, self.W_x, self.W_h, self.b = _uniform_weights(self, input_size, hidden_size, 1, rng, dtype)
        self.input_size, self.hidden_size = D, H
        self._cache = None

    def forward(self, x):
        x = _check_sequences(self, x, self.input_size, self.W_x.data.dtype)
        B, T, _ = x.shape
        H, W_h = self.hidden_size, self.W_h.data
        x_rows = _time_major(x)  # (T*B, D)
        hs = x_rows @ self.W_x.data  # (T*B, H): the input's share of every step at once
        hs += self.b.data
        hs = hs.reshape(T, B, H)  # a_t = x_t W_x + b, turned into h_t in place below
        h = None  # h_0 = 0
        for t in range(T):
            if h is not None:
                hs[t] += h @ W_h  # a_t = x_t W_x + b + h_{t-1} W_h
            h = np.tanh(hs[t], out=hs[t])  # h_t = tanh(a_t)
        self._cache = (x_rows, hs)
        return hs.transpose(1, 0, 2)  # (B, T, H), a view of the time-major states

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)  # (B, T, H)
        x_rows, hs = self._cache  # (T*B, D), (T, B, H)
        T, B, H = hs.shape
        W_hT = self.W_h.data.T
        da = 1 - hs * hs  # (T, B, H): tanh'(a_t) = 1 - h_t^2, then dL/da_t in place
        da_next = None  # da_{t+1}; nothing comes from beyond the last step
        for t in range(T - 1, -1, -1):
            dh = dout[:, t] if da_next is None else dout[:, t] + da_next @ W_hT  # dh_t
            da_next = np.multiply(da[t], dh, out=da[t])  # da_t = dh_t * tanh'(a_t)
        return self._weight_grads(x_rows, hs, da, input_grad)


class LSTM(_Recurrent):
    """Long short-term memory layer, gates in PyTorch's order input, forget, cell, output.

    With ``z_t = x_t @ W_x + h_{t-1} @ W_h + b`` split into four blocks of H columns,
    ``i = sigmoid(z_i)``, ``f = sigmoid(z_f)``, ``g = tanh(z_g)``, ``o = sigmoid(z_o)``, then
    ``c_t = f * c_{t-1} + i * g`` and ``h_t = o * tanh(c_t)``, from ``h_0 = c_0 = 0``.

    PyTorch's ``nn.LSTM(D, H, batch_first=True)`` stores the transposes of the same
    blocks in the same order: ``weight_ih_l0 = W_x.T`` ``(4H, D)``, ``weight_hh_l0 = W_h.T``
    ``(4H, H)``, and ``b = bias_ih_l0 + bias_hh_l0``.

    Backward through time (Chapter 8): with ``dh_t = dout_t + dz_{t+1} @ W_h^T`` and the
    gradient carried along the cell path ``dc_t = dc_{t+1} * f_{t+1} + dh_t * o * (1 -
    tanh(c_t)**2)``: ``do = dh_t * tanh(c_t)``, ``di = dc_t * g``, ``dg = dc_t * i``, ``df = dc_t
    * c_{t-1}``, each times its nonlinearity's derivative (``s (1 - s)`` for a sigmoid,
    ``1 - g**2`` for tanh) to give ``dz_t``; then ``dW_x = sum_t x_t^T dz_t``, ``dW_h = sum_t
    h_{t-1}^T dz_t``, ``db = sum_t dz_t``, ``dx_t = dz_t @ W_x^T``. The cell path multiplies
    the gradient by ``f`` (no weight matrix, no squashing) at every step: with ``f`` near 1
    it survives many steps.

    Parameters
    ----------
    input_size : int
        Features ``D`` per step.
    hidden_size : int
        Size ``H`` of the hidden and cell states.
    rng : ``numpy.random.Generator``, int or None
        Random generator or seed. ``W_x``, ``W_h`` and ``b`` start uniform in
        ``(-1/sqrt(H), 1/sqrt(H))``, PyTorch's default (as in ``RNN``).
    dtype : ``numpy`` floating dtype
        ``np.float64`` (default) or ``np.float32``; inputs must match it.

    Attributes
    ----------
    W_x : Parameter
        Input weights, shape ``(D, 4H)``: columns ``[i | f | g | o]``.
    W_h : Parameter
        Recurrent weights, shape ``(H, 4H)``, same column blocks.
    b : Parameter
        Bias, shape ``(4H,)``, same blocks.

    Notes
    -----
    Input ``x`` of shape ``(B, T, D)``; output every hidden state ``h_t``, ``(B, T, H)``.
    ``backward(dout)`` takes ``(B, T, H)`` and returns ``dx`` of shape ``(B, T, D)``. Chapter 8.
    """

    def __init__(self, input_size, hidden_size, *, rng=None, dtype=np.float64):
        super().__init__()
        D, H, self.W_x, self.W_h, self.b = _uniform_weights(self, input_size, hidden_size, 4, rng, dtype)
        self.input_size, self.hidden_size = D, H
        self._cache = None

    def forward(self, x):
        x = _check_sequences(self, x, self.input_size, self.W_x.data.dtype)
        B, T, _ = x.shape
        H, dtype = self.hidden_size, x.dtype
        # sigmoid(z) = (1 + tanh(z / 2)) / 2: with the i, f, o columns of the weights halved, one
        # tanh per step serves all four gates, and a scale and a shift per column finish them.
        half = np.ones(4 * H, dtype=dtype)
        half[:2 * H] = half[3 * H:] = 0.5  # [1/2 | 1/2 | 1 | 1/2]
        shift = 1 - half  # [1/2 | 1/2 | 0 | 1/2]
        W_h = self.W_h.data * half
        x_rows = _time_major(x)  # (T*B, D)
        gates = x_rows @ (self.W_x.data * half)  # (T*B, 4H): the input's share of z_t for all steps
        gates += self.b.data * half
        gates = gates.reshape(T, B, 4 * H)  # z_t (halved where a sigmoid follows), then [i|f|g|o]
        cs = np.empty((T, B, H), dtype=dtype)  # c_t
        tanh_cs = np.empty_like(cs)  # tanh(c_t)
        hs = np.empty_like(cs)  # h_t
        for t in range(T):
            z = gates[t]  # (B, 4H)
            if t > 0:
                z += hs[t - 1] @ W_h  # z_t = x_t W_x + b + h_{t-1} W_h (halved for i, f, o)
            np.tanh(z, out=z)
            z *= half  # i, f, o = (1 + tanh(z / 2)) / 2 and g = tanh(z_g)
            z += shift
            i, f, g, o = z[:, :H], z[:, H:2 * H], z[:, 2 * H:3 * H], z[:, 3 * H:]
            c = np.multiply(i, g, out=cs[t])  # c_t = f * c_{t-1} + i * g
            if t > 0:
                c += f * cs[t - 1]
            np.multiply(o, np.tanh(c, out=tanh_cs[t]), out=hs[t])  # h_t = o * tanh(c_t)
        self._cache = (x_rows, gates, cs, tanh_cs, hs)
        return hs.transpose(1, 0, 2)  # (B, T, H), a view of the time-major states

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)  # (B, T, H)
        x_rows, gates, cs, tanh_cs, hs = self._cache  # (T*B, D), (T, B, 4H), then (T, B, H)
        T, B, H = hs.shape
        W_hT = self.W_h.data.T
        i, f, g, o = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:3 * H], gates[..., 3 * H:]
        # The local derivatives of every step at once (no recursion in them), so that the loop
        # below only multiplies: dz_t = [dc*i'g, dc*f'c_{t-1}, dc*i g', dh*o' tanh(c_t)] and
        # dc_t += dh_t * o tanh'(c_t), with s' = s (1 - s) for a sigmoid and 1 - g^2 for tanh.
        local = np.empty_like(gates)  # (T, B, 4H), then dz in place
        np.multiply(g, i * (1 - i), out=local[..., :H])
        np.multiply(cs[:-1], f[1:] * (1 - f[1:]), out=local[1:, :, H:2 * H])
        local[0, :, H:2 * H] = 0  # c_0 = 0
        np.multiply(i, 1 - g * g, out=local[..., 2 * H:3 * H])
        np.multiply(tanh_cs, o * (1 - o), out=local[..., 3 * H:])
        o_dtanh = o * (1 - tanh_cs * tanh_cs)  # (T, B, H): dh_t -> dc_t
        dc = np.zeros((B, H), dtype=hs.dtype)  # gradient along the cell path, from step t+1
        dz_next = None  # dz_{t+1}
        for t in range(T - 1, -1, -1):
            dh = dout[:, t] if dz_next is None else dout[:, t] + dz_next @ W_hT  # dh_t
            dc += dh * o_dtanh[t]  # dc_t = dc_{t+1} f_{t+1} + dh_t o tanh'(c_t)
            dz = local[t]  # (B, 4H)
            dz_icg = dz[:, :3 * H].reshape(B, 3, H)
            np.multiply(dz_icg, dc[:, None, :], out=dz_icg)  # dz_i, dz_f, dz_g: dc times the local factor
            dz[:, 3 * H:] *= dh  # dz_o = dh_t * o' tanh(c_t)
            dc *= f[t]  # what reaches c_{t-1} along the cell path
            dz_next = dz
        return self._weight_grads(x_rows, hs, local, input_grad)
