"""Where the SQL, templates and seeds shipped with cmmsdb live.

In a wheel they are package data (cmmsdb/sql, ...); in a source checkout or an editable
install they are the top-level folders of the repository.
"""

from __future__ import annotations

import re
import site
import sysconfig
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """The shipped folder `name` ("sql", "templates" or "seeds")."""
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def default_migrations_dir() -> Path:
    """The migrations that define the CMMS schema."""
    return shipped("sql") / "migrations"


def migrations_folder(folder: Path | str | None) -> Path:
    """The folder a command was given, else the shipped migrations."""
    return Path(folder) if folder else default_migrations_dir()


def installed_locations() -> list[Path]:
    """Folders that belong to installed packages: every site-packages (or dist-packages)
    folder, and cmmsdb's own folder when it runs from a wheel (its sql/ is package data)."""
    found = [sysconfig.get_path("purelib"), sysconfig.get_path("platlib"), *site.getsitepackages()]
    if site.ENABLE_USER_SITE:
        found.append(site.getusersitepackages())
    locations = [Path(p) for p in found if p]
    if (_PACKAGE / "sql").is_dir():
        locations.append(_PACKAGE)
    return locations


def inside_installed(path: Path, locations: list[Path] | None = None) -> bool:
    """Whether `path` (existing or not) lies inside one of `locations` (default: the
    installed_locations of this interpreter)."""
    resolved = path.expanduser().resolve()
    for location in installed_locations() if locations is None else locations:
        if resolved.is_relative_to(location.expanduser().resolve()):
            return True
    return False


def query(name: str) -> str:
    """The text of a query kept as package data in cmmsdb/queries/ (trusted, not user input)."""
    return (_PACKAGE / "queries" / name).read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """The statements of a query file that holds several, split at each `;` that ends a
    line (one at a time: the extended query protocol takes one statement per call)."""
    found = []
    for chunk in re.split(r";\s*$", query(name), flags=re.MULTILINE):
        code = [line for line in chunk.splitlines() if line.strip() and not line.startswith("--")]
        if code:
            found.append(chunk.strip())
    return found
