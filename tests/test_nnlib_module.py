"""nnlib.module: Parameter, Module discovery of parameters, modes, repr, count_parameters."""
import numpy as np
import pytest

from nnlib.activations import ReLU
from nnlib.layers import BatchNorm1d, Dropout, LayerNorm, Linear, Residual, Sequential
from nnlib.module import Module, Parameter, count_parameters


def test_parameter_holds_data_and_a_matching_grad():
    p = Parameter(np.ones((2, 3), dtype=np.float32))
    assert p.grad.shape == (2, 3) and p.grad.dtype == np.float32 and not p.grad.any()
    p.grad += 2.0
    p.zero_grad()
    np.testing.assert_array_equal(p.grad, 0)
    assert repr(p) == "Parameter(shape=(2, 3), dtype=float32)"
    with pytest.raises(ValueError, match=r"Parameter expected a floating-point array, got dtype int64"):
        Parameter(np.array([1, 2]))
    with pytest.raises(ValueError, match=r"Parameter.grad expected an array of shape \(2, 3\), got \(3,\)"):
        p.grad = np.zeros(3)


def test_add_grad_accumulates_and_overwrites_only_after_zero_grad():
    p = Parameter(np.zeros((2, 2)))
    a, b = np.eye(2), np.array([[1.0, 2.0], [3.0, 4.0]])
    p.add_grad(a, b)
    p.add_grad(a, b)
    np.testing.assert_array_equal(p.grad, 2 * b)
    p.zero_grad()
    p.add_grad(a, b)
    np.testing.assert_array_equal(p.grad, b)
    p.zero_grad()
    p.grad[0, 0] = 5.0  # touched after zero_grad: later products must add to it
    p.add_grad(a, b)
    np.testing.assert_array_equal(p.grad, b + [[5.0, 0.0], [0.0, 0.0]])


class TwoLayer(Module):
    def __init__(self):
        super().__init__()
        self.fc1 = Linear(3, 4, rng=0)
        self.blocks = [ReLU(), Linear(4, 2, rng=1)]
        self.scale = Parameter(np.ones(1))


def test_parameters_are_found_recursively_in_order():
    model = TwoLayer()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["scale", "fc1.W", "fc1.b", "blocks.1.W", "blocks.1.b"]
    assert model.parameters()[1] is model.fc1.W
    seq = Sequential(Linear(2, 3, rng=0), ReLU(), Residual(Linear(3, 3, rng=1)))
    assert [n for n, _ in seq.named_parameters()] == ["0.W", "0.b", "2.module.W", "2.module.b"]
    assert count_parameters(seq) == 2 * 3 + 3 + 3 * 3 + 3
    assert count_parameters(Linear(3, 4)) == 16
    assert count_parameters(ReLU()) == 0


def test_train_and_eval_reach_every_submodule():
    model = Sequential(Linear(2, 2, rng=0), Dropout(0.5), Residual(Sequential(BatchNorm1d(2))))
    assert model.eval() is model
    assert not model[1].training and not model[2].module[0].training
    model.train()
    assert model[1].training and model[2].module[0].training


def test_sequential_is_indexable_sized_and_iterable():
    layers = [Linear(2, 3, rng=0), ReLU(), Linear(3, 1, rng=1)]
    model = Sequential(*layers)
    assert len(model) == 3 and list(model) == layers and model[-1] is layers[2]
    assert isinstance(model[:2], Sequential) and len(model[:2]) == 2
    x = np.ones((4, 2))
    np.testing.assert_allclose(model(x), layers[2](layers[1](layers[0](x))))


def test_repr_reads_like_pytorch_and_is_deterministic():
    assert repr(Linear(3, 4)) == "Linear(in_features=3, out_features=4)"
    assert repr(Linear(3, 4, dtype=np.float32)) == "Linear(in_features=3, out_features=4, dtype=float32)"
    model = Sequential(Linear(3, 4), ReLU(), Dropout(0.1), Residual(LayerNorm(4)), BatchNorm1d(4))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=4)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.1)\n"
        "  (3): Residual(\n"
        "    (module): LayerNorm(4, eps=1e-05)\n"
        "  )\n"
        "  (4): BatchNorm1d(4, eps=1e-05, momentum=0.1)\n"
        ")"
    )
    assert "0x" not in repr(TwoLayer())


def test_base_module_methods_must_be_overridden():
    with pytest.raises(NotImplementedError, match="Module does not implement forward"):
        Module()(np.ones(2))


def test_public_names_are_exported_at_the_top_level():
    import nnlib
    from nnlib import activations, layers, losses, module, optim, train

    for mod in (module, layers, activations, losses, optim):
        for name in ("Parameter", "Module", "count_parameters", "Linear", "Sequential", "Dropout",
                     "LayerNorm", "BatchNorm1d", "Residual", "ReLU", "LeakyReLU", "Sigmoid", "Tanh",
                     "GELU", "SiLU", "Softmax", "Step", "MSELoss", "CrossEntropyLoss", "SGD", "Adam", "AdamW"):
            if hasattr(mod, name) and getattr(mod, name).__module__ == mod.__name__:
                assert getattr(nnlib, name) is getattr(mod, name)
                assert name in nnlib.__all__
    assert nnlib.fit is train.fit and nnlib.autograd.Value and nnlib.gradcheck.check_module


def test_import_paths_kept_after_the_split():
    # Parameter, the normalization layers, the gradient norms and the parameter counter moved
    # to files of their own; every path notebooks and tests use still works.
    import nnlib
    from nnlib import grad_norm, layers, module, normalization, param_count, parameter, train, transformer

    assert module.Parameter is parameter.Parameter is nnlib.Parameter
    assert layers.LayerNorm is normalization.LayerNorm is nnlib.LayerNorm
    assert layers.BatchNorm1d is normalization.BatchNorm1d is nnlib.BatchNorm1d
    assert layers.Sequential is module.Sequential and layers.Residual is module.Residual
    assert train.clip_grad_norm is grad_norm.clip_grad_norm is nnlib.clip_grad_norm
    assert train.grad_norms is grad_norm.grad_norms and train.global_grad_norm is grad_norm.global_grad_norm
    assert transformer.count_transformer_parameters is param_count.count_transformer_parameters
    from nnlib._validate import input_dtype  # the one dtype check of every layer
    with pytest.raises(ValueError, match="Linear expected input of dtype float64"):
        input_dtype(Linear(2, 2), np.ones((1, 2), np.float32), np.float64)


def test_import_nnlib_loads_no_plotting_or_notebook_machinery():
    import subprocess
    import sys

    code = ("import sys, time; t = time.perf_counter(); import nnlib; dt = time.perf_counter() - t; "
            "print(sorted(m for m in ('matplotlib', 'IPython', 'ipywidgets', 'scipy', 'sklearn', 'torch') "
            "if m in sys.modules)); print(dt)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]", out[0]  # scipy comes only with exact GELU, sklearn only with load_digits
    assert float(out[1]) < 5.0  # typically ~0.1 s; generous for a loaded 2-core machine
