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


Row = tuple[str, int, int | None, int]


def passes() -> list[Row]:
    """(name, wall seconds, the machine's busy CPU-seconds meanwhile, cores) per pass.

    The CPU columns say whether a pass waited on the processors: a pass during
    which the machine was busy nearly wall x cores seconds cannot go faster by
    running more at once, only by doing less.
    """
    rows: list[Row] = []
    times = ARTIFACTS / "suite-times.tsv"
    for line in times.read_text().splitlines() if times.is_file() else []:
        name, seconds, _args, *cpu = line.split("\t")
        busy = int(cpu[0]) if cpu else None
        cores = int(cpu[1]) if len(cpu) > 1 else 1
        rows.append((name, int(seconds), busy, cores))
    return rows


def busy_share(seconds: int, busy: int | None, cores: int) -> str:
    if busy is None or seconds <= 0:
        return "-"
    return f"{100 * busy / (seconds * cores):.0f}%"


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
    whole = [row for row in rows if row[0].startswith("whole:")]
    rows = [row for row in rows if not row[0].startswith("whole:")]
    print(f"{'pass':<40} {'seconds':>8} {'machine busy':>13}")
    for name, seconds, busy, cores in rows:
        print(f"{name:<40} {seconds:>8} {busy_share(seconds, busy, cores):>13}")
    print(f"{'pytest passes, added up':<40} {sum(row[1] for row in rows):>8}")
    for name, seconds, busy, cores in whole:
        print(f"{name[len('whole: '):]:<40} {seconds:>8} {busy_share(seconds, busy, cores):>13}"
              f"  ({busy} CPU-seconds of {seconds * cores} on {cores} cores)")
    if total is not None:
        print(f"{'./run test, wall (set-up and lint too)':<40} {total:>8.0f}")
    print("\nthe 20 slowest tests (seconds):")
    for seconds, name in slowest():
        print(f"{seconds:8.1f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
