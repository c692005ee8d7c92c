"""What the commands share: printing a catalogue message in the command line's language."""

from __future__ import annotations

import sys

from bot.core.config import Settings
from bot.core.i18n import t


def say(key: str, settings: Settings, *, err: bool = False, **fields: object) -> None:
    """Print a message from the catalogue, in the language of MYNALEAK_LANG (Japanese by default)."""
    print(t(key, settings.lang, **fields), file=sys.stderr if err else sys.stdout, flush=True)
