"""Property: a valid My Number typed into any field — in any layout — never reaches the database,
the log output or any outgoing message."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import unicodedata
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.redaction import check_digit
from bot.logs import JsonFormatter
from tests.conftest import Clock, migrated_sqlite, scaled
from tests.flows.helpers import config
from tests.support.harness import Harness
from tests.test_privacy_layouts import dump, exercise  # every inbound path a person can type into

FIELDS = ["summary", "notes", "people", "people_max", "discovered_at", "occurred_at", "item_note", "na_reason",
          "close_reason", "command", "unknown_verb", "button", "message", "form_context", "receipt", "notice_reason"]  # fmt: skip
SEPARATORS = ["", " ", "-", "－", "　", "."]


@st.composite
def my_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(the plain 12 digits, how a person might type them)."""
    first = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=11, max_size=11)))
    digits = first + str(check_digit(first))
    sep = draw(st.sampled_from(SEPARATORS))
    typed = sep.join([digits[:4], digits[4:8], digits[8:]]) if draw(st.booleans()) else digits
    if draw(st.booleans()):
        typed = typed.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return digits, typed


def found(digits: str, blob: str) -> bool:
    """The number, in any layout a person could type, standing on its own in ``blob``."""
    sep = r"[\s\-－‐ー−.]?"
    pattern = r"(?<!\d)" + sep.join(digits) + r"(?!\d)"
    return re.search(pattern, unicodedata.normalize("NFKC", blob)) is not None


def test_the_detector_itself_finds_numbers() -> None:
    assert found("123456789018", "x １２３４－５６７８－９０１８ y") and found("123456789018", "a 1234 5678 9018")
    assert not found("000000000000", "0" * 64) and not found("123456789018", "************")


def test_no_my_number_survives_anywhere(tmp_path: Path) -> None:
    log_buffer = io.StringIO()
    handler = logging.StreamHandler(log_buffer)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        run_property(tmp_path, log_buffer)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def run_property(tmp_path: Path, log_buffer: io.StringIO) -> None:
    """Each example on a database of its own (a copy of a migrated one): the whole database and the log
    lines of that example are searched for its number."""

    @settings(max_examples=scaled(60), deadline=None, suppress_health_check=list(HealthCheck))
    @given(number=my_numbers(), field=st.sampled_from(FIELDS))
    def prop(number: tuple[str, str], field: str) -> None:
        digits, typed = number

        async def go() -> tuple[str, str]:
            db = await migrated_sqlite(tmp_path / f"p{uuid.uuid4().hex}.db")
            h = Harness(db, config(), Clock())
            try:
                await exercise(h, field, typed)
                sent = "\n".join(h.adapter.texts())
                return sent, await dump(h.store.engine)
            finally:
                await h.close()

        log_buffer.seek(0)  # this example's log lines only (the handler writes on from here)
        log_buffer.truncate()
        sent, stored = asyncio.run(go())
        assert not found(digits, sent), f"echoed in a message ({field})"
        assert not found(digits, stored), f"stored in the database ({field})"
        assert not found(digits, log_buffer.getvalue()), f"logged ({field})"

    prop()
