"""The project around the current folder: its configuration file and where its migrations go.

The configuration is `[tool.cmmsdb]` in pyproject.toml, or a cmmsdb.toml (whose keys are at
the top level), the nearest one found from the current folder upwards (a pyproject.toml
without `[tool.cmmsdb]` is passed over; in one folder cmmsdb.toml wins). Its keys are the
long names of the commands' common options; each command takes its defaults from it, so the
precedence is: command-line flag, then environment variable, then the file, then the
built-in default. Relative paths in the file are relative to the file's folder.

The project is the nearest folder, from the current one upwards, that holds a pyproject.toml,
a cmmsdb.toml or a sql/migrations folder: `cmmsdb new` writes into its sql/migrations and
`cmmsdb snapshot` beside it. Neither ever writes into an installed package.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cmmsdb.errors import ConfigurationError
from cmmsdb.resources import inside_installed

CONFIG_FILE = "cmmsdb.toml"
PYPROJECT = "pyproject.toml"
MIGRATIONS = Path("sql") / "migrations"
DSN_VARIABLES = ("CMMSDB_DSN", "DATABASE_URL")

# Key in the file -> (parameter of the commands, what its value must be).
KEYS: dict[str, tuple[str, str]] = {
    "dsn": ("dsn", "text"),
    "migrations": ("migrations", "path"),
    "modules": ("modules", "list"),
    "lock-timeout": ("lock_timeout", "number"),
    "lock-retries": ("lock_retries", "count"),
    "connect-timeout": ("connect_timeout", "number"),
    "wait": ("wait", "number"),
    "scratch-dsn": ("scratch_dsn", "text"),
}
_KINDS = {
    "text": "a string",
    "path": "a string (a folder, relative to the file)",
    "list": "a list of strings",
    "number": "a number of seconds, 0 or more",
    "count": "a whole number, 0 or more",
}


@dataclass(frozen=True)
class Config:
    """The settings of a configuration file (`path`), by parameter name; none without a file."""

    path: Path | None = None
    values: dict[str, Any] = field(default_factory=dict, repr=False)  # may hold a password

    @property
    def source(self) -> str:
        """The file, as messages name it."""
        if self.path is not None and self.path.name == PYPROJECT:
            return f"{self.path} [tool.cmmsdb]"
        return str(self.path)

    def defaults(self, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The commands' defaults from the file. The file's dsn gives way to CMMSDB_DSN and
        DATABASE_URL (the other options' variables are read by the command line itself)."""
        environ = os.environ if environ is None else environ
        values = dict(self.values)
        if any(environ.get(name) for name in DSN_VARIABLES):
            values.pop("dsn", None)
        return values


def find(start: Path | None = None) -> Path | None:
    """The nearest cmmsdb.toml, or pyproject.toml with [tool.cmmsdb], from `start` upwards."""
    for folder in _upwards(start):
        if (folder / CONFIG_FILE).is_file():
            return folder / CONFIG_FILE
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and "cmmsdb" in _read(pyproject).get("tool", {}):
            return pyproject
    return None


def load(start: Path | None = None) -> Config:
    """The configuration found from `start` (default: the current folder) upwards."""
    path = find(start)
    if path is None:
        return Config()
    document = _read(path)
    table = document["tool"]["cmmsdb"] if path.name == PYPROJECT else document
    where = Config(path).source
    if not isinstance(table, dict):
        raise ConfigurationError(f"{where} is not a table", "write [tool.cmmsdb] and its keys")
    values = {}
    for key, value in table.items():
        name = key.replace("_", "-")
        if name not in KEYS:
            raise ConfigurationError(
                f"{where}: unknown key {key!r}", f"the keys are: {', '.join(KEYS)}"
            )
        parameter, kind = KEYS[name]
        values[parameter] = _value(value, kind, path.parent, f"{where}: {key}")
    return Config(path, values)


def find_project(start: Path | None = None) -> Path | None:
    """The project folder: the nearest one from `start` upwards with a pyproject.toml, a
    cmmsdb.toml or a sql/migrations folder."""
    for folder in _upwards(start):
        if (
            (folder / PYPROJECT).is_file()
            or (folder / CONFIG_FILE).is_file()
            or (folder / MIGRATIONS).is_dir()
        ):
            return folder
    return None


def migrations_to_write(
    given: Path | None,
    *,
    start: Path | None = None,
    installed: list[Path] | None = None,
) -> Path:
    """The folder `cmmsdb new` writes into: `given` (--migrations, CMMSDB_MIGRATIONS or the
    file), else sql/migrations of the project around `start`; never an installed package."""
    folder = given if given is not None else _project_migrations(start, "--migrations DIR")
    refuse_installed(folder, "--migrations DIR", installed)
    return folder


def snapshot_paths(
    migrations: Path | None,
    output: Path | None,
    *,
    check: bool,
    start: Path | None = None,
    installed: list[Path] | None = None,
) -> tuple[Path, Path]:
    """The migrations folder `cmmsdb snapshot` builds and the file it writes (or, with
    `check`, compares). Default folder: the sql/migrations of the project around `start` if
    it has one, else the shipped migrations; default file: schema.json beside the folder.
    A file inside an installed package is refused (pass --output)."""
    from cmmsdb.resources import default_migrations_dir
    from cmmsdb.schema_drift import snapshot_path

    folder = migrations
    if folder is None:
        project = find_project(start)
        own = project / MIGRATIONS if project is not None else None
        folder = own if own is not None and own.is_dir() else default_migrations_dir()
    target = output if output is not None else snapshot_path(folder)
    if not check:
        refuse_installed(target, "--output FILE", installed)
    return folder, target


def refuse_installed(path: Path, option: str, installed: list[Path] | None = None) -> None:
    """Refuse to write `path` when it lies inside an installed package (site-packages, or
    the folder of an installed cmmsdb): the next install would wipe what was written."""
    if inside_installed(path, installed):
        raise ConfigurationError(
            f"{path} is inside an installed package: cmmsdb never writes there",
            f"run it in your project's folder, or pass {option}",
        )


def _project_migrations(start: Path | None, option: str) -> Path:
    project = find_project(start)
    if project is None:
        where = (start or Path.cwd()).resolve()
        raise ConfigurationError(
            f"no project in {where} or above (no pyproject.toml, cmmsdb.toml or sql/migrations)",
            f"run it in your project's folder, or pass {option}",
        )
    return project / MIGRATIONS


def _upwards(start: Path | None) -> list[Path]:
    folder = (start or Path.cwd()).resolve()
    return [folder, *folder.parents]


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}", "fix the file") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from None


def _value(value: Any, kind: str, base: Path, what: str) -> Any:
    """`value` checked against `kind`; the message never repeats a value (it may be a DSN)."""
    number = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
    ok = {
        "text": isinstance(value, str) and bool(value.strip()),
        "path": isinstance(value, str) and bool(value.strip()),
        "list": isinstance(value, list) and all(isinstance(v, str) and v for v in value),
        "number": number,
        "count": number and isinstance(value, int),
    }[kind]
    if not ok:
        raise ConfigurationError(f"{what} must be {_KINDS[kind]}", "fix the file")
    if kind == "path":
        return base / Path(value).expanduser()
    return value
