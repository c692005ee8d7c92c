"""``mynaleak run --workers N``: N bot processes on one listening socket (pre-fork, as gunicorn does).

The supervisor binds the address once (port 0 works: the OS picks one port for all), starts N
``mynaleak run`` processes that inherit the socket (the kernel hands each connection to one of them),
forwards SIGTERM/SIGINT to them (each shuts down gracefully: ``App.quiesce``) and exits 0 once they
all did. A worker that dies unexpectedly is started again; one that fails at start (a bad
configuration, an unmigrated database) stops them all with its exit code. Each worker is a whole bot
with its own ticker: the timer and outbox rows make that safe (``storage/queue.py``), exactly as for
replicas on several machines.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

log = logging.getLogger("mynaleak.workers")
LISTEN_FD = "MYNALEAK_LISTEN_FD"  # set by the supervisor for its workers: the inherited socket
WORKER = "MYNALEAK_WORKER"  # the worker's number, 0 … N-1
STARTUP_SECONDS = 15.0  # a worker exiting non-zero sooner than this failed to start: stop them all
RESTART_DELAY = 1.0


def inherited_socket(env: dict[str, str]) -> socket.socket | None:
    """The listening socket a supervisor handed this worker, if any."""
    fd = env.get(LISTEN_FD)
    return socket.socket(fileno=int(fd)) if fd else None


def supervise(host: str, port: int, workers: int, argv: Sequence[str] = ()) -> int:
    """Run ``workers`` copies of ``mynaleak run`` (with ``argv``) on one socket until a signal."""
    listener = socket.create_server((host, port), backlog=1024)
    listener.set_inheritable(True)
    fd = listener.fileno()
    bound = listener.getsockname()[1]
    stopping = False

    def start(n: int) -> subprocess.Popen[bytes]:
        env = {**os.environ, LISTEN_FD: str(fd), WORKER: str(n)}
        cmd = [sys.executable, "-m", "bot.cli", "run", "--host", host, "--port", str(bound), *argv]
        return subprocess.Popen(cmd, env=env, pass_fds=(fd,))

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    procs = [start(n) for n in range(workers)]
    started = [time.monotonic()] * workers
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("workers started", extra={"workers": workers, "port": bound, "pids": [p.pid for p in procs]})
    failed = 0
    while True:
        if all(p.poll() is not None for p in procs):
            break
        time.sleep(0.2)
        if stopping:
            continue
        for n, proc in enumerate(procs):
            code = proc.poll()
            if code is None:
                continue
            if code > 0 and time.monotonic() - started[n] < STARTUP_SECONDS:  # refused to start (config, database)
                log.error("a worker failed to start; stopping the others", extra={"worker": n, "exit_code": code})
                failed = code if code > 0 else 1
                stop(signal.SIGTERM, None)
                break
            log.error("a worker exited; starting it again", extra={"worker": n, "exit_code": code})
            time.sleep(RESTART_DELAY)
            procs[n], started[n] = start(n), time.monotonic()
    listener.close()
    if failed:
        return failed
    # killed by our SIGTERM: a worker still starting (its handler, set before it listens, not yet in place)
    bad = [p.returncode for p in procs if p.returncode not in (0, -signal.SIGTERM)]
    if bad:
        log.error("a worker did not shut down cleanly", extra={"exit_codes": bad})
        return bad[0] if bad[0] > 0 else 1
    return 0
