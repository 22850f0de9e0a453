"""``python -m ingest_gateway --host H --port P``: run the collector (default port 8080)."""

from ingest_gateway.app import create_app
from lake.service import run_service

if __name__ == "__main__":
    run_service(create_app, "strata gateway", 8080, None)
