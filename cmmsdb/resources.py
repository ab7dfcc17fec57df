"""Where the SQL, templates and seeds shipped with cmmsdb live.

In a wheel they are package data (cmmsdb/sql, ...); in a source checkout or an editable
install they are the top-level folders of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """The shipped folder `name` ("sql", "templates" or "seeds")."""
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def default_migrations_dir() -> Path:
    """The migrations that define the CMMS schema."""
    return shipped("sql") / "migrations"


def query(name: str) -> str:
    """The text of a query kept as package data in cmmsdb/queries/ (trusted, not user input)."""
    return (_PACKAGE / "queries" / name).read_text(encoding="utf-8")
