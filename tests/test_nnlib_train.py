"""nnlib.train: fit learns, records history, prints deterministic lines, stops early."""
import numpy as np
import pytest

from nnlib.activations import ReLU, Tanh
from nnlib.data import make_1d, make_blobs, make_xor
from nnlib.layers import Dropout, Linear, Sequential
from nnlib.losses import CrossEntropyLoss, MSELoss
from nnlib.optim import SGD, Adam
from nnlib.train import accuracy, evaluate, fit, predict


def xor_run(seed=0, **kwargs):
    X, y = make_xor(200, seed=1)
    Xv, yv = make_xor(100, seed=2)
    rng = np.random.default_rng(seed)
    model = Sequential(Linear(2, 8, rng=rng), Tanh(), Linear(8, 2, rng=rng))
    history = fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.05), X, y,
                  epochs=20, batch_size=32, rng=rng, X_val=Xv, y_val=yv, **kwargs)
    return model, history


def test_fit_learns_xor_and_records_every_epoch(capsys):
    model, history = xor_run(verbose=False)
    assert capsys.readouterr().out == ""
    assert history.epochs == 20 and len(history.val_acc) == 20 and history.best_epoch == 20
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.val_acc[-1] > 0.95
    assert repr(history).startswith("History(epochs=20, train_loss=")


def test_progress_is_compact_and_reproducible(capsys):
    xor_run(print_every=5)
    first = capsys.readouterr().out
    xor_run(print_every=5)
    assert capsys.readouterr().out == first
    lines = first.splitlines()
    assert [line.split()[1] for line in lines] == ["1/20", "5/20", "10/20", "15/20", "20/20"]
    assert lines[0].startswith("epoch  1/20  train_loss ") and "val_acc" in lines[0]
    numbers = [tok for line in lines for tok in line.split() if tok[0].isdigit() and "." in tok]
    assert numbers and all(len(tok.split(".")[1]) == 4 for tok in numbers)


def test_early_stopping_restores_the_best_epoch(capsys):
    X, y = make_1d(40, noise=0.3, seed=0)
    Xv, yv = make_1d(40, noise=0.3, seed=1)
    rng = np.random.default_rng(0)
    model = Sequential(Linear(1, 32, rng=rng), ReLU(), Linear(32, 1, rng=rng))
    history = fit(model, MSELoss(), SGD(model.parameters(), lr=0.01), X, y, epochs=200, batch_size=8,
                  rng=rng, X_val=Xv, y_val=yv, early_stopping=3)
    out = capsys.readouterr().out
    assert history.stopped_early and history.epochs < 200
    assert history.epochs - history.best_epoch == 3
    assert evaluate(model, MSELoss(), Xv, yv)["loss"] == pytest.approx(min(history.val_loss))
    assert out.splitlines()[-1].startswith(f"early stopping: stopped at epoch {history.epochs}, restored epoch")
    assert history.train_acc == []  # regression: no accuracy


def test_helpers():
    logits = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert accuracy(logits, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    X, y = make_blobs(30, centers=2, seed=0)
    model = Sequential(Linear(2, 4, rng=0), Dropout(0.5, rng=0), Linear(4, 2, rng=1))
    out = predict(model, X, batch_size=7)
    assert out.shape == (30, 2) and model.training  # mode restored
    np.testing.assert_array_equal(out, predict(model, X))  # dropout is off while predicting
    metrics = evaluate(model, CrossEntropyLoss(), X, y)
    assert set(metrics) == {"loss", "accuracy"}
    with pytest.raises(ValueError, match="early_stopping expected validation data"):
        fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X, y, epochs=1, batch_size=4,
            rng=0, early_stopping=2)
