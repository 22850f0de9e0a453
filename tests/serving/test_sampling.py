"""``"sampling"``: a raw-table report may read a share of visitors and estimate the whole;
the sample is the same on both engines and worked out here from MD5 independently."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.engines import ask, two_engines
from tests.samples import day_event

CLIENTS = [f"v{i:02d}" for i in range(30)]
# client i: one session at 10:i, with i % 3 + 1 page views (/p0 first), and a signup
# event when i is even (then the session is engaged: no bounce)
EVENTS = [
    day_event(c, f"10:{i:02d}:{10 * n:02d}", "pageview", f"/p{n}")
    for i, c in enumerate(CLIENTS)
    for n in range(i % 3 + 1)
] + [
    day_event(c, f"10:{i:02d}:50", "event", "/p0", event_name="signup")
    for i, c in enumerate(CLIENTS)
    if i % 2 == 0
]
DAY = {"start": "2026-03-01", "end": "2026-03-01"}


def _sampled(client: str, share: float) -> bool:
    """The rule as documented: the first 32 bits of MD5(client id) below share × 2³²."""
    return int(hashlib.md5(client.encode()).hexdigest()[:8], 16) < round(share * 2**32)


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    with two_engines(tmp_path_factory, EVENTS) as both:
        yield both


def _ask(api: TestClient, **body: object) -> dict:
    return ask(api, DAY, **body)


@pytest.mark.parametrize("share", [0.5, 0.25])
def test_a_sampled_raw_report_estimates_from_the_sampled_visitors(
    apis: tuple[TestClient, TestClient], share: float
) -> None:
    kept = [c for c in CLIENTS if _sampled(c, share)]
    assert 0 < len(kept) < len(CLIENTS)  # the sample is a real subset
    factor = 1 / share
    events = Counter(e["event_type"] for e in EVENTS if e["client_id"] in kept)
    visitors = {
        kind: len(
            {e["client_id"] for e in EVENTS if e["client_id"] in kept and e["event_type"] == kind}
        )
        for kind in events
    }
    expected = sorted(
        (
            {
                "event_type": kind,
                "events": round(n * factor),
                "visitors": round(visitors[kind] * factor),
            }
            for kind, n in events.items()
        ),
        key=lambda r: -r["events"],
    )
    for api in apis:
        got = _ask(api, metrics=["events", "visitors"], dimensions=["event_type"], sampling=share)
        assert got["is_sampled"] is True
        assert got["rows"] == expected


def test_sampled_sessions_keep_their_rates(apis: tuple[TestClient, TestClient]) -> None:
    kept = [i for i, c in enumerate(CLIENTS) if _sampled(c, 0.5)]
    sessions = len(kept)  # one session each, entry page /p0
    bounces = sum(1 for i in kept if i % 3 == 0 and i % 2 == 1)  # one page view, no signup
    for api in apis:
        got = _ask(
            api,
            metrics=["sessions", "bounce_rate"],
            dimensions=["entry_page"],
            sampling=0.5,
        )
        assert got["is_sampled"] is True
        (row,) = got["rows"]
        assert (row["entry_page"], row["sessions"]) == ("/p0", sessions * 2)
        assert row["bounce_rate"] == pytest.approx(bounces / sessions, rel=1e-11)


def test_reports_the_cubes_answer_are_never_sampled(apis: tuple[TestClient, TestClient]) -> None:
    for api in apis:
        for share in (0.1, 1):
            got = _ask(api, metrics=["pageviews", "visitors"], sampling=share)
            assert got["is_sampled"] is False
            assert got["rows"] == [{"pageviews": 60, "visitors": 30}]
        whole = _ask(api, metrics=["events"], dimensions=["event_type"], sampling=1)
        assert whole["is_sampled"] is False
        assert whole["rows"] == [
            {"event_type": "pageview", "events": 60},
            {"event_type": "event", "events": 15},
        ]


@pytest.mark.parametrize("share", [0, -0.5, 1.5, "half", float("inf")])
def test_a_share_outside_zero_to_one_is_a_400_naming_sampling(
    apis: tuple[TestClient, TestClient], share: object
) -> None:
    body = {"tracking_id": "ST-TEST", "date_range": DAY, "metrics": ["events"], "sampling": share}
    r = apis[0].post("/api/v1/query", json=body) if share != float("inf") else None
    if r is None:  # JSON has no infinity: sent as the text Python writes
        content = '{"tracking_id": "ST-TEST", "metrics": ["events"], "sampling": 1e999}'
        r = apis[0].post(
            "/api/v1/query", content=content, headers={"Content-Type": "application/json"}
        )
    assert r.status_code == 400, r.text
    assert "sampling" in r.json()["detail"]
