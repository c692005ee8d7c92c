"""What Linux's /proc says about processes and their TCP sockets (the workers tests and bench/workers.py)."""

from __future__ import annotations

import os
from pathlib import Path


def children(pid: int) -> set[int]:
    """The process's child processes."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(x) for x in path.read_text().split()} if path.exists() else set()


def sockets_of(pid: int) -> set[str]:
    """The inodes of the sockets a process holds."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            found.add(link[8:-1])
    return found


def tcp_on(port: int, state: str) -> dict[str, int]:
    """Inode → count of TCP sockets on local ``port`` in ``state`` (01 established, 0A listening)."""
    got: dict[str, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            f = line.split()
            if f[3] == state and int(f[1].rsplit(":", 1)[1], 16) == port:
                got[f[9]] = got.get(f[9], 0) + 1
    return got


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process and its child processes (the workers) have used so far."""
    total = 0.0
    for p in {pid} | children(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total
