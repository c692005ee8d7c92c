"""`mynaleak audit verify | export | checkpoint [INCIDENT]`: the audit trail checked, printed, or
anchored outside the database (see ``storage.audit``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.commands.common import say
from bot.core.config import Settings
from bot.core.i18n import t
from storage.audit import DEV_KEY, Problem, Stored, check_checkpoint, check_head, make_checkpoint, verify
from storage.store import Store, Tx


@dataclass
class Snapshot:
    rows: list[dict[str, Any]]
    incidents: dict[str, Stored]
    ledger: list[dict[str, Any]]
    ledger_head: tuple[int, str]
    timer_ids: set[int]
    outbox_ids: set[int]
    unsealed: list[dict[str, Any]]


@asynccontextmanager
async def _consistent(store: Store) -> AsyncIterator[Tx]:
    """One snapshot of everything, taken while the bot may be writing (PostgreSQL: REPEATABLE READ;
    SQLite: one transaction)."""
    if store.is_sqlite:
        async with store.tx(urgent=False) as tx:
            yield tx
        return
    async with store.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            yield Tx(conn, False)


async def _read(settings: Settings, stream: str | None = None, entries_only: bool = False) -> Snapshot:
    store = Store.open(settings.database_url)
    try:
        async with _consistent(store) as tx:
            rows = await tx.audit_rows(stream)
            if entries_only:
                return Snapshot(rows, {}, [], (0, ""), set(), set(), [])
            incidents = await tx.audit_incidents()
            unsealed = await tx.unsealed()
            ledger, head = await tx.ledger()
            timers, out = await tx.row_ids()
    finally:
        await store.close()
    return Snapshot(rows, incidents, ledger, head, timers, out, unsealed)


def _print_problems(settings: Settings, problems: list[Problem]) -> None:
    for p in problems:
        say("cli.audit_tampered", settings, stream=p.stream, seq=p.seq, what=t(f"cli.audit.{p.code}", settings.lang, **p.fields))
    say("cli.audit_broken", settings, n=len(problems))


async def audit(
    settings: Settings, action: str, incident: str | None, *, checkpoint: str | None = None, head: str | None = None, out: str | None = None
) -> int:
    """`verify`: every chain, every state, the ledger (and a checkpoint or a posted head, if given);
    `export`: the entries as JSON Lines; `checkpoint`: a signed summary of a verified trail."""
    key = settings.audit_key_bytes or DEV_KEY
    dev = key == DEV_KEY
    if action == "export":
        for r in (await _read(settings, incident, entries_only=True)).rows:
            r["at"] = r["at"].isoformat()
            print(json.dumps(r, ensure_ascii=False, default=str))
        return 0
    cp = None
    if checkpoint:
        try:
            cp = json.loads(Path(checkpoint).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            say("cli.audit_checkpoint_unreadable", settings, err=True, path=checkpoint, error=getattr(exc, "strerror", None) or exc)
            return 2
        if not isinstance(cp, dict):
            cp = {}
    if head and check_head(head, [])[0].code == "head_format":
        say("cli.audit.head_format", settings, err=True)
        return 2
    snap = await _read(settings)
    rep = verify(key, snap.rows, snap.incidents, snap.ledger, snap.ledger_head, snap.timer_ids, snap.outbox_ids, only=incident,
                 unsealed=snap.unsealed, now=datetime.now(UTC))  # fmt: skip
    if dev:
        say("cli.audit_key_dev", settings, err=True)
    if action == "checkpoint":
        if rep.problems:
            _print_problems(settings, rep.problems)
            say("cli.audit_checkpoint_refused", settings, err=True)
            return 1
        made = make_checkpoint(key, datetime.now(UTC), rep, snap.incidents, dev)
        text = json.dumps(made, ensure_ascii=False, indent=2)
        if out:
            Path(out).write_text(text + "\n", encoding="utf-8")
            say("cli.audit_checkpoint_written", settings, path=out, seq=rep.ledger_seq, incidents=len(snap.incidents))
        else:
            print(text)
        return 0
    problems = list(rep.problems)
    if cp is not None:
        problems += check_checkpoint(key, cp, snap.ledger, snap.incidents)
    if head:
        problems += check_head(head, snap.ledger)
    if problems:
        _print_problems(settings, problems)
        return 1
    say("cli.audit_intact", settings, entries=rep.entries, incidents=rep.incidents)
    say("cli.audit_ledger", settings, seq=rep.ledger_seq, head=rep.ledger_head)
    if rep.legacy:
        say("cli.audit_legacy", settings, n=rep.legacy)
    if cp is not None:
        say("cli.audit_checkpoint_ok", settings, at=cp.get("at"), seq=cp.get("ledger", {}).get("seq"))
    if head:
        say("cli.audit_head_ok", settings, head=head)
    return 0
