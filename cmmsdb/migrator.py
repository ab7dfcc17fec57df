"""Apply, roll back and report migrations, with the guarantees yoyo alone does not give.

- One migrator at a time: an advisory lock that the server frees when a migrator dies,
  waited for by polling (session.advisory_lock), holding no snapshot that the holder's
  CREATE INDEX CONCURRENTLY would wait for.
- A transactional migration and its record commit together, or not at all.
- A non-transactional one (CREATE INDEX CONCURRENTLY) records its progress statement by
  statement and resumes where it stopped, dropping an index its interruption left INVALID.
- DDL waits for locks briefly, then longer at each retry up to --lock-timeout, a bounded
  number of times (cmmsdb.session), so the application never queues behind a
  migration for long.
- A rollback that would drop tables or columns holding data refuses unless told yes
  (cmmsdb.data_loss).
- The server closing the connection is reported as such, with what the ledger holds.
- Optional modules apply after the main folder: those requested (`modules`) and those the
  ledger already records. A migration's `-- requires-extension:` is checked against the
  server before anything runs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmmsdb import data_loss, ledger, session
from cmmsdb.data_loss import DataLoss
from cmmsdb.errors import (
    ChangedMigrations,
    ConfigurationError,
    ConnectionLost,
    DatabaseMissing,
    ExtensionUnavailable,
    MigrationFailed,
    MissingMigrations,
    RollbackUnavailable,
    first_line,
    listed,
    span,
)
from cmmsdb.migrations import (
    Migration,
    Script,
    Statement,
    check_depends,
    discover,
    enabled_modules,
    find,
    module_of,
)
from cmmsdb.resources import migrations_folder, query
from cmmsdb.session import GaveUp, Options, Retry, with_lock_retries
from cmmsdb.target import (
    DEFAULT_CONNECT_TIMEOUT,
    Target,
    as_target,
    connect,
    create_database,
    ensure_writable,
    extension_installed,
)

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class Progress:
    """What a running migrate or rollback reports as it goes (phase: start, retry, done)."""

    action: str
    migration_id: str
    phase: str
    seconds: float = 0.0
    detail: str = ""


ProgressCallback = Callable[[Progress], None]
Ledger = dict[str, ledger.AppliedMigration]


@dataclass(frozen=True)
class Step:
    """One migration applied or rolled back (or planned, with its SQL, on a dry run)."""

    id: str
    action: str
    transactional: bool
    statements: int
    seconds: float | None = None
    sql: str | None = None
    """The SQL that would run: on a dry run only."""


@dataclass(frozen=True)
class RunReport:
    """The result of migrate or rollback."""

    target: str
    action: str
    dry_run: bool
    steps: list[Step] = field(default_factory=list)
    created_database: bool = False
    data_loss: list[DataLoss] = field(default_factory=list)
    """Rollback: the tables and columns holding data that it drops (or would, dry run)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MigrationState:
    """A migration as status sees it: applied, pending, changed, missing or partial."""

    id: str
    state: str
    applied_at: str | None = None
    applied_by: str | None = None
    checksum: str | None = None
    applied_checksum: str | None = None


@dataclass(frozen=True)
class StatusReport:
    """Every migration's state on one database, with the server version."""

    target: str
    server_version: str
    migrations: list[MigrationState]

    @property
    def problems(self) -> list[MigrationState]:
        """What `status --exit-code` fails on: anything not simply applied."""
        return [m for m in self.migrations if m.state != "applied"]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def status(
    target: str | Target,
    folder: Path | str | None = None,
    *,
    modules: Sequence[str] = (),
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> StatusReport:
    """Compare the migrations in `folder`, and those of the enabled modules (recorded in the
    ledger, or in `modules`), with what the database recorded as applied."""
    target = as_target(target)
    folder = migrations_folder(folder)
    discover(folder, modules)  # a bad folder or module name fails before connecting
    with connect(target, connect_timeout=connect_timeout) as conn:
        applied = _applied(conn)
        version = conn.info.parameter_status("server_version") or "?"
    states = [_state(m, applied.pop(m.id, None)) for m in _known(folder, applied, modules)]
    states += [_state(None, row) for row in applied.values()]
    return StatusReport(target.display, version, sorted(states, key=_main_folder_first))


def _main_folder_first(state: MigrationState) -> tuple[str, str]:
    return module_of(state.id) or "", state.id


def _applied(conn: psycopg.Connection[Any]) -> Ledger:
    return {row.id: row for row in ledger.read(conn)}


def _known(folder: Path, applied: Iterable[str], modules: Sequence[str]) -> list[Migration]:
    """The main folder's migrations, then those of the modules that `applied` (the applied
    migrations' ids) names, if their folder is still there, then those of `modules`."""
    return discover(folder, [*enabled_modules(folder, applied), *modules])


def _state(migration: Migration | None, row: ledger.AppliedMigration | None) -> MigrationState:
    if row is None:
        assert migration is not None
        return MigrationState(migration.id, "pending", checksum=migration.checksum)
    if migration is None:
        state = "missing"
    elif row.state == "partial":
        state = "partial"
    else:
        state = "applied" if row.checksum == migration.checksum else "changed"
    return MigrationState(
        row.id,
        state,
        applied_at=row.applied_at.isoformat(),
        applied_by=row.applied_by,
        checksum=migration.checksum if migration else None,
        applied_checksum=row.checksum,
    )


def migrate(
    target: str | Target,
    folder: Path | str | None = None,
    *,
    modules: Sequence[str] = (),
    to: str | None = None,
    dry_run: bool = False,
    create_db: bool = False,
    allow_changed: bool = False,
    options: Options | None = None,
    on_progress: ProgressCallback | None = None,
) -> RunReport:
    """Apply the pending migrations of `folder` in order, up to and including `to`, then
    those of the enabled modules: the ones the ledger records, then `modules`."""
    target = as_target(target)
    folder = migrations_folder(folder)
    options = options or Options()
    if to and modules:
        raise ConfigurationError(
            "--to cannot be combined with --with",
            "migrate --to ID first, then migrate --with the modules",
        )
    discover(folder, modules)  # a bad folder or module name fails before connecting
    created = False
    if create_db and not dry_run:
        created = create_database(target, connect_timeout=options.connect_timeout)
    try:
        conn = connect(target, connect_timeout=options.connect_timeout)
    except DatabaseMissing:
        if not (dry_run and create_db):
            raise
        return _dry_run(target, _plan(folder, modules, {}, to)[1])
    with conn, _connection_guard(conn, "migrate"):
        if dry_run:
            pending = _plan(folder, modules, _applied(conn), to)[1]
            _check_extensions(conn, target, pending, modules)
            return _dry_run(target, pending)
        ensure_writable(conn, target)
        _prepare_session(conn)
        with session.migration_lock(conn, options.wait):
            applied = _applied(conn)
            migrations, pending = _plan(folder, modules, applied, to)
            if not allow_changed:
                _refuse_changed(migrations, applied)
            _refuse_missing(migrations, applied, folder)
            _check_extensions(conn, target, pending, modules)
            ledger.ensure(conn)
            done: list[Step] = []
            local_first = _citus_builds_locally(conn, applied)
            distributed = False
            for migration in pending:
                if local_first:
                    distributed = distributed or migration.module == "citus"
                    _set_ddl_propagation(conn, distributed)
                done.append(
                    _apply(conn, migration, applied.get(migration.id), options, on_progress, done)
                )
    return RunReport(target.display, "migrate", False, done, created)


def _plan(
    folder: Path, modules: Sequence[str], applied: Ledger, to: str | None
) -> tuple[list[Migration], list[Migration]]:
    """Every known migration, and those of them to apply now."""
    migrations = _known(folder, applied, modules)
    check_depends(migrations)
    last = find(migrations, to) if to else None
    return migrations, _pending(migrations, applied, last)


def _dry_run(target: Target, pending: Sequence[Migration]) -> RunReport:
    return RunReport(target.display, "migrate", True, [_planned(m, "apply") for m in pending])


# Extensions that a migration cannot create itself: their library must be preloaded, and a
# superuser creates them on every node (Citus). Required means installed, not available.
PRELOADED_EXTENSIONS = frozenset({"citus"})


def _check_extensions(
    conn: psycopg.Connection[Any],
    target: Target,
    pending: Sequence[Migration],
    requested: Sequence[str],
) -> None:
    """Refuse, before anything runs, to apply migrations whose extensions the server lacks."""
    required = [(m, name) for m in pending for name in m.script().extensions]
    if not required:
        return
    names = sorted({name for _, name in required})
    available = {
        name for (name,) in conn.execute(query("extensions_available.sql"), {"names": names})
    }
    preloaded = sorted(PRELOADED_EXTENSIONS.intersection(names))
    if preloaded:
        installed = {
            name
            for (name,) in conn.execute(query("extensions_installed.sql"), {"names": preloaded})
        }
        available -= set(preloaded) - installed
    missing = [(m, name) for m, name in required if name not in available]
    if missing:
        migration, extension = missing[0]
        raise _unavailable(migration, extension, target, conn.info.server_version, requested)


def _citus_builds_locally(conn: psycopg.Connection[Any], applied: Ledger) -> bool:
    """Whether this run builds the schema on a Citus coordinator that the citus module has
    not distributed (yet, or again after its rollback): then the main folder's migrations
    run with Citus's DDL propagation off (the tables are the coordinator's own, and
    distributing them later creates what they depend on on every worker; propagated, the
    main migrations would reach the workers as roles that cannot log in there), and so do
    other modules applied before it (`--with postgis --with citus`); from the citus module's
    first migration on, every migration runs with it on."""
    if any(module_of(i) == "citus" for i in applied):
        return False
    return extension_installed(conn, "citus")


def _set_ddl_propagation(conn: psycopg.Connection[Any], on: bool) -> None:
    conn.execute(query("citus_ddl_propagation.sql"), {"value": "on" if on else "off"})
    conn.commit()


def _unavailable(
    migration: Migration, extension: str, target: Target, server: int, requested: Sequence[str]
) -> ExtensionUnavailable:
    if extension in PRELOADED_EXTENSIONS:
        fix = (
            f"{extension} must be preloaded (shared_preload_libraries) and created in this "
            f"database by a superuser first (CREATE EXTENSION {extension}): see docs/scale-out.md"
        )
        if migration.module in requested:
            fix += f"; or migrate without --with {migration.module}"
        return ExtensionUnavailable(
            f"extension {extension} is not installed in the database of {target.display}, "
            f"and {migration.id} requires it; nothing was applied",
            fix,
        )
    fix = (
        "install the server package that provides it "
        f"(postgresql-{server // 10000}-postgis-3 for postgis on Debian)"
    )
    if migration.module in requested:
        fix += f", or migrate without --with {migration.module}"
    return ExtensionUnavailable(
        f"extension {extension} is not available on {target.display}, and {migration.id} "
        "requires it; nothing was applied",
        fix,
    )


def _pending(
    migrations: Sequence[Migration],
    applied: Ledger,
    last: Migration | None,
) -> list[Migration]:
    """Migrations not applied (or interrupted), in order, up to `last`."""
    stop = migrations.index(last) + 1 if last else len(migrations)
    return [m for m in migrations[:stop] if m.id not in applied or applied[m.id].state == "partial"]


def _refuse_changed(migrations: Sequence[Migration], applied: Ledger) -> None:
    changed = [m.id for m in migrations if m.id in applied and applied[m.id].checksum != m.checksum]
    if changed:
        raise ChangedMigrations(
            f"applied migrations were edited afterwards: {listed(changed)}",
            "restore the released files (never edit an applied migration; add a new one), "
            f"or accept a reviewed edit: cmmsdb repair {changed[0]}",
        )


def _refuse_missing(migrations: Sequence[Migration], applied: Ledger, folder: Path) -> None:
    """Applied migrations without a file: the folder is not the one this database was
    migrated from, or files were deleted; saying "up to date" would hide it."""
    known = {m.id for m in migrations}
    missing = [i for i in applied if i not in known]
    if missing:
        raise MissingMigrations(
            f"applied migrations have no file in {folder}: {listed(missing)}; nothing was applied",
            "pass --migrations the folder this database was migrated from, or restore the files;"
            f" if they were deleted on purpose, forget them: cmmsdb repair {missing[0]}",
        )


def _prepare_session(conn: psycopg.Connection[Any]) -> None:
    """Make the server notice a killed migrator within a second, even mid-statement."""
    conn.execute(query("migrator_session.sql"))


def _planned(migration: Migration, action: str) -> Step:
    script = migration.script() if action == "apply" else migration.rollback_script()
    return Step(migration.id, action, script.transactional, len(script.statements), sql=script.sql)


def _apply(
    conn: psycopg.Connection[Any],
    migration: Migration,
    row: ledger.AppliedMigration | None,
    options: Options,
    on_progress: ProgressCallback | None,
    done: list[Step],
) -> Step:
    script = migration.script()
    notify = on_progress or (lambda _: None)
    notify(Progress("apply", migration.id, "start"))
    started = time.monotonic()
    position = _Position(row.statements_done if row else 0)
    try:
        if script.transactional:
            _run_in_transaction(conn, migration, script, "apply", options, notify)
        else:
            _run_resumable(conn, migration, script, position, options, notify)
    except Exception as exc:
        if conn.closed:
            raise _connection_lost(exc, "apply", migration, script, position, done) from None
        if not isinstance(exc, MigrationFailed):
            raise
        failure = exc
        failure.applied = [step.id for step in done]
        so_far = span(failure.applied)
        failure.hint = f"{failure.hint}; applied in this run and kept: {so_far}"
        raise
    seconds = time.monotonic() - started
    notify(Progress("apply", migration.id, "done", seconds))
    return Step(migration.id, "apply", script.transactional, len(script.statements), seconds)


def _run_in_transaction(
    conn: psycopg.Connection[Any],
    migration: Migration,
    script: Script,
    action: str,
    options: Options,
    notify: ProgressCallback,
) -> None:
    """Run a whole script and its ledger change as one transaction, retrying lock timeouts."""
    started = time.monotonic()

    def work() -> None:
        _execute_script(conn, migration, script)
        _book(conn, migration, script, action, started)

    _retrying(conn, migration, script, action, options, notify, work)


def _retrying(
    conn: psycopg.Connection[Any],
    migration: Migration,
    script: Script,
    action: str,
    options: Options,
    notify: ProgressCallback,
    work: Callable[[], None],
    *,
    statement: Statement | None = None,
) -> None:
    """Run `work` with lock retries: in a transaction of its own, or, for one `statement`
    of a non-transactional script, as it is."""

    def give_up(gave_up: GaveUp) -> MigrationFailed:
        return MigrationFailed(
            f"{migration.id}: {gave_up.describe()}",
            "a long transaction holds a lock on a table this migration changes; run again "
            f"later, or raise --lock-timeout or --lock-retries; {_what_was_kept(script)}",
        )

    def on_retry(retry: Retry) -> None:
        notify(Progress(action, migration.id, "retry", retry.pause, retry.error))

    with_lock_retries(
        conn,
        work,
        cap=options.lock_timeout,
        retries=options.lock_retries,
        give_up=give_up,
        in_transaction=statement is None,
        patient=statement is not None and _concurrently(statement),
        on_retry=on_retry,
    )


def _execute_script(conn: psycopg.Connection[Any], migration: Migration, script: Script) -> None:
    """Send a transactional script in one round trip, as psql does. When it fails, replay it
    statement by statement (it was rolled back to a savepoint) to name the failing line."""
    import psycopg
    from psycopg import errors

    try:
        with conn.transaction():
            conn.execute(script.sql.encode())
        return
    except errors.LockNotAvailable:
        raise
    except psycopg.Error as exc:
        if conn.closed:
            raise
        failure = exc
    for statement in script.statements:
        _execute(conn, migration, script, statement)
    raise MigrationFailed(  # it did not fail again: report the first failure, without a line
        f"{migration.id} failed in {_shown(script.path)}: {first_line(failure)}",
        f"{_what_was_kept(script)}; fix it and run again",
    )


@dataclass
class _Position:
    """How many statements of a non-transactional script ran (and, applying, are recorded)."""

    statements_done: int = 0


def _run_resumable(
    conn: psycopg.Connection[Any],
    migration: Migration,
    script: Script,
    position: _Position,
    options: Options,
    notify: ProgressCallback,
) -> None:
    """Run a non-transactional script statement by statement, recording progress after each
    (from `position`, where an interrupted run stopped)."""
    started = time.monotonic()
    resume_at = position.statements_done
    with _session_lock_timeout(conn, options.lock_timeout):
        if resume_at == 0:
            _record_partial(conn, migration, 0)
        for number, statement in enumerate(script.statements[resume_at:], start=resume_at):
            _run_statement(conn, migration, script, statement, "apply", options, notify)
            _record_partial(conn, migration, number + 1)
            position.statements_done = number + 1
        with conn.transaction():
            _book(conn, migration, script, "apply", started)


def _run_statement(
    conn: psycopg.Connection[Any],
    migration: Migration,
    script: Script,
    statement: Statement,
    action: str,
    options: Options,
    notify: ProgressCallback,
) -> None:
    """Run one statement of a non-transactional script, with lock retries; first drop the
    INVALID index an earlier, interrupted try of it left behind."""

    def work() -> None:
        _drop_invalid_index(conn, statement)
        _execute(conn, migration, script, statement)

    _retrying(conn, migration, script, action, options, notify, work, statement=statement)


@contextmanager
def _session_lock_timeout(conn: psycopg.Connection[Any], seconds: float) -> Iterator[None]:
    """Bound lock waits for the statements of a non-transactional script; afterwards restore
    the bound and drop any role the script switched to for the session."""
    previous = session.set_lock_timeout(conn, session.milliseconds(seconds))
    try:
        yield
    finally:
        if not conn.closed:  # else the server went away: nothing to restore
            session.set_role(conn, "none", local=False)
            session.set_lock_timeout(conn, previous)


def _record_partial(conn: psycopg.Connection[Any], migration: Migration, done: int) -> None:
    """Commit how far a non-transactional migration got, so a rerun resumes there."""
    with session.as_session_user(conn):
        ledger.record(conn, migration, done=done)


def _execute(
    conn: psycopg.Connection[Any], migration: Migration, script: Script, statement: Statement
) -> None:
    """Run one statement; a failure names the file, the line and the server's message."""
    import psycopg
    from psycopg import errors

    try:
        conn.execute(statement.sql.encode())
    except errors.LockNotAvailable:
        raise
    except psycopg.Error as exc:
        if conn.closed:  # not the statement's fault: the caller says what happened
            raise
        position = getattr(exc.diag, "statement_position", None)
        line = statement.line
        if position and str(position).isdigit():
            line += statement.sql[: int(position) - 1].count("\n")
        raise MigrationFailed(
            f"{migration.id} failed at {_shown(script.path)}:{line}: {first_line(exc)}",
            f"{_what_was_kept(script)}; fix it and run again",
        ) from None


def _what_was_kept(script: Script) -> str:
    if script.transactional:
        return f"{script.path.name} was rolled back"
    return f"{script.path.name} stopped there; the statements before it stay, a rerun resumes"


def _book(
    conn: psycopg.Connection[Any], migration: Migration, script: Script, action: str, started: float
) -> None:
    """Write the ledger change of a finished script (inside the caller's transaction)."""
    duration_ms = round((time.monotonic() - started) * 1000)
    session.set_role(conn, "none", local=True)
    if action == "apply":
        ledger.record(conn, migration, duration_ms=duration_ms)
    else:
        ledger.remove(conn, migration.id)
    ledger.log(conn, migration.id, action, migration.checksum, duration_ms=duration_ms)


def _concurrently(statement: Statement) -> bool:
    """Whether a statement builds or drops an index CONCURRENTLY: its lock waits queue no
    query of the application, so it may wait up to --lock-timeout at every attempt (a
    retry would build the whole index again)."""
    from pglast import ast

    return any(
        isinstance(node, ast.IndexStmt | ast.DropStmt) and node.concurrent
        for node in _parsed(statement)
    )


def _parsed(statement: Statement) -> list[Any]:
    """The statement's parse trees (pglast nodes), if it mentions CONCURRENTLY."""
    if "concurrently" not in statement.sql.lower():
        return []
    from pglast import parse_sql

    return [raw.stmt for raw in parse_sql(statement.sql)]


def _drop_invalid_index(conn: psycopg.Connection[Any], statement: Statement) -> None:
    """Drop the INVALID index an interrupted CREATE INDEX CONCURRENTLY left behind.

    Without this, re-running `CREATE INDEX CONCURRENTLY IF NOT EXISTS` would keep it.
    """
    from pglast import ast
    from psycopg import sql

    for node in _parsed(statement):
        if not isinstance(node, ast.IndexStmt) or not node.concurrent or not node.idxname:
            continue
        schema = node.relation.schemaname if node.relation else None
        params = {"name": node.idxname, "schema": schema}
        for (qualified,) in conn.execute(query("invalid_index.sql"), params).fetchall():
            conn.execute(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(sql.SQL(qualified)))


def rollback(
    target: str | Target,
    folder: Path | str | None = None,
    *,
    steps: int | None = None,
    to: str | None = None,
    everything: bool = False,
    dry_run: bool = False,
    allow_data_loss: bool = False,
    confirm: Callable[[Sequence[DataLoss]], bool] | None = None,
    options: Options | None = None,
    on_progress: ProgressCallback | None = None,
) -> RunReport:
    """Roll back the last `steps` migrations (default 1), those applied after `to`, or all;
    a module's migrations are found in its folder.

    A rollback that would drop tables or columns holding data (listed in the report, on a
    dry run too) raises DataLossRefused, unless `allow_data_loss` or `confirm(losses)`
    says yes."""
    target = as_target(target)
    folder = migrations_folder(folder)
    options = options or Options()
    discover(folder)  # a bad folder fails before connecting
    conn = connect(target, connect_timeout=options.connect_timeout)
    with conn, _connection_guard(conn, "rollback"):
        if dry_run:
            chosen = _to_roll_back(folder, ledger.read(conn), steps, to, everything)
            planned = [_planned(migration, "rollback") for migration in chosen]
            losses = data_loss.find(conn, chosen)
            return RunReport(target.display, "rollback", True, planned, data_loss=losses)
        ensure_writable(conn, target)
        _prepare_session(conn)
        with session.migration_lock(conn, options.wait):
            chosen = _to_roll_back(folder, ledger.read(conn), steps, to, everything)
            losses = data_loss.find(conn, chosen)
            if losses and not allow_data_loss and not (confirm and confirm(losses)):
                raise data_loss.refusal(losses, target.display)
            done: list[Step] = []
            for migration in chosen:
                done.append(_revert(conn, migration, options, on_progress, done))
    return RunReport(target.display, "rollback", False, done, data_loss=losses)


def _to_roll_back(
    folder: Path,
    applied: list[ledger.AppliedMigration],
    steps: int | None,
    to: str | None,
    everything: bool,
) -> list[Migration]:
    """The applied migrations to undo, newest first, each checked to have a rollback file."""
    if sum([steps is not None, to is not None, everything]) > 1:
        raise RollbackUnavailable("choose one of --steps, --to and --all")
    migrations = {m.id: m for m in _known(folder, (row.id for row in applied), ())}
    newest_first = list(reversed(applied))
    if everything:
        chosen = newest_first
    elif to is not None:
        ids = [row.id for row in applied]
        keep = find(list(migrations.values()), to)
        if keep.id not in ids:
            raise RollbackUnavailable(f"{keep.id} is not applied", "run `cmmsdb status`")
        chosen = newest_first[: len(ids) - 1 - ids.index(keep.id)]
    else:
        count = 1 if steps is None else steps
        if count < 1:
            raise RollbackUnavailable(f"--steps must be 1 or more, not {count}")
        chosen = newest_first[:count]
    _check_rollback_files(chosen, migrations)
    return [migrations[row.id] for row in chosen]


def _check_rollback_files(
    chosen: list[ledger.AppliedMigration], migrations: dict[str, Migration]
) -> None:
    gone = [row.id for row in chosen if row.id not in migrations]
    if gone:
        raise RollbackUnavailable(
            f"cannot roll back {', '.join(gone)}: the migration file is gone", "restore it first"
        )
    unavailable = [row.id for row in chosen if not migrations[row.id].has_rollback]
    if unavailable:
        names = ", ".join(f"{i}.rollback.sql" for i in unavailable)
        raise RollbackUnavailable(f"no rollback file {names}; nothing was rolled back", "write it")


def _revert(
    conn: psycopg.Connection[Any],
    migration: Migration,
    options: Options,
    on_progress: ProgressCallback | None,
    done: list[Step],
) -> Step:
    script = migration.rollback_script()
    notify = on_progress or (lambda _: None)
    notify(Progress("rollback", migration.id, "start"))
    started = time.monotonic()
    position = _Position()
    try:
        if script.transactional:
            _run_in_transaction(conn, migration, script, "rollback", options, notify)
        else:
            with _session_lock_timeout(conn, options.lock_timeout):
                for statement in script.statements:
                    _run_statement(conn, migration, script, statement, "rollback", options, notify)
                    position.statements_done += 1
                with conn.transaction():
                    _book(conn, migration, script, "rollback", started)
    except Exception as exc:
        if conn.closed:
            raise _connection_lost(exc, "rollback", migration, script, position, done) from None
        raise
    seconds = time.monotonic() - started
    notify(Progress("rollback", migration.id, "done", seconds))
    return Step(migration.id, "rollback", script.transactional, len(script.statements), seconds)


@contextmanager
def _connection_guard(conn: psycopg.Connection[Any], command: str) -> Iterator[None]:
    """The server closing the connection between migrations (while waiting for the lock,
    reading the ledger) is said as such, not as an unexpected error."""
    try:
        yield
    except ConnectionLost:
        raise
    except Exception as exc:
        if not conn.closed:
            raise
        raise ConnectionLost(
            f"the server closed the connection ({first_line(exc)}) while no migration was "
            "running: every migration is recorded exactly as far as it went",
            f"run `cmmsdb {command}` again once the server is back",
        ) from None


def _connection_lost(
    exc: Exception,
    action: str,
    migration: Migration,
    script: Script,
    position: _Position,
    done: Sequence[Step],
) -> ConnectionLost:
    """The server closed the connection while `migration` ran: say so (it is not the
    migration's fault), what the ledger now holds, and how to resume."""
    ran = f"{position.statements_done} of its {len(script.statements)} statements ran"
    so_far = ", ".join(step.id for step in done) or "none"
    if action == "apply":
        if script.transactional:
            state = f"{migration.id} was rolled back and is not recorded as applied"
        else:
            state = f"{migration.id} is recorded as partial: {ran} and were kept"
        state += f"; applied in this run and kept: {so_far}"
        hint = "run `cmmsdb migrate` again once the server is back: it resumes there"
        doing = "applying"
    else:
        if script.transactional:
            state = f"the rollback of {migration.id} was undone: it is still applied"
        else:
            state = f"the rollback of {migration.id} stopped ({ran}); it is still recorded applied"
        state += f"; rolled back in this run: {so_far}"
        hint = (
            "once the server is back, `cmmsdb status` shows what is applied; run the rollback "
            "again for what should not be"
        )
        doing = "rolling back"
    return ConnectionLost(
        f"the server closed the connection while {doing} {migration.id} "
        f"({first_line(exc)}): {state}",
        hint,
    )


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative
