"""Saved definitions (goals, funnels, segments) of each site, as JSON bodies.

The query API validates a body before saving it; here it is kept as it came, with an id,
a kind, a name and times, in the same database as sites and keys.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lake.catalog.schema import definitions_table

__all__ = ["DEFINITION_KINDS", "Definition", "DefinitionStore"]

#: What can be saved; an id starts with its kind (``funnel_3f9a…``).
DEFINITION_KINDS = ("goal", "funnel", "segment")


@dataclass(frozen=True)
class Definition:
    """One saved definition."""

    definition_id: str
    kind: str
    tracking_id: str
    name: str
    body: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _definition(row: Any) -> Definition:
    return Definition(
        row["definition_id"],
        row["kind"],
        row["tracking_id"],
        row["name"],
        json.loads(row["body"]),
        _aware(row["created_at"]),
        _aware(row["updated_at"]),
    )


class DefinitionStore:
    """Create, list, read, replace and delete definitions (``engine``: the metadata
    database, already migrated by :class:`lake.catalog.MetadataStore`)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def create(self, kind: str, tracking_id: str, name: str, body: dict[str, Any]) -> Definition:
        """Save a new definition; its id is ``<kind>_`` and 16 random hex digits."""
        if kind not in DEFINITION_KINDS:
            raise ValueError(f"unknown definition kind {kind!r}")
        now = dt.datetime.now(dt.UTC)
        row = {
            "definition_id": f"{kind}_{secrets.token_hex(8)}",
            "kind": kind,
            "tracking_id": tracking_id,
            "name": name,
            "body": json.dumps(body, default=str),
            "created_at": now,
            "updated_at": now,
        }
        with self.engine.begin() as conn:
            conn.execute(definitions_table.insert(), row)
        return _definition(row)

    def _select(self, *where: sa.ColumnElement[bool]) -> list[Definition]:
        table = definitions_table
        query = sa.select(table).where(*where).order_by(table.c.created_at, table.c.definition_id)
        with self.engine.connect() as conn:
            return [_definition(r) for r in conn.execute(query).mappings().all()]

    def get(self, kind: str, definition_id: str) -> Definition | None:
        """The definition of ``kind`` with this id, or None."""
        table = definitions_table
        found = self._select(table.c.definition_id == definition_id, table.c.kind == kind)
        return found[0] if found else None

    def list(self, kind: str, tracking_ids: list[str]) -> list[Definition]:
        """Definitions of ``kind`` for these sites, oldest first."""
        table = definitions_table
        return self._select(table.c.kind == kind, table.c.tracking_id.in_(tracking_ids))

    def replace(self, definition_id: str, name: str, body: dict[str, Any]) -> Definition | None:
        """Replace a definition's name and body; None when it does not exist."""
        table = definitions_table
        with self.engine.begin() as conn:
            done = conn.execute(
                table.update()
                .where(table.c.definition_id == definition_id)
                .values(
                    name=name,
                    body=json.dumps(body, default=str),
                    updated_at=dt.datetime.now(dt.UTC),
                )
            )
        if not done.rowcount:
            return None
        return self.get(definition_id.split("_", 1)[0], definition_id)

    def delete(self, definition_id: str) -> bool:
        """Delete a definition; False when it does not exist."""
        with self.engine.begin() as conn:
            done = conn.execute(
                definitions_table.delete().where(definitions_table.c.definition_id == definition_id)
            )
        return done.rowcount > 0
