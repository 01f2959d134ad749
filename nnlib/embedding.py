"""Token embeddings and positional information: what a transformer reads (Chapter 9).

``Embedding`` turns integer token ids into vectors; ``LearnedPositionalEmbedding`` (GPT-2)
and ``SinusoidalPositionalEncoding`` (Vaswani et al. 2017) add a vector per position.
Shapes follow nanoGPT: a batch of sequences is ``(B, T, C)`` (batch, time = position,
channels = model width). Every layer keeps the dtype of its parameters.
"""
import numpy as np

from nnlib import _validate
from nnlib.module import Module, Parameter

__all__ = ["Embedding", "sinusoidal_positions", "SinusoidalPositionalEncoding", "LearnedPositionalEmbedding"]


def check_sequence(module, x, C):
    """Raise a ValueError unless ``x`` is a batch of sequences ``(B, T, C)`` with ``T >= 1``."""
    name = type(module).__name__
    if x.ndim != 3 or x.shape[-1] != C:
        raise ValueError(
            f"{name} expected a batch of sequences of shape (B, T, {C}), got shape {x.shape}. "
            f"For one sequence use x[None]; check that the model width is {C}."
        )
    if x.shape[1] == 0:
        raise ValueError(f"{name} expected sequences of at least one position (T >= 1), got shape "
                         f"{x.shape}: check the slicing that made the batch.")


class Embedding(Module):
    """A lookup table: token id ``i`` becomes row ``i`` of a learned matrix, ``out = W[ids]``.

    Backward: ``dW[i] += sum of dout over every position holding token i`` (the ids are
    integers, so there is no input gradient; ``backward`` returns None). Chapter 9.

    Parameters
    ----------
    num_embeddings : int
        Vocabulary size ``V``; valid ids are ``0 .. V-1``.
    dim : int
        Embedding width ``C``.
    rng : ``numpy.random.Generator``, int or None
        Random generator or seed for the initial table.
    dtype : numpy floating dtype
        ``np.float64`` (default) or ``np.float32``: the dtype of the table and of the output.
    std : float
        The table starts as ``N(0, std**2)`` (default 1, as PyTorch's ``nn.Embedding``).

    Attributes
    ----------
    W : Parameter
        The table, ``W.data`` of shape ``(V, C)``.

    Notes
    -----
    Input: integer ids of any shape ``S`` (usually ``(B, T)``); output shape ``S + (C,)``.
    """

    def __init__(self, num_embeddings, dim, *, rng=None, dtype=np.float64, std=1.0):
        super().__init__()
        self.num_embeddings = _validate.integer("Embedding", "num_embeddings", num_embeddings)
        self.dim = _validate.integer("Embedding", "dim", dim)
        std = _validate.number("Embedding", "std", std, "[0, inf)")
        dtype = _validate.float_dtype("Embedding", dtype)
        W = _validate.generator("Embedding", rng).standard_normal((self.num_embeddings, self.dim)) * std
        self.W = Parameter(W.astype(dtype))
        self._ids = None

    def forward(self, ids):
        ids = np.asarray(ids)
        V = self.num_embeddings
        if ids.dtype.kind not in "iu":
            raise ValueError(
                f"Embedding expected integer token ids, got dtype {ids.dtype}; "
                "convert with ids.astype(np.int64) (ids index rows of the table, they are not features)."
            )
        if ids.size and (ids.min() < 0 or ids.max() >= V):
            raise ValueError(
                f"Embedding expected token ids in 0..{V - 1} (vocabulary size {V}), got ids from "
                f"{ids.min()} to {ids.max()}: a token outside the vocabulary. Check vocab_size."
            )
        self._ids = ids
        return self.W.data[ids]  # (*S, C)

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)  # (*S, C)
        grad, ids, C = self.W.grad, self._ids.reshape(-1).astype(np.intp, copy=False), self.dim
        if grad.flags.c_contiguous:  # the same sums, in the same order, on the flat table: ~3x faster
            flat = (ids[:, None] * C + np.arange(C)).reshape(-1)  # entry (i, c) of the table is i * C + c
            np.add.at(grad.reshape(-1), flat, dout.reshape(-1))  # dW[i, c] += dout[t, c] for all t: ids[t] = i
        else:
            np.add.at(grad, ids, dout.reshape(-1, C))  # dW[i] += dout[t] for every t with ids[t] = i
        return None

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.dim}"


def sinusoidal_positions(T, C, dtype=np.float64):
    """The fixed positional encodings of Vaswani et al. (2017).

    ``P[t, 2i] = sin(t / 10000**(2i / C))`` and ``P[t, 2i + 1] = cos(t / 10000**(2i / C))``:
    each pair of channels is a sine/cosine of one frequency, from one cycle per ~6 positions
    down to very slow ones. Chapter 9.

    Parameters
    ----------
    T : int
        Number of positions.
    C : int
        Model width (even).
    dtype : numpy floating dtype
        ``np.float64`` (default) or ``np.float32``: the dtype of the result.

    Returns
    -------
    P : ndarray, shape ``(T, C)``
    """
    T = _validate.integer("sinusoidal_positions", "T", T)
    C = _validate.integer("sinusoidal_positions", "C", C)
    dtype = _validate.float_dtype("sinusoidal_positions", dtype)
    if C % 2:
        raise ValueError(f"sinusoidal_positions expected an even width C (sine/cosine pairs), got C={C}")
    t = np.arange(T)[:, None]  # (T, 1)
    freq = 10000.0 ** (-np.arange(0, C, 2) / C)  # (C/2,)
    P = np.empty((T, C))
    P[:, 0::2] = np.sin(t * freq)
    P[:, 1::2] = np.cos(t * freq)
    return P.astype(dtype)


class SinusoidalPositionalEncoding(Module):
    """Add fixed sinusoidal positions: ``out[b, t] = x[b, t] + P[t]`` (no parameters).

    Backward: ``dx = dout``. Input and output ``(B, T, C)`` with ``T <= max_len``. Chapter 9.

    Parameters
    ----------
    max_len : int
        The longest sequence (the context length).
    dim : int
        Model width ``C``.
    dtype : numpy floating dtype
        ``np.float64`` (default) or ``np.float32``: the dtype of the table (and of the expected input).
    """

    def __init__(self, max_len, dim, *, dtype=np.float64):
        super().__init__()
        self.max_len = _validate.integer(type(self).__name__, "max_len", max_len)
        self.dim = _validate.integer(type(self).__name__, "dim", dim)
        self.P = sinusoidal_positions(self.max_len, self.dim, dtype)  # (max_len, C), not trained

    def forward(self, x):
        x = np.asarray(x)
        check_sequence(self, x, self.dim)
        _validate.input_dtype(self, x, self.P.dtype)
        B, T, C = x.shape
        if T > self.max_len:
            raise ValueError(f"{type(self).__name__} expected at most {self.max_len} positions "
                             f"(the context length), got a sequence of length {T}")
        return x + self.P[:T]

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)
        return dout if input_grad else None

    def extra_repr(self):
        return f"max_len={self.max_len}, dim={self.dim}"


class LearnedPositionalEmbedding(Module):
    """Add a learned vector per position: ``out[b, t] = x[b, t] + P[t]`` (GPT-2's ``wpe``).

    Backward: ``dP[t] += sum_b dout[b, t]`` and ``dx = dout``. Input and output ``(B, T, C)``
    with ``T <= max_len``. Chapter 9.

    Parameters
    ----------
    max_len : int
        The context length: one learned vector per position.
    dim : int
        Model width ``C``.
    rng : ``numpy.random.Generator``, int or None
        Random generator or seed.
    dtype : numpy floating dtype
        ``np.float64`` (default) or ``np.float32``: the dtype of the table.
    std : float
        Initial ``N(0, std**2)`` (default 1).

    Attributes
    ----------
    P : Parameter
        ``P.data`` of shape ``(max_len, C)``.
    """

    def __init__(self, max_len, dim, *, rng=None, dtype=np.float64, std=1.0):
        super().__init__()
        who = type(self).__name__
        self.max_len = _validate.integer(who, "max_len", max_len)
        self.dim = _validate.integer(who, "dim", dim)
        std = _validate.number(who, "std", std, "[0, inf)")
        dtype = _validate.float_dtype(who, dtype)
        P = _validate.generator(who, rng).standard_normal((self.max_len, self.dim)) * std  # (max_len, C)
        self.P = Parameter(P.astype(dtype))
        self._T = None

    def forward(self, x):
        x = np.asarray(x)
        check_sequence(self, x, self.dim)
        _validate.input_dtype(self, x, self.P.data.dtype)
        B, T, C = x.shape
        if T > self.max_len:
            raise ValueError(f"{type(self).__name__} expected at most {self.max_len} positions "
                             f"(the context length), got a sequence of length {T}")
        self._T = T
        return x + self.P.data[:T]

    def backward(self, dout, input_grad=True):
        dout = self._check_backward(dout)  # (B, T, C)
        self.P.grad[:self._T] += dout.sum(axis=0)  # dP[t] += sum_b dout[b, t]
        return dout if input_grad else None

    def extra_repr(self):
        return f"max_len={self.max_len}, dim={self.dim}"
