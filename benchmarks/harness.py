"""The honest way to time nnlib against another library: shared by every benchmark.

The rules (issue 17), and why:

- **Side by side, in one process.** Every contender is timed in the same run, so a
  slower machine or a busier hour affects them alike.
- **Turns rotate.** Each round gives every contender one turn, in an order shifted by one
  from the round before: no contender always runs right after the same other one.
- **A pause before every turn** (``PAUSE`` = 0.1 s). A BLAS thread pool keeps its
  threads spinning for a while after its last call (OpenBLAS: about 0.1 s); without
  the pause, the threads of whoever ran before would take the cores from the next
  contender. A turn is then one untimed call and ``repeats`` timed calls; the turn's
  figure is the median of those calls.
- **Medians and interquartile ranges over many rounds**, never a single best or mean
  time; a ratio is computed per round (this contender's turn over the other's, both
  from the same round) and summarised the same way. At 1 thread the CPU time of each
  call is recorded too (``measure(..., cpu=True)``): it leaves out the time the OS gave
  the core to other processes, so on a shared machine it is the steadier figure (the
  wall clock stays the headline).
- **Threads are set, not assumed**: ``threads(n)`` limits NumPy's BLAS (threadpoolctl)
  and PyTorch (``torch.set_num_threads``) to ``n``; 1 and 2 threads are reported apart.
- **The load is recorded.** ``Machine`` notes the load average before and after the run
  and measures how many cores *other* processes kept busy during it (all CPU time from
  ``/proc/stat`` minus this process's own); a run where others used more than
  ``HEAVY_LOAD`` cores on average is flagged as heavily loaded.

Use: ``with threads(1): times = measure({"nnlib": f, "pytorch": g}, rounds=20)``, then
``summary(times["nnlib"])`` and ``ratio(times, "nnlib", "pytorch")``.
"""
import contextlib
import datetime
import math
import os
import platform
import statistics
import sys
import time

import numpy as np

PAUSE = 0.1  # s before every turn: longer than OpenBLAS's busy-wait after its last call
HEAVY_LOAD = 0.5  # cores kept busy by other processes, on average, above which a run is flagged


@contextlib.contextmanager
def threads(n):
    """Run the block with ``n`` threads for NumPy's BLAS and for PyTorch (if it is imported)."""
    from threadpoolctl import threadpool_limits

    torch = _torch()
    before = torch.get_num_threads() if torch else None
    with threadpool_limits(limits=n, user_api="blas"):
        if torch:
            torch.set_num_threads(n)
        try:
            yield
        finally:
            if torch:
                torch.set_num_threads(before)


def _torch():
    """The torch module if this process has imported it, else None (never imports it)."""
    return sys.modules.get("torch")


def measure(contenders, rounds, repeats=None, pause=PAUSE, turn_seconds=0.05, cpu=False):
    """Time each contender's call side by side; return ``{name: per-round times in s}``.

    Parameters
    ----------
    contenders : dict ``name -> function()``
        Each function does one unit of work (for example a forward and a backward pass).
    rounds : int
        Turns per contender; every round runs each contender once, the order rotating.
    repeats : int or None
        Timed calls per turn. None: chosen from a warm-up call so that a turn's timed
        calls last about ``turn_seconds`` (at least 3), the same for every contender.
    pause : float
        Seconds of sleep before each turn.
    cpu : bool
        Also return the CPU time of this process per call (``time.process_time``). With one
        thread it leaves out the time the OS gave the core to other processes, so it reads
        a loaded machine better than the wall clock; with more threads it adds up every
        thread's time (and spinning BLAS threads), so use it only at 1 thread.

    Returns
    -------
    times : dict ``name -> ndarray of shape (rounds,)``
        The median wall-clock time (s) of each turn's calls, in round order.
    cpu_times : dict like ``times``, only with ``cpu=True``
        The median CPU time (s) of each turn's calls.
    """
    names = list(contenders)
    slowest = 0.0
    for name in names:  # warm up: caches, allocators, thread pools; estimate the call time
        contenders[name]()
        t0 = time.perf_counter()
        contenders[name]()
        slowest = max(slowest, time.perf_counter() - t0)
    if repeats is None:
        repeats = max(3, math.ceil(turn_seconds / max(slowest, 1e-6)))
    times = {name: np.empty(rounds) for name in names}
    cpu_times = {name: np.empty(rounds) for name in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            call = contenders[name]
            time.sleep(pause)
            call()  # untimed: the first call after the pause pays for waking the threads
            wall, used = [], []
            for _ in range(repeats):
                t0, c0 = time.perf_counter(), time.process_time()
                call()
                wall.append(time.perf_counter() - t0)
                used.append(time.process_time() - c0)
            times[name][r] = statistics.median(wall)
            cpu_times[name][r] = statistics.median(used)
    return (times, cpu_times) if cpu else times


def summary(values, scale=1e3):
    """``{"median", "q1", "q3", "min", "n"}`` of ``values`` times ``scale`` (default: seconds to ms).

    The median and the quartiles are the figures to report; the minimum (the least
    disturbed turn) is kept as a hint of what a quiet machine would show.
    """
    values = np.asarray(values) * scale
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return {"median": float(med), "q1": float(q1), "q3": float(q3), "min": float(values.min()), "n": int(values.size)}


def ratio(times, a, b):
    """Per-round ratio ``times[a] / times[b]`` (both from the same round), summarised."""
    return summary(np.asarray(times[a]) / np.asarray(times[b]), scale=1)


def _cpu_jiffies():
    """``(busy, total)`` CPU ticks of the whole machine from /proc/stat, or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal (not guest)
    return total - idle, total


class Machine:
    """What the machine was doing around a benchmark: load averages and other processes' CPU use.

    ``start()`` before the measurements, ``stop()`` after; ``info()`` returns a dict with
    the CPU, core count, library versions and BLAS, ``load_average_before``/``_after``
    (1, 5, 15 min), ``others_busy_cores`` (cores used by other processes, averaged over the
    run) and ``heavily_loaded`` (True when that exceeds ``HEAVY_LOAD``).
    """

    def __init__(self):
        self.cores = os.cpu_count() or 1
        self._start = self._end = None

    def _snapshot(self):
        t = os.times()
        return {"wall": time.monotonic(), "own": t.user + t.system, "jiffies": _cpu_jiffies(),
                "load": list(os.getloadavg())}

    def start(self):
        self._start = self._snapshot()
        return self

    def stop(self):
        self._end = self._snapshot()
        return self

    def others_busy_cores(self):
        """Average number of cores other processes kept busy between start and stop, or None."""
        s, e = self._start, self._end
        if not (s and e and s["jiffies"] and e["jiffies"]):
            return None
        busy, total = (e["jiffies"][k] - s["jiffies"][k] for k in (0, 1))
        wall = e["wall"] - s["wall"]
        if total <= 0 or wall <= 0:
            return None
        all_busy = busy / total * self.cores  # cores busy on average, this process included
        own = (e["own"] - s["own"]) / wall  # this process's cores (all its threads)
        return max(0.0, all_busy - own)

    def info(self):
        others = self.others_busy_cores()
        return {
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "cpu": _cpu_name(), "cores": self.cores, "python": platform.python_version(),
            "numpy": np.__version__, "torch": getattr(_torch(), "__version__", None),
            "blas": _blas(),
            "load_average_before": self._start["load"] if self._start else None,
            "load_average_after": self._end["load"] if self._end else None,
            "others_busy_cores": others,
            "heavily_loaded": bool(others is not None and others > HEAVY_LOAD),
        }


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _blas():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["unknown (threadpoolctl not installed)"]
    return [f"{p['internal_api']} {p.get('version')} ({os.path.basename(p['filepath'])})"
            for p in threadpool_info() if p["user_api"] == "blas"]


def load_line(info):
    """One sentence on the machine's load for a printed report."""
    before, after = info["load_average_before"], info["load_average_after"]
    others = info["others_busy_cores"]
    text = (f"load average (1 min) {before[0]:.2f} before, {after[0]:.2f} after; other processes "
            f"kept {others:.2f} of {info['cores']} cores busy on average" if others is not None
            else f"load average (1 min) {before[0]:.2f} before, {after[0]:.2f} after")
    if info["heavily_loaded"]:
        text += f"  ** HEAVILY LOADED (> {HEAVY_LOAD} cores used by others): treat the ratios with care **"
    return text
