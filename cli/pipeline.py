"""``strata pipeline``: materialize everything due, once."""

from __future__ import annotations

import click

from cli.processes import exec_module

__all__ = ["pipeline"]


@click.command()
def pipeline() -> None:
    """Merge landed files into bronze, then rebuild the day partitions they changed.

    Runs the Dagster assets in a process of their own (``python -m orchestration``),
    printing each step with its metadata and check results.
    """
    exec_module("orchestration", [])
