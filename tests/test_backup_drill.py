"""The restore drill of docs/backup.md, performed: a migrated, seeded database is dumped with
the standard tools (pg_dumpall --roles-only, pg_dump -Fd -j 2), restored with pg_restore -j 2
into a new database, checked with `cmmsdb status --exit-code`, `cmmsdb verify` and `cmmsdb
drift`, and compared table by table (row counts and a digest of the rows) with the source.
The client tools are those of the server's major version: the embedded server's own, or
the system's /usr/lib/postgresql/<major>/bin."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from cmmsdb import local
from tests.conftest import Server

TABLES = """
SELECT format('%I.%I', n.nspname, c.relname)
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
ORDER BY 1
"""


def client_tools(dsn: str) -> Path:
    """The folder of pg_dump and pg_restore matching the server's major version."""
    with psycopg.connect(dsn) as conn:
        major = conn.info.server_version // 10000
    folder = local.client_tools(major)
    assert folder, f"no pg_dump {major}: install postgresql-client-{major}"
    return folder


def table_digests(dsn: str) -> dict[str, tuple[int, str]]:
    """Rows and an order-independent md5 of every table's rows (leaf partitions included)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        digests = {}
        for (table,) in conn.execute(TABLES).fetchall():
            row = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY"
                f" md5(t::text)), '')) FROM {table} AS t"
            ).fetchone()
            assert row
            digests[table] = (row[0], row[1])
    return digests


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.slow
def test_dump_restore_check_and_compare(
    cli: Any, pg_server: Server, migrated_db: str, tmp_path: Path
) -> None:
    seeded = cli("seed", "--tenants", "2", "--profile", "demo", "--dsn", migrated_db)
    assert seeded.exit_code == 0, seeded.stderr
    tools = client_tools(migrated_db)

    roles = run(tools / "pg_dumpall", "--roles-only", "-d", pg_server.dsn).stdout
    run(tools / "pg_dump", "-Fd", "-j", "2", "-f", tmp_path / "dump", "-d", migrated_db)
    janitor = pg_server.janitor(f"cmmsdb_test_restored_{uuid.uuid4().hex[:12]}")
    janitor.init()
    try:
        restored = pg_server.dsn_for(janitor.dbname)
        run(tools / "pg_restore", "-j", "2", "--exit-on-error", "-d", restored, tmp_path / "dump")

        for command in (["status", "--exit-code"], ["verify"], ["drift"]):
            check = cli(*command, "--dsn", restored)
            assert check.exit_code == 0, (command, check.stdout, check.stderr)
        before, after = table_digests(migrated_db), table_digests(restored)
    finally:
        janitor.drop()

    for role in ("cmms_owner", "cmms_app", "cmms_readonly"):
        assert f"CREATE ROLE {role};" in roles
    assert before == after
    assert sum(rows for rows, _ in before.values()) > 1000
    # Leaf tables only: the hash partitions of work orders, not their parent.
    assert any(t.startswith("cmms.work_orders_p") and r for t, (r, _) in before.items())
