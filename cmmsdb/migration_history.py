"""`cmmsdb history`: what ran against a database, when, as whom and how long it took.

Read from cmmsdb's ledger (cmmsdb.migration_history), which logs every apply and rollback
in the transaction that made it, and every baseline and repair with what it did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cmmsdb import ledger
from cmmsdb.target import DEFAULT_CONNECT_TIMEOUT, Target, as_target, connect


@dataclass(frozen=True)
class Event:
    """One apply, rollback, baseline or repair of one migration."""

    at: str
    action: str
    id: str
    by: str
    duration_ms: int | None
    checksum: str
    detail: str | None = None


@dataclass(frozen=True)
class HistoryReport:
    """The history of one database, oldest first."""

    target: str
    events: list[Event] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "events": [vars(event) for event in self.events]}


def history(
    target: str | Target, *, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
) -> HistoryReport:
    """Every apply, rollback, baseline and repair recorded on `target`, oldest first (none if
    cmmsdb never migrated it)."""
    target = as_target(target)
    with connect(target, connect_timeout=connect_timeout) as conn:
        rows = ledger.read_history(conn)
    events = [
        Event(
            row.at.isoformat(),
            row.action,
            row.migration_id,
            row.by_role,
            row.duration_ms,
            row.checksum,
            row.detail,
        )
        for row in rows
    ]
    return HistoryReport(target.display, events)
