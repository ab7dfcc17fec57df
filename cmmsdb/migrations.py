"""The migrations on disk: which there are, in what order, what they say, and their checksums.

The file format is yoyo-migrations' own (NNNN.verb-object.sql beside
NNNN.verb-object.rollback.sql, `-- depends:` and `-- transactional: false` directives in the
leading comments, read by yoyo's own parser), so the same folder can be applied with yoyo
or psql. Statements are split by PostgreSQL's scanner (pglast), which yields the same
statements as yoyo's sqlparse-based splitter 60 times faster; cmmsdb keeps the line where
each starts, to point errors at it.

cmmsdb adds one directive, `-- requires-extension: NAME [NAME...]`: yoyo keeps a directive
it does not know as a leading comment, so cmmsdb reads it from there and yoyo ignores it.

Optional modules are folders beside the migrations folder, `<folder>/../modules/<name>/`,
in the same format. Their migrations' ids are `<name>/<file stem>`, so they never collide
with the main folder's in the ledger; a module is enabled once the ledger records one of them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cmmsdb.errors import MigrationsFolderError, UnknownMigration, UnknownModule

ROLLBACK_SUFFIX = ".rollback.sql"
MODULE_SEPARATOR = "/"
# Scanner tokens that are not part of a statement (";" is ASCII_59).
_NOT_STATEMENT = frozenset({"SQL_COMMENT", "C_COMMENT", "ASCII_59"})
_REQUIRES_EXTENSION = re.compile(r"^requires-extension\s*:(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a migration file, with the 1-based line it starts on."""

    sql: str
    line: int


@dataclass(frozen=True)
class Script:
    """A parsed migration or rollback file."""

    path: Path
    statements: tuple[Statement, ...]
    transactional: bool
    depends: tuple[str, ...]
    extensions: tuple[str, ...] = ()

    @property
    def sql(self) -> str:
        return "\n\n".join(
            statement.sql.rstrip().rstrip(";") + ";" for statement in self.statements
        )


@dataclass(frozen=True)
class Migration:
    """A forward migration file and, when there is one, its rollback file. A module's
    migration has the id `<module>/<name>`; `name` is always the file's stem."""

    id: str
    path: Path

    @property
    def name(self) -> str:
        return self.path.name.removesuffix(".sql")

    @property
    def module(self) -> str | None:
        return module_of(self.id)

    @property
    def rollback_path(self) -> Path:
        return self.path.with_name(self.name + ROLLBACK_SUFFIX)

    @property
    def has_rollback(self) -> bool:
        return self.rollback_path.is_file()

    @cached_property
    def checksum(self) -> str:
        return checksum(self.path)

    def script(self) -> Script:
        return self._script

    @cached_property
    def _script(self) -> Script:
        return read_script(self.path)

    def rollback_script(self) -> Script:
        """The rollback file; it runs with the forward file's transaction mode, as in yoyo."""
        rollback = read_script(self.rollback_path)
        return Script(rollback.path, rollback.statements, self.script().transactional, ())


def module_of(migration_id: str) -> str | None:
    """The module a migration id belongs to (`postgis/0001.x`: postgis), None for the main
    folder's."""
    module, separator, _ = migration_id.rpartition(MODULE_SEPARATOR)
    return module if separator else None


def checksum(path: Path) -> str:
    """sha256 of a file's text with line endings normalised, so a CRLF checkout is no edit."""
    text = path.read_bytes().replace(b"\r\n", b"\n")
    return hashlib.sha256(text).hexdigest()


def discover(folder: Path, modules: Sequence[str] = ()) -> list[Migration]:
    """The migrations in `folder`, in the order they apply (by id, as yoyo sorts them),
    then those of each module in `modules`, module by module."""
    if not folder.is_dir():
        raise MigrationsFolderError(
            f"migrations folder {folder} does not exist",
            "pass --migrations DIR or set CMMSDB_MIGRATIONS",
        )
    migrations = _migrations_in(folder)
    if not migrations:
        raise MigrationsFolderError(
            f"migrations folder {folder} holds no migration (*.sql)",
            "pass --migrations DIR pointing at the folder with NNNN.name.sql files",
        )
    check_modules(folder, modules)
    for module in dict.fromkeys(modules):
        migrations += _migrations_in(modules_folder(folder) / module, module + MODULE_SEPARATOR)
    return migrations


def _migrations_in(folder: Path, prefix: str = "") -> list[Migration]:
    migrations = [
        Migration(prefix + path.name.removesuffix(".sql"), path)
        for path in sorted(folder.glob("*.sql"))
        if not path.name.endswith(ROLLBACK_SUFFIX)
    ]
    _check_orphan_rollbacks(folder, {m.name for m in migrations})
    return migrations


def _check_orphan_rollbacks(folder: Path, names: set[str]) -> None:
    for path in sorted(folder.glob("*" + ROLLBACK_SUFFIX)):
        forward = path.name.removesuffix(ROLLBACK_SUFFIX)
        if forward not in names:
            raise MigrationsFolderError(
                f"{path} has no forward migration beside it",
                f"rename it to match a migration, or add {forward}.sql",
            )


def modules_folder(folder: Path) -> Path:
    """Where the optional modules of migrations folder `folder` live."""
    return folder.parent / "modules"


def available_modules(folder: Path) -> list[str]:
    """The names of the optional modules beside migrations folder `folder`."""
    found = modules_folder(folder)
    if not found.is_dir():
        return []
    return sorted(p.name for p in found.iterdir() if p.is_dir() and not p.name.startswith("."))


def check_modules(folder: Path, modules: Iterable[str]) -> None:
    """Every name in `modules` is a module beside `folder`."""
    available = available_modules(folder)
    unknown = [name for name in modules if name not in available]
    if unknown:
        raise UnknownModule(
            f"unknown module {unknown[0]!r}; available modules: {', '.join(available) or 'none'}",
            f"a module is a folder of migrations in {modules_folder(folder)}",
        )


def enabled_modules(folder: Path, migration_ids: Iterable[str]) -> list[str]:
    """The modules the applied `migration_ids` name, in order, that still have a folder."""
    available = available_modules(folder)
    named = dict.fromkeys(module_of(i) for i in migration_ids)
    return [module for module in named if module is not None and module in available]


def read_script(path: Path) -> Script:
    """Parse a migration file as yoyo's reader does, keeping each statement's line."""
    from yoyo.migrations import parse_metadata_from_sql_comments

    text = path.read_text(encoding="utf-8")
    statements = _split(path, text)
    directives: dict[str, str] = {}
    leading_comment = ""
    if statements:
        directives, leading_comment, statements[0] = parse_metadata_from_sql_comments(statements[0])
    statements = [s for s in statements if s.strip()]
    transactional = directives.get("transactional", "true").strip().lower()
    if transactional not in ("true", "false"):
        raise MigrationsFolderError(
            f"{path}: '-- transactional: {transactional}' must be true or false"
        )
    return Script(
        path=path,
        statements=tuple(_locate(text, statements)),
        transactional=transactional == "true",
        depends=tuple(directives.get("depends", "").split()),
        extensions=tuple(_required_extensions(leading_comment)),
    )


def _split(path: Path, text: str) -> list[str]:
    """The statements of `text`, each with the comments before it and its semicolon, split by
    PostgreSQL's scanner."""
    from pglast import split
    from pglast.parser import ParseError

    try:
        slices = split(text, with_parser=False, only_slices=True)
    except ParseError as exc:
        raise MigrationsFolderError(f"{path}: cannot split into statements: {exc}") from None
    statements, end = [], 0
    for part in slices:
        statements += _stray(text, end, part.start)
        statements.append(text[part] + _terminator(text, part.stop))
        end = part.stop
    return statements + _stray(text, end, len(text))


def _stray(text: str, start: int, stop: int) -> list[str]:
    """What lies between two of the scanner's statements besides blanks, comments and
    semicolons: the scanner passes over a statement that begins with an unknown word
    (`SELEC 1;`). It is kept as a statement, so that the server rejects it with its line
    instead of the migration silently going without it."""
    from pglast.parser import scan

    gap = text[start:stop]
    words = [t for t in scan(gap) if t.name not in _NOT_STATEMENT]
    if not words:
        return []
    return [gap[words[0].start : words[-1].end + 1] + _terminator(gap, words[-1].end + 1)]


def _terminator(text: str, end: int) -> str:
    """The semicolon that ends a statement (the scanner leaves it out), as yoyo keeps it."""
    rest = text[end:]
    stripped = rest.lstrip()
    return rest[: len(rest) - len(stripped) + 1] if stripped.startswith(";") else ""


def _required_extensions(leading_comment: str) -> list[str]:
    """The names on every `-- requires-extension:` line (yoyo keeps them as comments)."""
    lines = _REQUIRES_EXTENSION.findall(leading_comment)
    return [name for line in lines for name in line.replace(",", " ").split()]


def _locate(text: str, statements: Sequence[str]) -> list[Statement]:
    """Pair each statement with the line it starts on, searching forward through the file."""
    located = []
    offset = 0
    for sql in statements:
        sql = sql.strip()
        found = text.find(sql, offset)
        start = found if found >= 0 else offset
        located.append(Statement(sql, text.count("\n", 0, start) + 1))
        offset = start + len(sql) if found >= 0 else offset
    return located


def find(migrations: Sequence[Migration], ref: str) -> Migration:
    """The migration named by its full id or by a unique prefix such as its number."""
    exact = [m for m in migrations if m.id == ref]
    matches = exact or [m for m in migrations if m.id.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UnknownMigration(f"no migration matches {ref!r}", "run `cmmsdb status` to list them")
    names = ", ".join(m.id for m in matches)
    raise UnknownMigration(f"{ref!r} matches several migrations: {names}", "give the full id")


def check_depends(migrations: Sequence[Migration]) -> None:
    """Every `-- depends:` names an earlier migration (by id, or by file stem as yoyo does,
    so a module's migration may depend on one of the main folder's or of its own)."""
    seen: set[str] = set()
    for migration in migrations:
        for dependency in migration.script().depends:
            if dependency not in seen:
                raise MigrationsFolderError(
                    f"{migration.path}: depends on {dependency!r}, not an earlier migration",
                    "fix the -- depends: line or the file names' order",
                )
        seen.update((migration.id, migration.name))
