"""Wall time of `cmmsdb lint` on the shipped migrations folder: as CI and developers run it
(the default, which in a git checkout lints only the changed files), with --all (every file,
sqlfluff in one worker process per CPU), and on one file; in-process, --all with one
worker against one per CPU, for the parallel speed-up. Target: under 3 s for the folder on
2 cores. No server needed.

    python bench/lint_speed.py [--runs 3] [--file sql/migrations/0009.create-activity-logs.sql]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout this bench lives in, not an installed cmmsdb

from _timing import timed  # noqa: E402

from cmmsdb import linter  # noqa: E402
from cmmsdb.resources import default_migrations_dir  # noqa: E402


def run_cli(*arguments: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cmmsdb", "lint", *arguments],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if done.returncode != 0:
        raise SystemExit(f"cmmsdb lint {' '.join(arguments)}: exit {done.returncode}")


def report(label: str, times: list[float], target: float | None = None) -> float:
    median = statistics.median(times)
    verdict = "" if target is None else ("  ok" if median < target else f"  OVER {target} s")
    print(f"{label:<58} median {median:6.2f} s  (min {times[0]:.2f}, max {times[-1]:.2f}){verdict}")
    return median


def main() -> None:
    folder = default_migrations_dir().parent
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--file", type=Path, default=folder / "migrations" / "0009.create-activity-logs.sql"
    )
    args = parser.parse_args()
    files = len(list(folder.rglob("*.sql")))
    changed = linter.lint([folder], changed_only=True, style_check=False)
    print(f"{files} files in {folder}, {len(changed.files)} changed; {os.cpu_count()} CPUs")

    report("cmmsdb lint (default: changed files)", timed(lambda: run_cli(), args.runs), 3.0)
    report(f"cmmsdb lint {args.file.name}", timed(lambda: run_cli(str(args.file)), args.runs))
    full = report("cmmsdb lint --all", timed(lambda: run_cli("--all"), args.runs))

    def in_process(jobs: int) -> Callable[[], object]:
        return lambda: linter.lint([folder], jobs=jobs)

    one = report("in-process --all, sqlfluff in 1 process", timed(in_process(1), args.runs))
    many = report(
        f"in-process --all, sqlfluff in {os.cpu_count()} processes",
        timed(in_process(os.cpu_count() or 1), args.runs),
    )
    no_style = report(
        "in-process --all without sqlfluff (squawk, cmmsdb's rules)",
        timed(lambda: linter.lint([folder], style_check=False), args.runs),
    )
    print(f"parallel speed-up {one / many:.2f}x; sqlfluff share of --all {1 - no_style / full:.0%}")


if __name__ == "__main__":
    main()
