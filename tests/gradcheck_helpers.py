"""Gradient checks on the normwise relative error, shared by the attention and transformer tests.

The error of an array is ``nnlib.gradcheck.normwise_error``. Unlike ``check_module``, these
helpers also handle modules whose input is integer ids (``Embedding``). An
entrywise relative error (``nnlib.gradcheck.rel_error``) is meaningless for an array whose
true gradient is exactly 0, such as the key bias of attention (adding the same vector to
every key shifts each row of scores by a constant, which softmax ignores).
"""
import numpy as np

from nnlib.gradcheck import normwise_error, numerical_gradient

TOL = 1e-7  # float64: worst normwise relative error per array


def gradcheck(module, x, seed=0, input_is_data=False):
    """Errors for the input (unless it is integer ids) and every parameter, as a dict."""
    G = np.random.default_rng(seed + 100).standard_normal(module(x).shape)

    def loss(_):
        return np.sum(module(x) * G)

    module.zero_grad()
    module(x)
    dx = module.backward(G)
    errors = {} if input_is_data else {"input": normwise_error(dx, numerical_gradient(loss, x))}
    for name, p in module.named_parameters():
        errors[name] = normwise_error(p.grad, numerical_gradient(loss, p.data))
    return errors


def assert_ok(errors):
    assert max(errors.values()) < TOL, errors
