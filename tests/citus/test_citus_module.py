"""`cmmsdb migrate --with citus` on a real coordinator + 2 workers (tests/citus/conftest.py)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

import cmmsdb
from cmmsdb import citus_drift, verifier
from cmmsdb.migrations import discover
from cmmsdb.target import as_target
from tests.rows import make_row, new_org
from tests.test_api_work_orders import one

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ROOT / "bench" / "queries"


def test_refused_where_citus_is_not_installed(cli: Any, citus_dsn: str) -> None:
    """A database without the extension (citus.so is there, the extension is not created):
    one clear line, exit 2, nothing applied."""
    name = f"plain_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(citus_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = make_conninfo(citus_dsn, dbname=name)
    done = cli("migrate", "--dsn", dsn, "--with", "citus")
    assert done.exit_code == 2, done.stderr
    assert "extension citus is not installed" in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2, done.stderr
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT to_regnamespace('cmms')").fetchone() == (None,)


def test_every_table_distributed_and_colocated(citus_dsn: str) -> None:
    with psycopg.connect(citus_dsn) as conn:
        rows = conn.execute(
            "SELECT c.relname, t.citus_table_type, t.distribution_column, t.colocation_id"
            " FROM pg_class c JOIN citus_tables t ON t.table_name = c.oid"
            " WHERE c.relnamespace = 'cmms'::regnamespace AND NOT c.relispartition"
        ).fetchall()
        local = conn.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'cmms'::regnamespace"
            " AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
            " AND NOT EXISTS (SELECT FROM pg_dist_partition d WHERE d.logicalrelid = c.oid)"
        ).fetchall()
    assert local == []
    tables = {name: (kind, column, group) for name, kind, column, group in rows}
    root = tables["organizations"]
    assert root[:2] == ("distributed", "id")
    assert tables["i18n_strings"][0] == "reference"
    assert tables["organization_handles"][0] == "reference"
    for name in ("work_orders", "activity_logs", "assets", "part_transactions", "users"):
        assert tables[name] == ("distributed", "organization_id", root[2]), name


def test_verify_distribution_rules(citus_dsn: str) -> None:
    """The rule passes on the migrated cluster and names a tenant table left local and a
    restrictive policy on a distributed table."""
    report = cmmsdb.verify(citus_dsn)
    assert "citus-distribution" in report.rules
    assert [f for f in report.findings if f.rule == "citus-distribution"] == []
    with psycopg.connect(citus_dsn) as conn:
        conn.execute(
            "CREATE TABLE cmms.citus_probe (organization_id uuid NOT NULL, id uuid NOT NULL,"
            " PRIMARY KEY (organization_id, id))"
        )
        conn.execute(
            "CREATE POLICY probe ON cmms.tags AS RESTRICTIVE FOR SELECT TO cmms_app USING (true)"
        )
        findings = verifier.catalog_findings(conn)
        conn.rollback()
    assert [(f.object, f.message) for f in findings if f.rule == "citus-distribution"] == [
        (
            "cmms.citus_probe",
            "not a distributed table; want create_distributed_table(..., 'organization_id',"
            " colocate_with => 'cmms.organizations')",
        ),
        (
            "cmms.tags.probe",
            "restrictive policy on a distributed table: its shards get it as a permissive one",
        ),
    ]


def _superuser_text(path: Path) -> str:
    return path.read_text()


@pytest.mark.parametrize(
    "name",
    sorted(p.stem for p in QUERIES.glob("*.sql") if not p.name.endswith(".app.sql")),
)
def test_tenant_queries_are_single_shard_router_plans(citus_dsn: str, name: str) -> None:
    """Every tenant query of bench/queries (its superuser form, the tenant written out) is
    planned by Citus for one shard on one worker: Task Count 1, no multi-shard plan."""
    params: dict[str, Any] = {
        "org": uuid.uuid4(),
        "work_order": uuid.uuid4(),
        "lat": 48.85,
        "lon": 2.35,
        "radius": 1000.0,
        "words": "pump",
        "now": "2026-12-01T00:00:00Z",
    }
    text = _superuser_text(QUERIES / f"{name}.sql")
    with psycopg.connect(citus_dsn) as conn:
        used = {k: v for k, v in params.items() if f"%({k})s" in text}
        plan = "\n".join(r[0] for r in conn.execute(f"EXPLAIN {text}", used).fetchall())
    counts = [int(n) for n in re.findall(r"Task Count: (\d+)", plan)]
    assert counts, plan
    assert all(n == 1 for n in counts), plan
    assert "Citus Adaptive" in plan or "Citus Router" in plan, plan


def test_moving_a_tenant_keeps_rows_and_audit(citus_dsn: str) -> None:
    """citus_move_shard_placement moves a tenant's shard group to the other worker: every
    row of its tables and of its audit trail is still there, on the other node."""
    org = uuid.uuid4()
    with psycopg.connect(citus_dsn, autocommit=True) as conn:
        # Rows written without the row triggers (see docs/scale-out.md, limitations: the
        # audit triggers cannot write activity_logs from a shard), audit rows written as such.
        with conn.transaction():
            conn.execute("SET LOCAL citus.propagate_set_commands = 'local'")
            conn.execute("SET LOCAL session_replication_role = replica")
            conn.execute(
                "INSERT INTO cmms.organizations (id, name, slug) VALUES (%s, 'Moved', %s)",
                [org, f"moved-{org.hex[:8]}"],
            )
            conn.execute(
                "INSERT INTO cmms.assets (organization_id, name)"
                " SELECT %s, 'asset ' || g FROM generate_series(1, 50) g",
                [org],
            )
            conn.execute(
                "INSERT INTO cmms.activity_logs"
                " (organization_id, table_name, row_id, action, new_values)"
                " SELECT organization_id, 'assets', id, 'insert', to_jsonb(a)"
                " FROM cmms.assets a WHERE organization_id = %s",
                [org],
            )
        before = _counts(conn, org)
        shard, node, port = conn.execute(
            "SELECT s.shardid, p.nodename, p.nodeport FROM pg_dist_shard s"
            " JOIN pg_dist_placement pl USING (shardid) JOIN pg_dist_node p USING (groupid)"
            " WHERE s.logicalrelid = 'cmms.organizations'::regclass"
            " AND s.shardid = get_shard_id_for_distribution_column('cmms.organizations', %s)",
            [org],
        ).fetchone()
        other = one(
            conn,
            "SELECT nodeport FROM pg_dist_node WHERE noderole = 'primary' AND groupid <> 0"
            " AND nodeport <> %s LIMIT 1",
            [port],
        )
        conn.execute(
            "SELECT citus_move_shard_placement(%s, %s, %s, '127.0.0.1', %s,"
            " shard_transfer_mode => 'force_logical')",
            [shard, node, port, other],
        )
        where = conn.execute(
            "SELECT p.nodeport FROM pg_dist_placement pl JOIN pg_dist_node p USING (groupid)"
            " WHERE pl.shardid = %s",
            [shard],
        ).fetchone()
        assert where == (other,)
        assert _counts(conn, org) == before
    assert before["assets"] == 50
    assert before["activity_logs"] == 50


def _counts(conn: psycopg.Connection[Any], org: uuid.UUID) -> dict[str, int]:
    found = {}
    for table in ("organizations", "assets", "work_orders", "activity_logs"):
        column = "id" if table == "organizations" else "organization_id"
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM cmms.{} WHERE {} = %s").format(
                sql.Identifier(table), sql.Identifier(column)
            ),
            [org],
        ).fetchone()
        assert row is not None
        found[table] = int(row[0])
    return found


def test_status_and_drift_against_the_coordinator(cli: Any, citus_dsn: str) -> None:
    done = cli("status", "--dsn", citus_dsn)
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "citus/0003.distribute-tables" in done.stdout


def test_seed_verify_and_partition_maintenance_on_the_coordinator(cli: Any, citus_dsn: str) -> None:
    seeded = cli("seed", "--dsn", citus_dsn, "--tenants", "1")
    assert seeded.exit_code == 0, seeded.stdout + seeded.stderr
    verified = cli("verify", "--dsn", citus_dsn)
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    maintained = cli("partitions", "maintain", "--dsn", citus_dsn)
    assert maintained.exit_code == 0, maintained.stdout + maintained.stderr
    with psycopg.connect(citus_dsn) as conn:
        local = conn.execute(
            "SELECT c.oid::regclass::text FROM pg_class c"
            " WHERE c.relispartition AND c.relkind IN ('r', 'p')"
            " AND c.relnamespace = 'cmms'::regnamespace"
            " AND NOT EXISTS (SELECT FROM pg_dist_partition d WHERE d.logicalrelid = c.oid)"
        ).fetchall()
        audited = one(conn, "SELECT count(*) FROM cmms.activity_logs")
    assert local == []  # the partitions maintain made are distributed with their parent
    assert audited > 0


@pytest.mark.parametrize(
    "command",
    [
        ["archive", "--older-than", "1d"],
        ["restore", "00000000-0000-0000-0000-000000000001", "--since", "2000-01-01"],
    ],
)
def test_archive_and_restore_refuse_on_the_cluster(
    cli: Any, citus_dsn: str, command: list[str]
) -> None:
    """cmms_archive is not distributed: one clear line, exit 2, no work order moved."""
    count = "SELECT count(*) FROM cmms.work_orders"
    with psycopg.connect(citus_dsn) as conn:
        before = conn.execute(count).fetchone()
    done = cli(*command, "--dsn", citus_dsn)
    assert done.exit_code == 2, done.stderr
    assert "does not run on a Citus database yet" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 2, done.stderr  # the error and its hint
    with psycopg.connect(citus_dsn) as conn:
        assert conn.execute(count).fetchone() == before


def test_a_tenant_exported_deleted_and_imported_keeps_every_row(
    cli: Any, citus_dsn: str, tmp_path: Path
) -> None:
    """cmmsdb tenant export, delete and import against the coordinator: the rows and the
    audit trail go and come back (the workers skip the triggers too: tenant_replica.sql)."""
    with psycopg.connect(citus_dsn, autocommit=True) as conn:
        org = new_org(conn, "Exported")
        for table in ("assets", "work_orders", "users", "parts_inventory"):
            make_row(conn, table, org)
        before = _counts(conn, org)
    assert before["activity_logs"] > 0
    archive = tmp_path / "tenant.tar"
    for command in (
        ["tenant", "export", str(org), "--output", str(archive)],
        ["tenant", "delete", str(org), "--yes"],
    ):
        done = cli(*command, "--dsn", citus_dsn)
        assert done.exit_code == 0, done.stderr
    with psycopg.connect(citus_dsn) as conn:
        assert set(_counts(conn, org).values()) == {0}
    done = cli("tenant", "import", str(archive), "--dsn", citus_dsn)
    assert done.exit_code == 0, done.stderr
    with psycopg.connect(citus_dsn) as conn:
        assert _counts(conn, org) == before


def test_a_database_with_tenants_is_distributed_with_every_row_and_no_new_audit(
    cli: Any,
    citus_dsn: str,
) -> None:
    """A database migrated and filled before the module (as one restored onto the
    coordinator): `migrate` builds it locally, `seed` fills it, `migrate --with citus`
    distributes it; every row is there once, no row is audited again, and the triggers work
    on the shards afterwards."""
    with citus_drift.scratch_database(as_target(citus_dsn), 10) as database:
        for command in (("migrate",), ("seed", "--tenants", "1")):
            done = cli(*command, "--dsn", database.dsn)
            assert done.exit_code == 0, done.stderr
        tables = ("organizations", "users", "assets", "work_orders", "activity_logs")
        counts = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT {}, count(*) FROM cmms.{}").format(sql.Literal(t), sql.Identifier(t))
            for t in tables
        )
        with psycopg.connect(database.dsn) as conn:
            before = dict(conn.execute(counts).fetchall())
        done = cli("migrate", "--dsn", database.dsn, "--with", "citus")
        assert done.exit_code == 0, done.stderr
        with psycopg.connect(database.dsn, autocommit=True) as conn:
            assert dict(conn.execute(counts).fetchall()) == before
            assert all(before[t] > 0 for t in tables), before
            org = one(conn, "SELECT id FROM cmms.organizations LIMIT 1")
            asset = make_row(conn, "assets", org)
            audited = one(
                conn,
                "SELECT count(*) FROM cmms.activity_logs WHERE organization_id = %s"
                " AND table_name = 'assets' AND row_id = %s",
                [org, asset],
            )
        assert audited == 1
        assert cli("verify", "--dsn", database.dsn).exit_code == 0


def test_the_module_rolls_back_to_the_single_server_schema_and_applies_again(
    cli: Any,
    citus_dsn: str,
) -> None:
    """Rolled back, the module leaves exactly the schema the main migrations build (drift
    against the committed snapshot: none), every row kept; applied again, it distributes
    the same rows again, with nothing audited twice and no drift."""
    last_main = discover(ROOT / "sql" / "migrations")[-1].id
    with citus_drift.scratch_database(as_target(citus_dsn), 10) as database:
        for command in (("migrate", "--with", "citus"), ("seed", "--tenants", "1")):
            done = cli(*command, "--dsn", database.dsn)
            assert done.exit_code == 0, done.stderr
        with psycopg.connect(database.dsn) as conn:
            before = _counts_of_every_table(conn)
        steps = (
            ("rollback", "--to", last_main, "--yes"),
            ("drift",),
            ("migrate", "--with", "citus"),
            ("verify",),
            ("drift", "--scratch-dsn", database.dsn),
        )
        for command in steps:
            done = cli(*command, "--dsn", database.dsn)
            assert done.exit_code == 0, (command, done.stdout, done.stderr)
            with psycopg.connect(database.dsn) as conn:
                assert _counts_of_every_table(conn) == before, command


def _counts_of_every_table(conn: psycopg.Connection[Any]) -> dict[str, int]:
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'cmms'::regnamespace"
            " AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
            " AND c.relname <> 'organization_handles'"  # the module's own, empty after seed
            " ORDER BY 1"
        )
    ]
    return {
        table: one(conn, sql.SQL("SELECT count(*) FROM cmms.{}").format(sql.Identifier(table)))
        for table in tables
    }


def test_postgis_and_citus_applied_together_serve_assets_within(cli: Any, citus_dsn: str) -> None:
    """`--with postgis --with citus`: PostGIS's columns and function are built on the
    coordinator first, then distributed with everything else (the extension on every
    worker); verify holds and cmms.assets_within answers from the geography column."""
    with citus_drift.scratch_database(as_target(citus_dsn), 10) as database:
        done = cli("migrate", "--dsn", database.dsn, "--with", "postgis", "--with", "citus")
        assert done.exit_code == 0, done.stderr
        assert cli("verify", "--dsn", database.dsn).exit_code == 0
        with psycopg.connect(database.dsn, autocommit=True) as conn:
            workers = conn.execute(
                "SELECT result FROM run_command_on_workers("
                "$$SELECT extversion FROM pg_extension WHERE extname = 'postgis'$$)"
            ).fetchall()
            assert len(workers) == 2
            assert all(v for (v,) in workers), workers
            org = new_org(conn, "Mapped")
            for name, latitude in (("near", 48.86), ("far", 40.0)):
                conn.execute(
                    "INSERT INTO cmms.assets (organization_id, name, latitude, longitude)"
                    " VALUES (%s, %s, %s, 2.35)",
                    [org, name, latitude],
                )
            with conn.transaction():
                conn.execute("SELECT cmms.set_context(%s)", [org])
                found = conn.execute(
                    "SELECT a.name FROM cmms.assets_within(48.85, 2.35, 5000) AS a"
                ).fetchall()
            body = one(conn, "SELECT prosrc FROM pg_proc WHERE proname = 'assets_within'")
        assert found == [("near",)]
        assert "geog" in body
