"""API keys with scopes, several sites, expiry and revocation; the metadata schema is
migrated by Alembic, also from a database the previous release made."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from lake.catalog import HEAD, MetadataStore, SiteError
from tests.conftest import make_env


def test_a_database_of_the_previous_release_is_upgraded_and_its_keys_keep_working(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    old_key = "sk_from_the_previous_release"
    with engine.begin() as conn:  # exactly what the release before migrations created
        conn.execute(
            sa.text(
                "CREATE TABLE sites (tracking_id VARCHAR(64) PRIMARY KEY, domains TEXT NOT NULL,"
                " timezone VARCHAR(64) NOT NULL, rate_limit_eps INTEGER, store_raw_ip BOOLEAN"
                " NOT NULL DEFAULT FALSE, session_timeout_minutes INTEGER,"
                " allowed_lateness_hours FLOAT, created_at DATETIME NOT NULL)"
            )
        )
        conn.execute(
            sa.text(
                "CREATE TABLE api_keys (key_hash VARCHAR(64) PRIMARY KEY, tracking_id"
                " VARCHAR(64) NOT NULL REFERENCES sites (tracking_id), created_at DATETIME"
                " NOT NULL)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO sites (tracking_id, domains, timezone, rate_limit_eps, created_at)"
                " VALUES ('ST-OLD', 'old.example', 'Europe/Paris', 25, '2026-01-01 00:00:00')"
            )
        )
        digest = hashlib.sha256(old_key.encode()).hexdigest()
        conn.execute(
            sa.text(f"INSERT INTO api_keys VALUES ('{digest}', 'ST-OLD', '2026-01-01 00:00:00')")
        )
    store = MetadataStore(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    site = store.sites()["ST-OLD"]
    assert (site.timezone, site.rate_limit_eps) == ("Europe/Paris", 25)
    key = store.key(old_key)
    assert key is not None and (key.sites, key.scopes) == (("ST-OLD",), ("read",))
    assert key.key_id == digest[:12]
    MetadataStore(url)  # opening it again changes nothing
    assert store.key(old_key) == key


def test_scopes_sites_expiry_and_revocation(tmp_path: Path) -> None:
    store = MetadataStore(f"sqlite:///{tmp_path / 'm.db'}")
    store.add_site("ST-A", ["a.example"])
    store.add_site("ST-B", ["b.example"])
    both = store.create_key(["ST-A", "ST-B"], scopes=("admin", "read"), name="ops")
    found = store.key(both)
    assert found is not None and found.sites == ("ST-A", "ST-B")
    assert found.scopes == ("read", "admin") and found.name == "ops"
    soon = store.create_key("ST-A", expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    gone = store.create_key("ST-A", expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    assert store.key(soon) is not None and store.key(gone) is None
    assert store.revoke_key(found.key_id) and store.key(both) is None
    assert not store.revoke_key(found.key_id)  # once
    listed = store.list_keys()
    assert len(listed) == 3 and listed[0].key_id == found.key_id and listed[0].revoked_at
    with pytest.raises(SiteError, match="unknown site 'ST-C'"):
        store.create_key(["ST-A", "ST-C"])
    with pytest.raises(SiteError, match="unknown scope"):
        store.create_key("ST-A", scopes=("delete",))


def test_the_api_checks_keys_sites_scopes_expiry_and_revocation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from serving.app import create_app

    env = make_env(tmp_path, monkeypatch)
    env.store.add_site("ST-OTHER", ["other.example"])
    other = env.store.create_key("ST-OTHER")
    admin = env.store.create_key(["ST-TEST", "ST-OTHER"], scopes=("read", "admin"))
    expired = env.store.create_key(
        "ST-TEST", expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    )
    revoked = env.store.create_key("ST-TEST")
    revoked_info = env.store.key(revoked)
    assert revoked_info is not None
    env.store.revoke_key(revoked_info.key_id)
    body = {"tracking_id": "ST-TEST", "metrics": ["pageviews"]}

    def post(key: str | None, payload: dict = body) -> int:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return api.post("/api/v1/query", json=payload, headers=headers).status_code

    def keys(key: str, site: str = "ST-TEST") -> tuple[int, object]:
        answer = api.get(
            "/api/v1/keys", params={"tracking_id": site}, headers={"Authorization": f"Bearer {key}"}
        )
        return answer.status_code, answer.json()

    with TestClient(create_app(env.settings)) as api:
        assert post(None) == 401
        assert post("sk_unknown") == 401
        assert post(other) == 403
        assert post(expired) == 401
        assert post(revoked) == 401
        assert post(env.key) == 200
        assert post(admin) == 200 and post(admin, {**body, "tracking_id": "ST-OTHER"}) == 200
        assert keys(env.key)[0] == 403  # a read key on an admin route
        status, listed = keys(admin)
        assert status == 200 and isinstance(listed, list)
        assert {k["scopes"][-1] for k in listed} == {"read", "admin"}
        assert all("ST-TEST" in k["sites"] for k in listed) and len(listed) == 4
        assert keys(admin, "ST-NOPE")[0] == 403
