"""Hot-tier tables on the embedded engine: idempotent day loads and distinct-user states."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pyarrow as pa
import pytest

from lake.hot_tier import (
    DISTINCT_USERS_MERGE,
    add_cube_rows,
    begin_cube_build,
    cubes_to_build,
    distinct_users_merge,
    ensure_raw_tables,
    ensure_schema,
    finish_cube_build,
    hot_tier,
    hot_tier_state,
    raw_tables,
    ready_cubes,
    replace_partitions,
    replace_raw_day,
)
from lake.storage import ROLLUP_DIMENSIONS
from lake.transforms import CUBES
from tests.conftest import Env


def _rows(
    day: dt.date,
    users: list[list[str]],
    pageviews: int = 1,
    dims: tuple[str, ...] = ROLLUP_DIMENSIONS,
    site: str = "ST-TEST",
) -> pa.Table:
    """Aggregate rows of ``dims`` (``<dim>-0``, ``-1``, ``-2`` by position), one per list."""
    n = len(users)
    return pl.DataFrame(
        {
            "tracking_id": [site] * n,
            "date": [day] * n,
            **{d: [f"{d}-{i % 3}" for i in range(n)] for d in dims},
            "count_pageviews": [pageviews] * n,
            "count_events": [pageviews] * n,
            "users": users,
            "count_sessions": [1] * n,
            "count_bounces": [0] * n,
            "sum_session_duration_s": [1.5] * n,
        },
        schema_overrides={
            c: pl.UInt64
            for c in ("count_pageviews", "count_events", "count_sessions", "count_bounces")
        },
    ).to_arrow()


def _totals(env: Env) -> list[tuple]:
    with hot_tier(env.settings) as client:
        return client.query(
            f"SELECT toString(date), sum(count_pageviews), {DISTINCT_USERS_MERGE} "
            "FROM rollup_daily GROUP BY date ORDER BY date"
        ).result_rows


def test_reloading_a_day_replaces_it_and_missing_days_are_dropped(env: Env) -> None:
    d1, d2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
    with hot_tier(env.settings) as client:
        ensure_schema(client)
        for _ in range(2):  # a rerun
            replace_partitions(
                client, "rollup_daily", _rows(d1, [["a", "b"], ["b"]]), ["2026-03-01"]
            )
            replace_partitions(client, "rollup_daily", _rows(d2, [["c"]], 5), ["2026-03-02"])
    assert _totals(env) == [("2026-03-01", 2, 2), ("2026-03-02", 5, 1)]
    with hot_tier(env.settings) as client:
        replace_partitions(client, "rollup_daily", None, ["2026-03-02"])
    assert _totals(env) == [("2026-03-01", 2, 2)]


@pytest.mark.parametrize(("distinct", "tolerance"), [(12_000, 0), (60_000, 0.002)])
def test_distinct_users_merge_across_rows_and_days(
    env: Env, distinct: int, tolerance: float
) -> None:
    # Each user appears on several rows and both days: a sum of per-row counts would be 4x.
    users = [f"client-{i}" for i in range(distinct)]
    chunks = [users[i::40] + users[(i + 1) % 40 :: 40] for i in range(40)]
    with hot_tier(env.settings) as client:
        ensure_schema(client)
        for day in (dt.date(2026, 3, 1), dt.date(2026, 3, 2)):
            replace_partitions(client, "rollup_daily", _rows(day, chunks), [day.isoformat()])
        (merged,) = client.query(f"SELECT {DISTINCT_USERS_MERGE} FROM rollup_daily").result_rows[0]
    assert abs(merged - distinct) <= tolerance * distinct


_TECHNOLOGY = CUBES["cube_daily_technology"].dimensions


def _build(client: object, name: str, *chunks: pa.Table) -> None:
    begin_cube_build(client, name)
    for rows in chunks:
        add_cube_rows(client, name, rows)
    finish_cube_build(client, name)


def test_a_cube_is_read_only_once_built_whole_and_numbers_visitors(env: Env) -> None:
    d1, d2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
    with hot_tier(env.settings) as client:
        ensure_schema(client)
        assert ready_cubes(client) == frozenset()  # made whole by a load, not here
        assert set(cubes_to_build(client)) == set(CUBES)
        _build(
            client,
            "cube_daily_technology",
            _rows(d1, [["b", "a"], ["b"], []], dims=_TECHNOLOGY),
            _rows(d2, [["c", "a"]], pageviews=5, dims=_TECHNOLOGY),
            _rows(d2, [["a"]], dims=_TECHNOLOGY, site="ST-OTHER"),
        )
        assert ready_cubes(client) == {"cube_daily_technology"}
        ensure_schema(client)  # idempotent once built: the rows stay
        numbers = client.query(
            "SELECT tracking_id, client_id, number FROM visitor_numbers ORDER BY ALL"
        ).result_rows
        by_day = client.query(
            f"SELECT tracking_id, toString(date), sum(count_pageviews), "
            f"{distinct_users_merge('cube_daily_technology')} "
            "FROM cube_daily_technology GROUP BY ALL ORDER BY ALL"
        ).result_rows
        by_country = client.query(
            f"SELECT country, {distinct_users_merge('cube_daily_technology')} "
            "FROM cube_daily_technology WHERE tracking_id = 'ST-TEST' GROUP BY ALL ORDER BY ALL"
        ).result_rows
        whole = client.query(
            f"SELECT {distinct_users_merge('cube_daily_technology')} "
            "FROM cube_daily_technology WHERE tracking_id = 'ST-TEST'"
        ).result_rows
    # per site from 0, by first day then client id; "a" of ST-OTHER is another visitor
    assert numbers == [
        ("ST-OTHER", "a", 0),
        ("ST-TEST", "a", 0),
        ("ST-TEST", "b", 1),
        ("ST-TEST", "c", 2),
    ]
    assert by_day == [
        ("ST-OTHER", "2026-03-02", 1, 1),
        ("ST-TEST", "2026-03-01", 3, 2),
        ("ST-TEST", "2026-03-02", 5, 2),
    ]
    assert by_country == [("country-0", 3), ("country-1", 1), ("country-2", 0)]
    # country-0: a, b (d1) and c, a (d2)
    assert whole == [(3,)]


def test_a_cube_of_an_older_strata_is_rebuilt_and_swapped_in(env: Env) -> None:
    with hot_tier(env.settings) as client:
        ensure_schema(client)
        _build(client, "cube_daily_totals")  # ready, and empty
        # an older Strata's cube kept sketches: it is not read, and a load builds it anew
        client.command("DROP TABLE cube_daily_totals")
        client.command(
            "CREATE TABLE cube_daily_totals (tracking_id String, date Date, "
            "users AggregateFunction(uniqCombined64(20), String)) "
            "ENGINE = AggregatingMergeTree ORDER BY (tracking_id, date)"
        )
        ensure_schema(client)
        assert "cube_daily_totals" not in ready_cubes(client)
        assert "cube_daily_totals" in cubes_to_build(client)
        _build(client, "cube_daily_totals", _rows(dt.date(2026, 3, 1), [["x", "y"]], dims=()))
        assert "cube_daily_totals" in ready_cubes(client)
        tables = {r[0] for r in client.query("SHOW TABLES").result_rows}
        totals = client.query(
            "SELECT toString(date), groupBitmapMerge(users) FROM cube_daily_totals GROUP BY date"
        ).result_rows
    assert "cube_daily_totals__building" not in tables
    assert totals == [("2026-03-01", 2)]


def test_cube_visitors_are_exact_at_any_count(env: Env) -> None:
    # 60,000 visitors over many rows and two days, each on several rows: the rollup's
    # sketch estimates beyond ~15,000 (see above), the cube's bitmaps count exactly.
    users = [f"client-{i}" for i in range(60_000)]
    chunks = [users[i::40] + users[(i + 1) % 40 :: 40] for i in range(40)]
    days = (dt.date(2026, 3, 1), dt.date(2026, 3, 2))
    with hot_tier(env.settings) as client:
        ensure_schema(client)
        _build(client, "cube_daily_technology")
        for day in days:  # the day loads of later refreshes; a rerun of a day replaces it
            for _ in range(2):
                replace_partitions(
                    client,
                    "cube_daily_technology",
                    _rows(day, chunks, dims=_TECHNOLOGY),
                    [day.isoformat()],
                )
        merge = distinct_users_merge("cube_daily_technology")
        (merged,) = client.query(f"SELECT {merge} FROM cube_daily_technology").result_rows[0]
        per_day = client.query(
            f"SELECT date, {merge} FROM cube_daily_technology GROUP BY date"
        ).result_rows
        (numbered,) = client.query("SELECT count(), max(number) FROM visitor_numbers").result_rows
    assert merged == 60_000
    assert [n for _, n in per_day] == [60_000, 60_000]
    assert numbered == (60_000, 59_999)  # reruns number no one twice


def test_raw_tables_keep_a_client_key_and_older_tables_gain_it(env: Env) -> None:
    columns = "(event_id, tracking_id, client_id, event_type, event_date, event_at)"
    day, moment = dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 10)
    rows = [(f"e{i}", "ST-TEST", f"c{i % 3}", "pageview", day, moment) for i in range(7)]
    with hot_tier(env.settings) as client:
        ensure_raw_tables(client, 30)
        # a table of the release before client_key: the next start adds it
        client.command("ALTER TABLE events DROP COLUMN client_key")
        ensure_raw_tables(client, 30)
        client.insert("events__staging", rows, column_names=columns[1:-1].split(", "))
        client.command("ALTER TABLE events REPLACE PARTITION '2026-03-01' FROM events__staging")
        keys = client.query(
            "SELECT countIf(client_key = sipHash64(client_id)), count(), uniqExact(client_key) "
            "FROM events"
        ).result_rows
    assert keys == [(7, 7, 3)]


def _events(rows: list[tuple[str, str, dt.datetime, str]], **same: object) -> pl.DataFrame:
    """Events as the load gets them from the lake: (site, client, UTC time, page) each,
    ``same`` for every row (event ids numbered unless given)."""
    schema = raw_tables.RAW_TABLES["events"].schema
    values: dict[str, list] = {c: [] for c in schema}
    for i, (site, client_id, moment, page) in enumerate(rows):
        given = {"tracking_id": site, "client_id": client_id, "event_at": moment}
        given |= {"event_date": moment.date(), "page_path": page, "event_id": f"e{i}"}
        given |= {"event_type": "pageview", "properties_json": '{"plan": "pro", "seats": 3}'}
        for column in schema:
            values[column].append(same.get(column, given.get(column)))
    return pl.DataFrame(values, schema=dict(schema)).rename({"properties_json": "properties"})


def test_loaded_events_carry_the_visitor_numbers_the_cubes_use(env: Env) -> None:
    day1, day2 = dt.date.today() - dt.timedelta(days=2), dt.date.today() - dt.timedelta(days=1)
    at = [dt.datetime.combine(d, dt.time(h)) for d in (day1, day2) for h in (8, 9, 10)]
    with hot_tier(env.settings) as client:
        ensure_schema(client, 730)
        ensure_raw_tables(client, 30)
        replace_raw_day(  # day 1: b at 08:00, a at 09:00; another site's x
            client,
            "events",
            _events([("S1", "b", at[0], "/"), ("S1", "a", at[1], "/"), ("S2", "x", at[2], "/")]),
            day1,
        )
        # a cube load numbers c (new) and a (known) the same way
        _build(client, "cube_daily_totals", _rows(day2, [["a", "c"]], dims=(), site="S1"))
        replace_raw_day(  # day 2: c, d and a again
            client,
            "events",
            _events([("S1", "d", at[3], "/"), ("S1", "c", at[4], "/p"), ("S1", "a", at[5], "/")]),
            day2,
        )
        numbered = client.query(
            "SELECT tracking_id, client_id, visitor_number, properties['plan'] FROM events "
            "ORDER BY event_at"
        ).result_rows
        registry = client.query(
            "SELECT tracking_id, client_id, number FROM visitor_numbers ORDER BY number, client_id"
        ).result_rows
        counted = client.query(
            "SELECT page_path, groupBitmap(visitor_number), uniqExact(client_key) FROM events "
            "WHERE tracking_id = 'S1' GROUP BY page_path ORDER BY page_path"
        ).result_rows
    # per site from 0, in order of first time seen; c came with the cube, before d
    assert registry == [
        ("S1", "b", 0),
        ("S2", "x", 0),
        ("S1", "a", 1),
        ("S1", "c", 2),
        ("S1", "d", 3),
    ]
    assert numbered == [
        ("S1", "b", 0, "pro"),
        ("S1", "a", 1, "pro"),
        ("S2", "x", 0, "pro"),
        ("S1", "d", 3, "pro"),
        ("S1", "c", 2, "pro"),
        ("S1", "a", 1, "pro"),
    ]
    assert counted == [("/", 3, 3), ("/p", 1, 1)]


def test_events_of_an_earlier_release_are_numbered_on_the_next_start(env: Env) -> None:
    day = dt.date.today() - dt.timedelta(days=1)
    at = [dt.datetime.combine(day, dt.time(h)) for h in (8, 9, 10)]
    with hot_tier(env.settings) as client:
        ensure_schema(client, 730)
        ensure_raw_tables(client, 30)
        replace_raw_day(
            client,
            "events",
            _events([("S1", "z", at[0], "/"), ("S1", "y", at[1], "/"), ("S1", "z", at[2], "/")]),
            day,
        )
        # the release before numbers: no column, no registry rows (nor the projection
        # over them, which came later still)
        client.command("ALTER TABLE events DROP PROJECTION exposures")
        client.command("ALTER TABLE events DROP COLUMN visitor_number")
        client.command("TRUNCATE TABLE visitor_numbers")
        ensure_raw_tables(client, 30)
        numbered = client.query(
            "SELECT client_id, visitor_number, properties['seats'] FROM events ORDER BY event_at"
        ).result_rows
        registry = client.query(
            "SELECT client_id, number FROM visitor_numbers ORDER BY number"
        ).result_rows
        left = client.query("SHOW TABLES LIKE 'events__numbering'").result_rows
    assert registry == [("z", 0), ("y", 1)]
    assert numbered == [("z", 0, "3"), ("y", 1, "3"), ("z", 0, "3")]
    assert left == []


def test_older_raw_tables_gain_low_cardinality_text_and_keep_their_rows(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = dt.date.today()  # inside the 30-day TTL
    moment = dt.datetime.combine(day, dt.time(10))
    columns = ["tracking_id", "client_id", "event_id", "event_type", "event_date", "event_at"]
    rows = [("ST-TEST", "c1", f"e{i}", "pageview", day, moment, f"/p{i % 2}") for i in range(5)]
    later = _events([("ST-TEST", "c9", moment, "/q")], event_type="click", event_id="x")
    with hot_tier(env.settings) as client:
        with monkeypatch.context() as before:  # the release that kept text as String
            before.setattr(raw_tables, "LOW_CARDINALITY", frozenset())
            ensure_raw_tables(client, 30)
        client.insert("events", rows, column_names=[*columns, "page_path"])
        ensure_raw_tables(client, 30)
        types = client.query(
            "SELECT table, name, type FROM system.columns WHERE database = currentDatabase() "
            "AND table IN ('events', 'events__staging') AND name IN "
            "('page_path', 'event_type', 'tracking_id', 'event_id') ORDER BY table, name"
        ).result_rows
        kept = client.query(
            "SELECT page_path, count() FROM events GROUP BY page_path ORDER BY page_path"
        ).result_rows
        replace_raw_day(client, "events", later, day)  # staging and table: one structure
        swapped = client.query("SELECT event_id, page_path FROM events").result_rows
    expected = [
        ("event_id", "String"),
        ("event_type", "LowCardinality(String)"),
        ("page_path", "LowCardinality(Nullable(String))"),
        ("tracking_id", "String"),  # a sorting-key column keeps the type it was made with
    ]
    assert types == [(t, *c) for t in ("events", "events__staging") for c in expected]
    assert kept == [("/p0", 3), ("/p1", 2)]
    assert swapped == [("x", "/q")]


def test_a_day_too_big_for_one_part_is_inserted_in_small_blocks_and_merged(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The big-day path at toy size: one part holds 4 rows here, small blocks 2, so 9
    events go in as several parts; the day still ends as one part, every event numbered."""
    from lake.hot_tier import inserts

    monkeypatch.setattr(inserts, "ONE_PART", {**inserts.ONE_PART, "min_insert_block_size_rows": 4})
    small = {  # blocks of 2 rows read (the file's row group is one block), squashed to 2
        "min_insert_block_size_rows": 2,
        "min_insert_block_size_bytes": 1,
        "max_insert_block_size": 2,
        "input_format_parquet_max_block_size": 2,
    }
    monkeypatch.setattr(inserts, "SMALL_BLOCKS", small)
    assert inserts.block_settings(4)["min_insert_block_size_rows"] == 4
    assert inserts.block_settings(5) is small
    day = dt.date.today() - dt.timedelta(days=1)
    clients = ["c", "a", "b", "a", "d", "c", "e", "f", "a"]  # 6 visitors, a thrice
    rows = [
        ("S1", who, dt.datetime.combine(day, dt.time(8, i)), "/") for i, who in enumerate(clients)
    ]
    with hot_tier(env.settings) as client:
        ensure_schema(client, 730)
        ensure_raw_tables(client, 30)
        assert replace_raw_day(client, "events", _events(rows), day) == 9
        loaded = client.query(
            "SELECT count(), uniqExact(client_id), uniqExact(visitor_number) FROM events"
        ).result_rows
        parts = client.query(
            "SELECT count() FROM system.parts WHERE table = 'events' AND active"
        ).result_rows
    assert loaded == [(9, 6, 6)]
    assert parts == [(1,)]


class _Counting:
    """A real client whose ``command`` statements are also noted (to see what was sent)."""

    def __init__(self, client: object) -> None:
        self.client, self.commands = client, []

    def command(self, sql: str, *args: object, **kwargs: object) -> object:
        self.commands.append(sql)
        return self.client.command(sql, *args, **kwargs)  # type: ignore[attr-defined]

    def query(self, *args: object, **kwargs: object) -> object:
        return self.client.query(*args, **kwargs)  # type: ignore[attr-defined]


def test_the_schema_is_stated_again_only_when_it_changed(env: Env) -> None:
    with hot_tier(env.settings) as client:
        ensure_schema(client, 730)
        for name in cubes_to_build(client):  # every cube whole (as after a first load)
            begin_cube_build(client, name, 730)
            finish_cube_build(client, name)
        counting = _Counting(client)
        ensure_schema(counting, 730)  # the whole schema stated: its fingerprint noted
        stated = [c for c in counting.commands if c.startswith("ALTER TABLE rollup_daily ")]
        assert any("MODIFY COMMENT" in c for c in stated)
        counting.commands.clear()
        ensure_schema(counting, 730)
        assert counting.commands == []  # as stated last time: nothing sent

        ensure_schema(counting, 30)  # another retention: stated, TTLs changed
        (engine,) = client.query(
            "SELECT engine_full FROM system.tables WHERE name = 'cube_daily_pages'"
        ).result_rows[0]
        assert "TTL toDate(date) + toIntervalDay(30)" in engine

        client.command("DROP TABLE rollup_hourly__raw")  # a working table gone: made again
        counting.commands.clear()
        ensure_schema(counting, 30)
        assert any("CREATE TABLE IF NOT EXISTS rollup_hourly__raw" in c for c in counting.commands)
        counting.commands.clear()
        ensure_schema(counting, 30)
        assert counting.commands == []


def test_kept_properties_are_columns_filled_on_insert_and_for_rows_loaded_before(
    env: Env,
) -> None:
    """``prop_<key>``: the property's text, NULL where the event has no such key; a key
    listed later gets its column filled for the days already loaded; the state lists
    the keys (what readers render against)."""
    day = dt.date.today() - dt.timedelta(days=1)
    at = dt.datetime.combine(day, dt.time(9))
    events = _events([("S1", "a", at, "/"), ("S1", "b", at, "/")]).with_columns(
        properties=pl.Series(['{"plan": "pro", "seats": 3}', '{"other": "x"}'])
    )
    with hot_tier(env.settings) as client:
        ensure_schema(client, 730)
        ensure_raw_tables(client, 30, hot_properties=("plan",))
        replace_raw_day(client, "events", events, day)
        ensure_raw_tables(client, 30, hot_properties=("plan", "seats"))  # a key added later
        kept = client.query(
            "SELECT client_id, prop_plan, prop_seats FROM events ORDER BY client_id"
        ).result_rows
        replace_raw_day(client, "events", events, day)  # the next load fills both on insert
        again = client.query(
            "SELECT client_id, prop_plan, prop_seats FROM events ORDER BY client_id"
        ).result_rows
        state = hot_tier_state(client)
    assert kept == again == [("a", "pro", "3"), ("b", None, None)]
    assert state.hot_properties == {"plan", "seats"}


def test_a_kept_property_key_becomes_sql_only_as_letters_digits_and_underscores() -> None:
    assert raw_tables.hot_property_ddl("element_id").startswith("prop_element_id ")
    for bad in ("a'b", "x y", "1st", "a-b", ""):
        with pytest.raises(ValueError):
            raw_tables.hot_property_ddl(bad)
