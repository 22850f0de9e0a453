"""The capacity model (bench/capacity.py): its arithmetic on a hand-worked set of
``BENCH`` lines, and docs/capacity.md as generated from bench/results.txt."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import capacity  # noqa: E402
from record import emit, latest  # noqa: E402

LINES = [
    "BENCH ingest batch100_events_per_s=60000 gateway_cpu_s_per_million=15 "
    "lander_cpu_s_per_million=10 sustained_events_per_s=70000",
    "BENCH pipeline events=1000000 days=7 total_events_per_s=10000 peak_rss_mb=900",
    "BENCH pipeline events=10000000 days=7 total_events_per_s=50000 peak_rss_mb=3000 "
    "clickhouse_s=40.0 lake_bytes_per_event=40.0 clickhouse_bytes_per_event=100.0",
    "BENCH freshness lag_p50_s=40.0 lag_p95_s=80.0",
    "BENCH query events=10000000 rollup_p50_ms=20 rollup_p95_ms=25 raw_p95_ms=300 cold_p95_ms=600",
    "BENCH query events=30000000 rollup_p50_ms=30 rollup_p95_ms=45 raw_p95_ms=500 cold_p95_ms=900",
]


def _results(tmp_path: Path) -> Path:
    results = tmp_path / "results.txt"
    for line in LINES:
        emit(line, results)
    return results


def test_the_model_by_hand(tmp_path: Path) -> None:
    found = latest(_results(tmp_path))
    assert set(found) >= {"ingest", "pipeline@1000000", "pipeline@10000000", "query@30000000"}
    m = capacity.model(found)
    assert m["gateway_events_per_core_s"] == 1e6 / 15
    assert m["landing_events_per_core_s"] == 1e6 / 10
    # 2 cores / (25 CPU s per million) = 80,000 events/s a box
    assert m["ingest_box_events_s"] == 80_000
    assert (m["ingest_boxes_avg"], m["ingest_boxes_peak"]) == (3, 7)  # 173,600 / 80k; 520,800
    # the largest pipeline run is used, not the newest line
    assert m["pipeline_box_events_s"] == 50_000 and m["pipeline_events_per_core_s"] == 25_000
    assert (m["pipeline_boxes_avg"], m["pipeline_boxes_peak"]) == (4, 11)
    assert m["clickhouse_load_box_events_s"] == 250_000
    # the largest query run: 2 cores × 1000 ms / 30 ms
    assert m["queries_per_box_s"] == 2000 / 30
    assert (m["query_boxes_avg"], m["query_boxes_peak"]) == (13, 61)  # 810 / 66.7; 4,050
    assert m["lake_gb_per_billion"] == 40.0 and m["clickhouse_gb_per_billion"] == 100.0
    # 15 billion a day × 30 days × 100 bytes = 45 TB; × 395 days × 40 bytes = 237 TB
    assert m["clickhouse_tb_hot_window"] == 45.0
    assert m["lake_tb_retention"] == 237.0


def test_the_slope_to_a_billion_events(tmp_path: Path) -> None:
    text = capacity.render(latest(_results(tmp_path)))
    # raw: 300 → 500 ms from 10M to 30M: 10 ms per million; 100M → 1,200; 1B → 10,200
    assert "| raw events | 300 | 500 | 1,200 | 10,200 |" in text
    assert "| cubes | 25 | 45 | 115 | 1,015 |" in text


def test_a_benchmark_not_run_says_so(tmp_path: Path) -> None:
    results = tmp_path / "results.txt"
    emit(LINES[0], results)
    text = capacity.render(latest(results))
    assert "| `bench/pipeline.py` | not run |" in text
    assert "not extrapolated" in text


def test_docs_capacity_is_generated_from_the_kept_results() -> None:
    # regenerate with: .venv/bin/python bench/capacity.py
    assert capacity.DOC.read_text() == capacity.render(latest())


def test_seconds_per_million_per_stage(tmp_path: Path) -> None:
    text = capacity.render(latest(_results(tmp_path)))
    # only the 10M line has stage times: clickhouse 40 s / 10M events = 4.00 s per million
    assert "| clickhouse | 4.00 |" in text
    assert "| bronze | — |" in text


def test_the_one_day_case_is_kept_apart(tmp_path: Path) -> None:
    results = _results(tmp_path)
    emit("BENCH pipeline events=10000000 days=1 total_events_per_s=40000 peak_rss_mb=3900", results)
    m = capacity.model(latest(results))
    assert m["pipeline_box_events_s"] == 50_000  # the 7-day run still sizes the boxes
    assert (m["one_day_events_s"], m["one_day_peak_rss_mb"]) == (40_000, 3_900)


def test_freshness_with_the_marts_in_each_refresh_is_kept_apart(tmp_path: Path) -> None:
    results = _results(tmp_path)
    emit("BENCH freshness warehouse=true lag_p50_s=31.0 lag_p95_s=49.0", results)
    m = capacity.model(latest(results))
    assert (m["freshness_lag_p50_s"], m["freshness_lag_p95_s"]) == (40.0, 80.0)
    assert (m["freshness_marts_lag_p50_s"], m["freshness_marts_lag_p95_s"]) == (31.0, 49.0)
