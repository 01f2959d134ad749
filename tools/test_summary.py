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
# make test runs the first two stages in one session, into checks.xml: nbval's test cases are
# the ones whose class is a notebook (classname "chapters.NN_x.ipynb").
COMBINED = "checks.xml"


def is_notebook_case(case):
    return case.get("classname", "").endswith(".ipynb")


def counts(path, select=lambda case: True):
    """(passed, failed, skipped) over the selected test cases of a JUnit XML file."""
    passed = failed = skipped = 0
    for case in ET.parse(path).getroot().iter("testcase"):
        if not select(case):
            continue
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def stage_counts(results, filename):
    """The counts of one stage, from its own file or from its part of checks.xml; None if not run."""
    if (results / filename).exists():
        return counts(results / filename)
    if filename in ("unit.xml", "nbval.xml") and (results / COMBINED).exists():
        notebooks = filename == "nbval.xml"
        return counts(results / COMBINED, lambda case: is_notebook_case(case) == notebooks)
    return None


def main(results_dir):
    results = Path(results_dir)
    print("\n" + "=" * 72 + "\nmake test: summary\n" + "=" * 72)
    all_passed = all_failed = all_skipped = 0
    for filename, title in STAGES:
        found = stage_counts(results, filename)
        if found is None:
            print(f"  {title}: NOT RUN")
            all_failed += 1
            continue
        passed, failed, skipped = found
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
