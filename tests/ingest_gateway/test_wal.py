"""Write-ahead log durability: torn tails, replay, and a final flush on SIGTERM."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import orjson
import polars as pl

from ingest_gateway.wal import WriteAheadLog, read_segment, sealed_segments
from lake.storage import EVENT_SCHEMA, Lake, LakePaths
from tests.conftest import Env, LiveGateway
from tests.samples import GOOD


def test_torn_frame_at_the_tail_is_ignored(tmp_path: Path) -> None:
    wal = WriteAheadLog(tmp_path)
    wal.append([["a", 1]])
    wal.append([["b", 2], ["c", 3]])
    wal.seal()
    (segment,) = sealed_segments(tmp_path)
    with open(segment, "ab") as f:
        f.write(b"\x10\x00\x00\x00garbage")  # a crash in the middle of a write
    assert list(read_segment(segment)) == [["a", 1], ["b", 2], ["c", 3]]


def test_segment_names_never_repeat_across_restarts(tmp_path: Path) -> None:
    names = set()
    for _ in range(3):
        wal = WriteAheadLog(tmp_path)
        wal.append([["x"]])
        wal.seal()
        (segment,) = sealed_segments(tmp_path)
        names.add(segment.name)
        segment.unlink()  # flushed
    assert len(names) == 3


def test_segment_left_open_by_a_crash_is_sealed_and_landed_on_start(env: Env) -> None:
    import orjson
    from fastapi.testclient import TestClient

    from ingest_gateway.app import create_app
    from ingest_gateway.contract import event_decoder
    from ingest_gateway.enrich.rows import enrich

    wal = WriteAheadLog(env.settings.wal_dir)  # a gateway that died before flushing
    wal.append(
        [enrich(event_decoder.decode(orjson.dumps(GOOD)), 1_772_000_000_000_000, None, None)]
    )
    wal.seal()
    with TestClient(create_app(env.settings)):
        pass
    lake = Lake(env.settings)
    files = lake.list_files(LakePaths(env.settings.lake_uri).landing_events)
    assert lake.read_parquet(files, EVENT_SCHEMA)["client_id"].to_list() == ["c1"]
    assert list(env.settings.wal_dir.iterdir()) == []


def test_sigterm_flushes_every_acknowledged_event(env: Env) -> None:
    gateway = LiveGateway(env, STRATA_FLUSH_SECONDS="3600", STRATA_FLUSH_EVENTS="1000000")
    try:
        batch = [{**GOOD, "client_id": f"c{i}"} for i in range(300)]
        acked = sum(
            httpx.post(f"{gateway.url}/api/v1/events", json=batch).json()["accepted"]
            for _ in range(3)
        )
        assert acked == 900
        paths = LakePaths(env.settings.lake_uri)
        assert Lake(env.settings).list_files(paths.landing_events) == []  # nothing landed yet
        gateway.proc.send_signal(signal.SIGTERM)
        # uvicorn re-raises the signal after its graceful shutdown
        assert gateway.proc.wait(timeout=60) in (0, -signal.SIGTERM)
    finally:
        gateway.stop()
    lake = Lake(env.settings)
    landed = lake.read_parquet(lake.list_files(paths.landing_events), EVENT_SCHEMA)
    assert landed.height == 900
    assert landed.select(pl.col("client_id").n_unique()).item() == 300


def test_flushing_while_appends_race_loses_nothing(env: Env) -> None:
    """Appends from many threads while the flusher seals and lands segments every few events."""
    import threading

    from ingest_gateway.contract import event_decoder
    from ingest_gateway.enrich.rows import enrich
    from ingest_gateway.flusher import Flusher

    wal = WriteAheadLog(env.settings.wal_dir, fsync=False)
    lake = Lake(env.settings)
    flusher = Flusher(wal, env.settings, interval=0.001, max_events=7)
    flusher.start()

    def writer(n: int) -> None:
        for i in range(150):
            event = event_decoder.decode(orjson.dumps({**GOOD, "client_id": f"w{n}-{i}"}))
            flusher.notify(wal.append([enrich(event, 1_772_000_000_000_000, None, None)]))
            time.sleep(0.001)  # spread the appends over many flushes

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flusher.stop()
    files = lake.list_files(LakePaths(env.settings.lake_uri).landing_events)
    landed = lake.read_parquet(files, EVENT_SCHEMA)
    assert landed.height == 600
    assert landed["client_id"].n_unique() == 600
    assert len(files) > 10  # the flusher really ran concurrently with the writers


def test_a_wal_row_holds_the_landing_schema_but_its_date() -> None:
    """The WAL row names its fields: exactly the landing files' columns, in their
    order, without ``event_date`` (landing derives it from ``event_at``)."""
    from lake.storage import WalRow

    assert WalRow.__struct_fields__ == tuple(c for c in EVENT_SCHEMA if c != "event_date")
