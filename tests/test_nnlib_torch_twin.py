"""Weight tying and layer reuse, against PyTorch twins (skipped where torch is not installed).

(a) ``DecoderLM(tie_embeddings=True)`` against a torch model whose head *is* its token
    embedding: every gradient equal to ~1e-9 in float64, and the same parameter count.
(b) torch may call one ``nn.Linear`` twice in a ``Sequential``; nnlib refuses that with a
    clear error, and the nnlib way (two ``Linear`` layers sharing one ``W`` and one ``b``)
    gives torch's gradients, count and optimizer step.
(c) a Parameter listed twice in an optimizer: torch only warns, nnlib raises.
"""
import warnings

import numpy as np
import pytest

import nnlib
from nnlib.transformer import count_transformer_parameters

torch = pytest.importorskip("torch")
nn = torch.nn

TOL = 1e-9  # float64: worst normwise relative error per array


def t(a):
    return torch.tensor(np.asarray(a), dtype=torch.float64)


def normwise(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300))


class TorchBlock(nn.Module):
    """GPT-2's pre-norm block written with torch's own layers (the reference)."""

    def __init__(self, C, h, M):
        super().__init__()
        self.h = h
        self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.qkv, self.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.fc1, self.fc2 = nn.Linear(C, M), nn.Linear(M, C)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=-1)  # each (B, T, C)
        q, k, v = (z.view(B, T, self.h, C // self.h).transpose(1, 2) for z in (q, k, v))  # (B, h, T, d)
        y = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(B, T, C))
        return x + self.fc2(nn.functional.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class TorchTiedLM(nn.Module):
    """Token and learned position embeddings, blocks, final norm, head tied to the token table."""

    def __init__(self, V, T, C, h, L, M):
        super().__init__()
        self.tok, self.pos = nn.Embedding(V, C), nn.Embedding(T, C)
        self.blocks = nn.ModuleList(TorchBlock(C, h, M) for _ in range(L))
        self.ln_f = nn.LayerNorm(C)
        self.head = nn.Linear(C, V, bias=False)
        self.head.weight = self.tok.weight  # weight tying: one Parameter, two uses

    def forward(self, ids):
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))


def _pairs(lm, twin):
    """(nnlib Parameter, torch Parameter) for every parameter, nnlib's Linear W being torch's weight.T."""
    def linear(ours, theirs):
        return [(ours.W, theirs.weight, True), (ours.b, theirs.bias, False)]

    def norm(ours, theirs):
        return [(ours.gamma, theirs.weight, False), (ours.beta, theirs.bias, False)]

    pairs = [(lm.tok_emb.W, twin.tok.weight, False), (lm.pos.P, twin.pos.weight, False)]
    for ours, theirs in zip(lm.blocks, twin.blocks):
        pairs += norm(ours.ln1, theirs.ln1) + linear(ours.attn.qkv, theirs.qkv) + linear(ours.attn.proj, theirs.proj)
        pairs += norm(ours.ln2, theirs.ln2) + linear(ours.mlp[0], theirs.fc1) + linear(ours.mlp[2], theirs.fc2)
    return pairs + norm(lm.ln_f, twin.ln_f)


@pytest.mark.parametrize("V,T,C,h,L,M,seed", [(11, 8, 8, 2, 2, 12, 0), (7, 5, 12, 3, 1, None, 1)])
def test_tied_language_model_equals_its_torch_twin(V, T, C, h, L, M, seed):
    lm = nnlib.DecoderLM(V, T, C, h, L, M, tie_embeddings=True, rng=seed)
    rng = np.random.default_rng(seed + 10)
    for _, p in lm.named_parameters():  # non-trivial norms and biases, so their gradients are tested
        if p.data.ndim == 1:
            p.data[...] = rng.standard_normal(p.data.shape) * 0.3 + (1.0 if np.all(p.data == 1) else 0.0)
    twin = TorchTiedLM(V, T, C, h, L, M or 4 * C).double()
    pairs = _pairs(lm, twin)
    with torch.no_grad():
        for ours, theirs, transposed in pairs:
            theirs.copy_(t(ours.data.T if transposed else ours.data))
    assert twin.head.weight is twin.tok.weight

    # the same parameter count three ways (torch lists the tied Parameter once)
    n_torch = sum(p.numel() for p in twin.parameters())
    assert nnlib.count_parameters(lm) == n_torch == count_transformer_parameters(
        L, C, h, V, T, M, tie_embeddings=True)
    assert len(lm.parameters()) == len(list(twin.parameters())) == len(pairs)

    ids = rng.integers(0, V - 1, size=(3, T))  # token V - 1 never occurs: its row learns from the head only
    G = rng.standard_normal((3, T, V))
    logits = lm(ids)
    lm.zero_grad()
    lm.backward(G)
    logits_t = twin(torch.tensor(ids))
    (logits_t * t(G)).sum().backward()
    assert normwise(logits, logits_t.detach().numpy()) < TOL
    for ours, theirs, transposed in pairs:
        grad = theirs.grad.numpy()
        assert normwise(ours.grad, grad.T if transposed else grad) < TOL
    # the tied table receives both contributions: a row never looked up still learns from the head
    assert np.all(lm.tok_emb.W.grad[V - 1] != 0)


def _shared_pair(D, seed):
    first, second = nnlib.Linear(D, D, rng=seed), nnlib.Linear(D, D, rng=seed + 1)
    second.W, second.b = first.W, first.b  # the nnlib way: share the Parameters
    first.b.data[...] = np.random.default_rng(seed).standard_normal(D)
    return first, second


def test_reusing_a_layer_torch_accepts_nnlib_refuses_and_shared_parameters_agree():
    D, seed = 4, 0
    lin = nnlib.Linear(D, D, rng=seed)
    with pytest.raises(ValueError, match=r"Linear\(in_features=4, out_features=4\) expected one call per forward "
                                         r"pass, got a second call in the same pass.*sharing a Parameter"):
        nnlib.Sequential(lin, nnlib.Tanh(), lin)(np.ones((2, D)))

    first, second = _shared_pair(D, seed)
    model = nnlib.Sequential(first, nnlib.Tanh(), second)
    torch_lin = nn.Linear(D, D).double()
    with torch.no_grad():
        torch_lin.weight.copy_(t(first.W.data.T))
        torch_lin.bias.copy_(t(first.b.data))
    torch_model = nn.Sequential(torch_lin, nn.Tanh(), torch_lin)  # one layer, used twice

    assert nnlib.count_parameters(model) == sum(p.numel() for p in torch_model.parameters()) == D * D + D
    x = np.random.default_rng(1).standard_normal((5, D))
    G = np.random.default_rng(2).standard_normal((5, D))
    out = model(x)
    model.backward(G)
    out_t = torch_model(t(x))
    (out_t * t(G)).sum().backward()
    assert normwise(out, out_t.detach().numpy()) < TOL
    assert normwise(first.W.grad, torch_lin.weight.grad.numpy().T) < TOL  # both uses added into one W
    assert normwise(first.b.grad, torch_lin.bias.grad.numpy()) < TOL

    # one optimizer step updates the shared Parameters once, as torch does
    nnlib.SGD(model.parameters(), lr=0.1, momentum=0.9).step()
    torch.optim.SGD(torch_model.parameters(), lr=0.1, momentum=0.9).step()
    assert normwise(first.W.data, torch_lin.weight.detach().numpy().T) < TOL
    assert second.W.data is first.W.data


def test_a_parameter_listed_twice_torch_warns_nnlib_raises():
    p = torch.nn.Parameter(torch.zeros(3))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.optim.SGD([p, p], lr=0.1)
    assert any("duplicate parameters" in str(w.message) for w in caught)

    first, second = _shared_pair(3, 0)
    listed_twice = first.parameters() + second.parameters()  # W and b of both layers: the same two objects
    for opt in (nnlib.SGD, nnlib.Adam, nnlib.AdamW):
        with pytest.raises(ValueError, match=r"expected each Parameter once, got Parameter\(shape=\(3, 3\), "
                                             r"dtype=float64\) at positions 0 and 2"):
            opt(listed_twice, lr=0.1)
    assert len(nnlib.Sequential(first, second).parameters()) == 2  # the right list: each once
