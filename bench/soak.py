"""Soak: the gateway, the pipeline and the query API running together at a steady load
for minutes, sampled over time.

Starts a real gateway (``python -m ingest_gateway``) and query API (``python -m
serving``) on 127.0.0.1 over a fresh embedded installation, runs ``strata pipeline``
again and again (as the landing sensor would), sends contract-v1 batches at a fixed
rate (default 7,500 events/s: half the pipeline's measured capacity on this machine,
the slowest stage, see docs/performance.md) and asks the API for a report every two
seconds.  Every 15 s it prints: events acknowledged per second, the ack p99, the
report p99, the RSS of the gateway, the API and the running pipeline, the WAL's size
and the landing lag (events acknowledged but not yet in bronze).  At the end the
gateway is stopped (its WAL lands), the pipeline runs once more, and every
acknowledged event must be in bronze exactly once.

    .venv/bin/python bench/soak.py [--minutes 10] [--rate 7500]

Leaves out: TLS, a reverse proxy, several gateways, a ClickHouse server (the embedded
engine's lease is shared by the API and the pipeline, as on a single machine).
Ends with ``BENCH soak minutes=… rate=… acked=… found=… duplicates=… ack_p99_ms=…
report_p99_ms=… gateway_rss_first_mb=… gateway_rss_last_mb=… api_rss_first_mb=…
api_rss_last_mb=… wal_max_mb=… lag_max_events=…``.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from record import emit  # noqa: E402

from cli.processes import free_port, wait_healthy  # noqa: E402
from lake.catalog import MetadataStore  # noqa: E402
from lake.settings import Settings  # noqa: E402
from lake.storage import Lake, LakePaths  # noqa: E402

BATCH = 100


def _rss_mb(pid: int | None) -> float:
    """Resident memory of a process from /proc (0 when it is gone)."""
    if pid is None:
        return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else (values or [0])[0]


class Soak:
    """The running services, the load and the samples."""

    def __init__(self, home: Path, rate: int) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("STRATA_")},
            "STRATA_HOME": str(home),
            "STRATA_WAREHOUSE_MODELS": "false",
            "STRATA_HOT_WINDOW_DAYS": "3650",
        }
        self.settings = Settings.from_env(self.env)
        self.settings.ensure_dirs()
        store = MetadataStore(self.settings.metadata_url)
        store.add_site(
            "ST-SOAK",
            ["soak.example"],
            rate_limit_eps=10_000_000,
            allowed_lateness_hours=24.0 * 365 * 20,
        )
        self.key = store.create_key("ST-SOAK")
        self.rate = rate
        self.acked: set[str] = set()
        self.ack_ms: list[float] = []
        self.report_ms: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.stop = threading.Event()
        self.pipeline_pid: int | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        """Start the gateway and the API, then the sender, the pipeline loop and the
        report prober."""
        gw, api = free_port(), free_port()
        self.gateway_url, self.api_url = f"http://127.0.0.1:{gw}", f"http://127.0.0.1:{api}"
        py = sys.executable
        self.gateway = subprocess.Popen(
            [py, "-m", "ingest_gateway", "--port", str(gw)], env=self.env, cwd=ROOT
        )
        self.api = subprocess.Popen(
            [py, "-m", "serving", "--port", str(api), "--sql-port", "0"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_healthy(self.gateway_url, self.gateway)
        wait_healthy(self.api_url, self.api)
        self.threads = [
            threading.Thread(target=self._send, daemon=True),
            threading.Thread(target=self._pipelines, daemon=True),
            threading.Thread(target=self._reports, daemon=True),
        ]
        for t in self.threads:
            t.start()

    def _send(self) -> None:
        n, started = 0, time.monotonic()
        day = "2026-03-0{}T{:02d}:{:02d}:00.000Z"
        with httpx.Client(base_url=self.gateway_url, timeout=30) as client:
            while not self.stop.is_set():
                ids = [f"e{n}-{i}" for i in range(BATCH)]
                batch = [
                    {
                        "tracking_id": "ST-SOAK",
                        "event_id": eid,
                        "client_id": f"c{(n * 7 + i) % 5000}",
                        "event_type": "pageview",
                        "timestamp": day.format(1 + n % 3, n % 24, i % 60),
                        "page": {"url": f"https://soak.example/p{i % 40}"},
                    }
                    for i, eid in enumerate(ids)
                ]
                t0 = time.perf_counter()
                try:
                    r = client.post("/api/v1/events", json=batch)
                except httpx.TransportError:
                    continue
                with self.lock:
                    self.ack_ms.append((time.perf_counter() - t0) * 1000)
                    self.statuses[r.status_code] += 1
                    if r.status_code == 202:
                        self.acked.update(ids)
                n += 1
                ahead = n * BATCH / self.rate - (time.monotonic() - started)
                if ahead > 0:
                    self.stop.wait(ahead)

    def _pipelines(self) -> None:
        while not self.stop.is_set():
            proc = subprocess.Popen(
                [sys.executable, "-m", "orchestration"],
                env=self.env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.pipeline_pid = proc.pid
            proc.wait()
            self.pipeline_pid = None
            self.stop.wait(2.0)

    def _reports(self) -> None:
        body = {
            "tracking_id": "ST-SOAK",
            "metrics": ["pageviews", "unique_users"],
            "dimensions": ["date"],
            "date_range": {"start": "2026-03-01", "end": "2026-03-03"},
        }
        with httpx.Client(base_url=self.api_url, timeout=60) as client:
            while not self.stop.is_set():
                t0 = time.perf_counter()
                r = client.post(
                    "/api/v1/query", json=body, headers={"Authorization": f"Bearer {self.key}"}
                )
                with self.lock:
                    self.report_ms.append((time.perf_counter() - t0) * 1000)
                    self.statuses[r.status_code] += 1
                self.stop.wait(2.0)

    def bronze_rows(self) -> int:
        """Rows bronze holds now (from its Delta log: no data read)."""
        lake = Lake(self.settings)
        rows = lake.partition_rows(LakePaths(self.settings.lake_uri).bronze_events, "event_date")
        return sum(rows.values())

    def wal_mb(self) -> float:
        """Bytes of the gateway's WAL segments, in MiB."""
        return (
            sum(p.stat().st_size for p in self.settings.wal_dir.glob("*.*") if p.is_file()) / 2**20
        )

    def finish(self) -> Counter[str]:
        """Stop the load and the services (the gateway lands its WAL), run the pipeline
        once more; how many times each event id is in bronze."""
        self.stop.set()
        for t in self.threads:
            t.join(timeout=900)
        for proc in (self.gateway, self.api):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=120)
        subprocess.run(
            [sys.executable, "-m", "orchestration"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        lake = Lake(self.settings)
        ids = lake.scan_delta(
            LakePaths(self.settings.lake_uri).bronze_events, {"event_id": pl.String()}
        ).collect()["event_id"]
        return Counter(ids.to_list())


def main() -> None:
    """Run the soak and print its samples, then the BENCH line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=7500, help="events per second sent")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="strata-soak-") as home:
        soak = Soak(Path(home), args.rate)
        soak.start()
        print(f"soak: {args.minutes:g} min at {args.rate:,} events/s (gateway, pipeline, API)")
        print(
            f"{'t_s':>6} {'acked/s':>9} {'ack_p99':>8} {'rep_p99':>8} {'gw_mb':>7} "
            f"{'api_mb':>7} {'pipe_mb':>8} {'wal_mb':>7} {'lag_ev':>9}"
        )
        samples = []
        started = time.monotonic()
        last_acked, last_t = 0, started
        while time.monotonic() - started < args.minutes * 60:
            time.sleep(15)
            now = time.monotonic()
            with soak.lock:
                acked, ack, rep = len(soak.acked), list(soak.ack_ms), list(soak.report_ms)
                soak.ack_ms.clear()
                soak.report_ms.clear()
            row = {
                "t": now - started,
                "rate": (acked - last_acked) / (now - last_t),
                "ack_p99": _p99(ack),
                "rep_p99": _p99(rep),
                "gw": _rss_mb(soak.gateway.pid),
                "api": _rss_mb(soak.api.pid),
                "pipe": _rss_mb(soak.pipeline_pid),
                "wal": soak.wal_mb(),
                "lag": acked - soak.bronze_rows(),
            }
            samples.append(row)
            last_acked, last_t = acked, now
            print(
                f"{row['t']:6.0f} {row['rate']:9,.0f} {row['ack_p99']:8.1f} {row['rep_p99']:8.1f} "
                f"{row['gw']:7.0f} {row['api']:7.0f} {row['pipe']:8.0f} {row['wal']:7.1f} "
                f"{row['lag']:9,}",
                flush=True,
            )
        found = soak.finish()
        duplicates = sum(c - 1 for c in found.values() if c > 1)
        missing = len(soak.acked - found.keys())
        errors = sum(c for s, c in soak.statuses.items() if s >= 500 and s != 503)
        print(
            f"acked {len(soak.acked):,}, in bronze {len(found):,}, missing {missing}, "
            f"duplicates {duplicates}, 5xx {errors}, statuses {dict(soak.statuses)}"
        )
        first, last = samples[0], samples[-1]
        emit(
            f"BENCH soak minutes={args.minutes:g} rate={args.rate} acked={len(soak.acked)} "
            f"found={len(soak.acked) - missing} duplicates={duplicates} errors_5xx={errors} "
            f"ack_p99_ms={max(s['ack_p99'] for s in samples):.1f} "
            f"report_p99_ms={max(s['rep_p99'] for s in samples):.1f} "
            f"gateway_rss_first_mb={first['gw']:.0f} gateway_rss_last_mb={last['gw']:.0f} "
            f"api_rss_first_mb={first['api']:.0f} api_rss_last_mb={last['api']:.0f} "
            f"wal_max_mb={max(s['wal'] for s in samples):.1f} "
            f"lag_max_events={max(s['lag'] for s in samples)}"
        )
        if missing or duplicates or errors:
            raise SystemExit("soak failed: events lost, doubled or answered 5xx")


if __name__ == "__main__":
    main()
