"""cmmsdb lint: check migration files before they reach a database.

Three checkers, one report: style (sqlfluff with the project's .sqlfluff), safety on a live,
loaded database (squawk, run in each file's transaction mode) and cmmsdb's own rules
(rollback files, tenant tables, composite tenant foreign keys, CONCURRENTLY outside a
transaction, one existing table per migration). Objects created by the same migration are
exempt from the rules about existing objects. A finding is silenced inline with
`-- cmmsdb: allow RULE because REASON`; released migrations shipped with cmmsdb are exempted
in one place, config.toml, with a reason each.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from cmmsdb.errors import LintPathError
from cmmsdb.linter import changes, hazards, rules, security, source, squawk, style
from cmmsdb.linter.config import LintConfig, load
from cmmsdb.linter.findings import Finding, LintReport, Silenced
from cmmsdb.linter.source import SqlFile
from cmmsdb.migrations import ROLLBACK_SUFFIX
from cmmsdb.resources import shipped

__all__ = ["Finding", "LintReport", "Silenced", "default_paths", "lint", "rule_ids"]


def default_paths() -> list[Path]:
    """The migrations shipped with cmmsdb: the main folder and every optional module."""
    return [shipped("sql")]


def rule_ids() -> frozenset[str]:
    """Every rule a silence comment may name (style rules are `style.CODE`)."""
    return (
        frozenset(rules.RULES) | frozenset(security.RULES) | frozenset(hazards.RULES) | squawk.RULES
    )


def lint(
    paths: Sequence[Path | str] = (),
    *,
    style_check: bool = True,
    changed_only: bool = False,
    jobs: int | None = None,
) -> LintReport:
    """Lint migration files: each path a file or a folder (its *.sql, recursively; rollback
    files included). Default: the shipped migrations. With `changed_only`, a folder in a git
    checkout contributes only its changed files (cmmsdb.linter.changes); files named
    explicitly are always linted. `jobs`: sqlfluff's worker processes (default: one per
    CPU). Raises LintPathError for a missing path or a folder
    without SQL, MissingExtra when squawk or sqlfluff is not installed."""
    targets, unchanged = _collect([Path(p) for p in paths] or default_paths(), changed_only)
    cache: dict[Path, SqlFile] = {}
    files = [_load(path, cache) for path in targets]
    config = load()
    known = _forward_files(files, cache)
    tenant_tables, parents = _tenant_tables(known), _partition_parents(known)
    secured = security.Known.of(known)
    report = LintReport(files=[_display(f.path) for f in files], unchanged=unchanged)
    # (file, line, column, rule, message, source, why a built-in exemption drops it)
    hits: list[tuple[SqlFile, int, int, str, str, str, str | None]] = []
    for sql_file in files:
        if sql_file.problem is not None:
            problem = sql_file.problem
            hits.append(
                (
                    sql_file,
                    problem.line,
                    problem.column,
                    "parse-error",
                    problem.message,
                    "cmmsdb",
                    None,
                )
            )
            continue
        created = _created(sql_file, cache)
        for hit in rules.check(sql_file, created, tenant_tables, parents):
            hits.append((sql_file, hit.line, hit.column, hit.rule, hit.message, "cmmsdb", None))
        forward = _forward_of(sql_file, cache)
        found_here = security.check(sql_file, forward, created, secured)
        for found in found_here + hazards.check(sql_file, created):
            hits.append(
                (sql_file, found.line, found.column, found.rule, found.message, "cmmsdb", None)
            )
    for s in squawk.check(files, config):
        why = _exemption(s.file, s.line, s.rule, config, cache)
        hits.append((s.file, s.line, s.column, s.rule, s.message, "squawk", why))
    if style_check:
        for t in style.check(files, jobs):
            why = _UNPARSABLE_FOR_SQLFLUFF if t.rule == style.PARSE_ERROR else None
            hits.append((t.file, t.line, t.column, t.rule, t.message, "style", why))
    for sql_file in files:
        mine = [(Finding(_display(sql_file.path), *h[1:6]), h[6]) for h in hits if h[0] is sql_file]
        _settle(sql_file, mine, config, report)
    report.findings.sort()
    return report


# sqlfluff's parser lags PostgreSQL's (ALTER TABLE ... ATTACH PARTITION, DETACH PARTITION ...
# CONCURRENTLY): its parse errors on a file PostgreSQL's own parser accepts are not findings.
_UNPARSABLE_FOR_SQLFLUFF = (
    "sqlfluff cannot parse this section, which PostgreSQL's parser (pglast) accepts: "
    "its style is not checked"
)


def _collect(paths: Iterable[Path], changed_only: bool) -> tuple[list[Path], int]:
    """The files to lint, and how many files of the folders were left out as unchanged."""
    found: dict[Path, None] = {}
    unchanged: set[Path] = set()
    for path in paths:
        if path.is_dir():
            inside = sorted(path.rglob("*.sql"))
            if not inside:
                raise LintPathError(
                    f"{path} holds no SQL file (*.sql)", "pass migration files or folders"
                )
            changed = changes.changed_files(path) if changed_only else None
            if changed is not None:
                unchanged |= {p for p in inside if p.resolve() not in changed}
                inside = [p for p in inside if p.resolve() in changed]
            found.update(dict.fromkeys(inside))
        elif path.is_file():
            found[path] = None
        else:
            raise LintPathError(f"{path} does not exist", "pass migration files or folders")
    return list(found), len(unchanged - set(found))


def _load(path: Path, cache: dict[Path, SqlFile]) -> SqlFile:
    key = path.resolve()
    if key not in cache:
        cache[key] = source.load(path)
    return cache[key]


def _created(sql_file: SqlFile, cache: dict[Path, SqlFile]) -> set[str]:
    """What the file's migration creates: the file's own objects and, for a rollback file,
    its forward file's (which the rollback removes)."""
    created = set(sql_file.created)
    if sql_file.is_rollback and sql_file.forward_path.is_file():
        created |= _load(sql_file.forward_path, cache).created
    return created


def _forward_of(sql_file: SqlFile, cache: dict[Path, SqlFile]) -> SqlFile | None:
    """A rollback file's forward file, parsed (None for a forward file or a lone rollback)."""
    if not sql_file.is_rollback or not sql_file.forward_path.is_file():
        return None
    return _load(sql_file.forward_path, cache)


def _forward_files(files: Sequence[SqlFile], cache: dict[Path, SqlFile]) -> list[SqlFile]:
    """The linted files, the forward migrations beside them and the shipped migrations: what
    tells which tables exist and what they are."""
    known = {f.path.resolve() for f in files}
    for folder in {f.path.resolve().parent for f in files}:
        known |= {p.resolve() for p in folder.glob("*.sql")}
    known |= {p.resolve() for p in shipped("sql").rglob("*.sql")}
    return [_load(p, cache) for p in sorted(known) if not p.name.endswith(ROLLBACK_SUFFIX)]


def _tenant_tables(files: Sequence[SqlFile]) -> set[str]:
    """Tables with organization_id: the tables a tenant foreign key may point at."""
    return {table for f in files for table in rules.tenant_tables_created(f)}


def _partition_parents(files: Sequence[SqlFile]) -> dict[str, str]:
    """Each known partition with the table it is a partition of."""
    return {child: parent for f in files for child, parent in rules.partitions_created(f).items()}


def _exemption(
    sql_file: SqlFile, line: int, rule: str, config: LintConfig, cache: dict[Path, SqlFile]
) -> str | None:
    """Why a squawk finding is dropped, or None when it stands: a rule turned off for
    rollback files, a rule about existing objects on a statement whose objects the migration
    created, or a demand for CONCURRENTLY on `CREATE INDEX ... ON ONLY` (it builds nothing,
    and a partitioned table's index cannot be built concurrently: its partitions' indexes
    are). A dropped finding is still listed, as silenced by this exemption."""
    if sql_file.is_rollback and rule in config.squawk_off_in_rollbacks:
        return f"off in rollback files: {config.squawk_off_in_rollbacks[rule]}"
    index = sql_file.statement_at(line)
    if index is None:
        return None
    node = sql_file.statements[index].node
    if rule == "require-concurrent-index-creation" and _on_only(node):
        return (
            "CREATE INDEX ... ON ONLY builds nothing: the partitions' indexes are built "
            "(concurrently) and attached"
        )
    if rule not in config.new_object_rules:
        return None
    touched = source.touched_by(node)
    if touched and touched <= _created(sql_file, cache):
        where = "its forward migration" if sql_file.is_rollback else "this migration"
        return (
            f"new objects: {', '.join(sorted(touched))} "
            f"{'is' if len(touched) == 1 else 'are'} created by {where}, nobody uses it yet"
        )
    return None


def _on_only(node: object) -> bool:
    relation = getattr(node, "relation", None)
    return type(node).__name__ == "IndexStmt" and relation is not None and not relation.inh


def _settle(
    sql_file: SqlFile,
    findings: list[tuple[Finding, str | None]],
    config: LintConfig,
    report: LintReport,
) -> None:
    """Sort one file's findings into reported and silenced (by a built-in exemption, by
    config or by comment), and report invalid silence comments."""
    exempt = config.exemptions(sql_file.path)
    known = rule_ids()
    valid = []
    for silence in sql_file.silences:
        unknown = [r for r in silence.rules if r not in known and not r.startswith("style.")]
        problem = (
            f"unknown rule {unknown[0]!r}"
            if unknown
            else None
            if silence.reason
            else "no reason: write `-- cmmsdb: allow RULE because REASON`"
        )
        if problem:
            report.findings.append(
                Finding(
                    _display(sql_file.path),
                    silence.line,
                    silence.column,
                    "invalid-silence",
                    f"{problem} (this silence is ignored)",
                    "cmmsdb",
                )
            )
        else:
            valid.append(silence)
    for finding, exemption in findings:
        if finding.rule in rules.UNSILENCEABLE:
            report.findings.append(finding)
        elif exemption is not None:
            report.silenced.append(Silenced(finding, exemption, "exemption"))
        elif finding.rule in exempt:
            report.silenced.append(Silenced(finding, exempt[finding.rule], "config"))
        else:
            reason = _silenced_by(sql_file, finding, valid)
            if reason is None:
                report.findings.append(finding)
            else:
                report.silenced.append(Silenced(finding, reason, "comment"))


def _silenced_by(sql_file: SqlFile, finding: Finding, silences: list[source.Silence]) -> str | None:
    """The reason of the silence comment that covers a finding: one naming its rule on the
    same statement (the comment inside it, or in the comments just above it), or anywhere
    in the file for a rule about the whole file."""
    statement = sql_file.statement_at(finding.line)
    for silence in silences:
        if finding.rule not in silence.rules:
            continue
        if finding.rule in rules.FILE_RULES or sql_file.statement_at(silence.line) == statement:
            return silence.reason
    return None


def _display(path: Path) -> str:
    """A path as the user would write it: relative to the current folder when inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(absolute)
