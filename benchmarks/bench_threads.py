"""Twice the cores, half the time? nnlib's speed-up from 1 to 2 BLAS threads (Chapter 10).

Measured with ``benchmarks/harness.py``: the same work at 1 and at 2 threads, side by side
in one process, the thread count alternating from round to round (1 then 2, then 2 then 1),
a pause before every turn, medians and interquartile ranges over rounds, and the speed-up
computed per round (time at 1 thread over time at 2 threads, both from the same round).

Workloads (float64, nnlib's default):

- ``matmul``: ``A @ B`` for square matrices of side n = 16 ... 1024 (2 n^3 FLOPs each).
- ``steps``: one training step (``zero_grad``, forward, loss, backward without the input
  gradient, ``Adam.step``) of an nnlib ``Sequential``: the 784-256-256-10 MLP of the speed
  appendix at batch 256 (cross-entropy), and a small 8-64-64-1 MLP at batch 64 (squared
  error), the size of Chapter 10's scaling-law models. For each step, the matrix products it
  performs are also timed alone at 1 thread (the same shapes), which gives the share of the
  step's time spent in BLAS: a second, independent estimate of the part that threads can
  speed up.

At 2 threads the CPU time of each call over its wall-clock time is recorded too
(``cpu_per_wall_2_threads``): about 1 when the library kept the work on one thread, up to 2
when both threads computed (or spun while waiting).

**A shared machine.** Two threads can only be faster than one when the second core is free.
When another process keeps it busy, OpenBLAS's second thread waits for its turn on that
core and a 2-thread product can be many times *slower* than a 1-thread one. So every round
records how many cores other processes kept busy during it (``harness.Machine``), and the
speed-ups are summarised twice: over all rounds, and over the *quiet* rounds, in which
other processes used less than ``QUIET`` cores on average. Both go into the results file.

Writes ``nnlib/course/measurements/threads.json`` (read and plotted by chapters/10_scale.ipynb;
shipped with ``nnlib.course``, so the lesson finds it wherever nnlib is installed, Colab too).
Usage: python benchmarks/bench_threads.py [--rounds 60] [--quick]
(--quick: 3 rounds and two matrix sizes, nothing written: a smoke test.)
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import harness  # noqa: E402
import nnlib  # noqa: E402

SIZES = (16, 32, 64, 128, 256, 512, 1024)
QUIET = 0.25  # cores used by other processes, on average, below which a round counts as quiet
STEPS = {  # name -> (layer widths, batch, loss)
    "mlp 784-256-256-10, batch 256": ((784, 256, 256, 10), 256, "cross-entropy"),
    "mlp 8-64-64-1, batch 64": ((8, 64, 64, 1), 64, "mse"),
}


def matmul_work(n, seed=0):
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    return lambda: A @ B


def step_work(widths, batch, loss, seed=0):
    """One Adam training step of an nnlib MLP, and the matrix products that step performs."""
    rng = np.random.default_rng(seed)
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nnlib.Linear(a, b, rng=rng))
        if i < len(widths) - 2:
            layers.append(nnlib.ReLU())
    model = nnlib.Sequential(*layers)
    X = rng.standard_normal((batch, widths[0]))
    if loss == "mse":
        loss_fn, y = nnlib.MSELoss(), rng.standard_normal((batch, widths[-1]))
    else:
        loss_fn, y = nnlib.CrossEntropyLoss(), rng.integers(0, widths[-1], size=batch)
    opt = nnlib.Adam(model.parameters(), lr=1e-4)

    def step():
        opt.zero_grad()
        loss_fn(model(X), y)
        model.backward(loss_fn.backward(), input_grad=False)
        opt.step()

    # the products of that step: L forward (a W), L backward for dW (a^T g), L - 1 for the
    # gradient of the layer input (g W^T); the first layer needs no input gradient
    Ws = [layer.W.data for layer in model if isinstance(layer, nnlib.Linear)]
    acts = [X] + [rng.standard_normal((batch, W.shape[1])) for W in Ws]
    outs_f = [np.empty((batch, W.shape[1])) for W in Ws]
    outs_w = [np.empty_like(W) for W in Ws]
    outs_x = [np.empty((batch, W.shape[0])) for W in Ws]

    def gemms():
        for i, W in enumerate(Ws):
            np.matmul(acts[i], W, out=outs_f[i])
        for i in range(len(Ws) - 1, -1, -1):
            np.matmul(acts[i].T, acts[i + 1], out=outs_w[i])
            if i > 0:
                np.matmul(acts[i + 1], Ws[i].T, out=outs_x[i])

    return step, gemms


def repeats_for(work, seconds=0.05):
    """Timed calls per turn so that a turn lasts about ``seconds`` at 1 thread (at least 3)."""
    with harness.threads(1):
        work()
        times = harness.measure({"w": work}, rounds=1, repeats=3, pause=0)["w"]
    return max(3, int(np.ceil(seconds / max(times[0], 1e-7))))


def one_vs_two(work, rounds):
    """Per-round times (s) at 1 and at 2 threads, the order alternating between rounds.

    Also returns, per round, the cores other processes kept busy meanwhile (``others``).
    """
    reps = repeats_for(work)
    times = {1: np.empty(rounds), 2: np.empty(rounds), "others": np.empty(rounds), "cpu2": np.empty(rounds)}
    for r in range(rounds):
        machine = harness.Machine().start()
        for n in ((1, 2) if r % 2 == 0 else (2, 1)):
            with harness.threads(n):
                wall, cpu = harness.measure({"w": work}, rounds=1, repeats=reps, cpu=True)
            times[n][r] = wall["w"][0]
            if n == 2:  # CPU time over wall time at 2 threads: about 1 when one thread did the work
                times["cpu2"][r] = cpu["w"][0] / wall["w"][0]
        others = machine.stop().others_busy_cores()
        times["others"][r] = np.nan if others is None else others
    return times


def entry(times):
    speedup = times[1] / times[2]
    quiet = times["others"] < QUIET
    e = {"t1_ms": harness.summary(times[1]), "t2_ms": harness.summary(times[2]),
         "speedup": harness.summary(speedup, scale=1),
         "quiet_rounds": int(quiet.sum()),
         "speedup_quiet": harness.summary(speedup[quiet], scale=1) if quiet.sum() >= 3 else None,
         "cpu_per_wall_2_threads": harness.summary(times["cpu2"], scale=1),
         "speedup_per_round": [float(v) for v in speedup],
         "others_busy_per_round": [float(v) for v in times["others"]]}
    return e


def quiet_line(e):
    q = e["speedup_quiet"]
    return (f"{e['quiet_rounds']} quiet rounds" + (f", speed-up {q['median']:.2f} [{q['q1']:.2f}, {q['q3']:.2f}]"
                                                   if q else ""))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else args.rounds
    sizes = (64, 256) if args.quick else SIZES

    machine = harness.Machine().start()
    results = {"rounds": rounds, "dtype": "float64", "quiet_below_cores": QUIET, "matmul": [], "steps": []}
    for n in sizes:
        e = {"n": n, "flops": 2 * n ** 3, **entry(one_vs_two(matmul_work(n), rounds))}
        results["matmul"].append(e)
        print(f"matmul n={n:5d}: {e['t1_ms']['median']:9.4f} ms at 1 thread, "
              f"{e['t2_ms']['median']:9.4f} ms at 2, speed-up {e['speedup']['median']:.2f} "
              f"[{e['speedup']['q1']:.2f}, {e['speedup']['q3']:.2f}]; {quiet_line(e)}")
    for name, (widths, batch, loss) in STEPS.items():
        step, gemms = step_work(widths, batch, loss)
        e = {"name": name, "widths": list(widths), "batch": batch, "loss": loss,
             **entry(one_vs_two(step, rounds))}
        with harness.threads(1):  # the step's products alone, side by side with the step
            t = harness.measure({"step": step, "gemms": gemms}, rounds=rounds)
        e["blas_share_1_thread"] = harness.summary(t["gemms"] / t["step"], scale=1)
        results["steps"].append(e)
        print(f"{name}: {e['t1_ms']['median']:.3f} ms at 1 thread, {e['t2_ms']['median']:.3f} ms "
              f"at 2, speed-up {e['speedup']['median']:.2f}; {quiet_line(e)}; matrix products "
              f"{e['blas_share_1_thread']['median']:.0%} of the 1-thread step")
    results["machine"] = machine.stop().info()
    print(harness.load_line(results["machine"]))
    if not args.quick:
        out = HERE.parent / "nnlib" / "course" / "measurements" / "threads.json"
        out.write_text(json.dumps(results, indent=1) + "\n")
        print("wrote", out)


if __name__ == "__main__":
    main()
