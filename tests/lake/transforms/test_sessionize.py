"""Sessionization on hand-worked cases."""

from __future__ import annotations

import datetime as dt

import polars as pl

from lake.storage import EVENT_SCHEMA
from lake.transforms import assign_sessions, build_sessions


def _events(rows: list[tuple[str, str, str, str]]) -> pl.LazyFrame:
    """rows: (event_id, client_id, ISO time, event_type)."""
    data = []
    for event_id, client, ts, etype in rows:
        at = dt.datetime.fromisoformat(ts).replace(tzinfo=dt.UTC)
        data.append(
            {
                "event_id": event_id,
                "tracking_id": "ST-1",
                "client_id": client,
                "event_type": etype,
                "event_at": at,
                "received_at": at,
                "event_date": at.date(),
                "page_path": f"/{event_id}",
                "channel": "Direct" if event_id.startswith("a") else "Email",
                "is_bot": False,
            }
        )
    return (
        pl.DataFrame(data)
        .with_columns(
            [pl.lit(None, t).alias(c) for c, t in EVENT_SCHEMA.items() if c not in data[0]]
        )
        .select([pl.col(c).cast(t) for c, t in EVENT_SCHEMA.items()])
        .lazy()
    )


def _sessions(rows: list[tuple[str, str, str, str]]) -> pl.DataFrame:
    return build_sessions(assign_sessions(_events(rows))).collect().sort("started_at")


def test_session_spanning_midnight_utc_is_one_session() -> None:
    s = _sessions(
        [
            ("a1", "c1", "2026-03-01T23:50:00", "pageview"),
            ("a2", "c1", "2026-03-02T00:10:00", "pageview"),
            ("a3", "c1", "2026-03-02T00:35:00", "pageview"),
        ]
    )
    assert s.height == 1
    row = s.row(0, named=True)
    assert row["session_date"] == dt.date(2026, 3, 1)  # dated by its first event
    assert row["count_pageviews"] == 3
    assert row["duration_s"] == 45 * 60
    assert (row["entry_page"], row["exit_page"]) == ("/a1", "/a3")
    assert row["is_bounce"] is False


def test_gap_of_exactly_thirty_minutes_starts_a_new_session() -> None:
    s = _sessions(
        [
            ("a1", "c1", "2026-03-01T10:00:00", "pageview"),
            ("a2", "c1", "2026-03-01T10:29:59", "pageview"),
            ("b1", "c1", "2026-03-01T10:59:59", "pageview"),
        ]
    )
    assert s["count_pageviews"].to_list() == [2, 1]
    assert s["session_id"].to_list() == ["s_a1", "s_b1"]
    assert s["channel"].to_list() == ["Direct", "Email"]  # from each session's first event


def test_bounce_is_one_pageview_without_engagement() -> None:
    s = _sessions(
        [
            ("a1", "c1", "2026-03-01T10:00:00", "pageview"),  # bounce
            ("a2", "c2", "2026-03-01T10:00:00", "pageview"),  # engaged: clicked
            ("a3", "c2", "2026-03-01T10:01:00", "click"),
            ("a4", "c3", "2026-03-01T10:00:00", "pageview"),  # a web vital is no engagement
            ("a5", "c3", "2026-03-01T10:00:05", "web_vital"),
        ]
    ).sort("client_id")
    assert s["is_bounce"].to_list() == [True, False, True]
    assert s["count_events"].to_list() == [1, 2, 2]


def test_clients_are_sessionized_separately_and_order_of_arrival_does_not_matter() -> None:
    rows = [
        ("a1", "c1", "2026-03-01T10:00:00", "pageview"),
        ("a2", "c2", "2026-03-01T10:05:00", "pageview"),
        ("a3", "c1", "2026-03-01T10:20:00", "pageview"),
    ]
    forward = _sessions(rows)
    backward = _sessions(rows[::-1])
    assert forward.equals(backward)
    assert sorted(forward["count_pageviews"].to_list()) == [1, 2]


def test_a_site_can_set_its_own_session_timeout() -> None:
    rows = [
        ("a1", "c1", "2026-03-01T10:00:00", "pageview"),
        ("a2", "c1", "2026-03-01T10:20:00", "pageview"),  # 20 minutes later
    ]
    default = build_sessions(assign_sessions(_events(rows))).collect()
    strict = build_sessions(assign_sessions(_events(rows), 30, {"ST-1": 15})).collect()
    other_site = build_sessions(assign_sessions(_events(rows), 30, {"ST-2": 15})).collect()
    assert (default.height, strict.height, other_site.height) == (1, 2, 1)


def test_two_sites_sharing_an_event_id_keep_their_sessions_apart() -> None:
    """An event is its site and id: two sites may send the same id (found by the query
    bench, whose two sites tile one generated day).  Each site's session starts with
    event ``e1``, so both are named ``s_e1``; they are still two sessions, of one and
    two page views."""
    one = _events([("e1", "c1", "2026-03-01T10:00:00", "pageview")])
    other = _events(
        [
            ("e1", "c1", "2026-03-01T10:00:00", "pageview"),
            ("e2", "c1", "2026-03-01T10:01:00", "pageview"),
        ]
    ).with_columns(tracking_id=pl.lit("ST-2"))
    sessions = build_sessions(assign_sessions(pl.concat([one, other]))).collect()
    assert sorted(sessions.select("tracking_id", "session_id", "count_pageviews").rows()) == [
        ("ST-1", "s_e1", 1),
        ("ST-2", "s_e1", 2),
    ]
