"""A real Citus cluster for tests/citus: a coordinator and two workers on free local ports
(cmmsdb.citus_cluster, which runs the nodes as cmmsdb.local runs the embedded server), the
database migrated once with `--with citus`. Run by `nox -s tests_citus`, which builds Citus
first (.ci/citus-build) if it is not installed. Without Citus these tests fail, never skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import cmmsdb
from cmmsdb import citus_cluster

ROOT = Path(__file__).resolve().parents[2]


_APP_BULK_INSERT = (
    "an INSERT ... SELECT of many work orders as the app: Citus runs it through the"
    " coordinator with COPY, which row-level security refuses"
)
_SINGLE_SERVER_PLAN = "asserts a single server's plan shape; on Citus the plan is a Custom Scan"
_CHECKED_AT_COMMIT = (
    "a deferred constraint trigger refuses the commit on the worker (CM004, in its log), and"
    " Citus reports it as XX000 'could not commit transaction for shard': refused, but not"
    " with the SQLSTATE and message the test asserts"
)
# Tests of tests/test_api_*.py that the cluster does not pass yet, each with its reason
# (docs/scale-out.md): strict, so a fix shows up as a failure to remove the entry.
EXPECTED_FAILURES = {
    "test_search_uses_the_gin_index_under_rls_where_the_app_role_cannot": _SINGLE_SERVER_PLAN,
    "test_assets_within_is_served_by_the_coordinates_index_under_rls": _SINGLE_SERVER_PLAN,
    "test_contractors_within_is_served_by_the_coordinates_index_under_rls": _SINGLE_SERVER_PLAN,
    "test_the_postgis_module_replaces_assets_within_with_the_same_results": (
        "the PostGIS module applied after the citus module: its extension is not created on the"
        " workers (applied together, --with postgis --with citus, it works: test_citus_module)"
    ),
    "test_multi_row_statements_number_each_row_as_single_rows_would": _APP_BULK_INSERT,
    "test_concurrent_bulk_creators_get_distinct_consecutive_numbers": _APP_BULK_INSERT,
    "test_a_record_without_a_required_value_is_refused_at_commit": _CHECKED_AT_COMMIT,
    "test_other_kinds_of_records_have_their_required_fields_too": _CHECKED_AT_COMMIT,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.citus)
            reason = EXPECTED_FAILURES.get(item.name)
            if reason and item.module.__name__.endswith("test_api_on_cluster"):  # type: ignore[attr-defined]
                item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


@pytest.fixture(scope="session")
def cluster() -> Iterator[citus_cluster.Cluster | None]:
    """The cluster the tests start; None when CMMSDB_CITUS_DSN names a coordinator's
    database to use instead (a superuser's DSN; it is migrated with --with citus)."""
    if os.environ.get("CMMSDB_CITUS_DSN"):
        yield None
        return
    if not citus_cluster.citus_installed():
        pytest.fail(
            "Citus is not installed into PostgreSQL 15: run .ci/citus-build"
            " (nox -s tests_citus does)"
        )
    started = citus_cluster.start()
    try:
        yield started
    finally:
        citus_cluster.stop(started)


@pytest.fixture(scope="session")
def citus_dsn(cluster: citus_cluster.Cluster | None) -> str:
    """The coordinator's database, migrated with the citus module (superuser DSN)."""
    dsn = cluster.dsn if cluster is not None else os.environ["CMMSDB_CITUS_DSN"]
    cmmsdb.migrate(dsn, ROOT / "sql" / "migrations", modules=["citus"])
    return dsn


@pytest.fixture
def migrated_db(citus_dsn: str) -> str:
    """tests/conftest.py's fixtures (admin, app_login, app) on the cluster: every test shares
    the coordinator's database (a Citus database cannot be cloned), so tests make their own
    tenants and look only at them."""
    return citus_dsn
