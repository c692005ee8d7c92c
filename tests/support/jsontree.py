"""Walking a JSON tree (Block Kit, Adaptive Cards) in document order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def nodes(tree: Any) -> Iterator[dict[str, Any]]:
    """Every object in ``tree``, each before its children, in document order."""
    if isinstance(tree, dict):
        yield tree
        for v in tree.values():
            yield from nodes(v)
    elif isinstance(tree, list):
        for v in tree:
            yield from nodes(v)
