"""The extensibility tables (tags, custom fields, plugins, rules, translations, metrics
cache, attachments, notifications): their constraints refuse what they must and accept
what they must, on real inserts."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.conninfo import make_conninfo
from psycopg.types.json import Jsonb

from tests.rows import insert, make_row, new_org

Conn = psycopg.Connection[Any]


@pytest.fixture
def org(admin: Conn) -> uuid.UUID:
    return new_org(admin)


def soft_delete(admin: Conn, table: str, row_id: uuid.UUID) -> None:
    admin.execute(
        sql.SQL("UPDATE cmms.{} SET deleted_at = now() WHERE id = %s").format(
            sql.Identifier(table)
        ),
        [row_id],
    )


def count(admin: Conn, table: str, **where: Any) -> int:
    condition = sql.SQL(" AND ").join(
        sql.SQL("{} IS NOT DISTINCT FROM %s").format(sql.Identifier(c)) for c in where
    )
    row = admin.execute(
        sql.SQL("SELECT count(*) FROM cmms.{} WHERE {}").format(sql.Identifier(table), condition),
        list(where.values()),
    ).fetchone()
    assert row is not None
    return int(row[0])


# --- tags -----------------------------------------------------------------------------------


def test_tag_names_are_unique_case_insensitively_among_an_organizations_live_tags(
    admin: Conn, org: uuid.UUID
) -> None:
    first = insert(admin, "tags", {"organization_id": org, "name": "Urgent"})
    insert(admin, "tags", {"organization_id": new_org(admin), "name": "urgent"})
    with pytest.raises(errors.UniqueViolation):
        insert(admin, "tags", {"organization_id": org, "name": "URGENT"})
    soft_delete(admin, "tags", first)
    insert(admin, "tags", {"organization_id": org, "name": "urgent"})


@pytest.mark.parametrize(
    ("color", "accepted"),
    [(None, True), ("#1a2b3c", True), ("#FFAA00", True), ("red", False), ("#12345", False)],
)
def test_tag_colors_are_rrggbb(admin: Conn, org: uuid.UUID, color: str, accepted: bool) -> None:
    values = {"organization_id": org, "name": "Tag", "color": color}
    if accepted:
        insert(admin, "tags", values)
    else:
        with pytest.raises(errors.CheckViolation):
            insert(admin, "tags", values)


def test_a_tag_is_on_a_record_once_and_leaves_every_record_when_deleted(
    admin: Conn, org: uuid.UUID
) -> None:
    tag = make_row(admin, "tags", org)
    asset = uuid.uuid4()
    tagging = {"organization_id": org, "tag_id": tag, "entity_type": "asset", "entity_id": asset}
    insert(admin, "entity_tags", tagging)
    insert(admin, "entity_tags", {**tagging, "entity_type": "part"})
    with pytest.raises(errors.UniqueViolation):
        insert(admin, "entity_tags", tagging)
    with pytest.raises(errors.CheckViolation):
        insert(admin, "entity_tags", {**tagging, "entity_type": "spaceship"})
    admin.execute("DELETE FROM cmms.tags WHERE id = %s", [tag])
    assert count(admin, "entity_tags", tag_id=tag) == 0


def test_a_tag_of_another_organization_cannot_be_used(admin: Conn, org: uuid.UUID) -> None:
    foreign_tag = make_row(admin, "tags", new_org(admin))
    with pytest.raises(errors.ForeignKeyViolation):
        insert(
            admin,
            "entity_tags",
            {
                "organization_id": org,
                "tag_id": foreign_tag,
                "entity_type": "asset",
                "entity_id": uuid.uuid4(),
            },
        )


# --- custom fields ----------------------------------------------------------------------------


def field(org: uuid.UUID, **values: Any) -> dict[str, Any]:
    return {"organization_id": org, "entity_type": "asset", "key": "serial", "label": "Serial"} | (
        values
    )


@pytest.mark.parametrize(
    ("field_type", "options", "accepted"),
    [
        ("text", None, True),
        ("number", None, True),
        ("select", ["low", "high"], True),
        ("multiselect", [{"value": "a", "label": "A"}], True),
        ("select", None, False),
        ("select", [], False),
        ("multiselect", {"a": "A"}, False),
        ("text", ["a"], False),
        ("boolean", [], False),
        ("colour", None, False),
    ],
)
def test_only_select_fields_have_options_and_they_have_some(
    admin: Conn, org: uuid.UUID, field_type: str, options: Any, accepted: bool
) -> None:
    values = field(org, field_type=field_type, options=None if options is None else Jsonb(options))
    if accepted:
        insert(admin, "custom_fields", values)
    else:
        with pytest.raises(errors.CheckViolation):
            insert(admin, "custom_fields", values)


@pytest.mark.parametrize("key", ["Serial", "1st", "_x", "serial number", "a" * 64, ""])
def test_field_keys_are_lower_snake_case_identifiers(admin: Conn, org: uuid.UUID, key: str) -> None:
    insert(admin, "custom_fields", field(org, key="a" * 63))
    with pytest.raises(errors.CheckViolation):
        insert(admin, "custom_fields", field(org, key=key))


def test_field_keys_are_unique_per_entity_type_among_live_fields(
    admin: Conn, org: uuid.UUID
) -> None:
    first = insert(admin, "custom_fields", field(org))
    insert(admin, "custom_fields", field(org, entity_type="part"))
    insert(admin, "custom_fields", field(new_org(admin)))
    with pytest.raises(errors.UniqueViolation):
        insert(admin, "custom_fields", field(org, label="Other label"))
    soft_delete(admin, "custom_fields", first)
    insert(admin, "custom_fields", field(org))


def test_a_record_has_one_value_per_field_deleted_with_the_field(
    admin: Conn, org: uuid.UUID
) -> None:
    custom_field = insert(admin, "custom_fields", field(org))
    record, other = make_row(admin, "assets", org), make_row(admin, "assets", org)
    value = {"organization_id": org, "custom_field_id": custom_field, "entity_id": record}
    insert(admin, "custom_field_values", value | {"value": Jsonb("SN-1")})
    insert(admin, "custom_field_values", value | {"entity_id": other, "value": Jsonb("SN-9")})
    with pytest.raises(errors.UniqueViolation):
        insert(admin, "custom_field_values", value | {"value": Jsonb("SN-2")})
    with pytest.raises(errors.NotNullViolation):
        insert(admin, "custom_field_values", value | {"entity_id": uuid.uuid4(), "value": None})
    admin.execute("DELETE FROM cmms.custom_fields WHERE id = %s", [custom_field])
    assert count(admin, "custom_field_values", custom_field_id=custom_field) == 0


# --- plugins and rules --------------------------------------------------------------------------


def test_plugin_names_are_unique_and_their_config_is_an_object(admin: Conn, org: uuid.UUID) -> None:
    plugin = {"organization_id": org, "name": "slack", "version": "1.2.0"}
    insert(admin, "plugins", plugin)
    (enabled, config) = admin.execute(
        "SELECT enabled, config FROM cmms.plugins WHERE organization_id = %s", [org]
    ).fetchone() or (None, None)
    assert (enabled, config) == (True, {})
    with pytest.raises(errors.UniqueViolation):
        insert(admin, "plugins", plugin)
    with pytest.raises(errors.CheckViolation):
        insert(admin, "plugins", plugin | {"name": "teams", "config": Jsonb(["token"])})


@pytest.mark.parametrize(
    ("change", "accepted"),
    [
        ({}, True),
        ({"condition": Jsonb({"priority": "high"}), "position": 2}, True),
        ({"event": "work_order.deleted"}, False),
        ({"action_type": "send_sms"}, False),
        ({"condition": Jsonb([])}, False),
        ({"action_params": Jsonb("urgent")}, False),
    ],
)
def test_rules_name_a_known_event_and_action_with_object_arguments(
    admin: Conn, org: uuid.UUID, change: dict[str, Any], accepted: bool
) -> None:
    rule = {
        "organization_id": org,
        "name": "Escalate",
        "event": "work_order.overdue",
        "action_type": "set_priority",
        "action_params": Jsonb({"priority": "urgent"}),
    } | change
    if accepted:
        insert(admin, "rules_engine", rule)
    else:
        with pytest.raises(errors.CheckViolation):
            insert(admin, "rules_engine", rule)


# --- translations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "accepted"),
    [
        ("en", True),
        ("pt-BR", True),
        ("fil", True),
        ("EN", False),
        ("en_US", False),
        ("en-us", False),
    ],
)
def test_locales_are_language_and_optional_region(
    admin: Conn, org: uuid.UUID, locale: str, accepted: bool
) -> None:
    default = {"key": "wo.open", "locale": locale, "text": "Open"}
    override = default | {"organization_id": org}
    if accepted:
        insert(admin, "i18n_strings", default)
        insert(admin, "i18n_overrides", override)
    else:
        for table, values in (("i18n_strings", default), ("i18n_overrides", override)):
            with pytest.raises(errors.CheckViolation):
                insert(admin, table, values)


def test_one_live_default_per_key_and_locale_and_one_override_per_organization(
    admin: Conn, org: uuid.UUID
) -> None:
    default = {"key": "wo.open", "locale": "fr", "text": "Ouvert"}
    first = insert(admin, "i18n_strings", default)
    insert(admin, "i18n_strings", default | {"locale": "en", "text": "Open"})
    with pytest.raises(errors.UniqueViolation):
        insert(admin, "i18n_strings", default)
    soft_delete(admin, "i18n_strings", first)
    insert(admin, "i18n_strings", default)

    override = default | {"organization_id": org, "text": "En cours"}
    insert(admin, "i18n_overrides", override)
    insert(admin, "i18n_overrides", override | {"organization_id": new_org(admin)})
    with pytest.raises(errors.UniqueViolation):
        insert(admin, "i18n_overrides", override)


@pytest.fixture
def app(migrated_db: str, admin: Conn) -> Iterator[Conn]:
    """A login role that is a member of cmms_app (roles are cluster-wide: dropped after)."""
    role = f"cmms_test_app_{uuid.uuid4().hex[:8]}"
    admin.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE cmms_app").format(sql.Identifier(role)))
    with psycopg.connect(make_conninfo(migrated_db, user=role), autocommit=True) as app_conn:
        yield app_conn
    admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_the_application_reads_the_global_strings_without_context_but_cannot_write_them(
    admin: Conn, app: Conn
) -> None:
    insert(admin, "i18n_strings", {"key": "wo.open", "locale": "en", "text": "Open"})
    for relation in ("i18n_strings", "active_i18n_strings"):
        seen = app.execute(sql.SQL("SELECT text FROM cmms.{}").format(sql.Identifier(relation)))
        assert seen.fetchall() == [("Open",)]
    for statement in (
        "INSERT INTO cmms.i18n_strings (key, locale, text) VALUES ('x', 'en', 'X')",
        "UPDATE cmms.i18n_strings SET text = 'Hacked'",
        "DELETE FROM cmms.i18n_strings",
    ):
        with pytest.raises(errors.InsufficientPrivilege):
            app.execute(statement)


# --- dashboard metrics cache --------------------------------------------------------------------


UPSERT = """
    INSERT INTO cmms.dashboard_metrics_cache
        (organization_id, metric, dimensions, value, computed_at)
    VALUES (%s, %s, %s, %s, now())
    ON CONFLICT (organization_id, metric, dimensions)
    DO UPDATE SET value = excluded.value, computed_at = excluded.computed_at
"""


def test_metrics_are_upserted_per_metric_and_dimensions(admin: Conn, org: uuid.UUID) -> None:
    high = Jsonb({"status": "open", "priority": "high"})
    admin.execute(UPSERT, [org, "open_work_orders", high, 3])
    admin.execute(UPSERT, [org, "open_work_orders", Jsonb({}), 10])
    admin.execute(
        UPSERT, [org, "open_work_orders", Jsonb({"priority": "high", "status": "open"}), 4]
    )
    cached = admin.execute(
        "SELECT dimensions, value FROM cmms.dashboard_metrics_cache WHERE organization_id = %s"
        " ORDER BY value",
        [org],
    ).fetchall()
    assert cached == [({"status": "open", "priority": "high"}, 4), ({}, 10)]
    with pytest.raises(errors.CheckViolation):
        admin.execute(UPSERT, [org, "happiness", Jsonb({}), 1])
    with pytest.raises(errors.CheckViolation):
        admin.execute(UPSERT, [org, "open_work_orders", Jsonb(["open"]), 1])


# --- attachments --------------------------------------------------------------------------------


def attachment(org: uuid.UUID, **values: Any) -> dict[str, Any]:
    return {
        "organization_id": org,
        "storage_backend": "s3",
        "storage_key": f"orgs/{org}/{uuid.uuid4()}.pdf",
        "file_name": "manual.pdf",
        "content_type": "application/pdf",
        "size_bytes": 1024,
        "checksum_sha256": hashlib.sha256(b"manual").hexdigest(),
        "entity_type": "asset",
        "entity_id": uuid.uuid4(),
    } | values


@pytest.mark.parametrize(
    "change",
    [
        {"storage_backend": "dropbox"},
        {"content_type": "pdf"},
        {"content_type": "Image/JPEG"},
        {"content_type": "text/plain; charset=utf-8"},
        {"size_bytes": -1},
        {"checksum_sha256": "ABC"},
        {"checksum_sha256": hashlib.sha256(b"x").hexdigest().upper()},
        {"entity_type": "invoice"},
        {"file_name": " "},
    ],
)
def test_attachments_refuse_malformed_metadata(
    admin: Conn, org: uuid.UUID, change: dict[str, Any]
) -> None:
    insert(admin, "attachments", attachment(org))
    insert(
        admin,
        "attachments",
        attachment(org, content_type="application/vnd.ms-excel", checksum_sha256=None),
    )
    with pytest.raises(errors.CheckViolation):
        insert(admin, "attachments", attachment(org, **change))


def test_a_stored_file_is_attached_once_and_outlives_its_uploader(
    admin: Conn, org: uuid.UUID
) -> None:
    uploader = make_row(admin, "users", org)
    first = insert(
        admin, "attachments", attachment(org, storage_key="a/b.pdf", uploaded_by_user_id=uploader)
    )
    insert(admin, "attachments", attachment(org, storage_key="a/b.pdf", storage_backend="local"))
    with pytest.raises(errors.UniqueViolation):
        insert(admin, "attachments", attachment(org, storage_key="a/b.pdf"))

    admin.execute("DELETE FROM cmms.users WHERE id = %s", [uploader])
    assert count(admin, "attachments", id=first, uploaded_by_user_id=None) == 1


# --- notifications ------------------------------------------------------------------------------


def test_notifications_are_about_a_whole_record_or_none_and_go_with_their_user(
    admin: Conn, org: uuid.UUID
) -> None:
    user = make_row(admin, "users", org)
    note = {"organization_id": org, "user_id": user, "notification_type": "pm_due", "title": "PM"}
    about = insert(
        admin, "notifications", note | {"entity_type": "pm_schedule", "entity_id": uuid.uuid4()}
    )
    insert(admin, "notifications", note)
    assert count(admin, "notifications", id=about, channel="in_app", read_at=None) == 1
    for half in ({"entity_type": "asset"}, {"entity_id": uuid.uuid4()}):
        with pytest.raises(errors.CheckViolation):
            insert(admin, "notifications", note | half)
    with pytest.raises(errors.CheckViolation):
        insert(admin, "notifications", note | {"channel": "sms"})

    admin.execute("DELETE FROM cmms.users WHERE id = %s", [user])
    assert count(admin, "notifications", user_id=user) == 0
