"""`strata serve` keeps answering, correctly, while `strata pipeline` loads the hot tier.

Both are real processes sharing the embedded ClickHouse data path, which admits
one process at a time: they must take turns, and no answer may be an error or a
half-loaded day.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time

import httpx
from fastapi.testclient import TestClient

from cli.generate import generate_traffic
from orchestration.runner import run_pipeline
from tests.conftest import Env
from tests.reference import report


def _send(env: Env, events: list[dict]) -> None:
    from ingest_gateway.app import create_app

    with TestClient(create_app(env.settings)) as gw:
        for i in range(0, len(events), 500):
            assert gw.post("/api/v1/events", json=events[i : i + 500]).status_code == 202


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serving_answers_correctly_while_the_pipeline_loads(env: Env) -> None:
    old = generate_traffic("ST-TEST", days=2, events=1500, end=dt.date(2026, 3, 2), seed=1)
    new = generate_traffic("ST-TEST", days=6, events=12_000, end=dt.date(2026, 3, 14), seed=2)
    _send(env, old.events)
    run_pipeline(echo=False)
    old_days = report(old.events, old.labels, old.bot_clients, "UTC", by="date")

    port = _free_port()
    # Every answer during the load must come from the engines (no result cache), and the
    # loop asks as fast as they answer, so the per-key rate limit is lifted for it.
    server_env = {
        **os.environ,
        "STRATA_QUERY_CACHE_SECONDS": "0",
        "STRATA_API_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "serving", "--port", str(port), "--sql-port", "0"], env=server_env
    )
    base = f"http://127.0.0.1:{port}"
    body = {
        "tracking_id": "ST-TEST",
        "metrics": ["pageviews", "unique_users", "sessions"],
        "dimensions": ["date"],
        "date_range": {"start": "2026-03-01", "end": "2026-03-02"},
    }
    headers = {"Authorization": f"Bearer {env.key}"}
    expected_old = [
        {
            "date": d,
            "pageviews": n.pageviews,
            "unique_users": n.unique_users,
            "sessions": n.sessions,
        }
        for d, n in sorted(old_days.items())
    ]
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert (
            httpx.post(f"{base}/api/v1/query", json=body, headers=headers, timeout=120).json()[
                "rows"
            ]
            == expected_old
        )

        _send(env, new.events)
        pipeline = subprocess.Popen([sys.executable, "-m", "orchestration"], env=os.environ.copy())
        answered_during_load = 0
        while pipeline.poll() is None:
            r = httpx.post(f"{base}/api/v1/query", json=body, headers=headers, timeout=120)
            assert r.status_code == 200, r.text
            assert r.json()["rows"] == expected_old
            answered_during_load += pipeline.poll() is None
        assert pipeline.returncode == 0
        assert answered_during_load > 0

        expected_new = report(new.events, new.labels, new.bot_clients, "UTC", by="date")
        r = httpx.post(
            f"{base}/api/v1/query",
            json={**body, "date_range": {"start": "2026-03-05", "end": "2026-03-15"}},
            headers=headers,
            timeout=120,
        )
        got = {row["date"]: (row["pageviews"], row["sessions"]) for row in r.json()["rows"]}
        assert got == {d: (n.pageviews, n.sessions) for d, n in expected_new.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
