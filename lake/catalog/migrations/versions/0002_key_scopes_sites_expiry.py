"""API keys with scopes, several sites, an optional expiry, a name, and revocation.

Existing keys keep working: each becomes a ``read`` key of its one site.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the key columns and the key -> sites table; copy each key's site into it."""
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("key_id", sa.String(16), nullable=True))
        batch.add_column(sa.Column("name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("scopes", sa.String(64), nullable=False, server_default="read"))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE api_keys SET key_id = substr(key_hash, 1, 12)")
    op.create_table(
        "api_key_sites",
        sa.Column("key_hash", sa.String(64), sa.ForeignKey("api_keys.key_hash"), primary_key=True),
        sa.Column(
            "tracking_id", sa.String(64), sa.ForeignKey("sites.tracking_id"), primary_key=True
        ),
    )
    op.execute(
        "INSERT INTO api_key_sites (key_hash, tracking_id) "
        "SELECT key_hash, tracking_id FROM api_keys"
    )


def downgrade() -> None:
    """Back to single-site read keys (scopes, expiry and extra sites are dropped)."""
    op.drop_table("api_key_sites")
    with op.batch_alter_table("api_keys") as batch:
        for column in ("revoked_at", "expires_at", "scopes", "name", "key_id"):
            batch.drop_column(column)
