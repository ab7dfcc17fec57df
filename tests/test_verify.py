"""cmmsdb verify: a freshly migrated database follows every rule, and each rule finds exactly
the violation a test introduces by hand (nothing else, no other rule)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from cmmsdb import verifier as verify
from cmmsdb.errors import ConfigurationError
from cmmsdb.resources import query
from cmmsdb.target import Target
from tests.conftest import MIGRATIONS, ROOT


def findings(dsn: str, folder: Path = MIGRATIONS, **kwargs: Any) -> list[tuple[str, str]]:
    report = verify.verify(Target(dsn, "test"), folder, **kwargs)
    return [(f.rule, f.object) for f in report.findings]


def test_a_freshly_migrated_database_follows_every_rule(migrated_db: str) -> None:
    report = verify.verify(Target(migrated_db, "test"), MIGRATIONS)
    assert report.findings == []
    assert report.ok
    assert report.to_dict()["ok"] is True


def test_every_catalog_rule_has_its_own_query_file() -> None:
    files = {p.name for p in (ROOT / "cmmsdb" / "queries").glob("verify_*.sql")}
    assert {rule.query for rule in verify.RULES if rule.query} == files
    assert len({rule.id for rule in verify.RULES}) == len(verify.RULES)


# Each case: SQL that breaks one rule on a migrated database, the rule, the object named.
VIOLATIONS = {
    "rls-enabled": (
        "ALTER TABLE cmms.teams DISABLE ROW LEVEL SECURITY",
        "rls-forced",
        "cmms.teams",
    ),
    "rls-forced": (
        "ALTER TABLE cmms.users NO FORCE ROW LEVEL SECURITY",
        "rls-forced",
        "cmms.users",
    ),
    "tenant-key": (
        "ALTER TABLE cmms.tags DROP CONSTRAINT tags_pkey CASCADE;"
        " ALTER TABLE cmms.tags ADD PRIMARY KEY (id)",
        "tenant-key",
        "cmms.tags",
    ),
    "composite-fk": (
        "CREATE UNIQUE INDEX users_id_key ON cmms.users (id);"
        " ALTER TABLE cmms.teams ADD CONSTRAINT teams_lead_single_fkey FOREIGN KEY (lead_user_id)"
        " REFERENCES cmms.users (id) ON DELETE SET NULL;"
        " CREATE INDEX ON cmms.teams (lead_user_id)",
        "composite-fk",
        "cmms.teams.teams_lead_single_fkey",
    ),
    "fk-index": (
        "DROP INDEX cmms.teams_organization_id_lead_user_id_idx",
        "fk-index",
        "cmms.teams.teams_lead_user_fkey",
    ),
    "audit-trigger": ("DROP TRIGGER teams_audit ON cmms.teams", "audit-trigger", "cmms.teams"),
    "updated-at-trigger": (
        "ALTER TABLE cmms.teams DISABLE TRIGGER teams_set_updated_at",
        "updated-at-trigger",
        "cmms.teams",
    ),
    "audit-columns": (
        "DROP VIEW cmms.active_tags; ALTER TABLE cmms.tags DROP COLUMN updated_by",
        "audit-columns",
        "cmms.tags",
    ),
    "timestamptz": (
        "ALTER TABLE cmms.teams ADD COLUMN disbanded_at timestamp;"
        " COMMENT ON COLUMN cmms.teams.disbanded_at IS 'x'",
        "timestamptz",
        "cmms.teams.disbanded_at",
    ),
    "comment-table": ("COMMENT ON TABLE cmms.teams IS NULL", "comment", "cmms.teams"),
    "comment-function": (
        "COMMENT ON FUNCTION cmms.current_org_id() IS NULL",
        "comment",
        "cmms.current_org_id()",
    ),
    "definer-search-path": (
        "ALTER FUNCTION cmms.current_org_id() SECURITY DEFINER",
        "definer-search-path",
        "cmms.current_org_id()",
    ),
    "owner": ("ALTER TABLE cmms.teams OWNER TO CURRENT_USER", "owner", "cmms.teams"),
    "outside-cmms": (
        "CREATE TABLE public.stray (id int); ALTER TABLE public.stray OWNER TO cmms_owner",
        "outside-cmms",
        "public.stray",
    ),
}


@pytest.mark.parametrize("case", sorted(VIOLATIONS))
def test_each_rule_finds_exactly_the_violation_introduced(admin, migrated_db: str, case) -> None:
    statement, rule, obj = VIOLATIONS[case]
    admin.execute(statement)
    assert findings(migrated_db) == [(rule, obj)]


def test_an_edited_migration_file_is_a_checksum_finding(migrated_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in MIGRATIONS.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    edited = sorted(folder.glob("0003.*[!k].sql"))[0]
    edited.write_text(edited.read_text() + "\n-- edited after release\n")
    gone = sorted(folder.glob("0010.*"))
    for path in gone:
        path.unlink()

    report = verify.verify(Target(migrated_db, "test"), folder)
    assert [(f.rule, f.object) for f in report.findings] == [
        ("checksum", edited.name.removesuffix(".sql")),
        ("checksum", gone[0].name.split(".rollback")[0].removesuffix(".sql")),
    ]
    assert "changed since it was applied" in report.findings[0].message
    assert "file is gone" in report.findings[1].message


@pytest.fixture
def definer_role(admin) -> Iterator[str]:
    """A NOLOGIN role like cmms_search (roles are cluster-wide: a unique name per test)."""
    role = f"cmms_test_definer_{uuid.uuid4().hex[:8]}"
    admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    yield role
    admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
    admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_a_definer_role_may_own_security_definer_functions_with_a_fixed_path(
    admin, migrated_db: str, definer_role: str
) -> None:
    role = sql.Identifier(definer_role)
    admin.execute(
        "CREATE FUNCTION cmms.definer_ok() RETURNS int LANGUAGE sql SECURITY DEFINER"
        " SET search_path = '' AS 'SELECT 1'; COMMENT ON FUNCTION cmms.definer_ok() IS 'x';"
        " CREATE FUNCTION cmms.invoker() RETURNS int LANGUAGE sql AS 'SELECT 1';"
        " COMMENT ON FUNCTION cmms.invoker() IS 'x'"
    )
    for function in ("definer_ok", "invoker"):
        admin.execute(
            sql.SQL("ALTER FUNCTION cmms.{}() OWNER TO {}").format(sql.Identifier(function), role)
        )

    owners = [*verify.DEFINER_OWNERS, definer_role]
    assert findings(migrated_db, definer_owners=owners) == [("owner", "cmms.invoker()")]
    assert findings(migrated_db, definer_owners=verify.DEFINER_OWNERS) == [
        ("owner", "cmms.definer_ok()"),
        ("owner", "cmms.invoker()"),
    ]


def test_cmms_search_is_the_documented_definer_owner() -> None:
    assert verify.DEFINER_OWNERS == ("cmms_search",)


def test_an_unmigrated_database_is_an_error_not_a_pass(empty_db: str) -> None:
    with pytest.raises(ConfigurationError, match="has no schema cmms"):
        verify.verify(Target(empty_db, "test"), MIGRATIONS)


def test_rule_queries_take_only_the_parameters_they_name() -> None:
    for rule in verify.RULES:
        if rule.query:
            text = query(rule.query)
            assert text.lstrip().startswith("-- " + rule.query), rule.query


def test_findings_read_as_object_message_rule(admin, migrated_db: str) -> None:
    admin.execute("ALTER TABLE cmms.users NO FORCE ROW LEVEL SECURITY")
    (finding,) = verify.verify(Target(migrated_db, "test"), MIGRATIONS).findings
    assert str(finding) == "cmms.users: row-level security is enabled but not forced [rls-forced]"


def test_verify_does_not_change_the_database(migrated_db: str) -> None:
    with psycopg.connect(migrated_db, autocommit=True) as conn:
        before = conn.execute("SELECT count(*) FROM pg_class").fetchone()
    verify.verify(Target(migrated_db, "test"), MIGRATIONS)
    with psycopg.connect(migrated_db, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_class").fetchone() == before
