"""``python -m serving --host H --port P``: run the query API (default port 8000)."""

from lake.service import run_service
from serving.app import create_app

if __name__ == "__main__":
    run_service(create_app, "strata serve", 8000, None)
