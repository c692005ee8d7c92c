"""Issue 14: a command's words may be separated by the full-width space of a Japanese keyboard (Slack's
slash-command text, Teams and playground messages all reach the flows as text)."""

from __future__ import annotations

from flows import commands, needs
from tests.flows.helpers import REPORTER, command


def test_full_width_spaces_separate_a_commands_words() -> None:
    assert commands.parse("\u3000report") == ("report", [])
    verb, words = commands.parse("close\u3000ML-2026-0001\u3000誤報でした")
    assert verb == "close" and words == ["ML-2026-0001", "誤報でした"]
    assert needs(command(REPORTER, "status\u3000ML-2026-0001")).incident_id == "ML-2026-0001"
