"""A small HTTP/1.1 keep-alive load generator (asyncio + uvloop, raw sockets).

Run as its own process so it does not share the server's interpreter:

    python bench/loadgen.py --port P --body FILE [--path /api/v1/events] [--conns 32]
        [--seconds 10] [--rate R]

Prints one JSON object: requests, seconds, req_per_s, p50_ms, p99_ms, non_2xx.
``--rate`` caps the total requests/s (open-loop pacing per connection) to measure
latency at a given load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time

import uvloop


async def _worker(
    port: int, request: bytes, stop_at: float, interval: float, lat: list[float], bad: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    # Paced connections start at random phases, so the load is spread, not in bursts.
    next_at = time.perf_counter() + random.uniform(0, interval)
    while True:
        now = time.perf_counter()
        if now >= stop_at:
            break
        if interval:
            if next_at > now:
                await asyncio.sleep(next_at - now)
            next_at += interval
        t0 = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length:
            await reader.readexactly(length)
        lat.append(time.perf_counter() - t0)
        if not head.startswith((b"HTTP/1.1 2", b"HTTP/1.0 2")):
            bad.append(1)
    writer.close()


async def _run(args: argparse.Namespace) -> dict:
    body = open(args.body, "rb").read()  # noqa: SIM115
    request = (
        f"POST {args.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    lat: list[float] = []
    bad: list[int] = []
    interval = args.conns / args.rate if args.rate else 0.0
    started = time.perf_counter()
    stop_at = started + args.seconds
    await asyncio.gather(
        *(_worker(args.port, request, stop_at, interval, lat, bad) for _ in range(args.conns))
    )
    elapsed = time.perf_counter() - started
    lat.sort()
    pick = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 2)  # noqa: E731
    return {
        "requests": len(lat),
        "seconds": round(elapsed, 2),
        "req_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": pick(0.50),
        "p99_ms": pick(0.99),
        "non_2xx": len(bad),
    }


def main() -> None:
    """Parse arguments, drive the load, print the result as JSON."""
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", default="/api/v1/events")
    p.add_argument("--body", required=True)
    p.add_argument("--conns", type=int, default=32)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--rate", type=float, default=0)
    args = p.parse_args()
    print(json.dumps(uvloop.run(_run(args))))


if __name__ == "__main__":
    main()
