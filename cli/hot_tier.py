"""``strata hot-tier …``: the ClickHouse hot tier as a cache of the lake."""

from __future__ import annotations

import click

import lake.hot_tier as hot
from cli.processes import exec_module
from lake.catalog import MetadataStore
from lake.settings import Settings

__all__ = ["hot_tier"]


@click.group("hot-tier")
def hot_tier() -> None:
    """Manage the ClickHouse hot tier (a cache of the lake: it can always be rebuilt)."""


@hot_tier.command("rebuild")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Only the last N days (default: every day the lake holds).",
)
@click.option(
    "--site",
    "tracking_id",
    default=None,
    help="Only the days this site has data on (other sites' rows of those days are "
    "loaded again too: a load replaces whole days).",
)
def rebuild(days: int | None, tracking_id: str | None) -> None:
    """Load every hot-tier table and the dbt marts again from the lake.

    Use it after the hot tier was lost or damaged (tables that are gone are created
    first); every report then answers as before.  Raw events and sessions are loaded
    for the days inside STRATA_HOT_WINDOW_DAYS, the rollups and cubes for every day.
    """
    if (
        tracking_id is not None
        and tracking_id not in MetadataStore(Settings.from_env().metadata_url).sites()
    ):
        raise click.BadParameter(f"no site {tracking_id!r}", param_hint="--site")
    site = [tracking_id] if tracking_id else []
    exec_module("orchestration", ["hot-tier-rebuild", str(days) if days else "-", *site])


@hot_tier.command("migrate")
def migrate() -> None:
    """Apply the hot tier's schema migrations this release needs, in order.

    The pipeline's loads apply them too (before loading); the query API never does,
    and answers 503 while the schema is behind.  On a ClickHouse server a lock table
    keeps two migrators apart.
    """
    settings = Settings.from_env()
    with hot.hot_tier(settings) as client:
        before = hot.schema_version(client)
        applied = hot.migrate_hot_tier(client, settings, log=click.echo)
    if applied:
        click.echo(f"hot tier schema migrated from version {before} to {applied[-1]}")
    else:
        click.echo(f"hot tier schema is current (version {hot.LATEST_VERSION})")
