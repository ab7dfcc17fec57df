"""What a rollback would destroy: the tables and columns holding data that it drops.

The rollback files are parsed (pglast) for DROP TABLE, DROP SCHEMA ... CASCADE (every
table of the schema) and ALTER TABLE ... DROP COLUMN; those that exist are counted: rows of
a table, non-null values of a column (a generated column holds nothing of its own). A count
that row-level security or a missing privilege prevents is unknown, and counts as data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from cmmsdb.errors import DataLossRefused
from cmmsdb.resources import query

if TYPE_CHECKING:
    import psycopg

    from cmmsdb.migrations import Migration

SHOWN = 5
"""How many losses the refusal's one line names; `rollback --dry-run` lists them all."""


@dataclass(frozen=True)
class DataLoss:
    """A table (its rows) or a column (its non-null values) a rollback would drop."""

    migration: str
    object: str
    kind: str  # "table" or "column"
    rows: int | None  # None: could not be counted (row-level security, privileges)

    def __str__(self) -> str:
        noun = "row" if self.kind == "table" else "value"
        if self.rows is None:
            return f"{self.object} ({noun}s uncounted)"
        return f"{self.object} ({self.rows} {noun}{'' if self.rows == 1 else 's'})"


@dataclass(frozen=True)
class _Drop:
    migration: str
    kind: str  # "table", "schema" or "column"
    schema: str | None
    name: str
    column: str | None = None


def find(conn: psycopg.Connection[Any], migrations: Sequence[Migration]) -> list[DataLoss]:
    """The tables and columns holding data that rolling back `migrations` (newest first)
    would drop, each once, in the order the rollback drops them."""
    found: dict[str, DataLoss] = {}
    for drop in _drops(migrations):
        for name, column in _existing(conn, drop):
            key = f"{name}.{column}" if column else name
            if key not in found:
                rows = _count(conn, name, column)
                if rows != 0:
                    kind = "column" if column else "table"
                    found[key] = DataLoss(drop.migration, key, kind, rows)
    return list(found.values())


def refusal(losses: Sequence[DataLoss], target: str) -> DataLossRefused:
    """The one-line refusal to roll back without --yes, naming the first few losses."""
    shown = ", ".join(str(loss) for loss in losses[:SHOWN])
    more = len(losses) - SHOWN
    if more > 0:
        shown += f" and {more} more (rollback --dry-run lists them all)"
    things = "table or column" if len(losses) == 1 else "tables or columns"
    return DataLossRefused(
        f"the rollback would drop {len(losses)} {things} holding data: {shown}; nothing was "
        "rolled back; pass --yes to roll back anyway",
        details={
            "target": target,
            "action": "rollback",
            "refused": True,
            "data_loss": [asdict(loss) for loss in losses],
        },
    )


def _drops(migrations: Sequence[Migration]) -> Iterator[_Drop]:
    """DROP TABLE, DROP SCHEMA ... CASCADE and ALTER TABLE ... DROP COLUMN in the rollback
    files, in the order they run."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    for migration in migrations:
        for statement in migration.rollback_script().statements:
            try:
                parsed = parse_sql(statement.sql)
            except ParseError:  # it will fail when it runs, before dropping anything
                continue
            for raw in parsed:
                yield from _drops_in(raw.stmt, migration.id)


def _drops_in(node: Any, migration: str) -> Iterator[_Drop]:
    from pglast import ast, enums

    if isinstance(node, ast.DropStmt) and node.removeType == enums.ObjectType.OBJECT_TABLE:
        for parts in node.objects or ():
            names = [part.sval for part in parts]
            yield _Drop(migration, "table", _schema(names), names[-1])
    elif (
        isinstance(node, ast.DropStmt)
        and node.removeType == enums.ObjectType.OBJECT_SCHEMA
        and node.behavior == enums.DropBehavior.DROP_CASCADE
    ):
        for part in node.objects or ():
            yield _Drop(migration, "schema", part.sval, part.sval)
    elif isinstance(node, ast.AlterTableStmt) and node.relation and node.relation.relname:
        schema, name = node.relation.schemaname, node.relation.relname
        for cmd in node.cmds or ():
            if cmd.subtype == enums.AlterTableType.AT_DropColumn and cmd.name:
                yield _Drop(migration, "column", schema, name, cmd.name)


def _schema(names: list[str]) -> str | None:
    return names[-2] if len(names) > 1 else None


def _existing(conn: psycopg.Connection[Any], drop: _Drop) -> list[tuple[str, str | None]]:
    """(table, column) pairs the drop would destroy, among those that exist now."""
    if drop.kind == "schema":
        rows = conn.execute(query("data_loss_schema_tables.sql"), {"schema": drop.name})
        return [(name, None) for (name,) in rows.fetchall()]
    found = conn.execute(
        query("data_loss_table.sql"), {"schema": drop.schema, "name": drop.name}
    ).fetchone()
    if found is None:
        return []
    table = str(found[0])
    if drop.column is None:
        return [(table, None)]
    params = {"table": table, "column": drop.column}
    holds = conn.execute(query("data_loss_column.sql"), params).fetchone()
    return [(table, drop.column)] if holds and holds[0] else []


def _count(conn: psycopg.Connection[Any], table: str, column: str | None) -> int | None:
    """Rows of `table` (non-null values of `column`), all of them, or None if they cannot
    all be counted."""
    import psycopg
    from psycopg import sql

    body = "\n".join(
        line for line in query("data_loss_count.sql").splitlines() if not line.startswith("--")
    )
    what = sql.Identifier(column) if column else sql.SQL("*")
    statement = sql.SQL(body).format(what=what, table=sql.SQL(table))
    try:
        with conn.transaction():
            conn.execute(query("data_loss_session.sql"))
            row = conn.execute(statement).fetchone()
    except psycopg.errors.InsufficientPrivilege:
        return None
    return int(row[0]) if row else 0
