"""Benchmark: a dashboard's reports through the query API, by tier and table, at scale.

Lands N events (default 10 million over 7 days, :mod:`dataset`), runs the pipeline,
sends a few thousand events "now" through the gateway for the realtime view, then
times through ``/api/v1/query`` (embedded chdb, the result cache off):

* the dashboard set — overview KPIs, visitors by day and by hour, top pages, channels,
  countries, devices (answered by the cubes) and a custom-property breakdown (raw
  events) — on the hot tier;
* the same set forced onto the raw ``events``/``sessions`` tables (the baseline);
* the same set on the cold tier (DuckDB over the lake's Delta tables);
* ``GET /api/v1/realtime``; and, for scale, the dashboard set answered from the cache;
* the product analyses, hot and cold: the goal breakdown (five goals), a 4-step funnel
  (product page, add-to-cart click, checkout, purchase; 7-day window) broken down by
  device and the checkout experiment, over the same N events; and a retention grid (8
  weekly cohorts, periods 0-8) over a second site of 10M events (N if fewer) over the 8 weeks
  up to the same last day, whose visitors come back (each on up to 4 days a week apart,
  first days spread over the 8 weeks), so every cohort and period holds real work.

    .venv/bin/python bench/query.py [--events 10000000] [--days 7] [--repeats 20]

Ends with ``BENCH query events=… rollup_p95_ms=… raw_p95_ms=… raw_vs_rollup_ratio=…
cold_p95_ms=… realtime_p95_ms=… funnel_p95_ms=… retention_p95_ms=… experiment_p95_ms=…
funnel_cold_p95_ms=… retention_cold_p95_ms=… …`` (p95 over every request of a set).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from dataset import END, land_events
from record import emit

from cli.generate import PURCHASE_FUNNEL

#: The dashboard's reports; all but the property breakdown are answered by the cubes.
DASHBOARD: dict[str, dict] = {
    "overview": {
        "metrics": ["visitors", "pageviews", "sessions", "bounce_rate", "avg_session_duration"]
    },
    "by_day": {"metrics": ["visitors", "pageviews"], "dimensions": ["date"]},
    "by_hour": {"metrics": ["visitors", "pageviews"], "dimensions": ["hour"], "limit": 500},
    "top_pages": {"metrics": ["pageviews", "visitors"], "dimensions": ["page_path"], "limit": 10},
    "channels": {"metrics": ["visitors", "sessions", "bounce_rate"], "dimensions": ["channel"]},
    "countries": {"metrics": ["visitors"], "dimensions": ["country"], "limit": 10},
    "devices": {"metrics": ["visitors"], "dimensions": ["device"]},
    "property": {"metrics": ["events", "visitors"], "dimensions": ["properties.position"]},
}


#: The product analyses: (method, path, body or query parameters) each.
GOALS = [
    {"name": "signup", "type": "event", "event_name": "signup_click"},
    {
        "name": "cart",
        "type": "event",
        "event_type": "click",
        "filters": {"element_id": "add-to-cart"},
    },
    {"name": "blog", "type": "destination", "match": "begins_with", "value": "/blog/"},
    {"name": "long visit", "type": "duration", "seconds": 300},
    {"name": "deep visit", "type": "pages_per_session", "pages": 4},
]
FUNNEL = {"steps": PURCHASE_FUNNEL, "window": "7d", "breakdown_by": "device"}
#: The retention grid's site: 10 million events (fewer if N is) over 8 weeks, visitors
#: returning.
COHORTS, COHORT_DAYS, COHORT_EVENTS = "ST-COHORTS", 56, 10_000_000
#: On how many days (a week apart) each of its visitors comes (see :mod:`dataset`).
COHORT_VISITS = 4


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def _time(call: Callable[[], object], repeats: int) -> list[float]:
    call()  # warm: first-call costs (connections, file caches) are not a dashboard's
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def _settle(settings: object) -> None:
    """Wait (two minutes at most) for the hot tier's background merges and mutations
    after the load, so the timings are of a dashboard's steady state, not of queries
    sharing two cores with merges."""
    from lake.hot_tier import hot_tier

    started = time.perf_counter()
    busy = 1
    while busy and time.perf_counter() - started < 120:
        with hot_tier(settings) as client:  # type: ignore[arg-type]
            busy = client.query(
                "SELECT (SELECT count() FROM system.merges) + "
                "(SELECT count() FROM system.mutations WHERE NOT is_done)"
            ).result_rows[0][0]
        if busy:
            time.sleep(1)
    print(f"background merges settled in {time.perf_counter() - started:.1f}s", flush=True)


def main() -> None:
    """Build the data set, time each set of reports, print the table and the BENCH line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--keep", action="store_true", help="keep the data set (its path is printed)"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=".*is currently in beta")  # Dagster's notices
    home = Path(tempfile.mkdtemp(prefix="strata-query-"))
    os.environ.update(
        STRATA_HOME=str(home),
        STRATA_HOT_WINDOW_DAYS="3650",  # the data set replays past dates: keep them hot
        STRATA_WAREHOUSE_MODELS="false",  # dbt is not on the query path
        STRATA_QUERY_CACHE_SECONDS="0",  # time the engines, not the cache
        STRATA_API_RATE_LIMIT_PER_MINUTE="100000000",
    )
    try:
        _run(args, home)
    finally:
        if args.keep:
            print(f"data set kept in {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


def _run(args: argparse.Namespace, home: Path) -> None:
    from fastapi.testclient import TestClient

    import serving.analyses.report as report_module
    from cli.generate import generate_traffic
    from ingest_gateway.app import create_app as create_gateway
    from lake.catalog import MetadataStore
    from lake.settings import Settings
    from orchestration.runner import run_pipeline
    from serving.app import create_app
    from serving.backends import DuckDBBackend
    from serving.deps import backend
    from serving.planner import plan_report

    started = time.perf_counter()
    land_events(args.events, args.days, end=END)
    cohort_events = min(args.events, COHORT_EVENTS)
    land_events(cohort_events, COHORT_DAYS, site=COHORTS, end=END, visits=COHORT_VISITS)
    landed = args.events + cohort_events
    print(f"landed {landed:,} events in {time.perf_counter() - started:.1f}s", flush=True)
    settings = Settings.from_env()
    store = MetadataStore(settings.metadata_url)
    for site, host in (("ST-BENCH", "bench.example"), (COHORTS, "cohorts.example")):
        store.add_site(
            site, [host], rate_limit_eps=10_000_000, allowed_lateness_hours=24.0 * 365 * 20
        )
    key = store.create_key(["ST-BENCH", COHORTS], scopes=("read", "write"))
    started = time.perf_counter()
    run_pipeline(echo=True)
    pipeline_s = time.perf_counter() - started
    _settle(settings)

    def land_live_events() -> None:
        """The realtime view's input: 10,000 events of the last ten minutes, through a
        gateway (so into landing files, as on a live site)."""
        now = dt.datetime.now(dt.UTC)
        live = generate_traffic("ST-BENCH", days=1, events=10_000, end=now.date(), seed=3)
        for i, event in enumerate(live.events):
            event["timestamp"] = (now - dt.timedelta(seconds=i % 600)).isoformat()
        with TestClient(create_gateway(settings)) as gw:
            for i in range(0, len(live.events), 500):
                r = gw.post("/api/v1/events", json=live.events[i : i + 500])
                assert r.status_code == 202, r.text

    rng = {"start": (END - dt.timedelta(days=args.days - 1)).isoformat(), "end": END.isoformat()}
    headers = {"Authorization": f"Bearer {key}"}

    def ask(api: TestClient, body: dict) -> dict:
        r = api.post(
            "/api/v1/query",
            json={"tracking_id": "ST-BENCH", "date_range": rng, **body},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        return r.json()

    sets: dict[str, dict[str, list[float]]] = {"hot": {}, "raw": {}, "cold": {}, "cached": {}}
    sources: dict[str, dict[str, str]] = {name: {} for name in sets}

    def time_set(name: str, api: TestClient) -> None:
        for shape, body in DASHBOARD.items():
            sources[name][shape] = ask(api, body)["source"]
            sets[name][shape] = _time(functools.partial(ask, api, body), args.repeats)

    weeks = {
        "start": (END - dt.timedelta(weeks=8) + dt.timedelta(days=1)).isoformat(),
        "end": rng["end"],
    }
    analyses: dict[str, tuple[str, str, dict]] = {
        "goals": ("POST", "/api/v1/query", {"json": {"tracking_id": "ST-BENCH", "date_range": rng,
                  "metrics": ["goal_visitors", "goal_conversions", "goal_conversion_rate"],
                  "dimensions": ["goal"]}}),
        "funnel": ("POST", "/api/v1/funnels/analysis",
                   {"json": {"tracking_id": "ST-BENCH", "date_range": rng, **FUNNEL}}),
        "retention": ("POST", "/api/v1/retention", {"json": {"tracking_id": COHORTS,
                      "date_range": weeks, "period": "week", "periods": 8}}),
        "experiment": ("GET", "/api/v1/experiments/exp-checkout", {"params": {
                       "tracking_id": "ST-BENCH", "goal_event_type": "purchase",
                       "start_date": rng["start"], "end_date": rng["end"]}}),
    }  # fmt: skip
    product: dict[str, dict[str, list[float]]] = {"hot": {}, "cold": {}}
    summaries: dict[str, str] = {}

    def time_analyses(name: str, api: TestClient) -> None:
        for shape, (method, path, kwargs) in analyses.items():

            def call(method: str = method, path: str = path, kwargs: dict = kwargs) -> dict:
                r = api.request(method, path, headers=headers, **kwargs)
                assert r.status_code == 200, r.text
                return r.json()

            answer = call()
            summaries[f"{shape}/{name}"] = _summary(shape, answer)
            product[name][shape] = _time(call, args.repeats)

    hot_app, cold_app = create_app(settings), create_app(settings)
    cold_app.dependency_overrides[backend] = lambda: DuckDBBackend(settings)
    with TestClient(hot_app) as hot, TestClient(cold_app) as cold:
        for goal in GOALS:
            r = hot.post("/api/v1/goals", json={"tracking_id": "ST-BENCH", **goal}, headers=headers)
            assert r.status_code == 201, r.text
        time_analyses("hot", hot)
        time_analyses("cold", cold)
        time_set("hot", hot)
        planned = report_module.plan_report
        report_module.plan_report = functools.partial(plan_report, raw_only=True)  # type: ignore[assignment]
        try:
            time_set("raw", hot)
        finally:
            report_module.plan_report = planned
        time_set("cold", cold)
        land_live_events()
        realtime = _time(
            lambda: hot.get("/api/v1/realtime?tracking_id=ST-BENCH", headers=headers), args.repeats
        )
        active = hot.get("/api/v1/realtime?tracking_id=ST-BENCH", headers=headers).json()
        hot_app.state.cache.ttl = 3600.0  # the cache on: each report answered once, then reused
        time_set("cached", hot)

    print(f"\nevents={args.events:,}  pipeline {landed / pipeline_s:,.0f} ev/s ({landed:,} events)")
    print(f"{'report':<12}{'set':<8}{'p50 ms':>9}{'p95 ms':>9}  source")
    for name, shapes in sets.items():
        for shape, samples in shapes.items():
            print(
                f"{shape:<12}{name:<8}{_pct(samples, 0.5):>9}{_pct(samples, 0.95):>9}  "
                f"{sources[name][shape]}"
            )
    print(f"{'realtime':<12}{'hot':<8}{_pct(realtime, 0.5):>9}{_pct(realtime, 0.95):>9}")
    print(f"realtime active_users={active.get('active_users')}")
    for name, shapes in product.items():
        for shape, samples in shapes.items():
            print(
                f"{shape:<12}{name:<8}{_pct(samples, 0.5):>9}{_pct(samples, 0.95):>9}  "
                f"{summaries[f'{shape}/{name}']}"
            )

    def pooled(name: str, keep: Callable[[str], bool] = lambda shape: True) -> list[float]:
        return [s for shape, samples in sets[name].items() if keep(shape) for s in samples]

    cubes = pooled("hot", lambda shape: shape != "property")
    rollup_p95, raw_p95 = _pct(cubes, 0.95), _pct(pooled("raw"), 0.95)
    emit(
        f"BENCH query events={args.events} days={args.days} rollup_p50_ms={_pct(cubes, 0.5)} "
        f"rollup_p95_ms={rollup_p95} property_p95_ms={_pct(sets['hot']['property'], 0.95)} "
        f"raw_p95_ms={raw_p95} raw_vs_rollup_ratio={round(raw_p95 / rollup_p95, 1)} "
        f"cold_p95_ms={_pct(pooled('cold'), 0.95)} realtime_p95_ms={_pct(realtime, 0.95)} "
        f"cached_p95_ms={_pct(pooled('cached'), 0.95)} "
        + " ".join(
            f"{shape}{'' if name == 'hot' else '_cold'}_p95_ms={_pct(samples, 0.95)}"
            for name, shapes in product.items()
            for shape, samples in shapes.items()
        )
    )


def _summary(shape: str, answer: dict) -> str:
    """What an analysis answered, in a few numbers (so the timings are of real work)."""
    if shape == "funnel":
        return f"steps {[s['users'] for s in answer['steps']]}, {len(answer['breakdown'])} devices"
    if shape == "retention":
        return f"{len(answer['cohorts'])} cohorts, sizes {[c['size'] for c in answer['cohorts']]}"
    if shape == "experiment":
        found = [(v["variant"], v["visitors"], v["conversions"]) for v in answer["variants"]]
        return f"variants {found}"
    return f"goals {[(r['goal'], r['goal_visitors']) for r in answer['rows']]}"


if __name__ == "__main__":
    main()
