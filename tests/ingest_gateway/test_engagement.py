"""Engagement pings and other sender telemetry are their own records: never events,
never a reason a session is no bounce, never visitors."""

from __future__ import annotations

import time

import polars as pl
from fastapi.testclient import TestClient

from lake.storage import EVENT_SCHEMA, Lake, LakePaths
from orchestration.runner import run_pipeline
from tests.conftest import Env

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"
HEADERS = {"User-Agent": UA, "X-Forwarded-For": "3.0.0.7"}


def _plausible(gw: TestClient, name: str, url: str, **extra: object) -> None:
    body = {"n": name, "u": url, "d": "shop.example", "v": 36, **extra}
    r = gw.post("/api/event", json=body, headers={"User-Agent": UA})
    assert r.status_code == 202, r.text


def _bronze(env: Env) -> pl.DataFrame:
    lake = Lake(env.settings)
    return lake.scan_delta(LakePaths(env.settings.lake_uri).bronze_events, EVENT_SCHEMA).collect()


def _report(env: Env, metrics: list[str]) -> dict:
    from serving.app import create_app

    with TestClient(create_app(env.settings)) as api:
        r = api.post(
            "/api/v1/query",
            json={"tracking_id": "ST-TEST", "metrics": metrics},
            headers={"Authorization": f"Bearer {env.key}"},
        )
    assert r.status_code == 200, r.text
    return r.json()["rows"][0]


def test_a_page_view_followed_by_engagement_pings_is_still_a_bounce(env: Env) -> None:
    from ingest_gateway.app import create_app

    with TestClient(create_app(env.settings)) as gw:
        _plausible(gw, "pageview", "https://shop.example/pricing")
        _plausible(gw, "engagement", "https://shop.example/pricing", e=4200, sd=35)
        _plausible(gw, "engagement", "https://shop.example/pricing", e=1800, sd=80)
    run_pipeline(echo=False)
    rows = _bronze(env).sort("event_type", "engaged_ms")
    assert rows.select("event_type", "event_name", "engaged_ms", "scroll_depth").rows() == [
        ("engagement", None, 1800, 80),
        ("engagement", None, 4200, 35),
        ("pageview", None, None, None),
    ]
    # today's report: one pageview, one event, one visitor, one session, a bounce
    assert _report(env, ["pageviews", "events", "unique_users", "sessions", "bounce_rate"]) == {
        "pageviews": 1,
        "events": 1,
        "unique_users": 1,
        "sessions": 1,
        "bounce_rate": 1.0,
    }


def test_pings_alone_make_no_session_and_no_visitor(env: Env) -> None:
    from ingest_gateway.app import create_app

    with TestClient(create_app(env.settings)) as gw:
        _plausible(gw, "engagement", "https://shop.example/", e=500, sd=10)
        _plausible(gw, "signup", "https://shop.example/", p={"plan": "pro"})
    run_pipeline(echo=False)
    assert _report(env, ["events", "unique_users", "sessions"]) == {
        "events": 1,
        "unique_users": 1,
        "sessions": 1,
    }


def test_other_senders_telemetry_maps_to_its_own_kinds(env: Env) -> None:
    from ingest_gateway.app import create_app

    env.store.add_site("G-TEST", ["ga.example"], rate_limit_eps=1_000_000)
    with TestClient(create_app(env.settings)) as gw:
        ga = {
            "client_id": "c.1",
            "events": [{"name": "user_engagement", "params": {"engagement_time_msec": "2500"}}],
        }
        assert gw.post("/mp/collect?measurement_id=G-TEST", json=ga).status_code == 204
        umami = {"type": "identify", "payload": {"website": "ST-TEST", "data": {"plan": "pro"}}}
        assert gw.post("/api/send", json=umami, headers=HEADERS).status_code == 200
        screen = {"writeKey": "ST-TEST", "anonymousId": "a", "name": "Home"}
        assert gw.post("/v1/screen", json=screen).status_code == 200
        native = {"tracking_id": "ST-TEST", "client_id": "c", "event_type": "engagement"}
        r = gw.post("/api/v1/events", json=native)
        assert r.status_code == 400 and "engagement is required" in r.text
        gw.app.state.intake.flusher.stop()
    lake = Lake(env.settings)
    landed = lake.read_parquet(
        lake.list_files(LakePaths(env.settings.lake_uri).landing_events), EVENT_SCHEMA
    )
    got = sorted(
        landed.select("tracking_id", "event_type", "event_name", "engaged_ms", "page_title").rows()
    )
    assert got == [
        ("G-TEST", "engagement", None, 2500, None),
        ("ST-TEST", "identify", None, None, None),
        ("ST-TEST", "pageview", None, None, "Home"),
    ]


def test_wal_rows_written_before_the_engagement_columns_still_land() -> None:
    from msgspec.structs import astuple

    from ingest_gateway.contract import event_decoder
    from ingest_gateway.enrich.rows import enrich
    from ingest_gateway.flusher import rows_frame

    row = enrich(event_decoder.decode(b'{"tracking_id":"S","client_id":"c"}'), 10**15, None, None)
    old = list(astuple(row))[:-3]  # the schema before engaged_ms, scroll_depth, is_interactive
    frame = rows_frame([old])
    assert frame.height == 1 and frame["engaged_ms"].to_list() == [None]
    assert frame.schema == pl.Schema(EVENT_SCHEMA)


def test_plausible_non_interactive_events_do_not_end_a_bounce(env: Env) -> None:
    """Plausible's rule: an event sent with ``"i": false`` leaves a one-page session a
    bounce; the same event sent interactively ends it."""
    from ingest_gateway.app import create_app

    other_ua = {"User-Agent": UA.replace("127.0", "128.0")}  # another visitor (hash of UA)
    with TestClient(create_app(env.settings)) as gw:
        _plausible(gw, "pageview", "https://shop.example/")
        _plausible(gw, "video_autoplay", "https://shop.example/", i=False)
        body = {"n": "pageview", "u": "https://shop.example/a", "d": "shop.example"}
        assert gw.post("/api/event", json=body, headers=other_ua).status_code == 202
        body = {"n": "video_play", "u": "https://shop.example/a", "d": "shop.example"}
        assert gw.post("/api/event", json=body, headers=other_ua).status_code == 202
    run_pipeline(echo=False)
    flags = dict(
        _bronze(env).select("event_name", "is_interactive").drop_nulls("event_name").rows()
    )
    assert flags == {"video_autoplay": False, "video_play": None}
    # two sessions, one page view each: only the non-interactive one is a bounce
    assert _report(env, ["sessions", "bounce_rate", "events"]) == {
        "sessions": 2,
        "bounce_rate": 0.5,
        "events": 4,
    }


def test_ga4_engagement_time_on_any_event_adds_to_its_page_view(env: Env) -> None:
    """A page view, then a custom event of the same page carrying 1,500 ms and a
    user_engagement of 2,500 ms: the page view was engaged for 4 s."""
    from ingest_gateway.app import create_app

    env.store.add_site("G-TEST", ["ga.example"], rate_limit_eps=1_000_000)
    page = {"page_location": "https://ga.example/pricing"}
    now = (int(time.time()) - 60) * 1_000_000
    ga = {
        "client_id": "c.1",
        "events": [
            {"name": "page_view", "params": {**page, "timestamp_micros": now}},
            {
                "name": "scroll",
                "params": {
                    **page,
                    "engagement_time_msec": 1500,
                    "timestamp_micros": now + 1_000_000,
                },
            },
            {
                "name": "user_engagement",
                "params": {
                    **page,
                    "engagement_time_msec": 2500,
                    "timestamp_micros": now + 2_000_000,
                },
            },
        ],
    }
    with TestClient(create_app(env.settings)) as gw:
        assert gw.post("/mp/collect?measurement_id=G-TEST", json=ga).status_code == 204
    run_pipeline(echo=False)
    rows = _bronze(env).sort("event_at", "event_type")
    assert rows.select("event_type", "event_name", "engaged_ms").rows() == [
        ("pageview", None, None),
        ("engagement", None, 1500),
        ("event", "scroll", None),
        ("engagement", None, 2500),
    ]
    from lake.transforms import pageview_engagement

    found = pageview_engagement(rows.lazy()).collect()
    assert found["view_engaged_ms"].to_list() == [4000]
