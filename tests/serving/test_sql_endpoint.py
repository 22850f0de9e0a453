"""The SQL endpoint (ClickHouse's HTTP interface over the embedded engine) driven by
clients nobody here wrote — clickhouse-connect's HTTP client, SQLAlchemy with the
``clickhousedb://`` dialect, the npm ``@clickhouse/client`` — against a real
``strata demo`` served by ``strata serve``; counts compared with bronze.  Then the
refusals (no key, revoked, ``read``-only; writes, DDL, settings, file/url/s3/remote),
another site's key seeing none of ST-DEMO's rows anywhere, the time limit, and a fuzz
of query strings and parameters that never gets a 5xx."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.npm import npm_package

ROOT = Path(__file__).parents[2]
STRATA = str(Path(sys.executable).with_name("strata"))
NODE_CLIENT = "1.23.0"


@dataclass
class Served:
    home: Path
    api: str
    sql: str
    key: str  # the demo key: read, write, admin, sql on ST-DEMO
    other: str  # sql key of another site
    read_only: str  # ST-DEMO, read scope only
    revoked: str
    bronze: pl.DataFrame

    def post(self, query: str, key: str | None = None, **params: str) -> httpx.Response:
        auth = ("bi", key if key is not None else self.key)
        return httpx.post(f"{self.sql}/", content=query, params=params, auth=auth, timeout=60)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    env.update(STRATA_HOME=str(home))
    return env


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from cli.processes import free_port, stop, wait_healthy
    from lake.catalog import MetadataStore
    from lake.settings import Settings
    from lake.storage import LakePaths

    home = tmp_path_factory.mktemp("sql") / "home"
    env = _env(home)
    demo = [STRATA, "demo", "--days", "2", "--events", "2500", "--no-serve"]
    assert subprocess.run(demo, env=env, timeout=900).returncode == 0
    settings = Settings.from_env(env)
    store = MetadataStore(settings.metadata_url)
    store.add_site("ST-OTHER", ["other.example"])
    other = store.create_key("ST-OTHER", scopes=("read", "sql"))
    read_only = store.create_key("ST-DEMO", scopes=("read",))
    revoked = store.create_key("ST-DEMO", scopes=("sql",), name="gone")
    store.revoke_key(next(k.key_id for k in store.list_keys() if k.name == "gone"))
    bronze = pl.read_delta(LakePaths(settings.lake_uri).bronze_events)
    port, sql_port = free_port(), free_port()
    server = subprocess.Popen(
        [STRATA, "serve", "--port", str(port), "--sql-port", str(sql_port)], env=env
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server, timeout=120)
        yield Served(
            home,
            f"http://127.0.0.1:{port}",
            f"http://127.0.0.1:{sql_port}",
            (home / "demo.key").read_text().strip(),
            other,
            read_only,
            revoked,
            bronze,
        )
    finally:
        stop(server)


def _connect(served: Served, **kw: object):
    import clickhouse_connect

    host, port = served.sql.removeprefix("http://").split(":")
    return clickhouse_connect.get_client(
        host=host, port=int(port), username="bi", password=served.key, **kw
    )


def test_clickhouse_connect_reads_events_and_a_mart_with_bronzes_counts(served: Served) -> None:
    """What Superset does through clickhouse-connect: query, query_df, query_arrow."""
    client = _connect(served)
    by_name = served.bronze.group_by("event_name").len()
    expected = dict(zip(by_name["event_name"], by_name["len"], strict=True))
    rows = client.query("SELECT event_name, count() FROM events GROUP BY event_name").result_rows
    assert dict(rows) == expected
    assert sum(expected.values()) == served.bronze.height > 1000

    people = served.bronze.filter(~pl.col("is_bot") & (pl.col("event_type") == "pageview"))
    frame = client.query_df(
        "SELECT sum(count_pageviews) AS views FROM site_traffic_daily WHERE tracking_id = 'ST-DEMO'"
    )
    assert int(frame["views"][0]) == people.height

    table = client.query_arrow("SELECT event_id FROM events WHERE event_type = 'pageview'")
    assert table.num_rows == served.bronze.filter(pl.col("event_type") == "pageview").height
    assert client.server_version.count(".") >= 2


def test_the_api_port_answers_at_clickhouse_path(served: Served) -> None:
    import clickhouse_connect

    host, port = served.api.removeprefix("http://").split(":")
    client = clickhouse_connect.get_client(
        host=host, port=int(port), username="bi", password=served.key, proxy_path="/clickhouse"
    )
    assert client.query("SELECT count() FROM events").result_rows[0][0] == served.bronze.height


def test_sqlalchemy_inspector_lists_the_keys_tables_and_columns(served: Served) -> None:
    """Superset's schema browser: SQLAlchemy's inspector over the clickhousedb dialect."""
    import sqlalchemy as sa

    host, port = served.sql.removeprefix("http://").split(":")
    engine = sa.create_engine(f"clickhousedb://bi:{served.key}@{host}:{port}/default")
    inspector = sa.inspect(engine)
    tables = set(inspector.get_table_names(schema="default"))
    assert {"events", "sessions", "rollup_daily", "site_traffic_daily"} <= tables
    internal = ("__staging", "__raw", "__input", "__building")
    assert not [t for t in tables if t == "visitor_numbers" or t.endswith(internal)]
    columns = {c["name"] for c in inspector.get_columns("events", schema="default")}
    assert {"tracking_id", "event_id", "event_name", "properties"} <= columns
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT count() FROM events")).scalar()
    assert found == served.bronze.height


def test_the_npm_clickhouse_client_runs_a_json_each_row_query(served: Served) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs node (Debian's nodejs) to run @clickhouse/client")
    modules = npm_package("@clickhouse/client", NODE_CLIENT)
    script = """
const { createClient } = require('@clickhouse/client');
(async () => {
  const client = createClient({ url: process.argv[1], username: 'bi', password: process.argv[2] });
  const rs = await client.query({
    query: 'SELECT event_type, count() AS n FROM events GROUP BY event_type ORDER BY event_type',
    format: 'JSONEachRow',
  });
  console.log(JSON.stringify(await rs.json()));
  await client.close();
})().catch((e) => { console.error(e); process.exit(1); });
"""
    out = subprocess.run(
        [node, "-e", script, served.sql, served.key],
        cwd=modules.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NODE_PATH": str(modules)},
    )
    assert out.returncode == 0, out.stderr
    by_type = served.bronze.group_by("event_type").len().sort("event_type")
    assert json.loads(out.stdout) == [{"event_type": t, "n": n} for t, n in by_type.iter_rows()]


def _refused(answer: httpx.Response, code: int, status: int) -> None:
    assert answer.status_code == status, answer.text
    assert answer.text.startswith(f"Code: {code}. DB::Exception: "), answer.text
    assert answer.headers["X-ClickHouse-Exception-Code"] == str(code)


def test_keys_without_the_sql_scope_are_refused(served: Served) -> None:
    answer = httpx.post(f"{served.sql}/", content="SELECT 1", timeout=30)
    _refused(answer, 194, 401)
    _refused(served.post("SELECT 1", key=served.revoked), 516, 403)
    _refused(served.post("SELECT 1", key="sk_not_a_key"), 516, 403)
    _refused(served.post("SELECT 1", key=served.read_only), 497, 403)


@pytest.mark.parametrize(
    ("query", "code", "status"),
    [
        ("INSERT INTO events (tracking_id) VALUES ('ST-DEMO')", 164, 403),
        ("INSERT INTO events SELECT * FROM events", 164, 403),
        ("ALTER TABLE events DELETE WHERE 1", 164, 403),
        ("DROP TABLE events", 164, 403),
        ("CREATE TABLE t (a UInt8) ENGINE = Memory", 164, 403),
        ("TRUNCATE TABLE events", 164, 403),
        ("SET readonly = 0", 164, 403),
        ("SELECT count() FROM events SETTINGS max_execution_time = 0", 164, 403),
        ("SELECT count() FROM events SETTINGS additional_table_filters = {}", 164, 403),
        ("SELECT * FROM (SELECT 1 SETTINGS readonly = 0)", 164, 403),
        ("SELECT * FROM file('/etc/passwd')", 497, 403),
        ("SELECT file('/etc/passwd')", 497, 403),
        ("SELECT * FROM url('http://127.0.0.1:1/x', CSV, 'a String')", 497, 403),
        ("SELECT * FROM s3('http://127.0.0.1:1/b/k.csv', CSV, 'a String')", 497, 403),
        ("SELECT * FROM remote('127.0.0.1', default.events)", 497, 403),
        ("SELECT * FROM merge('default', '^events$')", 497, 403),
        ("SELECT * FROM executable('ls', TSV, 'a String')", 497, 403),
        ("SELECT * FROM mysql('127.0.0.1:1', 'd', 't', 'u', 'p')", 497, 403),
        ("SELECT * FROM postgresql('127.0.0.1:1', 'd', 't', 'u', 'p')", 497, 403),
        ("SELECT * FROM system.query_log", 497, 403),
        ("SELECT * FROM system.parts", 497, 403),
        ("SELECT count() FROM visitor_numbers", 60, 404),
        ("SELECT 1 INTO OUTFILE '/tmp/strata-out'", 164, 403),
        ("SELECT 1; DROP TABLE events", 62, 400),
        ("SHOW PROCESSLIST", 164, 403),
    ],
)
def test_writes_settings_and_outside_reads_are_refused(
    served: Served, query: str, code: int, status: int
) -> None:
    _refused(served.post(query), code, status)


def test_events_are_still_there_after_the_refusals(served: Served) -> None:
    assert served.post("SELECT count() FROM events").text.strip() == str(served.bronze.height)


def _visible_tables(served: Served) -> list[str]:
    text = served.post("SELECT name FROM system.tables WHERE database = 'default'").text
    return text.split()


def test_another_sites_key_sees_none_of_st_demos_rows(served: Served) -> None:
    tables = _visible_tables(served)
    assert {"events", "sessions", "rollup_daily", "cube_daily_totals", "site_traffic_daily"} <= set(
        tables
    )
    for table in tables:
        mine = served.post(f"SELECT count() FROM {table}").text.strip()
        theirs = served.post(f"SELECT count() FROM {table}", key=served.other)
        assert theirs.status_code == 200, theirs.text
        assert theirs.text.strip() == "0", table
        if table in ("events", "sessions", "rollup_daily", "site_traffic_daily"):
            assert int(mine) > 0, table
    for query in [
        "SELECT count() FROM (SELECT * FROM default.events)",
        "SELECT count() FROM events UNION ALL SELECT count() FROM sessions",
        "SELECT count() FROM events AS e JOIN sessions AS s ON e.client_id = s.client_id",
        "SELECT count() FROM numbers(10) WHERE toString(number) IN (SELECT event_name FROM events)",
        "SELECT count() FROM (SELECT arrayJoin([1, 2, 3]) AS a, tracking_id FROM events)",
        "SELECT (SELECT count() FROM events WHERE tracking_id = 'ST-DEMO')",
        "WITH e AS (SELECT * FROM events) SELECT count() FROM e",
        "SELECT count() FROM information_schema.tables WHERE table_name = 'visitor_numbers'",
        "SELECT count() FROM system.tables WHERE name LIKE '%staging%' OR name = 'visitor_numbers'",
        "SELECT count() FROM system.columns WHERE table = 'visitor_numbers'",
    ]:
        answer = served.post(query, key=served.other)
        assert answer.status_code == 200, (query, answer.text)
        assert set(answer.text.split()) <= {"0"}, (query, answer.text)


def test_a_query_past_the_time_limit_is_stopped(served: Served) -> None:
    answer = served.post(
        "SELECT sum(cityHash64(number)) FROM numbers(100000000000)", max_execution_time="1"
    )
    _refused(answer, 159, 408)
    raised = served.post("SELECT 1", max_execution_time="3600")
    _refused(raised, 164, 403)


def test_formats_headers_parameters_and_compression(served: Served) -> None:
    answer = served.post(
        "SELECT {n:UInt8} AS n, count() AS events FROM events",
        default_format="JSONEachRow",
        param_n="7",
    )
    assert answer.status_code == 200
    assert json.loads(answer.text) == {"n": 7, "events": served.bronze.height}
    assert answer.headers["X-ClickHouse-Format"] == "JSONEachRow"
    assert answer.headers["X-ClickHouse-Timezone"]
    summary = json.loads(answer.headers["X-ClickHouse-Summary"])
    assert int(summary["read_rows"]) >= 1
    own = served.post("SELECT 1 AS one FORMAT CSVWithNames")
    assert own.text == '"one"\n1\n'
    gz = httpx.post(
        f"{served.sql}/?enable_http_compression=1",
        content="SELECT 42",
        auth=("bi", served.key),
        headers={"Accept-Encoding": "gzip"},
        timeout=30,
    )
    assert gz.headers["content-encoding"] == "gzip" and gz.text == "42\n"
    for fmt in (
        "JSON",
        "JSONCompact",
        "TabSeparatedWithNamesAndTypes",
        "Native",
        "RowBinaryWithNamesAndTypes",
        "Arrow",
        "Parquet",
    ):
        assert served.post("SELECT 1", default_format=fmt).status_code == 200, fmt


_PARAMS = st.dictionaries(
    st.sampled_from(
        [
            "default_format",
            "database",
            "param_x",
            "max_execution_time",
            "readonly",
            "query_id",
            "enable_http_compression",
            "output_format_json_quote_64bit_integers",
            "max_result_rows",
            "session_id",
        ]
    ),
    st.text(max_size=12),
    max_size=4,
)
_QUERIES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        ["SELECT ", "SELECT * FROM ", "SHOW ", "DESCRIBE ", "EXPLAIN ", "WITH x AS ("]
    ).flatmap(lambda head: st.text(max_size=40).map(lambda tail: head + tail)),
    st.sampled_from(["SELECT {x:UInt8}", "SELECT count() FROM events FORMAT ", "SELECT '\\"]),
)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=_QUERIES, params=_PARAMS)
def test_fuzzed_queries_and_parameters_get_no_5xx(served: Served, query: str, params: dict) -> None:
    answer = httpx.post(
        f"{served.sql}/",
        params=params,
        content=query.encode("utf-8", "surrogatepass"),
        auth=("bi", served.key),
        timeout=60,
    )
    assert answer.status_code < 500, (query, params, answer.text)
    if answer.status_code >= 400:
        assert answer.text.startswith("Code: "), answer.text


def test_a_result_past_the_row_cap_is_stopped_and_leaves_nothing_for_the_next_key(
    served: Served,
) -> None:
    _refused(served.post("SELECT number FROM numbers(5000000)"), 396, 400)
    after = served.post("SELECT 1", key=served.other)
    assert (after.status_code, after.text) == (200, "1\n")
