"""`mynaleak audit verify | export [INCIDENT]`: the per-incident hash chains, checked or printed."""

from __future__ import annotations

import json

from bot.commands.common import say
from bot.core.config import Settings
from storage.audit import verify_chain
from storage.store import Store, Tx


async def audit(settings: Settings, action: str, incident: str | None) -> int:
    """`mynaleak audit verify|export [INCIDENT]`: check every hash chain, or print the entries."""
    store = Store.open(settings.database_url)
    try:
        async with store.engine.connect() as conn:
            tx = Tx(conn, store.is_sqlite)
            rows = await tx.audit_rows(incident)
            heads = await tx.audit_heads()
    finally:
        await store.close()
    if action == "export":
        for r in rows:
            r["at"] = r["at"].isoformat()
            print(json.dumps(r, ensure_ascii=False, default=str))
        return 0
    by_stream: dict[str, list[dict]] = {}
    for r in rows:
        by_stream.setdefault(r["stream"], []).append(r)
    problems = []
    streams = [incident] if incident else sorted(set(heads) | set(by_stream))
    for s in streams:
        head, count = heads.get(s, ("", 0))
        problems += verify_chain(s, by_stream.get(s, []), head, count)
    if problems:
        for p in problems:
            say("cli.audit_tampered", settings, stream=p.stream, seq=p.seq, what=p.what)
        say("cli.audit_broken", settings, n=len(problems))
        return 1
    say("cli.audit_intact", settings, entries=len(rows), incidents=len(streams))
    return 0
