"""nnlib optimizers against their update rules written out by hand (PyTorch's definitions)."""
import numpy as np
import pytest

from nnlib.module import Parameter
from nnlib.optim import SGD, Adam, AdamW

STEPS = 4


def make_param(seed, dtype=np.float64):
    return Parameter(np.random.default_rng(seed).standard_normal((3, 2)).astype(dtype))


def grads(seed, dtype=np.float64):
    rng = np.random.default_rng(seed + 100)
    return [rng.standard_normal((3, 2)).astype(dtype) for _ in range(STEPS)]


def run(opt_cls, p, gs, **kwargs):
    opt = opt_cls([p], **kwargs)
    for g in gs:
        opt.zero_grad()
        p.grad += g
        opt.step()
    return p.data


@pytest.mark.parametrize("momentum,weight_decay", [(0.0, 0.0), (0.9, 0.0), (0.0, 0.1), (0.8, 0.05)])
def test_sgd_matches_formula(momentum, weight_decay):
    p, gs, lr = make_param(0), grads(0), 0.1
    w, v = p.data.copy(), None
    for g in gs:
        g = g + weight_decay * w
        if momentum:
            v = g if v is None else momentum * v + g
            g = v
        w = w - lr * g
    np.testing.assert_allclose(run(SGD, p, gs, lr=lr, momentum=momentum, weight_decay=weight_decay), w, rtol=1e-12)


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_adam_matches_formula(weight_decay):
    p, gs = make_param(1), grads(1)
    lr, (b1, b2), eps = 0.01, (0.9, 0.999), 1e-8
    w, m, v = p.data.copy(), 0.0, 0.0
    for t, g in enumerate(gs, start=1):
        g = g + weight_decay * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    np.testing.assert_allclose(run(Adam, p, gs, lr=lr, weight_decay=weight_decay), w, rtol=1e-10)


def test_adamw_matches_formula_with_decoupled_decay():
    p, gs = make_param(2), grads(2)
    lr, (b1, b2), eps, wd = 0.01, (0.9, 0.99), 1e-8, 0.1
    w, m, v = p.data.copy(), 0.0, 0.0
    for t, g in enumerate(gs, start=1):
        w = w * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    np.testing.assert_allclose(run(AdamW, p, gs, lr=lr, betas=(b1, b2), weight_decay=wd), w, rtol=1e-10)
    assert AdamW([make_param(0)]).weight_decay == 0.01  # PyTorch's default


@pytest.mark.parametrize("opt_cls,kwargs", [(SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
                                            (Adam, {"weight_decay": 0.01}), (AdamW, {})],
                         ids=["SGD", "Adam", "AdamW"])
def test_float32_parameters_stay_float32(opt_cls, kwargs):
    p = make_param(3, np.float32)
    before = p.data.copy()
    run(opt_cls, p, grads(3, np.float32), **kwargs)
    assert p.data.dtype == np.float32 and p.grad.dtype == np.float32
    assert not np.allclose(p.data, before)


def test_zero_grad_and_errors():
    p = make_param(4)
    p.grad += 1.0
    opt = SGD([p], lr=0.1)
    opt.zero_grad()
    np.testing.assert_array_equal(p.grad, 0)
    with pytest.raises(ValueError, match=r"SGD expected lr in \(0, inf\), got lr=-1"):
        SGD([p], lr=-1)
    with pytest.raises(ValueError, match=r"Adam expected Parameter objects, got ndarray at position 0.*model.parameters\(\)"):
        Adam([np.zeros(3)])
    with pytest.raises(ValueError, match=r"SGD expected a non-empty list of parameters"):
        SGD([], lr=0.1)
