"""A command-line entry point run inside the test process, as a subprocess would run it: its own
environment, working directory, stdin and captured stdout/stderr, and the exit status the process
would have (``raise SystemExit(main())``; an uncaught exception prints its traceback and gives 1).

Starting Python and importing the bot takes most of a second; a test about what a command prints or
returns does not need that. Tests about the process itself (serving, signals, exit on refusal to
start) still start one. The command runs on a thread of its own, so ``asyncio.run`` inside it works
from an async test too; the process-wide state it changes (``os.environ``, the working directory,
``sys.std*``, the root logger that ``bot.logs.setup`` replaces) is put back afterwards."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

_LOGGERS = ("", "apscheduler", "alembic")  # the ones bot.logs.setup configures
_lock = threading.Lock()  # the state changed is process-wide: one command at a time


def run_main(
    main: Callable[[list[str]], int | None],
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path | str,
    stdin: bytes | str | None = None,
    timeout: float = 60,
    text: bool = True,
) -> subprocess.CompletedProcess:
    """``main(list(args))`` with ``env`` as the whole environment; like ``subprocess.run(…,
    capture_output=True)``: stdout and stderr as text (``text``) or bytes, decoded as UTF-8."""
    data = stdin.encode() if isinstance(stdin, str) else stdin or b""
    out, err = io.BytesIO(), io.BytesIO()
    result: list[int] = []

    def target() -> None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
        sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
        sys.stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
        try:
            result.append(_status(main(list(args))))
        except SystemExit as exc:
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
            result.append(_status(exc.code))
        except BaseException:  # what the interpreter does with an uncaught exception
            traceback.print_exc(file=sys.stderr)
            result.append(1)
        finally:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
                stream.detach()  # else closing the wrapper (when collected) closes the buffer

    with _lock, _process_state(env, cwd):
        thread = threading.Thread(target=target, name="inproc-cli", daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise subprocess.TimeoutExpired([getattr(main, "__module__", "main"), *args], timeout)
    stdout, stderr = out.getvalue(), err.getvalue()
    if text:
        return subprocess.CompletedProcess(list(args), result[0], _text(stdout), _text(stderr))
    return subprocess.CompletedProcess(list(args), result[0], stdout, stderr)


def _status(code: object) -> int:
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _text(raw: bytes) -> str:
    return raw.decode("utf-8").replace("\r\n", "\n")  # universal newlines, as subprocess text=True


class _process_state:
    """Swap in the environment and working directory; put them, the standard streams and the logging
    configuration back on exit."""

    def __init__(self, env: Mapping[str, str], cwd: Path | str):
        self.env, self.cwd = dict(env), cwd

    def __enter__(self) -> None:
        self.saved_env, self.saved_cwd = dict(os.environ), os.getcwd()
        self.saved_streams = sys.stdin, sys.stdout, sys.stderr
        self.saved_logs = [(lg, list(lg.handlers), lg.level) for lg in map(logging.getLogger, _LOGGERS)]
        os.environ.clear()
        os.environ.update(self.env)
        os.chdir(self.cwd)

    def __exit__(self, *exc: object) -> None:
        sys.stdin, sys.stdout, sys.stderr = self.saved_streams
        for lg, handlers, level in self.saved_logs:
            lg.handlers[:] = handlers
            lg.setLevel(level)
        os.chdir(self.saved_cwd)
        os.environ.clear()
        os.environ.update(self.saved_env)
