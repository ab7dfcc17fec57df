"""A normalised snapshot of a database's schema, and the differences between two snapshots.

Two uses decide the shape. Migration tests snapshot a database, apply a migration and its
rollback, snapshot again and require equal dicts; `cmmsdb drift` compares a live database
with the schema the migrations build and prints each difference. Both need a snapshot that
is complete and that does not change with OIDs, creation order, the session's settings or
the server version (PostgreSQL 15 to 18). The catalog query itself lives in
cmmsdb/queries/catalog_snapshot.sql, which documents the normalisation.

Top-level keys of a snapshot, each a dict keyed by (schema-qualified) name:
schemas, extensions, tables, views, sequences, functions, types, event_triggers,
default_privileges, publications, roles (cmmsdb's roles: attributes, memberships, settings)
and database (the current database's settings).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from pglast import ast, parse_sql
from pglast.parser import ParseError
from pglast.stream import RawStream
from pglast.visitors import Ancestor, Skip, Visitor

from cmmsdb import conventions
from cmmsdb.resources import query

__all__ = [
    "Difference",
    "canonical_view_definition",
    "diff",
    "differences",
    "require_schema",
    "snapshot",
    "tenant_tables",
]

# Top-level sections and the word that names one of their objects in a diff line.
_SECTION_LABELS = {
    "schemas": "schema",
    "extensions": "extension",
    "tables": "table",
    "views": "view",
    "sequences": "sequence",
    "functions": "function",
    "types": "type",
    "event_triggers": "event trigger",
    "default_privileges": "default privileges",
    "roles": "role",
    "database": "database",
    "publications": "publication",
}

# cmmsdb's roles (cmmsdb.conventions), whose attributes, memberships and settings a snapshot
# records. Roles belong to the cluster; those that do not exist are simply absent.
ROLES: tuple[str, ...] = conventions.ALL_ROLES
# The settings (of those roles, and of the database) that change what a query sees or runs:
# name resolution, row-level security, the role a session takes, libraries loaded into it.
SETTINGS: tuple[str, ...] = (
    "search_path",
    "row_security",
    "role",
    "session_preload_libraries",
    "local_preload_libraries",
)

# Collections nested in an object and the word for one of their members. Columns and
# composite-type attributes have no word: `cmms.users.email: ...` reads as a column.
_CHILD_LABELS = {
    "columns": "",
    "attributes": "",
    "constraints": "constraint",
    "indexes": "index",
    "triggers": "trigger",
    "policies": "policy",
    "rules": "rule",
}

# Collections whose members carry a `position` (compared relative to the common members).
_ORDERED_CHILDREN = frozenset({"columns", "attributes"})

# Members whose keys are already schema-qualified (index names are unique per schema).
_QUALIFIED_CHILDREN = frozenset({"index"})

# Fields too long to print on one line: a diff only says that they changed.
_SUMMARISED_FIELDS = frozenset({("function", "body"), ("view", "definition")})


def snapshot(
    conn: psycopg.Connection[Any],
    exclude_schemas: Sequence[str] = ("cmmsdb",),
    roles: Sequence[str] = ROLES,
) -> dict[str, Any]:
    """The schema of the database behind `conn`, as plain JSON-compatible data.

    Every schema except pg_*, information_schema and `exclude_schemas` (by default the
    tool's own bookkeeping, which is not part of the product schema) is covered; objects
    that belong to an extension are represented by the extension alone.

    The query runs in a transaction (a savepoint if one is open) that is always rolled
    back, because it sets search_path, TimeZone and friends locally to make the deparsed
    text independent of the caller's session; the caller's settings are left as they were.
    """
    with conn.transaction(force_rollback=True):
        conn.execute(query("catalog_session.sql"))
        row = conn.execute(
            query("catalog_snapshot.sql"),
            {
                "exclude_schemas": list(exclude_schemas),
                "roles": list(roles),
                "settings": list(SETTINGS),
            },
        ).fetchone()
    if row is None:  # pragma: no cover - the query always returns one row
        raise RuntimeError("catalog snapshot query returned no row")
    document: dict[str, Any] = row[0]
    for view in document["views"].values():
        view["definition"] = canonical_view_definition(view["definition"])
    return document


def canonical_view_definition(definition: str) -> str:
    """`definition` (from pg_get_viewdef) in a form that is the same on PostgreSQL 15 to 18.

    PostgreSQL 16 stopped storing OLD/NEW entries in a view's range table, so since then a
    view that reads one relation is deparsed without qualifying its columns
    (`SELECT id FROM cmms.t`), where 15 printed `SELECT t.id FROM cmms.t`. Dropping that
    qualifier at the top level and printing the statement again with pglast's deparser
    (which also settles whitespace and redundant parentheses) gives one text for both.
    Text that pglast cannot parse is kept, with whitespace runs collapsed by the query.
    """
    try:
        statements = parse_sql(definition)
    except ParseError:
        return definition
    if len(statements) != 1 or not isinstance(statements[0].stmt, ast.SelectStmt):
        return definition
    select = statements[0].stmt
    relation = _single_relation_name(select)
    if relation is not None:
        _Unqualify(relation)(select)
    printed: str = RawStream()(statements)
    return printed


def _single_relation_name(select: ast.SelectStmt) -> str | None:
    """The name columns are qualified with, when the top-level query reads one relation.

    A UNION has no FROM list at the top level, so it never qualifies.
    """
    items = select.fromClause or ()
    if len(items) != 1:
        return None
    item = items[0]
    alias = getattr(item, "alias", None)
    if isinstance(alias, ast.Alias) and alias.aliasname:
        return alias.aliasname
    if isinstance(item, ast.RangeVar):
        return item.relname
    return None


class _Unqualify(Visitor):
    """Turns `relation.column` into `column` in one query level, not in its subqueries.

    Subqueries keep their qualifiers: every PostgreSQL version prints them qualified.
    """

    def __init__(self, relation: str) -> None:
        self.relation = relation

    def visit_SelectStmt(self, ancestors: Ancestor, node: ast.SelectStmt) -> Any:
        """Descend into the top-level query only."""
        return None if node is self.root else Skip

    def visit_ColumnRef(self, ancestors: Ancestor, node: ast.ColumnRef) -> Any:
        """Drop the qualifier when it names the single relation.

        A whole-row reference (`t.*`) keeps it: every version prints that qualified.
        """
        fields = node.fields or ()
        if (
            len(fields) == 2
            and isinstance(fields[0], ast.String)
            and fields[0].sval == self.relation
            and isinstance(fields[1], ast.String)
        ):
            return ast.ColumnRef(fields=(fields[1],), location=node.location)
        return None


@dataclass(frozen=True)
class Difference:
    """One difference between two snapshots: what kind of object, which one, what changed.

    `change` is "missing" (in the expected snapshot only), "unexpected" (in the actual one
    only) or "changed" (then `field` names the attribute, with both values). `kind` is empty
    for a column or a composite-type attribute, whose path reads as one.
    """

    kind: str
    object: str
    change: str
    field: str | None = None
    expected: Any = None
    actual: Any = None

    def __str__(self) -> str:
        subject = f"{self.kind} {self.object}" if self.kind else self.object
        if self.change != "changed":
            return f"{subject}: {self.change}"
        if (self.kind, self.field) in _SUMMARISED_FIELDS:
            return f"{subject}: {self.field} changed"
        return f"{subject}: {self.field} {_render(self.expected)} -> {_render(self.actual)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind or "column",
            "object": self.object,
            "change": self.change,
            "field": self.field,
            "expected": self.expected,
            "actual": self.actual,
            "line": str(self),
        }


def diff(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """Each difference between two snapshots as one readable line, sorted; [] when equal.

    Lines name the object first, then what changed, `expected -> actual`:
    `table cmms.users: missing`, `cmms.users.email: type text -> character varying(20)`,
    `index cmms.users_email_key: definition ... -> ...`, `function cmms.f(integer): body
    changed`. "missing" means in `expected` only, "unexpected" in `actual` only.
    """
    return sorted(str(d) for d in differences(expected, actual))


def differences(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[Difference]:
    """Each difference between two snapshots, as data, in the order of their lines."""
    found: list[Difference] = []
    for section in sorted(set(expected) | set(actual)):
        label = _SECTION_LABELS.get(section, section)
        found.extend(
            _diff_members(label, None, expected.get(section) or {}, actual.get(section) or {})
        )
    return sorted(found, key=str)


def _diff_members(
    label: str,
    parent: str | None,
    expected: Mapping[str, Any],
    actual: Mapping[str, Any],
) -> Iterator[Difference]:
    """Compare two collections of named objects: missing, unexpected, then changed ones."""
    for name in sorted(set(expected) | set(actual)):
        path = _member_path(label, parent, name)
        if name not in actual:
            yield Difference(label, path, "missing")
        elif name not in expected:
            yield Difference(label, path, "unexpected")
        else:
            yield from _diff_object(label, path, expected[name], actual[name])


def _member_path(label: str, parent: str | None, name: str) -> str:
    """The printed name of a member: qualified by its parent unless already qualified."""
    if parent is None or label in _QUALIFIED_CHILDREN:
        return name
    return f"{parent}.{name}"


def _diff_object(
    label: str,
    path: str,
    expected: Mapping[str, Any],
    actual: Mapping[str, Any],
) -> Iterator[Difference]:
    """Compare the fields of one object; nested collections are compared member by member."""
    for field in sorted(set(expected) | set(actual)):
        before, after = expected.get(field), actual.get(field)
        if before == after:
            continue
        if field in _CHILD_LABELS and _is_collection(before) and _is_collection(after):
            before, after = before or {}, after or {}
            if field in _ORDERED_CHILDREN:
                before, after = _relative_positions(before, after)
            yield from _diff_members(_CHILD_LABELS[field], path, before, after)
        else:
            yield Difference(label, path, "changed", field, before, after)


def _relative_positions(
    expected: Mapping[str, Any], actual: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Columns (or attributes) whose `position` is their rank among the columns both sides
    have: a column added or dropped is one difference, not one more for every column after
    it; a real change of order still shows."""
    common = set(expected) & set(actual)

    def ranked(members: Mapping[str, Any]) -> dict[str, Any]:
        order = sorted(
            (name for name in members if name in common),
            key=lambda name: (members[name] or {}).get("position", 0),
        )
        result = dict(members)
        for rank, name in enumerate(order, start=1):
            if isinstance(result[name], Mapping) and "position" in result[name]:
                result[name] = {**result[name], "position": rank}
        return result

    return ranked(expected), ranked(actual)


def _is_collection(value: Any) -> bool:
    """Whether `value` can be compared as a collection of named members (None is empty)."""
    return value is None or isinstance(value, Mapping)


def _render(value: Any) -> str:
    """A field value as it reads in a diff line: SQL text verbatim, absent as `none`."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_render(item) for item in value) + "]"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{key}: {_render(value[key])}" for key in sorted(value))
        return "{" + inner + "}"
    if value == "":
        return "''"
    return str(value)


def tenant_tables(conn: psycopg.Connection[Any]) -> list[str]:
    """The names of the tenant tables in schema cmms (conventions.toml says what one is)."""
    parameters = conventions.query_parameters()
    return [name for (name,) in conn.execute(query("tenant_tables.sql"), parameters)]


def require_schema(conn: psycopg.Connection[Any], display: str, doing: str) -> None:
    """Refuse a database without schema cmms: checking or documenting the wrong database
    must not pass as an empty result."""
    from cmmsdb.errors import ConfigurationError

    row = conn.execute(query("cmms_schema_exists.sql")).fetchone()
    if not (row and row[0]):
        raise ConfigurationError(
            f"{display} has no schema {conventions.SCHEMA}: there is nothing to {doing}",
            "check the target, or run `cmmsdb migrate` first",
        )
