"""A plain-Python reference for the product analyses, written from their definitions
(docs/product-analytics.md) with loops over bronze's rows — on purpose nothing like the
SQL and Polars the service runs — so tests can check the service against it."""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from typing import Any

Event = dict[str, Any]
Match = Callable[[Event], bool]

__all__ = [
    "experiment_counts",
    "funnel_levels",
    "goal_counts",
    "people_events",
    "retention_counts",
    "sessions",
]


def people_events(rows: list[Event], tracking_id: str) -> list[Event]:
    """The events analyses count (no bots, no engagement records), sorted per visitor
    by time then event id, with their properties parsed."""
    kept = [
        {**r, "props": json.loads(r["properties"]) if r["properties"] else {}}
        for r in rows
        if r["tracking_id"] == tracking_id and not r["is_bot"] and r["event_type"] != "engagement"
    ]
    return sorted(kept, key=lambda r: (r["client_id"], r["event_at"], r["event_id"]))


def _by_visitor(events: list[Event]) -> dict[str, list[Event]]:
    found: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        found[e["client_id"]].append(e)
    return found


def local_bounds(start: dt.date, end: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants where local day ``start`` begins and local day ``end`` ends."""
    zone = zoneinfo.ZoneInfo(tz)
    lo = dt.datetime.combine(start, dt.time(), zone).astimezone(dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    return lo, hi


def funnel_levels(
    events: list[Event],
    steps: list[Match],
    window: dt.timedelta,
    lo: dt.datetime,
    hi: dt.datetime,
    strict: bool = False,
) -> dict[str, tuple[int, bool]]:
    """Visitor -> (best level, some entry's window still open at ``hi``): brute force,
    every entry followed step by step."""
    found = {}
    for client, mine in _by_visitor(events).items():
        mine = [e for e in mine if lo <= e["event_at"] <= hi + window]
        # events of one moment in step order (one matching step 1 first, then step 2 …)
        mine.sort(key=lambda e: (e["event_at"], [not step(e) for step in steps]))
        best, open_ = 0, False
        for i, entry in enumerate(mine):
            if not (lo <= entry["event_at"] < hi and steps[0](entry)):
                continue
            open_ = open_ or entry["event_at"] + window > hi
            level, last = 1, i
            for step in steps[1:]:
                candidates = [last + 1] if strict else range(last + 1, len(mine))
                nxt = next(
                    (
                        j
                        for j in candidates
                        if j < len(mine)
                        and step(mine[j])
                        and mine[j]["event_at"] <= entry["event_at"] + window
                    ),
                    None,
                )
                if nxt is None:
                    break
                level, last = level + 1, nxt
            best = max(best, level)
        if best:
            found[client] = (best, open_)
    return found


def sessions(events: list[Event], timeout: dt.timedelta) -> list[list[Event]]:
    """Each visitor's events cut where the gap reaches ``timeout``."""
    out = []
    for mine in _by_visitor(events).values():
        current = [mine[0]]
        for e in mine[1:]:
            if e["event_at"] - current[-1]["event_at"] >= timeout:
                out.append(current)
                current = []
            current.append(e)
        out.append(current)
    return out


def goal_counts(
    events: list[Event], goal: dict[str, Any], lo: dt.datetime, hi: dt.datetime
) -> tuple[int, int]:
    """(visitors, conversions) of a goal definition over ``lo``..``hi``."""
    if goal["type"] in ("duration", "pages_per_session"):
        done = []
        for s in sessions(events, dt.timedelta(minutes=30)):
            if not lo <= s[0]["event_at"] < hi:
                continue
            if goal["type"] == "duration":
                ok = (s[-1]["event_at"] - s[0]["event_at"]).total_seconds() > goal["seconds"]
            else:
                ok = sum(e["event_type"] == "pageview" for e in s) >= goal["pages"]
            if ok:
                done.append(s[0]["client_id"])
        return len(set(done)), len(done)
    hits = [e for e in events if lo <= e["event_at"] < hi and _goal_event(goal)(e)]
    return len({e["client_id"] for e in hits}), len(hits)


def _goal_event(goal: dict[str, Any]) -> Match:
    if goal["type"] == "destination":
        value = goal["value"]
        test: Callable[[str], bool] = {
            "equals": lambda p: p == value,
            "begins_with": lambda p: p.startswith(value),
            "regex": lambda p: re.search(value, p) is not None,
        }[goal["match"]]
        return lambda e: e["event_type"] == "pageview" and test(e["page_path"] or "")
    return lambda e: (
        goal.get("event_type") in (None, e["event_type"])
        and goal.get("event_name") in (None, e["event_name"])
    )


def retention_counts(
    events: list[Event], start: dt.date, end: dt.date, tz: str, periods: int
) -> dict[str, tuple[int, list[int]]]:
    """Weekly (Monday) first-time cohorts counted ``on`` week N: cohort -> (size, counts)."""
    zone = zoneinfo.ZoneInfo(tz)

    def monday(e: Event) -> dt.date:
        day = e["event_at"].astimezone(zone).date()
        return day - dt.timedelta(days=day.weekday())

    cohorts: dict[dt.date, list[set[dt.date]]] = defaultdict(list)
    for mine in _by_visitor(events).values():
        first_day = mine[0]["event_at"].astimezone(zone).date()  # sorted by time
        if start <= first_day <= end:
            cohorts[monday(mine[0])].append({monday(e) for e in mine})
    out = {}
    for cohort, members in cohorts.items():
        counts = [
            sum(cohort + dt.timedelta(weeks=n) in weeks for weeks in members)
            for n in range(periods + 1)
        ]
        out[cohort.isoformat()] = (len(members), counts)
    return out


def experiment_counts(
    events: list[Event], experiment: str, goal: Match, lo: dt.datetime, hi: dt.datetime
) -> tuple[dict[str, tuple[int, int, float]], int]:
    """Variant -> (visitors, converted, revenue) for visitors seen in one variant only,
    and the number seen in several."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    several = 0
    for mine in _by_visitor(events).values():
        mine = [e for e in mine if lo <= e["event_at"] < hi]
        shown = [e for e in mine if e["experiment_id"] == experiment and e["experiment_variant"]]
        if not shown:
            continue
        if len({e["experiment_variant"] for e in shown}) > 1:
            several += 1
            continue
        first = shown[0]
        after = [e for e in mine if e["event_at"] >= first["event_at"]]
        found = totals[first["experiment_variant"]]
        found[0] += 1
        found[1] += any(goal(e) for e in after)
        found[2] += sum(
            e["revenue_amount"] or 0.0
            for e in after
            if e["event_type"] in ("purchase", "transaction")
        )
    return {k: (int(v[0]), int(v[1]), v[2]) for k, v in totals.items()}, several
