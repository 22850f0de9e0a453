"""Benchmark: the pipeline from landing to the hot tier, per stage, with peak memory.

Builds N landed events (default 10 million over 7 days, a large site's week) quickly:
100,000 realistic events of one day are generated and enriched by the gateway's own
code once, then tiled with new client and event ids, tile k shifted to day k mod D,
into landing Parquet files.  Then it runs every stage a refresh runs, as
``strata pipeline`` does (the Dagster assets, in process, live settings): landing →
bronze → sessions → rollups → cubes → ClickHouse (raw ``events``/``sessions`` with
visitor numbering, rollups, cubes) → the dbt marts; the hot window is set to cover the
replayed dates, so the raw tables load as they do for live data (``--no-raw`` replays
them as history outside it).  As the baseline in the same run, the same sessionization
as DuckDB SQL over the bronze Delta table.  Each stage's seconds and its own peak
resident memory (the process's high-water mark reset before it; the embedded
ClickHouse lives in the process, so its memory is counted).  Left out: the gateway
(``bench/ingest.py``) — events are written to landing directly.

    .venv/bin/python bench/pipeline.py [--events 10000000] [--days 7] [--no-raw]

Ends with: ``BENCH pipeline events=… days=… raw_tables=… total_events_per_s=…
peak_rss_mb=… (the highest stage's) <stage>_s=… … duckdb_baseline_peak_rss_mb=…
sessionize_polars_s=… sessionize_duckdb_s=…``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from dataset import END, land_events
from record import emit

SESSIONIZE_SQL = """
WITH ordered AS (
    SELECT tracking_id, client_id, event_id, event_type, event_at,
           lag(event_at) OVER w AS prev_at
    FROM delta_scan(?)
    WINDOW w AS (PARTITION BY tracking_id, client_id ORDER BY event_at, event_id)
),
numbered AS (
    SELECT *, sum(CASE WHEN prev_at IS NULL OR event_at - prev_at >= INTERVAL 30 MINUTE
                       THEN 1 ELSE 0 END)
              OVER (PARTITION BY tracking_id, client_id ORDER BY event_at, event_id) AS seq
    FROM ordered
)
SELECT tracking_id, client_id, seq, min(event_at), max(event_at),
       count(*) FILTER (WHERE event_type = 'pageview'), count(*)
FROM numbered GROUP BY ALL
"""


#: Short names of the refresh's steps in the BENCH line.
_STAGE_KEYS = {
    "bronze/events": "bronze",
    "silver/sessions": "sessions",
    "gold/rollup_daily": "rollup_daily",
    "gold/rollup_hourly": "rollup_hourly",
    "gold/cubes": "cubes",
    "clickhouse/tables": "clickhouse",
    "clickhouse/raw": "clickhouse_raw",
    "warehouse/dbt build": "dbt",
}


def _stored_bytes(settings: Any) -> tuple[int, int]:
    """Bytes on disk of the lake's ``bronze/events`` table (a fresh table: its files and
    Delta log) and of every ClickHouse table (active parts): storage per event."""
    from lake.hot_tier.client import hot_tier
    from lake.storage import LakePaths

    table = Path(LakePaths(settings.lake_uri).bronze_events)
    bronze = sum(f.stat().st_size for f in table.rglob("*") if f.is_file())
    with hot_tier(settings) as client:
        hot = client.query(
            "SELECT sum(bytes_on_disk) FROM system.parts WHERE active "
            "AND database = currentDatabase()"
        ).result_rows[0][0]
    return bronze, int(hot or 0)


def main() -> None:
    """Land N events, run every stage, then the DuckDB baseline; print the BENCH line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument(
        "--no-raw", action="store_true", help="replay the dates outside the hot window"
    )
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="strata-pipeline-"))
    os.environ["STRATA_HOME"] = str(home)
    if not args.no_raw:  # a window reaching back past the replayed dates
        os.environ["STRATA_HOT_WINDOW_DAYS"] = str((date.today() - END).days + args.days + 30)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    try:
        from orchestration.runner import step_peak_mb

        started = time.perf_counter()
        land_events(args.events, args.days)
        print(
            f"landed {args.events:,} events in {time.perf_counter() - started:.1f}s "
            f"(rss {step_peak_mb()} MB)",
            flush=True,
        )
        from lake.catalog import MetadataStore
        from lake.settings import Settings
        from lake.storage import LakePaths
        from orchestration.runner import reset_step_peak, run_pipeline

        settings = Settings.from_env()
        MetadataStore(settings.metadata_url).add_site(
            "ST-BENCH", ["bench.example"], allowed_lateness_hours=24.0 * 365 * 20
        )
        report = run_pipeline(echo=True)
        total_s = sum(m["seconds"] for m in report.values())
        peak = max(m["step_peak_rss_mb"] for m in report.values())
        print(f"{'stage':<22}{'seconds':>9}{'events/s':>14}{'peak RSS MB':>13}")
        for stage, meta in report.items():
            print(
                f"{stage:<22}{meta['seconds']:>9.2f}{args.events / meta['seconds']:>14,.0f}"
                f"{meta['step_peak_rss_mb']:>13,}"
            )
        stages = " ".join(
            f"{_STAGE_KEYS.get(stage, stage.replace('/', '_'))}_s={meta['seconds']:.1f}"
            for stage, meta in report.items()
        )
        lake_bytes, hot_bytes = _stored_bytes(settings)
        print(
            f"stored: lake bronze {lake_bytes / args.events:.1f} bytes/event, "
            f"ClickHouse (every table) {hot_bytes / args.events:.1f} bytes/event"
        )

        import duckdb
        import duckdb_extensions

        duckdb_extensions.import_extension("delta")
        con = duckdb.connect()
        con.execute("LOAD delta")
        reset_step_peak()  # the baseline's own peak from here
        t = time.perf_counter()
        con.execute(SESSIONIZE_SQL, [LakePaths(settings.lake_uri).bronze_events]).fetchall()
        duck_s = time.perf_counter() - t
        polars_s = report["silver/sessions"]["seconds"]
        print(f"sessionize: polars {polars_s:.2f}s, duckdb {duck_s:.2f}s")
        emit(
            f"BENCH pipeline events={args.events} days={args.days} "
            f"raw_tables={str(not args.no_raw).lower()} "
            f"total_events_per_s={round(args.events / total_s)} peak_rss_mb={peak} {stages} "
            f"lake_bytes_per_event={lake_bytes / args.events:.1f} "
            f"clickhouse_bytes_per_event={hot_bytes / args.events:.1f} "
            f"duckdb_baseline_peak_rss_mb={step_peak_mb()} "
            f"sessionize_polars_s={polars_s:.2f} sessionize_duckdb_s={duck_s:.2f}"
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
