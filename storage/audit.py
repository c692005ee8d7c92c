"""The append-only, hash-chained audit trail: one chain per incident, its head kept on the incident."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def entry_hash(stream: str, seq: int, at: datetime, actor: str, action: str, detail: Any, prev: str) -> str:
    body = json.dumps(
        {"stream": stream, "seq": seq, "at": at.isoformat(), "actor": actor, "action": action, "detail": detail, "prev": prev},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Problem:
    stream: str
    seq: int
    what: str


def verify_chain(stream: str, rows: list[dict[str, Any]], head: str, count: int) -> list[Problem]:
    """Check one incident's chain: every hash recomputes, links are unbroken, the head matches."""
    problems: list[Problem] = []
    prev, expected_seq = GENESIS, 1
    for r in rows:
        if r["seq"] != expected_seq:
            problems.append(Problem(stream, r["seq"], f"sequence gap: expected {expected_seq}"))
        if r["prev_hash"] != prev:
            problems.append(Problem(stream, r["seq"], "link broken: prev_hash does not match the previous entry"))
        again = entry_hash(stream, r["seq"], r["at"], r["actor"], r["action"], r["detail"], r["prev_hash"])
        if again != r["hash"]:
            problems.append(Problem(stream, r["seq"], "content changed: hash does not match"))
        prev, expected_seq = r["hash"], r["seq"] + 1
    if prev != head or len(rows) != count:
        problems.append(Problem(stream, len(rows), f"head mismatch: {count} entries recorded, {len(rows)} present"))
    return problems
