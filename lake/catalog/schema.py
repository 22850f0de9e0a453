"""The metadata database's tables (as of the newest migration) and how it is migrated.

Alembic owns the schema (``lake/catalog/migrations/``): :func:`migrate` brings any
database — empty, made by a release before migrations, or older — to the newest
revision when a store opens it.
"""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

__all__ = [
    "HEAD",
    "api_key_sites_table",
    "api_keys_table",
    "definitions_table",
    "erasures_table",
    "metadata",
    "migrate",
    "sites_table",
]

metadata = sa.MetaData()

sites_table = sa.Table(
    "sites",
    metadata,
    sa.Column("tracking_id", sa.String(64), primary_key=True),
    sa.Column("domains", sa.Text, nullable=False, default=""),
    sa.Column("timezone", sa.String(64), nullable=False, default="UTC"),
    sa.Column("rate_limit_eps", sa.Integer, nullable=True),
    sa.Column("store_raw_ip", sa.Boolean, nullable=False, default=False, server_default="0"),
    sa.Column("session_timeout_minutes", sa.Integer, nullable=True),
    sa.Column("allowed_lateness_hours", sa.Float, nullable=True),
    sa.Column("raw_retention_days", sa.Integer, nullable=True),
    sa.Column("aggregate_retention_days", sa.Integer, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

api_keys_table = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("tracking_id", sa.String(64), sa.ForeignKey("sites.tracking_id"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("key_id", sa.String(16), nullable=True),
    sa.Column("name", sa.String(200), nullable=True),
    sa.Column("scopes", sa.String(64), nullable=False, server_default="read"),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

api_key_sites_table = sa.Table(
    "api_key_sites",
    metadata,
    sa.Column("key_hash", sa.String(64), sa.ForeignKey("api_keys.key_hash"), primary_key=True),
    sa.Column("tracking_id", sa.String(64), sa.ForeignKey("sites.tracking_id"), primary_key=True),
)

definitions_table = sa.Table(
    "definitions",
    metadata,
    sa.Column("definition_id", sa.String(40), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # goal | funnel | segment
    sa.Column("tracking_id", sa.String(64), sa.ForeignKey("sites.tracking_id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the definition as JSON
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

erasures_table = sa.Table(
    "erasures",
    metadata,
    sa.Column("erasure_id", sa.String(40), primary_key=True),
    sa.Column("tracking_id", sa.String(64), nullable=False),
    sa.Column("id_kind", sa.String(16), nullable=False),  # client_id | user_id
    sa.Column("id_salt", sa.String(32), nullable=False),
    sa.Column("id_hash", sa.String(64), nullable=False),  # sha256(salt + kind + ":" + id)
    sa.Column("target", sa.Text, nullable=True),  # JSON of the ids while it runs, then null
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("counts", sa.Text, nullable=False, server_default="{}"),  # JSON: store -> rows
    sa.Column("days", sa.Text, nullable=False, server_default="[]"),  # JSON: days rebuilt
    sa.Column("error", sa.Text, nullable=True),
    sa.Index("erasures_status", "status"),
)

#: The newest revision.
HEAD = "0005"

_SCRIPTS = Path(__file__).with_name("migrations")


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (each step in a transaction).

    Two processes opening a new database at once (the gateway and the API) may race;
    the loser retries once the winner's migration is committed.
    """
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    for attempt in range(5):
        try:
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
            return
        except sa.exc.OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
