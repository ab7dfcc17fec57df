"""How fast a per-test database is cloned from the migrated template: CREATE DATABASE ...
TEMPLATE ... STRATEGY FILE_COPY against WAL_LOG (PostgreSQL 15's default), median and p95
of the create, of the drop, and the WAL each clone writes. The pytest plugin clones with
FILE_COPY (target: 150 ms or less a clone).

    python bench/clone_speed.py [--dsn DSN] [--runs 20]
"""

from __future__ import annotations

import argparse
import atexit
import time
import uuid

import psycopg
from _server import migrated_database
from _timing import ms
from psycopg.conninfo import conninfo_to_dict

from cmmsdb.pytest_plugin import CmmsdbServer, clone, embedded_home, start_embedded, stop_embedded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", help="superuser DSN of the server (default: embedded)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--home-parent", help="where the embedded server's data goes, e.g. /dev/shm"
    )
    args = parser.parse_args()

    if args.dsn:
        server = CmmsdbServer(args.dsn, embedded=False)
    else:  # the embedded server as the plugin starts it: no fsync
        home = embedded_home("cmmsdb-bench-", args.home_parent)
        atexit.register(stop_embedded, home)
        server = start_embedded(home)
    template = str(conninfo_to_dict(migrated_database(server.dsn))["dbname"])
    with server.connect() as conn:
        version = conn.execute("SHOW server_version").fetchone()
        size = conn.execute("SELECT pg_database_size(%s)", [template]).fetchone()
    assert version is not None
    assert size is not None
    print(f"PostgreSQL {version[0]}, template {size[0] / 1e6:.1f} MB, {args.runs} clones each")
    print("WAL: the whole server's, other sessions' included")
    print(f"{'strategy':<10} {'create p50':>11} {'p95':>8} {'drop p50':>9} {'WAL/clone':>10}")
    for strategy in ("file_copy", "wal_log"):
        creates, drops, wal = [], [], 0
        with server.connect() as conn:
            for _ in range(args.runs):
                name = f"cmmsdb_clone_{uuid.uuid4().hex[:10]}"
                before = _lsn(conn)
                started = time.perf_counter()
                clone(server, template, name, strategy)
                creates.append(time.perf_counter() - started)
                wal += _lsn(conn) - before
                started = time.perf_counter()
                server.janitor(name).drop()
                drops.append(time.perf_counter() - started)
        (c50, c95), (d50, _) = ms(creates), ms(drops)
        print(
            f"{strategy:<10} {c50:>8.0f} ms {c95:>5.0f} ms {d50:>6.0f} ms"
            f" {wal / args.runs / 1e6:>7.1f} MB"
        )


def _lsn(conn: psycopg.Connection[tuple[int]]) -> int:
    row = conn.execute("SELECT pg_current_wal_lsn() - '0/0'").fetchone()
    assert row is not None
    return int(row[0])


if __name__ == "__main__":
    main()
