"""SQLModel tables. Times are stored as UTC (timezone-aware on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, Table, Text, TypeDecorator, text
from sqlmodel import Field, SQLModel

metadata = SQLModel.metadata
_BIGINT = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER only


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (naive UTC text) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class IncidentRow(SQLModel, table=True):
    __tablename__ = "incident"
    id: str = Field(primary_key=True, max_length=32)
    platform: str = Field(max_length=16)
    status: str = Field(max_length=16, index=True)
    drill: bool = False
    created_at: datetime = _ts()
    data: dict = Field(sa_column=Column(JSON, nullable=False))
    audit_head: str = Field(default="", max_length=64)
    audit_seq: int = 0
    version: int = 1


class IncidentSeq(SQLModel, table=True):
    __tablename__ = "incident_seq"
    scope: str = Field(primary_key=True, max_length=16)  # "2026" or "DRILL-2026"
    last: int = 0


class TimerRow(SQLModel, table=True):
    __tablename__ = "timer"
    __table_args__ = (
        Index(
            "uq_timer_pending",
            "incident_id",
            "kind",
            "key",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_timer_due", "status", "due_at"),
    )
    id: int | None = Field(default=None, sa_column=Column(_BIGINT, primary_key=True, autoincrement=True))
    incident_id: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    key: str = Field(max_length=64)
    due_at: datetime = _ts()
    status: str = Field(default="pending", max_length=16)  # pending | running | done | cancelled
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = _ts(True)
    attempts: int = 0
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_ready", "status", "next_attempt_at"), Index("ix_outbox_tag", "incident_id", "tag"))
    id: int | None = Field(default=None, sa_column=Column(_BIGINT, primary_key=True, autoincrement=True))
    idem_key: str = Field(max_length=128, unique=True)
    incident_id: str | None = Field(default=None, max_length=32)
    platform: str = Field(max_length=16)
    kind: str = Field(max_length=16)  # notify | post | update | reply | form
    tag: str = Field(default="", max_length=96)
    payload: dict = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)  # pending | sending | sent | failed | cancelled | skipped
    attempts: int = 0
    next_attempt_at: datetime = _ts()
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = _ts(True)
    result_ref: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts(True)


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (Index("uq_audit_stream_seq", "stream", "seq", unique=True),)
    id: int | None = Field(default=None, sa_column=Column(_BIGINT, primary_key=True, autoincrement=True))
    stream: str = Field(max_length=32)  # the incident id
    seq: int
    at: datetime = _ts()
    actor: str = Field(max_length=256)
    action: str = Field(max_length=64)
    detail: dict = Field(sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)  # HMAC-SHA256 (alg "hmac-sha256") or, before 0003, plain SHA-256
    alg: str = Field(default="hmac-sha256", max_length=16)
    state: str = Field(default="", max_length=64)  # digest of the incident's stored row after this entry


class AuditLedger(SQLModel, table=True):
    """One row per saved incident change, over all incidents: a global, keyed hash chain."""

    __tablename__ = "audit_ledger"
    __table_args__ = (Index("ix_audit_ledger_stream", "stream", "seq"),)
    gseq: int = Field(sa_column=Column(_BIGINT, primary_key=True, autoincrement=False))
    stream: str = Field(max_length=32)  # the incident id
    seq: int  # the incident's audit_seq after the change
    entry: str = Field(max_length=64)  # the incident's chain head after the change
    at: datetime = _ts()
    prev: str = Field(max_length=64)
    mac: str = Field(max_length=64)


class AuditLedgerHead(SQLModel, table=True):
    """The ledger's head: one row (id 1), locked by the sealer (one at a time) for its short transaction."""

    __tablename__ = "audit_ledger_head"
    id: int = Field(primary_key=True)
    seq: int = 0
    mac: str = Field(max_length=64)


class AuditUnsealed(SQLModel, table=True):
    """An incident's new chain head waiting for the ledger: written in the event's own transaction,
    moved into the ledger by the sealer right after commit (``storage.ledger``), so no event
    transaction waits for the ledger's head row."""

    __tablename__ = "audit_unsealed"
    id: int | None = Field(default=None, sa_column=Column(_BIGINT, primary_key=True, autoincrement=True))
    stream: str = Field(max_length=32)  # the incident id
    seq: int  # the incident's audit_seq after the change
    entry: str = Field(max_length=64)  # the incident's chain head after the change
    at: datetime = _ts()


class ConversationRef(SQLModel, table=True):
    __tablename__ = "conversation_ref"
    platform: str = Field(primary_key=True, max_length=16)
    key: str = Field(primary_key=True, max_length=256)
    ref: dict = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _ts()


class PageLogRow(SQLModel, table=True):
    """The recent-paging log flood control reads (``bot.core.model.PageMark``, ``flows.coalesce``):
    reports, pages, digests, folded pages and burst notes. Rows older than a day are pruned."""

    __tablename__ = "page_log"
    __table_args__ = (Index("ix_page_log_at", "at"),)
    id: int | None = Field(default=None, sa_column=Column(_BIGINT, primary_key=True, autoincrement=True))
    kind: str = Field(max_length=16)  # report | page | digest | fold | burst
    who: str = Field(max_length=300)  # platform:key of the person (reporter, channel)
    at: datetime = _ts()
    incident_id: str = Field(max_length=32)
    tag: str = Field(default="", max_length=96)
    name: str = Field(default="", max_length=256)


class AwayRow(SQLModel, table=True):
    """An away period set by ``/mynaleak away`` (``bot.core.away.Away``): while it lasts, the person's
    pages go to the deputy, or the person is skipped. Rows whose end passed a while ago are pruned."""

    __tablename__ = "away"
    __table_args__ = (Index("ix_away_ends_at", "ends_at"),)
    id: int | None = Field(default=None, sa_column=Column(_BIGINT, primary_key=True, autoincrement=True))
    person: str = Field(max_length=64)  # handle in the organisation file
    starts_at: datetime = _ts()
    ends_at: datetime = _ts()
    deputy: str = Field(default="", max_length=64)  # handle; "" = skipped while away
    set_by: str = Field(default="", max_length=300)  # platform:key of who set it
    created_at: datetime = _ts()


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_event"
    key: str = Field(primary_key=True, max_length=256)
    at: datetime = _ts()


def table_of(model: type[SQLModel]) -> Table:
    """The SQLAlchemy table of a table model (SQLModel declares ``__table__`` only at run time)."""
    table = getattr(model, "__table__", None)
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table
