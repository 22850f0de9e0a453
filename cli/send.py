"""Send contract-v1 events to a gateway over HTTP in batches, with a progress bar."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import httpx
import orjson
from tqdm import tqdm

__all__ = ["send_events"]


def send_events(
    base_url: str,
    events: Sequence[dict],
    *,
    batch_size: int = 500,
    workers: int = 2,
    progress: bool = True,
) -> tuple[int, int]:
    """POST ``events`` to ``{base_url}/api/v1/events``; returns (accepted, rejected).

    Retries a batch on 429/503 and connection errors, so a busy gateway slows the
    sender down instead of losing events.
    """
    batches = [events[i : i + batch_size] for i in range(0, len(events), batch_size)]
    bar = tqdm(total=len(events), unit="ev", desc="sending", disable=not progress)

    def post(client: httpx.Client, batch: Sequence[dict]) -> tuple[int, int]:
        body = orjson.dumps(list(batch))
        for attempt in range(8):
            try:
                r = client.post(
                    "/api/v1/events", content=body, headers={"content-type": "application/json"}
                )
            except httpx.TransportError:
                if attempt == 7:
                    raise
                time.sleep(0.1 * 2**attempt)
                continue
            if r.status_code in (429, 503) and attempt < 7:
                time.sleep(float(r.headers.get("retry-after", 0.1 * 2**attempt)))
                continue
            if r.status_code not in (202, 400):
                raise RuntimeError(f"gateway answered {r.status_code}: {r.text[:200]}")
            data = r.json()
            bar.update(len(batch))
            return int(data.get("accepted", 0)), len(data.get("rejected", []))
        raise RuntimeError("gateway kept refusing a batch")

    with httpx.Client(base_url=base_url, timeout=60) as client, ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda b: post(client, b), batches))
    bar.close()
    return sum(a for a, _ in results), sum(r for _, r in results)
