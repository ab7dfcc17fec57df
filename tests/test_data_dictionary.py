"""cmmsdb docs: the data dictionary documents every table and column, and the committed
docs/schema.md is what a freshly migrated database produces."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from cmmsdb import catalog
from cmmsdb.data_dictionary import render_markdown
from tests.conftest import ROOT

SCHEMA_MD = ROOT / "docs" / "schema.md"


def _snapshot(dsn: str) -> dict[str, Any]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return catalog.snapshot(conn)


def test_documents_every_table_column_and_comment(migrated_db: str) -> None:
    snapshot = _snapshot(migrated_db)
    text = render_markdown(snapshot)
    tables = {
        name: table
        for name, table in snapshot["tables"].items()
        if name.startswith("cmms.") and not table["parent"]
    }
    assert "cmms.users" in tables
    for name, table in tables.items():
        section = text.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]
        if table["comment"]:
            assert " ".join(table["comment"].split()) in section
        for column, info in table["columns"].items():
            assert f"| {column} | `{info['type']}` |" in section
            if info["comment"]:
                assert " ".join(info["comment"].split()).replace("|", "\\|") in section
    partitions = [name for name, table in snapshot["tables"].items() if table["parent"]]
    assert partitions
    assert not any(f"### {name}\n" in text for name in partitions)
    assert "cmms_archive" not in text


def test_diagram_has_the_foreign_key_relationships(migrated_db: str) -> None:
    text = render_markdown(_snapshot(migrated_db))
    diagram = text.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert diagram.startswith("erDiagram\n")
    assert "    users {\n" in diagram
    assert "        uuid organization_id PK,FK\n" in diagram
    assert 'organizations ||--o{ users : "users_organization_id_fkey"' in diagram


def test_render_is_deterministic(migrated_db: str) -> None:
    assert render_markdown(_snapshot(migrated_db)) == render_markdown(_snapshot(migrated_db))


def test_committed_schema_md_is_current(migrated_db: str) -> None:
    expected = render_markdown(_snapshot(migrated_db))
    assert SCHEMA_MD.read_text(encoding="utf-8") == expected, (
        "docs/schema.md is out of date: run `cmmsdb docs` against a freshly migrated database"
    )


def test_cli_writes_and_checks(cli: Any, migrated_db: str, tmp_path: Path) -> None:
    output = tmp_path / "out" / "schema.md"
    written = cli("docs", "--dsn", migrated_db, "--output", str(output))
    assert written.exit_code == 0, written.stderr
    assert written.stdout.strip() == str(output)
    assert output.read_text(encoding="utf-8") == SCHEMA_MD.read_text(encoding="utf-8")

    current = cli("docs", "--dsn", migrated_db, "--output", str(output), "--check")
    assert current.exit_code == 0, current.stderr
    assert current.stdout == f"{output} is current\n"

    output.write_text(output.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    stale = cli("docs", "--dsn", migrated_db, "--output", str(output), "--check")
    assert stale.exit_code == 1
    assert "not current" in stale.stderr
    assert output.read_text(encoding="utf-8").endswith("edited\n")


def test_cli_check_on_the_committed_file(cli: Any, migrated_db: str) -> None:
    done = cli("docs", "--dsn", migrated_db, "--output", str(SCHEMA_MD), "--check")
    assert done.exit_code == 0, done.stderr


def test_cli_refuses_a_database_without_schema_cmms(
    cli: Any, empty_db: str, tmp_path: Path
) -> None:
    output = tmp_path / "schema.md"

    run = cli("docs", "--dsn", empty_db, "--output", str(output))

    assert run.exit_code == 2
    assert "has no schema cmms: there is nothing to document" in run.stderr
    assert "cmmsdb migrate" in run.stderr
    assert run.stdout == ""
    assert not output.exists()
