"""A text flame graph (an indented call tree with inclusive shares) from py-spy's raw collapsed stacks,
as written by the benches with BENCH_PYSPY (``--format raw``). asyncio's own frames above a task's
first frame are cut, so each task's work starts at the top; greenlet stacks (SQLAlchemy's async
bridge) and the event loop's idle wait are shown as their own roots.

    .venv/bin/python bench/tools/flame.py /tmp/slack_report_to_page-postgresql.txt [--min 1.5] [--depth 7]
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

FRAME = re.compile(r"^(?P<fn>.*?) \((?P<file>[^:)]*)(?::\d+)?\)$")
CUT = "Handle._run"  # asyncio: a ready callback (a task step) runs below this frame


def frame(text: str) -> str:
    m = FRAME.match(text.strip())
    if not m:
        return text.strip() or "?"
    file = m.group("file")
    for marker in ("site-packages/", "/main/", "/lib/python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{m.group('fn')} ({file})"


class Node:
    def __init__(self) -> None:
        self.count = 0
        self.kids: dict[str, Node] = defaultdict(Node)


def load(path: Path) -> tuple[Node, int]:
    root, total = Node(), 0
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        frames = [frame(f) for f in stack.split(";")]
        names = [f.split(" (")[0] for f in frames]
        if CUT in names:
            frames = frames[names.index(CUT) + 1 :] or ["(the event loop itself)"]
        elif any("select" in f.split(" (")[0].lower() for f in frames[-1:]):
            frames = ["(idle: waiting for I/O)"]
        else:
            frames = ["(other threads: greenlets, aiosqlite) " + frames[0].split(" (")[0], *frames[1:]]
        total += int(n)
        node = root
        node.count += int(n)
        for f in frames:
            node = node.kids[f]
            node.count += int(n)
    return root, total


def show(node: Node, total: int, least: float, depth: int, indent: int = 0) -> list[str]:
    lines = []
    for name, kid in sorted(node.kids.items(), key=lambda kv: -kv[1].count):
        share = 100 * kid.count / total
        if share < least:
            continue
        lines.append(f"{share:5.1f}% {'  ' * indent}{name}")
        if indent + 1 < depth:
            lines += show(kid, total, least, depth, indent + 1)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("raw", type=Path)
    ap.add_argument("--min", type=float, default=1.5, help="hide frames under this share of all samples (%%)")
    ap.add_argument("--depth", type=int, default=7)
    a = ap.parse_args()
    root, total = load(a.raw)
    print(f"{a.raw}: {total} samples")
    print("\n".join(show(root, total, a.min, a.depth)))


if __name__ == "__main__":
    main()
