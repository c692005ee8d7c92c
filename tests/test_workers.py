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

pytestmark = pytest.mark.slow


def children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(x) for x in path.read_text().split()} if path.exists() else set()


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
        assert all(healthy(base) for _ in range(10))
        victim = min(first)
        os.kill(victim, signal.SIGKILL)  # a worker crashes: it is started again, the port keeps answering
        assert healthy(base)
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
