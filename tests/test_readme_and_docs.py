"""README.md and docs/: a newcomer's page stays short, every reference page has a table of
contents, and every link between them leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
REFERENCE = ["cli.md", "migrations.md", "sql-api.md", "security.md", "lint.md", "python-api.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors for the headings of `page` (outside code blocks)."""
    found, fenced = set(), False
    for line in page.read_text().splitlines():
        fenced ^= line.startswith("```")
        if not fenced and (heading := re.match(r"^#{1,6} (.*)$", line)):
            text = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower())
            found.add(text.replace(" ", "-"))
    return found


@pytest.mark.serverless
def test_readme_is_under_250_lines_with_the_two_set_up_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()

    assert len(readme.splitlines()) < 250
    commands = re.findall(r"```sh\n(python3 -m venv[^\n]*)\n```", readme)
    assert [c.endswith("cmmsdb migrate") for c in commands] == [True, False]
    assert commands[1] in ci


@pytest.mark.serverless
def test_every_reference_page_has_a_table_of_contents() -> None:
    for name in REFERENCE:
        text = (ROOT / "docs" / name).read_text()
        assert "Contents:" in text.split("\n## ", 1)[0], name


@pytest.mark.serverless
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    prose = re.sub(r"```.*?```|`[^`\n]*`", "", page.read_text(), flags=re.DOTALL)
    for target in LINK.findall(prose):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (
            anchor and linked.suffix == ".md" and anchor not in _anchors(linked)
        ):
            broken.append(target)
    assert broken == []
