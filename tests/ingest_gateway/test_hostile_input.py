"""Reproducers of the hostile-input probe: each once froze the gateway, answered 500,
or stored a value readers cannot use.  Each answer here is a 4xx (or a per-event
rejection) naming the field, and nothing invalid lands."""

from __future__ import annotations

import gzip
import json
import statistics
import time

import orjson
import polars as pl
import pytest
from fastapi.testclient import TestClient

from ingest_gateway.enrich import ua as ua_module
from ingest_gateway.ratelimit import RateLimiter
from lake.storage import EVENT_SCHEMA, Lake, LakePaths
from tests.conftest import Env

BASE = {"tracking_id": "ST-TEST", "client_id": "c1", "timestamp": "2026-03-01T10:00:00Z"}
SEG_AUTH = {"Authorization": "Basic U1QtVEVTVDo="}  # writeKey "ST-TEST"


@pytest.fixture
def gw(env: Env):
    from ingest_gateway.app import create_app

    env.store.add_site("G-TEST", ["ga.example"], rate_limit_eps=1_000_000)
    with TestClient(create_app(env.settings), raise_server_exceptions=False) as client:
        yield client


def _landed(env: Env) -> pl.DataFrame:
    lake = Lake(env.settings)
    return lake.read_parquet(
        lake.list_files(LakePaths(env.settings.lake_uri).landing_events), EVENT_SCHEMA
    )


def _fastest_under(bound: float, call, attempts: int = 3) -> float:
    """Seconds of the fastest of up to ``attempts`` calls (``call(k)`` sends fresh input
    each time, so no cache answers a retry): a stall repeats, a busy CI core does not."""
    fastest = float("inf")
    for k in range(attempts):
        started = time.perf_counter()
        call(k)
        fastest = min(fastest, time.perf_counter() - started)
        if fastest < bound:
            break
    return fastest


def _median_seconds(call, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# -- the gateway never freezes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        "Mozilla/5.0 " + "a" * 8192,
        "a" * 60_000,
        "Mozilla/5.0 " + "ab1 " * 5000,
        "Mozilla/5.0 (" + "; x" * 5000,
        "Mozilla/5.0 Chrome/" + "1." * 10_000,
        "Mozilla/5.0 (compatible; " + "bot-" * 5000,
    ],
    ids=["8k-letters", "60k-letters", "words", "parens", "versions", "bot-words"],
)
def test_user_agent_parsing_costs_about_what_a_normal_one_does(hostile: str) -> None:
    parse = ua_module.parse_user_agent.__wrapped__  # uncached
    normal = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36"
    )
    parse(normal), parse(hostile)  # warm the matchers
    ratio = _median_seconds(lambda: parse(hostile)) / _median_seconds(lambda: parse(normal))
    # before: quadratic (an 8 KB agent took 6.6 s, ~100,000x a normal one)
    assert ratio < 20, ratio


def test_bot_verdicts_match_crawlerdetect_on_real_agents() -> None:
    from crawlerdetect import CrawlerDetect

    from ingest_gateway.enrich.bots import is_bot_user_agent

    agents = [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        "Yandex/1.01.001 (compatible; Win16; I)",
        "YandexSearch/1.0",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Wget/1.21",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Mobile Safari/537.36",
    ]
    reference = CrawlerDetect()
    assert [is_bot_user_agent(a) for a in agents] == [reference.is_crawler(a) for a in agents]
    assert is_bot_user_agent("Mozilla/5.0 (X11) HeadlessChrome/126.0 Safari/537.36")


def test_500_events_with_distinct_long_agents_take_about_as_long_as_500_alike(
    gw: TestClient,
) -> None:
    def batch(agent) -> list[dict]:
        return [
            {**BASE, "client_id": f"c{i}", "context": {"user_agent": agent(i)}} for i in range(500)
        ]

    alike = batch(
        lambda i: "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"
    )
    gw.post("/api/v1/events", json=alike)
    normal = _median_seconds(lambda: gw.post("/api/v1/events", json=alike), 3)
    bound = max(20 * normal, 1.0)

    def send_hostile(k: int) -> None:
        hostile = batch(lambda i: f"Mozilla/5.0 {k}{i:04d} " + "x" * 1000)
        r = gw.post("/api/v1/events", json=hostile)
        assert r.status_code == 202 and r.json()["accepted"] == 500

    assert _fastest_under(bound, send_hostile) < bound  # before: 49 s


def test_huge_headers_are_431_and_a_long_user_agent_header_is_cut(gw: TestClient, env: Env) -> None:
    r = gw.post("/api/v1/events", json=BASE, headers={"User-Agent": "x" * 20_000})
    assert r.status_code == 431 and "at most 16384" in r.json()["error"]
    long_ua = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0 " + "z" * 8000
    r = gw.post("/api/v1/events", json=BASE, headers={"User-Agent": long_ua})
    assert r.status_code == 202
    (row,) = _landed_after(gw, env).to_dicts()
    assert (row["browser"], row["os"]) == ("Firefox", "Linux")  # parsed from the first 512


def _landed_after(gw: TestClient, env: Env) -> pl.DataFrame:
    gw.app.state.intake.flusher.stop()  # lands everything the WAL holds
    return _landed(env)


@pytest.mark.parametrize("path", ["/v1/batch", "/api/event", "/mp/collect?measurement_id=G-TEST"])
def test_a_gzip_bomb_is_413_without_inflating_it(gw: TestClient, path: str) -> None:
    bomb = gzip.compress(b" " * (64 * 1024 * 1024))  # 64 KiB on the wire
    r = gw.post(path, content=bomb, headers={"Content-Encoding": "gzip"})
    assert r.status_code == 413 and "decompressed body" in r.json()["error"]


def test_compat_batches_obey_the_500_event_limit_after_decoding(gw: TestClient) -> None:
    message = {"type": "track", "event": "x", "anonymousId": "a"}
    body = gzip.compress(orjson.dumps({"writeKey": "ST-TEST", "batch": [message] * 501}))
    r = gw.post("/v1/batch", content=body, headers={"Content-Encoding": "gzip"})
    assert r.status_code == 400 and "at most 500" in r.json()["error"]
    r = gw.post("/mp/collect?measurement_id=G-TEST", json={"client_id": "c", "events": [{}] * 501})
    assert r.status_code == 400 and "at most 500" in r.json()["error"]


def test_ga4_events_without_a_name_are_rejected_and_alike_events_stay_apart(
    gw: TestClient, env: Env
) -> None:
    body = {
        "client_id": "c",
        "timestamp_micros": 1772359200000000,
        "events": [{}, {"name": "add_to_cart"}, {"name": "add_to_cart"}],
    }
    r = gw.post("/mp/collect?measurement_id=G-TEST", json=body)
    assert r.status_code == 202
    assert r.json()["rejected"] == [{"index": 0, "error": "events[0].name is required"}]
    landed = _landed_after(gw, env)
    assert landed["event_name"].to_list() == ["add_to_cart", "add_to_cart"]
    assert landed["event_id"].n_unique() == 2


def test_a_batch_over_the_bucket_waits_an_honest_retry_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ingest_gateway import ratelimit

    clock = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: clock[0])
    limiter = RateLimiter()
    assert limiter.try_take_all({"A": 500}, {"A": 10}) == (None, 0.0)  # the bucket holds 500
    site, wait = limiter.try_take_all({"A": 500}, {"A": 10})
    assert (site, wait) == ("A", 50.0)
    clock[0] += 50.0
    assert limiter.try_take_all({"A": 500}, {"A": 10}) == (None, 0.0)  # admitted, not forever


def test_a_request_over_one_sites_rate_takes_nothing_from_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ingest_gateway import ratelimit

    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: 0.0)
    limiter = RateLimiter()
    assert limiter.try_take_all({"B": 500}, {"B": 1}) == (None, 0.0)
    assert limiter.try_take_all({"A": 400, "B": 1}, {"A": 1, "B": 1})[0] == "B"
    assert limiter.try_take_all({"A": 500}, {"A": 1}) == (None, 0.0)  # A still has all 500


# -- 4xx, never 500 ---------------------------------------------------------------------------


def test_invalid_utf8_rejects_only_its_event(gw: TestClient) -> None:
    body = (
        b'[{"tracking_id":"ST-TEST","client_id":"c\xff1"},'
        b'{"tracking_id":"ST-TEST","client_id":"c2"}]'
    )
    for path in ("/api/v1/events", "/api/v1/beacon"):
        r = gw.post(path, content=body)
        assert r.status_code == 202, r.text
        assert r.json() == {
            "accepted": 1,
            "rejected": [{"index": 0, "error": "event is not valid UTF-8"}],
        }


def test_json_nested_deeper_than_the_decoder_allows_is_400(gw: TestClient) -> None:
    r = gw.post("/api/v1/events", content=b"[" * 1000 + b"]" * 1000)
    assert r.status_code == 400 and "nested too deeply" in r.json()["error"]


def _deep(levels: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(levels):
        value = {"x": value}
    return value


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/v1/track",
            {
                "writeKey": "ST-TEST",
                "event": "e",
                "anonymousId": "a",
                "properties": {"p": _deep(300)},
            },
        ),
        (
            "/api/event",
            {"n": "e", "u": "https://shop.example/", "d": "shop.example", "p": {"p": _deep(300)}},
        ),
        (
            "/mp/collect?measurement_id=G-TEST",
            {"client_id": "c", "events": [{"name": "e", "params": {"p": _deep(300)}}]},
        ),
        (
            "/api/send",
            {
                "type": "event",
                "payload": {
                    "website": "ST-TEST",
                    "url": "/",
                    "name": "e",
                    "data": {"p": _deep(300)},
                },
            },
        ),
    ],
    ids=["segment", "plausible", "ga4", "umami"],
)
def test_deeply_nested_properties_reject_the_event_on_every_compat_endpoint(
    gw: TestClient, path: str, body: dict
) -> None:
    r = gw.post(path, content=json.dumps(body))
    assert r.status_code == 400, r.text
    assert "properties.p" in r.json()["rejected"][0]["error"]


def test_integers_beyond_64_bits_are_kept_as_strings(gw: TestClient, env: Env) -> None:
    body = (
        b'{"tracking_id":"ST-TEST","client_id":"c1",'
        b'"properties":{"n":18446744073709551616,"m":-9223372036854775808}}'
    )
    assert gw.post("/api/v1/events", content=body).status_code == 202
    (row,) = _landed_after(gw, env).to_dicts()
    assert orjson.loads(row["properties"]) == {"n": "18446744073709551616", "m": -(2**63)}


def test_the_pixel_echoes_non_latin1_text_as_ascii_json(gw: TestClient) -> None:
    r = gw.get("/api/v1/beacon", params={"tracking_id": "例", "client_id": "c"})
    assert r.status_code == 400 and r.headers["content-type"] == "image/gif"
    result = r.headers["x-strata-result"]
    assert result.isascii()
    assert json.loads(result)["rejected"][0]["error"] == "unknown tracking_id '例'"


@pytest.mark.parametrize("event", [["x"], {"x": 1}, 7])
def test_a_segment_event_name_that_is_not_a_string_is_400(gw: TestClient, event: object) -> None:
    body = {"writeKey": "ST-TEST", "anonymousId": "a", "event": event}
    r = gw.post("/v1/track", json=body)
    assert r.status_code == 400
    assert r.json()["rejected"][0]["error"] == "event must be a string naming the action"


def test_pixel_timestamps_that_only_look_numeric_are_400(gw: TestClient) -> None:
    for ts in ("²", "1٢3", "1e5", "--1"):
        r = gw.get("/api/v1/beacon", params={**BASE, "timestamp": ts})
        assert r.status_code == 400, ts
        assert "timestamp" in json.loads(r.headers["x-strata-result"])["rejected"][0]["error"]


@pytest.mark.parametrize("micros", ["²", "9" * 400, "9" * 5000, "12a", True, [1]])
def test_bad_ga4_timestamp_micros_are_400(gw: TestClient, micros: object) -> None:
    body = {"client_id": "c", "timestamp_micros": micros, "events": [{"name": "e"}]}
    r = gw.post("/mp/collect?measurement_id=G-TEST", json=body)
    assert r.status_code == 400
    assert "timestamp_micros" in r.json()["rejected"][0]["error"]


def test_a_numeric_segment_order_id_becomes_the_transaction_id(gw: TestClient, env: Env) -> None:
    body = {
        "writeKey": "ST-TEST",
        "anonymousId": "a",
        "event": "Order Completed",
        "timestamp": "2026-03-01T10:00:00Z",
        "properties": {"order_id": 12, "revenue": 3.5, "currency": "eur"},
    }
    r = gw.post("/v1/track", json=body)
    assert r.status_code == 200 and r.json()["accepted"] == 1
    (row,) = _landed_after(gw, env).to_dicts()
    assert (row["transaction_id"], row["revenue_amount"], row["revenue_currency"]) == (
        "12",
        3.5,
        "EUR",
    )


# -- nothing malformed is stored ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event_id": "e\x00"}, "event_id"),
        ({"client_id": "c\x01d"}, "client_id"),
        ({"client_id": "   "}, "client_id"),
        ({"user_id": "u\x7f"}, "user_id"),
        ({"user_id": " \t "}, "user_id"),
        ({"event_type": "event", "event_name": "sign\nup"}, "event_name"),
        ({"page": {"url": "https://shop.example/\x00"}}, "page.url"),
        ({"properties": {f"k{i}": i for i in range(10_000)}}, "properties"),
        ({"properties": {"big": "x" * 900_000}}, "properties.big"),
        ({"properties": {"k\x00": 1}}, "properties key"),
        ({"properties": {"nul": "a\x00b"}}, "properties.nul"),
        ({"properties": {"nested": [[1]]}}, "$.properties"),
        ({"revenue": {"amount": -6.2e13, "currency": "USD"}}, "revenue.amount"),
        ({"revenue": {"amount": 1e300, "currency": "USD"}}, "revenue.amount"),
        ({"revenue": {"amount": 1, "currency": "\x00\x00\x00"}}, "revenue.currency"),
        ({"revenue": {"amount": 1, "currency": "١٢٣"}}, "revenue.currency"),
        ({"revenue": {"amount": 1, "currency": "ABC"}}, "revenue.currency"),
        ({"experiment": {"id": "exp\x00", "variant": "B"}}, "experiment.id"),
    ],
)
def test_values_breaking_a_storage_rule_reject_their_event(
    gw: TestClient, env: Env, change: dict, field: str
) -> None:
    r = gw.post("/api/v1/events", content=orjson.dumps([{**BASE, **change}, BASE]))
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["accepted"] == 1
    (rejection,) = body["rejected"]
    assert rejection["index"] == 0 and field in rejection["error"]
    assert _landed_after(gw, env).height == 1


@pytest.mark.parametrize(
    ("change", "field", "column"),
    [
        ({"page": {"url": "https://shop.example/", "title": "T\x00"}}, "page.title", "page_title"),
        (
            {"page": {"url": "https://shop.example/", "referrer": "https://r.example/\x01"}},
            "page.referrer",
            "page_referrer",
        ),
        ({"context": {"screen": "1920x\x00"}}, "context.screen", "screen"),
        ({"context": {"language": "en\x00US"}}, "context.language", "language"),
        ({"context": {"timezone": "Mars/\x00"}}, "context.timezone", "client_timezone"),
        (
            {"page": {"url": "https://shop.example/?utm_source=" + "s" * 3000}},
            "utm_source",
            "utm_source",
        ),
        ({"page": {"url": "https://shop.example/?utm_source=a%00b"}}, "utm_source", "utm_source"),
    ],
)
def test_descriptive_fields_breaking_a_rule_are_dropped_and_said_so(
    gw: TestClient, env: Env, change: dict, field: str, column: str
) -> None:
    r = gw.post("/api/v1/events", content=orjson.dumps({**BASE, **change}))
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["accepted"] == 1
    assert body["rejected"] == [
        {"index": 0, "field": field, "error": body["rejected"][0]["error"], "dropped": True}
    ]
    (row,) = _landed_after(gw, env).to_dicts()
    assert row[column] is None


def test_good_values_are_normalized_not_refused(gw: TestClient, env: Env) -> None:
    event = {
        **BASE,
        "client_id": "  c1  ",
        "revenue": {"amount": -5.0, "currency": "usd"},
        "context": {"screen": "1920x1080", "language": "en-US", "timezone": "Europe/Berlin"},
        "properties": {"tags": ["a", 1, True, None], "price": 9.5},
    }
    r = gw.post("/api/v1/events", json=event)
    assert r.json() == {"accepted": 1, "rejected": []}
    (row,) = _landed_after(gw, env).to_dicts()
    assert (row["client_id"], row["revenue_amount"], row["revenue_currency"]) == ("c1", -5.0, "USD")
    assert (row["screen"], row["language"], row["client_timezone"]) == (
        "1920x1080",
        "en-US",
        "Europe/Berlin",
    )
    assert orjson.loads(row["properties"]) == {"tags": ["a", 1, True, None], "price": 9.5}


def test_a_real_gateway_refuses_a_megabyte_header_and_stays_responsive(env: Env) -> None:
    import httpx

    from tests.conftest import LiveGateway

    live = LiveGateway(env)
    try:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            normal = _median_seconds(lambda: client.get("/healthz"))
            r = client.post("/api/v1/events", json=BASE, headers={"User-Agent": "a" * 1_000_000})
            assert 400 <= r.status_code < 500
            bound = max(50 * normal, 1.0)

            def send_long(k: int) -> None:
                r = client.post(
                    "/api/v1/events", json=BASE, headers={"User-Agent": f"{k}" + "a" * 12_000}
                )
                assert r.status_code == 202  # cut to 512 characters for parsing, not refused

            assert _fastest_under(bound, send_long) < bound  # before: ~15 s
            assert client.get("/healthz").status_code == 200
    finally:
        live.stop()
