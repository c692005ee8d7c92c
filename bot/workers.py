"""``mynaleak run --workers N``: N bot processes serving one port (pre-fork, as gunicorn does).

The supervisor binds the address once (port 0 works: the OS picks one port for all) and starts N
``mynaleak run`` processes. Where the system has ``SO_REUSEPORT`` (Linux), the supervisor only holds
the port and each worker listens on a socket of its own bound to it: the kernel spreads connections
evenly over the workers. (On one shared socket, whichever worker wakes first accepts every connection
waiting — a client opening its pool of keep-alive connections at once, as a load balancer or a burst
does, can land on one worker and leave the others idle.) Elsewhere the workers inherit one listening
socket. The supervisor
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
REUSE_PORT = "MYNALEAK_REUSE_PORT"  # set instead where each worker listens on a socket of its own (SO_REUSEPORT)
BACKLOG = 1024
WORKER = "MYNALEAK_WORKER"  # the worker's number, 0 … N-1
STARTUP_SECONDS = 15.0  # a worker exiting non-zero sooner than this failed to start: stop them all
RESTART_DELAY = 1.0


def worker_socket(env: dict[str, str], host: str, port: int) -> socket.socket | None:
    """The listening socket of a worker started by the supervisor (``None``: not a worker): its own on
    the supervisor's port (``SO_REUSEPORT``), or the one the supervisor handed down."""
    if env.get(REUSE_PORT):
        sock = _reuse_port_socket(host, port)
        sock.listen(BACKLOG)
        return sock
    fd = env.get(LISTEN_FD)
    return socket.socket(fileno=int(fd)) if fd else None


def _reuse_port_socket(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def _hold_port(host: str, port: int) -> tuple[socket.socket, dict[str, str], tuple[int, ...]]:
    """The supervisor's hold on the port, what its workers are told, and the descriptors they inherit."""
    if sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT"):  # bound, never listening: it takes no connections
        held = _reuse_port_socket(host, port)
        return held, {REUSE_PORT: "1"}, ()
    listener = socket.create_server((host, port), backlog=BACKLOG)
    listener.set_inheritable(True)
    return listener, {LISTEN_FD: str(listener.fileno())}, (listener.fileno(),)


def supervise(host: str, port: int, workers: int, argv: Sequence[str] = ()) -> int:
    """Run ``workers`` copies of ``mynaleak run`` (with ``argv``) on one socket until a signal."""
    listener, told, fds = _hold_port(host, port)
    bound = listener.getsockname()[1]
    stopping = False

    def start(n: int) -> subprocess.Popen[bytes]:
        env = {**os.environ, **told, WORKER: str(n)}
        cmd = [sys.executable, "-m", "bot.cli", "run", "--host", host, "--port", str(bound), *argv]
        return subprocess.Popen(cmd, env=env, pass_fds=fds)

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
