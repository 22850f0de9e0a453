"""Freshness: how long after the gateway's ``202`` an event is counted by a report, with
Dagster's daemon running the pipeline (the steady state: nobody runs ``strata pipeline``).

Starts, over a fresh embedded installation: a gateway (``python -m ingest_gateway``), the
query API (``python -m serving``) and Dagster's daemon headless (``dagster-daemon run``
with ``orchestration/dagster.yaml`` as its instance, the workspace ``make dagster`` uses),
which runs the landing and refresh sensors and their jobs.  Sends a steady load of
pageviews timed "now" (default 2,000 events/s for 5 minutes) and, every 5 s, one marked
pageview (page ``/mark/<n>``); a prober asks ``/api/v1/query`` once a second for the
marks' page views and records, for each mark, the time from its ``202`` to the first
answer counting it.  The answer must come from an aggregate (not the realtime endpoint,
not raw events): ``cube_daily_pages``, or ``rollup_daily`` until the first load has
built the cube.

    .venv/bin/python bench/freshness.py [--rate 2000] [--minutes 5] [--warehouse]

``--warehouse`` turns the dbt marts on (``STRATA_WAREHOUSE_MODELS=true``, the default
installation's setting): the ``strata_warehouse`` code location's ``strata_marts`` job
follows the refreshes every 5 minutes, on the same engine; without it there are no
marts.  Use ``--minutes 10`` or more to see more than one marts run.  Leaves out: the
webserver (the daemon alone runs sensors and runs), TLS, several gateways, a ClickHouse
server (the embedded engine is shared by the API and the runs, as on one machine).
Ends with ``BENCH freshness rate=… minutes=… marks=… counted=… lag_p50_s=… lag_p95_s=…
lag_max_s=…``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from record import emit  # noqa: E402

from cli.processes import free_port, stop, wait_healthy  # noqa: E402
from lake.catalog import MetadataStore  # noqa: E402
from lake.settings import Settings  # noqa: E402

BATCH = 100
#: A browser's user agent (the HTTP client's own would mark every event a bot's).
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"
MARK_EVERY_S = 5.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else 0.0


class Freshness:
    """The services, the load, the marks and their lags."""

    def __init__(self, home: Path, rate: int, warehouse: bool) -> None:
        dagster_home = home / "dagster"
        dagster_home.mkdir(parents=True)
        shutil.copy(ROOT / "orchestration" / "dagster.yaml", dagster_home / "dagster.yaml")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("STRATA_", "DAGSTER_"))},
            "STRATA_HOME": str(home),
            "STRATA_WAREHOUSE_MODELS": "true" if warehouse else "false",
            "DAGSTER_HOME": str(dagster_home),
        }
        settings = Settings.from_env(self.env)
        settings.ensure_dirs()
        store = MetadataStore(settings.metadata_url)
        store.add_site("ST-FRESH", ["fresh.example"], rate_limit_eps=10_000_000)
        self.key = store.create_key("ST-FRESH")
        self.rate = rate
        self.stop = threading.Event()
        self.marks: dict[str, float] = {}  # path -> moment of its 202
        self.lags: dict[str, float] = {}
        self.sources: set[str] = set()
        self.lock = threading.Lock()
        self.done = threading.Event()  # the prober stops

    def start(self) -> None:
        """The gateway, the API and the daemon; then the sender, marker and prober."""
        gw, api = free_port(), free_port()
        self.gateway_url, self.api_url = f"http://127.0.0.1:{gw}", f"http://127.0.0.1:{api}"
        py, quiet = sys.executable, {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.procs = [
            subprocess.Popen(
                [py, "-m", "ingest_gateway", "--port", str(gw)], env=self.env, cwd=ROOT
            ),
            subprocess.Popen(
                [py, "-m", "serving", "--port", str(api), "--sql-port", "0"],
                env=self.env, cwd=ROOT, **quiet,
            ),
            subprocess.Popen(
                [str(Path(py).with_name("dagster-daemon")), "run", "-w", "workspace.yaml"],
                env=self.env, cwd=ROOT, **quiet,
            ),
        ]  # fmt: skip
        wait_healthy(self.gateway_url, self.procs[0])
        wait_healthy(self.api_url, self.procs[1])
        for target in (self._send, self._mark, self._probe):
            threading.Thread(target=target, daemon=True).start()

    def _event(self, eid: str, client: str, path: str) -> dict:
        return {
            "tracking_id": "ST-FRESH",
            "event_id": eid,
            "client_id": client,
            "event_type": "pageview",
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "page": {"url": f"https://fresh.example{path}"},
            "context": {"user_agent": UA},
        }

    def _send(self) -> None:
        n, started = 0, time.monotonic()
        with httpx.Client(base_url=self.gateway_url, timeout=30) as client:
            while not self.stop.is_set():
                batch = [
                    self._event(f"e{n}-{i}", f"c{(n * 7 + i) % 5000}", f"/p{i % 40}")
                    for i in range(BATCH)
                ]
                with contextlib.suppress(httpx.TransportError):  # counted by the marks only
                    client.post("/api/v1/events", json=batch)
                n += 1
                ahead = n * BATCH / self.rate - (time.monotonic() - started)
                if ahead > 0:
                    self.stop.wait(ahead)

    def _mark(self) -> None:
        k = 0
        with httpx.Client(base_url=self.gateway_url, timeout=30) as client:
            while not self.stop.is_set():
                path = f"/mark/{k}"
                r = client.post("/api/v1/events", json=[self._event(f"m{k}", f"m{k}", path)])
                if r.status_code == 202:
                    with self.lock:
                        self.marks[path] = time.monotonic()
                k += 1
                self.stop.wait(MARK_EVERY_S)

    def _probe(self) -> None:
        today = dt.datetime.now(dt.UTC).date().isoformat()
        body = {
            "tracking_id": "ST-FRESH",
            "metrics": ["pageviews"],
            "dimensions": ["page_path"],
            "filters": [{"field": "page_path", "op": "starts_with", "value": "/mark/"}],
            "date_range": {"start": today, "end": today},
            "limit": 10000,
        }
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.api_url, timeout=60) as client:
            while not self.done.is_set():
                try:
                    r = client.post("/api/v1/query", json=body, headers=headers)
                except httpx.TransportError:
                    continue
                now = time.monotonic()
                if r.status_code != 200 and r.status_code != 503:  # 503: a load holds the engine
                    raise RuntimeError(f"the report failed: {r.status_code} {r.text[:300]}")
                if r.status_code == 200:
                    answer = r.json()
                    self.sources.add(answer.get("source", ""))
                    with self.lock:
                        for row in answer["rows"]:
                            path = row.get("page_path")
                            if path in self.marks and path not in self.lags and row["pageviews"]:
                                self.lags[path] = now - self.marks[path]
                self.done.wait(1.0)

    def wait_for_marks(self, timeout_s: float) -> None:
        """After the load stops: until every mark is counted (or ``timeout_s``)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.lags) == len(self.marks):
                    break
            time.sleep(1.0)
        self.done.set()

    def close(self) -> None:
        """Stop every process (the daemon first: no run starts against a dying engine)."""
        for proc in reversed(self.procs):
            stop(proc)


def _print_runs(dagster_home: Path) -> None:
    """Where the lag goes: per job, its runs, their wait from being asked for to their
    process starting (queue and launch) and their time running (code load included)."""
    from dagster import DagsterInstance

    with contextlib.suppress(Exception), DagsterInstance.from_config(str(dagster_home)) as dg:
        by_job: dict[str, list[tuple[float, float]]] = {}
        for record in dg.get_run_records():
            start, end = record.start_time, record.end_time
            if start is None or end is None:
                continue
            created = record.create_timestamp.timestamp()
            by_job.setdefault(record.dagster_run.job_name, []).append(
                (start - created, end - start)
            )
        for job, spans in sorted(by_job.items()):
            waits, runs = zip(*spans, strict=True)
            print(
                f"{job}: {len(spans)} runs, waited {statistics.mean(waits):.1f} s "
                f"(max {max(waits):.1f}), ran {statistics.mean(runs):.1f} s "
                f"(max {max(runs):.1f}) on average"
            )


def main() -> None:
    """Run the load, print the lags and the BENCH line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=2000, help="events/s of the steady load")
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--warehouse", action="store_true", help="the dbt marts on too")
    parser.add_argument("--keep", action="store_true", help="keep the home (its path is printed)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="strata-freshness-"))
    run = Freshness(home, args.rate, args.warehouse)
    try:
        run.start()
        started = time.monotonic()
        while time.monotonic() - started < args.minutes * 60:
            time.sleep(15)
            with run.lock:
                lags = list(run.lags.values())
                print(
                    f"{time.monotonic() - started:6.0f}s  marks {len(run.marks)}  counted "
                    f"{len(lags)}  lag p50 {_pct(lags, 0.5)} s  p95 {_pct(lags, 0.95)} s",
                    flush=True,
                )
        run.stop.set()
        run.wait_for_marks(240)
    finally:
        run.close()
        _print_runs(home / "dagster")
        if args.keep:
            print(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    lags = list(run.lags.values())
    print(f"answered from: {', '.join(sorted(run.sources))}")
    # aggregates only (a cube, or its rollup before the first load built the cube)
    assert all(".cube_" in s or ".rollup_" in s for s in run.sources if s), run.sources
    emit(
        f"BENCH freshness rate={args.rate} minutes={args.minutes:g} warehouse="
        f"{str(args.warehouse).lower()} marks={len(run.marks)} counted={len(lags)} "
        f"lag_p50_s={_pct(lags, 0.5)} lag_p95_s={_pct(lags, 0.95)} "
        f"lag_max_s={round(max(lags), 1) if lags else 0} "
        f"lag_mean_s={round(statistics.fmean(lags), 1) if lags else 0}"
    )


if __name__ == "__main__":
    main()
