"""The ``strata`` command: a thin dispatcher over the packages.

The services (gateway, serving, pipeline) run as their own processes
(``python -m ingest_gateway`` …), exactly as they would in production, so this
module needs none of them imported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx

from lake.generate import generate_traffic
from lake.metadata import MetadataStore, SiteError
from lake.send import send_events
from lake.settings import Settings

__all__ = ["main"]

DEMO_SITE = "ST-DEMO"
DEMO_DOMAIN = "demo.strata.test"
DEMO_RATE_LIMIT = 1_000_000


def _exec_module(module: str, args: list[str]) -> int:
    """Become the service process (``exec``): SIGTERM and Ctrl-C reach it directly, so the
    gateway lands its WAL and the API shuts down cleanly instead of being orphaned."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", module, *args])
    return 0  # not reached


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"service at {url} exited with code {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"service at {url} did not start within {timeout:.0f}s")


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def _demo_key(settings: Settings, store: MetadataStore) -> str:
    """The demo site's key from ``demo.key``, issuing a new one if it is missing or stale."""
    path = settings.home / "demo.key"
    if path.exists():
        key = path.read_text().strip()
        if store.site_for_key(key) == DEMO_SITE:
            return key
    key = store.create_key(DEMO_SITE)
    path.write_text(key + "\n")
    return key


def _demo_end_date(settings: Settings, days: int, events: int) -> dt.date:
    """Pin the demo's dates on first run so a rerun sends identical events (deduplicated)."""
    path = settings.home / "demo.json"
    if path.exists():
        saved = json.loads(path.read_text())
        if saved.get("days") == days and saved.get("events") == events:
            return dt.date.fromisoformat(saved["end"])
    end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    path.write_text(json.dumps({"end": end.isoformat(), "days": days, "events": events}))
    return end


def _example_queries(start: dt.date, end: dt.date) -> list[tuple[str, dict]]:
    rng = {"start": start.isoformat(), "end": end.isoformat()}
    base = {"tracking_id": DEMO_SITE, "date_range": rng}
    return [
        (
            "Totals for the whole range",
            {**base, "metrics": ["pageviews", "unique_users", "sessions", "bounce_rate"]},
        ),
        (
            "Traffic per day",
            {**base, "metrics": ["pageviews", "unique_users", "sessions"], "dimensions": ["date"]},
        ),
        (
            "Top channels on mobile",
            {
                **base,
                "metrics": ["sessions", "bounce_rate", "avg_session_duration"],
                "dimensions": ["channel"],
                "filters": {"device": ["mobile"]},
                "order_by": [{"field": "sessions", "direction": "desc"}],
                "limit": 5,
            },
        ),
    ]


def _print_examples(base_url: str, key: str, start: dt.date, end: dt.date) -> None:
    for title, body in _example_queries(start, end):
        payload = json.dumps(body)
        print(f"\n# {title}")
        print(
            f"curl -s -X POST {base_url}/api/v1/query -H 'Authorization: Bearer {key}' "
            f"-H 'Content-Type: application/json' -d '{payload}'"
        )
        answer = httpx.post(
            f"{base_url}/api/v1/query",
            json=body,
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        ).json()
        for row in answer.get("rows", [])[:8]:
            print("  ", json.dumps(row))


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Generate traffic through the real gateway, run the pipeline, then serve it."""
    settings.ensure_dirs()
    store = MetadataStore(settings.metadata_url)
    # The demo replays past traffic in seconds: lift the rate limit and accept its age.
    store.add_site(
        DEMO_SITE,
        [DEMO_DOMAIN],
        "UTC",
        rate_limit_eps=DEMO_RATE_LIMIT,
        allowed_lateness_hours=24.0 * (args.days + 30),
    )
    key = _demo_key(settings, store)
    end = _demo_end_date(settings, args.days, args.events)
    start = end - dt.timedelta(days=args.days - 1)

    print(
        f"[1/3] generating {args.events:,} events over {args.days} days ({start} … {end})",
        flush=True,
    )
    traffic = generate_traffic(
        DEMO_SITE, days=args.days, events=args.events, end=end, host=DEMO_DOMAIN
    )
    port = _free_port()
    gw_url = f"http://127.0.0.1:{port}"
    gateway = subprocess.Popen(
        [sys.executable, "-m", "ingest_gateway", "--host", "127.0.0.1", "--port", str(port)]
    )
    try:
        _wait_healthy(gw_url, gateway)
        accepted, rejected = send_events(gw_url, traffic.events)
    finally:
        _stop(gateway)  # SIGTERM: the gateway flushes its WAL to the lake before exiting
    print(f"      gateway accepted {accepted:,} events, rejected {rejected:,}", flush=True)

    print(
        "[2/3] running the pipeline: landing → bronze → sessions → rollups → ClickHouse", flush=True
    )
    if subprocess.call([sys.executable, "-m", "orchestration"]) != 0:
        print("pipeline failed", file=sys.stderr)
        return 1
    if args.no_serve:
        print(
            f"\nDone. Serve it with `strata serve`; your API key is in {settings.home / 'demo.key'}"
        )
        return 0

    print(f"[3/3] serving the query API on http://{args.host}:{args.port}", flush=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "serving", "--host", args.host, "--port", str(args.port)]
    )
    base = f"http://{args.host}:{args.port}"
    try:
        _wait_healthy(base, server)
        _print_examples(base, key, start, end)
        print(f"\nServing on {base} — press Ctrl-C to stop.", flush=True)
        return server.wait()
    except KeyboardInterrupt:
        _stop(server)
        return 0


def cmd_generate(args: argparse.Namespace, settings: Settings) -> int:
    """Send synthetic traffic for a site to a running gateway."""
    traffic = generate_traffic(args.tracking_id, days=args.days, events=args.events, seed=args.seed)
    accepted, rejected = send_events(args.gateway_url, traffic.events)
    print(f"accepted {accepted:,} events, rejected {rejected:,}")
    return 0 if accepted else 1


def cmd_sites(args: argparse.Namespace, settings: Settings) -> int:
    """Add (or update) a site."""
    settings.ensure_dirs()
    try:
        site = MetadataStore(settings.metadata_url).add_site(
            args.tracking_id,
            args.domain,
            args.timezone,
            args.rate_limit,
            args.store_raw_ip,
            args.session_timeout,
            args.allowed_lateness_hours,
        )
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"site {site.tracking_id} ({', '.join(site.domains)}; {site.timezone})")
    return 0


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    """Create an API key for one site; the key is the last word printed."""
    settings.ensure_dirs()
    try:
        key = MetadataStore(settings.metadata_url).create_key(args.site)
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"API key for {args.site} (shown once): {key}")
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="strata", description="Strata analytics lakehouse")
    sub = p.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="generate traffic, run the pipeline, serve the API")
    demo.add_argument("--days", type=int, default=7)
    demo.add_argument("--events", type=int, default=200_000)
    demo.add_argument("--no-serve", action="store_true", help="exit after the pipeline")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)

    for name, default_port, help_ in (
        ("gateway", 8080, "run the ingest gateway"),
        ("serve", 8000, "run the query API"),
    ):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--host", default="127.0.0.1")
        sp.add_argument("--port", type=int, default=default_port)

    sub.add_parser("pipeline", help="materialize everything due, once")

    gen = sub.add_parser("generate", help="send synthetic traffic to a running gateway")
    gen.add_argument("--tracking-id", default=DEMO_SITE)
    gen.add_argument("--days", type=int, default=7)
    gen.add_argument("--events", type=int, default=200_000)
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--gateway-url", default="http://127.0.0.1:8080")

    sites = sub.add_parser("sites", help="manage sites").add_subparsers(
        dest="action", required=True
    )
    add = sites.add_parser("add", help="add or update a site")
    add.add_argument("--tracking-id", required=True)
    add.add_argument("--domain", action="append", required=True, help="repeat for several")
    add.add_argument("--timezone", default="UTC")
    add.add_argument(
        "--rate-limit", type=int, default=None, help="events/s (default: STRATA_RATE_LIMIT_EPS)"
    )
    add.add_argument(
        "--store-raw-ip", action="store_true", help="keep full IPs (default: /24 and /48 only)"
    )
    add.add_argument(
        "--session-timeout",
        type=int,
        default=None,
        help="minutes of inactivity that end a session (default: STRATA_SESSION_TIMEOUT_MINUTES)",
    )
    add.add_argument(
        "--allowed-lateness-hours",
        type=float,
        default=None,
        help="accept events this late (default: STRATA_ALLOWED_LATENESS_HOURS); "
        "raise it for a back-fill",
    )

    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(
        dest="action", required=True
    )
    create = keys.add_parser("create", help="create an API key for a site")
    create.add_argument("--site", required=True)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``strata`` console script."""
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    if args.command == "gateway":
        return _exec_module("ingest_gateway", ["--host", args.host, "--port", str(args.port)])
    if args.command == "serve":
        return _exec_module("serving", ["--host", args.host, "--port", str(args.port)])
    if args.command == "pipeline":
        return _exec_module("orchestration", [])
    handlers = {"demo": cmd_demo, "generate": cmd_generate, "sites": cmd_sites, "keys": cmd_keys}
    return handlers[args.command](args, settings)


if __name__ == "__main__":
    sys.exit(main())
