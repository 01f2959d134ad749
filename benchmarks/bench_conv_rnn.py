"""Conv2d, RNN and LSTM: nnlib against PyTorch on the CPU, forward + backward, float32.

What is timed (the configurations of issue 14), one call = one forward and one backward pass:

- conv (a): ``Conv2d(1, 16, 3, padding=1) -> ReLU -> Conv2d(16, 32, 3, padding=1)`` on a
  batch of N=256 images 1x8x8 (digits-sized); conv (b): the same stack 1 -> 32 -> 64 on
  N=64 images 28x28. The backward pass starts from a fixed random gradient of the output,
  fills every weight and bias gradient and the gradient between the two layers, and skips
  the gradient of the input images (data needs none: nnlib ``input_grad=False``, PyTorch an
  input without ``requires_grad``). Gradients are reset before every call in both.
- rnn / lstm: one ``RNN(64, 64)`` / ``LSTM(64, 64)`` layer (PyTorch ``nn.RNN`` / ``nn.LSTM``,
  ``batch_first=True``) on B=32 sequences of T=50 steps of D=64 features, all hidden states
  returned, backward from a fixed random gradient of all of them, input gradient included.
- naive: conv (a)'s stack written as Python loops over every image, output channel and
  output position, each window's sum of products done by NumPy (the loops Chapter 7 starts
  from; backward likewise), on a reduced batch, side by side with nnlib on the same batch. Its time grows linearly with N (every image runs the same loop
  body), so it is also scaled to N=256, and the per-image times at two batch sizes are
  printed to show that.

Both libraries get identical weights and inputs, and their outputs and gradients are
compared before any timing (so the benchmark cannot compare different work). The timing
method is ``benchmarks/harness.py``'s: side by side in one process, turns rotating, a
pause before each turn, medians and interquartile ranges over rounds, 1 and 2 threads
reported apart, and the machine's load recorded (a heavily loaded run is flagged). At 1
thread the ratio of CPU times is printed too: it leaves out the time other processes had
the core, so it is the steadier figure on a shared machine (the wall-clock ratio is the
one the targets are judged on).

Usage: python benchmarks/bench_conv_rnn.py [--rounds 20] [--threads 1,2] [--json PATH]
       [--only conv_a,conv_b,rnn,lstm,naive] [--quick]
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

import harness  # noqa: E402
from nnlib.activations import ReLU  # noqa: E402
from nnlib.conv import Conv2d  # noqa: E402
from nnlib.module import Sequential  # noqa: E402
from nnlib.recurrent import LSTM, RNN  # noqa: E402

DTYPE = np.float32
CONV = {"conv_a": dict(N=256, channels=(1, 16, 32), size=8), "conv_b": dict(N=64, channels=(1, 32, 64), size=28)}
SEQ = dict(B=32, T=50, D=64, H=64)
TARGETS = {"conv_a": 2.0, "conv_b": 2.0, "rnn": 2.5, "lstm": 2.5}  # nnlib / PyTorch at 1 thread
LABELS = {"conv_a": "conv (a) N=256, 1-16-32, 8x8", "conv_b": "conv (b) N=64, 1-32-64, 28x28",
          "rnn": "RNN  B=32, T=50, D=H=64", "lstm": "LSTM B=32, T=50, D=H=64"}
NAIVE_BATCHES = (2, 4)  # the naive loops run on these batch sizes; the larger is timed side by side


# -- the contenders ---------------------------------------------------------------------
def conv_problem(N, channels, size, seed=0):
    rng = np.random.default_rng(seed)
    c0, c1, c2 = channels
    model = Sequential(Conv2d(c0, c1, 3, padding=1, rng=seed, dtype=DTYPE), ReLU(),
                       Conv2d(c1, c2, 3, padding=1, rng=seed + 1, dtype=DTYPE))
    for conv in (model[0], model[2]):  # nonzero biases, so that their gradients are compared
        conv.b.data[...] = rng.uniform(-0.1, 0.1, conv.b.data.shape)
    x = rng.standard_normal((N, c0, size, size)).astype(DTYPE)
    G = rng.standard_normal((N, c2, size, size)).astype(DTYPE)
    return model, x, G


def nnlib_conv_step(model, x, G):
    def step():
        model.zero_grad()
        model(x)
        model.backward(G, input_grad=False)
    return step


def torch_conv_step(model, x, G, torch):
    """PyTorch's twin of ``model``: the same (C_out, C_in, kH, kW) kernels, copied as they are."""
    nn = torch.nn
    convs = [model[0], model[2]]
    net = nn.Sequential(*(nn.Conv2d(convs[0].in_channels, convs[0].out_channels, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(convs[1].in_channels, convs[1].out_channels, 3, padding=1)))
    with torch.no_grad():
        for t_conv, n_conv in zip((net[0], net[2]), convs):
            t_conv.weight.copy_(torch.from_numpy(n_conv.W.data))
            t_conv.bias.copy_(torch.from_numpy(n_conv.b.data))
    xt, Gt = torch.from_numpy(x), torch.from_numpy(G)
    state = {}

    def step():
        for p in net.parameters():
            p.grad = None
        state["out"] = out = net(xt)
        out.backward(Gt)

    grads = lambda: [g for c in (net[0], net[2]) for g in (c.weight.grad.numpy(), c.bias.grad.numpy())]  # noqa: E731
    return step, state, grads


def seq_problem(cls, seed=0):
    rng = np.random.default_rng(seed)
    B, T, D, H = SEQ["B"], SEQ["T"], SEQ["D"], SEQ["H"]
    layer = cls(D, H, rng=seed, dtype=DTYPE)
    x = rng.standard_normal((B, T, D)).astype(DTYPE)
    G = rng.standard_normal((B, T, H)).astype(DTYPE)
    return layer, x, G


def nnlib_seq_step(layer, x, G):
    state = {}

    def step():
        layer.zero_grad()
        layer(x)
        state["dx"] = layer.backward(G)
    return step, state


def torch_seq_step(layer, x, G, torch):
    """``nn.RNN``/``nn.LSTM`` with nnlib's weights: weight_ih = W_x.T, weight_hh = W_h.T, biases summing to b."""
    cls = torch.nn.RNN if isinstance(layer, RNN) else torch.nn.LSTM
    net = cls(layer.input_size, layer.hidden_size, batch_first=True)
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(layer.W_x.data.T.copy()))
        net.weight_hh_l0.copy_(torch.from_numpy(layer.W_h.data.T.copy()))
        net.bias_ih_l0.copy_(torch.from_numpy(layer.b.data))
        net.bias_hh_l0.zero_()
    xt = torch.from_numpy(x).requires_grad_(True)
    Gt = torch.from_numpy(G)
    state = {}

    def step():
        for p in net.parameters():
            p.grad = None
        xt.grad = None
        state["out"] = out = net(xt)[0]
        out.backward(Gt)

    grads = lambda: [net.weight_ih_l0.grad.numpy().T, net.weight_hh_l0.grad.numpy().T,  # noqa: E731
                     net.bias_ih_l0.grad.numpy(), xt.grad.numpy()]
    return step, state, grads


# -- the naive loops (Chapter 7's starting point) --------------------------------------------
def naive_conv(xp, W, b):
    """Stride-1 correlation of an already padded batch, one output value at a time."""
    N, _, Hp, Wp = xp.shape
    C_out, _, kH, kW = W.shape
    out = np.empty((N, C_out, Hp - kH + 1, Wp - kW + 1), dtype=xp.dtype)
    for n in range(N):
        for o in range(C_out):
            for y in range(out.shape[2]):
                for x in range(out.shape[3]):
                    out[n, o, y, x] = np.sum(xp[n, :, y:y + kH, x:x + kW] * W[o]) + b[o]
    return out


def naive_conv_backward(dout, xp, W, input_grad):
    """dW, db and (optionally) the gradient of the padded input, one output value at a time."""
    C_out, _, kH, kW = W.shape
    dW, dxp = np.zeros_like(W), np.zeros_like(xp)
    for n in range(dout.shape[0]):
        for o in range(C_out):
            for y in range(dout.shape[2]):
                for x in range(dout.shape[3]):
                    g = dout[n, o, y, x]
                    dW[o] += g * xp[n, :, y:y + kH, x:x + kW]
                    if input_grad:
                        dxp[n, :, y:y + kH, x:x + kW] += g * W[o]
    return dW, dout.sum(axis=(0, 2, 3)), dxp


def naive_step(model, x, G):
    """Conv (a)'s stack, forward and backward, with the loops above (padding 1)."""
    (W1, b1), (W2, b2) = ((c.W.data, c.b.data) for c in (model[0], model[2]))
    pad = ((0, 0), (0, 0), (1, 1), (1, 1))
    result = {}

    def step():
        xp = np.pad(x, pad)
        h = np.maximum(naive_conv(xp, W1, b1), 0)
        hp = np.pad(h, pad)
        naive_conv(hp, W2, b2)
        dW2, db2, dhp = naive_conv_backward(G, hp, W2, input_grad=True)
        dh = dhp[:, :, 1:-1, 1:-1] * (h > 0)
        dW1, db1, _ = naive_conv_backward(dh, xp, W1, input_grad=False)
        result["grads"] = [dW1, db1, dW2, db2]
    return step, result


# -- checks before timing ---------------------------------------------------------------
def normwise(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def check_agreement(name, ours, theirs, tol=1e-4):
    """Largest normwise difference over the arrays; a different computation raises."""
    err = max(normwise(a, b) for a, b in zip(ours, theirs))
    if not err < tol:
        raise AssertionError(f"{name}: nnlib and the other contender disagree (normwise error {err:.1e}): "
                             "the benchmark would time different work")
    return err


# -- running ------------------------------------------------------------------------------
def run(rounds, thread_counts, quick=False, only=None):
    import torch

    results = {"what": __doc__, "method": harness.__doc__,
               "dtype": "float32", "rounds": rounds,
               "configs": {k: LABELS[k] for k in LABELS}, "targets_at_1_thread": TARGETS, "runs": {}}
    problems = {}
    for key, cfg in CONV.items():
        if only and key not in only:
            continue
        model, x, G = conv_problem(**cfg)
        step = nnlib_conv_step(model, x, G)
        t_step, t_state, t_grads = torch_conv_step(model, x, G, torch)
        step(), t_step()
        ours = [model(x)] + [p.grad for c in (model[0], model[2]) for p in (c.W, c.b)]
        theirs = [t_state["out"].detach().numpy()] + t_grads()
        problems[key] = ({"nnlib": step, "pytorch": t_step}, check_agreement(key, ours, theirs))
    for key, cls in (("rnn", RNN), ("lstm", LSTM)):
        if only and key not in only:
            continue
        layer, x, G = seq_problem(cls)
        step, state = nnlib_seq_step(layer, x, G)
        t_step, t_state, t_grads = torch_seq_step(layer, x, G, torch)
        step(), t_step()
        ours = [layer(x), layer.W_x.grad, layer.W_h.grad, layer.b.grad, state["dx"]]
        theirs = [t_state["out"].detach().numpy()] + t_grads()
        problems[key] = ({"nnlib": step, "pytorch": t_step}, check_agreement(key, ours, theirs))

    naive = {}
    if not only or "naive" in only:
        for N in NAIVE_BATCHES:
            model, x, G = conv_problem(**{**CONV["conv_a"], "N": N})
            step, result = naive_step(model, x, G)
            step()
            model(x)
            model.backward(G, input_grad=False)
            ref = [p.grad for c in (model[0], model[2]) for p in (c.W, c.b)]
            check_agreement(f"naive N={N}", result["grads"], ref)
            naive[N] = (step, nnlib_conv_step(model, x, G))

    for n in thread_counts:
        machine = harness.Machine().start()
        run_ = {}
        with harness.threads(n):
            for key, (contenders, agreement) in problems.items():
                if n == 1:  # one thread: the CPU time of each call is meaningful too
                    times, cpu = harness.measure(contenders, rounds, cpu=True)
                else:
                    times, cpu = harness.measure(contenders, rounds), None
                run_[key] = {name: harness.summary(t) for name, t in times.items()}
                run_[key]["ratio"] = harness.ratio(times, "nnlib", "pytorch")
                if cpu:
                    run_[key]["cpu_ms"] = {name: harness.summary(t) for name, t in cpu.items()}
                    run_[key]["cpu_ratio"] = harness.ratio(cpu, "nnlib", "pytorch")
                run_[key]["agreement"] = agreement
                print_row(n, key, run_[key])
            if naive:
                run_["naive"] = measure_naive(naive, 3 if quick else 5)
                print_naive(n, run_["naive"], run_.get("conv_a", {}).get("nnlib"))
        run_["machine"] = machine.stop().info()
        print(f"  {n} thread(s): {harness.load_line(run_['machine'])}")
        results["runs"][str(n)] = run_
    return results


def measure_naive(naive, rounds):
    """The loops against nnlib on the same small batches; per-image times at each batch size."""
    per_image, result = {}, {}
    for N, (slow, fast) in naive.items():
        times = harness.measure({"naive": slow, "nnlib": fast}, rounds, repeats=1)
        per_image[str(N)] = harness.summary(times["naive"] / N)
        result = {"batch": N, "naive": harness.summary(times["naive"]), "nnlib": harness.summary(times["nnlib"]),
                  "ratio_naive_over_nnlib": harness.ratio(times, "naive", "nnlib")}
    result["per_image_ms"] = per_image
    result["naive_scaled_to_256_ms"] = per_image[str(result["batch"])]["median"] * CONV["conv_a"]["N"]
    return result


def print_summary(results):
    """The ratios side by side: one row per configuration, one column per thread count."""
    runs = results["runs"]
    print("\nnnlib / PyTorch time, median (interquartile range) of the per-round ratios")
    print(f"{'configuration':<31} {'target':>7}" + "".join(f" {n + ' thread(s)':>24}" for n in runs)
          + f" {'1 thread, CPU time':>24}")
    for key in LABELS:
        if all(key in r for r in runs.values()):
            cells = "".join(f" {fmt(r[key]['ratio'], ''):>24}" for r in runs.values())
            cpu = runs.get("1", {}).get(key, {}).get("cpu_ratio")
            cells += f" {fmt(cpu, ''):>24}" if cpu else ""
            print(f"{LABELS[key]:<31} {'<= ' + format(TARGETS[key], '.1f'):>7}{cells}")
    for n, r in runs.items():
        print(f"{n} thread(s): {harness.load_line(r['machine'])}")


def fmt(s, unit=" ms"):
    return f"{s['median']:8.2f}{unit} ({s['q1']:.2f}-{s['q3']:.2f})"


def print_row(n, key, r):
    ok = "" if n != 1 else ("ok" if r["ratio"]["median"] <= TARGETS[key] else "MISSED")
    cpu = f"   CPU time: {fmt(r['cpu_ratio'], '')}" if "cpu_ratio" in r else ""
    print(f"{n:>3}  {LABELS[key]:<31} {fmt(r['nnlib']):>28} {fmt(r['pytorch']):>28} "
          f"{fmt(r['ratio'], ''):>22}  <= {TARGETS[key]:.1f} {ok:<6}{cpu}", flush=True)


def print_naive(n, r, nnlib_256):
    N = r["batch"]
    per = ", ".join(f"N={k}: {v['median']:.1f} ms" for k, v in r["per_image_ms"].items())
    print(f"{n:>3}  naive loops, conv (a) at N={N}: {fmt(r['naive'])}, nnlib on the same batch "
          f"{fmt(r['nnlib'])}: {r['ratio_naive_over_nnlib']['median']:.0f}x slower")
    print(f"     naive per image ({per}) x 256 = {r['naive_scaled_to_256_ms'] / 1e3:.1f} s for N=256, "
          + (f"against nnlib's {nnlib_256['median']:.1f} ms" if nnlib_256 else ""), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="turns per contender and configuration")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts, e.g. 1,2")
    parser.add_argument("--json", metavar="PATH", help="also write the results to this JSON file")
    parser.add_argument("--quick", action="store_true", help="5 rounds (a smoke test, not a measurement)")
    parser.add_argument("--only", help="comma-separated subset of conv_a,conv_b,rnn,lstm,naive")
    args = parser.parse_args()
    try:
        import torch  # noqa: F401
    except ImportError:
        print("PyTorch is not installed: nothing to compare against (pip install torch==2.13.0).")
        return
    rounds = 5 if args.quick else args.rounds
    thread_counts = [int(t) for t in args.threads.split(",")]
    print(f"nnlib / PyTorch, forward + backward, float32; median (interquartile range) of {rounds} "
          "rounds side by side")
    print(f"{'thr':>3}  {'configuration':<31} {'nnlib':>28} {'PyTorch':>28} {'nnlib / PyTorch':>22}  target")
    only = set(args.only.split(",")) if args.only else None
    results = run(rounds, thread_counts, quick=args.quick, only=only)
    print_summary(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
