"""``strata gateway`` and ``strata serve``: the two HTTP services, in the foreground."""

from __future__ import annotations

import click

from cli.processes import exec_module

__all__ = ["gateway", "serve"]

_HOST = click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to listen on."
)


@click.command()
@_HOST
@click.option("--port", default=8080, show_default=True, help="Port to listen on.")
def gateway(host: str, port: int) -> None:
    """Run the ingest gateway (SIGTERM lands its write-ahead log first)."""
    exec_module("ingest_gateway", ["--host", host, "--port", str(port)])


@click.command()
@_HOST
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--sql-port",
    type=click.IntRange(min=0, max=65535),
    default=None,
    help="Port of the SQL endpoint for BI tools (ClickHouse's HTTP interface, also at "
    "/clickhouse/ of --port); 0 turns it off.  [default: STRATA_SQL_PORT or 8123]",
)
def serve(host: str, port: int, sql_port: int | None) -> None:
    """Run the query API and the dashboard, and on the embedded engine the SQL endpoint
    for BI tools (one process: the embedded engine admits one)."""
    extra = [] if sql_port is None else ["--sql-port", str(sql_port)]
    exec_module("serving", ["--host", host, "--port", str(port), *extra])
