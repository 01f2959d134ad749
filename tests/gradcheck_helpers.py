"""Gradient checks on the normwise relative error, shared by the attention and transformer tests.

Thin wrappers around ``nnlib.gradcheck.check_module(..., error="normwise")``, the one
implementation. The normwise error is used because an entrywise relative error
(``nnlib.gradcheck.rel_error``) is meaningless for an array whose true gradient is exactly
0, such as the key bias of attention (adding the same vector to every key shifts each row
of scores by a constant, which softmax ignores).
"""
from nnlib.gradcheck import check_module, normwise_error, numerical_gradient  # noqa: F401

TOL = 1e-7  # float64: worst normwise relative error per array


def gradcheck(module, x, seed=0, input_is_data=False):
    """Errors for the input (unless it is integer ids) and every parameter, as a dict."""
    errors = dict(check_module(module, x, seed=seed + 100, error="normwise"))
    if input_is_data:
        errors.pop("input", None)
    return errors


def assert_ok(errors):
    assert max(errors.values()) < TOL, errors
