"""The JS tracker in a real headless Chromium: clicks on a page become events in the lake."""

from __future__ import annotations

import gzip
import time
from http.server import ThreadingHTTPServer

import polars as pl
import pytest

from ingest_gateway.routes.tracker import TRACKER_JS
from lake.storage import LakePaths
from orchestration.runner import run_pipeline
from tests.browser import CHROMEDRIVER, CHROMIUM, browser, serve_site
from tests.conftest import Env, LiveGateway

PAGE = """<!doctype html><html><head><title>Home</title>
<script defer src="{gateway}/tracker.js" data-site="ST-TEST" {attrs}></script></head><body>
<button id="signup" onclick="strata.track('signup', {{plan: 'pro'}})">Sign up</button>
<button id="spa" onclick="history.pushState({{}}, '', '/pricing')">Pricing</button>
<button id="buy" onclick="strata.track('checkout', {{sku: 'x'}},
  {{amount: 49.5, currency: 'EUR', transaction_id: 'T-9'}})">Buy</button>
<a id="away" href="/other">Other page</a></body></html>"""


def test_tracker_is_small() -> None:
    assert len(gzip.compress(TRACKER_JS, 9)) <= 2048


def _site(gateway_url: str, attrs: str, host_tracker: bool = False) -> ThreadingHTTPServer:
    """A web site on another origin than the gateway, every path serving the page.

    With ``host_tracker`` the site serves ``/tracker.js`` itself and points the snippet
    at the gateway with ``data-api`` (so the page loads while the gateway is down).
    """
    page = PAGE
    if host_tracker:
        page = PAGE.replace("{gateway}/tracker.js", "/tracker.js")
        attrs = f'{attrs} data-api="{gateway_url}"'

    def answer(path: str) -> tuple[bytes, str]:
        if host_tracker and path == "/tracker.js":
            return TRACKER_JS, "application/javascript"
        return page.format(gateway=gateway_url, attrs=attrs).encode(), "text/html"

    return serve_site(answer)


@pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs Debian chromium + chromium-driver (make test installs them)",
)
def test_clicks_in_a_real_browser_reach_the_lake_once_each(env: Env) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    env.store.add_site("ST-TEST", ["shop.example", "127.0.0.1"], rate_limit_eps=1_000_000)
    gateway = LiveGateway(env)
    site = _site(gateway.url, "")
    dnt_site = _site(gateway.url, "data-respect-dnt")
    page = f"http://127.0.0.1:{site.server_address[1]}"
    try:
        for driver in browser():
            driver.get(f"{page}/")
            WebDriverWait(driver, 10).until(lambda d: d.execute_script("return !!window.strata"))
            driver.find_element(By.ID, "signup").click()
            driver.find_element(By.ID, "spa").click()  # a single-page-app navigation
            driver.find_element(By.ID, "buy").click()
            time.sleep(0.2)
            driver.find_element(By.ID, "away").click()  # pagehide: the queue leaves by sendBeacon
            WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/other"))
            time.sleep(2.5)  # the new page's batch timer (1 s) fires
            assert driver.get_cookies() == []
        for driver in browser(dnt=True):  # Do-Not-Track, and the site asks to respect it
            driver.get(f"http://127.0.0.1:{dnt_site.server_address[1]}/")
            WebDriverWait(driver, 10).until(lambda d: d.execute_script("return !!window.strata"))
            driver.execute_script("strata.track('ignored')")
            time.sleep(2.5)
    finally:
        site.shutdown()
        dnt_site.shutdown()
        gateway.stop()

    run_pipeline(echo=False)
    everything = pl.read_delta(LakePaths(env.settings.lake_uri).bronze_events).sort("event_at")
    engagement = everything.filter(pl.col("event_type") == "engagement")
    bronze = everything.filter(pl.col("event_type") != "engagement")
    # leaving "/" (the SPA navigation) and "/pricing" (the link) each report the page:
    # time it was visible and the deepest scroll
    left = engagement.group_by("page_path").agg(
        pl.col("engaged_ms").sum(), pl.col("scroll_depth").max()
    )
    reported = {r["page_path"]: r for r in left.to_dicts()}
    assert {"/", "/pricing"} <= set(reported)
    for path in ("/", "/pricing"):
        assert reported[path]["engaged_ms"] >= 100
        assert 0 < reported[path]["scroll_depth"] <= 100
    assert engagement["client_id"].unique().to_list() == bronze["client_id"].unique().to_list()
    got = bronze.select("event_type", "event_name", "page_path").rows()
    assert got == [
        ("pageview", None, "/"),
        ("event", "signup", "/"),
        ("pageview", None, "/pricing"),
        ("purchase", "checkout", "/pricing"),
        ("pageview", None, "/other"),
    ]
    assert bronze["client_id"].n_unique() == 1  # one visitor across SPA and full navigations
    buy = bronze.filter(pl.col("event_type") == "purchase").row(0, named=True)
    assert (buy["revenue_amount"], buy["revenue_currency"], buy["transaction_id"]) == (
        49.5,
        "EUR",
        "T-9",
    )
    assert buy["properties"] == '{"sku":"x"}'
    pricing = bronze.filter(pl.col("page_path") == "/pricing").row(0, named=True)
    assert pricing["page_referrer"] == f"{page}/"
    assert set(bronze["browser"]) == {"Chrome"} and not bronze["is_bot"].any()
    assert set(bronze["language"]) == {"en-US"} and set(bronze["client_timezone"]) != {None}


@pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs Debian chromium + chromium-driver (make test installs them)",
)
def test_events_queued_while_the_gateway_is_down_arrive_once_it_is_back(env: Env) -> None:
    """The tracker retries with backoff; each event keeps its id, so nothing doubles."""
    import socket

    from selenium.webdriver.support.ui import WebDriverWait

    env.store.add_site("ST-TEST", ["shop.example", "127.0.0.1"], rate_limit_eps=1_000_000)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gateway_url = f"http://127.0.0.1:{port}"

    site = _site(gateway_url, "", host_tracker=True)
    gateway = None
    try:
        for driver in browser():
            driver.get(f"http://127.0.0.1:{site.server_address[1]}/")
            WebDriverWait(driver, 10).until(lambda d: d.execute_script("return !!window.strata"))
            driver.execute_script("strata.track('while_down')")
            time.sleep(1.5)  # the first sends fail: connection refused
            gateway = LiveGateway(env, port)
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and not list(env.settings.wal_dir.iterdir()):
                time.sleep(0.5)  # a retry (backoff 2 s, 4 s …) reaches the gateway
            time.sleep(1)
    finally:
        site.shutdown()
        if gateway is not None:
            gateway.stop()
    rows = [r for r in (gateway.landed() if gateway else []) if r["event_type"] != "engagement"]
    assert sorted((r["event_type"], r["event_name"]) for r in rows) == [
        ("event", "while_down"),
        ("pageview", None),
    ]
