"""Benchmark: report latency from the ClickHouse rollups vs a raw DuckDB scan of bronze.

Builds a demo data set in a temporary STRATA_HOME (gateway → pipeline), then times
report shapes through the query API (embedded chdb, including its per-request
open/close) and, as the baseline in the same run, the same daily pageviews/users
report computed by DuckDB straight from the bronze Delta table.

    .venv/bin/python bench/query.py [--events 200000] [--days 7] [--repeats 20]

Ends with one line: ``BENCH query events=… daily_p50_ms=… hourly_p50_ms=…
duckdb_raw_p50_ms=… daily_vs_raw_ratio=…``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time


def _p50(samples: list[float]) -> float:
    return round(statistics.median(samples), 2)


def main() -> None:
    """Build the data set, time each report shape, print figures and the BENCH line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    os.environ["STRATA_HOME"] = tempfile.mkdtemp(prefix="strata-bench-")

    import duckdb
    import duckdb_extensions
    from fastapi.testclient import TestClient

    from cli.generate import generate_traffic
    from ingest_gateway.app import create_app as create_gateway
    from lake.catalog import MetadataStore
    from lake.settings import Settings
    from lake.storage import LakePaths
    from orchestration.runner import run_pipeline
    from serving.app import create_app as create_api

    settings = Settings.from_env()
    settings.ensure_dirs()
    store = MetadataStore(settings.metadata_url)
    store.add_site(
        "ST-BENCH",
        ["bench.example"],
        "UTC",
        rate_limit_eps=10_000_000,
        allowed_lateness_hours=24.0 * 365 * 20,  # it replays March 2026
    )
    key = store.create_key("ST-BENCH")
    end = dt.date(2026, 3, 31)
    traffic = generate_traffic("ST-BENCH", days=args.days, events=args.events, end=end)
    started = time.perf_counter()
    with TestClient(create_gateway(settings)) as gw:
        for i in range(0, len(traffic.events), 500):
            gw.post("/api/v1/events", json=traffic.events[i : i + 500])
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    run_pipeline(echo=True)
    pipeline_s = time.perf_counter() - started

    rng = {"start": (end - dt.timedelta(days=args.days - 1)).isoformat(), "end": end.isoformat()}
    shapes = {
        "totals": {"metrics": ["pageviews", "unique_users", "sessions", "bounce_rate"]},
        "daily": {"metrics": ["pageviews", "unique_users"], "dimensions": ["date"]},
        "channel_mobile": {
            "metrics": ["sessions", "bounce_rate", "avg_session_duration"],
            "dimensions": ["channel"],
            "filters": {"device": "mobile"},
        },
        "top_pages": {
            "metrics": ["pageviews", "unique_users"],
            "dimensions": ["page_path"],
            "limit": 10,
        },
        "hourly": {"metrics": ["pageviews", "sessions"], "dimensions": ["hour"]},
    }
    results: dict[str, list[float]] = {}
    with TestClient(create_api(settings)) as api:
        headers = {"Authorization": f"Bearer {key}"}
        for name, body in shapes.items():
            samples = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                r = api.post(
                    "/api/v1/query",
                    json={"tracking_id": "ST-BENCH", "date_range": rng, **body},
                    headers=headers,
                )
                samples.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text
            results[name] = samples

    duckdb_extensions.import_extension("delta")
    con = duckdb.connect()
    con.execute("LOAD delta")
    bronze = LakePaths(settings.lake_uri).bronze_events
    raw = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        con.execute(
            "SELECT CAST(event_at AS DATE) AS d, count(*) FILTER (WHERE event_type = 'pageview'), "
            "count(DISTINCT client_id) FROM delta_scan(?) WHERE NOT is_bot GROUP BY d",
            [bronze],
        ).fetchall()
        raw.append((time.perf_counter() - t) * 1000)

    n = len(traffic.events)
    rates = f"gateway (in-process) {n / ingest_s:,.0f} ev/s  pipeline {n / pipeline_s:,.0f} ev/s"
    print(f"\nevents={n}  {rates}")
    print(f"{'report':<16}{'p50 ms':>10}{'p95 ms':>10}")
    for name, samples in [*results.items(), ("duckdb_raw", raw)]:
        p95 = sorted(samples)[int(0.95 * (len(samples) - 1))]
        print(f"{name:<16}{_p50(samples):>10}{p95:>10.2f}")
    daily, hourly, base = _p50(results["daily"]), _p50(results["hourly"]), _p50(raw)
    print(
        f"BENCH query events={len(traffic.events)} daily_p50_ms={daily} hourly_p50_ms={hourly} "
        f"duckdb_raw_p50_ms={base} daily_vs_raw_ratio={round(daily / base, 2)} "
        f"pipeline_events_per_s={round(len(traffic.events) / pipeline_s)}"
    )


if __name__ == "__main__":
    main()
