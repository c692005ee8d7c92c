"""The README's run command, from a clean checkout: it migrates a fresh ./mynaleak.db, serves the
playground on 127.0.0.1, prints the URL, and answers / and /healthz.

A clean checkout is the repository's tracked and untracked-but-not-ignored files copied to a temporary
directory (no .venv, no database, no mynaleak.yml). To stay fast, the copy gets a virtualenv whose
dependencies come from the running interpreter's site-packages (a .pth line) and whose ``mynaleak``
runs the copy's code — exactly what ``pip install -e '.[test]'`` would give it, minus the download.
Make's install stamp is set so that the README command runs everything else as written."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

from bot.core.i18n import t
from tests.conftest import ROOT


def readme_run_command() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert block, "README.md has no ```sh block"
    line = next(x for x in block.group(1).splitlines() if x.strip().startswith("make run"))
    return line.split("#", 1)[0].split()


def clean_checkout(dest: Path) -> Path:
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    for name in filter(None, files.decode().split("\0")):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def venv_for(checkout: Path, venv: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "mynaleak_checkout.pth").write_text(f"{checkout}\n{sysconfig.get_paths()['purelib']}\n", encoding="utf-8")
    script = venv / "bin" / "mynaleak"
    script.write_text(f"#!{venv / 'bin' / 'python'}\nimport sys\nfrom bot.cli import main\nsys.exit(main())\n", encoding="utf-8")
    script.chmod(0o755)
    stamp = venv / ".installed-stamp"
    stamp.touch()
    later = (checkout / "pyproject.toml").stat().st_mtime + 60
    os.utime(stamp, (later, later))
    return venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 (loopback only)
        return r.status, r.read().decode("utf-8")


def test_the_readme_run_command_serves_the_playground(tmp_path: Path) -> None:
    command = readme_run_command()
    assert command[:2] == ["make", "run"], command
    checkout = clean_checkout(tmp_path / "checkout")
    assert not (checkout / ".venv").exists() and not (checkout / "mynaleak.db").exists()
    venv = venv_for(checkout, tmp_path / "venv")
    port = free_port()
    keep = ("PATH", "HOME", "LANG", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep} | {"PORT": str(port), "MYNALEAK_LOG_FORMAT": "text"}
    proc = subprocess.Popen([*command, f"VENV={venv}"], cwd=checkout, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, text=True)  # fmt: skip
    out: list[str] = []
    try:
        deadline = time.monotonic() + 25
        url = f"http://127.0.0.1:{port}"
        assert proc.stdout is not None
        while not any(url in line for line in out):
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "make run exited:\n" + "".join(out)
            out.append(line)
            assert time.monotonic() < deadline, "no URL printed:\n" + "".join(out)
        while True:
            try:
                status, body = fetch(url + "/healthz")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "not serving:\n" + "".join(out)
                time.sleep(0.1)
        health = json.loads(body)
        assert status == 200 and health["status"] == "ok" and health["platforms"] == ["playground"]
        status, page = fetch(url + "/")
        assert status == 200 and "プレイグラウンド" in page and "127.0.0.1" in page
        assert (checkout / "mynaleak.db").exists()  # the README command migrated a fresh database
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
    said = t("cli.playground_at", "ja", url=url)  # it says it is a playground, in Japanese by default
    assert any(said in line for line in out), "".join(out)
