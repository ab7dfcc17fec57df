"""`cmmsdb drift` against a Citus coordinator (tests/citus/conftest.py's cluster): the
expected schema is built in a scratch Citus database on the cluster --scratch-dsn names."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

import cmmsdb
from cmmsdb import citus_drift
from cmmsdb.target import as_target

ROOT = Path(__file__).resolve().parents[2]
SCRATCH_PREFIX = "cmmsdb_scratch_"


def _node_dsns(citus_dsn: str) -> list[str]:
    """Database postgres on every node of the cluster (the coordinator first), as the
    metadata names them."""
    with psycopg.connect(citus_dsn) as conn:
        rows = conn.execute(
            "SELECT nodename, nodeport FROM pg_dist_node WHERE noderole = 'primary'"
            " ORDER BY groupid"
        ).fetchall()
    return [
        make_conninfo(citus_dsn, host=host, port=str(port), dbname="postgres")
        for host, port in rows
    ]


def _scratch_databases(citus_dsn: str) -> dict[str, set[str]]:
    """The scratch databases that exist on each node, by node DSN."""
    found = {}
    for dsn in _node_dsns(citus_dsn):
        with psycopg.connect(dsn) as conn:
            rows = conn.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [SCRATCH_PREFIX]
            ).fetchall()
        found[dsn] = {name for (name,) in rows}
    return found


@pytest.fixture
def no_scratch_left(citus_dsn: str) -> Iterator[None]:
    """The test leaves no scratch database behind on any node of the cluster."""
    before = _scratch_databases(citus_dsn)
    yield
    assert _scratch_databases(citus_dsn) == before


@pytest.fixture(scope="module")
def own_citus_db(citus_dsn: str) -> Iterator[str]:
    """A Citus database of the tests' own, on every node, migrated with --with citus: the
    shared database must not change, these tests change theirs."""
    with citus_drift.scratch_database(as_target(citus_dsn), 10) as database:
        cmmsdb.migrate(database.dsn, ROOT / "sql" / "migrations", modules=["citus"])
        yield database.dsn


def _lines(stdout: str) -> list[str]:
    return stdout.strip().splitlines()


@pytest.mark.usefixtures("no_scratch_left")
def test_an_untouched_coordinator_has_no_drift(cli: Any, citus_dsn: str) -> None:
    run = cli("drift", "--dsn", citus_dsn, "--scratch-dsn", citus_dsn, "--json")
    assert run.exit_code == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["ok"] is True
    assert report["differences"] == []
    assert report["expected_from"].startswith("scratch database on ")
    with psycopg.connect(citus_dsn) as conn:
        applied = conn.execute(
            "SELECT count(*) FROM cmmsdb.applied_migrations WHERE id LIKE 'citus/%'"
        ).fetchone()
    assert applied is not None
    assert applied[0] > 0


@pytest.mark.usefixtures("no_scratch_left")
def test_partition_maintenance_is_not_drift(cli: Any, own_citus_db: str) -> None:
    """Months created and archived by `partitions maintain`: an archived partition stays a
    distributed table in cmms_archive, and is left out like its table."""
    maintained = cli(
        "partitions", "maintain", "--dsn", own_citus_db, "--now", "2027-06-01", "--retain", "1"
    )
    assert maintained.exit_code == 0, maintained.stdout + maintained.stderr
    with psycopg.connect(own_citus_db) as conn:
        archived = conn.execute(
            "SELECT count(*) FROM pg_dist_partition"
            " WHERE logicalrelid::regclass::text LIKE 'cmms_archive.%'"
        ).fetchone()
    assert archived is not None
    assert archived[0] > 0
    run = cli("drift", "--dsn", own_citus_db, "--scratch-dsn", own_citus_db)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.stdout.startswith("no drift: ")


@pytest.mark.usefixtures("no_scratch_left")
def test_an_added_column_and_a_dropped_index_are_reported(cli: Any, own_citus_db: str) -> None:
    with psycopg.connect(own_citus_db, autocommit=True) as conn:
        index = conn.execute(
            "SELECT pg_get_indexdef('cmms.assets_search_vector_idx'::regclass)"
        ).fetchone()
        assert index is not None
        conn.execute("ALTER TABLE cmms.assets ADD COLUMN x int")
        conn.execute("DROP INDEX cmms.assets_search_vector_idx")
        try:
            run = cli("drift", "--dsn", own_citus_db, "--scratch-dsn", own_citus_db)
            after = conn.execute(
                "SELECT to_regclass('cmms.assets_search_vector_idx'),"
                " (SELECT count(*) FROM pg_attribute"
                "  WHERE attrelid = 'cmms.assets'::regclass AND attname = 'x')"
            ).fetchone()
        finally:
            conn.execute("ALTER TABLE cmms.assets DROP COLUMN x")
            conn.execute(index[0])
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _lines(run.stdout)[:-1] == [
        "cmms.assets.x: unexpected",
        "index cmms.assets_search_vector_idx: missing",
    ]
    assert _lines(run.stdout)[-1].startswith("2 differences: ")
    assert after == (None, 1)  # drift changed nothing on the target


@pytest.mark.usefixtures("no_scratch_left")
def test_a_table_no_longer_distributed_is_reported(cli: Any, own_citus_db: str) -> None:
    """How the tables are spread over the cluster is part of the schema: a reference table
    turned back into the coordinator's own is drift."""
    with psycopg.connect(own_citus_db, autocommit=True) as conn:
        conn.execute("SELECT undistribute_table('cmms.i18n_strings')")
    run = cli("drift", "--dsn", own_citus_db, "--scratch-dsn", own_citus_db, "--json")
    assert run.exit_code == 1, run.stdout + run.stderr
    found = {(d["kind"], d["object"], d["change"]) for d in json.loads(run.stdout)["differences"]}
    assert ("distribution", "cmms.i18n_strings", "missing") in found
    assert not any(
        kind == "distribution" and name != "cmms.i18n_strings" for kind, name, _ in found
    )
    with psycopg.connect(own_citus_db) as conn:
        kept = conn.execute(
            "SELECT count(*) FROM pg_dist_partition"
            " WHERE logicalrelid = 'cmms.organizations'::regclass"
        ).fetchone()
    assert kept == (1,)


def _one_error(run: Any) -> str:
    """stderr of a refused run: an error line and at most a hint, no traceback (after the
    notice that the embedded server was started, for --scratch)."""
    lines = [
        line for line in run.stderr.strip().splitlines() if "embedded local server" not in line
    ]
    assert 1 <= len(lines) <= 2, run.stderr
    assert lines[0].startswith("error: "), run.stderr
    return "\n".join(lines)


def test_the_committed_snapshot_refuses_a_citus_target(cli: Any, citus_dsn: str) -> None:
    run = cli("drift", "--dsn", citus_dsn)
    assert run.exit_code == 2, run.stdout + run.stderr
    text = _one_error(run)
    assert "citus module applied" in text
    assert "--scratch-dsn" in text
    assert "Citus coordinator" in text


def test_the_embedded_server_refuses_a_citus_target(cli: Any, citus_dsn: str) -> None:
    run = cli("drift", "--dsn", citus_dsn, "--scratch")
    assert run.exit_code == 2, run.stdout + run.stderr
    text = _one_error(run)
    assert "embedded server (--scratch) has no Citus" in text
    assert "--scratch-dsn" in text


@pytest.mark.usefixtures("no_scratch_left")
def test_a_scratch_server_without_citus_refuses_a_citus_target(
    cli: Any, citus_dsn: str, pg_server: Any
) -> None:
    """A plain server (the suite's own PostgreSQL, no Citus): refused before any database
    is created there."""
    with psycopg.connect(pg_server.dsn) as conn:
        before = conn.execute("SELECT count(*) FROM pg_database").fetchone()
    run = cli("drift", "--dsn", citus_dsn, "--scratch-dsn", pg_server.dsn)
    assert run.exit_code == 2, run.stdout + run.stderr
    text = _one_error(run)
    assert "extension citus is not installed in the scratch database" in text
    assert "--scratch-dsn" in text
    with psycopg.connect(pg_server.dsn) as conn:
        assert conn.execute("SELECT count(*) FROM pg_database").fetchone() == before


def test_a_database_of_the_cluster_without_the_extension_refuses(cli: Any, citus_dsn: str) -> None:
    """citus.so is loaded there, but the database is no coordinator's."""
    plain = make_conninfo(citus_dsn, dbname="postgres")
    run = cli("drift", "--dsn", citus_dsn, "--scratch-dsn", plain)
    assert run.exit_code == 2, run.stdout + run.stderr
    assert "extension citus is not installed in the scratch database" in _one_error(run)


def _nodes_and_extension(dsn: str) -> tuple[list[tuple[str, int]], bool]:
    with psycopg.connect(dsn) as conn:
        nodes = conn.execute(
            "SELECT nodename, nodeport FROM pg_dist_node WHERE noderole = 'primary'"
            " ORDER BY groupid"
        ).fetchall()
        extension = conn.execute(
            "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')"
        ).fetchone()
    return [(str(host), int(port)) for host, port in nodes], extension == (True,)


@pytest.mark.usefixtures("no_scratch_left")
def test_a_scratch_database_has_the_coordinators_nodes_and_citus_on_each(citus_dsn: str) -> None:
    expected, _ = _nodes_and_extension(citus_dsn)
    with citus_drift.scratch_database(as_target(citus_dsn), 10) as database:
        nodes, extension = _nodes_and_extension(database.dsn)
        on_workers = []
        for host, port in nodes[1:]:
            worker = make_conninfo(database.dsn, host=host, port=str(port))
            on_workers.append(_nodes_and_extension(worker)[1])
    assert nodes == expected
    assert len(nodes) == 3  # the coordinator and both workers
    assert extension
    assert on_workers == [True, True]


@pytest.mark.usefixtures("no_scratch_left")
def test_the_scratch_database_is_dropped_on_every_node_when_building_fails(
    citus_dsn: str,
) -> None:
    """no_scratch_left checks that it is gone everywhere afterwards."""
    present: dict[str, set[str]] = {}
    name = ""

    def build() -> None:
        nonlocal present, name
        with citus_drift.scratch_database(as_target(citus_dsn), 10) as database:
            name = database.dbname
            present = _scratch_databases(citus_dsn)
            raise RuntimeError("building failed")

    with pytest.raises(RuntimeError, match="building failed"):
        build()
    assert len(present) == 3
    assert all(name in names for names in present.values()), present


@pytest.mark.usefixtures("no_scratch_left")
def test_a_scratch_role_that_is_no_superuser_gets_the_fix(cli: Any, citus_dsn: str) -> None:
    """A role with CREATEDB creates the database but not the extension: one error naming
    the fix, exit 2, and the database it created dropped again."""
    role = f"drift_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(citus_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB").format(sql.Identifier(role)))
        try:
            scratch = make_conninfo(citus_dsn, user=role)
            run = cli("drift", "--dsn", citus_dsn, "--scratch-dsn", scratch)
        finally:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
    assert run.exit_code == 2, run.stdout + run.stderr
    text = _one_error(run)
    assert 'permission denied to create extension "citus"' in text
    assert "--scratch-dsn must be a superuser's" in text
