"""How the benchmarks time things and summarise the times."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(action: Callable[[], object], runs: int, *, warm: bool = False) -> list[float]:
    """Seconds per run of `action`, sorted; `warm` runs it once first, untimed (page cache,
    catalog caches, imports)."""
    if warm:
        action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return sorted(times)


def ms(values: list[float]) -> tuple[float, float]:
    """Median and 95th percentile of `values` (seconds), in milliseconds."""
    ordered = sorted(values)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000
