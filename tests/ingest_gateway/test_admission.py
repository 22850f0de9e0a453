"""Rate limits, the WAL disk budget, the beacon pixel and browser origins (CORS)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ingest_gateway.routes.beacon import GIF
from lake.storage import EVENT_SCHEMA, Lake, LakePaths
from tests.conftest import Env, make_env
from tests.samples import GOOD


def _landed(env: Env):
    lake = Lake(env.settings)
    files = lake.list_files(LakePaths(env.settings.lake_uri).landing_events)
    return lake.read_parquet(files, EVENT_SCHEMA)


def _gateway(env: Env) -> TestClient:
    from ingest_gateway.app import create_app

    return TestClient(create_app(env.settings))


def test_over_the_site_rate_is_429_with_retry_after_and_nothing_logged(env: Env) -> None:
    env.store.add_site("ST-TEST", ["shop.example"], rate_limit_eps=600)
    batch = [{**GOOD, "client_id": f"c{i}"} for i in range(500)]
    with _gateway(env) as gw:
        assert gw.post("/api/v1/events", json=batch).status_code == 202
        r = gw.post("/api/v1/events", json=batch)
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert "600 events/s" in r.json()["error"]
    assert _landed(env).height == 500


def test_wal_over_its_disk_budget_is_503_with_retry_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, monkeypatch, STRATA_WAL_MAX_BYTES="1000", STRATA_FLUSH_SECONDS="3600")
    with _gateway(env) as gw:
        batch = [{**GOOD, "client_id": f"c{i}"} for i in range(20)]
        assert gw.post("/api/v1/events", json=batch).status_code == 202  # now over 1000 bytes
        r = gw.post("/api/v1/events", json=GOOD)
        assert r.status_code == 503
        assert r.headers["retry-after"] == "5"
    assert _landed(env).height == 20  # the acknowledged ones all landed on shutdown


def test_beacon_pixel_ingests_the_query_string_event(env: Env) -> None:
    with _gateway(env) as gw:
        r = gw.get(
            "/api/v1/beacon",
            params={
                "tracking_id": "ST-TEST",
                "client_id": "px1",
                "event_type": "pageview",
                "url": "https://shop.example/pricing?utm_source=newsletter&utm_medium=email",
                "title": "Pricing",
                "timestamp": "1772000000000",
            },
        )
        assert (r.status_code, r.content, r.headers["content-type"]) == (202, GIF, "image/gif")
        bad = gw.get("/api/v1/beacon", params={"tracking_id": "ST-TEST"})
        assert bad.status_code == 400 and bad.content == GIF
        assert "client_id" in bad.headers["x-strata-result"]
    (row,) = _landed(env).to_dicts()
    assert (row["client_id"], row["page_path"], row["page_title"], row["channel"]) == (
        "px1",
        "/pricing",
        "Pricing",
        "Email",
    )
    assert row["event_at"].timestamp() == 1_772_000_000


def test_send_beacon_text_plain_body_is_accepted(env: Env) -> None:
    import orjson

    with _gateway(env) as gw:
        r = gw.post(
            "/api/v1/beacon",
            content=orjson.dumps([GOOD]),
            headers={"content-type": "text/plain;charset=UTF-8"},
        )
        assert r.status_code == 202 and r.json()["accepted"] == 1


def test_browsers_may_send_only_from_their_sites_domains(env: Env) -> None:
    with _gateway(env) as gw:
        ok = gw.options("/api/v1/events", headers={"Origin": "https://www.shop.example"})
        assert ok.status_code == 204
        assert ok.headers["access-control-allow-origin"] == "https://www.shop.example"
        assert (
            gw.options("/api/v1/events", headers={"Origin": "https://evil.example"}).status_code
            == 403
        )

        r = gw.post("/api/v1/events", json=[GOOD], headers={"Origin": "https://shop.example"})
        assert (
            r.status_code == 202
            and r.headers["access-control-allow-origin"] == "https://shop.example"
        )
        r = gw.post("/api/v1/events", json=[GOOD], headers={"Origin": "https://evil.example"})
        assert r.status_code == 400
        assert (
            "origin 'evil.example' is not a domain of site 'ST-TEST'"
            in r.json()["rejected"][0]["error"]
        )
        assert "access-control-allow-origin" not in r.headers
        # Server-side senders send no Origin and are not restricted.
        assert gw.post("/api/v1/events", json=[GOOD]).status_code == 202
