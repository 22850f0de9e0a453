"""``strata retention``: delete what is older than each site's retention, now."""

from __future__ import annotations

import click

from cli.processes import exec_module

__all__ = ["retention"]


@click.command()
def retention() -> None:
    """Run the data retention job at once (it also runs daily under Dagster's daemon).

    Raw events and sessions older than STRATA_RAW_RETENTION_DAYS (or a site's
    --raw-retention-days) and rollups, cubes and marts older than
    STRATA_AGGREGATE_RETENTION_DAYS (or a site's --aggregate-retention-days) are deleted
    from the lake (then vacuumed) and from ClickHouse; prints what left each table.
    """
    exec_module("orchestration", ["retention"])
