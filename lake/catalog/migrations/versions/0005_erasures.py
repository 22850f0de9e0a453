"""Erasure requests and their audit log.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """One table: a request while it runs (with the id it erases), then its audit record
    (a salted hash of the id, never the id)."""
    op.create_table(
        "erasures",
        sa.Column("erasure_id", sa.String(40), primary_key=True),
        sa.Column("tracking_id", sa.String(64), nullable=False),
        sa.Column("id_kind", sa.String(16), nullable=False),
        sa.Column("id_salt", sa.String(32), nullable=False),
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("target", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", sa.Text, nullable=False, server_default="{}"),
        sa.Column("days", sa.Text, nullable=False, server_default="[]"),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("erasures_status", "erasures", ["status"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("erasures_status", "erasures")
    op.drop_table("erasures")
