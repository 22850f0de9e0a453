"""``python -m tests.drills.report``: the drill rows recorded by the last run as one
table (Markdown), with the date and the machine, for docs/reliability.md."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform

from tests.drills.harness import ROWS

_COLUMNS = ("drill", "load", "faults", "acked", "found", "duplicates", "errors_5xx", "result")


def main() -> None:
    """Print the table of the rows file (the newest row of each drill)."""
    rows: dict[str, dict] = {}
    if ROWS.exists():
        for line in ROWS.read_text().splitlines():
            row = json.loads(line)
            rows[row["drill"]] = row
    sizes = ", ".join(sorted({r["size"] for r in rows.values()}))
    print(
        f"Drills of {dt.date.today()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()} ({sizes})"
    )
    print()
    print("| " + " | ".join(c.replace("errors_5xx", "5xx") for c in _COLUMNS) + " |")
    print("|" + " --- |" * len(_COLUMNS))
    for row in rows.values():
        cells = [f"{row[c]:,}" if isinstance(row[c], int) else str(row[c]) for c in _COLUMNS]
        print("| " + " | ".join(cells) + " |")
    failed = [name for name, row in rows.items() if row["result"] != "PASS"]
    if failed or not rows:
        raise SystemExit(f"drills not passed: {failed or 'none ran'}")


if __name__ == "__main__":
    main()
