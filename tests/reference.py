"""An independent reference for report numbers: plain Python over the generated events.

It shares no code with the pipeline: it dedups, sessionizes and attributes on its
own, from the generator's intent (the channel a visit meant, which clients are
bots) rather than from the gateway's enrichment.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

ENGAGEMENT = {"event", "click", "transaction", "purchase"}

#: Session columns the session tests compare between engines and references.
SESSION_SUMMARY = (
    "session_id",
    "client_id",
    "started_at",
    "ended_at",
    "count_pageviews",
    "count_events",
    "is_bounce",
)
GAP = dt.timedelta(minutes=30)


@dataclass
class Numbers:
    """Report numbers for one group."""

    pageviews: int
    unique_users: int
    sessions: int
    bounce_rate: float


def _parse(ts: str) -> dt.datetime:
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _dedup(events: list[dict], labels: list[str]) -> list[tuple[dict, str]]:
    seen: set = set()
    out = []
    for e, label in zip(events, labels, strict=True):
        key = e.get("event_id") or (
            e["client_id"],
            e["event_type"],
            e.get("event_name"),
            e["timestamp"],
            (e.get("page") or {}).get("url"),
        )
        if key not in seen:
            seen.add(key)
            out.append((e, label))
    return out


def report(
    events: list[dict], labels: list[str], bots: set[str], tz: str, by: str
) -> dict[str, Numbers]:
    """Numbers per ``by`` ("date", "channel" or "total") over every (human) event given."""
    zone = zoneinfo.ZoneInfo(tz)
    per_client: dict[str, list[tuple[dt.datetime, dict, str]]] = defaultdict(list)
    for e, label in _dedup(events, labels):
        if e["client_id"] not in bots:
            per_client[e["client_id"]].append((_parse(e["timestamp"]), e, label))

    pageviews: dict[str, int] = defaultdict(int)
    users: dict[str, set[str]] = defaultdict(set)
    sessions: dict[str, int] = defaultdict(int)
    bounces: dict[str, int] = defaultdict(int)
    for client, evs in per_client.items():
        evs.sort(key=lambda x: x[0])
        groups: list[list] = []
        for item in evs:
            if not groups or item[0] - groups[-1][-1][0] >= GAP:
                groups.append([])
            groups[-1].append(item)
        for group in groups:
            start, _, channel = group[0]
            s_key = {
                "date": start.astimezone(zone).date().isoformat(),
                "channel": channel,
                "total": "total",
            }[by]
            sessions[s_key] += 1
            n_pv = sum(1 for _, e, _ in group if e["event_type"] == "pageview")
            engaged = any(
                e["event_type"] in ENGAGEMENT and e.get("interactive", True) is not False
                for _, e, _ in group
            )
            bounces[s_key] += int(n_pv == 1 and not engaged)
            for ts, e, _ in group:
                key = {
                    "date": ts.astimezone(zone).date().isoformat(),
                    "channel": channel,
                    "total": "total",
                }[by]
                pageviews[key] += e["event_type"] == "pageview"
                users[key].add(client)
    keys = set(pageviews) | set(sessions)
    return {
        k: Numbers(
            pageviews=pageviews[k],
            unique_users=len(users[k]),
            sessions=sessions[k],
            bounce_rate=bounces[k] / sessions[k] if sessions[k] else 0.0,
        )
        for k in keys
    }
