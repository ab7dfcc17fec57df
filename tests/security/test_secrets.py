"""The reporting role reads no credential: a cmms_readonly login, in its own tenant's
context, is refused every password and token hash (column, SELECT *, a row's JSON, a
filter on it), reads every other column and the soft-delete views (which leave credentials
out); the application keeps what it needs to authenticate."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from psycopg import errors

from tests.security.conftest import Conn, World

SECRETS = {"users": "password_hash", "user_sessions": "refresh_token_hash"}
READ_A_SECRET = [
    "SELECT {column} FROM cmms.{table}",
    "SELECT * FROM cmms.{table}",
    "SELECT to_jsonb(t) FROM cmms.{table} AS t",
    "SELECT count(*) FROM cmms.{table} WHERE {column} IS NOT NULL",
]


@pytest.fixture
def readonly(login: Callable[[str], str], world: World) -> Conn:
    conn = psycopg.connect(login("cmms_readonly"))
    conn.execute("SELECT cmms.set_context(%s)", [world.a])
    return conn


@pytest.mark.parametrize("statement", READ_A_SECRET)
@pytest.mark.parametrize("table", sorted(SECRETS))
def test_the_reporting_role_cannot_read_a_credential(
    readonly: Conn, table: str, statement: str
) -> None:
    with readonly, pytest.raises(errors.InsufficientPrivilege):
        readonly.execute(statement.format(table=table, column=SECRETS[table]))


def test_the_reporting_role_reads_the_other_columns(readonly: Conn, world: World) -> None:
    with readonly:
        names = {email for (email,) in readonly.execute("SELECT email FROM cmms.active_users")}
        assert names == {"alice@example.com", "bob@example.com"}
        readonly.execute("SELECT id, user_id, expires_at FROM cmms.user_sessions").fetchall()
        (row,) = readonly.execute("SELECT to_jsonb(u) FROM cmms.active_users AS u LIMIT 1")
        assert "password_hash" not in row[0]


def test_the_application_still_reads_password_hashes(
    login: Callable[[str], str], admin: Conn, world: World
) -> None:
    admin.execute(
        "UPDATE cmms.users SET password_hash = '$argon2id$x' WHERE id = %s", [world.alice]
    )
    with psycopg.connect(login("cmms_app")) as app:
        app.execute("SELECT cmms.set_context(%s)", [world.a])
        row = app.execute("SELECT password_hash FROM cmms.users WHERE id = %s", [world.alice])
        assert row.fetchone() == ("$argon2id$x",)


def test_a_gdpr_export_by_the_reporting_role_holds_no_credential(
    readonly: Conn, admin: Conn, world: World
) -> None:
    admin.execute(
        "UPDATE cmms.users SET password_hash = '$argon2id$x' WHERE id = %s", [world.alice]
    )
    admin.execute(
        "INSERT INTO cmms.user_sessions (organization_id, user_id, refresh_token_hash, expires_at)"
        " VALUES (%s, %s, 'token-hash', now() + interval '1 day')",
        [world.a, world.alice],
    )
    with readonly:
        (export,) = readonly.execute(
            "SELECT cmms.export_user_data(%s)::text", [world.alice]
        ).fetchone() or (None,)
    assert export is not None
    assert "argon2id" not in export
    assert "token-hash" not in export
    assert '"has_password": null' in export
    assert '"user_sessions"' in export
