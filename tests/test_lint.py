"""cmmsdb.linter: each rule flags a small bad migration (tests/lint_cases/RULE/bad) and passes
its good twin (RULE/good, clean for every checker, style included); objects created by the
same migration are exempt from rules about existing ones; squawk runs in each file's
transaction mode; silences need a reason; the shipped migrations lint clean."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from cmmsdb import linter
from cmmsdb.errors import LintPathError, LintToolMissing
from cmmsdb.linter import config, hazards, rules, security, source, squawk
from cmmsdb.resources import shipped

CASES = Path(__file__).parent / "lint_cases"

# No server: the suite against another server (nox -s tests_system) leaves these out.
pytestmark = pytest.mark.serverless


def rules_of(report: linter.LintReport) -> list[tuple[str, int, str]]:
    """(file name, line, rule) of every finding."""
    return [(Path(f.file).name, f.line, f.rule) for f in report.findings]


def copy_case(case: str, tmp_path: Path) -> Path:
    folder = tmp_path / case.replace("/", "-")
    shutil.copytree(CASES / case, folder)
    return folder


@pytest.fixture(scope="module")
def shipped_report() -> linter.LintReport:
    return linter.lint()


# --- each rule: bad migration flagged, good twin clean -------------------------------------

BAD = {
    "missing-rollback": [("0001.add-column-assets-note.sql", 1, "missing-rollback")],
    "tenant-table": [
        ("0001.create-table-gadgets.sql", 4, "tenant-table-audit"),
        ("0001.create-table-gadgets.sql", 4, "tenant-table-grants"),
        ("0001.create-table-gadgets.sql", 4, "tenant-table-policies"),
        ("0001.create-table-gadgets.sql", 4, "tenant-table-rls"),
    ],
    "tenant-fk": [("0001.add-foreign-key-meters-locations.sql", 4, "tenant-fk-not-composite")],
    "concurrently": [
        ("0001.create-index-assets-name.rollback.sql", 2, "concurrently-in-transaction"),
        ("0001.create-index-assets-name.sql", 4, "concurrently-in-transaction"),
    ],
    "multiple-existing-tables": [
        ("0001.add-column-assets-meters-note.rollback.sql", 6, "multiple-existing-tables"),
        ("0001.add-column-assets-meters-note.sql", 6, "multiple-existing-tables"),
    ],
    "squawk": [("0001.add-column-assets-serial-code.sql", 4, "adding-required-field")],
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_migration_is_flagged_with_its_rule_and_line(case: str) -> None:
    report = linter.lint([CASES / case / "bad"], style_check=False)

    assert rules_of(report) == BAD[case]


@pytest.mark.parametrize("case", [*sorted(BAD), "new-objects", "partitions"])
def test_the_good_twin_is_clean_for_every_checker(case: str) -> None:
    report = linter.lint([CASES / case / "good"])

    assert report.findings == []
    assert report.clean


@pytest.mark.parametrize(
    ("rule", "paragraph"),
    [
        ("tenant-table-rls", "ALTER TABLE cmms.gadgets FORCE ROW LEVEL SECURITY"),
        ("tenant-table-policies", "CREATE POLICY"),
        ("tenant-table-grants", "GRANT"),
        ("tenant-table-audit", "CREATE TRIGGER"),
    ],
)
def test_each_missing_piece_of_a_tenant_table_is_its_own_rule(
    tmp_path: Path, rule: str, paragraph: str
) -> None:
    folder = copy_case("tenant-table/good", tmp_path)
    path = folder / "0001.create-table-gadgets.sql"
    kept = [p for p in path.read_text().split("\n\n") if not p.startswith(paragraph)]
    path.write_text("\n\n".join(kept))

    report = linter.lint([folder], style_check=False)

    assert rules_of(report) == [(path.name, 4, rule)]


def test_a_single_column_foreign_key_to_a_table_that_is_not_a_tenant_table_is_fine(
    tmp_path: Path,
) -> None:
    folder = copy_case("tenant-fk/bad", tmp_path)
    path = folder / "0001.add-foreign-key-meters-locations.sql"
    path.write_text(path.read_text().replace("cmms.locations (id)", "cmms.organizations (id)"))

    assert linter.lint([folder], style_check=False).findings == []


def test_a_composite_foreign_key_in_the_wrong_order_is_flagged(tmp_path: Path) -> None:
    folder = copy_case("tenant-fk/good", tmp_path)
    path = folder / "0001.add-foreign-key-meters-locations.sql"
    path.write_text(
        path.read_text().replace(
            "(organization_id, location_id) REFERENCES cmms.locations (organization_id, id)",
            "(location_id, organization_id) REFERENCES cmms.locations (id, organization_id)",
        )
    )

    assert rules_of(linter.lint([folder], style_check=False)) == [
        (path.name, 4, "tenant-fk-not-composite")
    ]


def test_a_tenant_table_scaffolded_by_cmmsdb_new_lints_clean(tmp_path: Path) -> None:
    from cmmsdb import scaffold

    for table, partitions in (("gadgets", None), ("gizmos", 4)):
        planned = scaffold.plan(
            f"create-table-{table}",
            tmp_path,
            template="tenant-table",
            table=table,
            hash_partitions=partitions,
        )
        scaffold.write(planned)

    report = linter.lint([tmp_path])

    assert len(report.files) == 4
    assert report.findings == []


# --- objects created by the same migration --------------------------------------------------


def test_tables_created_in_the_same_migration_are_exempt_from_rules_about_existing_tables() -> None:
    good = sorted((CASES / "new-objects" / "good").glob("*.sql"))
    raw = {
        (h.file.path.name, h.rule)
        for h in squawk.check([source.load(p) for p in good], config.load())
    }

    # squawk alone, outside a transaction, does not know that gadget_kinds is new ...
    assert ("0001.create-table-gadget-kinds.sql", "adding-required-field") in raw
    assert ("0001.create-table-gadget-kinds.sql", "require-concurrent-index-creation") in raw
    # ... and one existing table (assets) changed beside a new one is one, not two
    assert linter.lint(good).findings == []


def test_the_same_change_on_an_existing_table_is_flagged(tmp_path: Path) -> None:
    folder = copy_case("new-objects/good", tmp_path)
    path = folder / "0001.create-table-gadget-kinds.sql"
    text = path.read_text()
    path.write_text(
        text[text.index("ALTER TABLE cmms.gadget_kinds") :].replace("gadget_kinds", "meters")
    )

    found = {f.rule for f in linter.lint([path], style_check=False).findings}

    assert {"adding-required-field", "require-concurrent-index-creation"} <= found
    assert "multiple-existing-tables" in found


def test_an_index_built_partition_by_partition_changes_one_table(tmp_path: Path) -> None:
    """Like 0054: the index on ONLY the partitioned table builds nothing, each partition's is
    built concurrently, and the partitions count as their table."""
    path = tmp_path / "0001.create-index-work-orders-due-at.sql"
    statements = [
        "-- transactional: false",
        "CREATE INDEX IF NOT EXISTS wo_due_idx ON ONLY cmms.work_orders (organization_id, due_at);",
    ]
    for n in range(2):
        statements += [
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS wo_p{n}_due_idx"
            f" ON cmms.work_orders_p{n} (organization_id, due_at);",
            f"ALTER INDEX cmms.wo_due_idx ATTACH PARTITION cmms.wo_p{n}_due_idx;",
        ]
    path.write_text("\n".join(statements) + "\n")
    path.with_name(path.name.replace(".sql", ".rollback.sql")).write_text(
        "DROP INDEX IF EXISTS cmms.wo_due_idx;\n"
    )

    assert linter.lint([path], style_check=False).findings == []

    path.write_text(path.read_text().replace("ON ONLY cmms.work_orders", "ON cmms.work_orders"))
    found = {f.rule for f in linter.lint([path], style_check=False).findings}
    assert found == {"require-concurrent-index-creation"}


def test_a_rollback_may_drop_what_its_forward_migration_created(tmp_path: Path) -> None:
    folder = copy_case("tenant-table/good", tmp_path)
    rollback = folder / "0001.create-table-gadgets.rollback.sql"
    rollback.write_text(rollback.read_text() + "\nDROP TABLE cmms.assets;\n")

    assert rules_of(linter.lint([rollback], style_check=False)) == [
        (rollback.name, 6, "ban-drop-table")
    ]


# --- transaction mode reaches squawk --------------------------------------------------------


def test_squawk_sees_a_transactional_migration_as_wrapped_in_a_transaction() -> None:
    report = linter.lint([CASES / "transaction" / "in"], style_check=False)

    assert report.findings == []


def test_squawk_sees_a_non_transactional_migration_and_its_rollback_as_unwrapped() -> None:
    report = linter.lint([CASES / "transaction" / "out"], style_check=False)

    assert rules_of(report) == [
        ("0001.add-column-assets-note.rollback.sql", 2, "prefer-robust-stmts"),
        ("0001.add-column-assets-note.sql", 3, "prefer-robust-stmts"),
    ]


def test_a_rollback_file_takes_its_forward_migrations_transaction_mode() -> None:
    folder = CASES / "transaction"

    assert (
        source.load(folder / "out" / "0001.add-column-assets-note.rollback.sql").transactional
        is False
    )
    assert (
        source.load(folder / "in" / "0001.add-column-assets-note.rollback.sql").transactional
        is True
    )


# --- silences -------------------------------------------------------------------------------


def test_a_silence_with_a_reason_removes_the_finding_and_is_reported(tmp_path: Path) -> None:
    folder = copy_case("squawk/bad", tmp_path)
    path = folder / "0001.add-column-assets-serial-code.sql"
    path.write_text(
        path.read_text().replace(
            "ALTER TABLE",
            "-- cmmsdb: allow adding-required-field because every writer sets it since 2.3\n"
            "ALTER TABLE",
        )
    )

    report = linter.lint([folder], style_check=False)

    assert report.findings == []
    assert [(s.finding.rule, s.reason, s.by) for s in report.silenced if s.by == "comment"] == [
        ("adding-required-field", "every writer sets it since 2.3", "comment")
    ]


def test_a_silence_on_the_same_line_as_the_statement_works(tmp_path: Path) -> None:
    folder = copy_case("squawk/bad", tmp_path)
    path = folder / "0001.add-column-assets-serial-code.sql"
    path.write_text(
        path.read_text().replace(
            "NOT NULL;",
            "NOT NULL; -- cmmsdb: allow adding-required-field because the table is empty",
        )
    )

    assert linter.lint([folder], style_check=False).findings == []


def test_a_silence_without_a_reason_is_itself_a_finding_and_silences_nothing(
    tmp_path: Path,
) -> None:
    folder = copy_case("squawk/bad", tmp_path)
    path = folder / "0001.add-column-assets-serial-code.sql"
    path.write_text(
        path.read_text().replace(
            "ALTER TABLE", "-- cmmsdb: allow adding-required-field\nALTER TABLE"
        )
    )

    report = linter.lint([folder], style_check=False)

    assert rules_of(report) == [
        (path.name, 4, "invalid-silence"),
        (path.name, 5, "adding-required-field"),
    ]
    assert "no reason" in report.findings[0].message


def test_a_silence_naming_an_unknown_rule_is_a_finding(tmp_path: Path) -> None:
    folder = copy_case("squawk/good", tmp_path)
    path = folder / "0001.add-column-assets-serial-code.sql"
    path.write_text(path.read_text() + "-- cmmsdb: allow adding-requried-field because typo\n")

    report = linter.lint([folder], style_check=False)

    assert rules_of(report) == [(path.name, 5, "invalid-silence")]
    assert "adding-requried-field" in report.findings[0].message


def test_a_silence_covers_only_the_statement_below_it(tmp_path: Path) -> None:
    folder = copy_case("squawk/bad", tmp_path)
    path = folder / "0001.add-column-assets-serial-code.sql"
    path.write_text(
        path.read_text().replace(
            "SET LOCAL ROLE cmms_owner;",
            "-- cmmsdb: allow adding-required-field because wrong statement\n"
            "SET LOCAL ROLE cmms_owner;",
        )
    )

    assert [f.rule for f in linter.lint([folder], style_check=False).findings] == [
        "adding-required-field"
    ]


def test_a_file_rule_is_silenced_from_the_leading_comments(tmp_path: Path) -> None:
    folder = copy_case("multiple-existing-tables/bad", tmp_path)
    for path in folder.iterdir():
        path.write_text(
            "-- cmmsdb: allow multiple-existing-tables because the note is one concern\n"
            + path.read_text()
        )

    report = linter.lint([folder], style_check=False)

    assert report.findings == []
    assert {s.finding.rule for s in report.silenced if s.by == "comment"} == {
        "multiple-existing-tables"
    }
    # the rollback's DROP COLUMN is listed too, silenced by the rollback exemption
    assert {s.finding.rule for s in report.silenced if s.by == "exemption"} <= {"ban-drop-column"}


def test_a_style_rule_can_be_silenced_too(tmp_path: Path) -> None:
    path = tmp_path / "0001.x.sql"
    (tmp_path / "0001.x.rollback.sql").write_text("SELECT 1;\n")
    path.write_text("-- cmmsdb: allow style.CP01 because generated\nselect 1;\n")

    report = linter.lint([path])

    assert report.findings == []
    assert [s.finding.rule for s in report.silenced] == ["style.CP01"]


# --- parse errors, style, paths, squawk missing --------------------------------------------


def test_sql_that_does_not_parse_is_a_finding_at_its_line(tmp_path: Path) -> None:
    folder = copy_case("squawk/good", tmp_path)
    path = folder / "0001.add-column-assets-serial-code.sql"
    path.write_text(path.read_text() + "\nALTER TABLE cmms.assets ADD COLUMN;\n")

    report = linter.lint([folder])

    assert rules_of(report) == [(path.name, 6, "parse-error")]
    assert "syntax error" in report.findings[0].message


def test_a_parse_error_cannot_be_silenced(tmp_path: Path) -> None:
    path = tmp_path / "0001.x.sql"
    path.write_text("-- cmmsdb: allow parse-error because no\nSELEC 1;\n")

    assert "parse-error" in [f.rule for f in linter.lint([path], style_check=False).findings]


def test_style_findings_come_from_sqlfluff_with_the_project_config(tmp_path: Path) -> None:
    path = tmp_path / "0001.x.sql"
    (tmp_path / "0001.x.rollback.sql").write_text("SELECT 1;\n")
    path.write_text("select 1;\n")

    report = linter.lint([path])

    assert [(f.line, f.column, f.rule, f.source) for f in report.findings] == [
        (1, 1, "style.CP01", "style")
    ]


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LintPathError, match="does not exist"):
        linter.lint([tmp_path / "nope.sql"])


def test_a_folder_without_sql_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LintPathError, match="holds no SQL file"):
        linter.lint([tmp_path])


def test_a_missing_squawk_binary_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMMSDB_SQUAWK", "/nonexistent/squawk")

    with pytest.raises(LintToolMissing, match="/nonexistent/squawk"):
        linter.lint([CASES / "squawk" / "good"], style_check=False)


def test_squawk_is_found_beside_the_python_that_runs_cmmsdb() -> None:
    assert squawk.binary().is_file()


# --- the shipped migrations and the configuration -------------------------------------------


def test_the_shipped_migrations_lint_clean(shipped_report: linter.LintReport) -> None:
    assert [str(f) for f in shipped_report.findings] == []
    names = {Path(f).name for f in shipped_report.files}
    assert "0053.create-index-assets-coordinates.rollback.sql" in names  # rollbacks too
    assert "0001.add-geography-columns.sql" in names  # and the modules


def test_every_exemption_in_the_config_is_used_and_has_a_reason(
    shipped_report: linter.LintReport,
) -> None:
    used = {
        (
            Path(s.finding.file).resolve().relative_to(shipped("sql").resolve()).as_posix(),
            s.finding.rule,
        )
        for s in shipped_report.silenced
        if s.by == "config"
    }
    configured = {(name, rule) for name, exempt in config.load().exempt.items() for rule in exempt}

    assert configured == used
    assert all(
        reason.strip() for exempt in config.load().exempt.values() for reason in exempt.values()
    )


def test_every_rule_turned_off_is_a_squawk_rule_with_a_reason() -> None:
    loaded = config.load()

    for table in (loaded.squawk_off, loaded.squawk_off_in_rollbacks):
        assert set(table) <= squawk.RULES
        assert all(len(reason) > 20 for reason in table.values())
    assert loaded.new_object_rules <= squawk.RULES


def test_exemptions_apply_only_to_the_shipped_files(tmp_path: Path) -> None:
    copy = tmp_path / "0024.create-table-purchase-order-lines.sql"
    shutil.copy(shipped("sql") / "migrations" / copy.name, copy)

    assert config.load().exemptions(copy) == {}
    assert "identifier-too-long" in {
        f.rule for f in linter.lint([copy], style_check=False).findings
    }


def test_every_cmmsdb_rule_is_documented_in_docs_lint() -> None:
    readme = (Path(__file__).parents[1] / "docs" / "lint.md").read_text()

    for rule in [*rules.RULES, *security.RULES, *hazards.RULES]:
        assert f"`{rule}`" in readme, rule
    data = tomllib.loads((Path(config.__file__).with_name("config.toml")).read_text())
    for rule in data["squawk"]["off"]:
        assert f"`{rule}`" in readme


# --- security: statements that switch isolation off or open a privilege boundary -----------

DEFINER = (
    "CREATE FUNCTION cmms.gadget_count() RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER"
    "{path} AS $$ SELECT pg_catalog.count(*) FROM cmms.assets $$;"
)

# Each dangerous statement -> the rule it breaks and the start of the finding's message.
DANGEROUS = {
    "disable-rls": (
        "ALTER TABLE cmms.teams DISABLE ROW LEVEL SECURITY;",
        "rls-off",
        "DISABLE ROW LEVEL SECURITY on teams",
    ),
    "no-force-rls": (
        "ALTER TABLE cmms.teams NO FORCE ROW LEVEL SECURITY;",
        "rls-off",
        "NO FORCE ROW LEVEL SECURITY on teams",
    ),
    "drop-policy": (
        "DROP POLICY teams_delete ON cmms.teams;",
        "drop-policy",
        "DROP POLICY teams_delete ON teams",
    ),
    "drop-audit-trigger": (
        "DROP TRIGGER teams_audit ON cmms.teams;",
        "audit-trigger-off",
        "DROP TRIGGER teams_audit ON audited table teams",
    ),
    "disable-audit-trigger": (
        "ALTER TABLE cmms.teams DISABLE TRIGGER teams_audit;",
        "audit-trigger-off",
        "DISABLE TRIGGER teams_audit on audited table teams",
    ),
    "disable-all-triggers": (
        "ALTER TABLE cmms.teams DISABLE TRIGGER ALL;",
        "audit-trigger-off",
        "DISABLE TRIGGER ALL on audited table teams",
    ),
    "alter-function-definer": (
        "ALTER FUNCTION cmms.current_org_id() SECURITY DEFINER;",
        "definer-function",
        "ALTER FUNCTION current_org_id SECURITY DEFINER",
    ),
    "role-bypassrls": (
        "ALTER ROLE cmms_app BYPASSRLS;",
        "role-bypassrls",
        "ALTER ROLE cmms_app BYPASSRLS",
    ),
    "create-role-superuser": (
        "CREATE ROLE cmms_gadgets NOLOGIN SUPERUSER;",
        "role-bypassrls",
        "CREATE ROLE cmms_gadgets SUPERUSER",
    ),
    "definer-without-path": (
        DEFINER.format(path=""),
        "definer-search-path",
        "SECURITY DEFINER function gadget_count has no SET search_path",
    ),
    "definer-empty-path": (
        DEFINER.format(path=" SET search_path = ''"),
        "definer-search-path",
        "SECURITY DEFINER function gadget_count has search_path = ''",
    ),
    "definer-path-without-pg-temp-last": (
        DEFINER.format(path=" SET search_path = pg_catalog"),
        "definer-search-path",
        "SECURITY DEFINER function gadget_count has search_path = pg_catalog:",
    ),
    "definer-path-made-empty": (
        "ALTER FUNCTION cmms.search_assets(text, integer) SET search_path = '';",
        "definer-search-path",
        "SECURITY DEFINER function search_assets has search_path = ''",
    ),
    "definer-unqualified": (
        DEFINER.format(path=" SET search_path = pg_catalog, pg_temp").replace(
            "cmms.assets", "assets"
        ),
        "definer-unqualified",
        "SECURITY DEFINER function gadget_count names assets without a schema",
    ),
    "grant-owner": (
        "GRANT cmms_owner TO cmms_app;",
        "grant-role",
        "GRANT cmms_owner TO cmms_app: cmms_app can act as cmms_owner, the owner of every",
    ),
    "grant-definer-owner": (
        "GRANT cmms_search TO cmms_owner WITH INHERIT FALSE;",
        "grant-role",
        "GRANT cmms_search TO cmms_owner: cmms_owner can act as cmms_search, a definer owner",
    ),
    "grant-to-public": (
        "GRANT SELECT ON cmms.teams TO PUBLIC;",
        "grant-to-public",
        "GRANT SELECT on table teams to PUBLIC",
    ),
    "grant-definer-to-public": (
        "GRANT EXECUTE ON FUNCTION cmms.search_assets(text, integer) TO PUBLIC;",
        "grant-to-public",
        "GRANT EXECUTE on SECURITY DEFINER function search_assets to PUBLIC",
    ),
    "default-privileges-to-public": (
        "ALTER DEFAULT PRIVILEGES IN SCHEMA cmms GRANT SELECT ON TABLES TO PUBLIC;",
        "grant-to-public",
        "default privileges grant SELECT on new tables to PUBLIC",
    ),
    "open-policy": (
        "CREATE POLICY teams_everything ON cmms.teams FOR SELECT TO cmms_app USING (true);",
        "open-policy",
        "policy teams_everything on teams USING (true) for cmms_app lets every row through",
    ),
    "open-insert-policy": (
        "CREATE POLICY teams_anything ON cmms.teams FOR INSERT WITH CHECK (true);",
        "open-policy",
        "policy teams_anything on teams WITH CHECK (true) for PUBLIC lets every row through",
    ),
}


def migration(tmp_path: Path, body: str, rollback: str = "SELECT 1;") -> Path:
    """A forward migration holding `body` after SET LOCAL ROLE (line 3), and its rollback."""
    path = tmp_path / "0001.change-security.sql"
    path.write_text(f"-- A change.\nSET LOCAL ROLE cmms_owner;\n{body}\n")
    path.with_name("0001.change-security.rollback.sql").write_text(
        f"-- Undoes it.\nSET LOCAL ROLE cmms_owner;\n{rollback}\n"
    )
    return path


@pytest.mark.parametrize("case", sorted(DANGEROUS))
def test_a_statement_that_defeats_isolation_is_a_finding(tmp_path: Path, case: str) -> None:
    statement, rule, message = DANGEROUS[case]
    path = migration(tmp_path, statement)

    report = linter.lint([tmp_path], style_check=False)

    assert rules_of(report) == [(path.name, 3, rule)]
    assert report.findings[0].message.startswith(message), report.findings[0].message
    assert report.findings[0].source == "cmmsdb"


def test_every_security_rule_has_a_dangerous_case() -> None:
    assert {rule for _, rule, _ in DANGEROUS.values()} == set(security.RULES)


# Safe neighbours of the dangerous statements: clean.
SAFE = {
    "definer-with-fixed-path": DEFINER.format(path=" SET search_path = pg_catalog, pg_temp"),
    "definer-with-extension-schema": DEFINER.format(
        path=" SET search_path = pg_catalog, cmms_ext, pg_temp"
    ),
    "invoker-function": DEFINER.replace(" SECURITY DEFINER", "").format(path=""),
    "policy-created-and-replaced": (
        "CREATE POLICY teams_gadgets ON cmms.teams FOR SELECT TO cmms_app"
        " USING (organization_id = (SELECT cmms.current_org_id()));\n"
        "DROP POLICY teams_gadgets ON cmms.teams;"
    ),
    "open-policy-for-a-definer-owner": (
        "CREATE POLICY teams_search ON cmms.teams FOR SELECT TO cmms_search USING (true);"
    ),
    "revoke-from-public": (
        "REVOKE EXECUTE ON FUNCTION cmms.search_assets(text, integer) FROM PUBLIC;"
    ),
    "grant-to-a-named-role": "GRANT SELECT ON cmms.teams TO cmms_readonly;",
    "role-without-bypass": "ALTER ROLE cmms_app NOBYPASSRLS;",
    "admin-only-membership": (
        "GRANT cmms_search TO cmms_deployer WITH ADMIN TRUE, INHERIT FALSE, SET FALSE;"
    ),
    "revoke-membership": "REVOKE cmms_search FROM cmms_owner;",
    "grant-app-role": "GRANT cmms_app TO cmms_gadget_login;",
    "trigger-of-a-table-that-is-not-audited": (
        "ALTER TABLE cmms.activity_logs DISABLE TRIGGER activity_logs_refuse_update;"
    ),
}


@pytest.mark.parametrize("case", sorted(SAFE))
def test_the_safe_neighbours_are_clean(tmp_path: Path, case: str) -> None:
    migration(tmp_path, SAFE[case])

    assert linter.lint([tmp_path], style_check=False).findings == []


def test_a_rollback_may_undo_what_its_forward_migration_switched_on(tmp_path: Path) -> None:
    migration(
        tmp_path,
        "ALTER TABLE cmms.teams ENABLE ROW LEVEL SECURITY;\n"
        "ALTER TABLE cmms.teams FORCE ROW LEVEL SECURITY;\n"
        "CREATE POLICY teams_gadgets ON cmms.teams FOR SELECT TO cmms_app"
        " USING (organization_id = (SELECT cmms.current_org_id()));\n"
        "CREATE TRIGGER teams_gadget AFTER INSERT ON cmms.teams"
        " FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();",
        "DROP TRIGGER teams_gadget ON cmms.teams;\n"
        "DROP POLICY teams_gadgets ON cmms.teams;\n"
        "ALTER TABLE cmms.teams NO FORCE ROW LEVEL SECURITY;\n"
        "ALTER TABLE cmms.teams DISABLE ROW LEVEL SECURITY;",
    )

    found = {f.rule for f in linter.lint([tmp_path], style_check=False).findings}
    assert not found & set(security.RULES)


def test_a_rollback_that_undoes_something_else_is_flagged(tmp_path: Path) -> None:
    migration(tmp_path, "SELECT 1;", "ALTER TABLE cmms.teams NO FORCE ROW LEVEL SECURITY;")

    assert rules_of(linter.lint([tmp_path], style_check=False)) == [
        ("0001.change-security.rollback.sql", 3, "rls-off")
    ]


def test_a_security_finding_is_silenced_only_with_a_reason(tmp_path: Path) -> None:
    path = migration(
        tmp_path,
        "-- cmmsdb: allow rls-off because the table is about to be dropped by the next step\n"
        "ALTER TABLE cmms.teams NO FORCE ROW LEVEL SECURITY;",
    )
    report = linter.lint([tmp_path], style_check=False)
    assert report.findings == []
    assert [(s.finding.rule, s.by) for s in report.silenced] == [("rls-off", "comment")]

    path.write_text(
        path.read_text().replace(" because the table is about to be dropped by the next step", "")
    )
    assert {f.rule for f in linter.lint([tmp_path], style_check=False).findings} == {
        "rls-off",
        "invalid-silence",
    }


# --- transparency: every finding dropped is listed, with what dropped it --------------------


def test_sqlfluff_parse_errors_on_sql_postgresql_accepts_are_not_findings() -> None:
    """ATTACH PARTITION and DETACH PARTITION ... CONCURRENTLY: sqlfluff cannot parse them."""
    report = linter.lint([CASES / "partitions" / "good"])

    assert report.findings == []
    unparsable = [s for s in report.silenced if s.finding.rule == "style.PRS"]
    assert len(unparsable) == 4
    assert {(s.by, s.reason) for s in unparsable} == {
        (
            "exemption",
            "sqlfluff cannot parse this section, which PostgreSQL's parser (pglast) accepts: "
            "its style is not checked",
        )
    }


def test_every_squawk_finding_on_the_shipped_migrations_is_reported_or_listed_as_silenced(
    shipped_report: linter.LintReport,
) -> None:
    files = [source.load(p) for p in sorted(shipped("sql").rglob("*.sql"))]
    raw = {(h.file.path.resolve(), h.line, h.rule) for h in squawk.check(files, config.load())}
    listed = {
        (Path(f.file).resolve(), f.line, f.rule)
        for f in [*shipped_report.findings, *(s.finding for s in shipped_report.silenced)]
        if f.source == "squawk"
    }

    assert raw == listed
    assert sum(s.by == "exemption" for s in shipped_report.silenced) > 100


def test_an_exempted_finding_names_its_exemption(tmp_path: Path) -> None:
    folder = copy_case("new-objects/good", tmp_path)

    report = linter.lint([folder], style_check=False)

    reasons = {(s.finding.rule, s.by, s.reason) for s in report.silenced}
    assert (
        "adding-required-field",
        "exemption",
        "new objects: gadget_kinds is created by this migration, nobody uses it yet",
    ) in reasons


def test_a_rule_off_in_rollback_files_is_listed_with_its_reason(tmp_path: Path) -> None:
    path = migration(tmp_path, "SELECT 1;", "ALTER TABLE cmms.teams DROP COLUMN description;")

    report = linter.lint([tmp_path], style_check=False)

    assert report.findings == []
    assert [(s.finding.rule, s.by, s.reason) for s in report.silenced] == [
        (
            "ban-drop-column",
            "exemption",
            "off in rollback files: " + config.load().squawk_off_in_rollbacks["ban-drop-column"],
        )
    ]
    assert path.exists()


# --- operational hazards squawk misses --------------------------------------------------------

HAZARDS = {
    "lock-table": (
        "LOCK TABLE cmms.teams IN ACCESS EXCLUSIVE MODE;",
        "lock-table",
        "LOCK TABLE teams holds the lock until the migration commits",
    ),
    "set-unlogged": (
        "ALTER TABLE cmms.teams SET UNLOGGED;",
        "set-unlogged",
        "SET UNLOGGED on teams rewrites it under an ACCESS EXCLUSIVE lock",
    ),
    "cluster": (
        "CLUSTER cmms.teams USING teams_pkey;",
        "cluster",
        "CLUSTER teams rewrites under an ACCESS EXCLUSIVE lock",
    ),
    "whole-table-update": (
        "UPDATE cmms.teams SET description = '';",
        "whole-table-update",
        "UPDATE of every row of teams in one transaction",
    ),
    "vacuum-in-transaction": (
        "VACUUM cmms.teams;",
        "vacuum-in-transaction",
        "VACUUM cannot run in a transaction block: add `-- transactional: false`",
    ),
}


@pytest.mark.parametrize("case", sorted(HAZARDS))
def test_an_operational_hazard_is_a_finding(tmp_path: Path, case: str) -> None:
    statement, rule, message = HAZARDS[case]
    path = migration(tmp_path, statement)

    report = linter.lint([tmp_path], style_check=False)

    assert rules_of(report) == [(path.name, 3, rule)]
    assert report.findings[0].message.startswith(message), report.findings[0].message


def non_transactional(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "0001.vacuum-teams.sql"
    path.write_text(f"-- transactional: false\n-- Maintenance.\n{body}\n")
    path.with_name("0001.vacuum-teams.rollback.sql").write_text("-- Nothing to undo.\nSELECT 1;\n")
    return path


def test_vacuum_full_is_a_finding_outside_a_transaction_too(tmp_path: Path) -> None:
    path = non_transactional(tmp_path, "VACUUM (FULL) cmms.teams;")

    report = linter.lint([tmp_path], style_check=False)

    assert rules_of(report) == [(path.name, 3, "vacuum-full")]
    assert report.findings[0].message.startswith(
        "VACUUM FULL teams rewrites under an ACCESS EXCLUSIVE lock"
    )


def test_every_hazard_rule_has_a_case() -> None:
    assert {rule for _, rule, _ in HAZARDS.values()} | {"vacuum-full"} == set(hazards.RULES)


# Their safe neighbours: clean.
SAFE_HAZARDS = {
    "update-with-where": "UPDATE cmms.teams SET description = '' WHERE description IS NULL;",
    "new-table": (
        "CREATE TABLE cmms.gadget_log (id integer PRIMARY KEY);\n"
        "COMMENT ON TABLE cmms.gadget_log IS 'A log.';\n"
        "LOCK TABLE cmms.gadget_log IN ACCESS EXCLUSIVE MODE;\n"
        "UPDATE cmms.gadget_log SET id = id;\n"
        "ALTER TABLE cmms.gadget_log SET UNLOGGED;"
    ),
}


@pytest.mark.parametrize("case", sorted(SAFE_HAZARDS))
def test_the_safe_neighbours_of_hazards_are_clean(tmp_path: Path, case: str) -> None:
    migration(tmp_path, SAFE_HAZARDS[case])

    found = linter.lint([tmp_path], style_check=False).findings
    assert not {f.rule for f in found} & set(hazards.RULES), found


def test_a_plain_vacuum_outside_a_transaction_is_clean(tmp_path: Path) -> None:
    non_transactional(tmp_path, "VACUUM (ANALYZE) cmms.teams;")

    assert linter.lint([tmp_path], style_check=False).findings == []


PLPGSQL_DEFINER = """-- A definer function.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.gadget_total(org uuid) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    total bigint;
    last_order work_orders%ROWTYPE;
BEGIN
    WITH mine AS (SELECT w.id FROM cmms.work_orders AS w WHERE w.organization_id = org)
    SELECT pg_catalog.count(*) INTO total FROM mine;
    IF EXISTS (SELECT FROM assets AS a WHERE a.organization_id = org) THEN
        total := total + 1;
    END IF;
    RETURN total;
END
$$;
"""


def test_unqualified_relations_in_a_plpgsql_definer_body_are_found_at_their_lines(
    tmp_path: Path,
) -> None:
    path = tmp_path / "0001.create-function-gadget-total.sql"
    path.write_text(PLPGSQL_DEFINER)
    path.with_name("0001.create-function-gadget-total.rollback.sql").write_text(
        "-- Undoes it.\nDROP FUNCTION cmms.gadget_total(uuid);\n"
    )

    found = [
        (f.line, f.message.split(" without")[0])
        for f in linter.lint([tmp_path], style_check=False).findings
    ]

    assert found == [
        (8, "SECURITY DEFINER function gadget_total names work_orders%rowtype"),
        (12, "SECURITY DEFINER function gadget_total names assets"),
    ]


def test_a_qualified_plpgsql_definer_body_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "0001.create-function-gadget-total.sql"
    path.write_text(
        PLPGSQL_DEFINER.replace("work_orders%ROWTYPE", "cmms.work_orders%ROWTYPE").replace(
            "FROM assets", "FROM cmms.assets"
        )
    )
    path.with_name("0001.create-function-gadget-total.rollback.sql").write_text(
        "-- Undoes it.\nDROP FUNCTION cmms.gadget_total(uuid);\n"
    )

    assert linter.lint([tmp_path], style_check=False).findings == []


def test_a_rollback_may_restore_the_membership_its_forward_migration_revoked(
    tmp_path: Path,
) -> None:
    migration(tmp_path, "REVOKE cmms_search FROM cmms_owner;", "GRANT cmms_search TO cmms_owner;")

    assert linter.lint([tmp_path], style_check=False).findings == []
