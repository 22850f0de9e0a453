"""Erasure requests and the erasure log, in the metadata database.

A request holds the id it erases (``target``) only while it runs; once done, what
stays for audit is the site, the times, the rows removed per store and a salted hash
of the id (``sha256(salt + kind + ":" + id)`` with a random salt of its own), which
proves a given id was erased without keeping it.

Status: ``pending`` (requested) → ``running`` (raw stores being erased) →
``rebuilding`` (the days it touched wait for a refresh) → ``done``; ``failed`` keeps the
error and is retried by the next run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from lake.catalog.schema import erasures_table

__all__ = ["ERASURE_ID_KINDS", "OPEN_STATUSES", "Erasure", "ErasureStore", "id_hash"]

#: What a person is named by.
ERASURE_ID_KINDS = ("client_id", "user_id")

#: Statuses a run still has work for.
OPEN_STATUSES = ("pending", "running", "rebuilding", "failed")


def id_hash(salt: str, kind: str, value: str) -> str:
    """The audit log's hash of an erased id (hex sha256 of salt, kind and id)."""
    return hashlib.sha256(f"{salt}{kind}:{value}".encode()).hexdigest()


@dataclass(frozen=True)
class Erasure:
    """One erasure request and what it removed."""

    erasure_id: str
    tracking_id: str
    id_kind: str
    id_salt: str
    id_hash: str
    target: str | None
    status: str
    requested_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    days: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def value(self) -> str | None:
        """The id erased (None once done: only its hash stays)."""
        return json.loads(self.target)["id"] if self.target else None

    @property
    def client_ids(self) -> list[str]:
        """The client ids found for the person so far (kept only while it runs)."""
        return json.loads(self.target).get("client_ids", []) if self.target else []

    def matches(self, value: str) -> bool:
        """True when this erasure was of ``value`` (an audit question)."""
        return id_hash(self.id_salt, self.id_kind, value) == self.id_hash


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def _erasure(row: Any) -> Erasure:
    return Erasure(
        row["erasure_id"],
        row["tracking_id"],
        row["id_kind"],
        row["id_salt"],
        row["id_hash"],
        row["target"],
        row["status"],
        _aware(row["requested_at"]),  # type: ignore[arg-type]
        _aware(row["started_at"]),
        _aware(row["finished_at"]),
        json.loads(row["counts"]),
        json.loads(row["days"]),
        row["error"],
    )


class ErasureStore:
    """Request, update and list erasures (``engine``: the metadata database, already
    migrated by :class:`lake.catalog.MetadataStore`)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def request(self, tracking_id: str, kind: str, value: str) -> Erasure:
        """Record a pending erasure of the person ``kind`` = ``value`` of a site."""
        if kind not in ERASURE_ID_KINDS:
            raise ValueError(f"id kind must be one of {', '.join(ERASURE_ID_KINDS)}")
        if not value:
            raise ValueError(f"{kind} must not be empty")
        salt, erasure_id = secrets.token_hex(16), f"erasure_{secrets.token_hex(8)}"
        row = {
            "erasure_id": erasure_id,
            "tracking_id": tracking_id,
            "id_kind": kind,
            "id_salt": salt,
            "id_hash": id_hash(salt, kind, value),
            "target": json.dumps({"id": value}),
            "status": "pending",
            "requested_at": dt.datetime.now(dt.UTC),
            "counts": "{}",
            "days": "[]",
        }
        with self.engine.begin() as conn:
            conn.execute(erasures_table.insert().values(**row))
        found = self.get(erasure_id)
        assert found is not None
        return found

    def get(self, erasure_id: str) -> Erasure | None:
        """One erasure, or None."""
        query = sa.select(erasures_table).where(erasures_table.c.erasure_id == erasure_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _erasure(row) if row else None

    def log(self, tracking_id: str | None = None) -> list[Erasure]:
        """Every erasure (of one site, if given), newest first."""
        query = sa.select(erasures_table).order_by(erasures_table.c.requested_at.desc())
        if tracking_id is not None:
            query = query.where(erasures_table.c.tracking_id == tracking_id)
        with self.engine.connect() as conn:
            return [_erasure(r) for r in conn.execute(query).mappings()]

    def open(self) -> list[Erasure]:
        """Erasures a run still has work for, oldest first."""
        query = (
            sa.select(erasures_table)
            .where(erasures_table.c.status.in_(OPEN_STATUSES))
            .order_by(erasures_table.c.requested_at)
        )
        with self.engine.connect() as conn:
            return [_erasure(r) for r in conn.execute(query).mappings()]

    def update(
        self,
        erasure_id: str,
        status: str,
        counts: dict[str, int] | None = None,
        days: list[str] | None = None,
        error: str | None = None,
        client_ids: list[str] | None = None,
    ) -> None:
        """Move an erasure to ``status`` with what it removed so far (and the client ids
        found for the person, kept until done); ``done`` forgets the ids (only the
        salted hash of the one requested stays)."""
        now = dt.datetime.now(dt.UTC)
        values: dict[str, Any] = {"status": status, "error": error}
        if client_ids is not None:
            found = self.get(erasure_id)
            if found is not None and found.value is not None:
                values["target"] = json.dumps({"id": found.value, "client_ids": client_ids})
        if counts is not None:
            values["counts"] = json.dumps(counts, sort_keys=True)
        if days is not None:
            values["days"] = json.dumps(sorted(days))
        if status == "running":
            values["started_at"] = now
        if status == "done":  # the ids and the days of the person's visits are forgotten
            values["finished_at"] = now
            values["target"] = None
            values["days"] = "[]"
        with self.engine.begin() as conn:
            conn.execute(
                erasures_table.update()
                .where(erasures_table.c.erasure_id == erasure_id)
                .values(**values)
            )
