"""Every SECURITY DEFINER function, found in the catalog, attacked through the session's
temporary schema: an attacker login shadows every type and relation name that any function
of the data layer mentions with a temporary domain (whose CHECK calls the attacker's
function) or a temporary view (whose rows come through it), then makes each definer
function run. The attacker's function reports the role it runs as; it must never run as a
definer function's owner (cmms_audit, cmms_search, cmms_archiver, cmms_owner). The archiving
functions are attacked by a cmms_maintainer login, the only one that may run them."""

from __future__ import annotations

import re
from collections.abc import Callable

import psycopg
import pytest
from psycopg import sql

from cmmsdb import migrator
from cmmsdb.errors import ExtensionUnavailable
from cmmsdb.target import Target
from tests.conftest import MIGRATIONS
from tests.security.conftest import Conn, World
from tests.test_archiving import _work_order

ATTACKER = """
CREATE FUNCTION pg_temp.attack(v anyelement) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'attacker code ran as %', current_user;
    RETURN true;
END;
$$
"""

# How each definer function is made to run, by an app login with tenant A's context.
Recipe = Callable[[Conn, World], None]
RECIPES: dict[str, Recipe] = {
    "audit_row_change": lambda c, w: c.execute(
        "UPDATE cmms.assets SET name = name || '!' WHERE id = %s", [w.asset_a]
    ),
    "search_work_orders": lambda c, w: c.execute("SELECT * FROM cmms.search_work_orders('pump')"),
    "search_assets": lambda c, w: c.execute("SELECT * FROM cmms.search_assets('pump')"),
    "assets_within": lambda c, w: c.execute(
        "SELECT * FROM cmms.assets_within(48.8566, 2.3522, 5000)"
    ),
    "erase_user": lambda c, w: c.execute("SELECT cmms.erase_user(%s)", [w.bob]),
    # Runs inside erase_user (EXECUTE is cmms_owner's only).
    "erase_audit_values": lambda c, w: c.execute("SELECT cmms.erase_user(%s)", [w.bob]),
    # By a cmms_maintainer login (no tenant context): moves tenant A's old closed work
    # order out (delete and audit triggers), then back (the live tables' insert triggers).
    "archive_work_orders": lambda c, w: c.execute(
        "SELECT * FROM cmms_archive.archive_work_orders('infinity', 10)"
    ),
    "restore_work_orders": lambda c, w: c.execute(
        "SELECT * FROM cmms_archive.restore_work_orders(%s, NULL, '-infinity')", [w.a]
    ),
}
MAINTAINER = ("archive_work_orders", "restore_work_orders")


def _definers(conn: Conn) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT p.proname FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace"
            " WHERE n.nspname LIKE 'cmms%%' AND p.prosecdef ORDER BY 1"
        )
    ]


def _words(conn: Conn) -> set[str]:
    """Every identifier in the bodies of the data layer's functions."""
    bodies = conn.execute(
        "SELECT string_agg(p.prosrc, ' ') FROM pg_proc AS p"
        " JOIN pg_namespace AS n ON n.oid = p.pronamespace WHERE n.nspname LIKE 'cmms%%'"
    ).fetchone()
    return set(re.findall(r"[a-z_][a-z0-9_]*", (bodies[0] if bodies else "").lower()))


def _shadows(conn: Conn, words: set[str]) -> list[sql.Composable]:
    """Temporary objects named like the built-in types and the relations that the bodies
    mention: a domain over each type, a view over each relation the attacker may read."""
    types = conn.execute(
        "SELECT typname FROM pg_type WHERE typnamespace = 'pg_catalog'::regnamespace"
        " AND typtype = 'b' AND typcategory <> 'P' AND typname !~ '^_'"
        " AND typname = ANY (%s) ORDER BY 1",
        [sorted(words)],
    ).fetchall()
    views = conn.execute(
        "SELECT format('CREATE TEMPORARY VIEW %%I AS SELECT %%s FROM %%I.%%I"
        " WHERE pg_temp.attack(1)', c.relname,"
        " string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum), n.nspname, c.relname)"
        " FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
        " JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " JOIN pg_type AS t ON t.oid = a.atttypid AND t.typtype <> 'p'"
        " WHERE n.nspname IN ('pg_catalog', 'cmms') AND c.relkind IN ('r', 'v', 'p')"
        " AND NOT c.relispartition AND c.relname = ANY (%s)"
        " AND has_table_privilege(c.oid, 'SELECT') GROUP BY n.nspname, c.relname ORDER BY 1",
        [sorted(words)],
    ).fetchall()
    statements: list[sql.Composable] = [
        sql.SQL(
            "CREATE DOMAIN pg_temp.{name} AS pg_catalog.{name} CHECK (pg_temp.attack(VALUE))"
        ).format(name=sql.Identifier(name))
        for (name,) in types
    ]
    statements += [sql.SQL(view) for (view,) in views]
    return statements


def _attack(dsn: str, world: World, recipes: list[str]) -> tuple[list[str], int]:
    """Shadow, run the recipes (each in its own transaction as tenant A), and return the
    roles the attacker's code ran as, and how many shadowing objects were made."""
    ran_as: list[str] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.add_notice_handler(
            lambda notice: ran_as.append((notice.message_primary or "").rsplit(" ", 1)[-1])
        )
        conn.execute(ATTACKER)
        statements = _shadows(conn, _words(conn))
        for statement in statements:
            conn.execute(statement)
        conn.execute("SELECT pg_temp.attack(1)")  # the probe works: it reports itself
        assert ran_as == [conn.info.user]
        ran_as.clear()
        for name in recipes:
            with conn.transaction():
                if name not in MAINTAINER:
                    conn.execute("SELECT cmms.set_context(%s, %s)", [world.a, world.alice])
                RECIPES[name](conn, world)
    return ran_as, len(statements)


def test_every_definer_function_has_an_attack_recipe(admin: Conn) -> None:
    missing = set(_definers(admin)) - set(RECIPES)
    assert not missing, f"add an attack recipe for {sorted(missing)}"


@pytest.mark.parametrize("member_of", ["cmms_app", "cmms_readonly", "cmms_maintainer"])
def test_no_definer_function_runs_the_attackers_code(
    member_of: str, login: Callable[[str], str], admin: Conn, world: World
) -> None:
    dsn = login(member_of)
    definers = _definers(admin)
    if member_of == "cmms_readonly":
        definers = [d for d in definers if d.startswith(("search_", "assets_within"))]
    elif member_of == "cmms_maintainer":
        definers = [d for d in definers if d in MAINTAINER]
        old = _work_order(admin, world.a)
    else:
        definers = [d for d in definers if d not in MAINTAINER]
    assert definers
    ran_as, shadows = _attack(dsn, world, definers)
    assert shadows > 20  # uuid, jsonb, text, pg_class, work_orders, ...
    attacker = psycopg.conninfo.conninfo_to_dict(dsn)["user"]
    assert set(ran_as) <= {attacker}, f"attacker code ran as {sorted(set(ran_as))}"
    if member_of == "cmms_maintainer":  # the recipes did move it out and back
        back = admin.execute(
            "SELECT (SELECT count(*) FROM cmms.work_orders WHERE id = %s),"
            " (SELECT count(*) FROM cmms_archive.work_orders),"
            " (SELECT count(*) FROM cmms.activity_logs WHERE row_id = %s AND action = 'delete')",
            [old, old],
        ).fetchone()
        assert back == (1, 0, 1)


def test_the_attack_worked_before_migrations_0086_to_0089(
    migrated_db: str, login: Callable[[str], str], world: World
) -> None:
    """The same attack against the data layer as 0085 left it: the audit trigger ran the
    attacker's code as cmms_owner (so this test's probe can see the hole it guards)."""
    target = Target(migrated_db, "test")
    migrator.rollback(target, MIGRATIONS, to="0085.create-functions-user-privacy")
    ran_as, _ = _attack(login("cmms_app"), world, ["audit_row_change"])
    assert "cmms_owner" in ran_as


def test_the_postgis_radius_search_runs_no_attackers_code(
    migrated_db: str, login: Callable[[str], str], admin: Conn, world: World
) -> None:
    """With the postgis module, cmms.assets_within is a definer function of cmms_search;
    where the server has no PostGIS (the embedded one), the module must refuse instead."""
    target = Target(migrated_db, "test")
    available = admin.execute(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
    ).fetchone()
    if available is None:
        with pytest.raises(ExtensionUnavailable, match="postgis"):
            migrator.migrate(target, MIGRATIONS, modules=["postgis"])
        return
    migrator.migrate(target, MIGRATIONS, modules=["postgis"])
    assert "assets_within" in _definers(admin)
    for member_of in ("cmms_app", "cmms_readonly"):
        dsn = login(member_of)
        ran_as, _ = _attack(dsn, world, ["assets_within"])
        assert set(ran_as) <= {psycopg.conninfo.conninfo_to_dict(dsn)["user"]}
