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

from cmmsdb import conventions
from cmmsdb import verifier as verify
from cmmsdb.errors import ConfigurationError
from cmmsdb.resources import query
from cmmsdb.target import Target
from tests.conftest import MIGRATIONS, ROOT


def findings(dsn: str, folder: Path = MIGRATIONS, **kwargs: Any) -> list[tuple[str, str]]:
    report = verify.verify(Target(dsn, "test"), folder, **kwargs)
    return [(f.rule, f.object) for f in report.findings]


def new_findings(admin: psycopg.Connection[Any], dsn: str, statement: str) -> list[tuple[str, str]]:
    """The findings that `statement` adds to those the database already has (this branch's
    migrations predate the hardening that makes a fresh database clean of the role rules)."""
    before = findings(dsn)
    admin.execute(statement)
    return [f for f in findings(dsn) if f not in before]


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
    "audit-trigger": (
        "DROP TRIGGER teams_audit_delete ON cmms.teams",
        "audit-trigger",
        "cmms.teams",
    ),
    "updated-at-trigger": (
        "ALTER TABLE cmms.teams DISABLE TRIGGER teams_set_updated_at",
        "updated-at-trigger",
        "cmms.teams",
    ),
    "audit-columns": (
        "ALTER TABLE cmms.user_sessions DROP COLUMN updated_by",
        "audit-columns",
        "cmms.user_sessions",
    ),
    "timestamptz": (
        "ALTER TABLE cmms.organizations ADD COLUMN closed_at timestamp;"
        " COMMENT ON COLUMN cmms.organizations.closed_at IS 'x'",
        "timestamptz",
        "cmms.organizations.closed_at",
    ),
    "active-views": (
        "ALTER TABLE cmms.teams ADD COLUMN motto text",
        "active-views",
        "cmms.active_teams",
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
    "open-policy": (
        "CREATE POLICY teams_all ON cmms.teams FOR SELECT TO cmms_app USING (true)",
        "open-policy",
        "cmms.teams.teams_all",
    ),
    "owner": ("ALTER TABLE cmms.teams OWNER TO CURRENT_USER", "owner", "cmms.teams"),
    "tenant-id": (
        "ALTER TABLE cmms.tags ALTER COLUMN id DROP DEFAULT",
        "tenant-key",
        "cmms.tags",
    ),
    "tenant-policy": (
        "ALTER POLICY tags_select ON cmms.tags USING (organization_id = cmms.current_org_id())",
        "tenant-policy",
        "cmms.tags.tags_select",
    ),
    "tenant-policy-missing": ("DROP POLICY tags_insert ON cmms.tags", "tenant-policy", "cmms.tags"),
    "tenant-policy-only-restrictive": (
        "DROP POLICY tags_select ON cmms.tags;"
        " CREATE POLICY tags_named ON cmms.tags AS RESTRICTIVE FOR SELECT TO cmms_app"
        " USING (name <> '')",
        "tenant-policy",
        "cmms.tags",
    ),
    "tenant-policy-public": (
        "ALTER POLICY tags_update ON cmms.tags TO PUBLIC",
        "tenant-policy",
        "cmms.tags.tags_update",
    ),
    "partition-grants": (
        "GRANT SELECT ON cmms.work_orders_p0 TO cmms_readonly",
        "partition-grants",
        "cmms.work_orders_p0",
    ),
    "fk-on-delete": (
        "ALTER TABLE cmms.teams ADD CONSTRAINT teams_lead_again_fkey"
        " FOREIGN KEY (organization_id, lead_user_id) REFERENCES cmms.users (organization_id, id)",
        "fk-on-delete",
        "cmms.teams.teams_lead_again_fkey",
    ),
    "coded-text": (
        "ALTER TABLE cmms.organizations ADD COLUMN plan_type text",
        "coded-text",
        "cmms.organizations.plan_type",
    ),
    "coded-text-varchar": (
        "ALTER TABLE cmms.organizations ADD COLUMN plan_status varchar(10)"
        " CHECK (plan_status IN ('a', 'b'))",
        "coded-text",
        "cmms.organizations.plan_status",
    ),
    "search-path": (
        "ALTER FUNCTION cmms.set_updated_at() RESET search_path",
        "search-path",
        "cmms.set_updated_at()",
    ),
    "active-views-missing": ("DROP VIEW cmms.active_tags", "active-views", "cmms.tags"),
    "active-views-invoker": (
        "ALTER VIEW cmms.active_tags RESET (security_invoker)",
        "active-views",
        "cmms.active_tags",
    ),
    "readonly-secrets": (
        "GRANT SELECT (password_hash) ON cmms.users TO cmms_readonly",
        "readonly-secrets",
        "cmms.users.password_hash",
    ),
    "readonly-withheld": (
        "REVOKE SELECT (email) ON cmms.users FROM cmms_readonly",
        "readonly-secrets",
        "cmms.users.email",
    ),
    "outside-cmms": (
        "CREATE TABLE public.stray (id int); ALTER TABLE public.stray OWNER TO cmms_owner",
        "outside-cmms",
        "public.stray",
    ),
}


VIOLATIONS |= {
    "archive-rls-detached": (
        # what retention did before: a detached audit partition without row-level security
        "CREATE TABLE cmms.activity_logs_p1999_01 PARTITION OF cmms.activity_logs"
        " FOR VALUES FROM ('1999-01-01') TO ('1999-02-01');"
        " ALTER TABLE cmms.activity_logs_p1999_01 OWNER TO cmms_owner;"
        " ALTER TABLE cmms.activity_logs DETACH PARTITION cmms.activity_logs_p1999_01;"
        " ALTER TABLE cmms.activity_logs_p1999_01 SET SCHEMA cmms_archive",
        "archive-rls",
        "cmms_archive.activity_logs_p1999_01",
    ),
    "archive-rls-not-forced": (
        "ALTER TABLE cmms_archive.comments NO FORCE ROW LEVEL SECURITY",
        "archive-rls",
        "cmms_archive.comments",
    ),
    "archive-rls-write": (
        "GRANT UPDATE ON cmms_archive.work_orders TO cmms_app",
        "archive-rls",
        "cmms_archive.work_orders",
    ),
    "archive-rls-public": (
        "GRANT SELECT ON cmms_archive.attachments TO PUBLIC",
        "archive-rls",
        "cmms_archive.attachments",
    ),
}


@pytest.mark.parametrize("case", sorted(VIOLATIONS))
def test_each_rule_finds_exactly_the_violation_introduced(admin, migrated_db: str, case) -> None:
    statement, rule, obj = VIOLATIONS[case]
    assert new_findings(admin, migrated_db, statement) == [(rule, obj)]


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
    report = verify.VerifyReport(
        report.target, report.rules, [f for f in report.findings if f.rule == "checksum"]
    )
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
        " SET search_path = pg_catalog, pg_temp AS 'SELECT 1';"
        " COMMENT ON FUNCTION cmms.definer_ok() IS 'x';"
        " CREATE FUNCTION cmms.invoker() RETURNS int LANGUAGE sql AS 'SELECT 1';"
        " COMMENT ON FUNCTION cmms.invoker() IS 'x'"
    )
    for function in ("definer_ok", "invoker"):
        admin.execute(
            sql.SQL("ALTER FUNCTION cmms.{}() OWNER TO {}").format(sql.Identifier(function), role)
        )

    owners = [*conventions.DEFINER_OWNERS, definer_role]
    mine = {("owner", "cmms.definer_ok()"), ("owner", "cmms.invoker()")}
    assert [f for f in findings(migrated_db, definer_owners=owners) if f in mine] == [
        ("owner", "cmms.invoker()")
    ]
    assert [f for f in findings(migrated_db) if f in mine] == sorted(mine)


def test_an_empty_search_path_is_not_a_fixed_one_for_a_definer_owner(
    admin, migrated_db: str, definer_role: str
) -> None:
    admin.execute(
        "CREATE FUNCTION cmms.definer_empty() RETURNS int LANGUAGE sql SECURITY DEFINER"
        " SET search_path = '' AS 'SELECT 1'; COMMENT ON FUNCTION cmms.definer_empty() IS 'x'"
    )
    admin.execute(
        sql.SQL("ALTER FUNCTION cmms.definer_empty() OWNER TO {}").format(
            sql.Identifier(definer_role)
        )
    )
    owners = [*conventions.DEFINER_OWNERS, definer_role]
    found = findings(migrated_db, definer_owners=owners)
    assert ("owner", "cmms.definer_empty()") in found
    assert ("definer-search-path", "cmms.definer_empty()") in found


def test_cmms_search_audit_and_archiver_are_the_documented_definer_owners() -> None:
    assert conventions.DEFINER_OWNERS == ("cmms_search", "cmms_audit", "cmms_archiver")


# search_path of a SECURITY DEFINER function -> whether definer-search-path accepts it.
DEFINER_PATHS = {
    "pg_catalog, pg_temp": True,
    "pg_catalog, cmms_ext, pg_temp": True,
    '"pg_catalog", "pg_temp"': True,
    "''": False,
    "pg_temp, pg_catalog": False,
    "pg_catalog": False,
    "cmms, pg_catalog, pg_temp": False,
    None: False,
}


@pytest.mark.parametrize("path", list(DEFINER_PATHS), ids=str)
def test_a_definer_function_needs_a_path_from_pg_catalog_to_pg_temp(
    admin, migrated_db: str, path: str | None
) -> None:
    clause = "" if path is None else f" SET search_path = {path}"
    statement = (
        "CREATE FUNCTION cmms.definer_path() RETURNS int LANGUAGE sql SECURITY DEFINER"
        f"{clause} AS 'SELECT 1'; COMMENT ON FUNCTION cmms.definer_path() IS 'x'"
    )
    added = new_findings(admin, migrated_db, statement)
    rules = [rule for rule, obj in added if obj == "cmms.definer_path()"]
    assert ("definer-search-path" not in rules) is DEFINER_PATHS[path]


def test_the_definer_search_path_finding_quotes_the_path(admin, migrated_db: str) -> None:
    admin.execute(
        "CREATE FUNCTION cmms.definer_path() RETURNS int LANGUAGE sql SECURITY DEFINER"
        " SET search_path = '' AS 'SELECT 1'; COMMENT ON FUNCTION cmms.definer_path() IS 'x'"
    )
    report = verify.verify(Target(migrated_db, "test"), MIGRATIONS)
    (finding,) = [
        f
        for f in report.findings
        if f.object == "cmms.definer_path()" and f.rule == "definer-search-path"
    ]
    assert finding.message == (
        'SECURITY DEFINER without SET search_path = pg_catalog, pg_temp (search_path="")'
    )


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
    report = verify.verify(Target(migrated_db, "test"), MIGRATIONS)
    (finding,) = [f for f in report.findings if f.rule == "rls-forced"]
    assert str(finding) == "cmms.users: row-level security is enabled but not forced [rls-forced]"


def test_verify_does_not_change_the_database(migrated_db: str) -> None:
    with psycopg.connect(migrated_db, autocommit=True) as conn:
        before = conn.execute("SELECT count(*) FROM pg_class").fetchone()
    verify.verify(Target(migrated_db, "test"), MIGRATIONS)
    with psycopg.connect(migrated_db, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_class").fetchone() == before


@pytest.fixture
def roles(admin) -> Iterator[list[str]]:
    """Names for roles a test creates (cluster-wide: unique names, dropped afterwards), and
    cmmsdb's own roles put back as the migrations made them."""
    made: list[str] = []
    yield made
    admin.execute(
        "ALTER ROLE cmms_app NOLOGIN NOSUPERUSER NOBYPASSRLS; ALTER ROLE cmms_app RESET ALL;"
        " ALTER ROLE cmms_readonly NOLOGIN NOSUPERUSER NOBYPASSRLS;"
        " REVOKE cmms_owner FROM cmms_app; REVOKE cmms_owner FROM cmms_readonly"
    )
    for role in reversed(made):
        admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def make_role(admin, roles: list[str], options: str = "NOLOGIN") -> str:
    role = f"cmms_test_role_{uuid.uuid4().hex[:8]}"
    admin.execute(sql.SQL("CREATE ROLE {} " + options).format(sql.Identifier(role)))
    roles.append(role)
    return role


def rule_findings(dsn: str, rule: str) -> list[tuple[str, str]]:
    report = verify.verify(Target(dsn, "test"), MIGRATIONS)
    return [(f.object, f.message) for f in report.findings if f.rule == rule]


OWNER_LINK = (
    "can act as cmms_owner (a membership with INHERIT or SET), the owner of every tenant table"
)

# SQL that lets a cmms role defeat isolation -> the cmms-roles finding it must produce.
ROLE_VIOLATIONS = {
    "login": ("ALTER ROLE cmms_app LOGIN", ("cmms_app", "can log in (LOGIN)")),
    "bypassrls": (
        "ALTER ROLE cmms_readonly BYPASSRLS",
        ("cmms_readonly", "bypasses row-level security (BYPASSRLS)"),
    ),
    "superuser": ("ALTER ROLE cmms_app SUPERUSER", ("cmms_app", "is a superuser")),
    "member-of-owner": ("GRANT cmms_owner TO cmms_app", ("cmms_app", OWNER_LINK)),
    "role-setting": (
        "ALTER ROLE cmms_app SET row_security = off",
        ("cmms_app", "has its own setting row_security=off (ALTER ROLE ... SET)"),
    ),
}


@pytest.mark.parametrize("case", sorted(ROLE_VIOLATIONS))
def test_a_cmms_role_that_can_defeat_isolation_is_a_finding(
    admin, migrated_db: str, roles: list[str], case: str
) -> None:
    statement, finding = ROLE_VIOLATIONS[case]
    assert rule_findings(migrated_db, "cmms-roles") == []
    admin.execute(statement)
    found = rule_findings(migrated_db, "cmms-roles")
    if case == "superuser":  # a superuser also bypasses row-level security
        found = [f for f in found if "BYPASSRLS" not in f[1]]
    if case in ("member-of-owner", "superuser"):
        # cmms_archiver, a member of cmms_app, inherits the finding: one of its own
        assert [f for f in found if f[0] == "cmms_archiver"]
        found = [f for f in found if f[0] != "cmms_archiver"]
    assert found == [finding]


def test_a_row_security_setting_on_the_database_is_a_finding(admin, migrated_db: str) -> None:
    dbname = admin.info.dbname
    statement = sql.SQL("ALTER DATABASE {} SET row_security = off")
    admin.execute(statement.format(sql.Identifier(dbname)))
    assert rule_findings(migrated_db, "cmms-roles") == [
        (f"database {dbname}", "has the setting row_security=off (ALTER DATABASE ... SET)")
    ]


def test_a_cmms_role_reaching_the_owner_through_another_role_is_a_finding(
    admin, migrated_db: str, roles: list[str]
) -> None:
    middle = make_role(admin, roles)
    admin.execute(sql.SQL("GRANT cmms_owner TO {}").format(sql.Identifier(middle)))
    admin.execute(sql.SQL("GRANT {} TO cmms_readonly").format(sql.Identifier(middle)))
    assert rule_findings(migrated_db, "cmms-roles") == [("cmms_readonly", OWNER_LINK)]


def server_version(admin) -> int:
    return int(admin.execute("SHOW server_version_num").fetchone()[0])


def search_link(role: str) -> tuple[str, str]:
    return (
        role,
        "can act as cmms_search (a membership with INHERIT or SET), which has a policy that"
        " lets every row through (cmms.assets.assets_search)",
    )


def test_a_member_of_the_search_role_is_a_finding(admin, migrated_db: str, roles) -> None:
    role = make_role(admin, roles, "LOGIN")
    before = rule_findings(migrated_db, "open-policy")
    admin.execute(sql.SQL("GRANT cmms_search TO {}").format(sql.Identifier(role)))
    added = [f for f in rule_findings(migrated_db, "open-policy") if f not in before]
    assert added == [search_link(role)]


def test_members_through_a_chain_are_findings(admin, migrated_db: str, roles) -> None:
    outer, inner = make_role(admin, roles, "LOGIN"), make_role(admin, roles)
    before = rule_findings(migrated_db, "open-policy")
    admin.execute(sql.SQL("GRANT cmms_search TO {}").format(sql.Identifier(inner)))
    admin.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(inner), sql.Identifier(outer)))
    added = [f for f in rule_findings(migrated_db, "open-policy") if f not in before]
    assert added == sorted([search_link(inner), search_link(outer)])


def test_a_membership_without_inherit_still_allows_set_role(admin, migrated_db, roles) -> None:
    """PostgreSQL 16+: WITH INHERIT FALSE leaves SET; 15: a NOINHERIT member can SET ROLE."""
    role = make_role(admin, roles, "LOGIN NOINHERIT")
    before = rule_findings(migrated_db, "open-policy")
    grant = "GRANT cmms_search TO {}"
    if server_version(admin) >= 160000:
        grant += " WITH INHERIT FALSE"
    admin.execute(sql.SQL(grant).format(sql.Identifier(role)))
    added = [f for f in rule_findings(migrated_db, "open-policy") if f not in before]
    assert added == [search_link(role)]


def test_an_admin_only_membership_is_harmless_on_16_and_a_membership_on_15(
    admin, migrated_db: str, roles
) -> None:
    """PostgreSQL 16+ gives a non-superuser who creates a role an ADMIN-only membership
    (neither INHERIT nor SET): it confers nothing. In 15 every membership allows SET ROLE."""
    role = make_role(admin, roles, "LOGIN")
    before = rule_findings(migrated_db, "open-policy")
    if server_version(admin) >= 160000:
        grant = "GRANT cmms_search TO {} WITH ADMIN TRUE, INHERIT FALSE, SET FALSE"
        expected = []
    else:
        grant = "GRANT cmms_search TO {} WITH ADMIN OPTION"
        expected = [search_link(role)]
    admin.execute(sql.SQL(grant).format(sql.Identifier(role)))
    assert [f for f in rule_findings(migrated_db, "open-policy") if f not in before] == expected


OPEN_POLICIES = {
    "to-public": (
        "CREATE POLICY teams_open ON cmms.teams FOR SELECT USING (true)",
        "USING (true) for PUBLIC",
    ),
    "with-check": (
        "CREATE POLICY teams_open ON cmms.teams FOR INSERT TO cmms_app WITH CHECK (true)",
        "WITH CHECK (true) for cmms_app",
    ),
}


@pytest.mark.parametrize("case", sorted(OPEN_POLICIES))
def test_a_policy_that_lets_every_row_through_is_a_finding(admin, migrated_db, case) -> None:
    statement, start = OPEN_POLICIES[case]
    assert new_findings(admin, migrated_db, statement) == [("open-policy", "cmms.teams.teams_open")]
    (message,) = [m for o, m in rule_findings(migrated_db, "open-policy") if "teams_open" in o]
    assert message == (
        f"{start}: only a definer owner (cmms_search, cmms_audit, cmms_archiver) may have a policy"
        " that lets"
        " every row through"
    )


def test_a_definer_owner_may_have_a_policy_that_lets_every_row_through(
    admin, migrated_db: str, definer_role: str
) -> None:
    admin.execute(
        sql.SQL("CREATE POLICY teams_open ON cmms.teams FOR SELECT TO {} USING (true)").format(
            sql.Identifier(definer_role)
        )
    )
    owners = [*conventions.DEFINER_OWNERS, definer_role]
    assert ("open-policy", "cmms.teams.teams_open") in findings(migrated_db)
    assert ("open-policy", "cmms.teams.teams_open") not in findings(
        migrated_db, definer_owners=owners
    )


def test_a_long_function_signature_is_named_in_full(admin, migrated_db: str) -> None:
    admin.execute(
        "CREATE FUNCTION cmms.a_function_with_a_long_signature(double precision,"
        " double precision, double precision) RETURNS int LANGUAGE sql AS 'SELECT 1';"
        " COMMENT ON FUNCTION cmms.a_function_with_a_long_signature(double precision,"
        " double precision, double precision) IS 'x';"
        " ALTER FUNCTION cmms.a_function_with_a_long_signature(double precision,"
        " double precision, double precision) OWNER TO cmms_app"
    )
    assert (
        "owner",
        "cmms.a_function_with_a_long_signature(double precision,double precision,double precision)",
    ) in findings(migrated_db)


def test_a_definer_function_executable_by_public_is_a_finding(admin, migrated_db: str) -> None:
    statement = (
        "CREATE FUNCTION cmms.definer_open() RETURNS int LANGUAGE sql SECURITY DEFINER"
        " SET search_path = pg_catalog, pg_temp AS 'SELECT 1';"
        " COMMENT ON FUNCTION cmms.definer_open() IS 'x';"
        " GRANT EXECUTE ON FUNCTION cmms.definer_open() TO PUBLIC"
    )
    added = new_findings(admin, migrated_db, statement)
    assert ("definer-execute", "cmms.definer_open()") in added

    admin.execute("REVOKE EXECUTE ON FUNCTION cmms.definer_open() FROM PUBLIC")
    assert ("definer-execute", "cmms.definer_open()") not in findings(migrated_db)


def test_a_definer_function_with_the_default_acl_is_executable_by_public(
    admin, migrated_db: str, definer_role: str
) -> None:
    """Created by a role without cmmsdb's default privileges: PUBLIC may EXECUTE it."""
    role = sql.Identifier(definer_role)
    admin.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA cmms TO {}").format(role))
    admin.execute(sql.SQL("SET ROLE {}").format(role))
    admin.execute(
        "CREATE FUNCTION cmms.definer_default() RETURNS int LANGUAGE sql SECURITY DEFINER"
        " SET search_path = pg_catalog, pg_temp AS 'SELECT 1'"
    )
    admin.execute("RESET ROLE")
    report = verify.verify(Target(migrated_db, "test"), MIGRATIONS)
    assert [f.message for f in report.findings if f.rule == "definer-execute"] == [
        "SECURITY DEFINER function executable by PUBLIC: REVOKE EXECUTE ... FROM PUBLIC and "
        "grant it to named roles"
    ]
    admin.execute(sql.SQL("REVOKE CREATE ON SCHEMA cmms FROM {}").format(role))
    admin.execute(sql.SQL("REVOKE USAGE ON SCHEMA cmms FROM {}").format(role))


def test_every_rule_is_documented_in_docs_lint() -> None:
    readme = (ROOT / "docs" / "lint.md").read_text()
    for rule in verify.RULES:
        assert f"| `{rule.id}` |" in readme, rule.id


def test_a_column_added_to_a_table_is_missed_by_its_view_until_the_view_is_replaced(
    admin, migrated_db: str
) -> None:
    admin.execute("ALTER TABLE cmms.teams ADD COLUMN motto text, ADD COLUMN colour text")
    assert rule_findings(migrated_db, "active-views") == [
        ("cmms.active_teams", "misses columns motto, colour of cmms.teams")
    ]
    admin.execute(
        "CREATE OR REPLACE VIEW cmms.active_teams WITH (security_invoker = true) AS"
        " SELECT * FROM cmms.teams WHERE deleted_at IS NULL"
    )
    assert rule_findings(migrated_db, "active-views") == []
