"""Saved definitions of the query API: goals, funnels and segments, one row each.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The ``definitions`` table: a definition's kind, site, name and JSON body."""
    op.create_table(
        "definitions",
        sa.Column("definition_id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("tracking_id", sa.String(64), sa.ForeignKey("sites.tracking_id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_definitions_site_kind", "definitions", ["tracking_id", "kind"])


def downgrade() -> None:
    """Drop the saved definitions."""
    op.drop_index("ix_definitions_site_kind", table_name="definitions")
    op.drop_table("definitions")
