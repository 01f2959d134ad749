"""Print the closing summary of `make test`: each stage's counts and the notebooks' times.

Usage: python tools/test_summary.py _build/test-results
Reads the JUnit XML files that each pytest stage wrote and notebook-times.json.
"""
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

STAGES = [("unit.xml", "nnlib and notebook-structure tests"),
          ("nbval.xml", "nbval: every notebook re-run and compared"),
          ("browser.xml", "browser: every page in headless Chromium")]


def counts(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
    passed = total["tests"] - total["failures"] - total["errors"] - total["skipped"]
    return passed, total["failures"] + total["errors"], total["skipped"]


def main(results_dir):
    results = Path(results_dir)
    print("\n" + "=" * 72 + "\nmake test: summary\n" + "=" * 72)
    all_passed = all_failed = all_skipped = 0
    for filename, title in STAGES:
        path = results / filename
        if not path.exists():
            print(f"  {title}: NOT RUN")
            all_failed += 1
            continue
        passed, failed, skipped = counts(path)
        all_passed, all_failed, all_skipped = all_passed + passed, all_failed + failed, all_skipped + skipped
        note = f", {skipped} skipped" if skipped else ""
        print(f"  {title}: {passed} passed, {failed} failed{note}")
        if filename == "browser.xml" and skipped:
            print("  !!! THE BROWSER TEST WAS SKIPPED: install Chromium (apt-get install -y chromium) to run it !!!")
    times = results / "notebook-times.json"
    if times.exists():
        seconds = json.loads(times.read_text())
        slowest = max(seconds, key=seconds.get)
        print(f"  notebooks: {len(seconds)} executed in {sum(seconds.values()):.1f} s in total "
              f"(slowest: {slowest}, {seconds[slowest]:.1f} s)")
    print(f"{all_passed} passed, {all_failed} failed, {all_skipped} skipped")
    return 1 if all_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "_build/test-results"))
