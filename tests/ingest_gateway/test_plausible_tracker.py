"""Plausible's own npm tracker (@plausible-analytics/tracker 0.4.6, installed from the npm
registry) in Debian's headless Chromium, pointed at the gateway's ``/api/event``."""

from __future__ import annotations

import json
import time
from http.server import ThreadingHTTPServer

import polars as pl
import pytest
from fastapi.testclient import TestClient

from lake.storage import LakePaths
from orchestration.runner import run_pipeline
from tests.browser import CHROMEDRIVER, CHROMIUM, browser, serve_site
from tests.conftest import Env, LiveGateway
from tests.npm import npm_package

VERSION = "0.4.6"
OTHER_VISITOR = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)

PAGE = """<!doctype html><html><head><title>Shop</title></head>
<body style="height: 4000px">
<button id="signup">Sign up</button> <button id="buy">Buy</button>
<button id="spa">Pricing</button> <a id="away" href="/bye">Leave</a>
<script type="module">
import {{ init, track }} from "/plausible.js";
init({{ domain: "shop.example", endpoint: "{gateway}/api/event", captureOnLocalhost: true,
        logging: false }});
document.getElementById("signup").onclick = () => track("signup", {{ props: {{ plan: "pro" }} }});
document.getElementById("buy").onclick = () =>
  track("Purchase", {{ revenue: {{ amount: 15.99, currency: "USD" }} }});
document.getElementById("spa").onclick = () => history.pushState({{}}, "", "/pricing");
window.ready = true;
</script></body></html>"""


def _tracker() -> bytes:
    """plausible.js from the npm registry (kept in .cache/ between runs)."""
    modules = npm_package("@plausible-analytics/tracker", VERSION)
    return (modules / "@plausible-analytics" / "tracker" / "plausible.js").read_bytes()


def _site(gateway_url: str, tracker: bytes) -> ThreadingHTTPServer:
    def answer(path: str) -> tuple[bytes, str]:
        if path == "/plausible.js":
            return tracker, "text/javascript"
        if path == "/bye":  # a page without the tracker: leaving is the last word
            return b"<!doctype html><title>Bye</title>", "text/html"
        return PAGE.format(gateway=gateway_url).encode(), "text/html"

    return serve_site(answer)


@pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs Debian chromium + chromium-driver (make test installs them)",
)
def test_plausibles_tracker_pageviews_events_revenue_and_engagement(env: Env) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    tracker = _tracker()
    env.store.add_site("ST-TEST", ["shop.example", "127.0.0.1"], rate_limit_eps=1_000_000)
    gateway = LiveGateway(env)
    site = _site(gateway.url, tracker)
    page = f"http://127.0.0.1:{site.server_address[1]}"
    try:
        for driver in browser():
            driver.get(f"{page}/")
            WebDriverWait(driver, 10).until(lambda d: d.execute_script("return !!window.ready"))
            time.sleep(0.3)
            driver.execute_script("window.scrollTo(0, 1500)")
            driver.find_element(By.ID, "signup").click()
            driver.find_element(By.ID, "buy").click()
            time.sleep(0.5)
            driver.find_element(By.ID, "spa").click()  # SPA navigation: "/" is reported
            time.sleep(0.5)
            driver.find_element(By.ID, "away").click()  # page hide: "/pricing" is reported
            WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/bye"))
            time.sleep(1)
        for driver in browser(user_agent=OTHER_VISITOR):  # one page, then gone: a bounce
            driver.get(f"{page}/")
            WebDriverWait(driver, 10).until(lambda d: d.execute_script("return !!window.ready"))
            time.sleep(0.5)
            driver.get(f"{page}/bye")
            time.sleep(1)
    finally:
        site.shutdown()
        gateway.stop()

    run_pipeline(echo=False)
    bronze = pl.read_delta(LakePaths(env.settings.lake_uri).bronze_events).sort("event_at")
    first = bronze["client_id"][0]
    mine = bronze.filter(pl.col("client_id") == first)
    actions = mine.filter(pl.col("event_type") != "engagement")
    assert actions.select("event_type", "event_name", "page_path").rows() == [
        ("pageview", None, "/"),
        ("event", "signup", "/"),
        ("purchase", "Purchase", "/"),
        ("pageview", None, "/pricing"),
    ]
    signup = actions.row(1, named=True)
    assert json.loads(signup["properties"]) == {"plan": "pro"}
    purchase = actions.row(2, named=True)
    assert (purchase["revenue_amount"], purchase["revenue_currency"]) == (15.99, "USD")
    pings = mine.filter(pl.col("event_type") == "engagement")
    reported = {r["page_path"]: r for r in pings.to_dicts()}
    assert set(reported) == {"/", "/pricing"}
    assert reported["/"]["engaged_ms"] >= 500 and reported["/"]["scroll_depth"] > 30
    assert all(0 <= r["scroll_depth"] <= 100 for r in reported.values())
    assert pings["event_name"].to_list() == [None] * pings.height

    from serving.app import create_app

    with TestClient(create_app(env.settings)) as api:
        r = api.post(
            "/api/v1/query",
            json={
                "tracking_id": "ST-TEST",
                "metrics": ["pageviews", "events", "sessions", "bounce_rate", "unique_users"],
            },
            headers={"Authorization": f"Bearer {env.key}"},
        )
    assert r.json()["rows"] == [
        # visitor 1: 2 page views + 2 events; visitor 2: 1 page view and a ping, a bounce
        {"pageviews": 3, "events": 5, "sessions": 2, "bounce_rate": 0.5, "unique_users": 2}
    ]
