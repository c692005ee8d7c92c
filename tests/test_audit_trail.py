"""The keyed audit trail against someone who can write to the database (issue 11, item 4): each kind
of tampering is done with plain SQL on a database the real runtime wrote, then found (or, where the
README says so, not found) by `mynaleak audit verify` (``bot.cli.main``, called in this process: see
tests.test_cli.cli); on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update

from bot.witness import Witness
from storage import audit
from storage.store import AUD, INC, LEDGER, LEDGER_HEAD, OUT, TIMER, Store
from tests.conftest import Clock
from tests.flows.helpers import config
from tests.support.harness import Harness
from tests.test_cli import cli

KEY = "test-audit-key-not-for-production-0123"


def env_for(db_url: str, key: str | None = KEY) -> dict[str, str]:
    return {"DATABASE_URL": db_url, **({"MYNALEAK_AUDIT_KEY": key} if key else {})}


async def history(db_url: str, clock: Clock | None = None) -> tuple[str, str]:
    """Two incidents, written by the real runtime with the key: A reported, acknowledged, an item
    ticked; B reported afterwards (so B's records are the ledger's last)."""
    h = Harness(db_url, config(), clock or Clock(), audit_key=KEY.encode())
    a = (await h.report()).incident_id
    await h.press("sato", "ack", a)
    await h.press("sato", "item:done", f"{a}|1.1")
    b = (await h.report("tanaka")).incident_id
    await h.close()
    assert a and b
    return a, b


async def sql(db_url: str, *stmts: Any) -> None:
    store = Store.open(db_url)
    try:
        async with store.engine.begin() as conn:
            for s in stmts:
                await conn.execute(s)
    finally:
        await store.close()


async def fetch(db_url: str, stmt: Any) -> list[dict[str, Any]]:
    store = Store.open(db_url)
    try:
        async with store.engine.connect() as conn:
            return [dict(r) for r in (await conn.execute(stmt)).mappings()]
    finally:
        await store.close()


def verify(db_url: str, *args: str, key: str | None = KEY) -> tuple[int, str]:
    run = cli("audit", "verify", *args, env=env_for(db_url, key))
    assert "Traceback" not in run.stderr, run.stderr
    return run.returncode, run.stdout + run.stderr


async def reseal(db_url: str, stream: str, key: bytes, change: Callable[[dict[str, Any]], None], *, legacy: bool = False,
                 ledger: bool = False) -> None:  # fmt: skip
    """An attacker rewrites entries of ``stream`` (``change`` edits each row) and recomputes its chain and
    the incident's head: with ``key`` (keyed), or as plain SHA-256 entries (``legacy``, how the chain was
    made before the key). ``ledger``: also recompute the whole ledger with ``key`` (a key holder)."""
    rows = await fetch(db_url, select(AUD).where(AUD.c.stream == stream).order_by(AUD.c.seq))
    prev, stmts = audit.GENESIS, []
    new_hash = {}
    for r in rows:
        change(r)
        r["prev_hash"] = prev
        if legacy:
            r["alg"], r["hash"] = audit.LEGACY, audit.entry_hash(stream, r["seq"], r["at"], r["actor"], r["action"], r["detail"], prev)
        else:
            r["hash"] = audit.entry_mac(key, stream, r["seq"], r["at"], r["actor"], r["action"], r["detail"], prev, r["state"])
        prev = new_hash[r["seq"]] = r["hash"]
        stmts.append(
            update(AUD).where(AUD.c.id == r["id"]).values(actor=r["actor"], prev_hash=r["prev_hash"], hash=r["hash"], alg=r["alg"])
        )
    stmts.append(update(INC).where(INC.c.id == stream).values(audit_head=prev))
    if ledger:
        gprev = audit.GENESIS
        for g in await fetch(db_url, select(LEDGER).order_by(LEDGER.c.gseq)):
            entry = new_hash[g["seq"]] if g["stream"] == stream else g["entry"]
            mac = audit.ledger_mac(key, g["gseq"], g["stream"], g["seq"], entry, g["at"], gprev)
            stmts.append(update(LEDGER).where(LEDGER.c.gseq == g["gseq"]).values(entry=entry, prev=gprev, mac=mac))
            gprev = mac
        stmts.append(update(LEDGER_HEAD).values(mac=gprev))
    await sql(db_url, *stmts)


def suzuki_acked(r: dict[str, Any]) -> None:
    if r["action"] == "escalation.acked":
        r["actor"] = "playground:suzuki"


async def test_an_untouched_trail_verifies_and_exports(db_url: str) -> None:
    a, b = await history(db_url)
    code, out = verify(db_url)
    assert code == 0 and "intact" in out and "ledger head 4:" in out, out
    assert "DEVELOPMENT" not in out
    code, out = verify(db_url, key="another-key-0123456789abcdef")  # the wrong key finds nothing intact
    assert code == 1 and "content changed" in out
    export = cli("audit", "export", a, env=env_for(db_url))
    lines = [json.loads(x) for x in export.stdout.splitlines()]
    assert export.returncode == 0 and len(lines) >= 3 and all(x["alg"] == "hmac-sha256" and len(x["state"]) == 64 for x in lines)
    assert lines[0]["detail"]["created"]["timers"] and lines[0]["detail"]["created"]["outbox"]


async def test_an_entry_rewritten_with_its_chain_recomputed(db_url: str) -> None:
    a, _ = await history(db_url)
    # as before the key: plain SHA-256, chain and head recomputed (the old `verify` found nothing)
    await reseal(db_url, a, b"", suzuki_acked, legacy=True)
    code, out = verify(db_url)
    assert code == 1 and f"TAMPERED {a}" in out and "the ledger (#2) records another chain head" in out, out
    # with a guessed key (the public development one): every entry's MAC fails
    await reseal(db_url, a, audit.DEV_KEY, suzuki_acked)
    code, out = verify(db_url)
    assert code == 1 and "content changed" in out and "downgraded" not in out, out


async def test_the_tail_cut_and_the_head_rewritten(db_url: str) -> None:
    a, _ = await history(db_url)
    rows = await fetch(db_url, select(AUD).where(AUD.c.stream == a).order_by(AUD.c.seq))
    last, before = rows[-1], rows[-2]
    await sql(db_url, delete(AUD).where(AUD.c.id == last["id"]),
              update(INC).where(INC.c.id == a).values(audit_head=before["hash"], audit_seq=before["seq"]))  # fmt: skip
    code, out = verify(db_url)
    assert code == 1 and f"TAMPERED {a}" in out and f"its latest record (#3) says {last['seq']} entries" in out, out
    # the state its last remaining entry records is not the one stored either (the item is still ticked)
    assert "state changed" in out


async def test_a_whole_incident_deleted_with_its_trail(db_url: str) -> None:
    a, _ = await history(db_url)
    await sql(db_url, delete(AUD).where(AUD.c.stream == a), delete(INC).where(INC.c.id == a))
    code, out = verify(db_url)
    assert code == 1 and f"TAMPERED {a}" in out and "incident vanished" in out, out
    await sql(db_url, delete(LEDGER).where(LEDGER.c.stream == a))  # …and its ledger records: a hole
    code, out = verify(db_url)
    assert code == 1 and "ledger gap: expected 1" in out and "link broken" in out, out


async def test_the_last_incident_deleted_and_the_ledger_cut_needs_a_checkpoint(db_url: str, tmp_path: Path) -> None:
    """The limit the README states: the last records removed and the ledger's head row rewound look
    like a shorter, intact history — until a checkpoint (or a posted head) newer than them is used."""
    _, b = await history(db_url)
    cp = tmp_path / "cp.json"
    made = cli("audit", "checkpoint", "--out", str(cp), env=env_for(db_url))
    assert made.returncode == 0 and str(cp) in made.stdout and "ledger #4" in made.stdout, made.stdout + made.stderr
    ledger = await fetch(db_url, select(LEDGER).order_by(LEDGER.c.gseq))
    assert [g["stream"] for g in ledger][-1] == b and sum(g["stream"] == b for g in ledger) == 1
    await sql(db_url, delete(AUD).where(AUD.c.stream == b), delete(INC).where(INC.c.id == b), delete(LEDGER).where(LEDGER.c.stream == b),
              update(LEDGER_HEAD).values(seq=ledger[-2]["gseq"], mac=ledger[-2]["mac"]))  # fmt: skip
    code, out = verify(db_url)
    assert code == 0, out  # not detectable from the database alone
    code, out = verify(db_url, "--checkpoint", str(cp))
    assert code == 1 and f"TAMPERED {b}" in out and "incident vanished: it existed at the checkpoint" in out, out
    assert "the ledger up to the checkpoint" in out


async def test_the_stored_state_changed(db_url: str) -> None:
    a, _ = await history(db_url)
    row = (await fetch(db_url, select(INC.c.data, INC.c.status).where(INC.c.id == a)))[0]
    assert row["data"]["escalation"]["acked_by"]["key"] == "sato"
    forged = json.loads(json.dumps(row["data"]))
    forged["escalation"]["acked_by"]["key"] = "suzuki"  # who acknowledged
    await sql(db_url, update(INC).where(INC.c.id == a).values(data=forged))
    code, out = verify(db_url)
    assert code == 1 and f"TAMPERED {a}" in out and "state changed" in out, out
    await sql(db_url, update(INC).where(INC.c.id == a).values(data=row["data"]))
    assert verify(db_url)[0] == 0
    await sql(db_url, update(INC).where(INC.c.id == a).values(status="closed"))  # the status column alone
    code, out = verify(db_url)
    assert code == 1 and "state changed" in out, out


async def test_timer_and_outbox_rows_deleted(db_url: str) -> None:
    a, _ = await history(db_url)
    timer = (await fetch(db_url, select(TIMER.c.id).where(TIMER.c.incident_id == a).order_by(TIMER.c.id)))[0]["id"]
    message = (await fetch(db_url, select(OUT.c.id).where(OUT.c.incident_id == a).order_by(OUT.c.id)))[-1]["id"]
    await sql(db_url, delete(TIMER).where(TIMER.c.id == timer), delete(OUT).where(OUT.c.id == message))
    code, out = verify(db_url)
    assert code == 1 and f"timer row {timer} that this entry created is missing" in out, out
    assert f"outgoing message row {message} that this entry created is missing" in out


async def test_a_checkpoint_holds_even_against_the_key_holder(db_url: str, tmp_path: Path) -> None:
    clock = Clock()
    a, _ = await history(db_url, clock)
    printed = cli("audit", "checkpoint", env=env_for(db_url))
    cp = json.loads(printed.stdout)
    assert cp["ledger"]["seq"] == 4 and set(cp["incidents"]) == {a, "ML-2026-0002"} and not cp["development_key"]
    path = tmp_path / "cp.json"
    path.write_text(printed.stdout)
    h = Harness(db_url, config(), clock, audit_key=KEY.encode())  # life goes on after the checkpoint
    await h.report("takahashi")
    await h.close()
    code, out = verify(db_url, "--checkpoint", str(path))
    assert code == 0 and "nothing recorded before the checkpoint" in out, out
    # someone holding the key rewrites history consistently: the database alone cannot tell…
    await reseal(db_url, a, KEY.encode(), suzuki_acked, ledger=True)
    assert verify(db_url)[0] == 0
    code, out = verify(db_url, "--checkpoint", str(path))  # …the checkpoint kept elsewhere can
    assert code == 1 and "the ledger up to the checkpoint" in out, out
    edited = {**cp, "incidents": {a: 99}}
    path.write_text(json.dumps(edited))
    code, out = verify(db_url, "--checkpoint", str(path))
    assert code == 1 and "signature does not match" in out, out
    code, out = verify(db_url, "--checkpoint", str(tmp_path / "nowhere.json"))
    assert code == 2 and "cannot read the checkpoint" in out


async def test_the_head_posted_daily_witnesses_the_ledger(db_url: str) -> None:
    clock = Clock()
    await history(db_url, clock)
    h = Harness(db_url, config(), clock, audit_key=KEY.encode())
    replicas = [Witness(h.runtime, lambda: ["playground"]) for _ in range(2)]
    assert [await w.maybe_post() for w in replicas] == [1, 0]  # several replicas: one post a day
    await h.tick()
    posts = [m for s in h.adapter.ops("post", "place:incidents") if (m := re.search(r"`(\d+:[0-9a-f]{64})`", s.view.text))]
    assert len(posts) == 1 and posts[0].group(1).startswith("4:")
    posted = posts[0]
    await h.report("takahashi")  # more records after the post
    clock.advance(days=1)
    assert [await w.maybe_post() for w in replicas] == [1, 0]  # the next day: again
    await h.close()
    code, out = verify(db_url, "--head", posted.group(1))
    assert code == 0 and "is in the ledger" in out, out
    # every record from the posted one on removed and the head row rewound: the chat still has it
    ledger = await fetch(db_url, select(LEDGER).order_by(LEDGER.c.gseq))
    keep = ledger[2]
    gone = {g["stream"] for g in ledger[3:]}
    await sql(db_url, delete(LEDGER).where(LEDGER.c.gseq > keep["gseq"]), delete(AUD).where(AUD.c.stream.in_(gone)),
              delete(INC).where(INC.c.id.in_(gone)), update(LEDGER_HEAD).values(seq=keep["gseq"], mac=keep["mac"]))  # fmt: skip
    assert verify(db_url)[0] == 0
    code, out = verify(db_url, "--head", posted.group(1))
    assert code == 1 and "is not in the ledger" in out, out
    code, out = verify(db_url, "--head", "xyz")
    assert code == 2 and "N:HEX" in out


def test_the_key_is_required_with_slack_or_teams(tmp_path: Path) -> None:
    db = {"DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}"}
    assert cli("migrate", env=db).returncode == 0
    run = cli("run", "--port", "0", env={**db, "SLACK_BOT_TOKEN": "xoxb-test"})
    assert run.returncode == 2 and "MYNALEAK_AUDIT_KEY" in run.stderr and "refusing to start" in run.stderr, run.stderr
    check = cli("check-config", env={"MYNALEAK_TEAMS": "1"})
    assert check.returncode == 2 and "refusing to start" in check.stderr
    check = cli("check-config")
    assert check.returncode == 0 and "DEVELOPMENT key" in check.stderr
    check = cli("check-config", env={"MYNALEAK_AUDIT_KEY": KEY, "SLACK_BOT_TOKEN": "xoxb-test"})
    assert check.returncode == 0 and "audit key set" in check.stdout and "DEVELOPMENT" not in check.stderr
    keyfile = tmp_path / "key"
    keyfile.write_text(KEY + "\n")
    check = cli("check-config", env={"MYNALEAK_AUDIT_KEY_FILE": str(keyfile), "SLACK_BOT_TOKEN": "xoxb-test"})
    assert check.returncode == 0 and "audit key set" in check.stdout
    check = cli("check-config", env={"MYNALEAK_AUDIT_KEY_FILE": str(tmp_path / "missing")})
    assert check.returncode == 2 and "cannot read the audit key file" in check.stderr
    check = cli("check-config", env={"MYNALEAK_AUDIT_KEY": "short"})
    assert check.returncode == 2 and "too short" in check.stderr


def test_entries_from_before_the_key_are_checked_as_such() -> None:
    """Entries written before migration 0003 are plain SHA-256; a keyed entry may follow them (and then
    protects them through its link), an unkeyed one may not follow a keyed one (a downgrade)."""
    from datetime import UTC, datetime

    at, rows, prev = datetime(2026, 11, 26, tzinfo=UTC), [], audit.GENESIS
    for seq, alg in ((1, audit.LEGACY), (2, audit.LEGACY), (3, audit.KEYED)):
        r = {"seq": seq, "at": at, "actor": "a", "action": "x", "detail": {}, "prev_hash": prev, "alg": alg, "state": "s"}
        r["hash"] = (audit.entry_hash("S", seq, at, "a", "x", {}, prev) if alg == audit.LEGACY
                     else audit.entry_mac(b"k" * 16, "S", seq, at, "a", "x", {}, prev, "s"))  # fmt: skip
        prev = r["hash"]
        rows.append(r)
    assert audit.verify_chain("S", rows, prev, 3, b"k" * 16, "s") == []
    assert [p.code for p in audit.verify_chain("S", rows, prev, 3, b"k" * 16, "other")] == ["state"]
    rows[0]["actor"] = "b"
    assert [p.code for p in audit.verify_chain("S", rows, prev, 3, b"k" * 16)] == ["changed"]
    rows[0]["actor"] = "a"
    late = {**rows[0], "seq": 4, "prev_hash": prev}
    late["hash"] = audit.entry_hash("S", 4, at, "a", "x", {}, prev)
    assert [p.code for p in audit.verify_chain("S", [*rows, late], late["hash"], 4, b"k" * 16)] == ["downgraded"]
