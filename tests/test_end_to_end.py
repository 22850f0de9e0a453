"""Generated events → gateway → landing → Dagster materialize → ClickHouse → /api/v1/query.

Every number is compared, exactly, with tests/reference.py computed from the
generated events alone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import boto3
import pytest
from fastapi.testclient import TestClient

from cli.generate import generate_traffic
from orchestration.runner import run_pipeline
from tests.conftest import Env, make_env
from tests.reference import report

END = dt.date(2026, 3, 10)
DAYS = 3


def _send(client: TestClient, events: list[dict]) -> int:
    accepted = 0
    for i in range(0, len(events), 500):
        r = client.post("/api/v1/events", json=events[i : i + 500])
        assert r.status_code == 202, r.text
        accepted += r.json()["accepted"]
    return accepted


def _query(env: Env, **body: object) -> dict:
    from serving.app import create_app

    with TestClient(create_app(env.settings)) as client:
        r = client.post(
            "/api/v1/query",
            json={"tracking_id": env.tracking_id, **body},
            headers={"Authorization": f"Bearer {env.key}"},
        )
    assert r.status_code == 200, r.text
    return r.json()


def _check_against_reference(env: Env, tz: str) -> None:
    traffic = generate_traffic("ST-TEST", days=DAYS, events=4000, end=END, host="shop.example")
    from ingest_gateway.app import create_app

    with TestClient(create_app(env.settings)) as gw:
        assert _send(gw, traffic.events) == len(traffic.events)
        # The same batches delivered again (an SDK retry storm) must not count twice.
        _send(gw, traffic.events[:1500])
    run_pipeline(echo=False)

    rng = {
        "start": (END - dt.timedelta(days=DAYS + 1)).isoformat(),
        "end": (END + dt.timedelta(days=1)).isoformat(),
    }
    metrics = ["pageviews", "unique_users", "sessions", "bounce_rate"]
    args = (traffic.events, traffic.labels, traffic.bot_clients, tz)

    for by in ("date", "channel"):
        expected = report(*args, by=by)
        answer = _query(env, metrics=metrics, dimensions=[by], date_range=rng, limit=1000)
        table = {"date": "cube_daily_totals", "channel": "cube_daily_channels"}[by]
        assert answer["source"] == f"clickhouse.{table}"
        got = {row[by]: row for row in answer["rows"]}
        assert set(got) == set(expected)
        for key, numbers in expected.items():
            row = got[key]
            assert (row["pageviews"], row["unique_users"], row["sessions"]) == (
                numbers.pageviews,
                numbers.unique_users,
                numbers.sessions,
            ), key
            assert row["bounce_rate"] == pytest.approx(numbers.bounce_rate, abs=1e-12), key

    # One totals row; distinct users over the whole range, not summed per day.
    total = report(*args, by="total")["total"]
    answer = _query(env, metrics=metrics, dimensions=[], date_range=rng)
    assert answer["total_rows"] == 1
    (row,) = answer["rows"]
    assert (row["pageviews"], row["unique_users"], row["sessions"]) == (
        total.pageviews,
        total.unique_users,
        total.sessions,
    )
    assert row["bounce_rate"] == pytest.approx(total.bounce_rate, abs=1e-12)
    per_day = report(*args, by="date")
    assert (
        sum(n.unique_users for n in per_day.values()) > total.unique_users
    )  # summing would be wrong


def test_embedded_pipeline_matches_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, monkeypatch, tz="America/New_York")
    _check_against_reference(env, "America/New_York")


def test_pipeline_with_lake_on_s3_matches_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_endpoint: str
) -> None:
    env = make_env(
        tmp_path,
        monkeypatch,
        tz="UTC",
        STRATA_LAKE_URI="s3://strata/lake",
        STRATA_S3_ENDPOINT_URL=s3_endpoint,
    )
    _check_against_reference(env, "UTC")
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="strata")["Contents"]]
    assert any(k.startswith("lake/landing/events/") for k in keys)
    assert any(k.startswith("lake/bronze/events/_delta_log/") for k in keys)
    assert not (tmp_path / "home" / "lake").exists()


def test_session_spanning_midnight_utc_is_one_session_end_to_end(env: Env) -> None:
    import polars as pl

    from ingest_gateway.app import create_app
    from lake.storage import LakePaths

    ua = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"
    events = [
        {
            "tracking_id": "ST-TEST",
            "client_id": "night-owl",
            "timestamp": ts,
            "page": {"url": f"https://shop.example/{path}"},
            "context": {"user_agent": ua},
        }
        for ts, path in (("2026-03-01T23:50:00Z", "a"), ("2026-03-02T00:10:00Z", "b"))
    ]
    with TestClient(create_app(env.settings)) as gw:
        assert gw.post("/api/v1/events", json=events).json()["accepted"] == 2
    run_pipeline(echo=False)
    sessions = pl.read_delta(LakePaths(env.settings.lake_uri).silver_sessions)
    assert sessions.select("session_date", "count_pageviews", "duration_s").rows() == [
        (dt.date(2026, 3, 1), 2, 1200.0)
    ]
    answer = _query(
        env,
        metrics=["pageviews", "sessions"],
        dimensions=["date"],
        date_range={"start": "2026-03-01", "end": "2026-03-02"},
    )
    assert answer["rows"] == [
        {"date": "2026-03-01", "pageviews": 1, "sessions": 1},
        {"date": "2026-03-02", "pageviews": 1, "sessions": 0},
    ]
