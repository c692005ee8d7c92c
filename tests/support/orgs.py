"""``parse_org`` and ``load_org`` for test fixtures, remembered: each distinct organisation is parsed
once per run, and every call gets its own deep copy of the result (a test that changes its copy
changes nobody else's).

Parsing reads and validates the YAML checklist and its cause templates — about 60 ms — and the flow,
adapter and contract tests build the same few organisations some two thousand times. The key is the
whole input (the data, or the file's bytes), so a changed input is parsed again; an organisation
naming its own checklist file is always parsed afresh (that file may change under the same name),
and so is anything that fails (the error is raised each time). Tests of the parsing itself call
``bot.core.config`` directly."""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from bot.core import config as real
from bot.core.config import OrgConfig

_parsed: dict[object, OrgConfig] = {}
_OWN_CHECKLIST = re.compile(rb"^\s*checklist\s*:", re.MULTILINE)


def parse_org(data: Any, source: str = "<memory>", base: Path | None = None, platforms: Collection[str] | None = None) -> OrgConfig:
    """:func:`bot.core.config.parse_org`, parsed once per distinct input."""
    if not isinstance(data, dict) or data.get("checklist"):
        return real.parse_org(data, source, base, platforms)
    key = ("data", _canon(data), source, str(base), _canon(platforms))
    return _remembered(key, lambda: real.parse_org(data, source, base, platforms))


def load_org(path: str | Path, platforms: Collection[str] | None = None) -> OrgConfig:
    """:func:`bot.core.config.load_org`, parsed once per distinct file content."""
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return real.load_org(path, platforms)  # which says why
    if _OWN_CHECKLIST.search(raw):
        return real.load_org(path, platforms)
    key = ("file", str(path), hashlib.sha256(raw).hexdigest(), _canon(platforms))
    return _remembered(key, lambda: real.load_org(path, platforms))


def _remembered(key: object, parse: Callable[[], OrgConfig]) -> OrgConfig:
    if key not in _parsed:
        _parsed[key] = parse()
    return copy.deepcopy(_parsed[key])


def _canon(value: Any) -> object:
    """A hashable form of ``value`` that tells apart what ``==`` on the parts would (1 and "1" too)."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted(((_canon(k), _canon(v)) for k, v in value.items()), key=repr)))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_canon(v) for v in value))
    if isinstance(value, set | frozenset):
        return ("set", tuple(sorted((_canon(v) for v in value), key=repr)))
    return (type(value).__name__, repr(value))
