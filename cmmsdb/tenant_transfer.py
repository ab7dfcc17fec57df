"""Whole-tenant export, import and delete: per-tenant backup and restore, moving a tenant to
another database or region, GDPR organization export, and offboarding.

- An archive is a tar file: manifest.json first (format, organization, export time, schema
  version, and per table its columns, row count, size and SHA-256), then one binary COPY
  file per tenant table, tables/<name>.copy. docs/tenant-export.md documents it.
- The tables are the catalog's tenant tables (catalog.tenant_tables), so a table added by a
  migration is carried with no edit here; a partitioned table is read through its parent.
  The tables of cmms_archive that hold tenant rows are carried too, one file each, after the
  live ones: the archive tables of `cmmsdb archive` (archived work orders, restorations)
  load back into themselves, the audit trail's archived partitions into the live trail.
- Export reads one snapshot (REPEATABLE READ, READ ONLY): every table as of one moment.
- Import and delete skip triggers (session_replication_role = replica, which takes a
  superuser): the rows go in exactly as exported (audit records, updated_at, numbers), and
  the audit trail, which refuses DELETE to everyone, goes with the tenant. Both run in one
  transaction: all or nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from cmmsdb import conventions, ledger
from cmmsdb.catalog import tenant_tables
from cmmsdb.errors import (
    ArchiveInvalid,
    ConfirmationRequired,
    PermissionDenied,
    SchemaVersionMismatch,
    TenantExists,
    TenantNotFound,
    TenantTransferError,
    first_line,
    listed,
)
from cmmsdb.migrations import module_of
from cmmsdb.resources import query
from cmmsdb.target import DEFAULT_CONNECT_TIMEOUT, Target, as_target, connect, ensure_writable

if TYPE_CHECKING:
    import psycopg

FORMAT = "cmmsdb-tenant-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class TableData:
    """One table of an archive: the file holding its rows and what the manifest says of it."""

    name: str
    file: str
    columns: list[str]
    rows: int
    bytes: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        """The table's entry in manifest.json."""
        return asdict(self)


@dataclass(frozen=True)
class TransferReport:
    """What an export wrote, an import loaded or a delete removed (or, dry run, would
    remove): rows per table, bytes of table data, how long it took."""

    action: str  # "export", "import" or "delete"
    target: str
    organization: str
    tables: dict[str, int]
    seconds: float
    file: str | None = None
    bytes: int = 0
    schema_version: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        seconds = self.seconds or 1e-9
        return {
            "action": self.action,
            "target": self.target,
            "organization": self.organization,
            "file": self.file,
            "dry_run": self.dry_run,
            "tables": self.tables,
            "total_rows": self.total_rows,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.total_rows / seconds),
            "megabytes_per_second": round(self.bytes / seconds / 1e6, 2),
            "schema_version": self.schema_version,
        }


Confirm = Callable[[TransferReport], bool]


# --- export -----------------------------------------------------------------------------


def export(
    target: str | Target,
    organization: str,
    output: Path,
    *,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> TransferReport:
    """Write every row of `organization` (audit trail included) to the archive `output`, as
    of one snapshot. The file appears complete or not at all (written beside, then renamed),
    so a failed export never leaves a truncated archive that looks like a backup."""
    target = as_target(target)
    from psycopg import IsolationLevel

    org = parse_organization(organization)
    started = time.monotonic()
    with connect(target, connect_timeout=connect_timeout, autocommit=False) as conn:
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        _require_role(conn, superuser=False, doing="export a tenant")
        _require_tenant(conn, org, present=True, where=target.display)
        applied = [m.id for m in ledger.read(conn)]
        with _writing(output), _staging(output) as tmp:
            names = [*load_order(conn), *archive_tables(conn)]
            tables = [_copy_out(conn, name, org, tmp) for name in names]
            conn.rollback()
            manifest = _manifest(org, applied, tables, conn.info.parameter_status("server_version"))
            _write_archive(output, manifest, tables, tmp)
    return TransferReport(
        "export",
        target.display,
        str(org),
        {t.name: t.rows for t in tables},
        time.monotonic() - started,
        str(output),
        sum(t.bytes for t in tables),
        applied,
    )


@contextmanager
def _writing(output: Path) -> Iterator[None]:
    """A file system error (no room, no permission, a folder named like the archive) as one
    line rather than a traceback."""
    try:
        yield
    except OSError as exc:
        raise TenantTransferError(
            f"cannot write {output}: {exc.strerror or exc}; no archive was written",
            "choose another --output, or make room",
        ) from None


@contextmanager
def _staging(output: Path) -> Iterator[Path]:
    """A temporary folder beside `output` for the table files (same file system: the finished
    archive is renamed into place), removed afterwards whatever happens."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".tenant-export-") as tmp:
        yield Path(tmp)


def _copy_out(conn: psycopg.Connection[Any], table: str, org: uuid.UUID, folder: Path) -> TableData:
    """One table's rows of the tenant into folder/<table>.copy, hashed as they stream (an
    archived audit partition's file is named by its qualified name)."""
    from psycopg import sql

    columns = table_columns(conn, table)
    statement = sql.SQL(query("tenant_copy_out.sql")).format(
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        table=_relation(table),
        key=sql.Identifier(tenant_key(table)),
        organization=sql.Literal(str(org)),
    )
    digest, size = hashlib.sha256(), 0
    with (folder / f"{table}.copy").open("wb") as out, conn.cursor() as cur:
        with cur.copy(statement) as copy:
            for chunk in copy:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        rows = cur.rowcount
    return TableData(table, f"tables/{table}.copy", columns, rows, size, digest.hexdigest())


def _manifest(
    org: uuid.UUID, applied: list[str], tables: list[TableData], server_version: str | None
) -> dict[str, Any]:
    modules = sorted({m for m in map(module_of, applied) if m})
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "organization": str(org),
        "exported_at": datetime.now(UTC).isoformat(),
        "server_version": server_version,
        "schema_version": {"migrations": applied, "modules": modules},
        "tables": [t.to_dict() for t in tables],
    }


def _write_archive(
    output: Path, manifest: dict[str, Any], tables: list[TableData], folder: Path
) -> None:
    """manifest.json first (a reader learns what follows before reading it), then the
    tables in load order; renamed into place once complete."""
    partial = folder / "archive.tar"
    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
        body = json.dumps(manifest, indent=2).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(body), int(time.time()), 0o600
        with tempfile.TemporaryFile() as handle:
            handle.write(body)
            handle.seek(0)
            tar.addfile(info, handle)
        for table in tables:
            tar.add(folder / f"{table.name}.copy", arcname=table.file)
    os.replace(partial, output)


# --- import -----------------------------------------------------------------------------


def import_archive(
    target: str | Target, archive: Path, *, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
) -> TransferReport:
    """Load the tenant of `archive` into `target`, ids and audit trail kept, in one
    transaction. Every checksum is verified before anything is loaded; the target must be
    at the archive's schema version and must not hold the organization already."""
    target = as_target(target)
    started = time.monotonic()
    with _open(archive) as tar:
        manifest = read_manifest(tar, archive)
        tables = {t.name: t for t in _tables(manifest, archive)}
        for table in tables.values():
            _verify(tar, table, archive)
        org = parse_organization(str(manifest["organization"]))
        applied = list(manifest["schema_version"]["migrations"])
        with connect(target, connect_timeout=connect_timeout, autocommit=False) as conn:
            ensure_writable(conn, target)
            _require_role(conn, superuser=True, doing="import a tenant")
            _require_schema_version(conn, applied, archive, target.display)
            _require_tenant(conn, org, present=False, where=target.display)
            kept = [name for name in archive_tables(conn) if not archived_partition(name)]
            order = [*load_order(conn), *kept]
            _require_same_tables(conn, order, tables, archive)
            order += [name for name in tables if archived_partition(name)]
            conn.execute(query("tenant_replica.sql"))
            for name in order:
                _copy_in(conn, tar, tables[name], archive)
            conn.commit()
    return TransferReport(
        "import",
        target.display,
        str(org),
        {name: tables[name].rows for name in order},
        time.monotonic() - started,
        str(archive),
        sum(t.bytes for t in tables.values()),
        applied,
    )


def _open(archive: Path) -> tarfile.TarFile:
    """The archive, opened for reading (the caller closes it), or one clear error."""
    if not archive.is_file():
        raise TenantTransferError(f"{archive} is not a file", "pass an archive's path")
    try:
        return tarfile.open(archive, "r:")
    except (OSError, tarfile.TarError) as exc:
        raise ArchiveInvalid(
            f"{archive} is not a tenant archive: {first_line(exc)}; nothing was loaded",
            "pass a file written by `cmmsdb tenant export`",
        ) from None


def read_manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    """The archive's manifest, refused unless it is one this version of cmmsdb reads."""
    try:
        manifest = json.loads(_member(tar, MANIFEST, archive).read())
    except ValueError as exc:
        raise _corrupt(archive, f"{MANIFEST} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _corrupt(archive, f"{MANIFEST} does not describe a {FORMAT}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise _corrupt(
            archive,
            f"format version {manifest.get('format_version')} (this reads {FORMAT_VERSION})",
        )
    migrations = (manifest.get("schema_version") or {}).get("migrations")
    if not isinstance(migrations, list) or not isinstance(manifest.get("tables"), list):
        raise _corrupt(archive, f"{MANIFEST} lacks its schema version or its tables")
    parse_organization(str(manifest.get("organization")))
    return manifest


def _tables(manifest: dict[str, Any], archive: Path) -> list[TableData]:
    try:
        return [TableData(**entry) for entry in manifest["tables"]]
    except (KeyError, TypeError) as exc:
        raise _corrupt(archive, f"{MANIFEST} lists its tables wrongly ({exc})") from None


def _member(tar: tarfile.TarFile, name: str, archive: Path) -> IO[bytes]:
    try:
        handle = tar.extractfile(name)
    except (KeyError, tarfile.TarError):
        handle = None
    if handle is None:
        raise _corrupt(archive, f"{name} is missing")
    return handle


def _verify(tar: tarfile.TarFile, table: TableData, archive: Path) -> None:
    """Refuse a table file whose SHA-256 or size is not the manifest's: a corrupted or
    edited archive is found before anything is loaded."""
    digest, size = hashlib.sha256(), 0
    handle = _member(tar, table.file, archive)
    while chunk := handle.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    if digest.hexdigest() != table.sha256 or size != table.bytes:
        raise _corrupt(archive, f"{table.file} does not match its checksum in {MANIFEST}")


def _copy_in(
    conn: psycopg.Connection[Any], tar: tarfile.TarFile, table: TableData, archive: Path
) -> None:
    from psycopg import sql

    statement = sql.SQL(query("tenant_copy_in.sql")).format(
        table=sql.Identifier(*loads_into(table.name)),
        columns=sql.SQL(", ").join(map(sql.Identifier, table.columns)),
    )
    handle = _member(tar, table.file, archive)
    with conn.cursor() as cur:
        try:
            with cur.copy(statement) as copy:
                while chunk := handle.read(_CHUNK):
                    copy.write(chunk)
        except Exception as exc:
            conn.rollback()
            raise TenantTransferError(
                f"loading {table.name} failed: {first_line(exc)}; nothing was loaded"
            ) from None
        if cur.rowcount != table.rows:
            conn.rollback()
            raise _corrupt(archive, f"{table.file} holds {cur.rowcount} rows, not {table.rows}")


def _require_schema_version(
    conn: psycopg.Connection[Any], applied: list[str], archive: Path, where: str
) -> None:
    """Refuse a target at another schema version (another set of applied migrations, those
    of modules included; the order they were applied in does not matter), naming the
    difference: rows of another schema would load into the wrong columns, or not at all."""
    here = [m.id for m in ledger.read(conn)]
    missing = [m for m in applied if m not in here]
    extra = [m for m in here if m not in applied]
    if not missing and not extra:
        return
    if missing:
        difference = f"{where} lacks {listed(missing)}"
    else:
        difference = f"{where} has {listed(extra)} applied, the archive does not"
    raise SchemaVersionMismatch(
        f"{archive} was exported at another schema version: {difference}; nothing was loaded",
        "migrate the target (or export from a source) to the same migrations",
    )


def _require_same_tables(
    conn: psycopg.Connection[Any], order: list[str], tables: dict[str, TableData], archive: Path
) -> None:
    """The same migrations build the same tables (cmms_archive's archive tables included);
    a difference means the ledger lies. Archived audit records load into the live audit
    trail, so they need its columns."""
    archived = [name for name in tables if archived_partition(name)]
    for name in [*order, *archived]:
        into = ".".join(loads_into(name))
        if name not in tables or tables[name].columns != table_columns(conn, into):
            raise SchemaVersionMismatch(
                f"{archive} has no table {name} with the target's columns; nothing was loaded",
                "check the target with `cmmsdb drift`",
            )
    unknown = sorted(set(tables) - set(order) - set(archived))
    if unknown:
        raise SchemaVersionMismatch(
            f"{archive} holds tables the target lacks: {listed(unknown)}; nothing was loaded",
            "check the target with `cmmsdb drift`",
        )


# --- delete -----------------------------------------------------------------------------


def delete(
    target: str | Target,
    organization: str,
    *,
    dry_run: bool = False,
    yes: bool = False,
    confirm: Confirm | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> TransferReport:
    """Remove `organization` and every row of it, its audit trail (archived partitions
    included) too, in one transaction. `dry_run` only counts. Without `yes`, `confirm` is
    asked with the counts; without either, nothing is deleted (ConfirmationRequired)."""
    target = as_target(target)
    org = parse_organization(organization)
    started = time.monotonic()
    with connect(target, connect_timeout=connect_timeout, autocommit=False) as conn:
        if not dry_run:
            ensure_writable(conn, target)
        _require_role(conn, superuser=not dry_run, doing="delete a tenant")
        _require_tenant(conn, org, present=True, where=target.display, lock=not dry_run)
        order, archives = load_order(conn), archive_tables(conn)
        counts = {name: _count(conn, name, org) for name in [*order, *archives]}
        plan = TransferReport("delete", target.display, str(org), counts, 0.0, dry_run=True)
        if dry_run:
            return plan
        if not yes and (confirm is None or not confirm(plan)):
            raise ConfirmationRequired(
                f"tenant delete would remove organization {org} and {plan.total_rows} rows; "
                "nothing was deleted",
                "pass --yes (see the rows with --dry-run)",
            )
        conn.execute(query("tenant_replica.sql"))
        for name in [*reversed(order), *archives]:
            _delete_rows(conn, name, org)
        conn.commit()
    return TransferReport("delete", target.display, str(org), counts, time.monotonic() - started)


def archive_tables(conn: psycopg.Connection[Any]) -> list[str]:
    """cmms_archive's tables of tenant rows by qualified name: archive tables, then archived
    audit partitions."""
    parameters = {
        "archive_schema": conventions.ARCHIVE_SCHEMA,
        "tenant_key": conventions.TENANT_KEY,
    }
    return [name for (name,) in conn.execute(query("tenant_archives.sql"), parameters)]


def _relation(name: str) -> Any:
    """A tenant table by name, or a table of cmms_archive by its quoted qualified name."""
    from psycopg import sql

    if "." in name:
        return sql.SQL(name)
    return sql.Identifier(conventions.SCHEMA, name)


def _count(conn: psycopg.Connection[Any], name: str, org: uuid.UUID) -> int:
    from psycopg import sql

    statement = sql.SQL(query("tenant_count.sql")).format(
        table=_relation(name), key=sql.Identifier(tenant_key(name))
    )
    row = conn.execute(statement, {"organization": org}).fetchone()
    return int(row[0]) if row else 0


def _delete_rows(conn: psycopg.Connection[Any], name: str, org: uuid.UUID) -> None:
    from psycopg import sql

    statement = sql.SQL(query("tenant_delete.sql")).format(
        table=_relation(name), key=sql.Identifier(tenant_key(name))
    )
    conn.execute(statement, {"organization": org})


# --- shared -----------------------------------------------------------------------------


def parse_organization(organization: str) -> uuid.UUID:
    try:
        return uuid.UUID(organization)
    except ValueError:
        raise TenantTransferError(
            f"{organization!r} is not an organization id", "pass the organization's uuid"
        ) from None


def tenant_key(table: str) -> str:
    """The column naming the tenant: the root's own id, every other table's tenant key."""
    return "id" if table == conventions.TENANT_ROOT else conventions.TENANT_KEY


_MONTHLY = re.compile(r"_p[0-9]{4}_[0-9]{2}$")


def archived_partition(name: str) -> bool:
    """Whether `name` is a monthly partition detached into cmms_archive
    (`cmms_archive.activity_logs_p2025_01`), rather than a table of cmms or an archive table
    of `cmmsdb archive` (`cmms_archive.work_orders`)."""
    return "." in name and bool(_MONTHLY.search(name))


def loads_into(name: str) -> tuple[str, str]:
    """(schema, table) that an import loads the rows of `name` into: a table of cmms, or of
    cmms_archive, itself; an archived monthly partition, the live table it was detached
    from (the target files them again)."""
    schema, _, table = name.rpartition(".")
    if archived_partition(name):
        return conventions.SCHEMA, _MONTHLY.sub("", table)
    return schema or conventions.SCHEMA, table


def table_columns(conn: psycopg.Connection[Any], table: str) -> list[str]:
    """The columns an archive carries for `table`, a table of schema cmms or one of
    cmms_archive by its qualified name."""
    schema, _, name = table.rpartition(".")
    parameters = {"schema": schema or conventions.SCHEMA, "table": name}
    return [name for (name,) in conn.execute(query("tenant_columns.sql"), parameters)]


def load_order(conn: psycopg.Connection[Any]) -> list[str]:
    """The tenant tables, every table after the tables it references; a delete runs it
    backwards. The organization comes first even for a table with no foreign key to it
    (the audit trail outlives the rows it records): every row belongs to it. Ties go by
    name. (During the load and the delete no foreign key is checked, so a cycle of
    references is no obstacle; the order is for a reader, and for a later loader that
    checks them.)"""
    tables = tenant_tables(conn)
    parameters = {"schema": conventions.SCHEMA}
    prefix = f"{conventions.SCHEMA}."
    edges = [
        (child.removeprefix(prefix), parent.removeprefix(prefix))
        for child, parent in conn.execute(query("tenant_references.sql"), parameters)
    ]
    root = conventions.TENANT_ROOT
    edges += [(table, root) for table in tables if table != root]
    return topological(tables, edges)


def topological(names: Sequence[str], edges: Sequence[tuple[str, str]]) -> list[str]:
    """`names` ordered so that for each (child, parent) edge the parent comes first."""
    pending = {name: {p for c, p in edges if c == name and p in names} for name in names}
    ordered: list[str] = []
    while pending:
        ready = sorted(name for name, parents in pending.items() if not parents)
        chosen = ready[:1] or [_most_referenced(pending)]
        ordered.append(chosen[0])
        del pending[chosen[0]]
        for parents in pending.values():
            parents.discard(chosen[0])
    return ordered


def _most_referenced(pending: dict[str, set[str]]) -> str:
    """Where references go round (an organization's logo is one of its attachments), the
    table the most others wait for comes first; by name among equals."""
    waits = {name: sum(name in parents for parents in pending.values()) for name in pending}
    return min(pending, key=lambda name: (-waits[name], name))


def _require_role(conn: psycopg.Connection[Any], *, superuser: bool, doing: str) -> None:
    """Refuse a role that would see only part of the tenant (row-level security is forced:
    without a bypass an export would be silently empty) or cannot skip triggers."""
    role, is_superuser, bypasses = conn.execute(query("tenant_role.sql")).fetchone() or (
        "?",
        False,
        False,
    )
    if superuser and not is_superuser:
        raise PermissionDenied(
            f"role {role} is not a superuser: to {doing} triggers are skipped "
            "(session_replication_role), which takes one; nothing was changed",
            "run as a superuser, e.g. the postgres role",
        )
    if not bypasses:
        raise PermissionDenied(
            f"role {role} is subject to row-level security and would not see the tenant's "
            f"rows; cannot {doing}",
            "run as a superuser or a role WITH BYPASSRLS that may read schema cmms",
        )


def _require_tenant(
    conn: psycopg.Connection[Any],
    org: uuid.UUID,
    *,
    present: bool,
    where: str,
    lock: bool = False,
) -> None:
    """Refuse an organization that is missing (export, delete) or already there (import).
    With `lock`, hold its row: rows that an application adds meanwhile wait, then fail on
    their foreign key to the organization, instead of being left behind."""
    name = "tenant_lock.sql" if lock else "tenant_exists.sql"
    row = conn.execute(query(name), {"organization": org}).fetchone()
    exists = bool(row and row[0])
    if present and not exists:
        raise TenantNotFound(f"organization {org} is not in {where}", "check the id")
    if not present and exists:
        raise TenantExists(
            f"organization {org} is already in {where}; nothing was loaded",
            "import into another database, or `cmmsdb tenant delete` it there first",
        )


def _corrupt(archive: Path, what: str) -> ArchiveInvalid:
    return ArchiveInvalid(
        f"{archive} is corrupted or was edited: {what}; nothing was loaded",
        "export the tenant again, or use an intact copy",
    )
