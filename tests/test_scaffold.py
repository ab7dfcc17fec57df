"""cmmsdb.scaffold: numbering, validation, never overwriting, and what the scaffolds render.
No database: applying a scaffold is tested end to end in tests/cli/test_new.py."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from sqlfluff.core import FluffConfig, Linter

from cmmsdb import scaffold
from cmmsdb.errors import CmmsdbError, ConfigurationError, MigrationsFolderError
from cmmsdb.migrations import discover, read_script
from tests.conftest import MIGRATIONS, ROOT


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy)
    return copy


def pair(folder: Path, migration_id: str, forward: str = "SELECT 1;\n") -> None:
    (folder / f"{migration_id}.sql").write_text(forward)
    (folder / f"{migration_id}.rollback.sql").write_text("SELECT 1;\n")


def test_next_number_follows_the_shipped_migrations(folder: Path) -> None:
    last = int(discover(folder)[-1].id[:4])

    created = scaffold.write(scaffold.plan("create-table-widgets", folder))

    assert created.id == f"{last + 1:04d}.create-table-widgets"
    assert created.forward == folder / f"{created.id}.sql"
    assert created.rollback == folder / f"{created.id}.rollback.sql"
    assert created.forward.read_text() == created.forward_sql
    assert created.rollback.read_text() == created.rollback_sql
    assert discover(folder)[-1].id == created.id


def test_next_number_is_the_highest_plus_one_whatever_the_gaps(tmp_path: Path) -> None:
    pair(tmp_path, "0001.create-a")
    pair(tmp_path, "0041.create-b")
    pair(tmp_path, "seed.load-data")  # not numbered: does not count

    assert scaffold.plan("create-c", tmp_path).id == "0042.create-c"


def test_missing_folder_starts_at_0001_and_is_created(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "migrations"

    created = scaffold.write(scaffold.plan("create-schema", folder))

    assert created.id == "0001.create-schema"
    assert sorted(p.name for p in folder.iterdir()) == [
        "0001.create-schema.rollback.sql",
        "0001.create-schema.sql",
    ]


def test_empty_folder_starts_at_0001(tmp_path: Path) -> None:
    assert scaffold.write(scaffold.plan("create-schema", tmp_path)).id == "0001.create-schema"


def test_plan_writes_nothing(tmp_path: Path) -> None:
    planned = scaffold.plan("create-schema", tmp_path / "m")

    assert not (tmp_path / "m").exists()
    assert planned.to_dict() == {
        "id": "0001.create-schema",
        "forward": str(tmp_path / "m" / "0001.create-schema.sql"),
        "rollback": str(tmp_path / "m" / "0001.create-schema.rollback.sql"),
        "template": "blank",
    }


@pytest.mark.parametrize(
    "name", ["create-table-assets", "add-column-assets-serial", "drop-index-x1", "a-b"]
)
def test_valid_names(tmp_path: Path, name: str) -> None:
    assert scaffold.plan(name, tmp_path).id == f"0001.{name}"


@pytest.mark.parametrize(
    "name",
    [
        "assets",  # one word: not verb-object
        "Create-table",
        "create_table_assets",
        "create--table",
        "create-table-",
        "-create-table",
        "0006.create-table-assets",
        "create-table-assets.sql",
        "1create-table",
        "create table",
        "créer-table",
        "",
    ],
)
def test_invalid_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigurationError, match="invalid migration name"):
        scaffold.plan(name, tmp_path)


def test_a_name_already_used_is_refused(folder: Path) -> None:
    with pytest.raises(ConfigurationError, match="create-table-users already exists"):
        scaffold.write(scaffold.plan("create-table-users", folder))


def test_tenant_table_needs_a_valid_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="needs --table"):
        scaffold.plan("create-table-x", tmp_path, template="tenant-table")
    with pytest.raises(ConfigurationError, match="only used by --template tenant-table"):
        scaffold.plan("create-table-x", tmp_path, table="x")
    with pytest.raises(ConfigurationError, match="unknown template 'tenant'"):
        scaffold.plan("create-table-x", tmp_path, template="tenant")


@pytest.mark.parametrize(
    "table", ["Assets", "cmms.assets", "work-orders", "1assets", "assets;", "", "a" * 43]
)
def test_invalid_table_names_are_refused(tmp_path: Path, table: str) -> None:
    with pytest.raises(ConfigurationError, match="invalid table name"):
        scaffold.plan("create-table-x", tmp_path, template="tenant-table", table=table)


def test_longest_table_name_keeps_every_derived_name_within_63_bytes(tmp_path: Path) -> None:
    table = "t" * scaffold.MAX_TABLE_LENGTH

    planned = scaffold.plan("create-table-t", tmp_path, template="tenant-table", table=table)

    assert f"CONSTRAINT {table}_organization_id_fkey FOREIGN KEY" in planned.forward_sql
    assert len(f"{table}_organization_id_fkey") == 63


def test_never_overwrites_a_file(tmp_path: Path) -> None:
    stray = tmp_path / "0001.create-schema.rollback.sql"  # a rollback without its migration
    stray.write_text("DROP SCHEMA precious;\n")

    with pytest.raises(MigrationsFolderError, match="already exists; cmmsdb new never overwrites"):
        scaffold.write(scaffold.plan("create-schema", tmp_path))

    assert stray.read_text() == "DROP SCHEMA precious;\n"
    assert not (tmp_path / "0001.create-schema.sql").exists()


def test_a_file_appearing_between_plan_and_write_is_not_overwritten(tmp_path: Path) -> None:
    planned = scaffold.plan("create-schema", tmp_path)
    planned.rollback.write_text("-- someone else's\n")

    with pytest.raises(MigrationsFolderError, match="already exists"):
        scaffold.write(planned)

    assert planned.rollback.read_text() == "-- someone else's\n"
    assert not planned.forward.exists(), "half a pair was left behind"


def test_a_file_where_the_folder_should_be_is_refused(tmp_path: Path) -> None:
    (tmp_path / "migrations").write_text("")
    with pytest.raises(MigrationsFolderError, match="is not a folder"):
        scaffold.plan("create-schema", tmp_path / "migrations")


def test_a_broken_folder_is_reported_not_numbered_past(tmp_path: Path) -> None:
    pair(tmp_path, "0001.create-a")
    (tmp_path / "0002.orphan.rollback.sql").write_text("SELECT 1;\n")

    with pytest.raises(MigrationsFolderError, match="has no forward migration"):
        scaffold.plan("create-b", tmp_path)


def test_errors_are_usage_errors() -> None:
    assert ConfigurationError("x").exit_code == MigrationsFolderError("x").exit_code == 2
    assert issubclass(ConfigurationError, CmmsdbError)


def test_tenant_table_renders_the_whole_table_in_order(tmp_path: Path) -> None:
    planned = scaffold.plan(
        "create-table-widgets", tmp_path, template="tenant-table", table="widgets"
    )
    sql = planned.forward_sql

    assert sql.startswith("-- Creates the tenant table cmms.widgets")
    assert "Scaffolded by `cmmsdb new" in sql.split("\nSET LOCAL ROLE")[0]
    expected_in_order = [
        "SET LOCAL ROLE cmms_owner;",
        "CREATE TABLE cmms.widgets (",
        "organization_id uuid NOT NULL,",
        "id uuid NOT NULL DEFAULT gen_random_uuid(),",
        "name text NOT NULL,",
        "created_at timestamptz NOT NULL DEFAULT clock_timestamp(),",
        "updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),",
        "deleted_at timestamptz,",
        "created_by uuid DEFAULT cmms.current_user_id(),",
        "updated_by uuid DEFAULT cmms.current_user_id(),",
        "CONSTRAINT widgets_pkey PRIMARY KEY (organization_id, id),",
        "CONSTRAINT widgets_organization_id_fkey FOREIGN KEY (organization_id)\n"
        "    REFERENCES cmms.organizations (id) ON DELETE CASCADE\n);",
        "CREATE TRIGGER widgets_set_updated_at\nBEFORE UPDATE ON cmms.widgets\n"
        "FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();",
        "COMMENT ON TABLE cmms.widgets IS\n'TODO:",
        "COMMENT ON COLUMN cmms.widgets.name IS\n'TODO:",
        "ALTER TABLE cmms.widgets ENABLE ROW LEVEL SECURITY;",
        "ALTER TABLE cmms.widgets FORCE ROW LEVEL SECURITY;",
        "CREATE POLICY widgets_select ON cmms.widgets",
        "CREATE POLICY widgets_delete ON cmms.widgets",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.widgets TO cmms_app;",
        "GRANT SELECT ON cmms.widgets TO cmms_readonly;",
        "CREATE TRIGGER widgets_audit_insert\nAFTER INSERT ON cmms.widgets\n"
        "REFERENCING NEW TABLE AS new_rows\n"
        "FOR EACH STATEMENT EXECUTE FUNCTION cmms.audit_row_change();",
        "CREATE TRIGGER widgets_audit_update\nAFTER UPDATE ON cmms.widgets\n"
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows\n",
        "CREATE TRIGGER widgets_audit_delete\nAFTER DELETE ON cmms.widgets\n"
        "REFERENCING OLD TABLE AS old_rows\n",
        "CREATE VIEW cmms.active_widgets WITH (security_invoker = TRUE) AS\nSELECT *\n"
        "FROM cmms.widgets\nWHERE deleted_at IS NULL;",
        "COMMENT ON VIEW cmms.active_widgets IS",
        "GRANT SELECT ON cmms.active_widgets TO cmms_app, cmms_readonly;",
    ]
    positions = [sql.find(fragment) for fragment in expected_in_order]
    assert -1 not in positions, [f for f in expected_in_order if f not in sql]
    assert positions == sorted(positions)
    assert "{" not in sql.replace("'{}'", "")  # no Jinja left behind
    assert planned.rollback_sql.index(
        "DROP VIEW cmms.active_widgets;"
    ) < planned.rollback_sql.index("DROP TABLE cmms.widgets;")


def test_the_first_statement_follows_the_shipped_convention(tmp_path: Path) -> None:
    """Migrations switch to the owner role first (0007 on); each scaffold begins as most
    transactional shipped migrations do (a few begin as the superuser, to grant a role)."""
    shipped = [m for m in discover(MIGRATIONS) if m.script().transactional]
    first = Counter(m.script().statements[0].sql for m in shipped).most_common(1)[0][0]
    first_rollback = Counter(m.rollback_script().statements[0].sql for m in shipped).most_common(1)[
        0
    ][0]
    assert first == first_rollback == "SET LOCAL ROLE cmms_owner;"
    for template, table in (("blank", None), ("tenant-table", "widgets")):
        planned = scaffold.write(
            scaffold.plan(f"create-{template}", tmp_path, template=template, table=table)
        )
        assert read_script(planned.forward).statements[0].sql == first
        assert read_script(planned.rollback).statements[0].sql == first_rollback


def test_blank_is_comments_and_the_role_switch_only(tmp_path: Path) -> None:
    planned = scaffold.write(scaffold.plan("alter-table-users", tmp_path))

    for path in (planned.forward, planned.rollback):
        script = read_script(path)
        assert [s.sql for s in script.statements] == ["SET LOCAL ROLE cmms_owner;"]
        assert script.transactional
        assert path.read_text().startswith("-- TODO: ")


def _lint(sql: str) -> list[str]:
    linted = Linter(config=FluffConfig.from_path(str(ROOT))).lint_string(sql)
    return [f"{v.line_no}: {v.rule_code()} {v.desc()}" for v in linted.get_violations()]


@pytest.mark.parametrize(
    ("template", "table"),
    [("blank", None), ("tenant-table", "assets"), ("tenant-table", "t" * 42)],
)
def test_scaffolds_pass_sqlfluff_with_the_repository_config(
    tmp_path: Path, template: str, table: str | None
) -> None:
    planned = scaffold.plan("create-thing", tmp_path, template=template, table=table)

    assert _lint(planned.forward_sql) == []
    assert _lint(planned.rollback_sql) == []


def test_hash_partitions_render_every_partition_without_grants(tmp_path: Path) -> None:
    planned = scaffold.plan(
        "create-table-widgets",
        tmp_path,
        template="tenant-table",
        table="widgets",
        hash_partitions=4,
    )
    sql = planned.forward_sql

    assert ") PARTITION BY HASH (organization_id);" in sql
    for n in range(4):
        assert (
            f"CREATE TABLE cmms.widgets_p{n}\nPARTITION OF cmms.widgets\n"
            f"FOR VALUES WITH (MODULUS 4, REMAINDER {n});\n\n"
            f"REVOKE ALL ON cmms.widgets_p{n} FROM cmms_app, cmms_readonly;"
        ) in sql
    assert "widgets_p4" not in sql
    assert sql.index("widgets_p3") < sql.index("CREATE TRIGGER widgets_set_updated_at")
    assert _lint(sql) == []


@pytest.mark.parametrize(
    ("template", "count", "message"),
    [
        ("blank", 8, "only used by --template tenant-table"),
        ("tenant-table", 1, "between 2 and 256, not 1"),
        ("tenant-table", 257, "between 2 and 256, not 257"),
    ],
)
def test_bad_hash_partitions_are_refused(
    tmp_path: Path, template: str, count: int, message: str
) -> None:
    table = "widgets" if template == "tenant-table" else None
    with pytest.raises(ConfigurationError, match=message):
        scaffold.plan("create-x", tmp_path, template=template, table=table, hash_partitions=count)
