"""Sites and single-site API keys: the schema before migrations were managed.

Idempotent, so a database made by an earlier release (tables created directly, some
columns added later) is brought to this revision as well as an empty one.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SITE_COLUMNS: dict[str, sa.types.TypeEngine] = {
    "rate_limit_eps": sa.Integer(),
    "store_raw_ip": sa.Boolean(),
    "session_timeout_minutes": sa.Integer(),
    "allowed_lateness_hours": sa.Float(),
}


def upgrade() -> None:
    """Create the tables if missing; add the site columns older releases lack."""
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    if "sites" not in tables:
        op.create_table(
            "sites",
            sa.Column("tracking_id", sa.String(64), primary_key=True),
            sa.Column("domains", sa.Text, nullable=False),
            sa.Column("timezone", sa.String(64), nullable=False),
            sa.Column("rate_limit_eps", sa.Integer, nullable=True),
            sa.Column("store_raw_ip", sa.Boolean, nullable=False, server_default=sa.false()),
            sa.Column("session_timeout_minutes", sa.Integer, nullable=True),
            sa.Column("allowed_lateness_hours", sa.Float, nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        )
    else:
        have = {c["name"] for c in inspector.get_columns("sites")}
        with op.batch_alter_table("sites") as batch:
            for name, kind in _SITE_COLUMNS.items():
                if name not in have:
                    default = sa.false() if name == "store_raw_ip" else None
                    batch.add_column(
                        sa.Column(name, kind, nullable=default is None, server_default=default)
                    )
    if "api_keys" not in tables:
        op.create_table(
            "api_keys",
            sa.Column("key_hash", sa.String(64), primary_key=True),
            sa.Column(
                "tracking_id", sa.String(64), sa.ForeignKey("sites.tracking_id"), nullable=False
            ),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        )


def downgrade() -> None:
    """Nothing before this revision."""
