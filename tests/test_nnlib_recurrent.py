"""nnlib.recurrent: RNN and LSTM against their formulas, finite differences and PyTorch."""
import numpy as np
import pytest

from nnlib.gradcheck import check_module, normwise_error
from nnlib.module import count_parameters
from nnlib.recurrent import LSTM, RNN

TOL = 1e-7  # float64 gradient checks: worst entrywise relative error per array (rel_error)
TORCH_TOL = 1e-10  # float64 agreement with PyTorch: normwise error (max |a - b| / max |b|) per array

# (B, T, D, H): T = 1 (no recurrence), batch 1, longer sequences
SHAPES = [(2, 1, 3, 4), (1, 4, 2, 3), (3, 6, 4, 5), (2, 12, 2, 2)]
SHAPE_IDS = ["T1", "batch1", "B3_T6", "T12"]
LAYERS = [RNN, LSTM]


def make(cls, shape, seed=0, dtype=np.float64, scale=1.0):
    B, T, D, H = shape
    layer = cls(D, H, rng=seed, dtype=dtype)
    x = (scale * np.random.default_rng(seed + 1).standard_normal((B, T, D))).astype(dtype)
    return layer, x


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def rnn_by_the_formula(layer, x):
    """h_t = tanh(x_t W_x + h_{t-1} W_h + b), one step at a time, from h_0 = 0."""
    h, hs = np.zeros((x.shape[0], layer.hidden_size)), []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ layer.W_x.data + h @ layer.W_h.data + layer.b.data)
        hs.append(h)
    return np.stack(hs, axis=1)


def lstm_by_the_formula(layer, x):
    H = layer.hidden_size
    h = c = np.zeros((x.shape[0], H))
    hs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ layer.W_x.data + h @ layer.W_h.data + layer.b.data
        i, f, g, o = sigmoid(z[:, :H]), sigmoid(z[:, H:2 * H]), np.tanh(z[:, 2 * H:3 * H]), sigmoid(z[:, 3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
    return np.stack(hs, axis=1)


# -- the forward pass -----------------------------------------------------------------------
def test_rnn_three_steps_by_hand():
    layer = RNN(1, 1, rng=0)
    layer.W_x.data[...], layer.W_h.data[...], layer.b.data[...] = 0.5, -1.0, 0.1
    x = np.array([[[1.0], [2.0], [-1.0]]])  # one sequence of three scalars
    h1 = np.tanh(0.5 * 1 + 0.1)
    h2 = np.tanh(0.5 * 2 - h1 + 0.1)
    h3 = np.tanh(0.5 * -1 - h2 + 0.1)
    np.testing.assert_allclose(layer(x)[0, :, 0], [h1, h2, h3], rtol=1e-15)


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_forward_equals_the_formulas(shape):
    for cls, formula in ((RNN, rnn_by_the_formula), (LSTM, lstm_by_the_formula)):
        layer, x = make(cls, shape, scale=3.0)  # large inputs: saturated gates as well
        out = layer(x)
        assert out.shape == shape[:2] + (shape[3],)
        np.testing.assert_allclose(out, formula(layer, x), rtol=1e-12, atol=1e-14)


def test_lstm_gate_order_is_input_forget_cell_output():
    """Open one gate block at a time through its bias and watch c_1 = f c_0 + i g and h_1 = o tanh(c_1)."""
    H = 2
    layer = LSTM(1, H, rng=0)
    layer.W_x.data[...] = 0
    big = 50.0  # sigmoid(50) = 1 and sigmoid(-50) = 0 in float64, tanh(50) = 1
    layer.b.data[...] = np.repeat([big, -big, big, big], H)  # i = 1, f = 0, g = 1, o = 1
    h = layer(np.zeros((1, 1, 1)))[0, 0]
    np.testing.assert_allclose(h, np.tanh(1.0))  # c_1 = i g = 1
    layer.b.data[3 * H:] = -big  # close the output gate: h = 0
    np.testing.assert_allclose(layer(np.zeros((1, 1, 1)))[0, 0], 0, atol=1e-20)
    layer.b.data[3 * H:] = big
    layer.b.data[:H] = -big  # close the input gate: c_1 = 0
    np.testing.assert_allclose(layer(np.zeros((1, 1, 1)))[0, 0], 0, atol=1e-20)


# -- the backward pass ---------------------------------------------------------------------
@pytest.mark.parametrize("cls", LAYERS, ids=["RNN", "LSTM"])
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_gradcheck(cls, shape):
    layer, x = make(cls, shape)
    layer.b.data[...] = np.random.default_rng(9).uniform(-0.5, 0.5, layer.b.data.shape)
    errors = check_module(layer, x, seed=7)
    assert set(errors) == {"input", "W_x", "W_h", "b"}
    assert errors.max_error < TOL, str(errors)


def test_rnn_gradient_reaching_step_1_is_the_product_of_step_jacobians():
    """dL/dx_1 = dout_T prod_{t=T..2} [diag(1 - h_t^2) W_h^T] diag(1 - h_1^2) W_x^T (backpropagation through time)."""
    layer, x = make(RNN, (1, 6, 3, 4))
    hs = layer(x)[0]
    dout = np.zeros((1, 6, 4))
    dout[0, -1] = np.random.default_rng(2).standard_normal(4)  # the loss reads only the last state
    dx = layer.backward(dout)
    g = dout[0, -1]
    for t in range(5, 0, -1):  # from h_T back to h_1
        g = (g * (1 - hs[t] ** 2)) @ layer.W_h.data.T
    expected = (g * (1 - hs[0] ** 2)) @ layer.W_x.data.T
    np.testing.assert_allclose(dx[0, 0], expected, rtol=1e-12)


@pytest.mark.parametrize("cls", LAYERS, ids=["RNN", "LSTM"])
def test_input_grad_false_and_accumulation(cls):
    layer, x = make(cls, (3, 5, 2, 4))
    G = np.random.default_rng(1).standard_normal((3, 5, 4))
    layer(x)
    dx = layer.backward(G)
    first = [p.grad.copy() for p in layer.parameters()]
    layer.backward(G)  # accumulates: twice the gradient
    for p, g in zip(layer.parameters(), first):
        np.testing.assert_allclose(p.grad, 2 * g)
    layer.zero_grad()
    layer(x)
    assert layer.backward(G, input_grad=False) is None
    for p, g in zip(layer.parameters(), first):
        np.testing.assert_allclose(p.grad, g)
    assert dx.shape == x.shape


# -- PyTorch ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", LAYERS, ids=["RNN", "LSTM"])
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_matches_torch(cls, shape):
    """weight_ih_l0 = W_x.T, weight_hh_l0 = W_h.T, bias_ih_l0 + bias_hh_l0 = b (any split of b)."""
    torch = pytest.importorskip("torch")
    layer, x = make(cls, shape)
    layer.b.data[...] = np.random.default_rng(9).uniform(-0.5, 0.5, layer.b.data.shape)
    out = layer(x)
    G = np.random.default_rng(5).standard_normal(out.shape)
    dx = layer.backward(G)
    twin = (torch.nn.RNN if cls is RNN else torch.nn.LSTM)(shape[2], shape[3], batch_first=True).double()
    split = np.random.default_rng(6).uniform(-1, 1, layer.b.data.shape)
    with torch.no_grad():
        twin.weight_ih_l0.copy_(torch.tensor(layer.W_x.data.T))
        twin.weight_hh_l0.copy_(torch.tensor(layer.W_h.data.T))
        twin.bias_ih_l0.copy_(torch.tensor(layer.b.data - split))
        twin.bias_hh_l0.copy_(torch.tensor(split))
    xt = torch.tensor(x, requires_grad=True)
    out_t = twin(xt)[0]
    out_t.backward(torch.tensor(G))
    pairs = [(out, out_t.detach()), (dx, xt.grad), (layer.W_x.grad, twin.weight_ih_l0.grad.T),
             (layer.W_h.grad, twin.weight_hh_l0.grad.T), (layer.b.grad, twin.bias_ih_l0.grad),
             (layer.b.grad, twin.bias_hh_l0.grad)]
    for ours, theirs in pairs:
        assert normwise_error(ours, theirs.numpy()) < TORCH_TOL


@pytest.mark.parametrize("cls,gates", [(RNN, 1), (LSTM, 4)], ids=["RNN", "LSTM"])
def test_shapes_initialization_and_parameter_count(cls, gates):
    D, H = 30, 40
    layer = cls(D, H, rng=0)
    assert layer.W_x.data.shape == (D, gates * H) and layer.W_h.data.shape == (H, gates * H)
    assert layer.b.data.shape == (gates * H,)
    assert count_parameters(layer) == gates * (D * H + H * H + H)
    bound = 1 / np.sqrt(H)  # PyTorch's U(-1/sqrt(H), 1/sqrt(H))
    for p in layer.parameters():
        assert np.all(np.abs(p.data) <= bound)
    W = layer.W_h.data
    assert abs(W.var() / (bound ** 2 / 3) - 1) < 0.1 and abs(W.mean()) < 0.05 * bound
    np.testing.assert_array_equal(cls(D, H, rng=0).W_x.data, layer.W_x.data)  # seeded
    torch = pytest.importorskip("torch")
    twin = (torch.nn.RNN if cls is RNN else torch.nn.LSTM)(D, H)
    assert sum(p.numel() for p in twin.parameters()) == count_parameters(layer) + gates * H  # its second bias


@pytest.mark.parametrize("cls", LAYERS, ids=["RNN", "LSTM"])
def test_float32_in_float32_out(cls):
    layer, x = make(cls, (2, 4, 3, 5), dtype=np.float32)
    out = layer(x)
    dx = layer.backward(np.ones_like(out))
    assert out.dtype == dx.dtype == np.float32
    for p in layer.parameters():
        assert p.data.dtype == p.grad.dtype == np.float32


# -- error messages ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls", LAYERS, ids=["RNN", "LSTM"])
@pytest.mark.parametrize("x,message", [
    (np.ones((5, 3)), r"expected a batch of sequences of shape \(B, T, 3\) \(batch first\), got shape \(5, 3\)\. "
                      r"One sequence \(T, D\): use x\[None\]"),
    (np.ones((2, 5, 4)), r"expected a batch of sequences of shape \(B, T, 3\).*got shape \(2, 5, 4\).*input_size=3"),
    (np.ones((2, 5, 3, 1)), r"expected a batch of sequences.*got shape \(2, 5, 3, 1\)"),
    (np.ones((2, 0, 3)), r"expected at least one sequence of at least one step, got shape \(2, 0, 3\)"),
    (np.ones((0, 4, 3)), r"expected at least one sequence of at least one step, got shape \(0, 4, 3\)"),
    (np.ones((2, 4, 3), dtype=np.float32), r"expected input of dtype float64.*got float32.*dtype=np.float32"),
    (np.ones((2, 4, 3), dtype=np.int64), r"expected input of dtype float64.*got int64.*astype"),
])
def test_bad_inputs(cls, x, message):
    with pytest.raises(ValueError, match=cls.__name__ + " " + message):
        cls(3, 4, rng=0)(x)


@pytest.mark.parametrize("cls", LAYERS, ids=["RNN", "LSTM"])
def test_bad_arguments_and_backward_errors(cls):
    name = cls.__name__
    with pytest.raises(ValueError, match=rf"{name} expected input_size >= 1, got input_size=0"):
        cls(0, 4)
    with pytest.raises(ValueError, match=rf"{name} expected hidden_size to be an integer >= 1, got float 2.5"):
        cls(3, 2.5)
    for dtype in (np.int64, np.float16, "text"):
        with pytest.raises(ValueError, match=rf"{name} expected dtype np.float64 or np.float32, got"):
            cls(3, 4, dtype=dtype)
    with pytest.raises(ValueError, match=rf"{name} expected rng, a seed.*got str 'seed'"):
        cls(3, 4, rng="seed")
    layer = cls(3, 4, rng=0)
    with pytest.raises(ValueError, match=rf"{name}\.backward was called before forward"):
        layer.backward(np.ones((2, 5, 4)))
    layer(np.ones((2, 5, 3)))
    with pytest.raises(ValueError, match=rf"{name}\.backward expected dout of shape \(2, 5, 4\).*got \(2, 5, 3\)"):
        layer.backward(np.ones((2, 5, 3)))
