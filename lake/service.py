"""Run an ASGI service from the command line (``python -m ingest_gateway`` / ``serving``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import uvicorn

from lake.settings import Settings

__all__ = ["run_service"]


def run_service(
    create_app: Callable[[Settings], Any], prog: str, default_port: int, argv: list[str] | None
) -> None:
    """Parse ``--host``/``--port`` and serve ``create_app(settings)`` with one uvicorn worker.

    One worker because the embedded ClickHouse engine admits one process per data
    path; SIGTERM/SIGINT run the app's shutdown (the gateway lands its WAL there).
    """
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    args = parser.parse_args(argv)
    app = create_app(Settings.from_env())
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
