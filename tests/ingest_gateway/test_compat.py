"""Compatibility endpoints, driven by the senders' own client libraries where one exists
(Segment's analytics-python, ga4mp, umami-analytics) and by the payload Plausible's
tracker script sends otherwise, against a real gateway process on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Env, LiveGateway

UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
UMAMI_SITE = "978435e2-7ba1-4337-9860-ec31ece2db60"


@pytest.fixture
def live(env: Env) -> Iterator[LiveGateway]:
    env.store.add_site("G-TEST123", ["ga.example"], rate_limit_eps=1_000_000)
    env.store.add_site(UMAMI_SITE, ["umami.example"], rate_limit_eps=1_000_000)
    gateway = LiveGateway(env)
    try:
        yield gateway
    finally:
        gateway.stop()


def test_segment_python_library(live: LiveGateway) -> None:
    from segment.analytics import Client

    client = Client(write_key="ST-TEST", host=live.url, sync_mode=True)
    ctx = {"ip": "81.2.69.142", "userAgent": UA}
    client.page(
        anonymous_id="anon-1",
        name="Pricing",
        context=ctx,
        properties={
            "url": "https://shop.example/pricing?utm_source=google&utm_medium=cpc&utm_campaign=brand",
            "title": "Pricing",
            "referrer": "https://www.google.com/",
        },
    )
    client.track(
        user_id="u-1",
        anonymous_id="anon-1",
        event="Signed Up",
        context=ctx,
        properties={"plan": "pro", "seats": 3, "tags": ["a", "b"]},
    )
    client.track(
        anonymous_id="anon-1",
        event="Order Completed",
        context=ctx,
        properties={"order_id": "o-9", "revenue": 42.5, "currency": "eur"},
    )
    client.identify(user_id="u-1", anonymous_id="anon-1", traits={"plan": "pro"}, context=ctx)
    client.flush()
    r = httpx.post(
        f"{live.url}/v1/track", json={"event": "x", "anonymousId": "a"}, auth=("nope", "")
    )
    assert r.status_code == 400 and "unknown tracking_id 'nope'" in r.text

    rows = {r["event_type"]: r for r in live.landed()}
    assert set(rows) == {"pageview", "event", "purchase", "identify"}
    pv = rows["pageview"]
    assert (pv["tracking_id"], pv["client_id"], pv["page_path"], pv["channel"]) == (
        "ST-TEST",
        "anon-1",
        "/pricing",
        "Paid Search",
    )
    assert (pv["country"], pv["browser"], pv["ip"]) == ("GB", "Safari", "81.2.69.0")
    ev = rows["event"]
    assert (ev["event_name"], ev["user_id"]) == ("Signed Up", "u-1")
    assert ev["properties"] == '{"plan":"pro","seats":3,"tags":["a","b"]}'  # flat lists kept
    buy = rows["purchase"]
    assert (buy["revenue_amount"], buy["revenue_currency"], buy["transaction_id"]) == (
        42.5,
        "EUR",
        "o-9",
    )
    assert len({r["event_id"] for r in rows.values()}) == 4  # Segment's messageIds


def test_ga4_measurement_protocol_library(live: LiveGateway) -> None:
    from ga4mp import GtagMP

    gtag = GtagMP(api_secret="secret", measurement_id="G-TEST123", client_id="1234.5678")
    gtag._base_domain = f"{live.url}/mp/collect"  # the library's Google host, pointed here
    view = gtag.create_new_event(name="page_view")
    view.set_event_param(
        "page_location", "https://ga.example/docs?utm_source=newsletter&utm_medium=email"
    )
    view.set_event_param("page_title", "Docs")
    buy = gtag.create_new_event(name="purchase")
    buy.set_event_param("value", 19.99)
    buy.set_event_param("currency", "usd")
    buy.set_event_param("transaction_id", "T-1")
    gtag.send(events=[view, buy])

    # the library sends engagement_time_msec on each event: an engagement record beside it
    landed = live.landed()
    pv, purchase = [r for r in landed if r["event_type"] != "engagement"]
    assert all(r["page_path"] in ("/docs", None) for r in landed if r["event_type"] == "engagement")
    assert (pv["tracking_id"], pv["client_id"], pv["event_type"]) == (
        "G-TEST123",
        "1234.5678",
        "pageview",
    )
    assert (pv["page_path"], pv["page_title"], pv["channel"]) == ("/docs", "Docs", "Email")
    assert (
        purchase["event_type"],
        purchase["revenue_amount"],
        purchase["revenue_currency"],
        purchase["transaction_id"],
    ) == ("purchase", 19.99, "USD", "T-1")


def test_umami_library(live: LiveGateway) -> None:
    import umami

    umami.set_url_base(live.url)
    umami.set_website_id(UMAMI_SITE)
    umami.set_hostname("umami.example")
    umami.new_page_view(page_title="Home", url="/", ip_address="5.9.0.10")
    umami.new_event(
        event_name="Signup", url="/signup", custom_data={"plan": "pro"}, ip_address="5.9.0.10"
    )

    pv, ev = live.landed()
    assert (pv["tracking_id"], pv["event_type"], pv["page_host"], pv["page_path"]) == (
        UMAMI_SITE,
        "pageview",
        "umami.example",
        "/",
    )
    assert (pv["country"], pv["page_title"]) == ("DE", "Home")
    assert (ev["event_type"], ev["event_name"], ev["properties"]) == (
        "event",
        "Signup",
        '{"plan":"pro"}',
    )
    assert pv["client_id"] == ev["client_id"]  # same visitor: same site, IP and user agent


def test_plausible_tracker_payload(live: LiveGateway) -> None:
    headers = {"User-Agent": UA, "X-Forwarded-For": "80.12.0.5", "Content-Type": "text/plain"}
    body = b'{"n":"pageview","u":"https://shop.example/blog/x","d":"shop.example","r":"https://news.ycombinator.com/","w":1280}'
    r = httpx.post(f"{live.url}/api/event", content=body, headers=headers)
    assert (r.status_code, r.text) == (202, "ok")
    body = b'{"name":"Purchase","url":"https://shop.example/checkout","domain":"shop.example","revenue":{"amount":"12.50","currency":"EUR"},"props":{"plan":"pro"}}'
    assert httpx.post(f"{live.url}/api/event", content=body, headers=headers).status_code == 202
    r = httpx.post(
        f"{live.url}/api/event", json={"n": "pageview", "u": "https://x.example/", "d": "x.example"}
    )
    assert r.status_code == 400 and "no site with that domain" in r.text

    pv, buy = live.landed()
    assert (pv["tracking_id"], pv["event_type"], pv["page_path"], pv["channel"]) == (
        "ST-TEST",
        "pageview",
        "/blog/x",
        "Referral",
    )
    assert (pv["country"], pv["ip"]) == ("FR", "80.12.0.0")  # from X-Forwarded-For
    assert (
        buy["event_type"],
        buy["event_name"],
        buy["revenue_amount"],
        buy["revenue_currency"],
    ) == ("purchase", "Purchase", 12.5, "EUR")
    assert pv["client_id"] == buy["client_id"] and pv["client_id"].startswith("h_")
