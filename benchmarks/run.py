"""How fast is nnlib? Every benchmark of appendix/speed.md, measured the honest way (run with `make bench`).

All timing goes through ``benchmarks/harness.py``: contenders side by side in one process,
turns rotating, a pause before every turn, medians and interquartile ranges over rounds, a
ratio per round, 1 and 2 threads reported apart, the load average before and after recorded
(a heavily loaded run is flagged). What is measured (issue 17's targets are checked at 1 thread):

1. ``bench_mlp``: a 784-256-256-10 MLP training step (float32, batch 32, 256, 1024): nnlib
   against PyTorch and against its own 8 matrix products (and, for reference, the best
   hand-written NumPy step against the same products); a deep narrow MLP (20 x 64, batch
   64 and 32) against the best hand-written NumPy step.
2. ``bench_transformer``: one transformer block forward + backward (B=16; T=64 C=128 h=4 and
   T=256 C=256 h=8) and a DecoderLM training step with AdamW, against PyTorch.
3. ``bench_conv_rnn``: Conv2d, RNN and LSTM against PyTorch (its own table).
4. ``bench_kernels``: what each fast path buys, the fused kernels against the readable
   formulas they replace (1 thread).
5. Scalars against arrays: a tiny 4-8-8-2 MLP step built from ``nnlib.autograd.Value``
   nodes against the same step with nnlib's layers.

Writes benchmarks/results.json, appendix/speed.png and the results block of appendix/speed.md.
Usage: python benchmarks/run.py [--rounds 20] [--threads 1,2] [--only mlp,deep,block,lm,conv_rnn,kernels,scalar]
       [--quick]   (--quick: 3 rounds, nothing written: a smoke test; --only: nothing written either)
"""
import argparse
import datetime
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import bench_kernels  # noqa: E402
import bench_mlp  # noqa: E402
import bench_transformer  # noqa: E402
import harness  # noqa: E402
import report  # noqa: E402

# name -> (what, contenders, [(numerator, denominator, target at 1 thread, target at 2 threads)])
CONFIGS = {
    "mlp32": ("MLP 784-256-256-10, batch 32", ["nnlib", "pytorch", "gemms", "numpy"],
              [("nnlib", "pytorch", None, None), ("nnlib", "gemms", None, None), ("numpy", "gemms", None, None)]),
    "mlp256": ("MLP 784-256-256-10, batch 256", ["nnlib", "pytorch", "gemms", "numpy"],
               [("nnlib", "pytorch", 0.8, None), ("nnlib", "gemms", 1.1, None), ("numpy", "gemms", None, None)]),
    "mlp1024": ("MLP 784-256-256-10, batch 1024", ["nnlib", "pytorch", "gemms", "numpy"],
                [("nnlib", "pytorch", None, None), ("nnlib", "gemms", 1.1, None), ("numpy", "gemms", None, None)]),
    "deep64": ("deep MLP 20 x 64, batch 64", ["nnlib", "numpy", "pytorch"],
               [("nnlib", "numpy", 1.1, None), ("nnlib", "pytorch", None, None)]),
    "deep32": ("deep MLP 20 x 64, batch 32", ["nnlib", "numpy", "pytorch"],
               [("nnlib", "numpy", 1.1, None), ("nnlib", "pytorch", None, None)]),
    "block_small": ("block B=16 T=64 C=128 h=4", ["nnlib", "pytorch", "gemms"],
                    [("nnlib", "pytorch", 1.0, 1.3), ("gemms", "pytorch", None, None), ("nnlib", "gemms", None, None)]),
    "block_large": ("block B=16 T=256 C=256 h=8", ["nnlib", "pytorch", "gemms"],
                    [("nnlib", "pytorch", 1.2, 1.3), ("gemms", "pytorch", None, None), ("nnlib", "gemms", None, None)]),
    "lm": ("DecoderLM step + AdamW", ["nnlib", "pytorch"], [("nnlib", "pytorch", 1.2, None)]),
}
GROUPS = {"mlp": ["mlp32", "mlp256", "mlp1024"], "deep": ["deep64", "deep32"],
          "block": ["block_small", "block_large"], "lm": ["lm"]}


def make(name):
    """``({contender: function}, agreement)`` for one configuration."""
    what, names, _ = CONFIGS[name]
    if name.startswith("mlp"):
        return bench_mlp.contenders(bench_mlp.WIDE, int(name[3:]), names)
    if name.startswith("deep"):
        return bench_mlp.contenders(bench_mlp.DEEP, int(name[4:]), names)
    if name.startswith("block"):
        return bench_transformer.block_contenders(**bench_transformer.BLOCKS[name])
    return bench_transformer.lm_contenders(**bench_transformer.LM)


def measure_configs(names, rounds, thread_counts):
    """Every configuration at every thread count: summaries, per-round ratios, machine info."""
    problems = {name: make(name) for name in names}  # built (and checked) once, before any timing
    runs = {}
    for n in thread_counts:
        machine = harness.Machine().start()
        results = {}
        with harness.threads(n):
            for name in names:
                steps, agreement = problems[name]
                if n == 1:  # one thread: the CPU time per call is meaningful too (and steadier when loaded)
                    times, cpu = harness.measure(steps, rounds, cpu=True)
                else:
                    times, cpu = harness.measure(steps, rounds), None
                r = {"times_ms": {c: harness.summary(t) for c, t in times.items()}, "agreement": agreement,
                     "ratios": {}}
                for num, den, t1, t2 in CONFIGS[name][2]:
                    target = t1 if n == 1 else t2
                    r["ratios"][f"{num}/{den}"] = {**harness.ratio(times, num, den), "target": target}
                    if cpu:
                        r["ratios"][f"{num}/{den}"]["cpu"] = harness.ratio(cpu, num, den)
                if cpu:
                    r["cpu_times_ms"] = {c: harness.summary(t) for c, t in cpu.items()}
                if name.startswith("deep"):  # the library's cost per layer over the hand-written step
                    r["overhead_per_layer_us"] = harness.summary((times["nnlib"] - times["numpy"]) / 20, scale=1e6)
                results[name] = r
                report.print_row(n, name, CONFIGS[name][0], r)
        runs[str(n)] = {"machine": machine.stop().info(), "results": results}
        print(f"  {n} thread(s): {harness.load_line(runs[str(n)]['machine'])}", flush=True)
    return runs


def kernels(rounds):
    """The fused kernels against the readable formulas, at 1 thread."""
    print(f"\nfused kernels against the readable formulas, float32, 1 thread, {rounds} rounds (B=16; small: "
          "T=64 C=128 h=4, large: T=256 C=256 h=8)", flush=True)
    machine = harness.Machine().start()
    rows = []
    with harness.threads(1):
        for (kernel, shape), (contenders, agreement) in bench_kernels.pairs().items():
            times, cpu = harness.measure(contenders, rounds, cpu=True)
            row = {"kernel": kernel, "shape": shape, "agreement": agreement,
                   "times_ms": {c: harness.summary(t) for c, t in times.items()},
                   "ratio_fused_over_readable": harness.ratio(times, "fused", "readable"),
                   "cpu_ratio_fused_over_readable": harness.ratio(cpu, "fused", "readable")}
            rows.append(row)
            print(f"  {kernel:<56} {shape:<6} readable {report.fmt(row['times_ms']['readable'])} ms, fused "
                  f"{report.fmt(row['times_ms']['fused'])} ms: ratio {report.fmt(row['ratio_fused_over_readable'], 3)}",
                  flush=True)
    return {"rounds": rounds, "rows": rows, "machine": machine.stop().info()}


def scalar_vs_vectorized(rounds):
    """A 4-8-8-2 MLP step on a batch of 4 (float64): scalar Value graph against nnlib's layers."""
    X, y, weights, biases = bench_mlp.problem((4, 8, 8, 2), 4, dtype=np.float64)
    steps = {"value": value_step(X, y, weights, biases)[0], "nnlib": bench_mlp.nnlib_step(X, y, weights, biases)[0]}
    finals = {}
    for name, make_step in (("value", value_step), ("nnlib", bench_mlp.nnlib_step)):
        step, get = make_step(X, y, weights, biases)
        for _ in range(3):
            step()
        finals[name] = get()
    diff = float(max(np.max(np.abs(a - b)) for a, b in zip(finals["value"], finals["nnlib"])))
    if not diff < 1e-10:
        raise AssertionError(f"Value graph and nnlib reach different weights (max difference {diff:.1e})")
    machine = harness.Machine().start()
    with harness.threads(1):
        times = harness.measure(steps, rounds, pause=0.01)
    out = {"architecture": "4-8-8-2", "batch": 4, "dtype": "float64", "rounds": rounds,
           "times_ms": {c: harness.summary(t) for c, t in times.items()},
           "ratio_value_over_nnlib": harness.ratio(times, "value", "nnlib"), "weight_difference": diff,
           "machine": machine.stop().info()}
    print(f"\nscalar Value graph against nnlib's layers, 4-8-8-2 MLP, batch 4, float64, 1 thread: "
          f"{out['times_ms']['value']['median']:.3f} ms against {out['times_ms']['nnlib']['median']:.3f} ms, "
          f"{out['ratio_value_over_nnlib']['median']:.0f} times slower", flush=True)
    return out


def value_step(X, y, weights, biases, lr=bench_mlp.LR):
    from nnlib.autograd import Value

    Ws = [[[Value(w) for w in row] for row in W] for W in weights]
    bs = [[Value(v) for v in b] for b in biases]
    params = [v for W in Ws for row in W for v in row] + [v for b in bs for v in b]

    def step():
        for p in params:
            p.grad = 0.0
        total = Value(0.0)
        for xn, yn in zip(X.tolist(), y.tolist()):
            h = xn
            for i, (W, b) in enumerate(zip(Ws, bs)):
                h = [sum((h[k] * W[k][j] for k in range(len(h))), b[j]) for j in range(len(b))]
                if i < len(Ws) - 1:
                    h = [v.relu() for v in h]
            m = max(v.data for v in h)  # a constant shift for stability
            total = total + (sum((v - m).exp() for v in h).log() + m - h[yn])
        loss = total / len(X)
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
        return loss.data

    return step, lambda: [np.array([[v.data for v in row] for row in W]) for W in Ws]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="turns per contender and configuration")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--only", help="comma-separated subset of mlp,deep,block,lm,conv_rnn,kernels,scalar")
    parser.add_argument("--quick", action="store_true", help="3 rounds, no files written (a smoke test)")
    args = parser.parse_args()
    try:
        import torch  # noqa: F401
    except ImportError:
        print("PyTorch is not installed: the comparisons need it (pip install torch==2.13.0).")
        return
    rounds = 3 if args.quick else args.rounds
    thread_counts = [int(t) for t in args.threads.split(",")]
    only = set(args.only.split(",")) if args.only else set(GROUPS) | {"conv_rnn", "kernels", "scalar"}
    names = [name for group, members in GROUPS.items() if group in only for name in members]
    print(f"How fast is nnlib? Median (interquartile range) of {rounds} rounds side by side; "
          f"ratios per round; targets checked at 1 thread")
    report.print_header()
    results = {"date": datetime.date.today().isoformat(), "rounds": rounds,
               "method": harness.__doc__.split("\n\n")[0], "configs": {k: v[0] for k, v in CONFIGS.items()},
               "runs": measure_configs(names, rounds, thread_counts) if names else {}}
    if "conv_rnn" in only:
        import bench_conv_rnn

        print("\nConv2d, RNN and LSTM (benchmarks/bench_conv_rnn.py)")
        results["conv_rnn"] = bench_conv_rnn.run(rounds, thread_counts, quick=args.quick)
    if "kernels" in only:
        results["kernels"] = kernels(max(rounds // 2, 3))
    if "scalar" in only:
        results["scalar_vs_vectorized"] = scalar_vs_vectorized(max(rounds, 10))
    if args.quick:
        return
    if args.only:
        print("\n--only: a partial run, nothing written (the committed results come from one full run)")
        return
    out = HERE / "results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    report.plot(results, ROOT / "appendix" / "speed.png")
    report.write_page(results, ROOT / "appendix" / "speed.md")
    print(f"\nwrote {out.relative_to(ROOT)}, appendix/speed.png and the results block of appendix/speed.md")


if __name__ == "__main__":
    main()
