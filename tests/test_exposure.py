"""Exposure: Teams emulator mode (no authentication) refuses a non-loopback address; /healthz and
/metrics bound to loopback refuse other Host names (DNS rebinding); /metrics can have its own port.
Through a real `mynaleak run` process."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import ROOT, migrated_sqlite

pytestmark = pytest.mark.slow


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "MYNALEAK_"))}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp / 'bot.db'}", "PYTHONPATH": str(ROOT), "PORT": "0", "LOG_LEVEL": "WARNING",
            "MYNALEAK_LANG": "en", **extra}  # fmt: skip


async def _migrated(tmp: Path) -> None:
    """The bot's database (``bot.db`` in ``tmp``), migrated: a copy of the run's migrated template."""
    await migrated_sqlite(tmp / "bot.db")


def _start(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], list[str]]:
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.stdout is not None:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        lines.append(line)
        if "http://" in line and ("listening" in line or "playground" in line.lower()):
            return proc, lines
    return proc, lines


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_teams_emulator_mode_refuses_a_reachable_address(tmp_path: Path) -> None:
    env = _env(tmp_path, MYNALEAK_TEAMS="1", MYNALEAK_AUDIT_KEY="exposure-test-audit-key-0123456789")
    asyncio.run(_migrated(tmp_path))
    proc, lines = _start(env, "--host", "0.0.0.0")
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        pass
    _stop(proc)
    err = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 2, (lines, err[-2000:])
    assert "MICROSOFT_APP_ID" in err and "MYNALEAK_ALLOW_INSECURE" in err and "Traceback" not in err
    # the operator may insist, knowingly
    proc, lines = _start({**env, "MYNALEAK_ALLOW_INSECURE": "1"}, "--host", "0.0.0.0")
    try:
        assert any("listening" in line for line in lines), lines
    finally:
        _stop(proc)


async def test_health_and_metrics_refuse_other_host_names(tmp_path: Path) -> None:
    env = _env(tmp_path)
    await _migrated(tmp_path)
    proc, lines = _start(env)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", "".join(lines))
        assert url, lines
        async with aiohttp.ClientSession() as s:
            for path in ("/healthz", "/metrics"):
                async with s.get(url.group(0) + path) as ok:
                    assert ok.status == 200, path
                async with s.get(url.group(0) + path, headers={"Host": "attacker.example"}) as bad:
                    assert bad.status == 403, path
                    assert "mynaleak_" not in await bad.text()
    finally:
        _stop(proc)


async def test_metrics_on_their_own_port(tmp_path: Path) -> None:
    env = _env(tmp_path, MYNALEAK_METRICS_PORT="0")
    await _migrated(tmp_path)
    proc, lines = _start(env)
    try:
        deadline = time.monotonic() + 10
        while not any("/metrics" in line for line in lines) and time.monotonic() < deadline and proc.stdout is not None:
            lines.append(proc.stdout.readline())
        main = re.search(r"http://127\.0\.0\.1:\d+", lines[0])
        metrics = next((m.group(0) for line in lines if (m := re.search(r"http://127\.0\.0\.1:\d+/metrics", line))), None)
        assert main and metrics, lines
        async with aiohttp.ClientSession() as s:
            async with s.get(metrics) as got:
                assert got.status == 200 and "mynaleak_" in await got.text()
            async with s.get(main.group(0) + "/metrics") as gone:
                assert gone.status == 404
            async with s.get(main.group(0) + "/healthz") as health:
                assert health.status == 200
    finally:
        _stop(proc)


def _few_fds() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


async def test_idle_and_slow_clients_cannot_exhaust_connections(tmp_path: Path) -> None:
    """1,000 idle connections, a client trickling its headers and one trickling its body, against a bot
    that may hold only 256 files: they are closed in time and the bot keeps answering."""
    import asyncio

    env = _env(tmp_path, MYNALEAK_IDLE_SECONDS="1", MYNALEAK_BODY_SECONDS="1")
    await _migrated(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, preexec_fn=_few_fds)  # fmt: skip
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert found, line
        port = int(found.group(1))
        idle = []
        for _ in range(1000):
            try:
                idle.append(await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2))
            except (OSError, TimeoutError):
                break  # the backlog is full: that is the attack working, for now
        slow_head = await asyncio.open_connection("127.0.0.1", port)
        slow_head[1].write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
        slow_body = await asyncio.open_connection("127.0.0.1", port)
        slow_body[1].write(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789")
        # the trickled body is answered "too slow" (408) once its second is up, instead of holding a handler:
        # waiting for that answer is waiting until the bot's timeouts have run
        got_body = await asyncio.wait_for(slow_body[0].read(400), 5)
        assert b" 408 " in got_body, got_body[:200]
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s:
            async with s.get(f"http://127.0.0.1:{port}/healthz") as health:
                assert health.status == 200
        got_head = await asyncio.wait_for(slow_head[0].read(), 5)
        assert got_head == b"" or b"400" in got_head or b"408" in got_head  # closed, not served
        await asyncio.wait_for(slow_body[0].read(), 5)  # and then closed: end of stream within 5 s, else TimeoutError
        # the idle ones were closed by the bot (end of stream), not left open
        closed = 0
        for reader, _ in idle[:50]:
            try:
                closed += await asyncio.wait_for(reader.read(), 5) == b""
            except (ConnectionError, TimeoutError):
                pass
        assert closed == min(50, len(idle)), closed
        for _, writer in [*idle, slow_head, slow_body]:
            writer.close()
    finally:
        _stop(proc)
