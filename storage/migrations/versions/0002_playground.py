"""the playground's chat log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 14:00:00

Hand-written (no autogenerate): the table is defined in storage/playground_store.py.
"""

from alembic import op
import sqlalchemy as sa
import storage.tables


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "playground_message",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("place", sa.String(length=160), nullable=False),
        sa.Column("thread", sa.String(length=32), nullable=True),
        sa.Column("audience", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("playground_message", schema=None) as batch_op:
        batch_op.create_index("uq_playground_message_key", ["key"], unique=True)
        batch_op.create_index("ix_playground_message_place", ["place", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("playground_message", schema=None) as batch_op:
        batch_op.drop_index("ix_playground_message_place")
        batch_op.drop_index("uq_playground_message_key")
    op.drop_table("playground_message")
