"""A migration file as the linters see it: its statements (split and parsed by PostgreSQL's
parser, pglast), the lines each spans, its transaction mode, the objects it creates and the
tables it touches, and its `-- cmmsdb: allow` comments.

The transaction mode comes from cmmsdb.migrations.read_script (yoyo's own directive parser);
a rollback file runs in its forward file's mode, as cmmsdb and yoyo apply it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from cmmsdb.errors import MigrationsFolderError
from cmmsdb.migrations import ROLLBACK_SUFFIX, read_script

# `-- cmmsdb: allow rule-a, rule-b because the reason`
_SILENCE = re.compile(
    r"--\s*cmmsdb:\s*allow\s+(?P<rules>[\w.-]+(?:\s*,\s*[\w.-]+)*)"
    r"(?:\s+because\b\s*(?P<reason>.*?))?\s*$"
)
_LEADING_COMMENTS = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)


@dataclass(frozen=True)
class Statement:
    """One statement: the line its code starts on, its last line, and its parse tree (None
    when it does not parse)."""

    start: int
    end: int
    column: int
    node: Any


@dataclass(frozen=True)
class Silence:
    """A `-- cmmsdb: allow RULE because REASON` comment; `reason` is empty when missing."""

    line: int
    column: int
    rules: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class ParseProblem:
    line: int
    column: int
    message: str


@dataclass
class SqlFile:
    """A parsed migration or rollback file."""

    path: Path
    text: str
    transactional: bool = True
    statements: list[Statement] = field(default_factory=list)
    silences: list[Silence] = field(default_factory=list)
    problem: ParseProblem | None = None

    @property
    def is_rollback(self) -> bool:
        return self.path.name.endswith(ROLLBACK_SUFFIX)

    @property
    def forward_path(self) -> Path:
        """The forward migration of a rollback file (the file itself for a forward file)."""
        if self.is_rollback:
            return self.path.with_name(self.path.name.removesuffix(ROLLBACK_SUFFIX) + ".sql")
        return self.path

    @property
    def rollback_path(self) -> Path:
        return self.path.with_name(self.path.name.removesuffix(".sql") + ROLLBACK_SUFFIX)

    @cached_property
    def created(self) -> set[str]:
        """Names (unqualified, lower case) of the tables, views, functions, indexes, schemas,
        sequences and types this file creates."""
        return {name for s in self.statements for name in created_by(s.node)}

    def statement_at(self, line: int) -> int | None:
        """The index of the statement a line belongs to: the one whose code spans it, else
        the next one (a comment belongs to the statement below it); None past the last."""
        for index, statement in enumerate(self.statements):
            if line <= statement.end:
                return index
        return None


@dataclass(frozen=True)
class Hit:
    """What squawk or sqlfluff found at a place in a file, before silences apply."""

    file: SqlFile
    line: int
    column: int
    rule: str
    message: str


@dataclass(frozen=True)
class RuleHit:
    """What one of cmmsdb's own rules found in the file it checks: where, which rule, why."""

    line: int
    column: int
    rule: str
    message: str


def load(path: Path) -> SqlFile:
    """Read and parse one file. A file that does not parse is still returned, with
    `problem` set, so that it becomes a finding rather than stopping the run."""
    text = path.read_text(encoding="utf-8")
    sql_file = SqlFile(path, text, silences=_silences(text))
    try:
        sql_file.transactional = _transactional(sql_file)
    except MigrationsFolderError as exc:
        sql_file.problem = ParseProblem(1, 1, exc.message.removeprefix(f"{path}: "))
        return sql_file
    try:
        sql_file.statements = _statements(text)
    except _Unparsable as exc:
        sql_file.problem = exc.problem
    return sql_file


def _transactional(sql_file: SqlFile) -> bool:
    forward = sql_file.forward_path
    return read_script(forward if forward.is_file() else sql_file.path).transactional


class _Unparsable(Exception):
    def __init__(self, problem: ParseProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _statements(text: str) -> list[Statement]:
    """The statements of a file, parsed whole by PostgreSQL's parser: a statement that does
    not parse is an error here (pglast's scanner-only split, which migrations use, skips a
    statement that starts with an unknown word such as a misspelt keyword)."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        parsed = parse_sql(text)
    except ParseError as exc:
        raise _Unparsable(_problem(text, 0, exc)) from None
    statements = []
    for raw in parsed:
        start: int = raw.stmt_location or 0
        stop = start + raw.stmt_len if raw.stmt_len else len(text.rstrip())
        leading = _LEADING_COMMENTS.match(text, start, stop)
        code = leading.end() if leading else start
        line, column = _position(text, code)
        end_line, _ = _position(text, max(stop - 1, code))
        statements.append(Statement(line, end_line, column, raw.stmt))
    return statements


def _problem(text: str, offset: int, exc: Exception) -> ParseProblem:
    where = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
    line, column = _position(text, min(offset + where, len(text)))
    return ParseProblem(line, column, f"does not parse: {exc.args[0]}")


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _silences(text: str) -> list[Silence]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SILENCE.search(line)
        if match:
            rules = tuple(r.strip() for r in match["rules"].split(","))
            found.append(Silence(number, match.start() + 1, rules, (match["reason"] or "").strip()))
    return found


# --- what a statement creates and touches ---------------------------------------------------


def object_name(parts: Any) -> str:
    """The unqualified, lower-case name of a name list, RangeVar, TypeName or String."""
    if parts is None:
        return ""
    if hasattr(parts, "relname"):
        return str(parts.relname).lower()
    if hasattr(parts, "objname"):
        return object_name(parts.objname)
    if hasattr(parts, "names"):
        return object_name(parts.names)
    if hasattr(parts, "sval"):
        return str(parts.sval).lower()
    if isinstance(parts, tuple | list) and parts:
        return object_name(parts[-1])
    return str(parts).lower()


def created_by(node: Any) -> set[str]:
    """The objects a statement creates."""
    kind = type(node).__name__
    if kind == "CreateStmt":
        return {object_name(node.relation)}
    if kind == "ViewStmt":
        return {object_name(node.view)}
    if kind == "CreateTableAsStmt":
        return {object_name(node.into.rel)}
    if kind == "CreateFunctionStmt":
        return {object_name(node.funcname)}
    if kind == "IndexStmt":
        return {node.idxname.lower()} if node.idxname else set()
    if kind == "CreateSchemaStmt":
        return {node.schemaname.lower()}
    if kind == "CreateSeqStmt":
        return {object_name(node.sequence)}
    if kind in ("CompositeTypeStmt",):
        return {object_name(node.typevar)}
    if kind in ("CreateEnumStmt", "CreateDomainStmt", "CreateRangeStmt"):
        return {object_name(node.typeName)}
    return set()


_TABLE_PARENT_DROPS = {"OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE"}


def touched_by(node: Any) -> set[str]:
    """The existing objects a statement changes or drops (for a trigger, policy or index:
    its table). Empty for statements that change no object (SET, GRANT, COMMENT, ...)."""
    kind = type(node).__name__
    if kind in ("AlterTableStmt", "IndexStmt", "CreateTrigStmt", "ReindexStmt"):
        return {object_name(node.relation)} if node.relation is not None else set()
    if kind in ("CreatePolicyStmt", "AlterPolicyStmt"):
        return {object_name(node.table)}
    if kind == "CreateStmt" and node.partbound is not None and node.inhRelations:
        return {object_name(node.inhRelations[0])}
    if kind == "DropStmt":
        if node.removeType.name in _TABLE_PARENT_DROPS:
            return {object_name(obj[-2]) for obj in node.objects}
        return {object_name(obj) for obj in node.objects}
    if kind == "RenameStmt":
        return (
            {object_name(node.relation)}
            if node.relation is not None
            else {object_name(node.object)}
        )
    if kind == "TruncateStmt":
        return {object_name(r) for r in node.relations}
    if kind == "RuleStmt":
        return {object_name(node.relation)}
    return set()


_CHANGES_TABLE = {
    "AlterTableStmt",
    "IndexStmt",
    "CreateTrigStmt",
    "CreatePolicyStmt",
    "AlterPolicyStmt",
    "CreateStmt",
    "RenameStmt",
    "TruncateStmt",
    "RuleStmt",
    "ReindexStmt",
}
_TABLE_DROPS = {"OBJECT_TABLE", "OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE"}


def tables_changed_by(node: Any) -> set[str]:
    """The tables a statement changes: ALTER TABLE, an index, trigger, policy, rule or
    partition on it, a rename, TRUNCATE, DROP TABLE/TRIGGER/POLICY. GRANT and COMMENT do
    not count, nor does ALTER TABLE ... OWNER TO: they change privileges, not the table."""
    kind = type(node).__name__
    if kind == "AlterTableStmt" and (
        node.objtype.name != "OBJECT_TABLE"
        or all(cmd.subtype.name == "AT_ChangeOwner" for cmd in node.cmds)
    ):
        return set()
    if kind == "RenameStmt" and node.relation is None:
        return set()
    if kind in _CHANGES_TABLE or (kind == "DropStmt" and node.removeType.name in _TABLE_DROPS):
        return touched_by(node)
    return set()
