"""`cmmsdb repair`: accept, after review, what the ledger and the migrations folder disagree on
for one applied migration, and log it in the history with who did it.

- Its file was edited (status: changed): the new checksum is recorded, so status is clean
  and migrate runs again; the schema is not touched (the edit is not applied).
- Its file is gone (status: missing), deleted on purpose: the ledger forgets it; its changes
  stay in the schema.

This replaces passing `migrate --allow-changed` at every run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmmsdb import ledger, session
from cmmsdb.errors import RepairRefused, UnknownMigration
from cmmsdb.migrations import discover, enabled_modules
from cmmsdb.resources import migrations_folder
from cmmsdb.target import DEFAULT_CONNECT_TIMEOUT, Target, as_target, connect, ensure_writable

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class RepairReport:
    """What repair did to one migration's record: `checksum` (accepted the edited file),
    `forget` (its file is gone) or `none` (the record already matches the file)."""

    target: str
    id: str
    action: str
    previous_checksum: str
    checksum: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def repair(
    target: str | Target,
    migration: str,
    folder: Path | str | None = None,
    *,
    wait: float = 60.0,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> RepairReport:
    """Accept the current file of applied migration `migration` (its id or a unique prefix)
    in `folder` or an enabled module, or forget it if its file is gone."""
    target, folder = as_target(target), migrations_folder(folder)
    discover(folder)  # a bad folder fails before connecting
    with connect(target, connect_timeout=connect_timeout) as conn:
        ensure_writable(conn, target)
        with session.migration_lock(conn, wait):
            applied = {row.id: row for row in ledger.read(conn)}
            row = applied[_applied_id(migration, list(applied), target)]
            if row.state == "partial":
                raise RepairRefused(
                    f"{row.id} was interrupted part-way (partial): there is no checksum to accept",
                    "run `cmmsdb migrate` to resume it",
                )
            files = {m.id: m for m in discover(folder, enabled_modules(folder, applied))}
            found = files.get(row.id)
            if found is not None and found.checksum == row.checksum:
                return RepairReport(target.display, row.id, "none", row.checksum, row.checksum)
            ledger.upgrade(conn)
            with ledger.privileges(conn, "change"), conn.transaction():
                if found is None:
                    return _forget(conn, target, row, folder)
                return _accept(conn, target, row, found.checksum)


def _forget(
    conn: psycopg.Connection[Any], target: Target, row: ledger.AppliedMigration, folder: Path
) -> RepairReport:
    """Forget an applied migration whose file was deleted; its changes stay in the schema."""
    ledger.remove(conn, row.id)
    detail = f"forgotten: its file is gone from {folder}; its changes stay"
    ledger.log(conn, row.id, "repair", row.checksum, detail=detail)
    return RepairReport(target.display, row.id, "forget", row.checksum, None)


def _accept(
    conn: psycopg.Connection[Any], target: Target, row: ledger.AppliedMigration, checksum: str
) -> RepairReport:
    """Record the edited file's checksum; the edit itself is not applied."""
    ledger.set_checksum(conn, row.id, checksum)
    detail = f"accepted the edited file: checksum {row.checksum[:12]} -> {checksum[:12]}"
    ledger.log(conn, row.id, "repair", checksum, detail=detail)
    return RepairReport(target.display, row.id, "checksum", row.checksum, checksum)


def _applied_id(ref: str, applied: list[str], target: Target) -> str:
    """The applied migration named by its full id or a unique prefix."""
    matches = [i for i in applied if i == ref] or [i for i in applied if i.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UnknownMigration(
            f"{ref!r} matches several applied migrations: {', '.join(matches)}", "give the full id"
        )
    raise RepairRefused(
        f"no applied migration matches {ref!r} on {target.display}: there is nothing to repair",
        "run `cmmsdb status`: repair accepts a migration shown as changed or missing",
    )
