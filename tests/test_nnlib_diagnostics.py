"""Tests for nnlib.course.diagnostics and the gradient norms of nnlib.train."""
import numpy as np
import pytest

import nnlib
from nnlib.course import diagnostics


def small_mlp(rng, width=8, depth=3, init="he"):
    layers = [nnlib.Linear(4, width, rng=rng, init=init), nnlib.ReLU()]
    for _ in range(depth - 2):
        layers += [nnlib.Linear(width, width, rng=rng, init=init), nnlib.ReLU()]
    layers.append(nnlib.Linear(width, 3, rng=rng, init=init))
    return nnlib.Sequential(*layers)


def test_activation_stats_match_a_manual_forward_pass():
    rng = np.random.default_rng(0)
    model = small_mlp(rng)
    x = rng.standard_normal((16, 4))
    stats = diagnostics.activation_stats(model, x)
    assert len(stats) == len(model)
    h = x
    for s, layer in zip(stats, model):
        h = layer(h)
        assert s["layer"] == type(layer).__name__
        assert s["mean"] == pytest.approx(h.mean())
        assert s["std"] == pytest.approx(h.std())
        assert s["zero_fraction"] == pytest.approx(np.mean(h == 0))
    assert stats[1]["zero_fraction"] > 0  # a ReLU output has zeros


def test_gradient_stats_match_a_manual_backward_pass_and_accumulate_grads():
    rng = np.random.default_rng(1)
    model = small_mlp(rng)
    x = rng.standard_normal((10, 4))
    dout = rng.standard_normal((10, 3))
    model.zero_grad()
    stats = diagnostics.gradient_stats(model, x, dout)
    assert [s["index"] for s in stats] == list(range(len(model)))
    assert stats[-1]["std"] == pytest.approx(dout.std())
    # the gradient at the output of layer k is what layer k+1's backward returns
    model(x)
    g = dout
    expected = {}
    for k in range(len(model) - 1, -1, -1):
        expected[k] = g.std()
        g = model[k].backward(g)
    for s in stats:
        assert s["std"] == pytest.approx(expected[s["index"]])
    # parameter gradients were accumulated by the call (and once more by the manual pass)
    assert np.abs(model[0].W.grad).sum() > 0


def test_he_initialisation_keeps_the_spread_and_xavier_shrinks_it_in_a_deep_relu_stack():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((256, 4))
    spreads = {}
    for init in ("he", "xavier"):
        layers = [nnlib.Linear(4, 128, rng=rng, init=init), nnlib.ReLU()]
        for _ in range(20):
            layers += [nnlib.Linear(128, 128, rng=rng, init=init), nnlib.ReLU()]
        stats = diagnostics.activation_stats(nnlib.Sequential(*layers), x)
        spreads[init] = stats[-1]["std"] / stats[1]["std"]
    assert 0.2 < spreads["he"] < 5
    assert spreads["xavier"] < 0.01  # halves the variance at every ReLU: (1/2)**10 in std


def test_grad_norms_and_global_norm():
    rng = np.random.default_rng(3)
    model = small_mlp(rng)
    model.zero_grad()
    model(rng.standard_normal((5, 4)))
    model.backward(np.ones((5, 3)))
    norms = nnlib.grad_norms(model)
    assert list(norms) == [name for name, _ in model.named_parameters()]
    for name, p in model.named_parameters():
        assert norms[name] == pytest.approx(np.linalg.norm(p.grad))
    total = np.sqrt(sum(np.sum(p.grad ** 2) for p in model.parameters()))
    assert nnlib.global_grad_norm(model) == pytest.approx(total)


def test_dead_relu_fraction_finds_dead_units_at_any_depth_and_restores_the_model():
    rng = np.random.default_rng(4)
    inner = nnlib.Sequential(nnlib.Linear(4, 4, rng=rng), nnlib.ReLU(), nnlib.Linear(4, 4, rng=rng))
    model = nnlib.Sequential(nnlib.Linear(4, 4, rng=rng), nnlib.ReLU(), nnlib.Residual(inner),
                             nnlib.Dropout(0.5, rng=rng))
    model[0].b.data[:] = [-100.0, -100.0, 0.0, 0.0]  # two units can never fire on small inputs
    x = rng.standard_normal((50, 4))
    fractions = diagnostics.dead_relu_fraction(model, x)
    assert set(fractions) == {"1", "2.module.1"}
    assert fractions["1"] == pytest.approx(0.5)
    assert 0.0 <= fractions["2.module.1"] <= 1.0
    assert model.training  # mode restored
    assert "forward" not in vars(model[1])  # the recording hook is removed
    out1 = model.eval()(x)
    out2 = model(x)
    np.testing.assert_array_equal(out1, out2)


def test_dead_relu_fraction_is_zero_for_linear_units_and_one_for_a_killed_layer():
    rng = np.random.default_rng(5)
    model = small_mlp(rng, depth=2)
    x = rng.standard_normal((100, 4))
    model[0].b.data[:] = -1e6
    assert diagnostics.dead_relu_fraction(model, x) == {"1": 1.0}


def test_confusion_matrix_counts_and_trace_is_accuracy():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    C = diagnostics.confusion_matrix(y_true, y_pred)
    np.testing.assert_array_equal(C, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert C.dtype == np.int64
    assert C.sum() == 6 and np.trace(C) / C.sum() == pytest.approx(np.mean(y_true == y_pred))
    assert diagnostics.confusion_matrix(y_true, y_pred, n_classes=5).shape == (5, 5)


def test_format_stats_is_a_table_with_one_row_per_shown_layer():
    rng = np.random.default_rng(6)
    model = small_mlp(rng, depth=4)
    stats = diagnostics.activation_stats(model, rng.standard_normal((8, 4)))
    text = diagnostics.format_stats(stats, every=2)
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["layer", "type"]
    assert len(lines) == 1 + len(range(0, len(stats), 2)) + (0 if (len(stats) - 1) % 2 == 0 else 1)


@pytest.mark.parametrize("call, match", [
    (lambda: diagnostics.activation_stats(nnlib.Linear(2, 2, rng=0), np.ones((3, 2))), "Sequential"),
    (lambda: diagnostics.activation_stats(nnlib.Sequential(nnlib.ReLU()), np.ones(3)), r"\(N, D\)"),
    (lambda: diagnostics.gradient_stats(nnlib.Sequential(nnlib.ReLU()), np.ones((3, 2)), np.ones((3, 5))),
     "dout of the output's shape"),
    (lambda: nnlib.grad_norms("model"), "Module"),
    (lambda: diagnostics.dead_relu_fraction(nnlib.Sequential(nnlib.Linear(2, 2, rng=0)), np.ones((3, 2))),
     "ReLU"),
    (lambda: diagnostics.confusion_matrix(np.zeros((3, 10)), np.zeros(3, dtype=int)), "equal shape"),
    (lambda: diagnostics.confusion_matrix(np.array([0.0, 1.0]), np.array([0.0, 1.0])), "integer"),
    (lambda: diagnostics.confusion_matrix(np.array([-1, 0]), np.array([0, 0])), ">= 0"),
    (lambda: diagnostics.confusion_matrix(np.array([3, 0]), np.array([0, 0]), n_classes=2), "below n_classes"),
    (lambda: diagnostics.format_stats([], every=0), "every >= 1"),
])
def test_bad_input_raises_value_error_naming_what_was_expected(call, match):
    with pytest.raises(ValueError, match=match):
        call()
