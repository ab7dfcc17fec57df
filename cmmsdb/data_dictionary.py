"""The data dictionary: a catalog snapshot of schema cmms as Markdown, with a Mermaid ER diagram.

`cmmsdb docs` writes it to docs/schema.md, which is committed; a test keeps it current.
The text depends only on the snapshot (no timestamps, no server version), and the snapshot
is the same on PostgreSQL 15 to 18, so the file is the same wherever it is generated.
Partitions (tables with a parent) are left out: their names follow the calendar.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmmsdb import conventions
from cmmsdb.target import DEFAULT_CONNECT_TIMEOUT, as_target

if TYPE_CHECKING:
    from cmmsdb.target import Target

__all__ = ["SCHEMA", "DocsFile", "document", "foreign_keys", "render_markdown", "write"]

SCHEMA = conventions.SCHEMA

_FOREIGN_KEY = re.compile(
    r"FOREIGN KEY \((?P<columns>[^)]*)\) REFERENCES (?P<table>[^\s(]+)\((?P<referenced>[^)]*)\)"
)
_CONSTRAINT_KINDS = (
    ("PRIMARY KEY", "primary key"),
    ("UNIQUE", "unique"),
    ("FOREIGN KEY", "foreign key"),
    ("CHECK", "check"),
    ("EXCLUDE", "exclusion"),
)


def _names(text: str) -> list[str]:
    return [name.strip().strip('"') for name in text.split(",") if name.strip()]


def foreign_keys(table: Mapping[str, Any]) -> list[tuple[str, list[str], str, list[str]]]:
    """(constraint, columns, referenced table, referenced columns) of a table, by name."""
    keys = []
    for name in sorted(table["constraints"]):
        match = _FOREIGN_KEY.search(table["constraints"][name]["definition"])
        if match:
            keys.append(
                (
                    name,
                    _names(match["columns"]),
                    match["table"],
                    _names(match["referenced"]),
                )
            )
    return keys


def _tables(snapshot: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The tables of schema cmms, partitions left out, by name."""
    return [
        (name, table)
        for name, table in sorted(snapshot["tables"].items())
        if name.startswith(f"{SCHEMA}.") and not table.get("parent")
    ]


def _in_schema(section: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return [(name, item) for name, item in sorted(section.items()) if name.startswith(f"{SCHEMA}.")]


def _columns(relation: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return sorted(relation["columns"].items(), key=lambda item: item[1]["position"])


def _short(name: str) -> str:
    return name.removeprefix(f"{SCHEMA}.")


def _cell(value: Any) -> str:
    """Text fit for one Markdown table cell."""
    if value is None or value == "":
        return ""
    return " ".join(str(value).split()).replace("|", "\\|")


def _code(value: Any) -> str:
    return f"`{_cell(value)}`" if value not in (None, "") else ""


def _mermaid_word(text: str) -> str:
    """A type or name as one word Mermaid accepts."""
    return re.sub(r"[^A-Za-z0-9_\-\[\]()]", "_", text)


def _primary_key(table: Mapping[str, Any]) -> list[str]:
    for constraint in table["constraints"].values():
        definition: str = constraint["definition"]
        if definition.startswith("PRIMARY KEY ("):
            return _names(definition[len("PRIMARY KEY (") : definition.index(")")])
    return []


def _diagram(tables: list[tuple[str, Mapping[str, Any]]]) -> Iterator[str]:
    yield "```mermaid"
    yield "erDiagram"
    for name, table in tables:
        primary = set(_primary_key(table))
        foreign = {column for _, columns, _, _ in foreign_keys(table) for column in columns}
        yield f"    {_mermaid_word(_short(name))} {{"
        for column, info in _columns(table):
            markers = [m for m, on in (("PK", column in primary), ("FK", column in foreign)) if on]
            suffix = f" {','.join(markers)}" if markers else ""
            yield f"        {_mermaid_word(info['type'])} {_mermaid_word(column)}{suffix}"
        yield "    }"
    documented = {name for name, _ in tables}
    for name, table in tables:
        for constraint, columns, referenced, _ in foreign_keys(table):
            if referenced not in documented:
                continue
            nullable = any(not table["columns"][c]["not_null"] for c in columns)
            parent = "|o" if nullable else "||"
            yield (
                f"    {_mermaid_word(_short(referenced))} {parent}--o{{ "
                f'{_mermaid_word(_short(name))} : "{constraint}"'
            )
    yield "```"


def _constraint_kind(definition: str) -> str:
    for prefix, kind in _CONSTRAINT_KINDS:
        if definition.startswith(prefix):
            return kind
    return "other"


def _heading(name: str, relation: Mapping[str, Any]) -> Iterator[str]:
    """A relation's heading and its comment, on one line."""
    yield f"### {name}"
    yield ""
    if relation.get("comment"):
        yield " ".join(relation["comment"].split())
        yield ""


def _table_section(name: str, table: Mapping[str, Any]) -> Iterator[str]:
    yield from _heading(name, table)
    rls = "enabled" if table.get("rls_enabled") else "disabled"
    if table.get("rls_enabled"):
        rls += ", forced" if table.get("rls_forced") else ", not forced"
    yield f"- Row-level security: {rls}"
    if table.get("partition_key"):
        yield f"- Partitioned by {_code(table['partition_key'])}"
    yield ""
    yield "| column | type | null | default | comment |"
    yield "|---|---|---|---|---|"
    for column, info in _columns(table):
        default = info.get("default")
        if info.get("identity"):
            default = f"identity ({info['identity']})"
        elif info.get("generated"):
            expression, _, kind = info["generated"].rpartition(" ")
            default = f"GENERATED ALWAYS AS ({expression}) {kind}"
        yield (
            f"| {_cell(column)} | {_code(info['type'])} | "
            f"{'not null' if info['not_null'] else 'null'} | {_code(default)} | "
            f"{_cell(info.get('comment'))} |"
        )
    yield ""
    rank = {kind: i for i, (_, kind) in enumerate(_CONSTRAINT_KINDS)}
    constraints = sorted(
        table["constraints"].items(),
        key=lambda item: (rank.get(_constraint_kind(item[1]["definition"]), 99), item[0]),
    )
    if constraints:
        yield "Keys and constraints:"
        yield ""
        yield "| constraint | kind | definition |"
        yield "|---|---|---|"
        for constraint, info in constraints:
            definition = info["definition"]
            yield f"| {_cell(constraint)} | {_constraint_kind(definition)} | {_code(definition)} |"
        yield ""
    indexes = sorted(table.get("indexes", {}).items())
    if indexes:
        yield "Indexes:"
        yield ""
        yield "| index | definition |"
        yield "|---|---|"
        for index, info in indexes:
            yield f"| {_cell(_short(index))} | {_code(info['definition'])} |"
        yield ""


def _view_section(name: str, view: Mapping[str, Any]) -> Iterator[str]:
    yield from _heading(name, view)
    invoker = "security_invoker=true" in (view.get("reloptions") or [])
    yield f"- security_invoker: {'yes' if invoker else 'no'}"
    columns = ", ".join(f"`{column}` {info['type']}" for column, info in _columns(view))
    yield f"- Columns: {columns}"
    yield ""


def _function_section(name: str, function: Mapping[str, Any]) -> Iterator[str]:
    signature = f"{name.split('(', 1)[0]}({function.get('arguments') or ''})"
    result = function.get("result")
    returns = f" returns {result}" if result else ""
    yield f"### {signature.split('(', 1)[0]}"
    yield ""
    yield f"`{signature}{returns}`"
    yield ""
    if function.get("comment"):
        yield " ".join(function["comment"].split())
        yield ""


def render_markdown(snapshot: Mapping[str, Any]) -> str:
    """The data dictionary of schema cmms in `snapshot` (from cmmsdb.catalog.snapshot)."""
    tables = _tables(snapshot)
    lines = [
        f"# Schema `{SCHEMA}`",
        "",
        "Generated by `cmmsdb docs` from a migrated database; do not edit by hand.",
        "",
    ]
    schema_comment = (snapshot.get("schemas", {}).get(SCHEMA) or {}).get("comment")
    if schema_comment:
        lines += [" ".join(schema_comment.split()), ""]
    lines += ["## Entity-relationship diagram", "", *_diagram(tables), "", "## Tables", ""]
    for name, table in tables:
        lines += _table_section(name, table)
    views = _in_schema(snapshot.get("views", {}))
    if views:
        lines += ["## Views", ""]
        for name, view in views:
            lines += _view_section(name, view)
    functions = _in_schema(snapshot.get("functions", {}))
    if functions:
        lines += ["## Functions", ""]
        for name, function in functions:
            lines += _function_section(name, function)
    return "\n".join(lines).rstrip("\n") + "\n"


@dataclass(frozen=True)
class DocsFile:
    """The data dictionary file: written, or (with check) whether it is current."""

    path: str
    written: bool
    current: bool

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "written": self.written, "current": self.current}


def document(target: Target, connect_timeout: float) -> str:
    """The data dictionary of the database behind `target`; a database without schema
    cmms has nothing to document (ConfigurationError), not an empty dictionary."""
    from cmmsdb import catalog
    from cmmsdb.target import connect

    with connect(target, connect_timeout=connect_timeout) as conn:
        catalog.require_schema(conn, target.display, "document")
        return render_markdown(catalog.snapshot(conn))


def write(
    target: str | Target,
    output: Path | str,
    *,
    check: bool = False,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> DocsFile:
    """Write the data dictionary of `target` to `output`, or with `check` only compare."""
    target, output = as_target(target), Path(output)
    text = document(target, connect_timeout)
    if check:
        current = output.is_file() and output.read_text(encoding="utf-8") == text
        return DocsFile(str(output), False, current)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    return DocsFile(str(output), True, True)
