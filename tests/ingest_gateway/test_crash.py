"""SIGKILL under load: every acknowledged event reaches bronze exactly once."""

from __future__ import annotations

import signal
import threading
import time

import httpx
import polars as pl

from lake.storage import LakePaths
from orchestration.runner import run_pipeline
from tests.conftest import Env, LiveGateway
from tests.samples import GOOD


def test_sigkill_under_load_loses_no_acknowledged_event_and_duplicates_none(env: Env) -> None:
    gateway = LiveGateway(env, STRATA_FLUSH_SECONDS="0.3", STRATA_FLUSH_EVENTS="2000")
    port, proc = gateway.port, gateway.proc
    acked: set[str] = set()
    sent: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def sender(worker: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for batch_no in range(10_000):
                if stop.is_set():
                    return
                ids = [f"w{worker}-b{batch_no}-{i}" for i in range(100)]
                batch = [{**GOOD, "event_id": eid, "client_id": f"w{worker}"} for eid in ids]
                with lock:
                    sent.update(ids)
                try:
                    r = client.post("/api/v1/events", json=batch)
                except httpx.TransportError:
                    return  # the gateway died under us: this batch was never acknowledged
                if r.status_code == 202:
                    with lock:
                        acked.update(ids)

    threads = [threading.Thread(target=sender, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(acked) < 20_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # mid-load: no shutdown hook runs
    proc.wait(timeout=30)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(acked) >= 5_000

    # The restart on the same port replays the WAL the killed process left.
    proc = LiveGateway(env, port, STRATA_FLUSH_SECONDS="0.3", STRATA_FLUSH_EVENTS="2000").proc
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    run_pipeline(echo=False)

    bronze = pl.read_delta(LakePaths(env.settings.lake_uri).bronze_events)
    ids = bronze["event_id"]
    assert ids.n_unique() == bronze.height  # exactly once
    present = set(ids.to_list())
    assert acked <= present  # nothing acknowledged is lost
    assert present <= sent  # nothing invented
