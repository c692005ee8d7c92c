"""The import direction of the packages (DESIGN.md "bot/"): core ← flows ← shell; core ← storage ← shell;
core ← adapters ← shell; adapters never import flows or storage; no cycles between modules.

Every import counts — at the top, inside functions, under ``TYPE_CHECKING``. Run this file as a
script to print the graph by layer and by package (``python -m tests.test_layers``).
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "flows", "storage", "adapters")
# what each layer may import (besides itself)
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "flows": frozenset({"core"}),
    "storage": frozenset({"core"}),
    "adapters": frozenset({"core"}),
    "shell": frozenset({"core", "flows", "storage", "adapters"}),
}


@dataclass(frozen=True)
class Arrow:
    source: str  # module that imports
    target: str  # project module imported
    path: str
    line: int


def layer(module: str) -> str:
    if module == "bot.core" or module.startswith("bot.core."):
        return "core"
    top = module.split(".")[0]
    return "shell" if top == "bot" else top


def modules(root: Path = ROOT) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The project module ``name`` is, or the nearest project package above it."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def arrows(known: dict[str, Path] | None = None, root: Path = ROOT) -> list[Arrow]:
    known = known if known is not None else modules(root)
    out: list[Arrow] = []
    for module, path in known.items():
        is_pkg = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        rel = str(path.relative_to(root))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the module's package
                    pkg = module if is_pkg else module.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        pkg = pkg.rpartition(".")[0]
                    base = f"{pkg}.{base}" if base else pkg
                # `from pkg import sub` imports the module pkg.sub when there is one
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
            for name in targets:
                if name.split(".")[0] not in PACKAGES:
                    continue
                target = _resolve(name, known)
                if target is not None and target != module:
                    out.append(Arrow(module, target, rel, node.lineno))
    return out


def violations(found: list[Arrow]) -> list[str]:
    bad = []
    for a in found:
        src, dst = layer(a.source), layer(a.target)
        if src != dst and dst not in ALLOWED[src]:
            allowed = ", ".join(sorted(ALLOWED[src])) or "nothing else"
            bad.append(f"{a.path}:{a.line}: {a.source} ({src}) imports {a.target} ({dst}); {src} may import {allowed}")
    return bad


def cycles(found: list[Arrow]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a in found:
        graph[a.source].add(a.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def package_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "bot":
        return "bot.core" if layer(module) == "core" else ("bot.commands" if module.startswith("bot.commands") else "bot (shell)")
    return ".".join(parts[:2]) if parts[0] == "adapters" and len(parts) > 1 else parts[0]


def graph_text(found: list[Arrow]) -> str:
    by_layer: dict[str, set[str]] = defaultdict(set)
    by_pkg: dict[str, set[str]] = defaultdict(set)
    for a in found:
        if layer(a.source) != layer(a.target):
            by_layer[layer(a.source)].add(layer(a.target))
        if package_of(a.source) != package_of(a.target):
            by_pkg[package_of(a.source)].add(package_of(a.target))
    lines = ["layers:"] + [f"  {k} -> {', '.join(sorted(v))}" for k, v in sorted(by_layer.items())]
    lines += ["packages:"] + [f"  {k} -> {', '.join(sorted(v))}" for k, v in sorted(by_pkg.items())]
    return "\n".join(lines)


# ---- the tests ------------------------------------------------------------------------------------


def test_every_import_points_down_the_layers() -> None:
    found = arrows()
    assert len(found) > 100, "the walk found too few imports: is it reading the packages?"
    bad = violations(found)
    assert not bad, "imports against the layers:\n" + "\n".join(bad)


def test_no_cycles_between_modules() -> None:
    found = cycles(arrows())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_core_imports_no_other_project_package() -> None:
    core = [a for a in arrows() if layer(a.source) == "core"]
    assert core, "the core's own imports were not seen"
    assert {layer(a.target) for a in core} == {"core"}


@pytest.mark.parametrize(
    ("where", "line", "complaint"),
    [
        (
            "bot/core/model.py",
            "from flows.common import Ctx",
            "bot.core.model (core) imports flows.common (flows); core may import nothing else",
        ),
        ("adapters/slack/render.py", "from storage.store import Store", "adapters.slack.render (adapters) imports storage.store (storage)"),
        ("flows/intake.py", "import bot.runtime", "flows.intake (flows) imports bot.runtime (shell); flows may import core"),
        ("storage/store.py", "    from adapters.teams import adapter", "storage.store (storage) imports adapters.teams.adapter (adapters)"),
    ],
)
def test_a_wrong_import_is_caught(tmp_path: Path, where: str, line: str, complaint: str) -> None:
    """The walk sees a deliberately wrong import — at the top or inside a function — and says where."""
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            dest = tmp_path / path.relative_to(ROOT)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    target = tmp_path / where
    body = target.read_text(encoding="utf-8")
    if line.startswith("    "):
        body += f"\n\ndef _wrong() -> None:\n{line}\n"
    else:
        body += f"\n{line}\n"
    target.write_text(body, encoding="utf-8")
    bad = violations(arrows(modules(tmp_path), tmp_path))
    assert any(complaint in b and b.startswith(where) for b in bad), bad


def test_a_cycle_is_caught(tmp_path: Path) -> None:
    for name, body in {
        "flows/__init__.py": "",
        "flows/a.py": "from flows import b\n",
        "flows/b.py": "def f():\n    from flows.a import x\n",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body, encoding="utf-8")
    assert cycles(arrows(modules(tmp_path), tmp_path)) == [["flows.a", "flows.b"]]


if __name__ == "__main__":
    all_arrows = arrows()
    print(graph_text(all_arrows))
    for problem in violations(all_arrows):
        print("VIOLATION", problem)
    for c in cycles(all_arrows):
        print("CYCLE", " <-> ".join(c))
