"""Wall time of `cmmsdb --help` and `cmmsdb status` against a local database, beside a
bare `python -c pass` (targets on a 2-core machine: --help under 150 ms, status under
400 ms).

    python bench/cli_latency.py [--dsn postgresql://...] [--runs 15]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import migrated_database


def wall_times(command: list[str], runs: int) -> list[float]:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # warm the page cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    database = migrated_database(args.dsn)
    entry = shutil.which("cmmsdb") or str(Path(sys.executable).parent / "cmmsdb")
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "cmmsdb --help": [entry, "--help"],
        "cmmsdb status": [entry, "status", "--dsn", database],
    }
    print(f"{'command':<16} {'median':>9} {'p90':>9}   ({args.runs} runs)")
    for name, command in cases.items():
        times = sorted(wall_times(command, args.runs))
        p90 = times[int(0.9 * (len(times) - 1))]
        print(f"{name:<16} {statistics.median(times) * 1000:7.1f}ms {p90 * 1000:7.1f}ms")


if __name__ == "__main__":
    main()
