"""``python -m serving --host H --port P [--sql-port N]``: run the query API (default
port 8000) and, on the embedded engine, ClickHouse's HTTP interface for BI tools
(default port 8123, ``STRATA_SQL_PORT``; 0 turns it off) in the same process.

One process: the embedded ClickHouse engine admits one process per data path (a
ClickHouse server URL lifts that limit, and then BI tools connect to the server).
"""

import argparse
import asyncio

import uvicorn

from lake.settings import Settings
from serving.app import create_app


async def _serve(servers: list[uvicorn.Server]) -> None:
    """Run the servers together; when one stops (SIGTERM, Ctrl-C), stop the others."""
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for server in servers:
        server.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == "__main__":
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="strata serve", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--sql-port",
        type=int,
        default=settings.sql_port,
        help="port of the SQL endpoint (ClickHouse's HTTP interface); 0: off",
    )
    args = parser.parse_args()
    app = create_app(settings)
    servers = [
        uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="warning"))
    ]
    sql_app = getattr(app.state, "sql_app", None)
    if args.sql_port and sql_app is not None:
        config = uvicorn.Config(sql_app, host=args.host, port=args.sql_port, log_level="warning")
        servers.append(uvicorn.Server(config))
        print(
            f"SQL endpoint (ClickHouse HTTP interface) on http://{args.host}:{args.sql_port}",
            flush=True,
        )
    elif args.sql_port:
        print(
            "SQL endpoint off: BI tools connect to the ClickHouse server (docs/bi-tools.md)",
            flush=True,
        )
    asyncio.run(_serve(servers))
