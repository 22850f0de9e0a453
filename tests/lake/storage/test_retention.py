"""Retention rules on hand-worked cases: each site's first kept day, the Delta predicate,
held days, expired landing files and quarantine rows (a local lake, no pipeline)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from lake.settings import Settings
from lake.storage import Lake, LakePaths, RetentionPolicy, apply_lake_retention

TODAY = dt.date(2026, 6, 30)
POLICY = RetentionPolicy(TODAY, 395, 730, {"ST-A": (3, None), "ST-B": (None, 10)})


def test_first_kept_days_per_site_and_kind() -> None:
    assert POLICY.cutoff("raw") == dt.date(2025, 5, 31)  # 395 days before
    assert POLICY.cutoff("raw", "ST-A") == dt.date(2026, 6, 27)
    assert POLICY.cutoff("raw", "ST-B") == dt.date(2025, 5, 31)
    assert POLICY.cutoff("aggregate", "ST-B") == dt.date(2026, 6, 20)
    assert POLICY.cutoff("aggregate", "ST-A") == dt.date(2024, 6, 30)
    assert POLICY.oldest_cutoff("raw") == dt.date(2025, 5, 31)
    assert POLICY.latest_cutoff("raw") == dt.date(2026, 6, 27)
    held = RetentionPolicy(TODAY, 395, 730, {"ST-A": (3, None)}, hold_from=dt.date(2026, 6, 1))
    assert held.cutoff("raw", "ST-A") == dt.date(2026, 6, 1)  # a pending refresh reads from here


def test_the_delta_predicate_names_each_site_then_the_rest() -> None:
    assert POLICY.predicate("raw", "event_date") == (
        "(tracking_id = 'ST-A' AND event_date < '2026-06-27') OR "
        "(tracking_id = 'ST-B' AND event_date < '2025-05-31') OR "
        "(tracking_id NOT IN ('ST-A', 'ST-B') AND event_date < '2025-05-31')"
    )
    quoted = RetentionPolicy(TODAY, 1, 1, {"O'Neil": (2, None)})
    assert "tracking_id = 'O''Neil'" in quoted.predicate("raw", "d")


def test_expired_expression_matches_the_predicate() -> None:
    frame = pl.DataFrame(
        {
            "tracking_id": ["ST-A", "ST-A", "ST-C", "ST-C"],
            "event_date": [dt.date(2026, 6, 26), dt.date(2026, 6, 27)] * 2,
        }
    )
    assert frame.select(POLICY.expired("raw", "event_date"))["event_date"].to_list() == [
        True,
        False,
        False,
        False,
    ]


def test_landing_files_and_quarantine_rows_past_retention_are_removed(tmp_path: Path) -> None:
    settings = Settings.from_env({"STRATA_HOME": str(tmp_path)})
    settings.ensure_dirs()
    lake, paths = Lake(settings), LakePaths(settings.lake_uri)
    policy = RetentionPolicy(TODAY, 10, 20, {"ST-A": (2, None)})
    old = dt.datetime(2026, 6, 1, 5, tzinfo=dt.UTC)
    new = dt.datetime(2026, 6, 29, 5, tzinfo=dt.UTC)
    rows = pl.DataFrame({"tracking_id": ["ST-A"], "event_id": ["e"]}).to_arrow()
    lake.write_parquet(rows, paths.landing_file(old, "gw", "1"))
    lake.write_parquet(rows, paths.landing_file(new, "gw", "2"))
    late = pl.DataFrame(  # arrived on a kept day, happened on an expired one for ST-A
        {
            "tracking_id": ["ST-A", "ST-B"],
            "event_id": ["late-a", "late-b"],
            "event_date": [dt.date(2026, 6, 25)] * 2,
        }
    )
    lake.write_parquet(late.to_arrow(), paths.landing_file(new, "gw", "3"))
    quarantine = paths.quarantine("bronze_events")
    lake.write_parquet(
        pl.DataFrame(
            {
                "tracking_id": ["ST-A", "ST-A", "ST-B", "ST-B"],
                "event_date": [dt.date(2026, 6, 27), dt.date(2026, 6, 29)] * 2,
                "reason": ["late"] * 4,
            }
        ).to_arrow(),
        f"{quarantine}/1.parquet",
    )
    lake.write_parquet(
        pl.DataFrame(
            {"tracking_id": ["ST-B"], "event_date": [dt.date(2026, 6, 1)], "reason": ["late"]}
        ).to_arrow(),
        f"{quarantine}/2.parquet",
    )
    report = apply_lake_retention(lake, paths, policy, {}, log=lambda _: None)
    assert report["landing/events_files"] == 1 and report["landing/events_rows"] == 1
    landed = [Path(p).name for p in lake.list_files(paths.landing_events)]
    assert landed == ["gw-2.parquet", "gw-3.parquet"]
    kept_late = lake.read_frame(lake.list_files(paths.landing_events)[1])
    assert kept_late["event_id"].to_list() == ["late-b"]
    assert report["quarantine/bronze_events_rows"] == 2  # ST-A's 27th (2-day), ST-B's 1st
    assert report["quarantine/bronze_events_files"] == 1
    kept = lake.read_frame(lake.list_files(quarantine)[0])
    assert kept.select("tracking_id", "event_date").rows() == [
        ("ST-A", dt.date(2026, 6, 29)),
        ("ST-B", dt.date(2026, 6, 27)),
        ("ST-B", dt.date(2026, 6, 29)),
    ]
