"""What the seeder reads from the migrated database's catalog: each table's columns (their
types, and which a row must give) and the values each `col IN (...)` CHECK allows.

The generators (seeding/tenant.py) yield named rows and give the columns that need
realistic values; the COPY column list is built here from the catalog: the columns the
generator gives, then every required column it does not give, filled by type (or from the
CHECK's values). So a column added by a migration needs no edit in the seeder, and a value
list is written once, in the migration that constrains it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate, count
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from cmmsdb import conventions
from cmmsdb.errors import SeedError
from cmmsdb.resources import query

if TYPE_CHECKING:
    import random
    import uuid

    import psycopg

# `CHECK ((col = ANY (ARRAY['a'::text, 'b'::text])))`, as pg_get_constraintdef prints
# `col IN ('a', 'b')`, and `CHECK ((col = 'a'::text))`, as it prints a list of one.
_LITERAL = r"'(?:[^']|'')*'::(?:text|character varying|bpchar)"
_IN_LIST = re.compile(
    rf"CHECK \(\((\w+) = (?:ANY \(ARRAY\[((?:{_LITERAL})(?:, {_LITERAL})*)\]\)|({_LITERAL}))\)\)"
)
_QUOTED = re.compile(r"'((?:[^']|'')*)'::")

Row = dict[str, Any]
Fill = Callable[[], Any]


@dataclass(frozen=True)
class Column:
    name: str
    type_oid: int
    type_name: str
    required: bool  # NOT NULL without default: a COPY that leaves it out fails


@dataclass(frozen=True)
class Shape:
    """One table as the catalog has it: its writable columns, in order, and the values the
    CHECK constraints allow, by column."""

    name: str
    columns: dict[str, Column]
    allowed: dict[str, tuple[str, ...]]


def read(conn: psycopg.Connection[Any]) -> dict[str, Shape]:
    """Every table of schema cmms, by name."""
    parameters = {"schema": conventions.SCHEMA}
    columns: dict[str, dict[str, Column]] = {}
    for table, name, oid, type_name, required in conn.execute(
        query("seed_columns.sql"), parameters
    ):
        columns.setdefault(table, {})[name] = Column(name, oid, type_name, required)
    allowed: dict[str, dict[str, tuple[str, ...]]] = {}
    for table, column, definition in conn.execute(query("seed_allowed.sql"), parameters):
        values = allowed_values(column, definition)
        if values:
            allowed.setdefault(table, {})[column] = values
    return {name: Shape(name, found, allowed.get(name, {})) for name, found in columns.items()}


def allowed_values(column: str, definition: str) -> tuple[str, ...]:
    """The values a CHECK of the form `column IN ('a', 'b')` allows; () for any other."""
    match = _IN_LIST.fullmatch(definition)
    if not match or match[1] != column:
        return ()
    listed = match[2] if match[2] is not None else match[3]
    return tuple(value.replace("''", "'") for value in _QUOTED.findall(listed))


def shares_within(
    allowed: tuple[str, ...], shares: Mapping[str, float] | None
) -> tuple[list[str], list[float]]:
    """The values to draw and their cumulative weights: the shares of the values the catalog
    allows (all of them, evenly, when the shares name none); the shares alone when the
    column has no CHECK."""
    if not allowed:
        if not shares:
            raise ValueError("a column without a CHECK needs shares")
        kept = dict(shares)
    else:
        kept = {value: share for value, share in (shares or {}).items() if value in allowed}
        if not any(kept.values()):
            kept = dict.fromkeys(allowed, 1.0)
    return list(kept), list(accumulate(kept.values()))


def refuse_disallowed(shape: Shape, column: str, shares: Mapping[str, float], what: str) -> None:
    """A profile's shares must name only values the column's CHECK allows."""
    allowed = shape.allowed.get(column, ())
    wrong = sorted(value for value in shares if allowed and value not in allowed)
    if wrong:
        raise SeedError(
            f"{what} gives {', '.join(wrong)}, which cmms.{shape.name}.{column} does not allow",
            f"use only: {', '.join(allowed)}",
        )


@dataclass(frozen=True)
class Plan:
    """How one table's named rows become COPY tuples: the columns in COPY order, their type
    OIDs, and the conversion (one itemgetter over the given columns, then the fillers)."""

    columns: list[str]
    types: list[int]
    tuples: Callable[[Iterable[Row]], Iterator[tuple[Any, ...]]]


def plan(shape: Shape, given: Iterable[str], rng: random.Random, base: datetime) -> Plan:
    """The plan for rows with the keys `given` (those of the generator's first row)."""
    given = list(given)
    unknown = [name for name in given if name not in shape.columns]
    if unknown:
        raise SeedError(
            f"the seeder gives cmms.{shape.name} columns it does not have: {', '.join(unknown)}",
            "the seeder (cmmsdb/seeding/tenant.py) is out of date with the migrations",
        )
    missing = [c for c in shape.columns.values() if c.required and c.name not in given]
    fills = [_filler(c, shape.allowed.get(c.name, ()), rng, base) for c in missing]
    columns = given + [c.name for c in missing]
    types = [shape.columns[name].type_oid for name in columns]
    return Plan(columns, types, _converter(given, fills))


def _converter(
    given: list[str], fills: list[Fill]
) -> Callable[[Iterable[Row]], Iterator[tuple[Any, ...]]]:
    get = itemgetter(*given) if len(given) > 1 else (lambda row: (row[given[0]],))

    def plain(rows: Iterable[Row]) -> Iterator[tuple[Any, ...]]:
        return map(get, rows)

    def filled(rows: Iterable[Row]) -> Iterator[tuple[Any, ...]]:
        for row in rows:
            yield get(row) + tuple(fill() for fill in fills)

    return filled if fills else plain


def _filler(column: Column, allowed: tuple[str, ...], rng: random.Random, base: datetime) -> Fill:
    """Values of the column's type for rows that do not say: one of the CHECK's values when
    it lists them, else distinct ones where the type allows (numbers within the tenant, text
    and uuids across tenants too), in case the column is unique."""
    if allowed:
        values = list(allowed)
        return lambda: rng.choice(values)
    number = count(1)
    kind = column.type_name
    if kind.endswith("[]"):
        return list
    if kind == "uuid":
        return lambda: _uuid(rng)
    if kind in ("integer", "bigint", "smallint"):
        return lambda: next(number)
    if kind.startswith("numeric"):
        return lambda: Decimal(next(number))
    if kind in ("double precision", "real"):
        return lambda: float(next(number))
    if kind == "boolean":
        return lambda: False
    if kind.startswith("timestamp"):
        return lambda: base
    if kind == "date":
        return lambda: base.date()
    if kind == "interval":
        return lambda: timedelta(days=1)
    if kind in ("jsonb", "json"):
        from psycopg.types.json import Json, Jsonb

        wrap = Jsonb if kind == "jsonb" else Json
        return lambda: wrap({})
    return lambda: f"{column.name} {next(number)}-{rng.getrandbits(40):010x}"


def _uuid(rng: random.Random) -> uuid.UUID:
    import uuid

    return uuid.UUID(int=rng.getrandbits(128), version=4)
