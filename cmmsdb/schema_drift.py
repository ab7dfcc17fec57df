"""`cmmsdb drift` and `cmmsdb snapshot`: is the live schema what the migrations build?

The expected schema is either the catalog snapshot committed beside the migrations
(sql/schema.json, written by `cmmsdb snapshot`) or a scratch database migrated on the spot
to the same migrations as the target. Both sides go through `normalise`, which keeps what
the migrations decide and drops what legitimately changes at run time:

- monthly partitions (`<table>_pYYYY_MM` of a table partitioned BY RANGE) are created and
  archived by `cmmsdb partitions maintain` as months pass: the snapshot keeps one of them as
  a template, `<table>_pYYYY_MM`, and every monthly partition of the target is compared with
  that template; archived partitions (`cmms_archive.<table>_pYYYY_MM`, on a Citus database
  their distribution too) are left out, any other table in cmms_archive is compared;
- objects outside cmmsdb's schemas (an application's own tables in public, an extension a
  DBA installed there) are not cmmsdb's business: only the schemas the migrations create,
  and default privileges and publications that touch them, are compared; but every event
  trigger (it runs on every DDL statement, cmmsdb's migrations included), every extension in
  those schemas or in public (its functions and operators can capture unqualified calls),
  and cmmsdb's roles and the database's settings are compared too.

A target with the citus module applied is compared with a scratch Citus database built on
the cluster that --scratch-dsn names (cmmsdb.citus_drift, which says what of Citus is
compared and what is normalised away); the committed snapshot and the embedded server
cannot describe it and are refused.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmmsdb import catalog, citus_drift, ledger, session
from cmmsdb.catalog import Difference
from cmmsdb.conventions import ARCHIVE_SCHEMA
from cmmsdb.errors import ConfigurationError, DriftUnavailable
from cmmsdb.migrations import discover, enabled_modules, module_of
from cmmsdb.resources import migrations_folder
from cmmsdb.target import DEFAULT_CONNECT_TIMEOUT, Target, as_target, connect, create_database

if TYPE_CHECKING:
    import psycopg

SNAPSHOT_FILE = "schema.json"
SNAPSHOT_FORMAT = 2
MONTH_PLACEHOLDER = "pYYYY_MM"
# Schemas that are never cmmsdb's, even though every database has them.
FOREIGN_SCHEMAS = frozenset({"public"})
_MONTHLY = re.compile(r"_p\d{4}_\d{2}$")
_SCHEMA_OF = re.compile(r'^("(?:[^"]|"")+"|[^."]+)\.')


@dataclass(frozen=True)
class Expected:
    """An expected schema: the normalised snapshot, and the migrations that built it."""

    source: str
    migrations: list[str]
    schema: dict[str, Any]

    def to_file(self) -> str:
        """The committed file's text: sorted keys and one key per line, so git diffs read."""
        document = {
            "format": SNAPSHOT_FORMAT,
            "migrations": self.migrations,
            "schema": self.schema,
        }
        return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class DriftReport:
    """How the target's schema differs from the expected one (no differences: no drift)."""

    target: str
    expected_from: str
    migrations: int
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "expected_from": self.expected_from,
            "migrations": self.migrations,
            "ok": self.ok,
            "differences": [d.to_dict() for d in self.differences],
        }


def snapshot_path(folder: Path) -> Path:
    """Where the snapshot of migrations folder `folder` is committed: beside it."""
    return folder.parent / SNAPSHOT_FILE


def normalise(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """`snapshot` (from catalog.snapshot) without what changes at run time, as described in
    the module docstring. The result is what the committed file holds."""
    document: dict[str, Any] = json.loads(json.dumps(snapshot))
    tables: dict[str, Any] = document.get("tables", {})
    _drop_archived(document)
    templates: dict[str, Any] = {}
    for name, parent in sorted(monthly_partitions(tables).items()):
        table = tables.pop(name)
        templates.setdefault(_template_name(parent), as_template(name, parent, table))
    tables.update(templates)
    return document


def monthly_partitions(tables: Mapping[str, Any]) -> dict[str, str]:
    """The monthly partitions among `tables`, each with its parent's name."""
    found = {}
    for name, table in tables.items():
        parent = table.get("parent")
        if not parent or not _MONTHLY.search(name) or name[: -len("_pYYYY_MM")] != parent:
            continue
        if str((tables.get(parent) or {}).get("partition_key") or "").startswith("RANGE ("):
            found[name] = parent
    return found


def archived_partitions(tables: Mapping[str, Any]) -> list[str]:
    """The tables of cmms_archive that partition maintenance put there: detached monthly
    partitions, `cmms_archive.<table>_pYYYY_MM` of a table `cmms.<table>` partitioned BY
    RANGE. Any other table there (a copy, a table granted to PUBLIC) is compared like the
    rest."""
    found = []
    for name in tables:
        if _schema_of(name) != ARCHIVE_SCHEMA or not _MONTHLY.search(name):
            continue
        parent = "cmms." + name.split(".", 1)[1][: -len("_pYYYY_MM")]
        if str((tables.get(parent) or {}).get("partition_key") or "").startswith("RANGE ("):
            found.append(name)
    return found


def _drop_archived(document: dict[str, Any]) -> None:
    """Take the archived partitions out of `document`: their tables, and on a Citus
    database their entries of the distribution section (they stay distributed tables)."""
    tables = document.get("tables", {})
    spread = document.get(citus_drift.SECTION, {})
    for name in archived_partitions(tables):
        del tables[name]
        spread.pop(name, None)


def as_template(name: str, parent: str, table: Mapping[str, Any]) -> dict[str, Any]:
    """A monthly partition with its month taken out of every name and of its bounds."""
    month = name.rsplit(".", 1)[-1]
    template = month[: -len("YYYY_MM")] + "YYYY_MM"
    text = json.dumps(table).replace(month, template)
    result: dict[str, Any] = json.loads(text)
    result["partition_bound"] = "FOR VALUES FROM (month) TO (next month)"
    return result


def _template_name(parent: str) -> str:
    return f"{parent}_{MONTH_PLACEHOLDER}"


def _schema_of(name: str) -> str | None:
    match = _SCHEMA_OF.match(name)
    return match.group(1).strip('"') if match else None


def compare(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[Difference]:
    """The differences between the normalised snapshot `expected` and `actual` (from
    catalog.snapshot, or normalised), within cmmsdb's schemas.

    Every monthly partition of `actual` is compared with its table's template in
    `expected`, under its own name; a table with no monthly partition left reports its
    template as missing.
    """
    wanted: dict[str, Any] = json.loads(json.dumps(expected))
    found = normalise_partitions_for_compare(wanted, actual)
    scope = {name for name in wanted.get("schemas", {}) if name not in FOREIGN_SCHEMAS}
    known = {section: set(members) for section, members in wanted.items()}
    return catalog.differences(_scoped(wanted, scope, known), _scoped(found, scope, known))


def normalise_partitions_for_compare(
    expected: dict[str, Any], actual: Mapping[str, Any]
) -> dict[str, Any]:
    """`actual` with its monthly partitions turned into templates under their own names,
    and `expected` (changed in place) given a copy of the template for each of them."""
    copy: dict[str, Any] = json.loads(json.dumps(actual))
    tables = copy.get("tables", {})
    _drop_archived(copy)
    templates = expected.get("tables", {})
    matched: set[str] = set()
    for name, parent in monthly_partitions(tables).items():
        key = _template_name(parent)
        if key in templates:
            tables[name] = as_template(name, parent, tables[name])
            templates[name] = templates[key]
            matched.add(key)
    for key in matched:
        del templates[key]
    return copy


def _scoped(
    snapshot: Mapping[str, Any], scope: set[str], known: Mapping[str, set[str]]
) -> dict[str, Any]:
    """The parts of `snapshot` that belong to cmmsdb: objects in `scope` (schemas); those
    schemas and any schema named cmms* (not public: a DBA's grants there are not drift);
    the extensions, default privileges and publications that the expected snapshot has
    (`known`, names by section) or that touch those schemas (or public, for extensions) or
    cmmsdb's roles; every event trigger, role and database setting the snapshot holds."""

    def inside(name: str) -> bool:
        return _schema_of(name) in scope

    def belongs(section: str, name: str, value: Mapping[str, Any]) -> bool:
        if section in ("tables", "views", "sequences", "functions", "types", "distribution"):
            return inside(name)
        if section == "schemas" and name in FOREIGN_SCHEMAS:
            return False
        if name in known.get(section, ()):
            return True
        if section == "schemas":
            return name.startswith("cmms")
        if section == "extensions":
            return value.get("schema") in scope | FOREIGN_SCHEMAS
        if section == "default_privileges":
            return " cmms" in name
        if section == "publications":
            return (
                bool(value.get("all_tables"))
                or any(_schema_of(table) in scope for table in value.get("tables") or ())
                or any(schema in scope for schema in value.get("schemas") or ())
            )
        return True

    return {
        section: {n: v for n, v in members.items() if belongs(section, n, v)}
        for section, members in snapshot.items()
    }


def read_expected(folder: Path) -> Expected:
    """The committed snapshot of migrations folder `folder`."""
    path = snapshot_path(folder)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(
            f"no committed snapshot at {path}",
            "run `cmmsdb snapshot` to write it, or compare with a scratch database: --scratch",
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the snapshot {path}: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != SNAPSHOT_FORMAT:
        raise ConfigurationError(
            f"{path} is not a cmmsdb snapshot of format {SNAPSHOT_FORMAT}",
            "regenerate it with `cmmsdb snapshot`",
        )
    return Expected(str(path), list(document["migrations"]), document["schema"])


def build_expected(
    scratch: Target,
    folder: Path,
    *,
    migrations: Sequence[str] | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> Expected:
    """The schema that `migrations` (ids; default: every migration of the main folder)
    build, read from a temporary database created on the `scratch` server and dropped."""
    from cmmsdb import migrator  # only here: drift against the snapshot needs none of it

    wanted = list(migrations) if migrations is not None else [m.id for m in discover(folder)]
    last_main, modules = _plan(folder, wanted)
    with _scratch_for(scratch, wanted, connect_timeout) as database:
        options = session.Options(connect_timeout=connect_timeout)
        if modules:  # every main migration, then the modules: as `migrate --with` does
            migrator.migrate(database, folder, modules=modules, options=options)
        elif last_main is not None:
            migrator.migrate(database, folder, to=last_main, options=options)
        with connect(database, connect_timeout=connect_timeout) as conn:
            built = [row.id for row in ledger.read(conn)]
            schema = normalise(live_schema(conn))
    if sorted(built) != sorted(wanted):
        raise DriftUnavailable(
            "the scratch database cannot be migrated to the target's migrations "
            f"({len(wanted)} applied there, {len(built)} built)",
            "migrate the target to the latest migrations, then run drift again",
        )
    return Expected(f"scratch database on {scratch.display}", wanted, schema)


def _plan(folder: Path, wanted: Sequence[str]) -> tuple[str | None, list[str]]:
    """The last main-folder migration and the modules to apply to build exactly `wanted`.

    The migrator applies the main folder in order, then whole modules: a target whose
    applied migrations are not a prefix of the main folder (plus whole modules) cannot be
    rebuilt that way.
    """
    main = [m.id for m in discover(folder)]
    applied_main = [i for i in wanted if module_of(i) is None]
    if sorted(applied_main) != sorted(main[: len(applied_main)]):
        unknown = sorted(set(applied_main) - set(main))
        raise DriftUnavailable(
            "the target's migrations are not a prefix of the migrations folder"
            + (f" (unknown: {', '.join(unknown[:3])})" if unknown else ""),
            "check --migrations: it must be the folder the target was migrated from",
        )
    modules = enabled_modules(folder, wanted)
    if modules and len(applied_main) < len(main):
        raise DriftUnavailable(
            f"the target has modules applied ({', '.join(modules)}) but "
            f"{len(main) - len(applied_main)} main migrations pending",
            "migrate the target first: a scratch database applies modules after every "
            "main migration",
        )
    return (applied_main[-1] if applied_main else None), modules


def live_schema(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """catalog.snapshot of the database behind `conn`, with, on a Citus database, how its
    tables are distributed (citus_drift.distribution; nothing elsewhere)."""
    schema = catalog.snapshot(conn)
    spread = citus_drift.distribution(conn)
    if spread:
        schema[citus_drift.SECTION] = spread
    return schema


def _scratch_for(
    server: Target, migrations: Sequence[str], connect_timeout: float
) -> AbstractContextManager[Target]:
    """The scratch database to build `migrations` in: a Citus database on `server`'s
    cluster when they include the citus module (refused where Citus is not), else a plain
    one."""
    if citus_drift.needs_citus(migrations):
        citus_drift.require_citus_server(server, connect_timeout)
        return citus_drift.scratch_database(server, connect_timeout)
    return _scratch_database(server, connect_timeout)


@contextmanager
def _scratch_database(server: Target, connect_timeout: float) -> Iterator[Target]:
    """A new, empty database on `server`'s cluster, dropped on the way out."""
    from psycopg import sql

    database = server.with_dbname(f"cmmsdb_scratch_{uuid.uuid4().hex[:12]}")
    create_database(database, connect_timeout=connect_timeout)
    try:
        yield database
    finally:
        with connect(server.with_dbname("postgres"), connect_timeout=connect_timeout) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(database.dbname)
                )
            )


@dataclass(frozen=True)
class SnapshotFile:
    """What `cmmsdb snapshot` did: the file, whether it was written, and whether it is
    (now) current. With check=True nothing is written and `current` is the answer."""

    path: str
    written: bool
    current: bool
    migrations: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def snapshot_file(
    scratch: str | Target,
    folder: Path | str | None = None,
    output: Path | None = None,
    check: bool = False,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> SnapshotFile:
    """Migrate a scratch database with every migration of `folder` and write its
    normalised snapshot to `output` (default: beside the folder), or with `check` only
    compare it with the file."""
    scratch = as_target(scratch)
    folder = migrations_folder(folder)
    output = output or snapshot_path(folder)
    expected = build_expected(scratch, folder, connect_timeout=connect_timeout)
    text = expected.to_file()
    count = len(expected.migrations)
    if check:
        current = output.is_file() and output.read_text(encoding="utf-8") == text
        return SnapshotFile(str(output), False, current, count)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    return SnapshotFile(str(output), True, True, count)


def drift(
    target: str | Target,
    folder: Path | str | None = None,
    *,
    scratch: str | Target | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> DriftReport:
    """Compare the schema of `target` with the committed snapshot or, given a `scratch`
    server, with a database migrated there to the target's own applied migrations."""
    target = as_target(target)
    folder = migrations_folder(folder)
    scratch = as_target(scratch) if scratch else None
    with connect(target, connect_timeout=connect_timeout) as conn:
        applied = [row.id for row in ledger.read(conn) if row.state == "applied"]
        actual = live_schema(conn)
    if not applied:
        raise DriftUnavailable(
            f"{target.display} was never migrated by cmmsdb: there is no schema to compare",
            "check the target, or run `cmmsdb migrate` first",
        )
    if scratch is None:
        if citus_drift.needs_citus(applied):
            raise citus_drift.refuse_without_scratch()
        expected = read_expected(folder)
        _check_same_migrations(expected, applied)
    else:
        expected = build_expected(
            scratch, folder, migrations=applied, connect_timeout=connect_timeout
        )
    found = compare(expected.schema, actual)
    return DriftReport(target.display, expected.source, len(applied), found)


def _check_same_migrations(expected: Expected, applied: Sequence[str]) -> None:
    """The committed snapshot describes one set of migrations: refuse any other target."""
    extra = [i for i in applied if i not in set(expected.migrations)]
    pending = [i for i in expected.migrations if i not in set(applied)]
    if not extra and not pending:
        return
    parts = []
    if pending:
        parts.append(f"{len(pending)} pending (first {pending[0]})")
    if extra:
        parts.append(f"{len(extra)} not in the snapshot (first {extra[0]})")
    scratch = "compare with a scratch database migrated like it: --scratch (embedded server) "
    raise DriftUnavailable(
        f"the committed snapshot describes {len(expected.migrations)} migrations, but the "
        f"target has {'; '.join(parts)}",
        ("migrate the target, or " if pending and not extra else "")
        + scratch
        + "or --scratch-dsn DSN",
    )
