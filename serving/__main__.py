"""``python -m serving --host H --port P``: run the query API with uvicorn (one worker)."""

from __future__ import annotations

import argparse

import uvicorn

from lake.settings import Settings
from serving.app import create_app


def main(argv: list[str] | None = None) -> None:
    """Serve the API; one worker, since embedded ClickHouse admits one process at a time."""
    parser = argparse.ArgumentParser(prog="strata serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    uvicorn.run(
        create_app(Settings.from_env()), host=args.host, port=args.port, log_level="warning"
    )


if __name__ == "__main__":
    main()
