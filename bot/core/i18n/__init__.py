"""The message catalogue: every user-visible string goes through :func:`t`.

Catalogues are YAML files under ``bot/core/i18n/<lang>/*.yaml`` (flat ``key: text`` maps, merged per
language). Japanese is the default; English is available. Text uses ``str.format`` fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import yaml

DEFAULT_LANG = "ja"
LANGS = ("ja", "en")
_ROOT = Path(__file__).parent


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All messages of one language, merged from its YAML files."""
    merged: dict[str, str] = {}
    for path in sorted((_ROOT / lang).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in data.items():
            if key in merged:
                raise ValueError(f"duplicate message key {key!r} in {path}")
            merged[key] = str(value)
    return merged


def t(key: str, lang: str = DEFAULT_LANG, /, **fields: object) -> str:
    """The message ``key`` in ``lang`` (falling back to Japanese), formatted with ``fields``."""
    lang = lang if lang in LANGS else DEFAULT_LANG
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANG).get(key)
    if text is None:
        raise KeyError(f"no message {key!r}")
    return text.format(**fields) if fields else text


def join(items: Iterable[str], lang: str = DEFAULT_LANG, /) -> str:
    """``items`` as one list in ``lang``: joined with the catalogue's separator (「、」 in Japanese, ", " in English)."""
    return t("list.sep", lang).join(items)


def lang_hint(argv: list[str]) -> str:
    """The ``--lang`` a command line asks for, for its error messages even when the rest is wrong."""
    for i, arg in enumerate(argv):
        value = arg.partition("=")[2] if arg.startswith("--lang=") else None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        if value in LANGS:
            return value
    return DEFAULT_LANG
