"""Hours of raw-table reports in zones with half-hour offsets and daylight-saving days.

On ClickHouse, raw rows are grouped by the instant their local hour starts while the
zone keeps one UTC offset over the range, else by the hour's label (a fall-back hour
is one row holding both UTC hours).  Answers are worked by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orchestration.runner import run_pipeline
from tests.conftest import BACKFILL_H, make_env

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"


def _ev(site: str, host: str, client_id: str, ts: str, etype: str = "pageview") -> dict:
    return {
        "tracking_id": site,
        "client_id": client_id,
        "event_type": etype,
        "timestamp": ts,
        "page": {"url": f"https://{host}/p"},
        "context": {"user_agent": UA, "ip": "3.0.0.7"},
    }


def test_raw_hours_in_kolkata_and_on_berlins_fall_back_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest_gateway.app import create_app as create_gateway
    from serving.app import create_app

    env = make_env(tmp_path, monkeypatch, tz="Asia/Kolkata")
    env.store.add_site("ST-DE", ["de.example"], "Europe/Berlin", allowed_lateness_hours=BACKFILL_H)
    events = [
        # Kolkata is UTC+05:30 all year
        _ev("ST-TEST", "shop.example", "k1", "2026-03-02T04:20:00Z"),  # 09:50
        _ev("ST-TEST", "shop.example", "k2", "2026-03-02T04:40:00Z"),  # 10:10
        _ev("ST-TEST", "shop.example", "k1", "2026-03-02T05:20:00Z", "click"),  # 10:50
        _ev("ST-TEST", "shop.example", "k3", "2026-03-02T18:40:00Z"),  # 00:10 on 3 March
        # Berlin, 25 October 2026: 02:00-03:00 happens twice (CEST, then CET)
        _ev("ST-DE", "de.example", "b1", "2026-10-25T00:30:00Z"),  # 02:30 CEST
        _ev("ST-DE", "de.example", "b2", "2026-10-25T01:30:00Z"),  # 02:30 CET
        _ev("ST-DE", "de.example", "b1", "2026-10-25T02:30:00Z"),  # 03:30 CET
    ]
    with TestClient(create_gateway(env.settings)) as gw:
        assert gw.post("/api/v1/events", json=events).json()["accepted"] == 7
    run_pipeline(echo=False)
    berlin_key = env.store.create_key("ST-DE")

    def hours(site: str, key: str, start: str, end: str) -> dict:
        r = api.post(
            "/api/v1/query",
            json={
                "tracking_id": site,
                "metrics": ["events", "visitors"],
                "dimensions": ["hour", "event_type"],  # event_type: the raw events answer
                "date_range": {"start": start, "end": end},
            },
            headers={"Authorization": f"Bearer {key}"},
        )
        assert r.status_code == 200, r.text
        return r.json()

    with TestClient(create_app(env.settings)) as api:
        kolkata = hours("ST-TEST", env.key, "2026-03-02", "2026-03-03")
        berlin = hours("ST-DE", berlin_key, "2026-10-25", "2026-10-25")
    assert kolkata["source"] == berlin["source"] == "clickhouse.events"
    assert kolkata["rows"] == [
        {"hour": "2026-03-02 09:00", "event_type": "pageview", "events": 1, "visitors": 1},
        {"hour": "2026-03-02 10:00", "event_type": "click", "events": 1, "visitors": 1},
        {"hour": "2026-03-02 10:00", "event_type": "pageview", "events": 1, "visitors": 1},
        {"hour": "2026-03-03 00:00", "event_type": "pageview", "events": 1, "visitors": 1},
    ]
    assert berlin["rows"] == [
        {"hour": "2026-10-25 02:00", "event_type": "pageview", "events": 2, "visitors": 2},
        {"hour": "2026-10-25 03:00", "event_type": "pageview", "events": 1, "visitors": 1},
    ]
