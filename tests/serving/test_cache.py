"""The result cache: a report asked again is answered from memory until its time is up or
the hot tier loads new data."""

from __future__ import annotations

from fastapi.testclient import TestClient

from orchestration.runner import run_pipeline
from serving.cache import ResultCache
from tests.conftest import Env
from tests.samples import day_event


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_lives_until_its_ttl_or_a_new_data_version() -> None:
    clock, version = Clock(), ["v1"]
    cache = ResultCache(10, lambda: version[0], clock=clock)
    cache.put("q", "answer", cache.version())
    assert cache.get("q") == "answer"
    clock.now += 9.9
    assert cache.get("q") == "answer"
    clock.now += 0.1
    assert cache.get("q") is None  # ten seconds old: gone
    cache.put("q", "again", cache.version())
    version[0] = "v2"  # the hot tier loaded
    assert cache.get("q") is None


def test_an_answer_computed_before_a_load_is_not_kept_as_current() -> None:
    version = ["v1"]
    cache = ResultCache(60, lambda: version[0], clock=Clock())
    before = cache.version()  # read when the query starts
    version[0] = "v2"  # a load finishes while it runs
    cache.put("q", "old numbers", before)
    assert cache.get("q") is None


def test_the_least_recently_used_answer_goes_first_and_zero_ttl_keeps_nothing() -> None:
    cache = ResultCache(60, lambda: "v", max_entries=2, clock=Clock())
    cache.put("a", 1, "v")
    cache.put("b", 2, "v")
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3, "v")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    off = ResultCache(0, lambda: "v")
    off.put("a", 1, "v")
    assert off.get("a") is None and not off.enabled


def test_the_version_is_read_at_most_as_often_as_configured() -> None:
    clock, reads = Clock(), []
    cache = ResultCache(60, lambda: reads.append(1) or str(len(reads)), clock=clock,
                        version_check_seconds=1.0)  # fmt: skip
    assert cache.version() == cache.version() == "1"
    clock.now += 1.0
    assert cache.version() == "2"


def test_the_api_reuses_an_answer_until_the_next_load(env: Env) -> None:
    from ingest_gateway.app import create_app as create_gateway
    from serving.app import create_app

    def send(*events: dict) -> None:
        with TestClient(create_gateway(env.settings)) as gw:
            assert gw.post("/api/v1/events", json=list(events)).json()["accepted"] == len(events)

    send(day_event("a", "10:00:00", "pageview", "/"))
    run_pipeline(echo=False)
    body = {
        "tracking_id": "ST-TEST",
        "metrics": ["pageviews"],
        "date_range": {"start": "2026-03-01", "end": "2026-03-01"},
    }
    with TestClient(create_app(env.settings)) as api:
        api.headers["Authorization"] = f"Bearer {env.key}"

        def ask(**headers: str) -> tuple[str, list]:
            r = api.post("/api/v1/query", json=body, headers=headers)
            assert r.status_code == 200, r.text
            return r.headers["X-Strata-Cache"], r.json()["rows"]

        assert ask() == ("miss", [{"pageviews": 1}])
        assert ask() == ("hit", [{"pageviews": 1}])
        assert ask(**{"Cache-Control": "no-cache"}) == ("miss", [{"pageviews": 1}])
        send(day_event("b", "11:00:00", "pageview", "/"))
        assert ask() == ("hit", [{"pageviews": 1}])  # landed, not loaded yet
        run_pipeline(echo=False)
        assert ask() == ("miss", [{"pageviews": 2}])  # the load ended the reuse
        assert ask() == ("hit", [{"pageviews": 2}])
