"""Operational hazards squawk does not flag: statements that rewrite or lock a loaded table
for their whole run, a backfill in one statement, and VACUUM where it cannot run. A table
the same migration created is exempt from all but the last (it is empty and unused)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cmmsdb.linter.source import RuleHit, SqlFile, object_name

RULES: dict[str, str] = {
    "vacuum-full": "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock (no read, no "
    "write) for as long as it runs: use pg_repack, or leave it to a maintenance window",
    "cluster": "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock for as long as it "
    "runs: use pg_repack, or leave it to a maintenance window",
    "set-unlogged": "ALTER TABLE ... SET UNLOGGED rewrites the table under an ACCESS EXCLUSIVE "
    "lock, and its rows are then lost in a crash and missing on replicas",
    "lock-table": "LOCK TABLE holds its lock until the migration commits, blocking the "
    "application meanwhile; let each statement take the lock it needs, under lock_timeout",
    "whole-table-update": "an UPDATE without WHERE rewrites every row of a loaded table in one "
    "transaction (locks, bloat, WAL): backfill in batches, outside the migration",
    "vacuum-in-transaction": "VACUUM cannot run in a transaction block: the migration fails "
    "when applied; it needs `-- transactional: false` (or leave VACUUM to autovacuum)",
}


def check(sql_file: SqlFile, created: set[str]) -> list[RuleHit]:
    """The hazards of one parsed file; `created`: the objects its migration creates."""
    hits = []
    for statement in sql_file.statements:
        for rule, message in _hazards(statement.node, sql_file, created):
            hits.append(RuleHit(statement.start, statement.column, rule, message))
    return hits


def _hazards(node: Any, sql_file: SqlFile, created: set[str]) -> Iterator[tuple[str, str]]:
    kind = type(node).__name__
    if kind == "VacuumStmt" and node.is_vacuumcmd:
        tables = _existing([r.relation for r in node.rels or ()], created)
        full = any(o.defname == "full" for o in node.options or ())
        if sql_file.transactional:
            where = "its forward migration's" if sql_file.is_rollback else "its"
            yield (
                "vacuum-in-transaction",
                f"VACUUM cannot run in a transaction block: add `-- transactional: false` to "
                f"{where} leading comments, or leave it to autovacuum",
            )
        if full and (tables or not node.rels):
            yield (
                "vacuum-full",
                f"VACUUM FULL {_names(tables)} rewrites under an ACCESS EXCLUSIVE lock: use "
                "pg_repack, or a maintenance window",
            )
    elif kind == "ClusterStmt":
        relation = node.relation
        if relation is None or object_name(relation) not in created:
            yield (
                "cluster",
                f"CLUSTER {_names(_existing([relation], created))} rewrites under an ACCESS "
                "EXCLUSIVE lock: use pg_repack, or a maintenance window",
            )
    elif kind == "AlterTableStmt" and node.relation is not None:
        table = object_name(node.relation)
        if table not in created and any(c.subtype.name == "AT_SetUnLogged" for c in node.cmds):
            yield (
                "set-unlogged",
                f"SET UNLOGGED on {table} rewrites it under an ACCESS EXCLUSIVE lock; its rows "
                "are then lost in a crash and missing on replicas",
            )
    elif kind == "LockStmt":
        tables = _existing(list(node.relations or ()), created)
        if tables:
            yield (
                "lock-table",
                f"LOCK TABLE {_names(tables)} holds the lock until the migration commits: let "
                "each statement take the lock it needs, under lock_timeout",
            )
    elif kind == "UpdateStmt" and node.whereClause is None:
        table = object_name(node.relation)
        if table not in created:
            yield (
                "whole-table-update",
                f"UPDATE of every row of {table} in one transaction: backfill in batches "
                "(WHERE id IN (... LIMIT n)), outside the migration",
            )


def _existing(relations: list[Any], created: set[str]) -> list[str]:
    return [object_name(r) for r in relations if r is not None and object_name(r) not in created]


def _names(tables: list[str]) -> str:
    return ", ".join(tables) if tables else "(every table)"
