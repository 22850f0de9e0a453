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
def serve(host: str, port: int) -> None:
    """Run the query API (one worker: the embedded engine admits one process)."""
    exec_module("serving", ["--host", host, "--port", str(port)])
