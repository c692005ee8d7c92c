"""The audit trail: one keyed hash chain per incident (its head kept on the incident), a ledger over
all incidents (a global keyed chain, one row per saved change), and signed checkpoints to keep
outside the database.

Keyed means HMAC-SHA256 with MYNALEAK_AUDIT_KEY, a secret that is never stored in the database: who
can write to the database but does not hold the key cannot recompute a chain after changing it.
Every entry also covers a digest of the incident's stored row after it, so the row cannot be edited
behind the trail's back, and the ids of the timer and outbox rows its event created. Entries written
before migration 0003 are plain SHA-256 (``alg = "sha256"``); they are protected only through the
first keyed entry that links to them.

Pure functions over rows: the store writes, ``bot.commands.audit`` reads and prints.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

GENESIS = "0" * 64
KEYED, LEGACY = "hmac-sha256", "sha256"
# The key used when MYNALEAK_AUDIT_KEY is not set (the playground, tests): public, so it protects
# nothing; the command line and start-up say so, and Slack or Teams refuse to start with it.
DEV_KEY = hashlib.sha256(b"mynaleak DEVELOPMENT audit key - public, not a secret - playground and tests only").digest()
CHECKPOINT_FORMAT = "mynaleak-audit-checkpoint/1"
# An incident's new chain head is sealed into the ledger right after its commit (storage.ledger); one
# still queued for longer than this is reported (the bot was stopped before sealing, or cannot write).
SEAL_GRACE = timedelta(minutes=1)


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _mac(key: bytes, domain: str, body: Mapping[str, Any]) -> str:
    return hmac.new(key, domain.encode() + b"\n" + canonical(body), hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A public fingerprint of a key (to tell "made with another key" from "tampered")."""
    return _mac(key, "key-id", {})[:16]


def entry_hash(stream: str, seq: int, at: datetime, actor: str, action: str, detail: Any, prev: str) -> str:
    """A legacy (before 0003), unkeyed entry's hash."""
    body = {"stream": stream, "seq": seq, "at": at.isoformat(), "actor": actor, "action": action, "detail": detail, "prev": prev}
    return hashlib.sha256(canonical(body)).hexdigest()


def entry_mac(key: bytes, stream: str, seq: int, at: datetime, actor: str, action: str, detail: Any, prev: str, state: str) -> str:
    body = {"stream": stream, "seq": seq, "at": at.isoformat(), "actor": actor, "action": action, "detail": detail, "prev": prev,
            "state": state}  # fmt: skip
    return _mac(key, "entry", body)


def ledger_mac(key: bytes, gseq: int, stream: str, seq: int, entry: str, at: datetime, prev: str) -> str:
    return _mac(key, "ledger", {"gseq": gseq, "stream": stream, "seq": seq, "entry": entry, "at": at.isoformat(), "prev": prev})


class Encoded(str):
    """A JSON document encoded already (``canonical``): the JSON column stores it as it is
    (``storage.store.make_engine``'s serializer) instead of encoding the value again."""

    __slots__ = ()


def state_digest(row: Mapping[str, Any], data: Encoded | None = None) -> str:
    """The digest of an incident's stored state: the columns the bot acts on (not the version, not the
    chain head, which the trail itself checks). ``data``: ``row["data"]`` encoded already with
    :func:`canonical` — spliced in, it gives the same bytes as encoding the whole body."""
    created = row["created_at"]
    body = {"id": row["id"], "platform": row["platform"], "status": row["status"], "drill": bool(row["drill"]),
            "created_at": created.isoformat() if isinstance(created, datetime) else str(created)}  # fmt: skip
    if data is None:
        return hashlib.sha256(canonical(body | {"data": row["data"]})).hexdigest()
    # keys sorted: created_at < data < drill < id < platform < status
    head = canonical({"created_at": body.pop("created_at")})
    return hashlib.sha256(head[:-1] + b',"data":' + data.encode() + b"," + canonical(body)[1:]).hexdigest()


@dataclass(frozen=True)
class Problem:
    """One finding; ``code`` names a catalogue message ``cli.audit.<code>`` formatted with ``fields``."""

    stream: str  # an incident id, "ledger" or "checkpoint"
    seq: int
    code: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stored:
    """What the database says about one incident: its chain head and count, and its state's digest."""

    head: str
    count: int
    state: str = ""


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    entries: int = 0
    legacy: int = 0
    incidents: int = 0
    ledger_seq: int = 0
    ledger_head: str = GENESIS


def verify_chain(
    stream: str, rows: list[dict[str, Any]], head: str, count: int, key: bytes = DEV_KEY, state: str | None = None
) -> list[Problem]:
    """Check one incident's chain: every MAC (hash, for legacy entries) recomputes, links are unbroken,
    no unkeyed entry follows a keyed one, the head matches, and — given ``state``, the digest of the
    stored row — the latest entry covers the incident's current state."""
    problems: list[Problem] = []
    prev, expected_seq, keyed = GENESIS, 1, False
    for r in rows:
        if r["seq"] != expected_seq:
            problems.append(Problem(stream, r["seq"], "gap", {"expected": expected_seq}))
        if r["prev_hash"] != prev:
            problems.append(Problem(stream, r["seq"], "link"))
        if (r.get("alg") or LEGACY) == LEGACY:
            if keyed:
                problems.append(Problem(stream, r["seq"], "downgraded"))
            again = entry_hash(stream, r["seq"], r["at"], r["actor"], r["action"], r["detail"], r["prev_hash"])
        else:
            keyed = True
            again = entry_mac(key, stream, r["seq"], r["at"], r["actor"], r["action"], r["detail"], r["prev_hash"], r.get("state") or "")
        if not hmac.compare_digest(again, r["hash"]):
            problems.append(Problem(stream, r["seq"], "changed"))
        prev, expected_seq = r["hash"], r["seq"] + 1
    if prev != head or len(rows) != count:
        problems.append(Problem(stream, len(rows), "head", {"recorded": count, "present": len(rows)}))
    if state is not None and rows and (rows[-1].get("alg") or LEGACY) == KEYED and rows[-1].get("state") != state:
        problems.append(Problem(stream, rows[-1]["seq"], "state"))
    return problems


def verify(
    key: bytes,
    rows: list[dict[str, Any]],
    incidents: Mapping[str, Stored],
    ledger: list[dict[str, Any]],
    ledger_head: tuple[int, str],
    timer_ids: set[int],
    outbox_ids: set[int],
    only: str | None = None,
    unsealed: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> Report:
    """Everything the database holds, checked: each incident's chain and state, the rows its entries
    say they created, and the ledger (contiguous, keyed, matching every chain; no incident missing).
    ``unsealed``: the heads still queued for the ledger; an incident whose current head is among them
    is not behind the ledger while the head is younger than :data:`SEAL_GRACE` at ``now``, and is
    reported as unsealed after. ``only``: report on one incident (the ledger is still checked as a whole)."""
    rep = Report(entries=len(rows))
    by_stream: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_stream.setdefault(r["stream"], []).append(r)
        if (r.get("alg") or LEGACY) == LEGACY:
            rep.legacy += 1
            continue
        created = (r["detail"] or {}).get("created") if isinstance(r["detail"], dict) else None
        for kind, known in (("timers", timer_ids), ("outbox", outbox_ids)):
            for row_id in (created or {}).get(kind, []):
                if row_id not in known:
                    rep.problems.append(Problem(r["stream"], r["seq"], f"missing_{kind}", {"id": row_id}))
    streams = sorted(set(incidents) | set(by_stream))
    for s in streams:
        got = incidents.get(s)
        if got is None:
            rep.problems.append(Problem(s, 0, "orphan_entries"))
            continue
        rep.problems += verify_chain(s, by_stream.get(s, []), got.head, got.count, key, got.state)
    rep.incidents = len(streams)
    rep.problems += _verify_ledger(key, by_stream, incidents, ledger, ledger_head, rep)
    rep.problems = _allow_queued(rep.problems, by_stream, incidents, unsealed or [], now)
    if only:
        rep.problems = [p for p in rep.problems if p.stream in (only, "ledger")]
        rep.entries, rep.incidents = len(by_stream.get(only, [])), 1
    return rep


def _verify_ledger(
    key: bytes,
    by_stream: dict[str, list[dict[str, Any]]],
    incidents: Mapping[str, Stored],
    ledger: list[dict[str, Any]],
    head: tuple[int, str],
    rep: Report,
) -> list[Problem]:
    problems: list[Problem] = []
    hashes = {(r["stream"], r["seq"]): r["hash"] for rs in by_stream.values() for r in rs}
    prev, expected, last = GENESIS, 1, {}
    for g in ledger:
        n = g["gseq"]
        if n != expected:
            problems.append(Problem("ledger", n, "ledger_gap", {"expected": expected}))
        if g["prev"] != prev:
            problems.append(Problem("ledger", n, "link"))
        if not hmac.compare_digest(ledger_mac(key, n, g["stream"], g["seq"], g["entry"], g["at"], g["prev"]), g["mac"]):
            problems.append(Problem("ledger", n, "changed"))
        if g["stream"] in incidents and hashes.get((g["stream"], g["seq"])) != g["entry"]:
            problems.append(Problem(g["stream"], g["seq"], "ledger_entry", {"gseq": n}))
        last[g["stream"]] = g
        prev, expected = g["mac"], n + 1
    rep.ledger_seq, rep.ledger_head = expected - 1, prev
    if (expected - 1, prev) != tuple(head):
        problems.append(Problem("ledger", head[0], "ledger_head", {"recorded": head[0], "present": expected - 1}))
    for s, g in sorted(last.items()):
        got = incidents.get(s)
        if got is None:
            problems.append(Problem(s, g["seq"], "vanished", {"gseq": g["gseq"]}))
        elif (got.count, got.head) != (g["seq"], g["entry"]):
            problems.append(Problem(s, got.count, "ledger_behind", {"gseq": g["gseq"], "seq": g["seq"]}))
    for s, rs in sorted(by_stream.items()):
        if s not in last and s in incidents and any((r.get("alg") or LEGACY) == KEYED for r in rs):
            problems.append(Problem(s, 0, "not_in_ledger"))
    return problems


def _allow_queued(
    problems: list[Problem],
    by_stream: dict[str, list[dict[str, Any]]],
    incidents: Mapping[str, Stored],
    unsealed: list[dict[str, Any]],
    now: datetime | None,
) -> list[Problem]:
    """An incident behind the ledger whose current head waits in the queue (and matches its chain) is
    being sealed: no problem while young, ``unsealed`` once older than :data:`SEAL_GRACE`."""
    hashes = {(r["stream"], r["seq"]): r["hash"] for rs in by_stream.values() for r in rs}
    queued: dict[str, datetime] = {}  # incident -> when its current head was queued
    for q in unsealed:
        got = incidents.get(q["stream"])
        if got is not None and (q["seq"], q["entry"]) == (got.count, got.head) and hashes.get((q["stream"], q["seq"])) == q["entry"]:
            queued[q["stream"]] = q["at"]
    out = []
    for p in problems:
        at = queued.get(p.stream)
        if p.code not in ("ledger_behind", "not_in_ledger") or at is None:
            out.append(p)
        elif now is not None and now - at > SEAL_GRACE:
            out.append(Problem(p.stream, incidents[p.stream].count, "unsealed", {"seconds": int((now - at).total_seconds())}))
    return out


# ---- checkpoints and posted heads ----------------------------------------------------------------
def make_checkpoint(key: bytes, at: datetime, rep: Report, incidents: Mapping[str, Stored], dev: bool) -> dict[str, Any]:
    body = {
        "format": CHECKPOINT_FORMAT,
        "at": at.isoformat(),
        "ledger": {"seq": rep.ledger_seq, "head": rep.ledger_head},
        "entries": rep.entries,
        "incidents": {s: v.count for s, v in sorted(incidents.items())},
        "key_id": key_id(key),
        "development_key": dev,
    }
    return {**body, "mac": _mac(key, "checkpoint", body)}


def check_checkpoint(key: bytes, cp: Mapping[str, Any], ledger: list[dict[str, Any]], incidents: Mapping[str, Stored]) -> list[Problem]:
    """Nothing before the checkpoint changed: its ledger row is still there with the same MAC (which
    chains over every earlier row, and through them every entry), and every incident it lists still
    exists with at least as many entries."""
    body = {k: v for k, v in cp.items() if k != "mac"}
    if cp.get("format") != CHECKPOINT_FORMAT or not isinstance(cp.get("mac"), str):
        return [Problem("checkpoint", 0, "cp_format")]
    if cp.get("key_id") != key_id(key):
        return [Problem("checkpoint", 0, "cp_key")]
    if not hmac.compare_digest(_mac(key, "checkpoint", body), cp["mac"]):
        return [Problem("checkpoint", 0, "cp_forged")]
    try:
        return _check_checkpoint(cp, ledger, incidents)
    except (KeyError, TypeError, ValueError, AttributeError):
        return [Problem("checkpoint", 0, "cp_format")]


def _check_checkpoint(cp: Mapping[str, Any], ledger: list[dict[str, Any]], incidents: Mapping[str, Stored]) -> list[Problem]:
    problems = []
    n, want = int(cp["ledger"]["seq"]), cp["ledger"]["head"]
    row = next((g for g in ledger if g["gseq"] == n), None)
    if n and (row is None or row["mac"] != want):
        problems.append(Problem("checkpoint", n, "cp_ledger", {"at": cp["at"]}))
    for s, count in sorted(cp["incidents"].items()):
        got = incidents.get(s)
        if got is None:
            problems.append(Problem(s, int(count), "cp_vanished", {"at": cp["at"]}))
        elif got.count < int(count):
            problems.append(Problem(s, got.count, "cp_shorter", {"at": cp["at"], "count": count}))
    return problems


def check_head(text: str, ledger: list[dict[str, Any]]) -> list[Problem]:
    """A head copied from elsewhere (the chat): ``N:HEX`` or ``HEX`` (at least 16 hex digits) must
    still be a row of the ledger."""
    n_text, _, hex_text = text.strip().rpartition(":")
    hex_text = hex_text.strip().lstrip("#").lower()
    n = int(n_text.strip().lstrip("#")) if n_text.strip().lstrip("#").isdigit() else None
    if len(hex_text) < 16 or any(c not in "0123456789abcdef" for c in hex_text):
        return [Problem("checkpoint", n or 0, "head_format")]
    if any(g["mac"].startswith(hex_text) and (n is None or g["gseq"] == n) for g in ledger):
        return []
    return [Problem("ledger", n or 0, "head_missing", {"head": hex_text[:16]})]
