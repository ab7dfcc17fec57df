"""plpgsql_check finds no error in any PL/pgSQL function of the schema: it compiles every
statement against the catalog, which catches a misspelt column or a wrong type that a plain
CREATE FUNCTION accepts until the line runs.

The extension is a server package (postgresql-15-plpgsql-check on Debian): CI installs it and
sets CMMSDB_REQUIRE_PLPGSQL_CHECK=1, so that there it cannot be skipped; the embedded server has
no such package, and the skip is reported with its reason.
"""

from __future__ import annotations

import os
from typing import Any

import psycopg
import pytest

Conn = psycopg.Connection[Any]

FUNCTIONS = """
    SELECT p.oid::regprocedure::text, p.prorettype = 'trigger'::regtype,
           coalesce(array_agg(DISTINCT t.tgrelid::regclass::text)
                    FILTER (WHERE t.tgrelid IS NOT NULL), '{}')
    FROM pg_proc AS p
    JOIN pg_language AS l ON l.oid = p.prolang AND l.lanname = 'plpgsql'
    LEFT JOIN pg_trigger AS t ON t.tgfoid = p.oid
         AND NOT EXISTS (SELECT FROM pg_class AS c WHERE c.oid = t.tgrelid AND c.relispartition)
    WHERE p.pronamespace = 'cmms'::regnamespace
    GROUP BY p.oid
    ORDER BY 1
"""
CHECK = """
    SELECT level, message, lineno, statement
    FROM plpgsql_check_function_tb(
        %s::regprocedure, coalesce(%s::regclass, 0), fatal_errors => false,
        -- the transition tables of statement triggers (cmms.audit_row_change)
        oldtable => CASE WHEN %s::text IS NOT NULL THEN 'old_rows' END,
        newtable => CASE WHEN %s::text IS NOT NULL THEN 'new_rows' END
    )
    WHERE level = 'error'
"""


@pytest.fixture
def checked(admin: Conn) -> Conn:
    available = admin.execute(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'plpgsql_check'"
    ).fetchone()
    if not available:
        if os.environ.get("CMMSDB_REQUIRE_PLPGSQL_CHECK"):
            pytest.fail("plpgsql_check is required here (CI) but the server does not have it")
        pytest.skip("this server has no plpgsql_check (install postgresql-NN-plpgsql-check)")
    admin.execute("CREATE EXTENSION plpgsql_check")
    return admin


def test_no_plpgsql_function_has_an_error(checked: Conn) -> None:
    functions = checked.execute(FUNCTIONS).fetchall()
    errors = []
    for function, is_trigger, tables in functions:
        for table in tables if is_trigger else [None]:
            for level, message, line, statement in checked.execute(
                CHECK, (function, table, table, table)
            ):
                errors.append(f"{function} on {table}: line {line} {statement}: {level} {message}")
    assert len(functions) >= 5
    assert errors == []
