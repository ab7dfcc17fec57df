"""Style: sqlfluff, through its Python API, with the project's .sqlfluff (PostgreSQL
dialect). The same configuration lints every file, wherever it lives, so that `cmmsdb lint`
in another repository or from a wheel judges style as this repository's CI does."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cmmsdb.linter.source import Hit, SqlFile

_PACKAGE = Path(__file__).resolve().parent.parent
# sqlfluff's code for a section its parser cannot read.
PARSE_ERROR = "style.PRS"


def config_path() -> Path:
    """The project's .sqlfluff: package data in a wheel, the repository root's in a checkout."""
    packaged = Path(__file__).with_name("sqlfluff.cfg")
    return packaged if packaged.is_file() else _PACKAGE.parent / ".sqlfluff"


def check(files: Sequence[SqlFile]) -> list[Hit]:
    """sqlfluff's findings on every file that parses (a parse error is reported once, by
    PostgreSQL's parser); `-- noqa` comments work as sqlfluff documents them."""
    from sqlfluff.core import FluffConfig, Linter

    config = FluffConfig.from_path(
        str(config_path().parent), extra_config_path=str(config_path()), ignore_local_config=True
    )
    linter = Linter(config=config)
    hits = []
    for sql_file in files:
        if sql_file.problem is not None:
            continue
        linted = linter.lint_string(sql_file.text, fname=str(sql_file.path))
        for violation in linted.get_violations():
            hits.append(
                Hit(
                    sql_file,
                    violation.line_no,
                    violation.line_pos,
                    f"style.{violation.rule_code()}",
                    violation.desc(),
                )
            )
    return hits
