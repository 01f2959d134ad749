"""Printing, plotting and the appendix page for ``benchmarks/run.py`` (all from the results dict it builds)."""
import numpy as np

LABELS = {"nnlib/pytorch": "nnlib / PyTorch", "nnlib/gemms": "nnlib / its GEMMs alone",
          "nnlib/numpy": "nnlib / hand-written NumPy", "numpy/gemms": "hand-written NumPy / the same GEMMs",
          "gemms/pytorch": "nnlib's GEMMs alone / PyTorch's whole step"}
CONV_LABELS = {"conv_a": "Conv2d stack (a) N=256, 1-16-32, 8x8", "conv_b": "Conv2d stack (b) N=64, 1-32-64, 28x28",
               "rnn": "RNN B=32, T=50, D=H=64", "lstm": "LSTM B=32, T=50, D=H=64"}


def fmt(s, digits=2):
    return f"{s['median']:.{digits}f} ({s['q1']:.{digits}f}-{s['q3']:.{digits}f})"


def print_header():
    print(f"{'thr':>3}  {'configuration':<30} {'contenders: median ms (IQR)':<62} ratio median (IQR)  target")


def print_row(n, name, what, r):
    times = "  ".join(f"{c} {fmt(s)}" for c, s in r["times_ms"].items())
    first = True
    for key, ratio in r["ratios"].items():
        target = ratio["target"]
        verdict = "" if target is None else (f"<= {target:.1f} " + ("ok" if ratio["median"] <= target else "MISSED"))
        cpu = f"  (CPU time: {fmt(ratio['cpu'], 3)})" if "cpu" in ratio else ""
        print(f"{n:>3}  {what if first else '':<30} {times if first else '':<62} "
              f"{key:<14} {fmt(ratio, 3):<22} {verdict}{cpu}", flush=True)
        first = False
    if "overhead_per_layer_us" in r:
        print(f"{'':>3}  {'':<30} nnlib's overhead per layer over the hand-written step: "
              f"{fmt(r['overhead_per_layer_us'], 1)} us", flush=True)


def _ratio_rows(results):
    """``[(label, {threads: ratio summary}, {threads: target})]`` in page order."""
    rows = []
    runs = results.get("runs", {})
    for name, what in results["configs"].items():
        keys = next((run["results"][name]["ratios"].keys() for run in runs.values() if name in run["results"]), [])
        for key in keys:
            per = {n: run["results"][name]["ratios"][key] for n, run in runs.items() if name in run["results"]}
            rows.append((f"{what}: {LABELS.get(key, key)}", per, {n: r["target"] for n, r in per.items()}))
    conv = results.get("conv_rnn")
    if conv:
        for key, label in CONV_LABELS.items():
            per = {n: {**run[key]["ratio"], **({"cpu": run[key]["cpu_ratio"]} if "cpu_ratio" in run[key] else {})}
                   for n, run in conv["runs"].items() if key in run}
            target = conv["targets_at_1_thread"].get(key)
            rows.append((f"{label}: nnlib / PyTorch", per, {n: (target if n == "1" else None) for n in per}))
    return rows


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = _ratio_rows(results)
    fig, ax = plt.subplots(figsize=(11, 0.42 * len(rows) + 1.6))
    y = np.arange(len(rows))[::-1]
    for (label, per, targets), yi in zip(rows, y):
        for n, offset, style in (("1", 0.12, dict(color="tab:blue", marker="o")),
                                 ("2", -0.12, dict(color="tab:orange", marker="s", mfc="white"))):
            if n in per:
                r = per[n]
                ax.errorbar(r["median"], yi + offset, xerr=[[r["median"] - r["q1"]], [r["q3"] - r["median"]]],
                            capsize=2, lw=1, ls="none", **style)
            if targets.get(n) is not None:
                ax.plot([targets[n]] * 2, [yi + offset - 0.16, yi + offset + 0.16], color=style["color"], lw=2.2)
    ax.axvline(1.0, color="0.6", lw=0.8, ls=":")
    ax.set_yticks(y, [r[0] for r in rows], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("time ratio, median per round\n(whiskers: interquartile range; short bars: targets)", fontsize=9)
    ax.set_title(f"nnlib against PyTorch, its own GEMMs and hand-written NumPy\n(measured {results['date']})", fontsize=10)
    ax.errorbar([], [], color="tab:blue", marker="o", ls="none", label="1 thread")
    ax.errorbar([], [], color="tab:orange", marker="s", mfc="white", ls="none", label="2 threads")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def _machine_lines(results):
    lines = []
    for n, run in results.get("runs", {}).items():
        m = run["machine"]
        before, after = m["load_average_before"], m["load_average_after"]
        others = m["others_busy_cores"]
        text = (f"- {n} thread{'s' if n != '1' else ''}: load average (1, 5, 15 min) "
                f"{', '.join(f'{v:.2f}' for v in before)} before and {', '.join(f'{v:.2f}' for v in after)} after; "
                + (f"other processes kept {others:.2f} of {m['cores']} cores busy on average" if others is not None
                   else "other processes' use unknown"))
        if m["heavily_loaded"]:
            text += " (**heavily loaded**: treat these ratios with care)"
        lines.append(text + ".")
    return lines


def write_page(results, page):
    """Replace the block between the results markers of the appendix page with these figures."""
    m = next(iter(results["runs"].values()))["machine"]
    lines = [f"Measured on {results['date']} on a shared virtual machine: {m['cpu']}, {m['cores']} cores; "
             f"Python {m['python']}, NumPy {m['numpy']} ({'; '.join(m['blas'])}), PyTorch {m['torch']}. "
             f"{results['rounds']} rounds per configuration, every contender once per round "
             f"(the method above). Load while measuring:", ""]
    lines += _machine_lines(results) + ["", "| what | ratio at 1 thread | target | 1 thread, CPU time | "
                                         "ratio at 2 threads | target |", "| --- | ---: | :---: | ---: | ---: | :---: |"]
    for label, per, targets in _ratio_rows(results):
        cells = []
        for n in ("1", "2"):
            r, t = per.get(n), targets.get(n)
            verdict = "" if t is None or r is None else (" met" if r["median"] <= t else " **missed**")
            cells += [fmt(r) if r else "", f"<= {t:.1f}{verdict}" if t is not None else ""]
            if n == "1":
                cells.append(fmt(r["cpu"]) if r and "cpu" in r else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "Ratios are medians over the rounds of the per-round ratio, with the interquartile range "
              "in parentheses; targets are checked on the wall-clock ratio. The CPU-time ratio (1 thread only) "
              "leaves out the time the OS gave the core to other processes, so on a loaded machine it is the "
              "steadier figure. The wall-clock times themselves (ms, median and interquartile range):", "",
              "| configuration | contender | 1 thread | 2 threads |", "| --- | --- | ---: | ---: |"]
    runs = results["runs"]
    for name, what in results["configs"].items():
        contenders = next((run["results"][name]["times_ms"] for run in runs.values() if name in run["results"]), {})
        for c in contenders:
            cells = [fmt(runs[n]["results"][name]["times_ms"][c]) if n in runs and name in runs[n]["results"] else ""
                     for n in ("1", "2")]
            lines.append(f"| {what} | {c} | {cells[0]} | {cells[1]} |")
    deep = [(results["configs"][k], runs["1"]["results"][k]["overhead_per_layer_us"]) for k in ("deep64", "deep32")
            if "1" in runs and k in runs["1"]["results"]]
    if deep:
        lines += ["", "nnlib's cost per layer over the hand-written step at 1 thread: "
                  + "; ".join(f"{what}: {fmt(s, 1)} µs" for what, s in deep) + "."]
    kern = results.get("kernels")
    if kern:
        lines += ["", f"What each fast path buys at 1 thread ({kern['rounds']} rounds, float32, B=16; small: T=64, "
                  "C=128, 4 heads; large: T=256, C=256, 8 heads): the readable whole-array formula against the "
                  "fused kernel the layers call, which gives the same numbers.", "",
                  "| kernel | shape | readable (ms) | fused (ms) | fused / readable | same, CPU time |",
                  "| --- | --- | ---: | ---: | ---: | ---: |"]
        for r in kern["rows"]:
            t = r["times_ms"]
            lines.append(f"| {r['kernel']} | {r['shape']} | {fmt(t['readable'])} | {fmt(t['fused'])} | "
                         f"{fmt(r['ratio_fused_over_readable'])} | {fmt(r['cpu_ratio_fused_over_readable'])} |")
    sv = results.get("scalar_vs_vectorized")
    if sv:
        t = sv["times_ms"]
        lines += ["", f"Scalars against arrays ({sv['architecture']} MLP, batch {sv['batch']}, {sv['dtype']}, 1 thread, "
                  f"{sv['rounds']} rounds): the `Value` graph takes {fmt(t['value'], 3)} ms per step, nnlib's "
                  f"layers {fmt(t['nnlib'], 3)} ms: {sv['ratio_value_over_nnlib']['median']:.0f} times slower."]
    start, end = "<!-- results:start", "<!-- results:end -->"
    text = page.read_text()
    a = text.index("\n", text.index(start)) + 1
    b = text.index(end)
    page.write_text(text[:a] + "\n".join(lines) + "\n" + text[b:])
