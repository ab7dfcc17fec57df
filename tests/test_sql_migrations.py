"""The shipped migrations: each rollback restores the exact previous catalog, and the schema
they build behaves as DESIGN.md says. The data-model rules that the catalog can show are
`cmmsdb verify`'s (tests/test_verify.py: a fresh database follows every one); what is here
is behaviour and what is particular to one table."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest

from cmmsdb import migrator
from cmmsdb.catalog import diff, snapshot
from cmmsdb.migrations import discover
from cmmsdb.target import Target
from tests.conftest import MIGRATIONS
from tests.rows import make_row, new_org


def catalog(dsn: str) -> dict[str, Any]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return snapshot(conn)


def test_every_migration_up_then_down_restores_the_exact_catalog(empty_db: str) -> None:
    target = Target(empty_db, "test")
    for migration in discover(MIGRATIONS):
        before = catalog(empty_db)
        migrator.migrate(target, MIGRATIONS, to=migration.id)
        after_up = catalog(empty_db)
        assert after_up != before, f"{migration.id} changed nothing"

        migrator.rollback(target, MIGRATIONS, steps=1)
        assert diff(before, catalog(empty_db)) == [], f"rollback of {migration.id}"

        migrator.migrate(target, MIGRATIONS, to=migration.id)
        assert diff(after_up, catalog(empty_db)) == [], f"re-apply of {migration.id}"


def test_rollback_all_leaves_nothing_in_cmms(migrated_db: str) -> None:
    migrator.rollback(Target(migrated_db, "test"), MIGRATIONS, everything=True)

    shape = catalog(migrated_db)
    assert [name for name in shape["schemas"] if name.startswith("cmms")] == []
    assert shape["tables"] == {}
    assert shape["functions"] == {}


@pytest.fixture
def conn(migrated_db: str):
    with psycopg.connect(migrated_db, autocommit=True) as connection:
        yield connection


def rows(conn: psycopg.Connection[Any], sql: str) -> list[tuple[Any, ...]]:
    return conn.execute(sql).fetchall()


TABLES = """
    SELECT c.oid::regclass::text FROM pg_class c
    WHERE c.relnamespace = 'cmms'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
"""

SEARCHABLE = {"cmms.work_orders", "cmms.assets", "cmms.comments"}


def test_search_vectors_are_generated_weighted_and_gin_indexed(conn) -> None:
    vectors = rows(
        conn,
        """SELECT a.attrelid::regclass::text, a.attgenerated,
                  pg_get_expr(d.adbin, d.adrelid) LIKE '%setweight(%' , EXISTS (
                    SELECT 1 FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
                    JOIN pg_am AS m ON m.oid = c.relam
                    WHERE i.indrelid = a.attrelid AND m.amname = 'gin'
                      AND i.indkey[0] = a.attnum)
           FROM pg_attribute AS a
           JOIN pg_class AS r ON r.oid = a.attrelid AND NOT r.relispartition
           LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           WHERE r.relnamespace = 'cmms'::regnamespace AND r.relkind IN ('r', 'p')
             AND a.atttypid = 'tsvector'::regtype""",
    )
    assert {table for table, *_ in vectors} >= SEARCHABLE
    assert [v for v in vectors if v[1:] != ("s", True, True)] == []


def test_coordinates_are_range_checked_and_indexed_for_distance(conn) -> None:
    placed = {
        t
        for (t,) in rows(
            conn,
            f"""SELECT t FROM ({TABLES}) AS x(t) WHERE EXISTS (SELECT 1 FROM pg_attribute
                WHERE attrelid = t::regclass AND attname IN ('latitude', 'longitude'))""",
        )
    }
    assert placed >= {"cmms.locations", "cmms.assets", "cmms.vendors", "cmms.contractors"}
    org = conn.execute(
        "INSERT INTO cmms.organizations (name, slug) VALUES ('Geo', 'geo') RETURNING id"
    ).fetchone()[0]
    for table in placed:
        row_id = make_row(conn, table.removeprefix("cmms."), org)
        move = f"UPDATE {table} SET latitude = %s, longitude = %s WHERE id = %s"
        conn.execute(move, [51.5, -0.12, row_id])
        for latitude, longitude in ((90.5, 0), (0, 180.5), (-91, 0), (0, -181)):
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(move, [latitude, longitude, row_id])
        # earthdistance's GiST, or the btree of a latitude/longitude box (usable under RLS).
        distance_indexes = rows(
            conn,
            f"""SELECT 1 FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
                JOIN pg_am AS m ON m.oid = c.relam WHERE i.indrelid = '{table}'::regclass
                AND ((m.amname = 'gist' AND pg_get_expr(i.indexprs, i.indrelid)
                      LIKE '%earth_point(latitude, longitude)%')
                  OR pg_get_indexdef(i.indexrelid)
                      LIKE '%btree (organization_id, latitude, longitude)%')""",
        )
        assert distance_indexes, table


def test_work_orders_are_hash_partitioned_by_organization_into_eight(conn) -> None:
    (strategy, key) = conn.execute(
        "SELECT partstrat, pg_get_partkeydef(partrelid) FROM pg_partitioned_table"
        " WHERE partrelid = 'cmms.work_orders'::regclass"
    ).fetchone()
    assert (strategy, key) == ("h", "HASH (organization_id)")
    bounds = rows(
        conn,
        """SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits AS i
           JOIN pg_class AS c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'cmms.work_orders'::regclass ORDER BY 1""",
    )
    assert [b for (b,) in bounds] == [
        f"FOR VALUES WITH (modulus 8, remainder {n})" for n in range(8)
    ]


def test_updated_at_is_maintained_by_trigger(conn) -> None:
    with conn.transaction():
        org = conn.execute(
            "INSERT INTO cmms.organizations (name, slug) VALUES ('Acme', 'acme')"
            " RETURNING id, updated_at"
        ).fetchone()
    conn.execute("UPDATE cmms.organizations SET name = 'Acme Ltd' WHERE id = %s", [org[0]])
    (updated_at,) = conn.execute(
        "SELECT updated_at FROM cmms.organizations WHERE id = %s", [org[0]]
    ).fetchone()
    assert updated_at > org[1]


def test_email_is_unique_per_organization_case_insensitively(conn) -> None:
    (org,) = conn.execute(
        "INSERT INTO cmms.organizations (name, slug) VALUES ('A', 'a') RETURNING id"
    ).fetchone()
    (other,) = conn.execute(
        "INSERT INTO cmms.organizations (name, slug) VALUES ('B', 'b') RETURNING id"
    ).fetchone()
    insert = "INSERT INTO cmms.users (organization_id, email, full_name) VALUES (%s, %s, 'X')"
    conn.execute(insert, [org, "Ann@Example.com"])
    conn.execute(insert, [other, "ann@example.com"])
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(insert, [org, "ann@example.COM"])


def test_a_session_cannot_reference_a_user_of_another_organization(conn) -> None:
    (a,) = conn.execute(
        "INSERT INTO cmms.organizations (name, slug) VALUES ('A', 'a') RETURNING id"
    ).fetchone()
    (b,) = conn.execute(
        "INSERT INTO cmms.organizations (name, slug) VALUES ('B', 'b') RETURNING id"
    ).fetchone()
    (user_of_b,) = conn.execute(
        "INSERT INTO cmms.users (organization_id, email, full_name) VALUES (%s, 'u@b.io', 'U')"
        " RETURNING id",
        [b],
    ).fetchone()
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute(
            "INSERT INTO cmms.user_sessions (organization_id, user_id, refresh_token_hash,"
            " expires_at) VALUES (%s, %s, 'h', now() + interval '1 day')",
            [a, user_of_b],
        )


def test_assets_within_a_radius_are_found_through_the_distance_index(conn) -> None:
    org = conn.execute(
        "INSERT INTO cmms.organizations (name, slug) VALUES ('Geo', 'geo') RETURNING id"
    ).fetchone()[0]
    places = {"louvre": (48.8606, 2.3376), "versailles": (48.8049, 2.1204), "lyon": (45.76, 4.84)}
    for name, (latitude, longitude) in places.items():
        conn.execute(
            "INSERT INTO cmms.assets (organization_id, name, latitude, longitude)"
            " VALUES (%s, %s, %s, %s)",
            [org, name, latitude, longitude],
        )
    schema = conn.execute(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'earthdistance'"
    ).fetchone()[0]
    conn.execute(f"SET search_path = {schema}")
    within = """
        SELECT name FROM cmms.assets
        WHERE earth_box(cmms.earth_point(48.8566, 2.3522), %(r)s)
              @> cmms.earth_point(latitude, longitude)
          AND earth_distance(cmms.earth_point(latitude, longitude),
                             cmms.earth_point(48.8566, 2.3522)) <= %(r)s
        ORDER BY 1"""

    assert [n for (n,) in conn.execute(within, {"r": 5_000})] == ["louvre"]
    assert [n for (n,) in conn.execute(within, {"r": 25_000})] == ["louvre", "versailles"]
    conn.execute("SET enable_seqscan = off")
    plan = "\n".join(r for (r,) in conn.execute("EXPLAIN " + within, {"r": 5_000}))
    assert "assets_earth_point_idx" in plan


def test_under_rls_a_radius_search_uses_the_coordinates_index(conn, app_login: str) -> None:
    """earthdistance's @> is not leakproof, so as cmms_app only the latitude/longitude box
    (plain comparisons) can be served by an index before the tenant check."""
    org = new_org(conn, "Geo")
    conn.execute(
        "INSERT INTO cmms.assets (organization_id, name, latitude, longitude)"
        " SELECT %s, 'a' || n, 48 + n / 1000.0, 2 + n / 1000.0 FROM generate_series(1, 500) n",
        [org],
    )
    conn.execute("ANALYZE cmms.assets")
    box = """
        SELECT name FROM cmms.assets
        WHERE latitude BETWEEN 48.1 - degrees(5000 / 6378168.0) AND 48.1 + degrees(5000 / 6378168.0)
          AND longitude BETWEEN 2.1 - degrees(5000 / 6378168.0) / cos(radians(48.1))
                            AND 2.1 + degrees(5000 / 6378168.0) / cos(radians(48.1))
          AND deleted_at IS NULL"""
    with psycopg.connect(app_login) as app:
        app.execute("SELECT cmms.set_context(%s, NULL)", [org])
        app.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r for (r,) in app.execute("EXPLAIN " + box))
        found = app.execute(box).fetchall()
    assert "assets_organization_id_latitude_longitude_idx" in plan
    assert 0 < len(found) < 500


def test_under_rls_mean_time_to_repair_reads_the_completed_at_index(conn, app_login: str) -> None:
    org = new_org(conn, "Repairs")
    conn.execute(
        "INSERT INTO cmms.work_orders (organization_id, title, status, started_at, completed_at)"
        " SELECT %s, 'wo ' || n, 'closed', now() - n * interval '1 hour',"
        "        now() - n * interval '1 hour' + interval '30 minutes'"
        " FROM generate_series(1, 2000) n",
        [org],
    )
    conn.execute("VACUUM ANALYZE cmms.work_orders")
    repair = """
        SELECT avg(completed_at - started_at) FROM cmms.work_orders
        WHERE status IN ('completed', 'closed') AND deleted_at IS NULL
          AND completed_at >= now() - interval '10 days'"""
    with psycopg.connect(app_login) as app:
        app.execute("SELECT cmms.set_context(%s, NULL)", [org])
        # ANALYZE: the tenant comes from an InitPlan, so the other partitions (empty here,
        # where a sequential scan is cheapest) are pruned when the plan runs, never executed
        plan = [r for (r,) in app.execute("EXPLAIN (ANALYZE, COSTS OFF) " + repair)]
        (mean,) = app.execute(repair).fetchone() or (None,)
    executed = [line for line in plan if "(never executed)" not in line]
    # an index-only scan once the visibility map is set, a bitmap or index scan before
    assert any("_completed_at_idx" in line for line in executed)
    assert not any("Seq Scan" in line for line in executed)
    assert mean == timedelta(minutes=30)
