"""Per-site retention: days raw events and aggregates are kept (None: the defaults).

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Two nullable columns on ``sites``."""
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("raw_retention_days", sa.Integer, nullable=True))
        batch.add_column(sa.Column("aggregate_retention_days", sa.Integer, nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("aggregate_retention_days")
        batch.drop_column("raw_retention_days")
