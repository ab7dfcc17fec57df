"""Rendering the Jinja2 templates shipped in templates/ (RLS policies, partitions, audit
triggers, migration scaffolds) into SQL that is reviewed and committed, or run by partition
maintenance. Migrations themselves are never templated when they are applied."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from cmmsdb.resources import shipped

if TYPE_CHECKING:
    import jinja2


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(shipped("templates")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(name: str, **variables: Any) -> str:
    """The SQL of template `name` (a path under templates/, e.g. "rls/tenant_policies.sql.j2")."""
    return _environment().get_template(name).render(**variables).strip() + "\n"
