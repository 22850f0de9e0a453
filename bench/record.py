"""Where the benchmarks' ``BENCH`` lines are kept, so figures derived from them (the
capacity model, ``bench/capacity.py``) are computed, never typed by hand.

Each run prints its ``BENCH`` line and appends it to ``bench/results.txt`` with the
time and the machine it ran on: ``<UTC time> <machine> BENCH <name> key=value …``.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path

RESULTS = Path(__file__).with_name("results.txt")


def machine() -> str:
    """This machine in one word: architecture and cores (``x86_64-2cores``)."""
    return f"{platform.machine()}-{os.cpu_count()}cores"


def emit(line: str, results: Path = RESULTS) -> None:
    """Print ``line`` (``BENCH name key=value …``) and keep it in ``results``."""
    assert line.startswith("BENCH "), line
    print(line, flush=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with results.open("a") as out:
        out.write(f"{stamp} {machine()} {line}\n")


def latest(results: Path = RESULTS) -> dict[str, dict[str, str]]:
    """The newest line of each benchmark (the query and pipeline benches: of each
    ``events`` size too, as ``query@<events>``; all events on one day as
    ``pipeline@<events>@1day``; freshness with the dbt marts, ``--warehouse``, as
    ``freshness@marts``, apart from ``freshness``), as its key=value pairs plus ``_at``
    and ``_machine``."""
    found: dict[str, dict[str, str]] = {}
    if not results.exists():
        return found
    for raw in results.read_text().splitlines():
        parts = raw.split()
        if len(parts) < 4 or parts[2] != "BENCH":
            continue
        fields = dict(p.split("=", 1) for p in parts[4:] if "=" in p)
        name = parts[3]
        entry = {"_at": parts[0], "_machine": parts[1], **fields}
        if name == "freshness" and fields.get("warehouse") == "true":
            name = "freshness@marts"  # another setup: with the dbt marts
        found[name] = entry
        if name in ("query", "pipeline") and "events" in fields:
            one_day = fields.get("days") == "1"  # a busy site's day: a case of its own
            found[f"{name}@{fields['events']}" + ("@1day" if one_day else "")] = entry
    return found
