"""``strata dbt``: dbt on the hot tier, holding the embedded engine's lease."""

from __future__ import annotations

import click

from cli.processes import exec_module

__all__ = ["dbt"]


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    add_help_option=False,
)
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED)
def dbt(dbt_args: tuple[str, ...]) -> None:
    """Run dbt on Strata's warehouse project (dbt_project/) against the hot tier.

    Every argument passes through to dbt: `strata dbt build`, `strata dbt run -s
    site_traffic_daily`, `strata dbt show --inline "select …"`, `strata dbt docs
    generate`, `strata dbt --help`. In embedded mode dbt runs on the chdb engine and
    holds its lease meanwhile (a running API or pipeline waits its turn); with
    STRATA_CLICKHOUSE_URL=http(s)://… it uses the profile's `server` target.
    """
    if not dbt_args:
        click.echo(click.get_current_context().get_help())
        return
    exec_module("orchestration.lib.dbt_launcher", list(dbt_args))
