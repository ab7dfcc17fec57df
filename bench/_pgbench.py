"""What the pgbench benchmarks share (pgbouncer_load.py, read_speed.py): a seeded database
with the bench_tenants table (bench/pgbench/setup.sql), a PgBouncer in transaction pooling
started from examples/pgbouncer/pgbouncer.ini, and the latencies of pgbench's logs."""

from __future__ import annotations

import configparser
import os
import shutil
import socket
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from _server import app_login, migrated_database
from psycopg.conninfo import conninfo_to_dict

from cmmsdb import local
from cmmsdb.seeding import seed
from cmmsdb.target import resolve

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "pgbouncer" / "pgbouncer.ini"


@dataclass(frozen=True)
class Seeded:
    database: str  # DSN of the seeded database, as the superuser
    login: str  # a login role in cmms_app
    password: str
    tenants: int  # rows of public.bench_tenants


def prepare(server: str, tenants: int, profile: str, *, keep: bool = False) -> Seeded:
    """A migrated, seeded, analyzed database with the bench_tenants table, and a login of
    cmms_app that may read it. `keep` leaves the database in place at exit."""
    database = migrated_database(server, keep=keep)
    started = time.perf_counter()
    seed(resolve(database), tenants=tenants, profile=profile)
    seconds = time.perf_counter() - started
    print(f"seeded {tenants} tenants ({profile}) in {seconds:.0f} s")
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute((HERE / "pgbench" / "setup.sql").read_text())
        conn.execute("GRANT SELECT ON public.bench_tenants TO cmms_app")  # dropped with it
        conn.execute("VACUUM (ANALYZE)")
    return existing(server, database)


def existing(server: str, database: str) -> Seeded:
    """A database that prepare() made (kept), with a new login of cmms_app."""
    login = conninfo_to_dict(app_login(server, database))
    with psycopg.connect(database) as conn:
        row = conn.execute("SELECT count(*) FROM public.bench_tenants").fetchone()
    count = int(row[0]) if row else 0
    return Seeded(database, str(login["user"]), str(login["password"]), count)


def start_pgbouncer(
    database: str, users: dict[str, str], pool_size: int, folder: Path
) -> tuple[subprocess.Popen[bytes], int]:
    """pgbouncer with the example configuration, its database `cmms` the one of `database`,
    `users` (login: password) in its auth file; as the server's unprivileged account when
    run as root. Returns (process, port)."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    target = conninfo_to_dict(database)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",))
    config.optionxform = str  # type: ignore[assignment,method-assign]
    config.read(EXAMPLE)
    host = target.get("host") or "127.0.0.1"
    config["databases"] = {
        "cmms": f"host={host} port={target.get('port') or 5432} dbname={target['dbname']}"
    }
    config["pgbouncer"].update(
        {
            "listen_port": str(port),
            "auth_file": str(folder / "userlist.txt"),
            "logfile": str(folder / "pgbouncer.log"),
            "pidfile": str(folder / "pgbouncer.pid"),
            "default_pool_size": str(pool_size),
            "max_db_connections": str(pool_size + 5),
        }
    )
    lines = [f'"{login}" "{password}"\n' for login, password in users.items()]
    (folder / "userlist.txt").write_text("".join(lines))
    with (folder / "pgbouncer.ini").open("w") as handle:
        config.write(handle)
    account = local._server_account()
    as_user: dict[str, Any] = {}
    if account is not None:
        for path in folder.iterdir():
            os.chown(path, account.pw_uid, account.pw_gid)
        os.chown(folder, account.pw_uid, account.pw_gid)
        as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    process = subprocess.Popen(
        [binary, str(folder / "pgbouncer.ini")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        **as_user,
    )
    time.sleep(1)
    if process.poll() is not None:
        raise SystemExit(f"pgbouncer exited: {(folder / 'pgbouncer.log').read_text()[-2000:]}")
    return process, port


def stop_pgbouncer(process: subprocess.Popen[bytes], folder: Path) -> None:
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


def latencies(logs: Path) -> dict[int, list[float]]:
    """Latency (ms) of every transaction in the pgbench logs (-l) of folder `logs`, by script
    number; with --rate, counted from the scheduled start (the lag is added)."""
    found: dict[int, list[float]] = defaultdict(list)
    for log in logs.iterdir():
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 6 and fields[2].isdigit():
                lag = int(fields[6]) if len(fields) > 6 else 0  # --rate: the start's delay
                found[int(fields[3])].append((int(fields[2]) + lag) / 1000)
    return found


def percentile(values: list[float], share: float) -> float:
    """The value at `share` (0..1) of sorted `values`."""
    return values[min(len(values) - 1, int(share * len(values)))] if values else 0.0
