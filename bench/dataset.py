"""A large landed data set, fast: the benchmarks' shared input.

100,000 realistic events of one day are generated and enriched by the gateway's own code
once, then tiled with new client and event ids (tile k shifted back k mod D days from
``end``) into landing Parquet files of the lake of ``STRATA_HOME``.
"""

from __future__ import annotations

import datetime as dt

#: The last day the benchmarks' events fall on (fixed, so runs are comparable).
END = dt.date(2026, 3, 1)


def land_events(events: int, days: int, site: str = "ST-BENCH", end: dt.date = END) -> None:
    """Write ``events`` enriched events of ``site`` over ``days`` days up to ``end`` as
    landing files (tiles of one enriched base day)."""
    import orjson
    import polars as pl

    from cli.generate import generate_traffic
    from ingest_gateway.contract import event_decoder
    from ingest_gateway.enrich.rows import enrich
    from ingest_gateway.flusher import rows_frame
    from lake.settings import Settings
    from lake.storage import Lake, LakePaths

    base_n = min(events, 100_000)
    traffic = generate_traffic(site, days=1, events=base_n, end=end)
    rows = [enrich(event_decoder.decode(orjson.dumps(e)), 0, None, None) for e in traffic.events]
    base = rows_frame(rows).with_columns(received_at=pl.col("event_at"))
    settings = Settings.from_env()
    lake, paths = Lake(settings), LakePaths(settings.lake_uri)
    tiles = -(-events // base.height)
    for k in range(tiles):
        shift = dt.timedelta(days=k % days)
        tile = base.with_columns(
            client_id=pl.col("client_id") + f"-{k}",
            event_id=pl.col("event_id") + f"-{k}",
            event_at=pl.col("event_at") - shift,
            received_at=pl.col("received_at") - shift,
            event_date=pl.col("event_date") - shift,
        )
        if (k + 1) * base.height > events:
            tile = tile.head(events - k * base.height)
        when = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
        lake.write_parquet(tile.to_arrow(), paths.landing_file(when, "bench", f"{k:06d}"))
