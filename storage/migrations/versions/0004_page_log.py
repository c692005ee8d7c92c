"""the recent-paging log: flood control counts pages per person from it

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:00:00

Hand-written. The table is defined in storage/tables.py (PageLogRow).
"""

from alembic import op
import sqlalchemy as sa
import storage.tables


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("who", sa.String(length=300), nullable=False),
        sa.Column("at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("incident_id", sa.String(length=32), nullable=False),
        sa.Column("tag", sa.String(length=96), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("page_log", schema=None) as batch_op:
        batch_op.create_index("ix_page_log_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("page_log", schema=None) as batch_op:
        batch_op.drop_index("ix_page_log_at")
    op.drop_table("page_log")
