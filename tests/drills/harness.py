"""What every reliability drill shares: senders that count their own acknowledgements,
what bronze and ClickHouse hold afterwards, and the drill's row in the table.

``STRATA_DRILLS=full`` (``make drills``) runs each drill at the size the issue names;
otherwise (inside ``make test``) a shortened form.  Each drill appends its row to
``STRATA_DRILL_ROWS`` (default ``.strata/drills/rows.jsonl``); ``python -m
tests.drills.report`` prints them as a table.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import polars as pl

from lake.hot_tier import hot_tier
from lake.settings import Settings
from lake.storage import Lake, LakePaths
from tests.samples import event_at

FULL = os.environ.get("STRATA_DRILLS") == "full"
#: The first day drill events fall on.
DAY0 = dt.date(2026, 3, 1)
ROWS = Path(
    os.environ.get("STRATA_DRILL_ROWS", Path(__file__).parents[2] / ".strata/drills/rows.jsonl")
)


@dataclass
class DrillRow:
    """One row of the drill table."""

    drill: str
    load: str
    faults: str
    acked: int
    found: int
    duplicates: int
    errors_5xx: int
    result: str = "PASS"


def record(row: DrillRow) -> None:
    """Append the drill's row to the rows file and print it."""
    ROWS.parent.mkdir(parents=True, exist_ok=True)
    with open(ROWS, "a") as out:
        out.write(json.dumps({**asdict(row), "size": "full" if FULL else "short"}) + "\n")
    print(f"DRILL {row}")


class Senders:
    """Threads posting batches of contract-v1 events with unique ids to a gateway URL,
    each counting the ids its own ``202`` answers acknowledged (a connection that dies
    mid-request acknowledged nothing)."""

    def __init__(
        self,
        url: str,
        threads: int = 3,
        batch: int = 50,
        days: int = 3,
        prefix: str = "s",
        pause: float = 0.0,
    ) -> None:
        self.url, self.batch, self.days, self.prefix = url, batch, days, prefix
        self.pause = pause  # seconds between a thread's batches (0: as fast as acked)
        self.acked: set[str] = set()
        self.sent: set[str] = set()  # every id posted, acknowledged or not
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._send, args=(n,)) for n in range(threads)]

    def _send(self, worker: int) -> None:
        rng = random.Random(worker)
        n = 0
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self._stop.is_set():
                ids = [f"{self.prefix}{worker}-{n}-{i}" for i in range(self.batch)]
                n += 1
                day = DAY0 + dt.timedelta(days=rng.randrange(self.days))
                events = [
                    {
                        **event_at(
                            f"{self.prefix}{worker}-c{rng.randrange(40)}", day, "pageview", "/"
                        ),
                        "event_id": eid,
                    }
                    for eid in ids
                ]
                with self._lock:
                    self.sent.update(ids)
                try:
                    answer = client.post("/api/v1/events", json=events)
                except httpx.TransportError:
                    self._stop.wait(0.2)  # the gateway is down: nothing was acknowledged
                    continue
                with self._lock:
                    self.statuses[answer.status_code] += 1
                    if answer.status_code == 202:
                        self.acked.update(ids)
                if answer.status_code in (429, 503):
                    self._stop.wait(0.2)
                elif self.pause:
                    self._stop.wait(self.pause)

    def start(self) -> Senders:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    @property
    def errors_5xx(self) -> int:
        """Answers 500 and up, except the 503 a full WAL answers by design."""
        return sum(c for s, c in self.statuses.items() if s >= 500 and s != 503)


def bronze_ids(settings: Settings) -> Counter[str]:
    """How many times each event id is in bronze."""
    lake = Lake(settings)
    table = lake.scan_delta(LakePaths(settings.lake_uri).bronze_events, {"event_id": pl.String()})
    return Counter(table.select("event_id").collect()["event_id"].to_list())


def hot_event_count(settings: Settings) -> int:
    """Rows of the hot tier's ``events``."""
    with hot_tier(settings) as client:
        return int(client.query("SELECT count() FROM events").result_rows[0][0])


def exactly_once(acked: set[str], found: Counter[str]) -> tuple[int, int, int]:
    """(acked ids found, duplicates, acked ids missing)."""
    duplicates = sum(c - 1 for c in found.values() if c > 1)
    missing = len(acked - found.keys())
    return len(acked) - missing, duplicates, missing
