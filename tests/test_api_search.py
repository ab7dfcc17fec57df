"""Search and radius functions (0080-0082, postgis/0002-0003): ranked full-text search with
prefix matching of the last word and radius search, nearest first, for the tenant of the
context only, and served by their indexes under row-level security (they run as the role
cmms_search, whose only policy on the searched tables is USING (true))."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict

from cmmsdb import migrator
from cmmsdb.catalog import diff, snapshot
from cmmsdb.errors import ExtensionUnavailable
from cmmsdb.target import Target
from tests.conftest import MIGRATIONS
from tests.rows import insert, new_org

Conn = psycopg.Connection[Any]
CENTRE = (48.8566, 2.3522)  # Paris
PLACES = {"louvre": (48.8606, 2.3376), "versailles": (48.8049, 2.1204), "lyon": (45.76, 4.84)}


def work_order(admin: Conn, org: uuid.UUID, title: str, **columns: Any) -> uuid.UUID:
    return insert(admin, "work_orders", {"organization_id": org, "title": title, **columns})


def asset(admin: Conn, org: uuid.UUID, name: str, **columns: Any) -> uuid.UUID:
    return insert(admin, "assets", {"organization_id": org, "name": name, **columns})


def as_tenant(app: Conn, org: uuid.UUID | None, query: str, params: list[Any]) -> list[Any]:
    with app.transaction():
        if org is not None:
            app.execute("SELECT cmms.set_context(%s)", [org])
        return app.execute(query, params).fetchall()


@pytest.fixture
def tenants(admin: Conn) -> dict[str, Any]:
    a, b = new_org(admin, "Alpha"), new_org(admin, "Beta")
    ids = {
        "bearings": work_order(admin, a, "Replace pump bearings", description="noisy pump"),
        "inspection": work_order(admin, a, "Pump inspection", description="monthly check"),
        "deleted": work_order(admin, a, "Replace pump bearings again", deleted_at="2026-01-01"),
        "other": work_order(admin, b, "Replace pump bearings of B"),
        "compressor": asset(admin, a, "Air compressor", asset_tag="AC-7", manufacturer="Atlas"),
        "gone": asset(admin, a, "Air compressor spare", deleted_at="2026-01-01"),
        "b_compressor": asset(admin, b, "Air compressor of B"),
    }
    return {"A": a, "B": b, **ids}


def test_search_work_orders_ranks_matches_prefixing_the_last_word(
    app: Conn, tenants: dict[str, Any]
) -> None:
    found = as_tenant(
        app, tenants["A"], "SELECT id, title, rank FROM cmms.search_work_orders(%s)", ["pump bear"]
    )
    assert [r[0] for r in found] == [tenants["bearings"]]
    pumps = as_tenant(app, tenants["A"], "SELECT id FROM cmms.search_work_orders('pum')", [])
    assert {r[0] for r in pumps} == {tenants["bearings"], tenants["inspection"]}
    # The title (weight A) ranks above the description (weight B).
    ranked = as_tenant(app, tenants["A"], "SELECT id FROM cmms.search_work_orders('noisy pu')", [])
    assert [r[0] for r in ranked] == [tenants["bearings"]]
    limited = as_tenant(app, tenants["A"], "SELECT id FROM cmms.search_work_orders('pump', 1)", [])
    assert len(limited) == 1


def test_search_work_orders_finds_a_reference_as_typed(app: Conn, tenants: dict[str, Any]) -> None:
    reference = as_tenant(
        app,
        tenants["A"],
        "SELECT reference FROM cmms.work_orders WHERE id = %s",
        [tenants["bearings"]],
    )[0][0]
    found = as_tenant(
        app, tenants["A"], "SELECT id FROM cmms.search_work_orders(%s)", [reference[:-1]]
    )
    assert tenants["bearings"] in [r[0] for r in found]


def test_search_never_returns_deleted_rows_other_tenants_or_rows_without_context(
    app: Conn, tenants: dict[str, Any]
) -> None:
    everything = "SELECT id FROM cmms.search_work_orders('replace pump bearings', 1000)"
    assert [r[0] for r in as_tenant(app, tenants["A"], everything, [])] == [tenants["bearings"]]
    assert [r[0] for r in as_tenant(app, tenants["B"], everything, [])] == [tenants["other"]]
    assert as_tenant(app, None, everything, []) == []
    assets = "SELECT id FROM cmms.search_assets('air compr', 1000)"
    assert [r[0] for r in as_tenant(app, tenants["A"], assets, [])] == [tenants["compressor"]]
    assert [r[0] for r in as_tenant(app, tenants["B"], assets, [])] == [tenants["b_compressor"]]
    assert as_tenant(app, None, assets, []) == []


def test_search_finds_what_the_same_transaction_wrote(app: Conn, tenants: dict[str, Any]) -> None:
    """The application writes, then searches, in one transaction (on Citus the search runs on
    the tenant's worker through the application's connection: sql/modules/citus/0019)."""
    with app.transaction():
        app.execute("SELECT cmms.set_context(%s)", [tenants["A"]])
        made = app.execute("SELECT id FROM cmms.create_work_order('Gearbox whines')").fetchone()
        app.execute(
            "INSERT INTO cmms.assets (organization_id, name) VALUES (%s, 'Gearbox 4')",
            [tenants["A"]],
        )
        found = app.execute("SELECT id FROM cmms.search_work_orders('gearbox')").fetchall()
        assets = app.execute("SELECT name FROM cmms.search_assets('gearbox')").fetchall()
    assert made is not None
    assert found == [(made[0],)]
    assert assets == [("Gearbox 4",)]


def test_search_assets_matches_tag_and_manufacturer(app: Conn, tenants: dict[str, Any]) -> None:
    for query in ("AC-7", "atlas", "atl"):
        found = as_tenant(app, tenants["A"], "SELECT id FROM cmms.search_assets(%s)", [query])
        assert [r[0] for r in found] == [tenants["compressor"]], query


@pytest.mark.parametrize("query", ["", "   ", "the", "!!! ''' \\ :* & |"])
def test_search_text_without_words_or_with_tsquery_syntax_is_harmless(
    app: Conn, tenants: dict[str, Any], query: str
) -> None:
    found = as_tenant(app, tenants["A"], "SELECT id FROM cmms.search_work_orders(%s)", [query])
    assert all(r[0] != tenants["other"] for r in found)


@pytest.mark.parametrize("function", ["search_work_orders", "search_assets"])
@pytest.mark.parametrize("max_results", [0, -1, 1001, None])
def test_search_refuses_a_result_count_out_of_range(
    app: Conn, tenants: dict[str, Any], function: str, max_results: int | None
) -> None:
    with pytest.raises(errors.InvalidParameterValue, match="max_results"):
        as_tenant(app, tenants["A"], f"SELECT * FROM cmms.{function}('pump', %s)", [max_results])


def test_search_refuses_a_query_longer_than_1000_characters(
    app: Conn, tenants: dict[str, Any]
) -> None:
    with pytest.raises(errors.InvalidParameterValue, match="longer than 1000"):
        as_tenant(app, tenants["A"], "SELECT * FROM cmms.search_assets(%s)", ["x" * 1001])


def plans_of(admin: Conn, app_login: str, org: uuid.UUID, call: str) -> str:
    """The plans of every statement that `call` runs, as a cmms_app login, through
    auto_explain (loaded by the superuser, then SET ROLE to the application login)."""
    messages: list[str] = []
    admin.add_notice_handler(lambda diag: messages.append(diag.message_primary or ""))
    role = conninfo_to_dict(app_login)["user"]
    with admin.transaction():
        admin.execute("LOAD 'auto_explain'")
        for setting in (
            "auto_explain.log_min_duration = 0",
            "auto_explain.log_nested_statements = on",
            "client_min_messages = log",
            "enable_seqscan = off",
        ):
            admin.execute(f"SET LOCAL {setting}")
        admin.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        admin.execute("SELECT cmms.set_context(%s)", [org])
        admin.execute(call).fetchall()
    return "\n".join(messages)


def test_search_uses_the_gin_index_under_rls_where_the_app_role_cannot(
    admin: Conn, app_login: str, app: Conn, tenants: dict[str, Any]
) -> None:
    admin.execute(
        "INSERT INTO cmms.work_orders (organization_id, title)"
        " SELECT %s, 'Routine job ' || n FROM generate_series(1, 2000) AS n",
        [tenants["A"]],
    )
    admin.execute(
        "INSERT INTO cmms.assets (organization_id, name)"
        " SELECT %s, 'Pump ' || n FROM generate_series(1, 2000) AS n",
        [tenants["A"]],
    )
    admin.execute("VACUUM ANALYZE cmms.work_orders")
    admin.execute("VACUUM ANALYZE cmms.assets")

    plans = plans_of(
        admin, app_login, tenants["A"], "SELECT * FROM cmms.search_work_orders('bear')"
    )
    assert "search_vector_idx" in plans
    plans = plans_of(admin, app_login, tenants["A"], "SELECT * FROM cmms.search_assets('compr')")
    assert "assets_search_vector_idx" in plans

    # The same filter written by the application itself, under its RLS policy: no GIN.
    with app.transaction():
        app.execute("SELECT cmms.set_context(%s)", [tenants["A"]])
        app.execute("SET LOCAL enable_seqscan = off")
        direct = "\n".join(
            r[0]
            for r in app.execute(
                "EXPLAIN SELECT id FROM cmms.work_orders WHERE deleted_at IS NULL"
                " AND search_vector @@ 'bear:*'::tsquery"
            )
        )
    assert "search_vector_idx" not in direct


# --- radius search --------------------------------------------------------------------------


@pytest.fixture
def places(admin: Conn) -> dict[str, Any]:
    a, b = new_org(admin, "Geo"), new_org(admin, "Other")
    ids = {
        name: asset(admin, a, name, latitude=lat, longitude=lon)
        for name, (lat, lon) in PLACES.items()
    }
    asset(admin, a, "demolished", latitude=48.857, longitude=2.352, deleted_at="2026-01-01")
    asset(admin, a, "nowhere")
    asset(admin, b, "other tenant's louvre", latitude=48.8606, longitude=2.3376)
    return {"A": a, "B": b, **ids}


WITHIN = "SELECT name, distance_m FROM cmms.assets_within(%s, %s, %s)"


def within(app: Conn, org: uuid.UUID | None, radius: float) -> list[tuple[str, float]]:
    return [(n, d) for n, d in as_tenant(app, org, WITHIN, [*CENTRE, radius])]


def check_radius_results(app: Conn, places: dict[str, Any]) -> None:
    near = within(app, places["A"], 5_000)
    assert [n for n, _ in near] == ["louvre"]
    assert near[0][1] == pytest.approx(1_158, rel=0.005)
    wider = within(app, places["A"], 25_000)
    assert [n for n, _ in wider] == ["louvre", "versailles"]
    assert wider[1][1] == pytest.approx(17_935, rel=0.005)
    assert [n for n, _ in within(app, places["A"], 500_000)] == ["louvre", "versailles", "lyon"]
    assert [n for n, _ in within(app, places["B"], 5_000)] == ["other tenant's louvre"]
    assert within(app, None, 500_000) == []


def test_assets_within_nearest_first_of_the_tenant_only(app: Conn, places: dict[str, Any]) -> None:
    check_radius_results(app, places)


def test_assets_within_across_the_antimeridian_and_near_a_pole(admin: Conn, app: Conn) -> None:
    org = new_org(admin, "Pacific")
    asset(admin, org, "fiji east", latitude=-17.0, longitude=179.99)
    asset(admin, org, "fiji west", latitude=-17.0, longitude=-179.99)
    asset(admin, org, "pole", latitude=89.99, longitude=-120.0)
    east = as_tenant(app, org, WITHIN, [-17.0, 179.995, 5_000])
    assert sorted(n for n, _ in east) == ["fiji east", "fiji west"]
    north = as_tenant(app, org, WITHIN, [89.99, 60.0, 5_000])
    assert [n for n, _ in north] == ["pole"]


@pytest.mark.parametrize(
    ("latitude", "longitude", "radius", "word"),
    [
        (91, 0, 10, "latitude"),
        (0, -181, 10, "longitude"),
        (0, 0, 0, "radius_m"),
        (0, 0, -5, "radius_m"),
        (0, 0, 3e7, "radius_m"),
        (None, 0, 10, "latitude"),
    ],
)
def test_assets_within_refuses_out_of_range_arguments(
    app: Conn, places: dict[str, Any], latitude: Any, longitude: Any, radius: Any, word: str
) -> None:
    with pytest.raises(errors.InvalidParameterValue, match=word):
        as_tenant(app, places["A"], WITHIN, [latitude, longitude, radius])


def test_assets_within_is_served_by_the_coordinates_index_under_rls(
    admin: Conn, app_login: str, places: dict[str, Any]
) -> None:
    admin.execute(
        "INSERT INTO cmms.assets (organization_id, name, latitude, longitude)"
        " SELECT %s, 'a' || n, 40 + n / 1000.0, n / 1000.0 FROM generate_series(1, 2000) AS n",
        [places["A"]],
    )
    admin.execute("VACUUM ANALYZE cmms.assets")
    plans = plans_of(
        admin, app_login, places["A"], "SELECT * FROM cmms.assets_within(48.8, 2.3, 5000)"
    )
    assert "assets_organization_id_latitude_longitude_idx" in plans


def has_postgis(dsn: str) -> bool:
    with psycopg.connect(dsn) as conn:
        found = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
        return found.fetchone() is not None


def test_the_postgis_module_replaces_assets_within_with_the_same_results(
    migrated_db: str, admin: Conn, app_login: str, app: Conn, places: dict[str, Any]
) -> None:
    target = Target(migrated_db, "test")
    with psycopg.connect(migrated_db, autocommit=True) as conn:
        before = snapshot(conn)
    if not has_postgis(migrated_db):
        with pytest.raises(ExtensionUnavailable, match="postgis"):
            migrator.migrate(target, MIGRATIONS, modules=["postgis"])
        check_radius_results(app, places)
        return

    report = migrator.migrate(target, MIGRATIONS, modules=["postgis"])
    assert [s.id for s in report.steps][-1] == "postgis/0006.add-geography-to-contractors"
    check_radius_results(app, places)
    admin.execute(
        "INSERT INTO cmms.assets (organization_id, name, latitude, longitude)"
        " SELECT %s, 'a' || n, 40 + n / 1000.0, n / 1000.0 FROM generate_series(1, 2000) AS n",
        [places["A"]],
    )
    admin.execute("VACUUM ANALYZE cmms.assets")
    plans = plans_of(
        admin, app_login, places["A"], "SELECT * FROM cmms.assets_within(48.8, 2.3, 5000)"
    )
    assert "assets_geog_idx" in plans

    migrator.rollback(target, MIGRATIONS, steps=len(report.steps))
    with psycopg.connect(migrated_db, autocommit=True) as conn:
        assert diff(before, snapshot(conn)) == []
