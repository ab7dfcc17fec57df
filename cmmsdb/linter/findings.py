"""What cmmsdb lint reports: findings, the findings silenced (and why), and the report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at file:line:col. `source` is the checker that found it: style
    (sqlfluff), squawk, or cmmsdb (cmmsdb's own rules)."""

    file: str
    line: int
    column: int
    rule: str
    message: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column} {self.rule} {self.message}"


@dataclass(frozen=True)
class Silenced:
    """A finding left out, by an inline `-- cmmsdb: allow` comment (`by` = "comment"), by
    cmmsdb's lint configuration for a released migration (`by` = "config"), or by one of
    lint's exemptions (`by` = "exemption": a squawk rule off in rollback files, a rule about
    existing objects on objects the migration created, CREATE INDEX ... ON ONLY)."""

    finding: Finding
    reason: str
    by: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.finding.to_dict(), "reason": self.reason, "by": self.by}


@dataclass
class LintReport:
    """The result of one run: every file linted, what was found, what was silenced, and how
    many files were left out because git says they did not change (`--all` lints them)."""

    files: list[str]
    findings: list[Finding] = field(default_factory=list)
    silenced: list[Silenced] = field(default_factory=list)
    unchanged: int = 0

    @property
    def clean(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "clean": self.clean,
            "findings": [f.to_dict() for f in self.findings],
            "silenced": [s.to_dict() for s in self.silenced],
            "unchanged": self.unchanged,
        }
