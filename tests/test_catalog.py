"""Catalog snapshots against a real PostgreSQL: complete, stable, and diffable.

Each test gets a fresh empty database (the suite's `empty_db`, as `scratch_dsn`). The DDL below uses
`{app}` for a role that only the `app_role` fixture creates, because roles are cluster-wide.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from cmmsdb.catalog import canonical_view_definition, diff, snapshot


@pytest.fixture
def scratch_dsn(empty_db: str) -> str:
    """A fresh empty database (the suite's empty_db)."""
    return empty_db


@pytest.fixture
def app_role(scratch_dsn: str) -> Iterator[str]:
    """A role to grant to, removed with everything granted to it in the scratch database."""
    role = f"cmmsdb_catalog_app_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(scratch_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    yield role
    with psycopg.connect(scratch_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture
def conn(scratch_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection to the scratch database."""
    with psycopg.connect(scratch_dsn, autocommit=True) as connection:
        yield connection


def run(conn: psycopg.Connection[Any], ddl: str, app: str) -> None:
    """Execute a DDL script (several statements, no parameters) with `{app}` filled in."""
    conn.execute(ddl.replace("{app}", app).encode())


SCHEMA = """
CREATE SCHEMA cmms;
CREATE TYPE cmms.wo_status AS ENUM ('open', 'in_progress', 'done');
CREATE DOMAIN cmms.percent AS numeric(5, 2) DEFAULT 0 NOT NULL
    CONSTRAINT percent_range CHECK (VALUE BETWEEN 0 AND 100);
CREATE TYPE cmms.address AS (street text, city text COLLATE "C");
CREATE SEQUENCE cmms.ticket_no AS integer START 1000 INCREMENT 5 CACHE 10;
CREATE TABLE cmms.organizations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (name <> ''),
    created_at timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00'
);
CREATE TABLE cmms.work_orders (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    number integer NOT NULL DEFAULT nextval('cmms.ticket_no'),
    seq bigint GENERATED ALWAYS AS IDENTITY,
    title text NOT NULL,
    priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high')),
    status cmms.wo_status NOT NULL DEFAULT 'open',
    done cmms.percent,
    search tsvector GENERATED ALWAYS AS (to_tsvector('english', title)) STORED,
    updated_at timestamptz,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT work_orders_organization_id_fkey
        FOREIGN KEY (organization_id) REFERENCES cmms.organizations (id)
) WITH (fillfactor = 90);
ALTER SEQUENCE cmms.ticket_no OWNED BY cmms.work_orders.number;
CREATE INDEX work_orders_search_idx ON cmms.work_orders USING gin (search);
ALTER TABLE cmms.work_orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE cmms.work_orders FORCE ROW LEVEL SECURITY;
CREATE FUNCTION cmms.current_org_id() RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('cmms.org_id', true), '')::uuid $$;
CREATE POLICY tenant_isolation ON cmms.work_orders FOR ALL TO {app}
    USING (organization_id = (SELECT cmms.current_org_id()))
    WITH CHECK (organization_id = (SELECT cmms.current_org_id()));
CREATE FUNCTION cmms.touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER work_orders_touch BEFORE UPDATE ON cmms.work_orders
    FOR EACH ROW EXECUTE FUNCTION cmms.touch_updated_at();
CREATE FUNCTION cmms.set_org(p_org uuid) RETURNS void LANGUAGE sql SECURITY DEFINER
    SET search_path = '' AS $$ SELECT set_config('cmms.org_id', p_org::text, true) $$;
REVOKE EXECUTE ON FUNCTION cmms.set_org(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cmms.set_org(uuid) TO {app};
CREATE TABLE cmms.activity_logs (
    organization_id uuid NOT NULL,
    logged_at timestamptz NOT NULL,
    message text
) PARTITION BY RANGE (logged_at);
CREATE TABLE cmms.activity_logs_2024_01 PARTITION OF cmms.activity_logs
    FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00');
CREATE TABLE cmms.activity_logs_2024_02 PARTITION OF cmms.activity_logs
    FOR VALUES FROM ('2024-02-01 00:00:00+00') TO ('2024-03-01 00:00:00+00');
CREATE INDEX activity_logs_org_idx ON cmms.activity_logs (organization_id, logged_at);
CREATE VIEW cmms.open_work_orders WITH (security_invoker = true) AS
    SELECT organization_id, id, title FROM cmms.work_orders WHERE status <> 'done';
CREATE MATERIALIZED VIEW cmms.org_counts AS
    SELECT organization_id, count(*) AS n FROM cmms.work_orders GROUP BY organization_id;
COMMENT ON SCHEMA cmms IS 'CMMS data';
COMMENT ON TABLE cmms.organizations IS 'Tenants';
COMMENT ON COLUMN cmms.organizations.name IS 'Display name';
COMMENT ON FUNCTION cmms.set_org(uuid) IS 'Sets the tenant for this transaction';
GRANT USAGE ON SCHEMA cmms TO {app};
GRANT SELECT, INSERT, UPDATE ON cmms.work_orders TO {app};
GRANT UPDATE (title) ON cmms.work_orders TO {app};
GRANT SELECT ON cmms.open_work_orders TO {app};
ALTER DEFAULT PRIVILEGES IN SCHEMA cmms GRANT SELECT ON TABLES TO {app};
"""

# SCHEMA again, statement by statement in another order: partitions created before their
# parent's index and attached afterwards, comments and grants first, constraints added later.
# Only ALTER DEFAULT PRIVILEGES must stay last: it would grant on the tables created after it.
SCHEMA_REORDERED = """
CREATE SCHEMA cmms;
COMMENT ON SCHEMA cmms IS 'CMMS data';
GRANT USAGE ON SCHEMA cmms TO {app};
CREATE FUNCTION cmms.set_org(p_org uuid) RETURNS void LANGUAGE sql SECURITY DEFINER
    SET search_path = '' AS $$ SELECT set_config('cmms.org_id', p_org::text, true) $$;
GRANT EXECUTE ON FUNCTION cmms.set_org(uuid) TO {app};
COMMENT ON FUNCTION cmms.set_org(uuid) IS 'Sets the tenant for this transaction';
REVOKE EXECUTE ON FUNCTION cmms.set_org(uuid) FROM PUBLIC;
CREATE FUNCTION cmms.touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE FUNCTION cmms.current_org_id() RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('cmms.org_id', true), '')::uuid $$;
CREATE TABLE cmms.activity_logs_2024_02 (
    organization_id uuid NOT NULL,
    logged_at timestamptz NOT NULL,
    message text
);
CREATE TABLE cmms.activity_logs (
    organization_id uuid NOT NULL,
    logged_at timestamptz NOT NULL,
    message text
) PARTITION BY RANGE (logged_at);
CREATE TABLE cmms.activity_logs_2024_01 PARTITION OF cmms.activity_logs
    FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00');
CREATE INDEX activity_logs_org_idx ON cmms.activity_logs (organization_id, logged_at);
ALTER TABLE cmms.activity_logs ATTACH PARTITION cmms.activity_logs_2024_02
    FOR VALUES FROM ('2024-02-01 00:00:00+00') TO ('2024-03-01 00:00:00+00');
CREATE TYPE cmms.address AS (street text, city text COLLATE "C");
CREATE DOMAIN cmms.percent AS numeric(5, 2) DEFAULT 0 NOT NULL
    CONSTRAINT percent_range CHECK (VALUE BETWEEN 0 AND 100);
CREATE TYPE cmms.wo_status AS ENUM ('open', 'in_progress', 'done');
CREATE SEQUENCE cmms.ticket_no AS integer START 1000 INCREMENT 5 CACHE 10;
CREATE TABLE cmms.work_orders (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    number integer NOT NULL DEFAULT nextval('cmms.ticket_no'),
    seq bigint GENERATED ALWAYS AS IDENTITY,
    title text NOT NULL,
    priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high')),
    status cmms.wo_status NOT NULL DEFAULT 'open',
    done cmms.percent,
    search tsvector GENERATED ALWAYS AS (to_tsvector('english', title)) STORED,
    updated_at timestamptz
);
GRANT UPDATE (title) ON cmms.work_orders TO {app};
GRANT UPDATE, INSERT, SELECT ON cmms.work_orders TO {app};
CREATE INDEX work_orders_search_idx ON cmms.work_orders USING gin (search);
ALTER TABLE cmms.work_orders SET (fillfactor = 90);
CREATE POLICY tenant_isolation ON cmms.work_orders FOR ALL TO {app}
    USING (organization_id = (SELECT cmms.current_org_id()))
    WITH CHECK (organization_id = (SELECT cmms.current_org_id()));
ALTER TABLE cmms.work_orders FORCE ROW LEVEL SECURITY;
ALTER TABLE cmms.work_orders ENABLE ROW LEVEL SECURITY;
CREATE TRIGGER work_orders_touch BEFORE UPDATE ON cmms.work_orders
    FOR EACH ROW EXECUTE FUNCTION cmms.touch_updated_at();
ALTER SEQUENCE cmms.ticket_no OWNED BY cmms.work_orders.number;
CREATE VIEW cmms.open_work_orders WITH (security_invoker = true) AS
    SELECT organization_id, id, title FROM cmms.work_orders WHERE status <> 'done';
GRANT SELECT ON cmms.open_work_orders TO {app};
CREATE MATERIALIZED VIEW cmms.org_counts AS
    SELECT organization_id, count(*) AS n FROM cmms.work_orders GROUP BY organization_id;
CREATE TABLE cmms.organizations (
    id uuid DEFAULT gen_random_uuid(),
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00'
);
COMMENT ON COLUMN cmms.organizations.name IS 'Display name';
COMMENT ON TABLE cmms.organizations IS 'Tenants';
ALTER TABLE cmms.organizations ADD CONSTRAINT organizations_name_check CHECK (name <> '');
ALTER TABLE cmms.organizations ADD PRIMARY KEY (id);
ALTER TABLE cmms.work_orders ADD CONSTRAINT work_orders_organization_id_fkey
    FOREIGN KEY (organization_id) REFERENCES cmms.organizations (id);
ALTER TABLE cmms.work_orders ADD PRIMARY KEY (organization_id, id);
ALTER DEFAULT PRIVILEGES IN SCHEMA cmms GRANT SELECT ON TABLES TO {app};
"""

# A migration that touches every kind of object, and its rollback. Adding and dropping a
# column, granting and revoking, setting and resetting leave catalog residue (attnum gaps,
# explicit ACLs, empty option arrays) that the snapshot must not show.
MIGRATION_UP = """
ALTER TABLE cmms.work_orders ADD COLUMN due_at timestamptz;
ALTER TABLE cmms.work_orders ALTER COLUMN priority TYPE varchar(20);
ALTER TABLE cmms.work_orders ALTER COLUMN status SET DEFAULT 'in_progress';
ALTER TABLE cmms.work_orders ALTER COLUMN title DROP NOT NULL;
ALTER TABLE cmms.work_orders ADD CONSTRAINT work_orders_due_check CHECK (due_at > '2000-01-01');
CREATE INDEX work_orders_due_idx ON cmms.work_orders (organization_id, due_at);
ALTER TABLE cmms.work_orders SET (autovacuum_enabled = false);
ALTER TABLE cmms.work_orders NO FORCE ROW LEVEL SECURITY;
ALTER TABLE cmms.work_orders DISABLE TRIGGER work_orders_touch;
ALTER POLICY tenant_isolation ON cmms.work_orders USING (true);
CREATE OR REPLACE FUNCTION cmms.touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END
$$;
ALTER FUNCTION cmms.current_org_id() SET work_mem = '8MB';
ALTER TYPE cmms.address ADD ATTRIBUTE zip text;
ALTER DOMAIN cmms.percent DROP DEFAULT;
ALTER SEQUENCE cmms.ticket_no INCREMENT 10;
CREATE TABLE cmms.activity_logs_2024_03 PARTITION OF cmms.activity_logs
    FOR VALUES FROM ('2024-03-01 00:00:00+00') TO ('2024-04-01 00:00:00+00');
CREATE OR REPLACE VIEW cmms.open_work_orders WITH (security_invoker = true) AS
    SELECT organization_id, id, title FROM cmms.work_orders WHERE status = 'open';
COMMENT ON TABLE cmms.organizations IS 'Tenant organisations';
COMMENT ON COLUMN cmms.work_orders.title IS 'Short description';
GRANT DELETE ON cmms.work_orders TO {app};
GRANT SELECT ON cmms.organizations TO {app};
REVOKE USAGE ON SCHEMA cmms FROM {app};
"""

MIGRATION_DOWN = """
REVOKE SELECT ON cmms.organizations FROM {app};
REVOKE DELETE ON cmms.work_orders FROM {app};
GRANT USAGE ON SCHEMA cmms TO {app};
COMMENT ON COLUMN cmms.work_orders.title IS NULL;
COMMENT ON TABLE cmms.organizations IS 'Tenants';
CREATE OR REPLACE VIEW cmms.open_work_orders WITH (security_invoker = true) AS
    SELECT organization_id, id, title FROM cmms.work_orders WHERE status <> 'done';
DROP TABLE cmms.activity_logs_2024_03;
ALTER SEQUENCE cmms.ticket_no INCREMENT 5;
ALTER DOMAIN cmms.percent SET DEFAULT 0;
ALTER TYPE cmms.address DROP ATTRIBUTE zip;
ALTER FUNCTION cmms.current_org_id() RESET work_mem;
CREATE OR REPLACE FUNCTION cmms.touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
ALTER POLICY tenant_isolation ON cmms.work_orders
    USING (organization_id = (SELECT cmms.current_org_id()));
ALTER TABLE cmms.work_orders ENABLE TRIGGER work_orders_touch;
ALTER TABLE cmms.work_orders FORCE ROW LEVEL SECURITY;
ALTER TABLE cmms.work_orders RESET (autovacuum_enabled);
DROP INDEX cmms.work_orders_due_idx;
ALTER TABLE cmms.work_orders DROP CONSTRAINT work_orders_due_check;
ALTER TABLE cmms.work_orders ALTER COLUMN title SET NOT NULL;
ALTER TABLE cmms.work_orders ALTER COLUMN status SET DEFAULT 'open';
ALTER TABLE cmms.work_orders ALTER COLUMN priority TYPE text;
ALTER TABLE cmms.work_orders ALTER COLUMN priority SET DEFAULT 'normal';
ALTER TABLE cmms.work_orders DROP CONSTRAINT work_orders_priority_check;
ALTER TABLE cmms.work_orders ADD CONSTRAINT work_orders_priority_check
    CHECK (priority IN ('low', 'normal', 'high'));
ALTER TABLE cmms.work_orders DROP COLUMN due_at;
"""


def test_empty_database_has_no_schema_objects(conn: psycopg.Connection[Any]) -> None:
    snap = snapshot(conn)

    assert snap["tables"] == {}
    for section in ("views", "sequences", "functions", "types", "event_triggers"):
        assert snap[section] == {}, section
    assert set(snap["schemas"]) == {"public"}
    assert set(snap["extensions"]) == {"plpgsql"}


def test_rich_schema_shows_every_object(conn: psycopg.Connection[Any], app_role: str) -> None:
    run(conn, SCHEMA, app_role)

    snap = snapshot(conn)

    assert snap["schemas"]["cmms"] == {
        "owner": "postgres",
        "comment": "CMMS data",
        "grants": [f"{app_role}=USAGE"],
    }
    tables = snap["tables"]
    assert set(tables) == {
        "cmms.organizations",
        "cmms.work_orders",
        "cmms.activity_logs",
        "cmms.activity_logs_2024_01",
        "cmms.activity_logs_2024_02",
    }
    orgs = tables["cmms.organizations"]
    assert orgs["comment"] == "Tenants"
    assert orgs["columns"]["name"]["comment"] == "Display name"
    assert orgs["columns"]["created_at"]["default"] == (
        "'2024-01-01 00:00:00+00'::timestamp with time zone"
    )

    work_orders = tables["cmms.work_orders"]
    assert work_orders["kind"] == "table"
    assert work_orders["rls_enabled"] is True
    assert work_orders["rls_forced"] is True
    assert work_orders["reloptions"] == ["fillfactor=90"]
    assert work_orders["grants"] == [f"{app_role}=INSERT,SELECT,UPDATE"]
    columns = work_orders["columns"]
    assert [name for name, _ in sorted(columns.items(), key=lambda kv: kv[1]["position"])] == [
        "organization_id", "id", "number", "seq", "title",
        "priority", "status", "done", "search", "updated_at",
    ]  # fmt: skip
    assert columns["title"]["grants"] == [f"{app_role}=UPDATE"]
    assert columns["priority"] == {
        "position": 6,
        "type": "text",
        "not_null": True,
        "default": "'normal'::text",
        "generated": None,
        "identity": None,
        "collation": None,
        "comment": None,
        "grants": [],
        "statistics": None,
        "storage": None,
    }
    assert columns["seq"]["identity"] == "ALWAYS"
    assert columns["done"]["type"] == "cmms.percent"
    assert columns["search"]["generated"] == "to_tsvector('english'::regconfig, title) STORED"
    assert work_orders["constraints"]["work_orders_organization_id_fkey"]["definition"] == (
        "FOREIGN KEY (organization_id) REFERENCES cmms.organizations(id)"
    )
    assert work_orders["constraints"]["work_orders_pkey"]["definition"] == (
        "PRIMARY KEY (organization_id, id)"
    )
    assert work_orders["indexes"]["cmms.work_orders_search_idx"]["definition"] == (
        "CREATE INDEX work_orders_search_idx ON cmms.work_orders USING gin (search)"
    )
    assert work_orders["triggers"]["work_orders_touch"] == {
        "definition": "CREATE TRIGGER work_orders_touch BEFORE UPDATE ON cmms.work_orders"
        " FOR EACH ROW EXECUTE FUNCTION cmms.touch_updated_at()",
        "enabled": "origin",
        "comment": None,
    }
    assert work_orders["policies"]["tenant_isolation"] == {
        "command": "ALL",
        "permissive": True,
        "roles": [app_role],
        "using": "(organization_id = ( SELECT cmms.current_org_id() AS current_org_id))",
        "with_check": "(organization_id = ( SELECT cmms.current_org_id() AS current_org_id))",
        "comment": None,
    }

    parent = tables["cmms.activity_logs"]
    assert parent["kind"] == "partitioned table"
    assert parent["partition_key"] == "RANGE (logged_at)"
    partition = tables["cmms.activity_logs_2024_01"]
    assert partition["parent"] == "cmms.activity_logs"
    assert partition["partition_bound"] == (
        "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00')"
    )
    assert "cmms.activity_logs_2024_01_organization_id_logged_at_idx" in partition["indexes"]

    view = snap["views"]["cmms.open_work_orders"]
    assert view["kind"] == "view"
    assert view["reloptions"] == ["security_invoker=true"]
    assert view["grants"] == [f"{app_role}=SELECT"]
    assert "FROM cmms.work_orders WHERE" in view["definition"]
    assert "\n" not in view["definition"]
    assert snap["views"]["cmms.org_counts"]["kind"] == "materialized view"

    functions = snap["functions"]
    assert set(functions) == {
        "cmms.current_org_id()",
        "cmms.touch_updated_at()",
        "cmms.set_org(uuid)",
    }
    set_org = functions["cmms.set_org(uuid)"]
    assert set_org["security_definer"] is True
    assert set_org["config"] == ['search_path=""']
    assert set_org["arguments"] == "p_org uuid"
    assert set_org["grants"] == ["-PUBLIC=EXECUTE", f"{app_role}=EXECUTE"]
    assert set_org["comment"] == "Sets the tenant for this transaction"
    touch = functions["cmms.touch_updated_at()"]
    assert touch["language"] == "plpgsql"
    assert touch["body"].startswith("BEGIN")
    assert touch["body"].endswith("END")
    assert functions["cmms.current_org_id()"]["volatility"] == "stable"

    types = snap["types"]
    assert set(types) == {"cmms.wo_status", "cmms.percent", "cmms.address"}
    assert types["cmms.wo_status"]["labels"] == ["open", "in_progress", "done"]
    assert types["cmms.percent"]["base_type"] == "numeric(5,2)"
    assert types["cmms.percent"]["not_null"] is True
    assert set(types["cmms.percent"]["constraints"]) == {"percent_range"}
    assert types["cmms.address"]["attributes"]["city"]["collation"] == '"C"'

    sequences = snap["sequences"]
    ticket_no = sequences["cmms.ticket_no"]
    assert (ticket_no["type"], ticket_no["start"], ticket_no["increment"]) == ("integer", 1000, 5)
    assert ticket_no["owned_by"] == "cmms.work_orders.number"
    assert sequences["cmms.work_orders_seq_seq"]["owned_by"] == "cmms.work_orders.seq"

    assert snap["default_privileges"] == {
        "for postgres in schema cmms on tables": {"grants": [f"{app_role}=SELECT"]}
    }


def test_migration_then_rollback_restores_the_snapshot(
    conn: psycopg.Connection[Any], app_role: str
) -> None:
    run(conn, SCHEMA, app_role)
    before = snapshot(conn)

    run(conn, MIGRATION_UP, app_role)
    migrated = snapshot(conn)
    run(conn, MIGRATION_DOWN, app_role)
    after = snapshot(conn)

    assert migrated != before
    assert diff(before, after) == []
    assert after == before


def test_diff_reports_each_kind_of_change(conn: psycopg.Connection[Any], app_role: str) -> None:
    run(conn, SCHEMA, app_role)
    before = snapshot(conn)
    run(
        conn,
        """
        ALTER TABLE cmms.work_orders ALTER COLUMN priority TYPE varchar(20);
        ALTER TABLE cmms.work_orders ALTER COLUMN status SET DEFAULT 'in_progress';
        ALTER TABLE cmms.work_orders ALTER COLUMN updated_at SET NOT NULL;
        ALTER TABLE cmms.work_orders ALTER COLUMN done SET DEFAULT 50;
        CREATE INDEX work_orders_title_idx ON cmms.work_orders (title);
        ALTER POLICY tenant_isolation ON cmms.work_orders USING (true);
        CREATE OR REPLACE FUNCTION cmms.touch_updated_at() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        DROP TABLE cmms.activity_logs_2024_02;
        COMMENT ON TABLE cmms.organizations IS 'Tenant organisations';
        GRANT DELETE ON cmms.work_orders TO {app};
        """,
        app_role,
    )

    lines = diff(before, snapshot(conn))

    assert set(lines) >= {
        "cmms.work_orders.priority: type text -> character varying(20)",
        "constraint cmms.work_orders.work_orders_priority_check: definition"
        " CHECK ((priority = ANY (ARRAY['low'::text, 'normal'::text, 'high'::text])))"
        " -> CHECK (((priority)::text = ANY (ARRAY['low'::text, 'normal'::text, 'high'::text])))",
        "cmms.work_orders.status: default 'open'::cmms.wo_status -> 'in_progress'::cmms.wo_status",
        "cmms.work_orders.updated_at: not_null false -> true",
        "cmms.work_orders.done: default none -> 50",
        "index cmms.work_orders_title_idx: unexpected",
        "policy cmms.work_orders.tenant_isolation: using"
        " (organization_id = ( SELECT cmms.current_org_id() AS current_org_id)) -> true",
        "function cmms.touch_updated_at(): body changed",
        "table cmms.activity_logs_2024_02: missing",
        "table cmms.organizations: comment Tenants -> Tenant organisations",
        f"table cmms.work_orders: grants [{app_role}=INSERT,SELECT,UPDATE]"
        f" -> [{app_role}=DELETE,INSERT,SELECT,UPDATE]",
    }
    assert lines == sorted(lines)
    assert all(
        " -> " in line or line.endswith(("missing", "unexpected", "changed")) for line in lines
    )
    assert diff(before, before) == []


def test_statement_order_does_not_change_the_snapshot(
    conn: psycopg.Connection[Any], app_role: str
) -> None:
    run(conn, SCHEMA, app_role)
    first = snapshot(conn)
    conn.execute("DROP SCHEMA cmms CASCADE")

    run(conn, SCHEMA_REORDERED, app_role)
    second = snapshot(conn)

    assert diff(first, second) == []
    assert second == first


def test_session_settings_do_not_change_the_snapshot(
    conn: psycopg.Connection[Any], app_role: str
) -> None:
    run(conn, SCHEMA, app_role)
    plain = snapshot(conn)
    conn.execute("SET search_path = cmms, public")
    conn.execute("SET TimeZone = 'Asia/Tokyo'")
    conn.execute("SET DateStyle = 'German, DMY'")

    assert snapshot(conn) == plain
    assert conn.execute("SHOW search_path").fetchone() == ("cmms, public",)
    assert conn.execute("SHOW TimeZone").fetchone() == ("Asia/Tokyo",)


def test_snapshot_inside_a_transaction_leaves_it_open(scratch_dsn: str) -> None:
    with psycopg.connect(scratch_dsn) as connection:
        connection.execute("CREATE TABLE public.pending (id integer)")

        snap = snapshot(connection)

        assert "public.pending" in snap["tables"]
        assert connection.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        assert connection.execute("SHOW search_path").fetchone() == ('"$user", public',)


def test_excluded_schemas_are_ignored(conn: psycopg.Connection[Any]) -> None:
    conn.execute("CREATE SCHEMA cmmsdb")
    conn.execute("CREATE TABLE cmmsdb.applied_migrations (id text PRIMARY KEY)")

    default = snapshot(conn)
    everything = snapshot(conn, exclude_schemas=())

    assert "cmmsdb" not in default["schemas"]
    assert default["tables"] == {}
    assert "cmmsdb" in everything["schemas"]
    assert set(everything["tables"]) == {"cmmsdb.applied_migrations"}


def test_extension_objects_are_represented_by_the_extension(
    conn: psycopg.Connection[Any],
) -> None:
    conn.execute("CREATE SCHEMA cmms")
    conn.execute("CREATE EXTENSION citext SCHEMA cmms")
    conn.execute("CREATE TABLE cmms.users (email cmms.citext)")

    snap = snapshot(conn)

    assert snap["extensions"]["citext"] == {"schema": "cmms"}
    assert snap["functions"] == {}
    assert snap["types"] == {}
    assert snap["tables"]["cmms.users"]["columns"]["email"]["type"] == "cmms.citext"


LESS_COMMON = """
CREATE SCHEMA z;
CREATE TABLE z.a (id int PRIMARY KEY, period tstzrange, EXCLUDE USING gist (period WITH &&));
CREATE UNLOGGED TABLE z.u (id int GENERATED BY DEFAULT AS IDENTITY (START 7));
ALTER TABLE z.u REPLICA IDENTITY FULL;
CREATE TABLE z.base (x int);
CREATE TABLE z.child (y int) INHERITS (z.base);
CREATE RULE notify_insert AS ON INSERT TO z.base DO ALSO NOTIFY base_changed;
CREATE TABLE z.p (org int NOT NULL, id int NOT NULL, PRIMARY KEY (org, id))
    PARTITION BY HASH (org);
CREATE TABLE z.p0 PARTITION OF z.p FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE z.p1 PARTITION OF z.p FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE TABLE z.q (org int, p_id int,
    FOREIGN KEY (org, p_id) REFERENCES z.p (org, id) ON DELETE SET NULL (p_id));
CREATE FUNCTION z.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER p_trg BEFORE INSERT ON z.p FOR EACH ROW WHEN (NEW.id > 0)
    EXECUTE FUNCTION z.trg();
CREATE FUNCTION z.add(a int, b int DEFAULT 2) RETURNS int LANGUAGE sql IMMUTABLE
    BEGIN ATOMIC SELECT a + b; END;
CREATE PROCEDURE z.bump(INOUT v int) LANGUAGE plpgsql AS $$ BEGIN v := v + 1; END $$;
CREATE TYPE z.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE VIEW z.one_table AS SELECT a.id FROM z.a a WHERE a.id > 1;
CREATE FUNCTION z.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER z_on_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
    EXECUTE FUNCTION z.on_ddl();
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
"""


def test_less_common_objects_are_captured(conn: psycopg.Connection[Any]) -> None:
    conn.execute(LESS_COMMON.encode())

    snap = snapshot(conn)

    tables = snap["tables"]
    assert tables["z.a"]["constraints"]["a_period_excl"]["definition"] == (
        "EXCLUDE USING gist (period WITH &&)"
    )
    unlogged = tables["z.u"]
    assert unlogged["unlogged"] is True
    assert unlogged["replica_identity"] == "full"
    assert unlogged["columns"]["id"]["identity"] == "BY DEFAULT"
    assert snap["sequences"]["z.u_id_seq"]["start"] == 7
    assert tables["z.child"]["inherits"] == ["z.base"]
    assert tables["z.base"]["rules"]["notify_insert"]["definition"] == (
        "CREATE RULE notify_insert AS ON INSERT TO z.base DO NOTIFY base_changed;"
    )
    # The trigger is cloned onto each partition; the foreign key's hidden per-partition
    # clones on z.q (named differently by different versions) are not listed.
    assert "p_trg" in tables["z.p0"]["triggers"]
    assert set(tables["z.q"]["constraints"]) == {"q_org_p_id_fkey"}
    assert tables["z.q"]["constraints"]["q_org_p_id_fkey"]["definition"].endswith(
        "ON DELETE SET NULL (p_id)"
    )
    # The range type's implicit constructor functions are not listed.
    assert set(snap["functions"]) == {
        "z.add(integer,integer)",
        "z.bump(integer)",
        "z.on_ddl()",
        "z.trg()",
    }
    assert snap["functions"]["z.add(integer,integer)"]["body"] == "BEGIN ATOMIC SELECT (a + b); END"
    assert snap["functions"]["z.bump(integer)"]["kind"] == "procedure"
    assert snap["types"]["z.floatrange"]["subtype"] == "double precision"
    assert snap["views"]["z.one_table"]["definition"] == "SELECT id FROM z.a AS a WHERE id > 1"
    assert snap["event_triggers"]["z_on_ddl"]["tags"] == ["CREATE TABLE"]
    assert snap["default_privileges"] == {
        "for postgres on functions": {"grants": ["-PUBLIC=EXECUTE"]}
    }


def test_view_definitions_read_the_same_from_every_server_version() -> None:
    # pg_get_viewdef of one view on PostgreSQL 15 and on 16 or later.
    pg15 = (
        "SELECT work_orders.organization_id,\n    work_orders.id\n   FROM cmms.work_orders\n"
        "  WHERE (work_orders.status <> 'done'::cmms.wo_status);"
    )
    pg16 = (
        "SELECT organization_id,\n    id\n   FROM cmms.work_orders\n"
        "  WHERE (status <> 'done'::cmms.wo_status);"
    )
    joined = "SELECT a.id, b.id AS b_id FROM (cmms.a JOIN cmms.b ON ((b.a_id = a.id)));"

    assert canonical_view_definition(pg15) == canonical_view_definition(pg16)
    assert "a.id" in canonical_view_definition(joined)
    assert canonical_view_definition("not sql at all") == "not sql at all"


def test_diff_names_missing_and_unexpected_members() -> None:
    expected: dict[str, Any] = {
        "tables": {
            "cmms.users": {
                "columns": {"email": {"type": "text"}, "name": {"type": "text"}},
                "constraints": {"users_email_key": {"definition": "UNIQUE (email)"}},
                "reloptions": [],
            }
        },
        "views": {"cmms.v": {"definition": "SELECT 1;"}},
    }
    actual: dict[str, Any] = {
        "tables": {
            "cmms.users": {
                "columns": {"email": {"type": "text"}, "login": {"type": "text"}},
                "constraints": {},
                "reloptions": ["fillfactor=90"],
            }
        },
        "views": {"cmms.v": {"definition": "SELECT 2;"}},
        "event_triggers": {"audit_ddl": {"event": "ddl_command_end"}},
    }

    assert diff(expected, actual) == [
        "cmms.users.login: unexpected",
        "cmms.users.name: missing",
        "constraint cmms.users.users_email_key: missing",
        "event trigger audit_ddl: unexpected",
        "table cmms.users: reloptions [] -> [fillfactor=90]",
        "view cmms.v: definition changed",
    ]
