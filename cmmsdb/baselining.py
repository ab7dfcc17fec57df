"""`cmmsdb baseline`: adopt a database whose schema was built without cmmsdb (by hand, by
psql, or by yoyo), by recording migrations as applied without running them.

Nothing is recorded on trust: the live schema is first compared, as `cmmsdb drift` does,
with the schema those migrations build (the committed snapshot, or a scratch database
migrated to exactly them); any difference refuses the baseline. Which migrations:

- `to`: every migration of the main folder up to and including it;
- without `to`, on a database yoyo migrated: the ones yoyo's `_yoyo_migration` records
  (with `to` too, they must be the same).

A baseline is for a database cmmsdb never migrated: one whose ledger records a migration is
refused. Each recorded migration is logged in the history as a baseline, as the login role.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmmsdb import catalog, ledger, session
from cmmsdb import schema_drift as drifts
from cmmsdb.catalog import Difference
from cmmsdb.errors import BaselineRefused, DriftUnavailable, listed
from cmmsdb.migrations import Migration, discover, find
from cmmsdb.resources import migrations_folder, query
from cmmsdb.target import DEFAULT_CONNECT_TIMEOUT, Target, as_target, connect, ensure_writable

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class BaselineReport:
    """What baseline found and did: `recorded` is false when the schema differed (then
    `differences` lists how, as drift does) and nothing was written."""

    target: str
    source: str
    expected_from: str
    migrations: list[str]
    recorded: bool
    differences: list[Difference] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        differences = [d.to_dict() for d in self.differences]
        return {**asdict(self), "ok": not differences, "differences": differences}


def baseline(
    target: str | Target,
    folder: Path | str | None = None,
    *,
    to: str | None = None,
    scratch: str | Target | None = None,
    wait: float = 60.0,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> BaselineReport:
    """Record the migrations of `folder` up to `to` (or those yoyo applied) as applied on
    `target` without running them, if its schema is the one they build (compared with the
    committed snapshot, or with a database migrated on the `scratch` server)."""
    target = as_target(target)
    folder = migrations_folder(folder)
    scratch = as_target(scratch) if scratch else None
    main = discover(folder)
    with connect(target, connect_timeout=connect_timeout) as conn:
        ensure_writable(conn, target)
        with session.migration_lock(conn, wait):
            _refuse_recorded(conn, target)
            chosen, source = _choose(conn, main, to, target)
            ids = [m.id for m in chosen]
            expected = _expected(folder, ids, scratch, connect_timeout)
            found = drifts.compare(expected.schema, catalog.snapshot(conn))
            if found:
                return BaselineReport(target.display, source, expected.source, ids, False, found)
            _record(conn, chosen, source)
    return BaselineReport(target.display, source, expected.source, ids, True)


def _refuse_recorded(conn: psycopg.Connection[Any], target: Target) -> None:
    recorded = [row.id for row in ledger.read(conn)]
    if recorded:
        raise BaselineRefused(
            f"{target.display} is already migrated by cmmsdb ({len(recorded)} migrations "
            f"recorded, the last {recorded[-1]}): nothing to adopt; nothing was recorded",
            "baseline adopts a database cmmsdb never migrated; run `cmmsdb status`",
        )


def _choose(
    conn: psycopg.Connection[Any], main: list[Migration], to: str | None, target: Target
) -> tuple[list[Migration], str]:
    """The migrations to record, and where the choice came from."""
    yoyo = yoyo_applied(conn)
    if to is not None:
        last = find(main, to)
        chosen = main[: main.index(last) + 1]
        if yoyo is not None and sorted(yoyo[1]) != [m.id for m in chosen]:
            raise BaselineRefused(
                f"yoyo's {yoyo[0]} on {target.display} records {len(yoyo[1])} applied "
                f"migrations, not the {len(chosen)} up to {last.id}; nothing was recorded",
                "leave out --to to adopt what yoyo applied",
            )
        return chosen, f"up to {last.id}"
    if yoyo is None:
        raise BaselineRefused(
            f"no --to, and {target.display} has no yoyo table (_yoyo_migration) to say which "
            "migrations its schema matches; nothing was recorded",
            "pass --to MIGRATION (the last migration the schema matches)",
        )
    table, ids = yoyo
    by_id = {m.id: m for m in main}
    unknown = [i for i in ids if i not in by_id]
    prefix = [m.id for m in main[: len(ids)]]
    if not ids:
        what = "no migration"
    elif unknown:
        what = f"migrations not in {main[0].path.parent}: {listed(unknown)}"
    elif sorted(ids) != prefix:
        gaps = sorted(set(prefix) - set(ids))
        what = f"migrations that skip some of the folder's first ones ({listed(gaps)})"
    else:
        return [by_id[i] for i in prefix], f"applied by yoyo, per {table}"
    raise BaselineRefused(
        f"yoyo's {table} on {target.display} records {what}; nothing was recorded",
        "check --migrations (the folder yoyo applied), or pass --to MIGRATION",
    )


def yoyo_applied(conn: psycopg.Connection[Any]) -> tuple[str, list[str]] | None:
    """yoyo-migrations' table of applied migrations (schema-qualified) and the ids it holds,
    or None when yoyo never migrated this database."""
    from psycopg import sql

    schemas = [name for (name,) in conn.execute(query("yoyo_tables.sql"))]
    if not schemas:
        return None
    if len(schemas) > 1:
        raise BaselineRefused(
            f"yoyo's _yoyo_migration is in several schemas ({', '.join(schemas)}): which one "
            "recorded this schema?; nothing was recorded",
            "pass --to MIGRATION",
        )
    table = sql.Identifier(schemas[0], "_yoyo_migration")
    statement = sql.SQL(query("yoyo_applied.sql")).format(table=table)
    ids = [str(name) for (name,) in conn.execute(statement)]
    return f"{schemas[0]}._yoyo_migration", ids


def _expected(
    folder: Path, ids: list[str], scratch: Target | None, connect_timeout: float
) -> drifts.Expected:
    """The schema that exactly `ids` build: the committed snapshot when it describes them,
    else a scratch database migrated to them."""
    if scratch is not None:
        return drifts.build_expected(
            scratch, folder, migrations=ids, connect_timeout=connect_timeout
        )
    expected = drifts.read_expected(folder)
    if expected.migrations != ids:
        raise DriftUnavailable(
            f"the committed snapshot describes {len(expected.migrations)} migrations, not the "
            f"{len(ids)} to record: it cannot check the schema; nothing was recorded",
            "compare with a scratch database migrated to them: --scratch (embedded server) "
            "or --scratch-dsn DSN",
        )
    return expected


def _record(conn: psycopg.Connection[Any], chosen: list[Migration], source: str) -> None:
    """Write every chosen migration as applied, and log it, in one transaction."""
    ledger.ensure(conn)
    ledger.upgrade(conn)
    detail = f"recorded without running, {source}; the schema matched"
    with ledger.privileges(conn, "change"), conn.transaction():
        for migration in chosen:
            ledger.record(conn, migration)
            ledger.log(conn, migration.id, "baseline", migration.checksum, detail=detail)
