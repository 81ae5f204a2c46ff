"""The test suite's wall time per pass and its 20 slowest tests.

``./run test`` records each pytest pass (``test-artifacts/suite-times.tsv``)
and a JUnit report per pass (``test-artifacts/junit/``); this script reads
them, or runs ``./run test`` first with ``--run``. It prints numbers only.

    .venv/bin/python bench/suite.py          # after a ./run test
    .venv/bin/python bench/suite.py --run    # run the suite, then report
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def passes() -> list[tuple[str, int]]:
    rows = []
    times = ARTIFACTS / "suite-times.tsv"
    for line in times.read_text().splitlines() if times.is_file() else []:
        name, seconds, *_ = line.split("\t")
        rows.append((name, int(seconds)))
    return rows


def slowest(count: int = 20) -> list[tuple[float, str]]:
    tests = []
    for report in sorted((ARTIFACTS / "junit").glob("*.xml")):
        for case in ET.parse(report).getroot().iter("testcase"):
            name = f"{case.get('classname', '')}::{case.get('name', '')}"
            tests.append((float(case.get("time") or 0), name))
    return sorted(tests, reverse=True)[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run ./run test first")
    args = parser.parse_args()
    total = None
    if args.run:
        started = time.monotonic()
        rc = subprocess.run([str(ROOT / "run"), "test"], cwd=ROOT).returncode
        total = time.monotonic() - started
        print(f"./run test exit {rc}")
    rows = passes()
    if not rows:
        print("no recorded passes: run ./run test (or this script with --run)")
        return 1
    print(f"{'pass':<40} {'seconds':>8}")
    for name, seconds in rows:
        print(f"{name:<40} {seconds:>8}")
    print(f"{'pytest passes, added up':<40} {sum(s for _, s in rows):>8}")
    if total is not None:
        print(f"{'./run test, wall (set-up and lint too)':<40} {total:>8.0f}")
    print("\nthe 20 slowest tests (seconds):")
    for seconds, name in slowest():
        print(f"{seconds:8.1f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
