"""cmmsdb seed: a thin wrapper over cmmsdb.seeding."""

from __future__ import annotations

from typing import Annotated

import typer

import cmmsdb
from cmmsdb.cli import render
from cmmsdb.cli.options import ConnectTimeout, Dsn, Json, MigrationsDir, resolved


def seed(
    tenants: Annotated[
        int | None,
        typer.Option("--tenants", help="How many fake organizations (default: the profile's)."),
    ] = None,
    profile: Annotated[
        str,
        typer.Option("--profile", help="demo, small, load, or a path to a .toml profile."),
    ] = "demo",
    scale: Annotated[
        float, typer.Option("--scale", help="Multiply every tenant's row counts by this.")
    ] = 1.0,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same data.")] = 42,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", help="Tenants written side by side (default: CPUs, at most 4)."),
    ] = None,
    purge_fake: Annotated[
        bool,
        typer.Option("--purge-fake", help="Remove every organization seed made, and its rows."),
    ] = False,
    dsn: Dsn = None,
    migrations: MigrationsDir = None,
    json: Json = False,
    connect_timeout: ConnectTimeout = 10.0,
) -> None:
    """Fill a migrated database with fake tenants.

    Adds fake organizations with realistic, related data (or removes them with --purge-fake).
    """
    target = resolved(dsn)
    if purge_fake:
        render.purge_report(cmmsdb.purge_fake(target, connect_timeout=connect_timeout), json)
        return
    with render.seed_progress(enabled=not json) as on_progress:
        report = cmmsdb.seed(
            target,
            profile=profile,
            tenants=tenants,
            scale=scale,
            seed=seed,
            jobs=jobs,
            migrations=migrations,
            on_progress=on_progress,
            connect_timeout=connect_timeout,
        )
    render.seed_report(report, json)
