"""``python -m ingest_gateway --host H --port P``: run the collector with uvicorn."""

from __future__ import annotations

import argparse

import uvicorn

from ingest_gateway.app import create_app
from lake.settings import Settings


def main(argv: list[str] | None = None) -> None:
    """Serve the gateway; SIGTERM/SIGINT trigger a final WAL flush before exit."""
    parser = argparse.ArgumentParser(prog="strata gateway")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    uvicorn.run(
        create_app(Settings.from_env()), host=args.host, port=args.port, log_level="warning"
    )


if __name__ == "__main__":
    main()
