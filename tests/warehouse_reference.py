"""The six dbt marts recomputed in plain Polars from bronze and silver, straight from
their definitions in docs/analysts.md (no project code): the tests' reference."""

from __future__ import annotations

import datetime as dt
from fnmatch import fnmatchcase

import polars as pl

ORDER_TYPES = ["purchase", "transaction"]
#: The default funnel: (name, predicate on one event row).
FUNNEL = [
    (
        "product",
        lambda e: (
            e["event_type"] == "pageview" and fnmatchcase(e["page_path"] or "", "/products/*")
        ),
    ),
    ("cart", lambda e: e["event_type"] == "pageview" and e["page_path"] == "/cart"),
    ("checkout", lambda e: e["event_type"] == "pageview" and e["page_path"] == "/checkout"),
    ("purchase", lambda e: e["event_type"] == "purchase"),
]
WINDOW = dt.timedelta(days=7)
RETENTION_WEEKS = 8


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def human_events(bronze: pl.DataFrame, tz: str) -> pl.DataFrame:
    """Events that count: no bots, no engagement records; with their site-local day."""
    return bronze.filter(~pl.col("is_bot") & (pl.col("event_type") != "engagement")).with_columns(
        site_date=pl.col("event_at").dt.convert_time_zone(tz).dt.date()
    )


def human_sessions(silver: pl.DataFrame, tz: str) -> pl.DataFrame:
    """Sessions of people, with the site-local day they started."""
    return silver.filter(~pl.col("is_bot")).with_columns(
        site_date=pl.col("started_at").dt.convert_time_zone(tz).dt.date()
    )


def site_traffic_daily(events: pl.DataFrame, sessions: pl.DataFrame) -> dict:
    """(tracking_id, site_date) -> the mart's figures."""
    out: dict = {}
    for (tid, day), g in events.group_by("tracking_id", "site_date"):
        out[(tid, day)] = {
            "count_pageviews": int((g["event_type"] == "pageview").sum()),
            "count_events": g.height,
            "count_visitors": g["client_id"].n_unique(),
            "count_sessions": 0,
            "count_bounces": 0,
            "_duration": 0.0,
        }
    zero = {"count_pageviews": 0, "count_events": 0, "count_visitors": 0}
    for (tid, day), g in sessions.group_by("tracking_id", "site_date"):
        row = out.setdefault((tid, day), dict(zero))
        row.update(
            count_sessions=g.height,
            count_bounces=int(g["is_bounce"].sum()),
            _duration=float(g["duration_s"].sum()),
        )
    for row in out.values():
        row["bounce_rate"] = _ratio(row["count_bounces"], row["count_sessions"])
        row["avg_session_duration_s"] = _ratio(row.pop("_duration"), row["count_sessions"])
    return out


def channel_performance_daily(sessions: pl.DataFrame) -> dict:
    """(tracking_id, site_date, channel) -> figures of the sessions started that day."""
    out: dict = {}
    frame = sessions.with_columns(pl.col("channel").fill_null("(not set)"))
    for (tid, day, channel), g in frame.group_by("tracking_id", "site_date", "channel"):
        n = g.height
        converted = int(g["is_converted"].sum())
        out[(tid, day, channel)] = {
            "count_sessions": n,
            "count_visitors": g["client_id"].n_unique(),
            "count_pageviews": int(g["count_pageviews"].sum()),
            "count_bounces": int(g["is_bounce"].sum()),
            "bounce_rate": _ratio(int(g["is_bounce"].sum()), n),
            "avg_session_duration_s": _ratio(float(g["duration_s"].sum()), n),
            "count_converted_sessions": converted,
            "conversion_rate": _ratio(converted, n),
            "revenue": float(g["revenue"].fill_null(0).sum()),
        }
    return out


def page_performance_daily(events: pl.DataFrame, sessions: pl.DataFrame) -> dict:
    """(tracking_id, site_date, page_path) -> views, visitors, entries, exits, bounces."""
    out: dict = {}

    def row(key: tuple) -> dict:
        return out.setdefault(
            key,
            {
                "count_pageviews": 0,
                "count_visitors": 0,
                "count_entries": 0,
                "count_exits": 0,
                "count_bounces": 0,
            },
        )

    views = events.filter(pl.col("event_type") == "pageview").with_columns(
        pl.col("page_path").fill_null("(not set)")
    )
    for (tid, day, path), g in views.group_by("tracking_id", "site_date", "page_path"):
        r = row((tid, day, path))
        r["count_pageviews"], r["count_visitors"] = g.height, g["client_id"].n_unique()
    for s in sessions.iter_rows(named=True):
        entry = row((s["tracking_id"], s["site_date"], s["entry_page"] or "(not set)"))
        entry["count_entries"] += 1
        entry["count_bounces"] += int(s["is_bounce"])
        row((s["tracking_id"], s["site_date"], s["exit_page"] or "(not set)"))["count_exits"] += 1
    for r in out.values():
        r["bounce_rate"] = _ratio(r["count_bounces"], r["count_entries"])
    return out


def ecommerce_revenue_daily(events: pl.DataFrame, sessions: pl.DataFrame) -> dict:
    """(tracking_id, site_date) -> orders, revenue, visitors, buyers, conversion."""
    out: dict = {}
    keys = set(events.select("tracking_id", "site_date").unique().rows())
    keys |= set(sessions.select("tracking_id", "site_date").unique().rows())
    for tid, day in keys:
        e = events.filter((pl.col("tracking_id") == tid) & (pl.col("site_date") == day))
        s = sessions.filter((pl.col("tracking_id") == tid) & (pl.col("site_date") == day))
        orders = e.filter(pl.col("event_type").is_in(ORDER_TYPES))
        revenue = float(orders["revenue_amount"].fill_null(0).sum())
        visitors = e["client_id"].n_unique()
        converted = int(s["is_converted"].sum())
        out[(tid, day)] = {
            "count_orders": orders.height,
            "revenue": revenue,
            "count_visitors": visitors,
            "count_buyers": orders["client_id"].n_unique(),
            "count_sessions": s.height,
            "count_converted_sessions": converted,
            "conversion_rate": _ratio(converted, s.height),
            "revenue_per_visitor": _ratio(revenue, visitors),
        }
    return out


def funnel_conversion_daily(events: pl.DataFrame) -> dict:
    """(tracking_id, entry site_date, step_number) -> visitors reaching it, and rates.

    A visitor enters on day D with a first-step event on D; from each such event the
    later steps are taken greedily (the earliest matching event at or after the previous
    step, within 7 days of the first); the deepest step over their D-entries counts.
    """
    levels: dict[tuple, int] = {}
    rows = events.sort("event_at").iter_rows(named=True)
    by_visitor: dict[tuple, list[dict]] = {}
    for e in rows:
        by_visitor.setdefault((e["tracking_id"], e["client_id"]), []).append(e)
    for (tid, _client), evs in by_visitor.items():
        matched = [(e, [i + 1 for i, (_, f) in enumerate(FUNNEL) if f(e)]) for e in evs]
        for start, steps in matched:
            if 1 not in steps:
                continue
            t0, level, t_prev = start["event_at"], 1, start["event_at"]
            for k in range(2, len(FUNNEL) + 1):
                nxt = next(
                    (e for e, s in matched if k in s and t_prev <= e["event_at"] <= t0 + WINDOW),
                    None,
                )
                if nxt is None:
                    break
                level, t_prev = k, nxt["event_at"]
            key = (tid, _client, start["site_date"])
            levels[key] = max(levels.get(key, 0), level)
    out: dict = {}
    entered: dict[tuple, int] = {}
    for (tid, _client, day), level in levels.items():
        entered[(tid, day)] = entered.get((tid, day), 0) + 1
        for k in range(1, len(FUNNEL) + 1):
            out.setdefault((tid, day, k), 0)
            out[(tid, day, k)] += int(level >= k)
    result = {}
    for (tid, day, k), n in out.items():
        prev = out[(tid, day, k - 1)] if k > 1 else n
        result[(tid, day, k)] = {
            "step_name": FUNNEL[k - 1][0],
            "count_visitors": n,
            "conversion_rate": _ratio(n, entered[(tid, day)]),
            "step_conversion_rate": _ratio(n, prev),
        }
    return result


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def retention_cohorts_weekly(events: pl.DataFrame) -> dict:
    """(tracking_id, cohort_week, week_number) -> cohort size, returning, rate."""
    first: dict[tuple, dt.date] = {}
    active: dict[tuple, set[dt.date]] = {}
    latest: dict[str, dt.date] = {}
    for tid, client, day in events.select("tracking_id", "client_id", "site_date").iter_rows():
        key = (tid, client)
        first[key] = min(first.get(key, day), day)
        active.setdefault(key, set()).add(_monday(day))
        latest[tid] = max(latest.get(tid, _monday(day)), _monday(day))
    cohorts: dict[tuple, list[tuple]] = {}
    for key, day in first.items():
        cohorts.setdefault((key[0], _monday(day)), []).append(key)
    out: dict = {}
    for (tid, week), members in cohorts.items():
        last = min(RETENTION_WEEKS, (latest[tid] - week).days // 7)
        for n in range(last + 1):
            target = week + dt.timedelta(weeks=n)
            back = sum(target in active[m] for m in members)
            out[(tid, week, n)] = {
                "count_cohort_visitors": len(members),
                "count_returning_visitors": back,
                "retention_rate": back / len(members),
            }
    return out
