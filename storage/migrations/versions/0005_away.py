"""away periods set by command (/mynaleak away): who is away when, and their deputy

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:30:00

Hand-written. The table is defined in storage/tables.py (AwayRow).
"""

from alembic import op
import sqlalchemy as sa
import storage.tables


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "away",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("starts_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deputy", sa.String(length=64), nullable=False),
        sa.Column("set_by", sa.String(length=300), nullable=False),
        sa.Column("created_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("away", schema=None) as batch_op:
        batch_op.create_index("ix_away_ends_at", ["ends_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("away", schema=None) as batch_op:
        batch_op.drop_index("ix_away_ends_at")
    op.drop_table("away")
