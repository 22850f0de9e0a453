"""The capacity model: what one box carries and how many the reference design's load
needs, computed from the benchmarks' own ``BENCH`` lines (``bench/results.txt``).

    .venv/bin/python bench/capacity.py            # writes docs/capacity.md
    .venv/bin/python bench/capacity.py --check    # exit 1 if docs/capacity.md is stale

Every figure in docs/capacity.md comes from :func:`model` over the newest line of each
benchmark (the pipeline's and the query bench's at their largest measured sizes);
nothing is typed by hand but the reference design's own figures below.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from record import RESULTS, latest

DOC = Path(__file__).resolve().parents[1] / "docs" / "capacity.md"

#: The reference design's load (its capacity estimate): 15 billion events a day.
EVENTS_PER_DAY = 15_000_000_000
AVG_EVENTS_PER_S = 173_600
PEAK_EVENTS_PER_S = 520_800
AVG_QUERIES_PER_S = 810
PEAK_QUERIES_PER_S = 4_050
#: Its own sizing: 50 ingestion servers (10,400 events/s each at peak), 100 ClickHouse
#: nodes (1,750 inserts/s each), 100 query API servers.
REFERENCE = {"ingest": 50, "clickhouse": 100, "query": 100}
#: Cores of the machine kind every figure here was measured on.
CORES = 2
#: Days of raw events the hot tier keeps (the default hot window) and the lake keeps
#: (the reference design's 13 months).
HOT_WINDOW_DAYS = 30
LAKE_DAYS = 395


def _f(entry: dict[str, str], key: str) -> float | None:
    value = entry.get(key)
    return float(value) if value not in (None, "") else None


def _sizes(found: dict[str, dict[str, str]], name: str) -> list[int]:
    """The measured sizes (events) of benchmark ``name``, ascending (one-day cases apart)."""
    return sorted(
        int(k.split("@")[1]) for k in found if k.count("@") == 1 and k.startswith(f"{name}@")
    )


def _largest(found: dict[str, dict[str, str]], name: str) -> dict[str, str]:
    sizes = _sizes(found, name)
    return found[f"{name}@{max(sizes)}"] if sizes else {}


def model(found: dict[str, dict[str, str]]) -> dict[str, float | None]:
    """The capacity figures from the newest ``BENCH`` lines (see :func:`record.latest`):
    per core and per box of ``CORES`` cores, storage per billion events, and the boxes
    the reference design's average and peak loads need.  A figure whose benchmark has
    not run is ``None``."""
    ingest, fresh = found.get("ingest", {}), found.get("freshness", {})
    pipe, query = _largest(found, "pipeline"), _largest(found, "query")
    out: dict[str, float | None] = {}
    gw, land = _f(ingest, "gateway_cpu_s_per_million"), _f(ingest, "lander_cpu_s_per_million")
    out["gateway_events_per_core_s"] = 1e6 / gw if gw else None
    out["landing_events_per_core_s"] = 1e6 / land if land else None
    out["ingest_box_events_s"] = CORES * 1e6 / (gw + land) if gw and land else None
    out["ingest_sustained_box_events_s"] = _f(ingest, "sustained_events_per_s")
    total = _f(pipe, "total_events_per_s")
    out["pipeline_events"] = _f(pipe, "events")
    out["pipeline_box_events_s"] = total
    out["pipeline_events_per_core_s"] = total / CORES if total else None
    out["pipeline_peak_rss_mb"] = _f(pipe, "peak_rss_mb")
    one_day = next((v for k, v in found.items() if k.endswith("@1day")), {})
    out["one_day_events"] = _f(one_day, "events")
    out["one_day_events_s"] = _f(one_day, "total_events_per_s")
    out["one_day_peak_rss_mb"] = _f(one_day, "peak_rss_mb")
    # the rollups' and cubes' load, and the raw tables' (a step of its own since the raw
    # tables follow the refreshes; older lines have it inside clickhouse_s)
    ch_s = (_f(pipe, "clickhouse_s") or 0) + (_f(pipe, "clickhouse_raw_s") or 0)
    events = _f(pipe, "events")
    out["clickhouse_load_box_events_s"] = events / ch_s if events and ch_s else None
    out["freshness_lag_p50_s"] = _f(fresh, "lag_p50_s")
    out["freshness_lag_p95_s"] = _f(fresh, "lag_p95_s")
    marts = found.get("freshness@marts", {})
    out["freshness_marts_lag_p50_s"] = _f(marts, "lag_p50_s")
    out["freshness_marts_lag_p95_s"] = _f(marts, "lag_p95_s")
    out["query_events"] = _f(query, "events")
    for key in ("rollup_p50_ms", "rollup_p95_ms", "raw_p95_ms", "cold_p95_ms"):
        out[f"query_{key}"] = _f(query, key)
    p50 = out["query_rollup_p50_ms"]
    out["queries_per_box_s"] = CORES * 1000 / p50 if p50 else None
    lake_b, hot_b = _f(pipe, "lake_bytes_per_event"), _f(pipe, "clickhouse_bytes_per_event")
    # bytes per event × 10⁹ events / 10⁹ bytes per GB: the same number
    out["lake_gb_per_billion"], out["clickhouse_gb_per_billion"] = lake_b, hot_b

    def boxes(load: float, per_box: float | None) -> float | None:
        return float(math.ceil(load / per_box)) if per_box else None

    for label, events_s, queries_s in (
        ("avg", AVG_EVENTS_PER_S, AVG_QUERIES_PER_S),
        ("peak", PEAK_EVENTS_PER_S, PEAK_QUERIES_PER_S),
    ):
        out[f"ingest_boxes_{label}"] = boxes(events_s, out["ingest_box_events_s"])
        out[f"pipeline_boxes_{label}"] = boxes(events_s, total)
        out[f"query_boxes_{label}"] = boxes(queries_s, out["queries_per_box_s"])
    day = EVENTS_PER_DAY / 1e9  # billions of events a day
    if hot_b is not None:
        out["clickhouse_tb_hot_window"] = day * HOT_WINDOW_DAYS * hot_b / 1e3
    if lake_b is not None:
        out["lake_tb_retention"] = day * LAKE_DAYS * lake_b / 1e3
    return out


def _show(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "not measured"
    return f"{value:,.{digits}f}"


def render(found: dict[str, dict[str, str]]) -> str:
    """docs/capacity.md from the newest ``BENCH`` lines."""
    m = model(found)
    ingest, fresh = found.get("ingest", {}), found.get("freshness", {})
    pipe, query = _largest(found, "pipeline"), _largest(found, "query")

    def source(entry: dict[str, str], name: str) -> str:
        if not entry:
            return f"| {name} | not run |"
        return f"| {name} | {entry['_at']} on {entry['_machine']} |"

    s = _show
    lines = [
        "# Capacity model",
        "",
        "<!-- Generated by `.venv/bin/python bench/capacity.py` from bench/results.txt: "
        "do not edit by hand. -->",
        "",
        "What one box carries and how many boxes a load needs, computed from the newest",
        "runs of our own benchmarks (each appends its `BENCH` line to `bench/results.txt`).",
        f"A *box* is the machine kind every figure was measured on: {CORES} cores; the",
        "embedded engines (ClickHouse in-process) unless said otherwise. Run the",
        "benchmarks on your own hardware and `bench/capacity.py` again to size yours.",
        "",
        "## Measured",
        "",
        "| benchmark | run |",
        "| --- | --- |",
        source(ingest, "`bench/ingest.py`"),
        source(pipe, "`bench/pipeline.py`"),
        source(fresh, "`bench/freshness.py`"),
        source(query, "`bench/query.py`"),
        "",
        "| figure | value | from |",
        "| --- | --- | --- |",
        f"| gateway: events/s per core | {s(m['gateway_events_per_core_s'])} | "
        "1,000,000 / `gateway_cpu_s_per_million` |",
        f"| landing (WAL → Parquet): events/s per core | {s(m['landing_events_per_core_s'])} | "
        "1,000,000 / `lander_cpu_s_per_million` |",
        f"| ingest box (gateway + landing): events/s | {s(m['ingest_box_events_s'])} | "
        f"{CORES} cores / (gateway + landing CPU s per event) |",
        f"| ingest box, sustained for 60 s as measured | "
        f"{s(m['ingest_sustained_box_events_s'])} | `sustained_events_per_s` |",
        f"| pipeline (landing → bronze → … → ClickHouse → dbt): events/s per box | "
        f"{s(m['pipeline_box_events_s'])} | `total_events_per_s` at "
        f"{s(m['pipeline_events'])} events |",
        f"| pipeline: events/s per core | {s(m['pipeline_events_per_core_s'])} | "
        f"per box / {CORES} |",
        f"| pipeline: peak memory, MB | {s(m['pipeline_peak_rss_mb'])} | `peak_rss_mb` |",
        f"| pipeline, every event on one day: events/s / peak MB | "
        f"{s(m['one_day_events_s'])} / {s(m['one_day_peak_rss_mb'])} | at "
        f"{s(m['one_day_events'])} events |",
        f"| ClickHouse load alone: events/s per box | {s(m['clickhouse_load_box_events_s'])} "
        "| events / (`clickhouse_s` + `clickhouse_raw_s`) |",
        f"| freshness: lag p50 / p95, s | {s(m['freshness_lag_p50_s'], 1)} / "
        f"{s(m['freshness_lag_p95_s'], 1)} | `lag_p50_s`, `lag_p95_s` (no dbt marts) |",
        f"| freshness with the dbt marts (the default installation): lag p50 / p95, s | "
        f"{s(m['freshness_marts_lag_p50_s'], 1)} / {s(m['freshness_marts_lag_p95_s'], 1)} "
        "| `--warehouse` |",
        f"| dashboard reports from cubes: p50 / p95, ms | {s(m['query_rollup_p50_ms'], 1)} / "
        f"{s(m['query_rollup_p95_ms'], 1)} | at {s(m['query_events'])} events |",
        f"| reports from raw events: p95, ms | {s(m['query_raw_p95_ms'], 1)} | |",
        f"| cold tier (DuckDB over the lake): p95, ms | {s(m['query_cold_p95_ms'], 1)} | |",
        f"| report queries/s per box | {s(m['queries_per_box_s'])} | {CORES} cores × "
        "1,000 ms / cube p50 (one core per query) |",
        f"| lake (bronze Parquet): GB per billion events | {s(m['lake_gb_per_billion'], 1)} "
        "| `lake_bytes_per_event` |",
        f"| ClickHouse (every table): GB per billion events | "
        f"{s(m['clickhouse_gb_per_billion'], 1)} | `clickhouse_bytes_per_event` |",
        "",
        "## The reference design's load",
        "",
        f"{EVENTS_PER_DAY / 1e9:.0f} billion events a day: {AVG_EVENTS_PER_S:,} events/s on "
        f"average, {PEAK_EVENTS_PER_S:,} at peak; {AVG_QUERIES_PER_S:,} queries/s, "
        f"{PEAK_QUERIES_PER_S:,} at peak. Boxes needed (rounded up), beside the reference "
        "design's own estimate:",
        "",
        "| role | average | peak | reference design |",
        "| --- | --- | --- | --- |",
        f"| ingest (gateway + landing) | {s(m['ingest_boxes_avg'])} | "
        f"{s(m['ingest_boxes_peak'])} | {REFERENCE['ingest']} servers (10,400 events/s each) |",
        f"| pipeline (Dagster run workers) | {s(m['pipeline_boxes_avg'])} | "
        f"{s(m['pipeline_boxes_peak'])} | 32 Flink workers |",
        f"| report queries | {s(m['query_boxes_avg'])} | {s(m['query_boxes_peak'])} | "
        f"{REFERENCE['query']} query API servers |",
        "",
        f"Storage: ClickHouse holding {HOT_WINDOW_DAYS} days of raw events at this rate "
        f"needs {s(m.get('clickhouse_tb_hot_window'), 1)} TB; the lake's bronze for "
        f"{LAKE_DAYS} days (13 months) {s(m.get('lake_tb_retention'), 1)} TB (the reference "
        "design estimates 11.5 PB of raw events at 2 KB each, before compression).",
        "",
        "## What the model assumes, and what bounds it",
        "",
        "- Boxes scale out linearly: gateways share nothing but the lake (tested with two "
        "gateway processes into one lake, docs/deployment.md); pipeline runs split by "
        "partition; reports by site. Network, S3 request rates and ClickHouse replication "
        "are not measured here.",
        "- The pipeline figure is one refresh over a large backlog; a steady state of many "
        "small refreshes pays each run's launch (see the freshness lag).",
        "- Queries per box assume each report takes one core for its p50 time; the cube "
        "reports' p95 is the tail a user sees. Funnels and other analyses over raw "
        "events cost far more per query (docs/performance.md).",
        "- The reference design budgets 1,750 inserts/s per ClickHouse node; the ClickHouse "
        "load measured here (batched day partitions from the lake, not per-event inserts) "
        "carries the figure above per box, so storage, not inserts, sizes that cluster.",
        *_slopes(found),
        *_stage_costs(found),
        "",
    ]
    return "\n".join(lines)


#: The pipeline bench's stages, in the order they run.
STAGES = ("bronze", "sessions", "rollup_daily", "rollup_hourly", "cubes", "clickhouse", "dbt")


def _stage_costs(found: dict[str, dict[str, str]]) -> list[str]:
    """Seconds per million events of each pipeline stage at every measured size: a
    stage that grows faster than its input shows as a rising figure."""
    sizes = _sizes(found, "pipeline")
    runs = [
        found[f"pipeline@{n}"]
        for n in sizes
        if any(f"{stage}_s" in found[f"pipeline@{n}"] for stage in STAGES)
    ]
    if not runs:
        return []
    rows = [
        "",
        "Pipeline stages, seconds per million events at each measured size (a rising "
        "figure is a stage growing faster than its input):",
        "",
        "| stage | " + " | ".join(f"{float(r['events']) / 1e6:g}M events" for r in runs) + " |",
        "| --- |" + " --- |" * len(runs),
    ]
    for stage in STAGES:
        cells = []
        for r in runs:
            seconds = _f(r, f"{stage}_s")
            cells.append("—" if seconds is None else f"{seconds / float(r['events']) * 1e6:.2f}")
        rows.append(f"| {stage} | " + " | ".join(cells) + " |")
    return rows


def _slopes(found: dict[str, dict[str, str]]) -> list[str]:
    """Query p95 per table extrapolated linearly from the two largest measured sizes
    of the query bench to 100 million and 1 billion events (in one site's range)."""
    sizes = _sizes(found, "query")
    if len(sizes) < 2:
        return [
            "- Only one size of the query bench is measured, so query time is not "
            "extrapolated to 100 million or 1 billion events here."
        ]
    small, large = found[f"query@{sizes[-2]}"], found[f"query@{sizes[-1]}"]
    rows = [
        "",
        f"Query p95 (ms) of one site's whole range, measured at {sizes[-2]:,} and "
        f"{sizes[-1]:,} events, extrapolated along the line through them (a report over "
        "more events reads more of them: the raw and cold figures are why reports of "
        "long ranges come from aggregates):",
        "",
        "| reports | "
        + " | ".join(f"{n / 1e6:,.0f}M" for n in (sizes[-2], sizes[-1], 100e6, 1e9))
        + " |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key, label in (
        ("rollup_p95_ms", "cubes"),
        ("raw_p95_ms", "raw events"),
        ("cold_p95_ms", "cold tier"),
    ):
        a, b = _f(small, key), _f(large, key)
        if a is None or b is None:
            continue
        slope = (b - a) / (sizes[-1] - sizes[-2])
        guess = [b + slope * (n - sizes[-1]) for n in (100e6, 1e9)]
        rows.append(f"| {label} | {a:,.0f} | {b:,.0f} | {guess[0]:,.0f} | {guess[1]:,.0f} |")
    return rows


def main() -> None:
    """Write docs/capacity.md (or, with ``--check``, fail when it is stale)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the doc is stale")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    text = render(latest(args.results))
    if args.check:
        if not DOC.exists() or DOC.read_text() != text:
            sys.exit(f"{DOC} is stale: run .venv/bin/python bench/capacity.py")
        return
    DOC.write_text(text)
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
