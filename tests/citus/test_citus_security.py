"""Attacks on the cluster's row-level security, as a real cmms_app login (not a superuser):
Citus 13.2.2 creates a shard's policies from the coordinator's without AS RESTRICTIVE, so a
restrictive policy would become permissive on the workers, where the rows are, and widen
what everyone reads (sql/modules/citus/0014)."""

from __future__ import annotations

import psycopg
import pytest

from tests.test_api_notifications import mark, send_to_organization, send_to_team
from tests.test_api_rules import team_of
from tests.test_api_work_orders import Tenant, a, act, b, one

Conn = psycopg.Connection
__all__ = ["a", "b"]  # fixtures of test_api_work_orders


def test_a_tenant_reads_no_other_tenants_notifications(app: Conn, a: Tenant, b: Tenant) -> None:
    send_to_organization(app, a, "Alpha's plant shuts down at 6")
    act(app, b)
    assert (
        one(app, "SELECT count(*) FROM cmms.notifications WHERE organization_id <> %s", [b.org])
        == 0
    )
    app.rollback()


def test_a_user_reads_no_other_users_read_marks_nor_other_teams_notifications(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    notice = send_to_organization(app, a, "Fire drill")
    assert mark(app, a, a.actor, notice) == 1
    crew = send_to_team(app, a, team_of(admin, a, a.actor), "Crew only")
    act(app, a, a.tech)
    assert one(app, "SELECT count(*) FROM cmms.notification_reads") == 0
    assert one(app, "SELECT count(*) FROM cmms.notifications WHERE id = %s", [crew]) == 0
    app.rollback()


def test_no_shard_has_a_permissive_copy_of_a_restrictive_policy(admin: Conn) -> None:
    """Every policy of every shard, on every worker, has the coordinator's kind."""
    coordinator = admin.execute(
        "SELECT count(*) FROM pg_policies p JOIN citus_tables t"
        " ON t.table_name = format('%I.%I', p.schemaname, p.tablename)::regclass"
        " WHERE p.permissive = 'RESTRICTIVE'"
    ).fetchone()
    assert coordinator == (0,)
    on_workers = admin.execute(
        "SELECT result FROM run_command_on_workers($$SELECT count(*) FROM pg_policies"
        " WHERE schemaname = 'cmms' AND policyname ~ '_(own|team)_'$$)"
    ).fetchall()
    assert on_workers == [("0",), ("0",)]


def test_a_revoked_function_cannot_be_pushed_down_to_a_worker(
    admin: Conn, app: Conn, a: Tenant
) -> None:
    """EXECUTE on erase_audit_values is cmms_owner's only: called inside a router query it
    runs on the tenant's worker, which must refuse it too (the audit trail stays intact)."""
    act(app, a)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute(
            "SELECT cmms.erase_audit_values('organizations', ARRAY[o.id], ARRAY['name'])"
            " FROM cmms.organizations AS o WHERE o.id = %s",
            [a.org],
        )
    app.rollback()
    erased = admin.execute(
        "SELECT count(*) FROM cmms.activity_logs WHERE organization_id = %s"
        " AND new_values ->> 'name' = '[erased]'",
        [a.org],
    ).fetchone()
    assert erased == (0,)


def test_every_function_and_view_has_the_coordinators_privileges_on_every_worker(
    admin: Conn,
) -> None:
    query = (
        "SELECT (SELECT md5(string_agg(format('%s %s', c.oid::regclass, c.relacl), ';'"
        " ORDER BY c.oid::regclass::text)) FROM pg_class c"
        " WHERE c.relnamespace = 'cmms'::regnamespace AND c.relkind = 'v')"
        " || (SELECT md5(string_agg(format('%s %s', p.oid::regprocedure, p.proacl), ';'"
        " ORDER BY p.oid::regprocedure::text)) FROM pg_proc p"
        " WHERE p.pronamespace = 'cmms'::regnamespace)"
    )
    row = admin.execute(query).fetchone()
    assert row
    on_workers = admin.execute("SELECT result FROM run_command_on_workers(%s)", [query]).fetchall()
    assert on_workers == [(row[0],), (row[0],)]
