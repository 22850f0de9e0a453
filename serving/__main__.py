"""``python -m serving --host H --port P``: run the query API (default port 8000).

One uvicorn worker: the embedded ClickHouse engine admits one process per data path
(a ClickHouse server URL lifts that limit).
"""

import argparse

import uvicorn

from lake.settings import Settings
from serving.app import create_app

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="strata serve", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    args = parser.parse_args()
    app = create_app(Settings.from_env())
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
