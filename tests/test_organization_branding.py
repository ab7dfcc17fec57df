"""Organization branding (0097-0099): display name, logo, primary colour and custom domain
are checked columns an organization sets for itself as a cmms_app login; the logo is one of
its own attachments, and a custom domain belongs to one organization."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from psycopg import errors

from tests.rows import make_row, new_org

Conn = psycopg.Connection[Any]
BRAND = "UPDATE cmms.organizations SET {column} = %s WHERE id = %s"


def as_tenant(app: Conn, org: uuid.UUID, statement: str, params: list[Any]) -> int:
    with app.transaction():
        app.execute("SELECT cmms.set_context(%s)", [org])
        return app.execute(statement, params).rowcount


@pytest.fixture
def orgs(admin: Conn) -> dict[str, uuid.UUID]:
    a, b = new_org(admin, "Brand"), new_org(admin, "Other")
    return {
        "A": a,
        "B": b,
        "logo_a": make_row(admin, "attachments", a),
        "logo_b": make_row(admin, "attachments", b),
    }


def test_an_organization_sets_its_own_branding(
    app: Conn, admin: Conn, orgs: dict[str, Any]
) -> None:
    values = {
        "display_name": "Acme Facilities",
        "primary_colour": "#1a2b3c",
        "custom_domain": "maintenance.acme.example",
        "logo_attachment_id": orgs["logo_a"],
    }
    for column, value in values.items():
        assert as_tenant(app, orgs["A"], BRAND.format(column=column), [value, orgs["A"]]) == 1
    row = admin.execute(
        "SELECT display_name, primary_colour, custom_domain, logo_attachment_id"
        " FROM cmms.organizations WHERE id = %s",
        [orgs["A"]],
    ).fetchone()
    assert row == tuple(values.values())
    # Another organization's row is out of reach: nothing updated.
    assert as_tenant(app, orgs["A"], BRAND.format(column="display_name"), ["x", orgs["B"]]) == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("display_name", "   "),
        ("display_name", "x" * 201),
        ("primary_colour", "red"),
        ("primary_colour", "#1A2B3C"),
        ("custom_domain", "Maintenance.Acme.Example"),
        ("custom_domain", "localhost"),
        ("custom_domain", "-bad-.example"),
    ],
)
def test_branding_values_are_checked(
    app: Conn, orgs: dict[str, Any], column: str, value: str
) -> None:
    with pytest.raises(errors.CheckViolation):
        as_tenant(app, orgs["A"], BRAND.format(column=column), [value, orgs["A"]])


def test_the_logo_is_one_of_the_organizations_own_attachments(
    app: Conn, orgs: dict[str, Any]
) -> None:
    with pytest.raises(errors.ForeignKeyViolation):
        as_tenant(
            app, orgs["A"], BRAND.format(column="logo_attachment_id"), [orgs["logo_b"], orgs["A"]]
        )


def test_a_custom_domain_belongs_to_one_organization(app: Conn, orgs: dict[str, Any]) -> None:
    as_tenant(app, orgs["B"], BRAND.format(column="custom_domain"), ["cmms.example.org", orgs["B"]])
    with pytest.raises(errors.UniqueViolation):
        as_tenant(
            app, orgs["A"], BRAND.format(column="custom_domain"), ["cmms.example.org", orgs["A"]]
        )


def test_deleting_the_logo_clears_it_and_deleting_the_organization_works(
    admin: Conn, orgs: dict[str, Any]
) -> None:
    admin.execute(BRAND.format(column="logo_attachment_id"), [orgs["logo_a"], orgs["A"]])
    admin.execute("DELETE FROM cmms.attachments WHERE id = %s", [orgs["logo_a"]])
    (logo,) = admin.execute(
        "SELECT logo_attachment_id FROM cmms.organizations WHERE id = %s", [orgs["A"]]
    ).fetchone() or (None,)
    assert logo is None

    admin.execute(BRAND.format(column="logo_attachment_id"), [orgs["logo_b"], orgs["B"]])
    admin.execute("DELETE FROM cmms.organizations WHERE id = %s", [orgs["B"]])
    assert (
        admin.execute("SELECT 1 FROM cmms.organizations WHERE id = %s", [orgs["B"]]).fetchone()
        is None
    )
