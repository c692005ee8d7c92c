"""keyed audit trail: entry algorithm and state digest, the ledger over all incidents

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00

Hand-written. Entries written before this revision keep ``alg = 'sha256'`` (plain, unkeyed); every
later entry is HMAC-SHA256 with MYNALEAK_AUDIT_KEY and is also recorded in the ledger.
"""

from alembic import op
import sqlalchemy as sa
import storage.tables


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alg", sa.String(length=16), nullable=False, server_default="sha256"))
        batch_op.add_column(sa.Column("state", sa.String(length=64), nullable=False, server_default=""))
    op.create_table(
        "audit_ledger",
        sa.Column("gseq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("stream", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entry", sa.String(length=64), nullable=False),
        sa.Column("at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("prev", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("gseq"),
    )
    with op.batch_alter_table("audit_ledger", schema=None) as batch_op:
        batch_op.create_index("ix_audit_ledger_stream", ["stream", "seq"], unique=False)
    head = op.create_table(
        "audit_ledger_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "mac": "0" * 64}])


def downgrade() -> None:
    op.drop_table("audit_ledger_head")
    with op.batch_alter_table("audit_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_ledger_stream")
    op.drop_table("audit_ledger")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("state")
        batch_op.drop_column("alg")
