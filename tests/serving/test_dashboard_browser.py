"""The dashboard in Debian's headless Chromium against demo data served by a real
``strata serve``: every number a view shows equals the API's answer to the same
question; filters, the date range and shared URLs work; axe-core finds no serious or
critical accessibility violation on any view, at desktop and phone width.

Screenshots go to ``$STRATA_TEST_OUTPUT/dashboard`` (default ``test-output/dashboard``).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.browser import CHROMEDRIVER, CHROMIUM, browser

ROOT = Path(__file__).parents[2]
AXE = ROOT / "serving" / "web" / "node_modules" / "axe-core" / "axe.min.js"
OUTPUT = Path(os.environ.get("STRATA_TEST_OUTPUT", ROOT / "test-output")) / "dashboard"
STRATA = str(Path(sys.executable).with_name("strata"))
SITE = "ST-DEMO"
KPIS = [
    "visitors",
    "pageviews",
    "sessions",
    "bounce_rate",
    "avg_session_duration",
    "revenue",
    "conversion_rate",
    "avg_time_on_page",
]
PANELS = {d: "pageviews" for d in ("channel", "page_path", "country", "device")}

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="needs Debian's chromium and chromium-driver"
)


class Dash:
    """The served demo, an API client with the demo key, and one signed-in browser."""

    def __init__(self, base: str, key: str, driver: Any) -> None:
        self.base, self.key, self.d = base, key, driver
        self.http = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120
        )

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """The API's answer (200 expected)."""
        answer = self.http.request(method, path, **kwargs)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def query(self, **body: Any) -> dict:
        return self.api("POST", "/api/v1/query", json={"tracking_id": SITE, **body})

    def open(self, query: str) -> None:
        """Go to ``/?query`` and wait until every panel has loaded."""
        self.d.get(f"{self.base}/?{query}")
        self.settle()

    def settle(self, timeout: float = 60) -> None:
        """Wait until the view is drawn and nothing is loading."""
        deadline = time.monotonic() + timeout
        script = (
            "return !!document.querySelector('#view') && "
            "!document.querySelector('.loading') && document.readyState === 'complete'"
        )
        while time.monotonic() < deadline:
            if self.d.execute_script(script):
                time.sleep(0.2)  # a render may chain another request
                if self.d.execute_script(script):
                    return
            time.sleep(0.1)
        raise AssertionError(f"the view never finished loading: {self.text('#app')[:500]}")

    def text(self, css: str) -> str:
        return self.d.execute_script(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css
        )

    def values(self, css: str, attribute: str = "data-value") -> list[str]:
        return self.d.execute_script(
            "return [...document.querySelectorAll(arguments[0])]"
            ".map(e => e.getAttribute(arguments[1]));",
            css,
            attribute,
        )

    def kpis(self) -> dict[str, float | None]:
        found = self.d.execute_script(
            "return Object.fromEntries([...document.querySelectorAll('.kpi')]"
            ".map(k => [k.dataset.metric, k.querySelector('.kpi-value').dataset.value]));"
        )
        return {k: (float(v) if v not in ("", None) else None) for k, v in found.items()}

    def panel_rows(self, dimension: str) -> list[tuple]:
        rows = self.d.execute_script(
            "return [...document.querySelectorAll(`#panel-${arguments[0]} tbody tr`)]"
            ".map(r => [...r.querySelectorAll('[data-value]')].map(c => c.dataset.value));",
            dimension.replace(".", "-"),
        )
        return [tuple(r) for r in rows]

    def shot(self, name: str) -> None:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        self.d.save_screenshot(str(OUTPUT / f"{name}.png"))

    def state(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.d.current_url).query)


def _strata(home: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    env.update(STRATA_HOME=str(home), STRATA_WAREHOUSE_MODELS="false")
    return subprocess.Popen([STRATA, *args], env=env)


def sign_in(d: Any, base: str, key: str) -> None:
    from selenium.webdriver.common.by import By

    d.get(f"{base}/")
    field = d.find_element(By.ID, "api-key")
    field.send_keys(key)
    d.find_element(By.CSS_SELECTOR, "form.signin button[type=submit]").click()


@pytest.fixture(scope="module")
def dash(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dash]:
    home = tmp_path_factory.mktemp("dashboard") / "home"
    demo = _strata(home, "demo", "--days", "14", "--events", "9000", "--no-serve")
    assert demo.wait(timeout=900) == 0
    from cli.processes import free_port, stop, wait_healthy

    port = free_port()
    server = _strata(home, "serve", "--port", str(port), "--sql-port", "0")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, server, timeout=120)
        key = (home / "demo.key").read_text().strip()
        for driver in browser():
            driver.set_window_size(1280, 1000)
            sign_in(driver, base, key)
            dash = Dash(base, key, driver)
            dash.settle()
            yield dash
    finally:
        stop(server)


def _demo_range() -> dict[str, str]:
    end = dt.datetime.now(dt.UTC).date()
    return {"start": (end - dt.timedelta(days=6)).isoformat(), "end": end.isoformat()}


def _check_kpis(dash: Dash, date_range: dict, filters: list | None = None) -> None:
    answer = dash.query(
        date_range=date_range, metrics=KPIS, compare="previous_period", filters=filters or []
    )
    expected = answer["rows"][0]
    shown = dash.kpis()
    assert set(shown) == set(KPIS)
    for metric in KPIS:
        assert shown[metric] == pytest.approx(expected[metric], rel=1e-9, abs=1e-9), metric
    assert expected["visitors"] > 0


def _check_panels(dash: Dash, date_range: dict, filters: list) -> None:
    for dimension, second in PANELS.items():
        answer = dash.query(
            date_range=date_range,
            metrics=["visitors", second],
            dimensions=[dimension],
            filters=filters,
            order_by=[{"field": "visitors", "direction": "desc"}],
            limit=10,
        )
        expected = [
            (str(r[dimension] or ""), str(r["visitors"]), str(r[second])) for r in answer["rows"]
        ]
        assert sorted(dash.panel_rows(dimension)) == sorted(expected), dimension
        assert expected, dimension


def test_overview_numbers_equal_the_api_and_the_range_changes(dash: Dash) -> None:
    from selenium.webdriver.support.ui import Select

    dash.open(f"site={SITE}")
    assert dash.text("h1") == "Overview" and "Sign out" in dash.text("header")
    _check_kpis(dash, _demo_range())
    _check_panels(dash, _demo_range(), [])
    assert dash.values(".series .chart canvas", "class")  # the chart was drawn
    dash.shot("overview")
    Select(dash.d.find_element("id", "select-date-range")).select_by_value("30d")
    dash.settle()
    assert dash.state()["range"] == ["30d"]
    end = dt.datetime.now(dt.UTC).date()
    month = {"start": (end - dt.timedelta(days=29)).isoformat(), "end": end.isoformat()}
    _check_kpis(dash, month)
    dash.d.back()  # the back button returns to the 7 days
    dash.settle()
    assert "range" not in dash.state()
    _check_kpis(dash, _demo_range())


def test_a_clicked_channel_filters_every_panel_and_the_url_is_shareable(dash: Dash) -> None:
    dash.open(f"site={SITE}")
    first = dash.panel_rows("channel")[0][0]
    dash.d.execute_script("document.querySelector('#panel-channel tbody button.link').click()")
    dash.settle()
    assert dash.state()["f"] == [f"channel~{first}"]
    assert f"channel is {first}" in dash.text(".chips")
    filters = [{"field": "channel", "op": "eq", "value": first}]
    _check_kpis(dash, _demo_range(), filters)
    _check_panels(dash, _demo_range(), filters)
    dash.shot("overview-filtered")
    shared = dash.d.current_url
    dash.d.refresh()
    dash.settle()
    _check_kpis(dash, _demo_range(), filters)
    # the same URL in another browser, after signing in there, shows the same view
    for other in browser():
        other.set_window_size(1280, 1000)
        other.get(shared)
        from selenium.webdriver.common.by import By

        other.find_element(By.ID, "api-key").send_keys(dash.key)
        other.find_element(By.CSS_SELECTOR, "form.signin button[type=submit]").click()
        second = Dash(dash.base, dash.key, other)
        second.settle()
        assert second.state() == dash.state()
        assert second.kpis() == dash.kpis()
    # removing the chip removes the filter
    dash.d.execute_script("document.querySelector('.chips button.chip').click()")
    dash.settle()
    assert "f" not in dash.state()
    _check_kpis(dash, _demo_range())


def test_a_three_step_funnel_built_on_the_page_equals_the_funnel_api(dash: Dash) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    dash.open(f"site={SITE}&view=funnels&funnel=new&range=30d")
    dash.d.find_element(By.XPATH, "//button[text()='Add a step']").click()
    steps = [
        ("pageview", "page_path", "/products/*"),
        ("click", "prop", ("element_id", "add-to-cart")),
        ("pageview", "page_path", "/checkout"),
    ]
    for i, (event_type, kind, value) in enumerate(steps):
        Select(dash.d.find_element(By.ID, f"step-{i}-type")).select_by_value(event_type)
        for name in ("page", "prop", "value", "event", "name"):
            dash.d.find_element(By.ID, f"step-{i}-{name}").clear()
        if kind == "page_path":
            dash.d.find_element(By.ID, f"step-{i}-page").send_keys(value)
        else:
            dash.d.find_element(By.ID, f"step-{i}-prop").send_keys(value[0])
            dash.d.find_element(By.ID, f"step-{i}-value").send_keys(value[1])
    window = dash.d.find_element(By.ID, "funnel-window")
    window.clear()
    window.send_keys("1d")
    dash.d.find_element(By.ID, "funnel-run").click()
    dash.settle()
    end = dt.datetime.now(dt.UTC).date()
    answer = dash.api(
        "POST",
        "/api/v1/funnels/analysis",
        json={
            "tracking_id": SITE,
            "date_range": {"start": (end - dt.timedelta(days=29)).isoformat(), "end": str(end)},
            "steps": [
                {"event_type": "pageview", "filters": {"page_path": "/products/*"}},
                {"event_type": "click", "filters": {"element_id": "add-to-cart"}},
                {"event_type": "pageview", "filters": {"page_path": "/checkout"}},
            ],
            "window": "1d",
            "order": "ordered",
        },
    )
    shown = [int(v) for v in dash.values(".funnel .step-users", "data-users")]
    assert shown == [s["users"] for s in answer["steps"]]
    assert shown[0] > shown[1] > shown[2] > 0
    dash.shot("funnels")


def test_retention_goals_and_the_experiment_card_equal_the_api(dash: Dash) -> None:
    end = dt.datetime.now(dt.UTC).date()
    month = {"start": (end - dt.timedelta(days=29)).isoformat(), "end": end.isoformat()}
    dash.open(f"site={SITE}&view=retention&range=30d")
    grid = dash.api(
        "POST",
        "/api/v1/retention",
        json={"tracking_id": SITE, "period": "week", "periods": 8, "date_range": month},
    )
    sizes = [int(v) for v in dash.values(".heatmap tbody td[data-value]")]
    assert sizes == [c["size"] for c in grid["cohorts"]] and sizes
    cells = [int(v) for v in dash.values(".heatmap td.heat", "data-count")]
    assert cells == [n for c in grid["cohorts"] for n in c["counts"]]
    assert dash.values(".heatmap td.incomplete", "data-count")  # this week is not over
    dash.shot("retention")

    dash.open(f"site={SITE}&view=breakdowns&range=30d")
    goals = dash.query(
        date_range=month,
        metrics=["goal_visitors", "goal_conversions", "goal_conversion_rate"],
        dimensions=["goal"],
        order_by=[{"field": "goal_visitors", "direction": "desc"}],
        limit=10,
    )["rows"]
    expected = [
        (
            g["goal"],
            *(str(g[m]) for m in ("goal_visitors", "goal_conversions", "goal_conversion_rate")),
        )
        for g in goals
    ]
    assert dash.panel_rows("goal") == expected and len(expected) == 3
    dash.shot("breakdowns")

    dash.open(f"site={SITE}&view=experiments&range=30d")
    experiment = dash.api(
        "GET",
        "/api/v1/experiments/exp-checkout",
        params={
            "tracking_id": SITE,
            "goal_event_type": "purchase",
            "start_date": month["start"],
            "end_date": month["end"],
        },
    )
    card = "[data-experiment='exp-checkout'] tbody"
    assert dash.values(f"{card} th") == [v["variant"] for v in experiment["variants"]]
    assert [int(v) for v in dash.values(f"{card} td[data-value]")] == [
        n for v in experiment["variants"] for n in (v["visitors"], v["conversions"])
    ]
    verdict = dash.text(".verdict")
    assert verdict.startswith("B converts") or "not enough data yet" in verdict
    dash.shot("experiments")


def test_realtime_segments_and_a_bad_key(dash: Dash) -> None:
    dash.open(f"site={SITE}&view=realtime")
    deadline = time.monotonic() + 30
    while "Live" not in dash.text(".live") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "Live" in dash.text(".live")
    assert dash.text("#active-users") == "0"  # the demo's traffic is in the past
    dash.shot("realtime")
    dash.open(f"site={SITE}&view=segments")
    assert "Mobile visitors" in dash.text("#view")
    dash.shot("segments")
    segment = dash.api("GET", "/api/v1/segments", params={"tracking_id": SITE})[0]
    dash.open(f"site={SITE}&segment={segment['segment_id']}")
    answer = dash.query(
        date_range=_demo_range(), metrics=["visitors"], segment_id=segment["segment_id"]
    )
    assert dash.kpis()["visitors"] == answer["rows"][0]["visitors"]
    # a key that does not work: the sign-in form says so in words
    dash.d.execute_script("sessionStorage.clear()")
    sign_in(dash.d, dash.base, "sk_not_a_key")
    deadline = time.monotonic() + 10
    while "expired" not in dash.text(".signin") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "unknown, revoked or expired" in dash.text(".signin")
    sign_in(dash.d, dash.base, dash.key)
    dash.settle()


VIEWS = ["overview", "breakdowns", "realtime", "funnels", "retention", "experiments", "segments"]


@pytest.mark.skipif(not AXE.exists(), reason="axe-core comes with `make web` (npm ci)")
def test_no_serious_accessibility_violation_and_first_paint(dash: Dash) -> None:
    source = AXE.read_text()
    problems = []
    for width, height, theme in ((1280, 1000, "light"), (390, 844, "light"), (1280, 1000, "dark")):
        dash.d.set_window_size(width, height)
        dash.d.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": theme}]},
        )
        for view in VIEWS:
            dash.open(f"site={SITE}&view={view}&range=30d")
            dash.d.execute_script(source)
            found = dash.d.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {resultTypes: ['violations']})"
                ".then(r => done(r.violations.map(v => [v.id, v.impact, v.nodes.length,"
                " v.nodes.slice(0, 2).map(n => n.target.join(' '))])));"
            )
            problems += [(view, width, theme, *v) for v in found if v[1] in ("serious", "critical")]
            if width < 500:
                dash.shot(f"{view}-phone")
            elif theme == "dark":
                dash.shot(f"{view}-dark")
    dash.d.set_window_size(1280, 1000)
    dash.d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    assert not problems, problems
    # first meaningful paint: navigation start to the key figures drawn (not asserted)
    dash.d.get(f"{dash.base}/?site={SITE}")
    dash.settle()
    paint = dash.d.execute_script(
        "const m = performance.getEntriesByName('strata-kpis');"
        "return m.length ? m[0].startTime : null;"
    )
    assert paint is not None
    print(f"\ndashboard first meaningful paint (key figures drawn): {paint:.0f} ms")
