"""What the dashboard needs from the API: its files at ``/`` without a key, the key's
sites, and every path its typed client calls present in the OpenAPI document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serving.app import create_app
from tests.conftest import Env

CLIENT = Path(__file__).parents[2] / "serving" / "web" / "src" / "api.ts"


@pytest.fixture
def api(env: Env) -> TestClient:
    env.store.add_site("ST-OTHER", ["other.example"], "Europe/Berlin")
    env.store.add_site("ST-THIRD", ["third.example", "www.third.example"], "Asia/Tokyo")
    with TestClient(create_app(env.settings)) as client:
        yield client


def test_sites_lists_the_keys_sites_only(env: Env, api: TestClient) -> None:
    two = env.store.create_key(["ST-THIRD", "ST-OTHER"], scopes=("read",))
    answer = api.get("/api/v1/sites", headers={"Authorization": f"Bearer {env.key}"})
    assert answer.status_code == 200
    assert answer.json() == [
        {
            "tracking_id": "ST-TEST",
            "domains": ["shop.example"],
            "timezone": "UTC",
            "scopes": sorted(env.store.key(env.key).scopes),
        }
    ]
    third = api.get("/api/v1/sites", headers={"Authorization": f"Bearer {two}"}).json()
    assert [s["tracking_id"] for s in third] == ["ST-OTHER", "ST-THIRD"]
    assert third[1]["domains"] == ["third.example", "www.third.example"]
    assert third[0]["timezone"] == "Europe/Berlin" and third[1]["timezone"] == "Asia/Tokyo"
    assert third[0]["scopes"] == ["read"]
    assert api.get("/api/v1/sites").status_code == 401


def test_dashboard_is_served_without_a_key(api: TestClient) -> None:
    page = api.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="app.js">' in page.text and "<title>Strata</title>" in page.text
    script = api.get("/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "/api/v1/query" in script.text  # the bundle holds the client, not a CDN link
    assert "https://" not in re.sub(r"https://[^\"'`]*w3\.org[^\"'`]*", "", script.text)
    assert api.get("/app.css").status_code == 200
    # the API's routes win over the files: a typo under /api/ is the API's 401, not a page
    assert api.get("/api/v1/nothing").status_code == 401
    assert api.get("/healthz").json() == {"status": "ok"}


def test_every_path_the_client_calls_is_in_the_openapi_document(api: TestClient) -> None:
    document = api.get("/openapi.json").json()["paths"]
    listed = dict(re.findall(r'^\s+(\w+): "(/api/v1/[^"]*)",$', CLIENT.read_text(), re.M))
    assert len(listed) >= 10
    for name, path in listed.items():
        assert path in document, f"{name}: {path} is not an API route"
    # the methods the client uses on them
    assert "post" in document[listed["query"]] and "post" in document[listed["funnelAnalysis"]]
    assert "post" in document[listed["retention"]] and "get" in document[listed["sites"]]
    assert {"get", "post"} <= set(document[listed["segments"]])
