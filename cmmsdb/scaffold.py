"""New migrations from the scaffolds in templates/migration/: the next number, a validated
name, and a forward and rollback file rendered for the DBA to edit and commit.

The files are plain SQL once written: nothing is templated when they are applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmmsdb.errors import ConfigurationError, MigrationsFolderError
from cmmsdb.migrations import ROLLBACK_SUFFIX, Migration, discover

MIN_PARTITIONS, MAX_PARTITIONS = 2, 256
TEMPLATES = {"blank": "migration/blank", "tenant-table": "migration/tenant_table"}
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
TABLE_PATTERN = re.compile(r"^[a-z_][a-z0-9_]*$")
# Every name derived from the table must fit PostgreSQL's 63 bytes; the longest suffix is
# "_organization_id_fkey" (21 characters).
MAX_TABLE_LENGTH = 63 - len("_organization_id_fkey")


@dataclass(frozen=True)
class Scaffold:
    """A new migration pair: its id, where its two files go, and their SQL."""

    id: str
    template: str
    forward: Path
    rollback: Path
    forward_sql: str
    rollback_sql: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "forward": str(self.forward),
            "rollback": str(self.rollback),
            "template": self.template,
        }


def plan(
    name: str,
    folder: Path,
    *,
    template: str = "blank",
    table: str | None = None,
    hash_partitions: int | None = None,
) -> Scaffold:
    """The migration pair `cmmsdb new` writes (with `write`), rendered and checked."""
    from cmmsdb.templates import render

    _check_arguments(name, template, table)
    _check_partitions(template, hash_partitions)
    existing = _existing(folder)
    for migration in existing:
        if migration.id.partition(".")[2] == name:
            raise ConfigurationError(
                f"a migration named {name} already exists: {migration.path}",
                "choose another name (released migrations are never edited: add a new one)",
            )
    migration_id = f"{next_number(existing):04d}.{name}"
    variables: dict[str, object] = {"table": table} if table else {}
    if hash_partitions:
        variables["hash_partitions"] = hash_partitions
    scaffold = Scaffold(
        id=migration_id,
        template=template,
        forward=folder / f"{migration_id}.sql",
        rollback=folder / f"{migration_id}{ROLLBACK_SUFFIX}",
        forward_sql=render(f"{TEMPLATES[template]}.sql.j2", **variables),
        rollback_sql=render(f"{TEMPLATES[template]}.rollback.sql.j2", **variables),
    )
    _refuse_overwrite(scaffold.forward, scaffold.rollback)
    return scaffold


def write(scaffold: Scaffold) -> Scaffold:
    """Create both files, never overwriting one: on a clash nothing is left behind."""
    scaffold.forward.parent.mkdir(parents=True, exist_ok=True)
    _refuse_overwrite(scaffold.forward, scaffold.rollback)
    written: list[Path] = []
    try:
        for path, sql in (
            (scaffold.forward, scaffold.forward_sql),
            (scaffold.rollback, scaffold.rollback_sql),
        ):
            with path.open("x", encoding="utf-8", newline="\n") as file:
                written.append(path)
                file.write(sql)
    except FileExistsError:
        for path in written:
            path.unlink()
        _refuse_overwrite(scaffold.forward, scaffold.rollback)
        raise
    return scaffold


def next_number(migrations: list[Migration]) -> int:
    """One more than the highest number among `migrations` (1 for none)."""
    numbers = [int(m.id.partition(".")[0]) for m in migrations if m.id.partition(".")[0].isdigit()]
    return max(numbers, default=0) + 1


def _check_arguments(name: str, template: str, table: str | None) -> None:
    if template not in TEMPLATES:
        raise ConfigurationError(
            f"unknown template {template!r}", f"choose one of: {', '.join(TEMPLATES)}"
        )
    if not NAME_PATTERN.match(name):
        raise ConfigurationError(
            f"invalid migration name {name!r}",
            "use a kebab-case verb-object such as create-table-assets (the number is added)",
        )
    if template == "tenant-table" and table is None:
        raise ConfigurationError(
            "--template tenant-table needs --table", "name the table, e.g. --table assets"
        )
    if template != "tenant-table" and table is not None:
        raise ConfigurationError(
            f"--table is only used by --template tenant-table, not {template}",
            "add --template tenant-table, or leave out --table",
        )
    if table is not None and (not TABLE_PATTERN.match(table) or len(table) > MAX_TABLE_LENGTH):
        raise ConfigurationError(
            f"invalid table name {table!r}",
            f"use a lower-case SQL identifier (a-z, 0-9, _) of at most {MAX_TABLE_LENGTH} "
            "characters, without the schema",
        )


def _check_partitions(template: str, count: int | None) -> None:
    if count is None:
        return
    if template != "tenant-table":
        raise ConfigurationError(
            "--hash-partitions is only used by --template tenant-table",
            "add --template tenant-table --table NAME",
        )
    if not MIN_PARTITIONS <= count <= MAX_PARTITIONS:
        raise ConfigurationError(
            f"--hash-partitions must be between {MIN_PARTITIONS} and {MAX_PARTITIONS}, not {count}"
        )


def _existing(folder: Path) -> list[Migration]:
    """The migrations already in `folder`; a missing or empty folder has none."""
    if folder.exists() and not folder.is_dir():
        raise MigrationsFolderError(
            f"{folder} is not a folder", "pass --migrations DIR naming the migrations folder"
        )
    has_forward = any(not p.name.endswith(ROLLBACK_SUFFIX) for p in folder.glob("*.sql"))
    return discover(folder) if has_forward else []


def _refuse_overwrite(*paths: Path) -> None:
    for path in paths:
        if path.exists():
            raise MigrationsFolderError(
                f"{path} already exists; cmmsdb new never overwrites a file",
                "move it away or remove it, then run cmmsdb new again",
            )
