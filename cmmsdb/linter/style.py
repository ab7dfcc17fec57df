"""Style: sqlfluff, through its Python API, with the project's .sqlfluff (PostgreSQL
dialect). The same configuration lints every file, wherever it lives, so that `cmmsdb lint`
in another repository or from a wheel judges style as this repository's CI does."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cmmsdb import extras
from cmmsdb.linter.source import Hit, SqlFile

_PACKAGE = Path(__file__).resolve().parent.parent
# sqlfluff's code for a section its parser cannot read.
PARSE_ERROR = "style.PRS"


def config_path() -> Path:
    """The project's .sqlfluff: package data in a wheel, the repository root's in a checkout."""
    packaged = Path(__file__).with_name("sqlfluff.cfg")
    return packaged if packaged.is_file() else _PACKAGE.parent / ".sqlfluff"


def check(files: Sequence[SqlFile], jobs: int | None = None) -> list[Hit]:
    """sqlfluff's findings on every file that parses (a parse error is reported once, by
    PostgreSQL's parser); `-- noqa` comments work as sqlfluff documents them.

    sqlfluff takes most of lint's time (about 0.15 s per migration), so several files are
    linted in `jobs` worker processes (default: one per CPU), each with one sqlfluff linter
    for its share of the files, the largest files spread first."""
    extras.require("sqlfluff", "lint", "cmmsdb lint")
    parsed = [f for f in files if f.problem is None]
    workers = min(jobs or os.cpu_count() or 1, len(parsed))
    if workers <= 1:
        results = _lint_texts([(str(f.path), f.text) for f in parsed])
    else:
        shares: list[list[tuple[str, str]]] = [[] for _ in range(workers)]
        sizes = [0] * workers
        for sql_file in sorted(parsed, key=lambda f: len(f.text), reverse=True):
            smallest = sizes.index(min(sizes))
            shares[smallest].append((str(sql_file.path), sql_file.text))
            sizes[smallest] += len(sql_file.text)
        import sqlfluff.core  # noqa: F401 - imported once, before the workers fork

        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            results = [hit for share in pool.map(_lint_texts, shares) for hit in share]
    by_path = {str(f.path): f for f in parsed}
    return [
        Hit(by_path[path], line, column, f"style.{code}", message)
        for path, line, column, code, message in results
    ]


def _lint_texts(items: list[tuple[str, str]]) -> list[tuple[str, int, int, str, str]]:
    """sqlfluff's violations in (path, text) pairs, as plain tuples (they cross processes)."""
    from sqlfluff.core import FluffConfig, Linter

    config = FluffConfig.from_path(
        str(config_path().parent), extra_config_path=str(config_path()), ignore_local_config=True
    )
    linter = Linter(config=config)
    found = []
    for path, text in items:
        for violation in linter.lint_string(text, fname=path).get_violations():
            found.append(
                (
                    path,
                    violation.line_no,
                    violation.line_pos,
                    violation.rule_code(),
                    violation.desc(),
                )
            )
    return found
