"""pytest configuration shared by nnlib's tests and by nbval's notebook runs.

- nbval compares every text output of every cell, except stderr: warnings from third-party
  packages may differ between machines, and stderr is never part of a lesson.
- The time each notebook takes to execute is summed from nbval's cell reports, printed at the
  end of the run and saved to _build/test-results/notebook-times.json (make test prints the
  total again at its very end).
"""
import json
import os
from collections import defaultdict

_notebook_seconds = defaultdict(float)


def pytest_collectstart(collector):
    # nbval's notebook collector keeps the output keys it will not compare in skip_compare.
    if hasattr(collector, "skip_compare") and "stderr" not in collector.skip_compare:
        collector.skip_compare = tuple(collector.skip_compare) + ("stderr",)


def pytest_runtest_logreport(report):
    path, sep, _ = report.nodeid.partition(".ipynb::")
    if sep:
        _notebook_seconds[path + ".ipynb"] += report.duration  # setup, call and teardown


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    tr = terminalreporter
    tr.section("notebook execution time")
    for name, seconds in sorted(_notebook_seconds.items()):
        tr.write_line(f"{seconds:7.1f} s  {name}")
    total = sum(_notebook_seconds.values())
    tr.write_line(f"{total:7.1f} s  in total for {len(_notebook_seconds)} notebooks")
    os.makedirs("_build/test-results", exist_ok=True)
    with open("_build/test-results/notebook-times.json", "w") as f:
        json.dump(dict(sorted(_notebook_seconds.items())), f, indent=1)
