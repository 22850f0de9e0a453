"""Realtime: an event sent to a real gateway process shows within 5 s, is counted once
after the pipeline loads it into the hot tier, and streams as Server-Sent Events."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import httpx
import polars as pl
import pytest
from fastapi.testclient import TestClient

from orchestration.runner import run_pipeline
from serving.analyses.realtime import realtime_document
from tests.conftest import LiveGateway, make_env
from tests.samples import event_at as _event


def test_an_event_shows_within_5_seconds_and_counts_once_after_the_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from serving.app import create_app

    env = make_env(tmp_path, monkeypatch, STRATA_FLUSH_SECONDS="1")
    gateway = LiveGateway(env)
    with TestClient(create_app(env.settings)) as api:
        api.headers["Authorization"] = f"Bearer {env.key}"
        empty = api.get("/api/v1/realtime", params={"tracking_id": "ST-TEST"}).json()
        assert empty["active_users"] == 0 and len(empty["events_per_minute"]) == 30
        now = dt.datetime.now(dt.UTC)
        sent = [
            _event("rt-1", now - dt.timedelta(seconds=20), "pageview", "/live", event_id="e1"),
            _event(
                "rt-1",
                now - dt.timedelta(seconds=10),
                "engagement",
                "/live",
                engagement={"engaged_ms": 5000},
                event_id="e2",
            ),
            _event("rt-2", now - dt.timedelta(minutes=12), "pageview", "/old", event_id="e3"),
        ]
        acked = httpx.post(f"{gateway.url}/api/v1/events", json=sent, timeout=10)
        assert acked.status_code == 202, acked.text
        deadline, doc = time.monotonic() + 5, empty
        while time.monotonic() < deadline and doc["active_users"] == 0:
            time.sleep(0.2)
            doc = api.get("/api/v1/realtime", params={"tracking_id": "ST-TEST"}).json()
        assert doc["active_users"] == 1  # rt-2's page view is 12 minutes old
        assert doc["active_sessions"] == 1
        assert sum(m["events"] for m in doc["events_per_minute"]) == 2  # not the ping
        assert doc["top_pages"] == [
            {"url": "/live", "active_users": 1, "pageviews": 1},
            {"url": "/old", "active_users": 1, "pageviews": 1},
        ]
        assert doc["devices"] == {"desktop": 2}

        gateway.stop()
        run_pipeline(echo=False)  # now in bronze and in ClickHouse's events, too
        after = api.get("/api/v1/realtime", params={"tracking_id": "ST-TEST"}).json()
        assert after["active_users"] == 1
        assert sum(m["events"] for m in after["events_per_minute"]) == 2  # not 4
        assert after["top_pages"] == doc["top_pages"]

        with api.stream(
            "GET",
            "/api/v1/realtime/stream",
            params={"tracking_id": "ST-TEST", "count": 2, "interval": 1},
        ) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = [line for line in stream.iter_lines() if line]
        assert lines[0] == "event: realtime" and lines[2] == "event: realtime"
        assert json.loads(lines[1].removeprefix("data: "))["active_users"] == 1
        assert len(lines) == 4


def test_realtime_needs_the_sites_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from serving.app import create_app

    env = make_env(tmp_path, monkeypatch)
    env.store.add_site("ST-OTHER", ["other.example"], "UTC")
    other_key = env.store.create_key("ST-OTHER")
    with TestClient(create_app(env.settings)) as api:
        params = {"tracking_id": "ST-TEST"}
        assert api.get("/api/v1/realtime", params=params).status_code == 401
        assert api.get("/api/v1/realtime/stream", params=params).status_code == 401
        bearer = {"Authorization": f"Bearer {other_key}"}
        assert api.get("/api/v1/realtime", params=params, headers=bearer).status_code == 403
        bearer = {"Authorization": f"Bearer {env.key}"}
        missing = api.get("/api/v1/realtime", headers=bearer)
        assert missing.status_code == 400 and "tracking_id" in missing.json()["detail"]


def test_the_document_on_a_hand_worked_minute_series() -> None:
    now = dt.datetime(2026, 3, 1, 10, 30, 15, tzinfo=dt.UTC)

    def row(client: str, minutes_ago: float, kind: str = "pageview", **extra: object) -> dict:
        return {
            "tracking_id": "ST-TEST",
            "event_id": f"{client}-{minutes_ago}",
            "client_id": client,
            "session_hint": extra.get("session"),
            "event_type": kind,
            "event_at": now - dt.timedelta(minutes=minutes_ago),
            "received_at": now,
            "page_path": extra.get("path", "/"),
            "channel": extra.get("channel", "Direct"),
            "device": extra.get("device", "desktop"),
            "is_bot": extra.get("bot", False),
        }

    events = pl.DataFrame(
        [
            row("a", 1, session="s1"),
            row("a", 2, session="s2"),  # a second session of the same visitor
            row("b", 4.9, path="/p", channel="Organic Search", device="mobile"),
            row("c", 6, path="/p"),  # not active: 6 minutes ago
            row("d", 29),  # 10:01:15, in the oldest minute shown
            row("e", 31),  # before the window
            row("f", 1, bot=True),
            row("g", 1, kind="engagement"),
            row("h", -1),  # in the future
        ]
    )
    doc = realtime_document(events, "ST-TEST", now)
    assert doc["active_users"] == 2  # a, b
    assert doc["active_sessions"] == 3  # s1, s2, b
    series = {m["minute"]: m["events"] for m in doc["events_per_minute"]}
    minutes = list(series)
    assert (minutes[0], minutes[-1]) == ("2026-03-01T10:01:00Z", "2026-03-01T10:30:00Z")
    assert series["2026-03-01T10:29:00Z"] == 1  # a at 10:29:15
    assert series["2026-03-01T10:28:00Z"] == 1  # a at 10:28:15
    assert series["2026-03-01T10:25:00Z"] == 1  # b at 10:25:21
    assert series["2026-03-01T10:24:00Z"] == 1  # c at 10:24:15
    assert series["2026-03-01T10:01:00Z"] == 1  # d
    assert sum(series.values()) == 5
    assert doc["top_pages"] == [
        {"url": "/", "active_users": 2, "pageviews": 3},  # a twice, d
        {"url": "/p", "active_users": 2, "pageviews": 2},  # b, c
    ]
    assert doc["traffic_sources"] == {"Direct": 3, "Organic Search": 1}
    assert doc["devices"] == {"desktop": 3, "mobile": 1}
    assert doc["timestamp"] == "2026-03-01T10:30:15.000Z"
