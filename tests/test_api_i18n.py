"""cmms.t(key, locale) (0083): the organization's override, else the global default of the
locale, then of its language, then English; NULL when nothing has the key."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from psycopg import errors

from tests.rows import new_org

Conn = psycopg.Connection[Any]


@pytest.fixture
def i18n_orgs(admin: Conn) -> dict[str, uuid.UUID]:
    a, b = new_org(admin, "Alpha"), new_org(admin, "Beta")
    for key, locale, text in [
        ("wo.open", "en", "Open"),
        ("wo.open", "fr", "Ouvert"),
        ("wo.open", "fr-CA", "Ouvert (CA)"),
        ("wo.closed", "en", "Closed"),
        ("wo.closed", "fr", "Fermé"),
        ("wo.hold", "en", "On hold"),
    ]:
        admin.execute(
            "INSERT INTO cmms.i18n_strings (key, locale, text) VALUES (%s, %s, %s)",
            [scoped(a, key), locale, text],
        )
    for org, key, locale, text in [
        (a, "wo.open", "fr", "À faire"),
        (a, "wo.hold", "en", "Paused"),
        (b, "wo.closed", "fr", "Terminé (B)"),
    ]:
        admin.execute(
            "INSERT INTO cmms.i18n_overrides (organization_id, key, locale, text)"
            " VALUES (%s, %s, %s, %s)",
            [org, scoped(a, key), locale, text],
        )
    return {"A": a, "B": b}


def scoped(a: uuid.UUID, key: str | None) -> str | None:
    """The test's own key: the global strings are rows every test on a database shares
    (on a cluster, every test of the session), so each test's keys start with its first
    organization's id. An empty key stays as it is."""
    return f"{a.hex}.{key}" if key and key.strip() else key


def t(app: Conn, org: uuid.UUID | None, key: str | None, locale: str | None) -> str | None:
    with app.transaction():
        if org is not None:
            app.execute("SELECT cmms.set_context(%s)", [org])
        row = app.execute("SELECT cmms.t(%s, %s)", [key, locale]).fetchone()
    assert row
    return row[0]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("key", "locale", "alpha", "beta"),
    [
        ("wo.open", "fr", "À faire", "Ouvert"),  # override, else default
        ("wo.open", "fr-CA", "Ouvert (CA)", "Ouvert (CA)"),  # the exact locale comes first
        ("wo.open", "fr-BE", "À faire", "Ouvert"),  # then its language
        ("wo.closed", "fr", "Fermé", "Terminé (B)"),
        ("wo.closed", "de", "Closed", "Closed"),  # then English
        ("wo.hold", "de", "Paused", "On hold"),  # an English override too
        ("wo.unknown", "fr", None, None),
    ],
)
def test_t_prefers_override_then_locale_then_language_then_english(
    app: Conn, i18n_orgs: dict[str, uuid.UUID], key: str, locale: str, alpha: str, beta: str
) -> None:
    scoped_key = scoped(i18n_orgs["A"], key)
    assert t(app, i18n_orgs["A"], scoped_key, locale) == alpha
    assert t(app, i18n_orgs["B"], scoped_key, locale) == beta


def test_t_without_context_uses_no_override(app: Conn, i18n_orgs: dict[str, uuid.UUID]) -> None:
    assert t(app, None, scoped(i18n_orgs["A"], "wo.open"), "fr") == "Ouvert"


def test_t_ignores_deleted_overrides(
    admin: Conn, app: Conn, i18n_orgs: dict[str, uuid.UUID]
) -> None:
    admin.execute(
        "UPDATE cmms.i18n_overrides SET deleted_at = now()"
        " WHERE organization_id = %s AND text = 'À faire'",
        [i18n_orgs["A"]],
    )
    assert t(app, i18n_orgs["A"], scoped(i18n_orgs["A"], "wo.open"), "fr") == "Ouvert"


@pytest.mark.parametrize(
    ("key", "locale", "message"),
    [
        (None, "en", "key"),
        (" ", "en", "key"),
        ("wo.open", None, "locale"),
        ("wo.open", "FR", "locale"),
        ("wo.open", "fr_CA", "locale"),
    ],
)
def test_t_refuses_an_empty_key_or_a_malformed_locale(
    app: Conn, i18n_orgs: dict[str, uuid.UUID], key: str | None, locale: str | None, message: str
) -> None:
    with pytest.raises(errors.InvalidParameterValue, match=message):
        t(app, i18n_orgs["A"], scoped(i18n_orgs["A"], key), locale)
