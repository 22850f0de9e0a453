"""``strata``: the command line, one module per command group."""

from __future__ import annotations

import click

from cli.dbt import dbt
from cli.demo import demo, generate
from cli.erasure import erase, erasures
from cli.hot_tier import hot_tier
from cli.keys import keys
from cli.pipeline import pipeline
from cli.retention import retention
from cli.services import gateway, serve
from cli.sites import sites

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Strata: a self-hosted web and product analytics lakehouse.

    Settings come from STRATA_* environment variables (see docs/operations.md);
    everything defaults to the embedded setup under ./.strata.
    """


for command in (
    demo,
    generate,
    gateway,
    serve,
    pipeline,
    retention,
    erase,
    erasures,
    hot_tier,
    dbt,
    sites,
    keys,
):
    main.add_command(command)

if __name__ == "__main__":
    main()
