"""How fast is nnlib? Benchmarks for appendix/speed.md (run with `make bench`).

1. One training step (forward, softmax cross-entropy, backward, SGD update) of a
   784-256-256-10 ReLU MLP on a float32 batch of 256, for three contenders:
   nnlib, a hand-written NumPy step (below) and PyTorch on the CPU (if installed).
   Measurements are interleaved round-robin (the order rotates every round) so
   that noise from other processes hits all contenders alike; we report medians.
2. The same kind of step for a tiny 4-8-8-2 network on a batch of 4 (float64),
   built from scalar ``nnlib.autograd.Value`` nodes versus nnlib's array layers,
   to show what vectorization buys.

Writes benchmarks/results.json and appendix/speed.png.
Usage: python benchmarks/run.py [--rounds 60] [--quick]
"""
import argparse
import datetime
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nnlib.activations import ReLU  # noqa: E402
from nnlib.autograd import Value  # noqa: E402
from nnlib.layers import Linear, Sequential  # noqa: E402
from nnlib.losses import CrossEntropyLoss  # noqa: E402
from nnlib.optim import SGD  # noqa: E402

SIZES = (784, 256, 256, 10)
BATCH = 256
LR = 0.01


# -- the data and the shared initial weights -------------------------------------
def make_problem(sizes, batch, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], size=batch)
    weights = [
        (rng.standard_normal((d_in, d_out)) * math.sqrt(2 / d_in)).astype(dtype)
        for d_in, d_out in zip(sizes[:-1], sizes[1:])
    ]
    biases = [np.zeros(d, dtype=dtype) for d in sizes[1:]]
    return X, y, weights, biases


# -- contender 1: nnlib ------------------------------------------------------------------
def nnlib_contender(X, y, weights, biases):
    layers = []
    for i, (W, b) in enumerate(zip(weights, biases)):
        lin = Linear(W.shape[0], W.shape[1], dtype=W.dtype)
        lin.W.data[...] = W
        lin.b.data[...] = b
        layers += [lin, ReLU()] if i < len(weights) - 1 else [lin]
    model = Sequential(*layers)
    loss_fn = CrossEntropyLoss()
    opt = SGD(model.parameters(), lr=LR)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        model.backward(loss_fn.backward(), input_grad=False)
        opt.step()
        return loss

    return step, lambda: [lin.W.data for lin in model if isinstance(lin, Linear)]


# -- contender 2: a hand-written NumPy step ---------------------------------------------
def numpy_contender(X, y, weights, biases):
    W1, W2, W3 = (W.copy() for W in weights)
    b1, b2, b3 = (b.copy() for b in biases)
    N = X.shape[0]
    rows = np.arange(N)

    def step():
        # forward
        h1 = X @ W1
        h1 += b1
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ W2
        h2 += b2
        np.maximum(h2, 0, out=h2)
        logits = h2 @ W3
        logits += b3
        # softmax cross-entropy, stable
        shifted = logits - logits.max(axis=1, keepdims=True)
        correct = shifted[rows, y]
        e = np.exp(shifted)
        sums = e.sum(axis=1)
        loss = float(np.mean(np.log(sums) - correct))
        dlogits = e / sums[:, None]
        dlogits[rows, y] -= 1
        dlogits /= N
        # backward
        dW3 = h2.T @ dlogits
        db3 = dlogits.sum(axis=0)
        dh2 = dlogits @ W3.T
        dh2 *= h2 > 0  # ReLU backward (a multiply: much faster than dh2[h2 <= 0] = 0)
        dW2 = h1.T @ dh2
        db2 = dh2.sum(axis=0)
        dh1 = dh2 @ W2.T
        dh1 *= h1 > 0
        dW1 = X.T @ dh1
        db1 = dh1.sum(axis=0)
        # SGD
        for p, g in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2), (W3, dW3), (b3, db3)):
            p -= LR * g
        return loss

    return step, lambda: [W1, W2, W3]


# -- contender 3: PyTorch -----------------------------------------------------------------
def torch_contender(X, y, weights, biases):
    import torch

    layers = []
    for i, (W, b) in enumerate(zip(weights, biases)):
        lin = torch.nn.Linear(W.shape[0], W.shape[1])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))  # PyTorch stores W transposed
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin, torch.nn.ReLU()] if i < len(weights) - 1 else [lin]
    model = torch.nn.Sequential(*layers)
    Xt = torch.from_numpy(X)
    yt = torch.from_numpy(y.astype(np.int64))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    cross_entropy = torch.nn.functional.cross_entropy

    def step():
        opt.zero_grad()
        loss = cross_entropy(model(Xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step, lambda: [lin.weight.detach().numpy().T for lin in model if isinstance(lin, torch.nn.Linear)]


# -- contender 4: scalar autograd Values ---------------------------------------------
def value_contender(X, y, weights, biases):
    Ws = [[[Value(w) for w in row] for row in W] for W in weights]
    bs = [[Value(v) for v in b] for b in biases]
    params = [v for W in Ws for row in W for v in row] + [v for b in bs for v in b]

    def step():
        total = Value(0.0)
        for xn, yn in zip(X.tolist(), y.tolist()):
            h = xn
            for i, (W, b) in enumerate(zip(Ws, bs)):
                h = [sum((h[k] * W[k][j] for k in range(len(h))), b[j]) for j in range(len(b))]
                if i < len(Ws) - 1:
                    h = [v.relu() for v in h]
            m = max(v.data for v in h)  # constant shift for stability
            log_sum = sum((v - m).exp() for v in h).log() + m
            total = total + (log_sum - h[yn])
        loss = total / len(X)
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return loss.data

    return step, lambda: [np.array([[v.data for v in row] for row in W]) for W in Ws]


# -- measuring ----------------------------------------------------------------------------------
def interleaved_medians(steps, rounds, block=5, pause=0.15):
    """Time the step functions round-robin; return the median time per step (s) of each.

    Each round runs every contender once, in an order that rotates from round to
    round. A contender's turn is: a pause (so that the previous library's
    thread pool stops spinning: OpenBLAS threads busy-wait for up to about
    0.1 s after a call, and would steal the 2 cores from PyTorch's threads and
    vice versa), one untimed step, then ``block`` timed steps.
    """
    names = list(steps)
    for name in names:  # warm up: allocations, thread pools, caches
        for _ in range(3):
            steps[name]()
    times = {name: [] for name in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            step = steps[name]
            time.sleep(pause)
            step()
            for _ in range(block):
                t0 = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}, times


def agreement(contenders, X, y, weights, biases, n_steps=3):
    """Run a few steps of each contender from the same start; return the max weight difference."""
    finals = {}
    for name, make in contenders.items():
        step, get_weights = make(X, y, weights, biases)
        for _ in range(n_steps):
            step()
        finals[name] = get_weights()
    ref = finals["nnlib"]
    return {
        name: float(max(np.max(np.abs(a - b)) for a, b in zip(ref, ws)))
        for name, ws in finals.items() if name != "nnlib"
    }


def machine_info():
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "platform": platform.platform(),
            "load_average_at_start": list(os.getloadavg())}
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = [
            f"{p['internal_api']} {p.get('version')} from {Path(p['filepath']).parent.name}, "
            f"{p['num_threads']} threads"
            for p in threadpool_info() if p["user_api"] == "blas"
        ]
    except ImportError:
        info["blas"] = ["unknown (threadpoolctl not installed)"]
    return info


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60,
                        help="rounds; each round times 5 steps of every contender")
    parser.add_argument("--quick", action="store_true", help="few rounds, no files written")
    args = parser.parse_args()
    rounds = 6 if args.quick else args.rounds

    info = machine_info()
    print("How fast is nnlib?  (medians of interleaved repetitions)")
    print(f"machine: {info['cpu']}, {info['cores']} cores; numpy {info['numpy']}; BLAS: {', '.join(info['blas'])}")

    # 1. the MLP step -----------------------------------------------------------------
    X, y, weights, biases = make_problem(SIZES, BATCH, np.float32)
    contenders = {"nnlib": nnlib_contender, "numpy": numpy_contender}
    try:
        import torch

        contenders["pytorch"] = torch_contender
        info["torch"] = f"{torch.__version__} ({torch.get_num_threads()} threads)"
        print(f"pytorch: {info['torch']}")
    except ImportError:
        info["torch"] = None
        print("pytorch: skipped (not installed); install it with: pip install torch==2.13.0")

    diffs = agreement(contenders, X, y, weights, biases)
    print("check: max |W_nnlib - W_other| after 3 identical steps: "
          + ", ".join(f"{k} {v:.1e}" for k, v in diffs.items()))
    steps = {name: make(X, y, weights, biases)[0] for name, make in contenders.items()}
    med, times = interleaved_medians(steps, rounds)
    arch = "-".join(map(str, SIZES))
    print(f"\n1. training step, {arch} ReLU MLP, batch {BATCH}, float32, "
          f"{rounds} rounds x 5 timed steps")
    print(f"   {'':<8} {'median':>8}  {'quartiles':>15}")
    for name, t in med.items():
        q1, q3 = np.percentile(times[name], [25, 75]) * 1e3
        print(f"   {name:<8} {t * 1e3:8.2f}  {q1:6.2f} - {q3:6.2f}  ms")
    ratios = {"nnlib/numpy": med["nnlib"] / med["numpy"]}
    if "pytorch" in med:
        ratios["nnlib/pytorch"] = med["nnlib"] / med["pytorch"]
        ratios["numpy/pytorch"] = med["numpy"] / med["pytorch"]
    for k, v in ratios.items():
        print(f"   ratio {k:<14} {v:.3f}")

    # 2. scalar autograd versus arrays ---------------------------------------------------
    tiny = (4, 8, 8, 2)
    Xs, ys, ws, bs = make_problem(tiny, 4, np.float64)
    tiny_steps = {"value": value_contender(Xs, ys, ws, bs)[0], "nnlib": nnlib_contender(Xs, ys, ws, bs)[0]}
    tiny_diff = agreement({"nnlib": nnlib_contender, "value": value_contender}, Xs, ys, ws, bs)
    tiny_rounds = max(rounds // 2, 10)
    tiny_med, _ = interleaved_medians(tiny_steps, tiny_rounds, pause=0.01)
    tiny_arch = "-".join(map(str, tiny))
    print(f"\n2. training step, {tiny_arch} ReLU MLP, batch 4, float64, {tiny_rounds} rounds x 5 "
          f"(weights agree to {tiny_diff['value']:.1e})")
    for name, t in tiny_med.items():
        print(f"   {name:<8} {t * 1e3:8.3f} ms")
    speedup = tiny_med["value"] / tiny_med["nnlib"]
    print(f"   ratio value/nnlib  {speedup:.1f}")

    # 3. one transformer block (Chapter 9) ----------------------------------------------
    print()
    import bench_transformer

    block = bench_transformer.run(rounds=max(rounds // 2, 10))

    if args.quick:
        return
    info["load_average_at_end"] = list(os.getloadavg())
    results = {
        "date": datetime.date.today().isoformat(),
        "machine": info,
        "mlp": {"architecture": arch, "batch": BATCH, "dtype": "float32", "rounds": rounds,
                "median_ms": {k: v * 1e3 for k, v in med.items()},
                "quartiles_ms": {k: list(np.percentile(t, [25, 75]) * 1e3) for k, t in times.items()},
                "min_ms": {k: min(t) * 1e3 for k, t in times.items()}, "ratios": ratios,
                "max_weight_difference_after_3_steps": diffs},
        "scalar_vs_vectorized": {"architecture": tiny_arch, "batch": 4, "dtype": "float64",
                                 "rounds": tiny_rounds,
                                 "median_ms": {k: v * 1e3 for k, v in tiny_med.items()},
                                 "ratio_value_over_nnlib": speedup},
        "transformer_block": {"batch": bench_transformer.B, "sequence": bench_transformer.T,
                              "width": bench_transformer.C, "heads": bench_transformer.HEADS,
                              "dtype": "float32", **block},
    }
    out = ROOT / "benchmarks" / "results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    plot(times, tiny_med, ROOT / "appendix" / "speed.png")
    write_results_block(results, ROOT / "appendix" / "speed.md")
    print(f"\nwrote {out.relative_to(ROOT)}, appendix/speed.png and the table in appendix/speed.md")


def write_results_block(results, page):
    """Replace the block between the results markers of the appendix page with these figures."""
    m, t, info = results["mlp"], results["scalar_vs_vectorized"], results["machine"]
    med, q = m["median_ms"], m["quartiles_ms"]
    labels = {"nnlib": "nnlib", "numpy": "hand-written NumPy", "pytorch": "PyTorch (CPU)"}
    lines = [
        f"Measured on {results['date']} on a shared machine: {info['cpu']}, {info['cores']} cores; "
        f"Python {info['python']}, NumPy {info['numpy']}, BLAS libraries loaded: {'; '.join(info['blas'])}; "
        + (f"PyTorch {info['torch']}. " if info.get("torch") else "PyTorch not installed (skipped). ")
        + f"Load average (1 min) {info['load_average_at_start'][0]:.2f} before the run and "
        f"{info['load_average_at_end'][0]:.2f} after it (the benchmark's own 2 threads count about 2).",
        "",
        f"Training step of the {m['architecture']} MLP, batch {m['batch']}, {m['dtype']} "
        f"({m['rounds']} rounds of 5 timed steps per contender):",
        "",
        "| contender | median (ms) | middle half (ms) | nnlib time / this time |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, ms in med.items():
        lines.append(f"| {labels[name]} | {ms:.2f} | {q[name][0]:.2f} to {q[name][1]:.2f} | "
                     f"{med['nnlib'] / ms:.2f} |")
    lines += [
        "",
        "Targets: nnlib / hand-written NumPy at most 1.10 (the library adds no real overhead) "
        "and nnlib / PyTorch at most 1.0.",
        "",
        f"Training step of the {t['architecture']} MLP, batch {t['batch']}, {t['dtype']} "
        f"({t['rounds']} rounds of 5 timed steps):",
        "",
        "| implementation | median (ms) |",
        "| --- | ---: |",
        f"| scalar `Value` graph | {t['median_ms']['value']:.3f} |",
        f"| nnlib layers | {t['median_ms']['nnlib']:.3f} |",
        "",
        f"The scalar engine is {t['ratio_value_over_nnlib']:.0f} times slower on this tiny network.",
    ]
    tb = results.get("transformer_block")
    if tb:
        lines += ["", f"Forward and backward of one pre-norm transformer block (batch {tb['batch']}, "
                      f"sequence {tb['sequence']}, width {tb['width']}, {tb['heads']} heads, {tb['dtype']}):",
                  "", "| contender | forward (ms) | backward (ms) | total (ms) |", "| --- | ---: | ---: | ---: |"]
        for name in ("nnlib", "pytorch"):
            if tb.get(name):
                p = tb[name]
                lines.append(f"| {labels[name]} | {p['forward']:.2f} | {p['backward']:.2f} | {p['total']:.2f} |")
        if tb.get("ratio") is not None:
            lines += ["", f"Ratio nnlib / PyTorch: {tb['ratio']:.2f} (target: at most 1.5)."]
    start, end = "<!-- results:start", "<!-- results:end -->"
    text = page.read_text()
    a = text.index("\n", text.index(start)) + 1
    b = text.index(end)
    page.write_text(text[:a] + "\n".join(lines) + "\n" + text[b:])


def plot(times, tiny_med, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    names = list(times)
    ax1.boxplot([np.array(times[n]) * 1e3 for n in names], showfliers=False)
    ax1.set_xticks(range(1, len(names) + 1), names)
    ax1.set_ylabel("time per training step (ms)")
    ax1.set_ylim(bottom=0)
    ax1.set_title("784-256-256-10 MLP, batch 256, float32")
    ax2.bar(list(tiny_med), [t * 1e3 for t in tiny_med.values()], color=["tab:red", "tab:blue"])
    ax2.set_yscale("log")
    ax2.set_ylabel("time per training step (ms, log scale)")
    ax2.set_title("4-8-8-2 MLP, batch 4")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
