"""Safety rules from squawk (PyPI squawk-cli ships its binary): run once per transaction
mode, since squawk does not read yoyo's `-- transactional: false`, and map its JSON findings
(0-based lines and columns) into cmmsdb's (1-based)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cmmsdb import extras
from cmmsdb.errors import LintToolFailed, LintToolMissing
from cmmsdb.linter.config import LintConfig
from cmmsdb.linter.source import Hit, SqlFile

_SQUAWK_CONFIG = Path(__file__).with_name("squawk.toml")

# squawk 2.x's rule names (default and opt-in), to check the names in silence comments.
RULES = frozenset(
    """adding-field-with-default adding-foreign-key-constraint adding-not-nullable-field
    adding-required-field adding-serial-primary-key-field ban-add-column ban-add-composite-attribute
    ban-add-enum-value ban-alter-database-options ban-alter-domain-with-add-constraint
    ban-alter-extension ban-alter-function-options ban-alter-generated-expression
    ban-alter-identity ban-alter-policy-condition ban-alter-policy-roles ban-alter-role-options
    ban-alter-row-level-security ban-alter-sequence-values ban-alter-system-options
    ban-alter-view-options ban-char-field ban-concurrent-index-creation-in-transaction
    ban-create-domain-with-constraint ban-create-policy ban-detach-inheritance ban-disable-trigger
    ban-drop-column ban-drop-constraint ban-drop-database ban-drop-default ban-drop-domain
    ban-drop-extension ban-drop-function ban-drop-generated-expression ban-drop-index
    ban-drop-not-null ban-drop-policy ban-drop-schema ban-drop-sequence ban-drop-table
    ban-drop-trigger ban-drop-type ban-drop-view ban-duplicate-column-assignments
    ban-new-write-restriction ban-replace-view-function ban-replica-identity ban-revoke
    ban-set-default ban-set-schema ban-truncate-cascade ban-uncommitted-transaction
    changing-column-type constraint-missing-not-valid disallowed-unique-constraint
    identifier-too-long prefer-bigint-over-int prefer-bigint-over-smallint prefer-identity
    prefer-repack prefer-robust-stmts prefer-text-field prefer-timestamp-tz renaming-column
    renaming-object renaming-table require-concurrent-index-creation
    require-concurrent-index-deletion require-concurrent-partition-detach
    require-concurrent-reindex require-enum-value-ordering require-lock-timeout
    require-statement-timeout require-table-schema require-timeout-settings transaction-nesting
    unused-ignore""".split()  # noqa: SIM905 (78 names: a word list reads better)
)


def binary() -> Path:
    """squawk's executable: $CMMSDB_SQUAWK, else the one squawk-cli installed beside this
    Python (its scripts folder, which need not be on PATH), else squawk on PATH."""
    configured = os.environ.get("CMMSDB_SQUAWK")
    if configured:
        if not Path(configured).is_file():
            raise LintToolMissing(
                f"CMMSDB_SQUAWK={configured} is not a file", "unset it or point it at squawk"
            )
        return Path(configured)
    beside = Path(sysconfig.get_path("scripts")) / ("squawk.exe" if os.name == "nt" else "squawk")
    if beside.is_file():
        return beside
    found = shutil.which("squawk")
    if found is None:
        raise extras.missing("squawk (PyPI squawk-cli)", "lint", "cmmsdb lint")
    return Path(found)


def check(files: Sequence[SqlFile], config: LintConfig) -> list[Hit]:
    """squawk's findings on every file that parses, each file in its own transaction mode."""
    hits: list[Hit] = []
    for transactional in (True, False):
        batch = [f for f in files if f.transactional == transactional and f.problem is None]
        if batch:
            hits += _run(batch, transactional, config)
    return hits


def _run(files: Sequence[SqlFile], transactional: bool, config: LintConfig) -> list[Hit]:
    by_path = {str(f.path.resolve()): f for f in files}
    command = [
        str(binary()),
        "--reporter=json",
        f"--config={_SQUAWK_CONFIG}",
        f"--pg-version={config.pg_version}",
        "--assume-in-transaction" if transactional else "--no-assume-in-transaction",
        *(f"--exclude={rule}" for rule in sorted(config.squawk_off)),
        *by_path,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        reported: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        reported = []
        done.returncode = 2
    if done.returncode not in (0, 1):
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise LintToolFailed(
            f"squawk failed (exit {done.returncode}): {detail[0] if detail else 'no output'}",
            "run again with --traceback, or run squawk on the file by hand",
        )
    return [
        Hit(
            by_path[str(Path(item["file"]).resolve())],
            int(item["line"]) + 1,
            int(item["column"]) + 1,
            item["rule_name"],
            _message(item),
        )
        for item in reported
        if item["rule_name"] != "syntax-error"  # pglast, PostgreSQL's own parser, reports it
    ]


def _message(item: dict[str, Any]) -> str:
    """squawk's message and, when it gives one, its advice, on one line."""
    text = " ".join(str(item["message"]).split())
    advice = " ".join(str(item.get("help") or "").split())
    return f"{text} {advice}" if advice else text
