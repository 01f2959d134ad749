"""Transformers: one block forward + backward, and a DecoderLM training step, nnlib against PyTorch.

- **block**: one pre-norm ``TransformerBlock`` (layer norm, causal multi-head attention, layer
  norm, tanh-GELU MLP of width 4C, two residuals), float32, batch B=16, at T=64 C=128 with 4
  heads and at T=256 C=256 with 8 heads. One call = ``zero_grad``, forward, backward from a
  fixed gradient of the output (the input gradient included). PyTorch's twin is written with
  its own layers and ``F.scaled_dot_product_attention(is_causal=True)``.
- **lm**: one training step of a ``DecoderLM`` (learned positions, untied head): forward,
  cross-entropy over every position, backward, ``AdamW`` step; PyTorch's twin uses
  ``nn.Embedding``, the same blocks, ``F.cross_entropy`` and ``torch.optim.AdamW`` (defaults).

Both contenders get the same weights and inputs; outputs and gradients (block) or the weights
after two steps (lm) are compared before any timing, so the benchmark cannot time different
work. For the block a third contender, ``gemms``, does only nnlib's matrix products (the floor
of any NumPy implementation that makes them). The timing is ``benchmarks/harness.py``'s
(called from ``run.py``).
"""
import numpy as np

from nnlib.losses import CrossEntropyLoss
from nnlib.optim import AdamW
from nnlib.transformer import DecoderLM, TransformerBlock

BLOCKS = {"block_small": dict(B=16, T=64, C=128, h=4), "block_large": dict(B=16, T=256, C=256, h=8)}
LM = dict(V=512, T=128, C=128, h=4, L=2, B=16)
LR, WD = 1e-3, 0.01


def _torch_block_class(torch):
    nn, F = torch.nn, torch.nn.functional

    class TorchBlock(nn.Module):
        def __init__(self, C, h):
            super().__init__()
            self.h = h
            self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
            self.qkv, self.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
            self.fc1, self.fc2 = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.h, C // self.h).permute(2, 0, 3, 1, 4)  # (B, h, T, d)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, h, T, d)
            x = x + self.proj(y.transpose(1, 2).reshape(B, T, C))
            return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))

    return TorchBlock


def _copy_block(torch, theirs, ours):
    """nnlib's weights into the torch block (PyTorch stores a Linear's W transposed)."""
    pairs = [(theirs.qkv, ours.attn.qkv), (theirs.proj, ours.attn.proj), (theirs.fc1, ours.mlp[0]),
             (theirs.fc2, ours.mlp[2])]
    with torch.no_grad():
        for t_lin, n_lin in pairs:
            t_lin.weight.copy_(torch.from_numpy(n_lin.W.data.T.copy()))
            t_lin.bias.copy_(torch.from_numpy(n_lin.b.data))
        for t_ln, n_ln in ((theirs.ln1, ours.ln1), (theirs.ln2, ours.ln2)):
            t_ln.weight.copy_(torch.from_numpy(n_ln.gamma.data))
            t_ln.bias.copy_(torch.from_numpy(n_ln.beta.data))


def block_contenders(B, T, C, h, seed=0):
    """``({"nnlib": f, "pytorch": g}, agreement)``: one forward + backward of a block each."""
    import torch

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, T, C)).astype(np.float32)
    G = rng.standard_normal((B, T, C)).astype(np.float32)
    block = TransformerBlock(C, h, causal=True, rng=seed, dtype=np.float32)
    for p in block.parameters():  # non-trivial norms and biases, so that their gradients are compared
        if p.data.ndim == 1:
            p.data += rng.uniform(-0.1, 0.1, p.data.shape).astype(np.float32)
    twin = _torch_block_class(torch)(C, h)
    _copy_block(torch, twin, block)
    xt, Gt = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(G)
    state = {}

    def ours():
        block.zero_grad()
        state["out"] = block(x)
        state["dx"] = block.backward(G)

    def theirs():
        for p in twin.parameters():
            p.grad = None
        xt.grad = None
        state["out_t"] = out = twin(xt)
        out.backward(Gt)

    ours(), theirs()
    err = max(_normwise(state["out"], state["out_t"].detach().numpy()), _normwise(state["dx"], xt.grad.numpy()),
              _normwise(block.attn.qkv.W.grad, twin.qkv.weight.grad.numpy().T),
              _normwise(block.ln1.gamma.grad, twin.ln1.weight.grad.numpy()))
    _check(f"block T={T} C={C}", err)
    return {"nnlib": ours, "pytorch": theirs, "gemms": block_gemms(B, T, C, h, seed)}, err


def block_gemms(B, T, C, h, seed=0):
    """Only the matrix products of nnlib's block step, on arrays of the same shapes, into fixed buffers.

    The 4 Linear layers' products (forward, dW, dx) and attention's, block by block as
    ``nnlib.fused.attend`` does them (causal: the keys after a block's last query skipped).
    """
    from nnlib.fused import attention_plan

    rng = np.random.default_rng(seed)
    f32 = np.float32
    N, d = B * T, C // h
    linears = [(C, 3 * C), (C, C), (C, 4 * C), (4 * C, C)]  # qkv, proj, fc1, fc2
    arrays = []
    for D, M in linears:
        x, W, g = (rng.standard_normal(s).astype(f32) for s in ((N, D), (D, M), (N, M)))
        arrays.append((x, W, g, np.empty((N, M), f32), np.empty((D, M), f32), np.empty((N, D), f32)))
    q, k, v, dout = (rng.standard_normal((B, h, T, d)).astype(f32) for _ in range(4))
    plan = attention_plan(B, h, T, T, causal=True)
    scores = [np.empty((len(range(*b.indices(B))), h, i2 - i, end), f32) for b, i, i2, end in plan]
    y = np.empty((B, h, T, d), f32)

    def step():
        for x, W, g, out, dW, dx in arrays:
            np.matmul(x, W, out=out)  # forward
            np.matmul(x.T, g, out=dW)  # dW
            np.matmul(g, W.T, out=dx)  # dx
        for (b, i, i2, end), S in zip(plan, scores):
            np.matmul(q[b, :, i:i2], k[b, :, :end].swapaxes(-1, -2), out=S)  # scores
            np.matmul(S, v[b, :, :end], out=y[b, :, i:i2])  # out = A v
            np.matmul(S.swapaxes(-1, -2), dout[b, :, i:i2])  # dv
            np.matmul(dout[b, :, i:i2], v[b, :, :end].swapaxes(-1, -2), out=S)  # dA
            np.matmul(S, k[b, :, :end])  # dq
            np.matmul(S.swapaxes(-1, -2), q[b, :, i:i2])  # dk

    return step


def _torch_lm(torch, lm):
    nn = torch.nn
    Block = _torch_block_class(torch)
    V, C, T = lm.vocab_size, lm.d_model, lm.context_length

    class TorchLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok, self.pos = nn.Embedding(V, C), nn.Embedding(T, C)
            self.blocks = nn.ModuleList(Block(C, b.attn.n_heads) for b in lm.blocks)
            self.ln_f, self.head = nn.LayerNorm(C), nn.Linear(C, V)

        def forward(self, ids):
            x = self.tok(ids) + self.pos(torch.arange(ids.shape[1]))
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln_f(x))

    twin = TorchLM()
    for t_block, n_block in zip(twin.blocks, lm.blocks):
        _copy_block(torch, t_block, n_block)
    with torch.no_grad():
        twin.tok.weight.copy_(torch.from_numpy(lm.tok_emb.W.data))
        twin.pos.weight.copy_(torch.from_numpy(lm.pos.P.data))
        twin.head.weight.copy_(torch.from_numpy(lm.head.W.data.T.copy()))
        twin.head.bias.copy_(torch.from_numpy(lm.head.b.data))
    return twin


def lm_contenders(V, T, C, h, L, B, seed=0):
    """``({"nnlib": f, "pytorch": g}, agreement)``: one AdamW training step of a DecoderLM each."""
    import torch

    rng = np.random.default_rng(seed)
    ids = rng.integers(0, V, size=(B, T + 1))
    x, y = ids[:, :-1], ids[:, 1:]  # predict the next token
    lm = DecoderLM(V, T, C, h, L, rng=seed, dtype=np.float32)
    twin = _torch_lm(torch, lm)
    loss_fn, opt = CrossEntropyLoss(), AdamW(lm.parameters(), lr=LR, weight_decay=WD)
    opt_t = torch.optim.AdamW(twin.parameters(), lr=LR, weight_decay=WD)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    cross_entropy = torch.nn.functional.cross_entropy

    def ours():
        opt.zero_grad()
        loss = loss_fn(lm(x), y)
        lm.backward(loss_fn.backward())
        opt.step()
        return loss

    def theirs():
        opt_t.zero_grad()
        loss = cross_entropy(twin(xt).reshape(-1, V), yt.reshape(-1))
        loss.backward()
        opt_t.step()
        return loss.item()

    losses = [(ours(), theirs()) for _ in range(2)]
    err = max(_normwise(lm.blocks[0].attn.qkv.W.data, twin.blocks[0].qkv.weight.detach().numpy().T),
              _normwise(lm.tok_emb.W.data, twin.tok.weight.detach().numpy()),
              max(abs(a - b) / abs(b) for a, b in losses))
    _check("DecoderLM step", err)
    return {"nnlib": ours, "pytorch": theirs}, err


def _normwise(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def _check(name, err, tol=1e-4):
    if not err < tol:
        raise AssertionError(f"{name}: nnlib and PyTorch disagree (normwise error {err:.1e}): "
                             "the benchmark would time different work")
