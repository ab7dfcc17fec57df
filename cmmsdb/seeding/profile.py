"""Seed profiles: TOML files that say how many rows of each table a fake tenant of average
size gets, how tenant sizes vary, and how work order statuses and priorities are spread
(among the values cmms.work_orders' CHECK constraints allow: a profile naming another is
refused when seeding starts).

The shipped ones are in seeds/ (demo, small, load); `--profile path/to/file.toml` reads
any other. Tables a profile leaves out get no rows.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmmsdb.errors import SeedError
from cmmsdb.resources import shipped

MAX_ROWS_PER_TENANT = 10_000_000
MAX_TENANTS = 100_000


@dataclass(frozen=True)
class Profile:
    """What `cmmsdb seed` generates per tenant (rows of an average tenant, by table)."""

    name: str
    description: str
    tenants: int
    rows: dict[str, int]
    pareto_alpha: float
    work_order_status: dict[str, float]
    work_order_priority: dict[str, float]


def available() -> list[str]:
    """The names of the shipped profiles."""
    return sorted(path.stem for path in shipped("seeds").glob("*.toml"))


def load(name_or_path: str) -> Profile:
    """The shipped profile `name_or_path`, or the TOML file at that path."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = shipped("seeds") / f"{name_or_path}.toml"
        if not path.is_file():
            raise SeedError(
                f"unknown seed profile {name_or_path!r}",
                f"choose one of: {', '.join(available())}, or give a path to a .toml file",
            )
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(f"cannot read seed profile {path}: {exc}") from None
    return _profile(path, document)


def _profile(path: Path, document: dict[str, Any]) -> Profile:
    rows = document.get("rows", {})
    if not isinstance(rows, dict) or not all(
        _count_ok(v, MAX_ROWS_PER_TENANT) for v in rows.values()
    ):
        raise SeedError(
            f"{path}: [rows] must map table names to whole numbers of rows (0 to "
            f"{MAX_ROWS_PER_TENANT:,})"
        )
    tenants = document.get("tenants", 1)
    if not _count_ok(tenants, MAX_TENANTS) or tenants == 0:
        raise SeedError(f"{path}: tenants must be a whole number from 1 to {MAX_TENANTS:,}")
    alpha = document.get("tenant_size", {}).get("pareto_alpha", 1.6)
    if not isinstance(alpha, (int, float)) or alpha <= 1:
        raise SeedError(f"{path}: tenant_size.pareto_alpha must be a number above 1")
    return Profile(
        name=path.stem,
        description=str(document.get("description", "")),
        tenants=tenants,
        rows={str(k): int(v) for k, v in rows.items()},
        pareto_alpha=float(alpha),
        work_order_status=_shares(path, document, "work_order_status"),
        work_order_priority=_shares(path, document, "work_order_priority"),
    )


def _count_ok(value: object, most: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most


def _shares(path: Path, document: dict[str, Any], key: str) -> dict[str, float]:
    shares = document.get(key, {})
    if (
        not isinstance(shares, dict)
        or not shares
        or any(not isinstance(v, (int, float)) or v < 0 for v in shares.values())
        or sum(shares.values()) <= 0
    ):
        raise SeedError(f"{path}: [{key}] must give each value a non-negative share")
    return {str(k): float(v) for k, v in shares.items()}
