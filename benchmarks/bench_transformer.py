"""How fast is one nnlib transformer block? Forward and backward against PyTorch on the CPU.

One pre-norm block (layer norm, causal 4-head attention, layer norm, GELU MLP of width 4C,
two residuals) on a float32 batch of 16 sequences of 64 tokens of width 128. Both
contenders get the same weights and input (their outputs are compared first) and the same
number of threads (PyTorch is set to the number of BLAS threads NumPy uses). Repetitions are
interleaved (nnlib, PyTorch, nnlib, ...) so that noise from other processes hits both alike;
we report medians. PyTorch is optional: without it the comparison is skipped with a message.

Usage: python benchmarks/bench_transformer.py [--rounds 50]
(for one thread each: OMP_NUM_THREADS=1 python benchmarks/bench_transformer.py)
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnlib.transformer import TransformerBlock  # noqa: E402

B, T, C, HEADS = 16, 64, 128, 4


def blas_threads():
    """Threads NumPy's BLAS uses (threadpoolctl comes with scikit-learn), or None if unknown."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    return max(counts) if counts else None


def nnlib_contender(x, G, seed=0):
    block = TransformerBlock(C, HEADS, causal=True, rng=seed, dtype=np.float32)

    def forward():
        block.zero_grad()
        return block(x)

    def backward():
        return block.backward(G)

    return block, forward, backward


def torch_contender(block, x, G, torch):
    """The same block in PyTorch, with nnlib's weights copied in (PyTorch stores W transposed)."""
    nn, F = torch.nn, torch.nn.functional

    class TorchBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
            self.qkv, self.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
            self.fc1, self.fc2 = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)

        def forward(self, x):
            Bx, Tx, Cx = x.shape
            q, k, v = self.qkv(self.ln1(x)).view(Bx, Tx, 3, HEADS, Cx // HEADS).permute(2, 0, 3, 1, 4)  # (B, h, T, d)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, h, T, d)
            x = x + self.proj(y.transpose(1, 2).reshape(Bx, Tx, Cx))
            return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))

    tb = TorchBlock()
    pairs = [(tb.qkv, block.attn.qkv), (tb.proj, block.attn.proj), (tb.fc1, block.mlp[0]), (tb.fc2, block.mlp[2])]
    with torch.no_grad():
        for t_lin, n_lin in pairs:
            t_lin.weight.copy_(torch.from_numpy(n_lin.W.data.T.copy()))
            t_lin.bias.copy_(torch.from_numpy(n_lin.b.data))
    xt = torch.from_numpy(x).requires_grad_(True)
    Gt = torch.from_numpy(G)
    state = {}

    def forward():
        for p in tb.parameters():
            p.grad = None
        xt.grad = None
        state["out"] = tb(xt)
        return state["out"]

    def backward():
        state["out"].backward(Gt)
        return xt.grad

    return forward, backward


def measure(contenders, rounds):
    """Interleaved timing: each round runs every contender's forward then backward once."""
    times = {name: {"forward": [], "backward": []} for name in contenders}
    for r in range(rounds + 3):  # the first 3 rounds warm up caches and allocators
        for name, (fwd, bwd) in contenders.items():
            t0 = time.perf_counter()
            fwd()
            t1 = time.perf_counter()
            bwd()
            t2 = time.perf_counter()
            if r >= 3:
                times[name]["forward"].append(t1 - t0)
                times[name]["backward"].append(t2 - t1)
    return {name: {k: statistics.median(v) * 1e3 for k, v in parts.items()} for name, parts in times.items()}


def run(rounds=50, verbose=True):
    """Time one block's forward and backward for nnlib and (if installed) PyTorch.

    Returns a dict ``{"nnlib": {"forward": ms, "backward": ms, "total": ms}, "pytorch": {...} or
    None, "ratio": nnlib total / PyTorch total or None, "threads": int or None}``.
    """
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, C)).astype(np.float32)
    G = rng.standard_normal((B, T, C)).astype(np.float32)
    block, n_fwd, n_bwd = nnlib_contender(x, G)
    contenders = {"nnlib": (n_fwd, n_bwd)}
    threads = blas_threads()
    try:
        import torch
    except ImportError:
        torch = None
        if verbose:
            print("PyTorch is not installed: timing nnlib only (pip install torch to compare).")
    if torch is not None:
        if threads:
            torch.set_num_threads(threads)
        t_fwd, t_bwd = torch_contender(block, x, G, torch)
        out_n, out_t = n_fwd(), t_fwd().detach().numpy()
        dx_n, dx_t = n_bwd(), t_bwd().numpy()
        assert out_n.dtype == np.float32 and dx_n.dtype == np.float32, "nnlib left float32"
        if not (np.allclose(out_n, out_t, atol=1e-4, rtol=1e-4) and np.allclose(dx_n, dx_t, atol=1e-4, rtol=1e-4)):
            raise AssertionError("nnlib and PyTorch blocks disagree: the benchmark would compare different work")
        contenders["pytorch"] = (t_fwd, t_bwd)
    res = measure(contenders, rounds)
    for parts in res.values():
        parts["total"] = parts["forward"] + parts["backward"]
    result = {"nnlib": res["nnlib"], "pytorch": res.get("pytorch"), "threads": threads,
              "ratio": res["nnlib"]["total"] / res["pytorch"]["total"] if "pytorch" in res else None}
    if verbose:
        print(f"one transformer block, B={B}, T={T}, C={C}, {HEADS} heads, float32, "
              f"{threads or '?'} thread(s), median of {rounds} interleaved rounds")
        for name in ("nnlib", "pytorch"):
            if result[name]:
                p = result[name]
                print(f"  {name:8s} forward {p['forward']:7.2f} ms  backward {p['backward']:7.2f} ms  "
                      f"total {p['total']:7.2f} ms")
        if result["ratio"] is not None:
            print(f"  ratio nnlib / PyTorch (forward + backward): {result['ratio']:.2f}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    run(parser.parse_args().rounds)
