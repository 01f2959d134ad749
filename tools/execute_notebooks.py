"""Re-execute notebooks in place, top to bottom, the way nbval will check them.

Usage: python tools/execute_notebooks.py chapters/*.ipynb
Run it through `make execute`, which sets one BLAS thread. Each notebook runs in a fresh
kernel from this environment with its own folder as the working directory; outputs and
ipywidgets state are saved into the notebook. A notebook that raises is reported and left
unchanged on disk, and the script exits non-zero.
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = KERNEL
    client = NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    # Keep the saved metadata independent of the machine that ran it.
    nb.metadata.get("language_info", {}).pop("version", None)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return seconds


def main(paths):
    failed = []
    for p in map(Path, paths):
        try:
            seconds = execute(p)
            print(f"{seconds:6.1f} s  {p}")
        except CellExecutionError as err:
            failed.append(p)
            print(f"FAILED  {p}\n{err}", file=sys.stderr)
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(map(str, failed))}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
