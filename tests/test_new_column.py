"""A new column on a tenant table needs one migration and nothing else: verify, drift, the
schema docs, the seeder and the tests' row factory handle it from the catalog (issue 15's
measure of "one home for the data-model rules")."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg

from cmmsdb import catalog, migrator, schema_drift, verifier
from cmmsdb.data_dictionary import render_markdown
from cmmsdb.migrations import discover
from cmmsdb.seeding import seed
from cmmsdb.target import Target
from tests.conftest import MIGRATIONS, Server
from tests.rows import make_row, new_org

FORWARD = """\
-- Assets get a risk class: how much an unplanned stop of the asset costs.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.assets
    ADD COLUMN risk_class text NOT NULL DEFAULT 'medium'
    CONSTRAINT assets_risk_class_check CHECK (risk_class IN ('low', 'medium', 'high'));
ALTER TABLE cmms.assets ALTER COLUMN risk_class DROP DEFAULT;
COMMENT ON COLUMN cmms.assets.risk_class IS 'How much an unplanned stop costs: low, medium, high.';

CREATE OR REPLACE VIEW cmms.active_assets WITH (security_invoker = true) AS
SELECT {columns}, risk_class FROM cmms.assets WHERE deleted_at IS NULL;
"""
ROLLBACK = """\
SET LOCAL ROLE cmms_owner;
DROP VIEW cmms.active_assets;
ALTER TABLE cmms.assets DROP COLUMN risk_class;
"""


def with_new_column(tmp_path: Path, admin_dsn: str) -> Path:
    """A copy of the shipped sql/ folder with one migration more: the new column."""
    sql = tmp_path / "sql"
    shutil.copytree(MIGRATIONS.parent, sql)
    with psycopg.connect(admin_dsn) as conn:
        columns = ", ".join(
            name
            for (name,) in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = 'cmms.active_assets'::regclass"
                " AND attnum > 0 ORDER BY attnum"
            )
        )
    number = int(discover(MIGRATIONS)[-1].id[:4]) + 1
    migrations = sql / "migrations"
    (migrations / f"{number:04d}.add-column-assets-risk-class.sql").write_text(
        FORWARD.format(columns=columns)
    )
    (migrations / f"{number:04d}.add-column-assets-risk-class.rollback.sql").write_text(ROLLBACK)
    return migrations


def test_a_column_added_by_one_migration_needs_nothing_else(
    pg_server: Server, migrated_db: str, empty_db: str, tmp_path: Path
) -> None:
    folder = with_new_column(tmp_path, migrated_db)
    target = Target(empty_db, "test")
    migrator.migrate(target, folder)

    assert verifier.verify(target, folder).findings == []
    assert schema_drift.drift(target, folder, scratch=Target(pg_server.dsn, "test")).ok

    with psycopg.connect(empty_db, autocommit=True) as conn:
        snapshot = catalog.snapshot(conn)
        section = render_markdown(snapshot).split("### cmms.assets\n", 1)[1].split("\n### ")[0]
        assert "| risk_class | `text` |" in section
        assert "How much an unplanned stop costs" in section

        org = new_org(conn, "Criticality")
        asset = make_row(conn, "assets", org)
        (value,) = conn.execute(
            "SELECT risk_class FROM cmms.active_assets WHERE id = %s", [asset]
        ).fetchone() or (None,)
        assert value in {"low", "medium", "high"}

    # the seeder fills the new required column from the catalog: a value its CHECK allows
    report = seed(target, profile="demo", tenants=2, scale=0.3, seed=15, migrations=folder)
    with psycopg.connect(empty_db) as conn:
        classes = dict(
            conn.execute(
                "SELECT risk_class, count(*) FROM cmms.assets"
                " WHERE organization_id = ANY(%s::uuid[]) GROUP BY 1",
                [report.organizations],
            ).fetchall()
        )
    assert sum(classes.values()) == report.rows["assets"] > 0
    assert set(classes) <= {"low", "medium", "high"}
    assert len(classes) > 1  # drawn, not one constant
