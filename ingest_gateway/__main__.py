"""``python -m ingest_gateway --host H --port P``: run the collector (default port 8080).

One uvicorn worker; SIGTERM/SIGINT run the app's shutdown, which lands the WAL.
"""

import argparse

import uvicorn

from ingest_gateway.app import create_app
from lake.settings import Settings

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="strata gateway", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on")
    args = parser.parse_args()
    app = create_app(Settings.from_env())
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
