"""cmmsdb's own migration rules: what squawk cannot know about this project (its rollback
files, its tenant tables, yoyo's transaction directive), read from pglast's parse trees."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from cmmsdb.conventions import TENANT_KEY
from cmmsdb.linter.source import RuleHit, SqlFile, object_name, tables_changed_by

RULES: dict[str, str] = {
    "missing-rollback": "every migration has a rollback file beside it, so that it can be undone",
    "tenant-table-rls": "a new tenant table has row-level security enabled and forced in the "
    "same migration, or the application sees every tenant's rows",
    "tenant-table-policies": "a new tenant table has its policies in the same migration "
    "(forced row-level security without a policy shows no rows at all)",
    "tenant-table-grants": "a new tenant table grants its privileges to the application roles "
    "in the same migration",
    "tenant-table-audit": "a new tenant table has the audit trigger (cmms.audit_row_change) in "
    "the same migration, so that no change escapes the audit trail",
    "tenant-fk-not-composite": "a foreign key between tenant tables is composite, "
    "(organization_id, x_id) referencing (organization_id, id): a single-column one lets a row "
    "point into another tenant (foreign key checks bypass row-level security)",
    "concurrently-in-transaction": "CONCURRENTLY cannot run in a transaction: the migration "
    "needs `-- transactional: false`",
    "multiple-existing-tables": "a migration changes at most one existing table, so that its "
    "locks are short and its rollback is simple",
    "parse-error": "the file must parse as PostgreSQL SQL (cannot be silenced)",
    "invalid-silence": "a `-- cmmsdb: allow` comment names a known rule and gives a reason "
    "after `because` (cannot be silenced)",
}
UNSILENCEABLE = frozenset({"parse-error", "invalid-silence"})
FILE_RULES = frozenset({"missing-rollback", "multiple-existing-tables"})
"""Rules about a whole file: a silence anywhere in the file applies to them."""


def check(
    sql_file: SqlFile, created: set[str], tenant_tables: set[str], parents: dict[str, str]
) -> list[RuleHit]:
    """cmmsdb's rules on one parsed file. `created`: objects created by its migration (for a
    rollback file, by it and its forward file); `tenant_tables`: every table known to carry
    organization_id, `parents`: every known partition's table (this run's files and the
    shipped migrations)."""
    hits = list(_missing_rollback(sql_file))
    hits += _tenant_tables(sql_file)
    hits += _foreign_keys(sql_file, tenant_tables)
    hits += _concurrently(sql_file)
    hits += _existing_tables(sql_file, created, parents)
    return hits


def tenant_tables_created(sql_file: SqlFile) -> set[str]:
    """The tenant tables (with an organization_id column; partitions aside) a file creates."""
    return {object_name(node.relation) for node in _new_tenant_tables(sql_file)}


def partitions_created(sql_file: SqlFile) -> dict[str, str]:
    """The partitions a file creates, each with the table it is a partition of."""
    return {
        object_name(node.relation): object_name(node.inhRelations[0])
        for node in (statement.node for statement in sql_file.statements)
        if type(node).__name__ == "CreateStmt" and node.partbound is not None
    }


def _new_tenant_tables(sql_file: SqlFile) -> Iterator[Any]:
    for statement in sql_file.statements:
        node = statement.node
        if type(node).__name__ == "CreateStmt" and node.partbound is None:
            columns = [e.colname for e in node.tableElts or () if hasattr(e, "colname")]
            if TENANT_KEY in columns:
                yield node


def _missing_rollback(sql_file: SqlFile) -> Iterator[RuleHit]:
    if not sql_file.is_rollback and not sql_file.rollback_path.is_file():
        yield RuleHit(1, 1, "missing-rollback", f"no rollback file {sql_file.rollback_path.name}")


def _tenant_tables(sql_file: SqlFile) -> Iterator[RuleHit]:
    if sql_file.is_rollback:
        return
    lines = {id(s.node): s for s in sql_file.statements}
    for create in _new_tenant_tables(sql_file):
        table = object_name(create.relation)
        statement = lines[id(create)]
        found = _isolation(sql_file, table)
        wanted = {
            "tenant-table-rls": "row-level security is not enabled and forced "
            f"(ALTER TABLE ... ENABLE and FORCE ROW LEVEL SECURITY) for new tenant table {table}",
            "tenant-table-policies": f"new tenant table {table} has no policy (CREATE POLICY)",
            "tenant-table-grants": f"new tenant table {table} grants nothing to the "
            "application roles (GRANT ... ON TABLE)",
            "tenant-table-audit": f"new tenant table {table} has no audit trigger "
            "(EXECUTE FUNCTION cmms.audit_row_change())",
        }
        for rule, message in wanted.items():
            if rule not in found:
                yield RuleHit(statement.start, statement.column, rule, message)


def _isolation(sql_file: SqlFile, table: str) -> set[str]:
    """Which of the tenant-table rules the statements of a file satisfy for `table`."""
    enabled: set[str] = set()
    found: set[str] = set()
    for statement in sql_file.statements:
        node = statement.node
        kind = type(node).__name__
        if kind == "AlterTableStmt" and object_name(node.relation) == table:
            enabled |= {cmd.subtype.name for cmd in node.cmds}
        elif kind == "CreatePolicyStmt" and object_name(node.table) == table:
            found.add("tenant-table-policies")
        elif kind == "GrantStmt" and node.is_grant and node.objtype.name == "OBJECT_TABLE":
            if table in {object_name(o) for o in node.objects or ()}:
                found.add("tenant-table-grants")
        elif (
            kind == "CreateTrigStmt"
            and object_name(node.relation) == table
            and object_name(node.funcname) == "audit_row_change"
        ):
            found.add("tenant-table-audit")
    if {"AT_EnableRowSecurity", "AT_ForceRowSecurity"} <= enabled:
        found.add("tenant-table-rls")
    return found


def _foreign_keys(sql_file: SqlFile, tenant_tables: set[str]) -> Iterator[RuleHit]:
    for statement in sql_file.statements:
        for table, constraint in _foreign_keys_of(statement.node):
            referenced = object_name(constraint.pktable)
            if table not in tenant_tables or referenced not in tenant_tables:
                continue
            columns = [object_name(c) for c in constraint.fk_attrs or ()]
            keys = [object_name(c) for c in constraint.pk_attrs or ()]
            composite = columns[:1] == [TENANT_KEY] and len(columns) > 1
            if composite and (not keys or keys[:1] == [TENANT_KEY]):
                continue
            yield RuleHit(
                statement.start,
                statement.column,
                "tenant-fk-not-composite",
                f"foreign key {table} ({', '.join(columns)}) -> {referenced} "
                f"({', '.join(keys) or 'primary key'}) is not composite: use "
                f"(organization_id, ...) REFERENCES {referenced} (organization_id, id)",
            )


def _foreign_keys_of(node: Any) -> Iterator[tuple[str, Any]]:
    """(table, constraint) for every FOREIGN KEY a CREATE TABLE or ALTER TABLE declares; a
    column's own REFERENCES gets that column as its fk_attrs."""
    kind = type(node).__name__
    if kind == "CreateStmt":
        table = object_name(node.relation)
        for element in node.tableElts or ():
            if type(element).__name__ == "Constraint":
                yield from _if_foreign(table, element)
            elif type(element).__name__ == "ColumnDef":
                for constraint in element.constraints or ():
                    yield from _if_foreign(table, constraint, element.colname)
    elif kind == "AlterTableStmt":
        for cmd in node.cmds:
            if cmd.subtype.name == "AT_AddConstraint":
                yield from _if_foreign(object_name(node.relation), cmd.def_)


def _if_foreign(
    table: str, constraint: Any, column: str | None = None
) -> Iterable[tuple[str, Any]]:
    if type(constraint).__name__ != "Constraint" or constraint.contype.name != "CONSTR_FOREIGN":
        return ()
    if column is not None and not constraint.fk_attrs:
        from pglast import ast

        constraint = ast.Constraint(
            contype=constraint.contype,
            pktable=constraint.pktable,
            pk_attrs=constraint.pk_attrs,
            fk_attrs=(ast.String(sval=column),),
        )
    return ((table, constraint),)


def _root(table: str, parents: dict[str, str]) -> str:
    while table in parents:
        table = parents[table]
    return table


def _concurrently(sql_file: SqlFile) -> Iterator[RuleHit]:
    if not sql_file.transactional:
        return
    where = "its forward migration's" if sql_file.is_rollback else "its"
    for statement in sql_file.statements:
        what = _concurrent_operation(statement.node)
        if what:
            yield RuleHit(
                statement.start,
                statement.column,
                "concurrently-in-transaction",
                f"{what} CONCURRENTLY cannot run in a transaction: add "
                f"`-- transactional: false` to {where} leading comments",
            )


def _concurrent_operation(node: Any) -> str | None:
    kind = type(node).__name__
    if kind == "IndexStmt" and node.concurrent:
        return "CREATE INDEX"
    if kind == "DropStmt" and node.concurrent:
        return "DROP INDEX"
    if kind == "ReindexStmt" and any(p.defname == "concurrently" for p in node.params or ()):
        return "REINDEX"
    if kind == "AlterTableStmt":
        for cmd in node.cmds:
            if cmd.subtype.name == "AT_DetachPartition" and getattr(cmd.def_, "concurrent", False):
                return "DETACH PARTITION"
    return None


def _existing_tables(
    sql_file: SqlFile, created: set[str], parents: dict[str, str]
) -> Iterator[RuleHit]:
    """Partitions count as their table: an index built partition by partition changes one."""
    changed: list[str] = []
    for statement in sql_file.statements:
        touched = tables_changed_by(statement.node) - created
        for table in sorted({_root(table, parents) for table in touched}):
            if table not in changed:
                changed.append(table)
                if len(changed) == 2:
                    line, column = statement.start, statement.column
    if len(changed) > 1:
        yield RuleHit(
            line,
            column,
            "multiple-existing-tables",
            f"changes {len(changed)} existing tables ({', '.join(changed)}): "
            "one existing table per migration",
        )
