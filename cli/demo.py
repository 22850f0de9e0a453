"""``strata demo`` and ``strata generate``: synthetic traffic through the real services."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

import click
import httpx

from cli.generate import EXPERIMENT, PURCHASE_FUNNEL, generate_traffic
from cli.processes import free_port, start_module, stop, wait_healthy
from cli.send import send_events
from lake.catalog import KEY_SCOPES, DefinitionStore, MetadataStore
from lake.settings import Settings

__all__ = ["DEMO_SITE", "demo", "generate"]

DEMO_SITE = "ST-DEMO"
DEMO_DOMAIN = "demo.strata.test"
DEMO_RATE_LIMIT = 1_000_000


def _demo_key(settings: Settings, store: MetadataStore) -> str:
    """The demo site's key from ``demo.key`` (reads, saves definitions, administers),
    issuing a new one if it is missing, stale or lacks a scope."""
    path = settings.home / "demo.key"
    if path.exists():
        key = path.read_text().strip()
        found = store.key(key)
        if found and found.sites == (DEMO_SITE,) and set(found.scopes) >= set(KEY_SCOPES):
            return key
    key = store.create_key(DEMO_SITE, scopes=KEY_SCOPES, name="demo")
    path.write_text(key + "\n")
    return key


def _demo_end_date(settings: Settings, days: int, events: int) -> dt.date:
    """Pin the demo's dates on first run so a rerun sends identical events (deduplicated)."""
    path = settings.home / "demo.json"
    if path.exists():
        saved = json.loads(path.read_text())
        if saved.get("days") == days and saved.get("events") == events:
            return dt.date.fromisoformat(saved["end"])
    end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    path.write_text(json.dumps({"end": end.isoformat(), "days": days, "events": events}))
    return end


#: The demo's purchase funnel (the reference design's, on the demo's pages).
DEMO_FUNNEL = {"steps": PURCHASE_FUNNEL, "window": "7d"}


#: What the demo saves for the dashboard to list: goals, the funnel and a segment.
DEMO_DEFINITIONS: list[tuple[str, str, dict]] = [
    ("goal", "Purchase", {"type": "event", "event_type": "purchase"}),
    ("goal", "Signup click", {"type": "event", "event_name": "signup_click"}),
    ("goal", "Reached checkout", {"type": "destination", "match": "equals", "value": "/checkout"}),
    ("funnel", "Purchase funnel", DEMO_FUNNEL),
    (
        "segment",
        "Mobile visitors",
        {"match": "all", "conditions": [{"property": "device", "op": "eq", "value": "mobile"}]},
    ),
]


def _save_demo_definitions(store: MetadataStore) -> None:
    """Save the demo's goals, funnel and segment once (a rerun keeps what is there)."""
    definitions = DefinitionStore(store.engine)
    for kind, name, body in DEMO_DEFINITIONS:
        if not any(d.name == name for d in definitions.list(kind, [DEMO_SITE])):
            definitions.create(kind, DEMO_SITE, name, body)


def _example_queries(start: dt.date, end: dt.date) -> list[tuple[str, str, dict]]:
    rng = {"start": start.isoformat(), "end": end.isoformat()}
    base = {"tracking_id": DEMO_SITE, "date_range": rng}
    return [
        (
            "Totals for the whole range",
            "/api/v1/query",
            {**base, "metrics": ["pageviews", "unique_users", "sessions", "bounce_rate"]},
        ),
        (
            "The purchase funnel, by device",
            "/api/v1/funnels/analysis",
            {**base, **DEMO_FUNNEL, "breakdown_by": "device"},
        ),
        (
            "Daily retention of the week's first-time visitors",
            "/api/v1/retention",
            {**base, "period": "day", "periods": 6},
        ),
        (
            "Top channels on mobile",
            "/api/v1/query",
            {
                **base,
                "metrics": ["sessions", "bounce_rate", "avg_session_duration"],
                "dimensions": ["channel"],
                "filters": {"device": ["mobile"]},
                "order_by": [{"field": "sessions", "direction": "desc"}],
                "limit": 5,
            },
        ),
    ]


#: The example an analyst would type against a mart (printed and run by the demo).
MART_EXAMPLE = (
    "select site_date, count_visitors, count_pageviews, round(bounce_rate, 3) as bounce_rate "
    "from {{ ref('site_traffic_daily') }} where tracking_id = 'ST-DEMO' order by site_date"
)


def _print_mart_example() -> None:
    """Query a dbt mart the way an analyst would, through ``strata dbt show``."""
    click.echo("\n# An analyst's query against a dbt mart (see docs/analysts.md)")
    click.echo(f'strata dbt show --inline "{MART_EXAMPLE}" --limit 10')
    sys.stdout.flush()
    args = ["--quiet", "show", "--inline", MART_EXAMPLE, "--limit", "10"]
    subprocess.call([sys.executable, "-m", "orchestration.lib.dbt_launcher", *args])


def _print_examples(base_url: str, key: str, start: dt.date, end: dt.date) -> None:
    auth = {"Authorization": f"Bearer {key}"}
    for title, path, body in _example_queries(start, end):
        payload = json.dumps(body)
        click.echo(f"\n# {title}")
        click.echo(
            f"curl -s -X POST {base_url}{path} -H 'Authorization: Bearer {key}' "
            f"-H 'Content-Type: application/json' -d '{payload}'"
        )
        answer = httpx.post(f"{base_url}{path}", json=body, headers=auth, timeout=60).json()
        _print_answer(answer)
    click.echo("\n# The checkout experiment: does variant B sell more?")
    query = f"tracking_id={DEMO_SITE}&goal_event_type=purchase&start_date={start}&end_date={end}"
    url = f"{base_url}/api/v1/experiments/{EXPERIMENT}?{query}"
    click.echo(f"curl -s '{url}' -H 'Authorization: Bearer {key}'")
    _print_answer(httpx.get(url, headers=auth, timeout=60).json())


def _print_answer(answer: dict) -> None:
    """The first rows of a report, a funnel's steps, a retention grid's cohorts, or an
    experiment's comparison."""
    if "rows" in answer:
        lines = answer["rows"][:8]
    elif "steps" in answer:
        lines = [{k: s[k] for k in ("name", "users", "conversion_rate")} for s in answer["steps"]]
    elif "cohorts" in answer:
        lines = [{k: c[k] for k in ("cohort", "size", "counts")} for c in answer["cohorts"]]
    elif "comparisons" in answer:
        lines = [*answer["variants"], *answer["comparisons"]]
    else:
        lines = [answer]
    for line in lines:
        click.echo("   " + json.dumps(line))


#: The SQL the demo runs through the SQL endpoint, as a BI tool would.
DEMO_SQL = (
    "SELECT event_type, count() AS events FROM events GROUP BY event_type ORDER BY events DESC"
)


def _print_sql_example(sql_url: str, key: str, key_file: Path) -> None:
    """The connection line for BI tools and one query run through the SQL endpoint."""
    host, _, port = sql_url.removeprefix("http://").rpartition(":")
    click.echo(
        f"\nSQL for BI tools (ClickHouse HTTP interface): host {host}, port {port}, "
        f"user demo, password = the demo key, database default"
    )
    click.echo(f"   curl -u demo:$(cat {key_file}) '{sql_url}/' --data-binary '{DEMO_SQL}'")
    for _ in range(50):
        try:
            answer = httpx.post(f"{sql_url}/", content=DEMO_SQL, auth=("demo", key), timeout=30)
            break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        click.echo("   (the SQL endpoint did not answer)")
        return
    for line in answer.text.splitlines()[:8]:
        click.echo("   " + line)


@click.command()
@click.option("--days", default=7, show_default=True, help="Days of traffic, ending yesterday.")
@click.option("--events", default=200_000, show_default=True, help="Events to generate.")
@click.option("--no-serve", is_flag=True, help="Stop after the pipeline instead of serving.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface of the API.")
@click.option("--port", default=8000, show_default=True, help="Port of the API.")
@click.option(
    "--sql-port",
    type=click.IntRange(min=0, max=65535),
    default=None,
    help="Port of the SQL endpoint for BI tools; 0: off.  [default: STRATA_SQL_PORT or 8123]",
)
def demo(
    days: int, events: int, no_serve: bool, host: str, port: int, sql_port: int | None
) -> None:
    """Generate traffic through the real gateway, run the pipeline, then serve the API.

    Running it again sends the same events (the dates are pinned on the first run),
    which bronze deduplicates: nothing doubles.
    """
    settings = Settings.from_env()
    settings.ensure_dirs()
    store = MetadataStore(settings.metadata_url)
    # The demo replays past traffic in seconds: lift the rate limit and accept its age.
    store.add_site(
        DEMO_SITE,
        [DEMO_DOMAIN],
        "UTC",
        rate_limit_eps=DEMO_RATE_LIMIT,
        allowed_lateness_hours=24.0 * (days + 30),
    )
    key = _demo_key(settings, store)
    _save_demo_definitions(store)
    end = _demo_end_date(settings, days, events)
    start = end - dt.timedelta(days=days - 1)

    click.echo(f"[1/3] generating {events:,} events over {days} days ({start} … {end})")
    traffic = generate_traffic(DEMO_SITE, days=days, events=events, end=end, host=DEMO_DOMAIN)
    gw_port = free_port()
    gw_url = f"http://127.0.0.1:{gw_port}"
    gateway = start_module("ingest_gateway", "--host", "127.0.0.1", "--port", str(gw_port))
    try:
        wait_healthy(gw_url, gateway)
        accepted, rejected = send_events(gw_url, traffic.events)
    finally:
        stop(gateway)  # SIGTERM: the gateway lands its WAL in the lake before exiting
    click.echo(f"      gateway accepted {accepted:,} events, rejected {rejected:,}")

    click.echo(
        "[2/3] running the pipeline: landing → bronze → sessions → rollups, cubes → "
        "ClickHouse → dbt marts"
    )
    sys.stdout.flush()
    if subprocess.call([sys.executable, "-m", "orchestration"]) != 0:
        click.echo("pipeline failed", err=True)
        raise SystemExit(1)
    if settings.warehouse_models:
        _print_mart_example()
    if no_serve:
        click.echo(
            f"\nDone. Serve it with `strata serve`; your API key is in {settings.home / 'demo.key'}"
        )
        return

    click.echo(f"[3/3] serving the query API on http://{host}:{port}")
    sql_port = settings.sql_port if sql_port is None else sql_port
    server = start_module(
        "serving", "--host", host, "--port", str(port), "--sql-port", str(sql_port)
    )
    base = f"http://{host}:{port}"
    try:
        wait_healthy(base, server)
        _print_examples(base, key, start, end)
        if sql_port and settings.is_embedded_clickhouse:
            _print_sql_example(f"http://{host}:{sql_port}", key, settings.home / "demo.key")
        click.echo(f"\nDashboard: {base}/  (sign in with the demo key below)")
        click.echo(f"Demo key:  {key}")
        click.echo(f"\nServing on {base} — press Ctrl-C to stop.")
        raise SystemExit(server.wait())
    except KeyboardInterrupt:
        stop(server)


@click.command()
@click.option("--tracking-id", default=DEMO_SITE, show_default=True, help="Site to send for.")
@click.option("--days", default=7, show_default=True, help="Days of traffic, ending yesterday.")
@click.option("--events", default=200_000, show_default=True, help="Events to generate.")
@click.option("--seed", default=42, show_default=True, help="Random seed (same seed, same events).")
@click.option(
    "--gateway-url", default="http://127.0.0.1:8080", show_default=True, help="The gateway."
)
def generate(tracking_id: str, days: int, events: int, seed: int, gateway_url: str) -> None:
    """Send synthetic traffic for a site to a running gateway."""
    traffic = generate_traffic(tracking_id, days=days, events=events, seed=seed)
    accepted, rejected = send_events(gateway_url, traffic.events)
    click.echo(f"accepted {accepted:,} events, rejected {rejected:,}")
    if not accepted:
        raise SystemExit(1)
