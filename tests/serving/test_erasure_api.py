"""The erasure routes: an admin key of the site requests an erasure (202 with its id)
and reads its status back; the pipeline carries it out; other keys are refused and
bad bodies are 400s naming the field.  What the erasure removes is tested end to end
in tests/orchestration/test_erasure.py."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lake.catalog import ErasureStore
from orchestration.runner import run_erasures
from serving.app import create_app
from tests.conftest import Env

URL = "/api/v1/admin/erasures"


@pytest.fixture
def api(env: Env) -> TestClient:
    env.store.add_site("ST-OTHER", ["other.example"])
    with TestClient(create_app(env.settings)) as client:
        yield client


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_an_admin_requests_an_erasure_and_reads_it_back_once_done(
    env: Env, api: TestClient
) -> None:
    admin = env.store.create_key("ST-TEST", scopes=("read", "admin"))
    answer = api.post(URL, json={"tracking_id": "ST-TEST", "user_id": "u-7"}, headers=_auth(admin))
    assert answer.status_code == 202, answer.text
    created = answer.json()
    assert created["status"] == "pending" and created["id_kind"] == "user_id"
    assert "u-7" not in answer.text  # the id is never echoed
    erasure_id = created["erasure_id"]
    assert api.get(f"{URL}/{erasure_id}", headers=_auth(admin)).json()["status"] == "pending"

    (done,) = run_erasures(echo=False)  # what the sensor or `strata pipeline` runs

    status = api.get(f"{URL}/{erasure_id}", headers=_auth(admin)).json()
    assert status["status"] == "done" and status["finished_at"] is not None
    assert status["counts"]["client_ids_found"] == 0  # nobody of that id was there
    log = api.get(URL, params={"tracking_id": "ST-TEST"}, headers=_auth(admin)).json()
    assert [e["erasure_id"] for e in log] == [erasure_id]
    (kept,) = ErasureStore(env.store.engine).log("ST-TEST")
    assert kept.target is None and kept.matches("u-7") and done.erasure_id == erasure_id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tracking_id": "ST-TEST"}, "client_id or user_id"),
        ({"tracking_id": "ST-TEST", "client_id": "a", "user_id": "b"}, "client_id or user_id"),
        ({"tracking_id": "ST-TEST", "client_id": ""}, "client_id"),
        ({"client_id": "a"}, "tracking_id"),
        ({"tracking_id": "ST-TEST", "client_id": "a", "extra": 1}, "extra"),
    ],
)
def test_bad_bodies_are_400s_naming_the_field(
    env: Env, api: TestClient, body: dict, field: str
) -> None:
    admin = env.store.create_key("ST-TEST", scopes=("admin",))
    answer = api.post(URL, json=body, headers=_auth(admin))
    assert answer.status_code == 400 and field in answer.text, answer.text


def test_keys_without_admin_on_the_site_are_refused(env: Env, api: TestClient) -> None:
    body = {"tracking_id": "ST-TEST", "client_id": "c-1"}
    reader = env.store.create_key("ST-TEST", scopes=("read", "write"))
    other_admin = env.store.create_key("ST-OTHER", scopes=("admin",))
    assert api.post(URL, json=body).status_code == 401
    assert api.post(URL, json=body, headers=_auth(reader)).status_code == 403
    assert api.post(URL, json=body, headers=_auth(other_admin)).status_code == 403
    admin = env.store.create_key("ST-TEST", scopes=("admin",))
    erasure_id = api.post(URL, json=body, headers=_auth(admin)).json()["erasure_id"]
    assert api.get(f"{URL}/{erasure_id}", headers=_auth(other_admin)).status_code == 403
    assert api.get(f"{URL}/{erasure_id}", headers=_auth(reader)).status_code == 403
    assert api.get(f"{URL}/erasure_nope", headers=_auth(admin)).status_code == 404
    unknown = {"tracking_id": "ST-NOPE", "client_id": "x"}
    assert api.post(URL, json=unknown, headers=_auth(admin)).status_code == 403
