"""`cmmsdb verify`: the data-model rules of DESIGN.md and the migration checksums, checked
on a live database, each violation reported as a finding that names the rule and the object.

The rules are the ones the test suite enforces on the shipped migrations, shipped to users
so that a database changed by hand (or by a migration of their own) can be checked too.
Each catalog rule is one query, cmmsdb/queries/verify_<rule>.sql, that returns the
offending objects as (object, message) rows; the checksum rule reuses `migrator.status`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmmsdb import catalog, conventions, migrator
from cmmsdb.conventions import DEFINER_OWNERS, OWNER_ROLE
from cmmsdb.resources import migrations_folder, query
from cmmsdb.target import (
    DEFAULT_CONNECT_TIMEOUT,
    Target,
    as_target,
    connect,
    extension_installed,
)

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class Rule:
    """A data-model rule: its id (as printed), what it requires, and its catalog query."""

    id: str
    summary: str
    query: str | None = None
    extension: str | None = None  # checked only where this extension is installed


RULES: tuple[Rule, ...] = (
    Rule("checksum", "applied migrations are unchanged (their files match the ledger)"),
    Rule(
        "rls-forced",
        "row-level security enabled and forced on every tenant table",
        "verify_rls_forced.sql",
    ),
    Rule(
        "tenant-key",
        "tenant tables have PRIMARY KEY (organization_id, id), id a uuid the server makes",
        "verify_tenant_key.sql",
    ),
    Rule(
        "tenant-policy",
        "tenant tables' policies compare the tenant key with (SELECT cmms.current_org_id())",
        "verify_tenant_policy.sql",
    ),
    Rule(
        "partition-grants",
        "the application's roles have no privilege on a partition (its parent's policies "
        "would not apply)",
        "verify_partition_grants.sql",
    ),
    Rule(
        "archive-rls",
        "archived tenant rows (archive tables, detached partitions) keep row-level security "
        "enabled and forced, and grant the application's roles SELECT at most",
        "verify_archive_rls.sql",
    ),
    Rule(
        "composite-fk",
        "foreign keys to tenant tables include organization_id",
        "verify_composite_fk.sql",
    ),
    Rule(
        "fk-index", "every foreign key has an index leading with its columns", "verify_fk_index.sql"
    ),
    Rule(
        "fk-on-delete",
        "every foreign key says what happens ON DELETE",
        "verify_fk_on_delete.sql",
    ),
    Rule("audit-trigger", "tenant tables have the audit trigger", "verify_audit_trigger.sql"),
    Rule(
        "updated-at-trigger",
        "tables have the trigger that maintains updated_at",
        "verify_updated_at_trigger.sql",
    ),
    Rule(
        "audit-columns",
        "tables have created_at, updated_at, deleted_at, created_by, updated_by",
        "verify_audit_columns.sql",
    ),
    Rule("timestamptz", "timestamps are timestamptz", "verify_timestamptz.sql"),
    Rule(
        "coded-text",
        "status, priority and type columns are text checked by a constraint",
        "verify_coded_text.sql",
    ),
    Rule("comment", "tables, views and functions have a COMMENT", "verify_comments.sql"),
    Rule(
        "active-views",
        "tables have a soft-delete view cmms.active_<table>: security_invoker, hiding "
        "deleted rows, showing every column",
        "verify_active_views.sql",
    ),
    Rule(
        "readonly-secrets",
        "cmms_readonly reads no credential column, and every other column of what it reads",
        "verify_readonly_secrets.sql",
    ),
    Rule(
        "definer-search-path",
        "SECURITY DEFINER functions SET search_path = pg_catalog, pg_temp",
        "verify_definer_search_path.sql",
    ),
    Rule(
        "search-path",
        "functions SET search_path from pg_catalog to pg_temp",
        "verify_search_path.sql",
    ),
    Rule(
        "definer-execute",
        "SECURITY DEFINER functions are not executable by PUBLIC",
        "verify_definer_execute.sql",
    ),
    Rule("owner", f"objects of the cmms schemas are owned by {OWNER_ROLE}", "verify_owner.sql"),
    Rule(
        "outside-cmms",
        "cmmsdb's roles own nothing outside the cmms schemas",
        "verify_outside_cmms.sql",
    ),
    Rule(
        "cmms-roles",
        "cmmsdb's roles cannot log in, bypass row-level security or act as the owner, and "
        "nothing sets row_security for them or the database",
        "verify_cmms_roles.sql",
    ),
    Rule(
        "open-policy",
        "only the definer owners have policies that let every row through, and no role "
        "can act as them",
        "verify_open_policy.sql",
    ),
    Rule(
        "citus-distribution",
        "on a Citus coordinator: tenant tables distributed on organization_id and co-located "
        "with organizations, other tables reference tables, foreign keys and unique keys "
        "include the distribution column",
        "verify_citus_distribution.sql",
        extension="citus",
    ),
)


@dataclass(frozen=True)
class Finding:
    """One violation: which rule, which object, and what is wrong with it."""

    rule: str
    object: str
    message: str

    def __str__(self) -> str:
        return f"{self.object}: {self.message} [{self.rule}]"


@dataclass(frozen=True)
class VerifyReport:
    """Every finding on one database (none: it follows every rule)."""

    target: str
    rules: list[str]
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "ok": self.ok, **asdict(self)}


def verify(
    target: str | Target,
    folder: Path | str | None = None,
    *,
    modules: Sequence[str] = (),
    definer_owners: Sequence[str] = DEFINER_OWNERS,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> VerifyReport:
    """Check the migration checksums and every catalog rule on `target`.

    A database without schema cmms is an error, not a clean result: verifying the wrong
    database must not pass.
    """
    target = as_target(target)
    folder = migrations_folder(folder)
    findings = checksum_findings(target, folder, modules, connect_timeout)
    with connect(target, connect_timeout=connect_timeout) as conn:
        catalog.require_schema(conn, target.display, "verify")
        findings += catalog_findings(conn, definer_owners)
    return VerifyReport(target.display, [rule.id for rule in RULES], findings)


def checksum_findings(
    target: Target, folder: Path, modules: Sequence[str], connect_timeout: float
) -> list[Finding]:
    """Applied migrations whose file changed or disappeared since they were applied."""
    report = migrator.status(target, folder, modules=modules, connect_timeout=connect_timeout)
    messages = {
        "changed": "file changed since it was applied (checksum {applied} -> {now})",
        "missing": "applied, but its file is gone from the migrations folder",
    }
    return [
        Finding(
            "checksum",
            state.id,
            messages[state.state].format(
                applied=(state.applied_checksum or "")[:12], now=(state.checksum or "")[:12]
            ),
        )
        for state in report.migrations
        if state.state in messages
    ]


def catalog_findings(
    conn: psycopg.Connection[Any], definer_owners: Sequence[str] = DEFINER_OWNERS
) -> list[Finding]:
    """Every catalog rule's violations, rule by rule, in the order of RULES.

    The queries run with catalog_session.sql's settings (an empty search_path above all),
    in a transaction rolled back after, so that every object is named schema-qualified
    whatever the caller's session.
    """
    parameters: Mapping[str, Any] = {
        **conventions.query_parameters(),
        "tenant_tables": catalog.tenant_tables(conn),
        "definer_owners": list(definer_owners),
        "roles": [OWNER_ROLE, *conventions.APP_ROLES, *definer_owners],
    }
    findings: list[Finding] = []
    with conn.transaction(force_rollback=True):
        conn.execute(query("catalog_session.sql"))
        citus = extension_installed(conn, "citus")
        parameters = {**parameters, "context_inline": citus}
        for rule in RULES:
            findings += _rule_findings(conn, rule, parameters)
        if citus:
            kept = {name for (name,) in conn.execute(query("citus_set_null_keys.sql"))}
            findings = [f for f in findings if not _citus_design(f, kept)]
    return findings


# On a Citus coordinator the owner and the definer owners must log in: Citus opens its
# connections to the workers as the current role (sql/modules/citus/0008).
CITUS_LOGIN_ROLES = (OWNER_ROLE, *DEFINER_OWNERS)


# A reference table of the citus module (sql/modules/citus/0001): the organizations' slugs
# and domains, written with the organization; no tenant, no bookkeeping columns of its own.
CITUS_HANDLES = "cmms.organization_handles"


def _citus_design(finding: Finding, set_null_keys: set[str]) -> bool:
    """Whether `finding` is what the citus module does on purpose: the owners' LOGIN, a
    foreign key whose ON DELETE SET NULL a trigger does (Citus refuses the clause), the
    handles reference table."""
    if finding.rule == "cmms-roles":
        return finding.object in CITUS_LOGIN_ROLES and finding.message == "can log in (LOGIN)"
    if finding.rule == "fk-on-delete":
        return finding.object in set_null_keys
    return finding.object == CITUS_HANDLES and finding.rule in (
        "audit-columns",
        "updated-at-trigger",
        "audit-trigger",
    )


def _rule_findings(
    conn: psycopg.Connection[Any], rule: Rule, parameters: Mapping[str, Any]
) -> list[Finding]:
    """One rule's violations; only a query with placeholders gets parameters (psycopg then
    parses its percent signs)."""
    if rule.query is None:
        return []
    if rule.extension is not None and not extension_installed(conn, rule.extension):
        return []
    text = query(rule.query)
    used = {name: value for name, value in parameters.items() if f"%({name})s" in text}
    return [
        Finding(rule.id, obj, message)
        for obj, message in conn.execute(text, used or None).fetchall()
    ]
