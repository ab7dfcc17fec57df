"""The optional PostGIS module (sql/modules/postgis): where the server has PostGIS, it adds
geography columns with GiST indexes that find the same assets as earthdistance, and rolls
back to the exact catalog; where it has not, it stops before changing anything and says so.
The embedded server has no PostGIS; CI's system PostgreSQL 15 has it: both branches run."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from cmmsdb import migrator, verifier
from cmmsdb.catalog import diff, snapshot
from cmmsdb.errors import ExtensionUnavailable
from cmmsdb.target import Target
from tests.conftest import MIGRATIONS

NEAR_PARIS = {"louvre": (48.8606, 2.3376), "versailles": (48.8049, 2.1204), "lyon": (45.76, 4.84)}


def catalog(dsn: str) -> dict[str, Any]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return snapshot(conn)


def has_postgis(dsn: str) -> bool:
    with psycopg.connect(dsn) as conn:
        found = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
        return found.fetchone() is not None


def test_postgis_module_adds_indexed_geography_or_says_postgis_is_missing(
    migrated_db: str,
) -> None:
    target = Target(migrated_db, "test")
    before = catalog(migrated_db)
    if not has_postgis(migrated_db):
        with pytest.raises(ExtensionUnavailable, match="postgis") as refused:
            migrator.migrate(target, MIGRATIONS, modules=["postgis"])
        assert "nothing was applied" in str(refused.value)
        assert diff(before, catalog(migrated_db)) == []
        return

    report = migrator.migrate(target, MIGRATIONS, modules=["postgis"])

    assert [step.id for step in report.steps] == [
        "postgis/0001.add-geography-columns",
        "postgis/0002.replace-function-assets-within",
        "postgis/0003.assets-within-as-cmms-search",
        "postgis/0004.add-geog-to-active-views",
        "postgis/0005.add-geography-to-vendors",
        "postgis/0006.add-geography-to-contractors",
    ]
    with psycopg.connect(migrated_db, autocommit=True) as conn:
        org = conn.execute(
            "INSERT INTO cmms.organizations (name, slug) VALUES ('Geo', 'geo') RETURNING id"
        ).fetchone()
        for name, (latitude, longitude) in NEAR_PARIS.items():
            conn.execute(
                "INSERT INTO cmms.assets (organization_id, name, latitude, longitude)"
                " VALUES (%s, %s, %s, %s)",
                [org[0] if org else None, name, latitude, longitude],
            )
        schema = conn.execute(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'postgis'"
        ).fetchone()
        conn.execute(f"SET search_path = {schema[0] if schema else 'public'}")
        within = (
            "SELECT name FROM cmms.assets WHERE ST_DWithin(geog,"
            " ST_SetSRID(ST_MakePoint(2.3522, 48.8566), 4326)::geography, %s) ORDER BY 1"
        )
        assert [n for (n,) in conn.execute(within, [5_000])] == ["louvre"]
        assert [n for (n,) in conn.execute(within, [25_000])] == ["louvre", "versailles"]
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r for (r,) in conn.execute("EXPLAIN " + within, [5_000]))
        assert "assets_geog_idx" in plan

    assert verifier.verify(target, MIGRATIONS, modules=["postgis"]).findings == []
    with psycopg.connect(migrated_db, autocommit=True) as conn:
        views = conn.execute(
            "SELECT relname, reloptions, relacl::text[] FROM pg_class"
            " WHERE relname IN ('active_assets', 'active_locations', 'active_vendors',"
            " 'active_contractors') AND relnamespace = 'cmms'::regnamespace"
            " ORDER BY 1"
        ).fetchall()
        located = conn.execute(
            "SELECT name FROM cmms.active_assets WHERE geog IS NOT NULL ORDER BY 1"
        ).fetchall()
    for _, options, acl in views:
        assert options == ["security_invoker=true"]
        assert sorted(acl) == [
            "cmms_app=r/cmms_owner",
            "cmms_owner=arwdDxt/cmms_owner",
            "cmms_readonly=r/cmms_owner",
        ]
    assert located == [(name,) for name in sorted(NEAR_PARIS)]

    migrator.rollback(target, MIGRATIONS, steps=len(report.steps))
    assert diff(before, catalog(migrated_db)) == []
