"""A real Citus cluster for tests/citus: a coordinator and two workers on free local ports
(cmmsdb.citus_cluster, which runs the nodes as cmmsdb.local runs the embedded server), the
database migrated once with `--with citus`. Run by `nox -s tests_citus`, which builds Citus
first (.ci/citus-build) if it is not installed. Without Citus these tests fail, never skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import cmmsdb
from cmmsdb import citus_cluster

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.citus)


@pytest.fixture(scope="session")
def cluster() -> Iterator[citus_cluster.Cluster]:
    if not citus_cluster.citus_installed():
        pytest.fail("Citus is not installed into PostgreSQL 15: run .ci/citus-build (nox -s tests_citus does)")
    started = citus_cluster.start()
    try:
        yield started
    finally:
        citus_cluster.stop(started)


@pytest.fixture(scope="session")
def citus_dsn(cluster: citus_cluster.Cluster) -> str:
    """The coordinator's database, migrated with the citus module (superuser DSN)."""
    cmmsdb.migrate(cluster.dsn, ROOT / "sql" / "migrations", modules=["citus"])
    return cluster.dsn
