"""cmmsdb lint's configuration (config.toml beside this module, shipped in the package): the
squawk rules that are off and why, the rules new objects are exempt from, and the released
migrations exempt from a rule and why. One file, so that every exception is reviewed in one
place; a migration's own exceptions are inline `-- cmmsdb: allow` comments instead."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cmmsdb.resources import shipped

_CONFIG = Path(__file__).with_name("config.toml")


@dataclass(frozen=True)
class LintConfig:
    pg_version: str
    squawk_off: dict[str, str]
    squawk_off_in_rollbacks: dict[str, str]
    new_object_rules: frozenset[str]
    exempt: dict[str, dict[str, str]]

    def exemptions(self, path: Path) -> dict[str, str]:
        """The rules a shipped, released migration file is exempt from, with their reasons;
        nothing for any other file (a user's migration with the same name included)."""
        try:
            relative = path.resolve().relative_to(shipped("sql").resolve())
        except ValueError:
            return {}
        return self.exempt.get(relative.as_posix(), {})


@cache
def load() -> LintConfig:
    data = tomllib.loads(_CONFIG.read_text(encoding="utf-8"))
    squawk = data["squawk"]
    return LintConfig(
        pg_version=squawk["pg-version"],
        squawk_off=dict(squawk["off"]),
        squawk_off_in_rollbacks=dict(squawk["off-in-rollbacks"]),
        new_object_rules=frozenset(data["new-objects"]["rules"]),
        exempt={name: dict(rules) for name, rules in data["exempt"].items()},
    )
