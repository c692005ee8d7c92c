"""``mynaleak run --workers N``, as real processes: N workers serve one port (port 0: the OS's choice,
shared), a worker that dies is started again while the port keeps answering, SIGTERM stops them all
gracefully with exit code 0; the playground (one process by design) is refused with a clear message."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.i18n import t
from tests.adapters.slack.fake_slack import FakeSlack
from tests.conftest import ROOT
from tests.support.procs import children, sockets_of, tcp_on

pytestmark = pytest.mark.slow


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def wait(cond, timeout: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return bool(cond())


@pytest.fixture
def env(db_url: str) -> Iterator[dict[str, str]]:
    yield {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": db_url, "MYNALEAK_TICK_SECONDS": "0.5", "LOG_LEVEL": "WARNING",
           "MYNALEAK_AUDIT_KEY": "a" * 64}  # fmt: skip


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--port", "0", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def base_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if found := re.search(r"http://127\.0\.0\.1:\d+", line):
            return found.group(0)
        if not line and proc.poll() is not None:
            raise AssertionError(f"died: {proc.stderr.read()[-2000:] if proc.stderr else ''}")
    raise AssertionError("no URL printed")


async def test_two_workers_share_a_port_restart_and_stop_gracefully(env: dict[str, str]) -> None:
    fake = FakeSlack()
    await fake.start()
    api = fake.api_url
    env = {**env, "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": "s" * 32, "SLACK_API_URL": api}
    sup = start(env, "--workers", "2")
    try:
        base = base_url(sup)
        assert wait(lambda: len(children(sup.pid)) == 2, 20), children(sup.pid)
        first = children(sup.pid)
        port = int(base.rsplit(":", 1)[1])
        # both serving (each worker listens on a socket of its own once it has started: SO_REUSEPORT)
        assert wait(lambda: all(sockets_of(pid) & set(tcp_on(port, "0A")) for pid in first), 20)
        assert all(healthy(base) for _ in range(10))
        victim = min(first)
        os.kill(victim, signal.SIGKILL)  # a worker crashes: it is started again, the port keeps answering
        # (once it is gone: connections the kernel had already queued on its own socket die with it — SO_REUSEPORT)
        assert wait(lambda: not Path(f"/proc/{victim}").exists() or "zombie" in Path(f"/proc/{victim}/status").read_text(), 10)
        # the survivor answers (its health check may wait out a database lock the dead worker held: SQLite under load)
        assert wait(lambda: healthy(base), 10)
        assert wait(lambda: len(children(sup.pid)) == 2 and victim not in children(sup.pid), 20), children(sup.pid)
        assert wait(lambda: healthy(base), 10)
        workers = children(sup.pid)
        sup.send_signal(signal.SIGTERM)
        assert sup.wait(timeout=30) == 0, sup.stderr.read()[-2000:] if sup.stderr else ""
        assert not any(Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text() for pid in workers)
        assert not healthy(base)
    finally:
        if sup.poll() is None:
            sup.kill()
            sup.wait()
        await fake.stop()


def test_workers_refuse_the_playground(env: dict[str, str]) -> None:
    proc = start(env, "--workers", "2")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert t("perf.workers_playground", "ja") in err


@pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT spreads connections over the workers on Linux only")
async def test_connections_opened_at_once_are_spread_over_the_workers(env: dict[str, str]) -> None:
    """A client opening its keep-alive connections all at once (a load balancer, a burst) reaches every
    worker: each worker listens on a socket of its own on the port (SO_REUSEPORT) — on one shared socket
    the worker that woke first accepted every waiting connection and the other stayed idle."""
    import asyncio

    import aiohttp

    fake = FakeSlack()
    await fake.start()
    env = {**env, "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": "s" * 32, "SLACK_API_URL": fake.api_url}
    sup = start(env, "--workers", "2")
    try:
        base = base_url(sup)
        port = int(base.rsplit(":", 1)[1])
        assert wait(lambda: len(children(sup.pid)) == 2 and healthy(base), 20)
        workers = sorted(children(sup.pid))
        assert wait(lambda: all(sockets_of(pid) & set(tcp_on(port, "0A")) for pid in workers), 20)  # both listen
        listening = set(tcp_on(port, "0A"))
        own = [sockets_of(pid) & listening for pid in workers]
        assert all(len(s) == 1 for s in own) and own[0] != own[1], own  # one listening socket each, not one shared
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=40)) as s:

            async def one() -> int:
                async with s.get(base + "/healthz") as r:
                    await r.read()
                    return r.status

            assert await asyncio.gather(*(one() for _ in range(40))) == [200] * 40
            established = tcp_on(port, "01")
            served = [sum(n for inode, n in established.items() if inode in sockets_of(pid)) for pid in workers]
        assert sum(served) == 40 and min(served) > 0, served
    finally:
        sup.send_signal(signal.SIGTERM)
        try:
            sup.wait(timeout=30)
        finally:
            if sup.poll() is None:
                sup.kill()
                sup.wait()
        await fake.stop()
