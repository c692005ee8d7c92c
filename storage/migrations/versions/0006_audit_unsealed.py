"""the ledger sealed after commit: chain heads waiting to be sealed into the ledger

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00

Hand-written. The table is defined in storage/tables.py (AuditUnsealed); see storage/ledger.py.
"""

from alembic import op
import sqlalchemy as sa
import storage.tables


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_unsealed",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("stream", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entry", sa.String(length=64), nullable=False),
        sa.Column("at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("audit_unsealed")
