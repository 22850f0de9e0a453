"""A large landed data set, fast: the benchmarks' shared input.

100,000 realistic events of one day are generated and enriched by the gateway's own code
once, then tiled with new client and event ids (tile k shifted back k mod D days from
``end``) into landing Parquet files of the lake of ``STRATA_HOME``.  With ``visits`` V
above 1, visitors come back (what a retention grid needs): a group of tiles shares its
client ids, the first on a day spread over the D days, the others every ``every`` days
after it, up to V of them until ``end``.
"""

from __future__ import annotations

import datetime as dt

#: The last day the benchmarks' events fall on (fixed, so runs are comparable).
END = dt.date(2026, 3, 1)


def land_events(
    events: int,
    days: int,
    site: str = "ST-BENCH",
    end: dt.date = END,
    visits: int = 1,
    every: int = 7,
) -> None:
    """Write ``events`` enriched events of ``site`` over ``days`` days up to ``end`` as
    landing files (tiles of one enriched base day; ``visits``: on how many days each
    visitor comes, ``every`` so many days apart)."""
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
    for k, (group, back) in enumerate(_slots(tiles, days, visits, every)):
        shift = dt.timedelta(days=back)
        tile = base.with_columns(
            client_id=pl.col("client_id") + f"-{group}",
            event_id=pl.col("event_id") + f"-{k}",
            event_at=pl.col("event_at") - shift,
            received_at=pl.col("received_at") - shift,
            event_date=pl.col("event_date") - shift,
        )
        if (k + 1) * base.height > events:
            tile = tile.head(events - k * base.height)
        when = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
        lake.write_parquet(tile.to_arrow(), paths.landing_file(when, "bench", f"{site}-{k:06d}"))


def _slots(tiles: int, days: int, visits: int, every: int) -> list[tuple[int, int]]:
    """Per tile, its visitors' group and how many days before the last day it falls:
    tile k on day k mod ``days`` with visitors of its own, or (``visits`` above 1) the
    groups' first days spread over the days (a step of 5, so every day gets some) and
    each group back every ``every`` days while the days last."""
    if visits == 1:
        return [(k, k % days) for k in range(tiles)]
    slots: list[tuple[int, int]] = []
    group = 0
    while len(slots) < tiles:
        first = days - 1 - (group * 5) % days
        slots += [(group, first - j * every) for j in range(visits) if first - j * every >= 0]
        group += 1
    return slots[:tiles]
