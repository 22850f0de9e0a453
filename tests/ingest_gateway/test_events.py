"""POST /api/v1/events: acceptance, per-event errors, limits; what lands in the lake."""

from __future__ import annotations

import polars as pl
from fastapi.testclient import TestClient

from lake.storage import EVENT_SCHEMA, Lake, LakePaths
from orchestration.runner import run_pipeline
from tests.conftest import Env
from tests.samples import GOOD


def _landed(env: Env) -> pl.DataFrame:
    lake = Lake(env.settings)
    return lake.read_parquet(
        lake.list_files(LakePaths(env.settings.lake_uri).landing_events), EVENT_SCHEMA
    )


def test_invalid_event_inside_a_valid_batch_is_reported_by_index(
    env: Env, gateway: TestClient
) -> None:
    batch = [
        GOOD,
        {**GOOD, "client_id": 7},
        {**GOOD, "event_type": "bogus"},
        {**GOOD, "tracking_id": "ST-NOPE"},
        {**GOOD, "timestamp": "2026-03-01T10:00:01.000Z"},
    ]
    r = gateway.post("/api/v1/events", json=batch)
    assert r.status_code == 202
    body = r.json()
    assert body["accepted"] == 2
    assert [x["index"] for x in body["rejected"]] == [1, 2, 3]
    assert "client_id" in body["rejected"][0]["error"]
    assert "event_type" in body["rejected"][1]["error"]
    assert body["rejected"][2]["error"] == "unknown tracking_id 'ST-NOPE'"


def test_enrichment_of_a_landed_event(env: Env) -> None:
    from ingest_gateway.app import create_app

    with TestClient(create_app(env.settings)) as client:
        r = client.post("/api/v1/events", json=GOOD)
        assert r.status_code == 202, r.text
    (row,) = _landed(env).to_dicts()
    assert (row["page_host"], row["page_path"]) == ("shop.example", "/products/x")
    assert (row["utm_source"], row["utm_medium"], row["utm_campaign"]) == ("google", "cpc", "brand")
    assert row["channel"] == "Paid Search"
    assert (row["device"], row["os"], row["browser"]) == ("mobile", "iOS", "Mobile Safari")
    assert (row["country"], row["ip"]) == ("GB", "81.2.69.0")  # anonymized to the /24
    assert row["is_bot"] is False
    assert len(row["event_id"]) == 32  # derived deterministically when the sender gave none


def test_nothing_valid_is_400_and_bad_bodies_are_4xx(gateway: TestClient) -> None:
    r = gateway.post("/api/v1/events", json=[{"client_id": "x"}])
    assert r.status_code == 400 and r.json()["rejected"][0]["index"] == 0
    assert gateway.post("/api/v1/events", content=b"{not json").status_code == 400
    assert gateway.post("/api/v1/events", json=[GOOD] * 501).status_code == 400
    big = b"[" + b" " * (1024 * 1024) + b"]"
    assert gateway.post("/api/v1/events", content=big).status_code == 413
    r = gateway.post("/api/v1/events", content=b"<x/>", headers={"content-type": "application/xml"})
    assert r.status_code == 415


def test_duplicate_delivery_of_the_same_batch_is_counted_once(env: Env) -> None:
    from ingest_gateway.app import create_app

    batch = [{**GOOD, "timestamp": f"2026-03-01T10:00:{s:02d}.000Z"} for s in range(10)]
    batch += [{**GOOD, "event_id": f"id-{i}", "client_id": "c2"} for i in range(5)]
    for _ in range(2):  # two gateway lifetimes: each lands its own files
        with TestClient(create_app(env.settings)) as client:
            for _ in range(3):
                assert client.post("/api/v1/events", json=batch).json()["accepted"] == 15
    assert _landed(env).height == 90
    run_pipeline(echo=False)
    bronze = pl.read_delta(LakePaths(env.settings.lake_uri).bronze_events)
    assert bronze.height == 15
    assert bronze["event_id"].n_unique() == 15
    run_pipeline(echo=False)  # a rerun with nothing new changes nothing
    assert pl.read_delta(LakePaths(env.settings.lake_uri).bronze_events).height == 15


def test_fastapi_routes_answer_like_the_raw_asgi_fast_path(env: Env) -> None:
    """The documented FastAPI routes (used without the fast path) give the same answers."""
    from ingest_gateway.app import create_app

    app = create_app(env.settings)
    bad = [GOOD, {**GOOD, "client_id": 7}]
    answers = []
    for asgi in (app, app.api):
        with TestClient(asgi) as client:
            r = client.post("/api/v1/events", json=bad)
            answers.append((r.status_code, r.json()["accepted"], r.json()["rejected"]))
            r = client.post("/api/v1/beacon", content=b"{}", headers={"content-type": "text/plain"})
            answers.append((r.status_code,))
    assert answers[:2] == answers[2:]
    assert answers[0][:2] == (202, 1) and answers[1] == (400,)


def test_impossible_timestamps_are_rejected_per_event(gateway: TestClient) -> None:
    batch = [
        {**GOOD, "timestamp": ts}
        for ts in (
            1e30,
            1e18,
            -5,
            "1969-12-31T23:59:59Z",
            "9999-12-31T23:59:59Z",
            "2026-03-01T10:00:00Z",
            1_772_000_000_000,
        )
    ]
    body = gateway.post("/api/v1/events", json=batch).json()
    assert body["accepted"] == 2
    assert [r["index"] for r in body["rejected"]] == [0, 1, 2, 3, 4]
    assert all("timestamp out of range" in r["error"] for r in body["rejected"])
