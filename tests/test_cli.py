"""The command line: migrate, check-config, audit verify (and tampering). ``bot.cli.main`` is called in
this process (see ``cli``), and through a real ``python -m bot.cli`` process where marked: the exit
status and output of each command family as a process, and ``run``."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml

from bot.cli import main
from bot.core.config import ConfigError, parse_org
from storage.migrate import NotMigrated, require_migrated
from storage.store import Store
from tests.conftest import ROOT, Clock
from tests.flows.helpers import ORG, config
from tests.support.harness import Harness
from tests.support.inproc import run_main


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT, process: bool = False) -> subprocess.CompletedProcess:
    """``mynaleak ARGS`` with ``env`` added to this environment: ``bot.cli.main`` called in this process
    (tests.support.inproc), or a real ``python -m bot.cli`` process where the test is about the process
    (``process=True``; always for ``run``, which would serve)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "MYNALEAK_LOG_FORMAT": "text", "MYNALEAK_LANG": "en", **(env or {})}
    if process or (args and args[0] == "run"):
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=60)
    return run_main(main, args, env=full_env, cwd=cwd)


async def test_audit_verify_detects_a_changed_row(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    env = {"DATABASE_URL": f"sqlite:///{db}"}
    assert cli("migrate", env=env, process=True).returncode == 0
    h = Harness(f"sqlite+aiosqlite:///{db}", config(), Clock())
    out = await h.report()
    await h.press("sato", "ack", out.incident_id)
    await h.press("sato", "item:done", f"{out.incident_id}|1.1")
    await h.close()
    ok = cli("audit", "verify", env=env)
    assert ok.returncode == 0 and "intact" in ok.stdout, ok.stderr
    with sqlite3.connect(db) as conn:  # somebody edits history: who acknowledged
        conn.execute("UPDATE audit_event SET actor = 'playground:suzuki' WHERE action = 'escalation.acked'")
    bad = cli("audit", "verify", env=env, process=True)
    assert bad.returncode == 1 and "TAMPERED ML-2026-0001" in bad.stdout and "content changed" in bad.stdout
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE audit_event SET actor = 'playground:sato' WHERE action = 'escalation.acked'")
    assert cli("audit", "verify", env=env).returncode == 0
    with sqlite3.connect(db) as conn:  # …or deletes the latest entry outright
        conn.execute("DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)")
    gone = cli("audit", "verify", env=env)
    assert gone.returncode == 1 and "head mismatch" in gone.stdout
    export = cli("audit", "export", "ml-2026-0001", env=env, process=True)
    assert export.returncode == 0 and len(export.stdout.splitlines()) >= 3 and '"stream": "ML-2026-0001"' in export.stdout


async def test_server_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    store = Store.open(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        try:
            await require_migrated(store.engine)
        except NotMigrated as exc:
            assert "mynaleak migrate" in str(exc)
        else:
            raise AssertionError("an empty database was accepted")
    finally:
        await store.close()
    run = cli("run", "--port", "0", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'empty2.db'}"})
    assert run.returncode == 2 and "mynaleak migrate" in run.stderr


def test_check_config_lists_every_mistake(tmp_path: Path) -> None:
    bad = {**ORG, "language": "fr", "timezone": "Mars/Olympus", "responders": ["nobody"], "colour": "blue"}
    bad["escalation"] = {"steps": [{"people": ["ghost"], "wait_minutes": -1}], "repeat_last": "often"}
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True))
    run = cli("check-config", env={"MYNALEAK_CONFIG": str(path)})
    assert run.returncode == 2
    for expected in ("language", "timezone", "responders: unknown person 'nobody'", "colour: unknown setting",
                     "unknown person 'ghost'", "wait_minutes", "repeat_last"):  # fmt: skip
        assert expected in run.stderr, (expected, run.stderr)
    assert "Traceback" not in run.stderr
    good = tmp_path / "good.yml"
    good.write_text(yaml.safe_dump(ORG, allow_unicode=True))
    assert cli("check-config", env={"MYNALEAK_CONFIG": str(good)}).returncode == 0


def test_config_errors_carry_paths() -> None:
    try:
        parse_org({**ORG, "business_hours": {"start": "18:00", "end": "09:00"}, "reminders": {"every_hours": "often"}})
    except ConfigError as exc:
        assert any("business_hours" in p for p in exc.problems) and any("reminders.every_hours" in p for p in exc.problems)
    else:
        raise AssertionError("accepted")


def test_sample_config_is_valid() -> None:
    run = cli("check-config", env={"MYNALEAK_CONFIG": str(ROOT / "mynaleak.sample.yml")}, process=True)
    assert run.returncode == 0 and "valid" in run.stdout


def test_check_config_warns_of_a_channel_that_can_never_fire(tmp_path: Path) -> None:
    """Issue 13: a ``page:`` channel whose after_minutes is not less than the wait of the person's step
    never fires (the next step is paged first): check-config says so, and the file is still valid."""
    late = yaml.safe_load(yaml.safe_dump(ORG, allow_unicode=True))
    first = late["escalation"]["steps"][0]
    handle, wait = first["people"][0], first["wait_minutes"]
    late["people"][handle]["email"] = "late@example.jp"
    late["people"][handle]["page"] = [{"via": "chat"}, {"via": "email", "after_minutes": wait}]
    path = tmp_path / "late.yml"
    path.write_text(yaml.safe_dump(late, allow_unicode=True))
    run = cli("check-config", env={"MYNALEAK_CONFIG": str(path), "MYNALEAK_LANG": "en"})
    assert run.returncode == 0, run.stderr
    assert f"people.{handle}.page: email (after {wait:g} minutes) is never sent" in run.stderr
    assert "step 1 of escalation" in run.stderr
    # shorter than the wait: no warning
    late["people"][handle]["page"] = [{"via": "chat"}, {"via": "email", "after_minutes": wait - 1}]
    path.write_text(yaml.safe_dump(late, allow_unicode=True))
    run = cli("check-config", env={"MYNALEAK_CONFIG": str(path), "MYNALEAK_LANG": "en"})
    assert run.returncode == 0 and "never sent" not in run.stderr
