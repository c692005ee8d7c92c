"""Property (issue 11, item 2): a valid My Number in any layout people and programs produce — split
over lines, tabs, runs of spaces, slashes, commas, underscores, parentheses, asterisks, invisible
format characters between the digits, thin and no-break spaces, NUL and mention brackets, digits of
other scripts, all of these mixed — never reaches the database, a log line or anything sent out:
through every flow in-process, and through the real Slack HTTP path (signed requests in, what the
fake Slack Web API received out)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from bot.core.events import ButtonPressed, CommandInvoked, FormSubmitted, MessagePosted
from bot.core.i18n import t
from bot.core.model import PlaceRef, UserRef
from bot.core.redaction import MASK, check_digit, redact
from flows.common import clean_text
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import SlackHarness
from tests.conftest import Clock, migrated_sqlite, scaled
from tests.flows.helpers import config
from tests.support.harness import Harness

# digit scripts: ASCII, full width, Arabic-Indic, extended Arabic-Indic, Devanagari, Bengali, Thai,
# mathematical bold, double-struck, sans-serif, monospace
ZEROS = [0x30, 0xFF10, 0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7F6]
# what may stand between two groups of digits
GAPS = ["", " ", "-", "\n", "\r\n", "\t", "    ", "/", ",", "_", "*", ".", "\u2009", "\u202f", "\u00a0", "\u3000", "－", "ー",
        " - ", ",\n", "\u00ad", "\u200b", "\u2060", "\ufeff", "\x00", "⟦", "⟧", "\r", " \n ", "      ", "` `", "~", "」「", "\u3164",
        "; ", "* _"]  # fmt: skip
# what may stand between any two digits (invisible)
INVISIBLE = ["", "", "", "\u200b", "\u2060", "\u00ad", "\ufeff", "\u200c", "\u200d"]


@st.composite
def layouts(draw: st.DrawFn) -> tuple[str, str]:
    """(the 12 ASCII digits of a valid My Number, how it is written)."""
    first = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=11, max_size=11)))
    digits = first + str(check_digit(first))
    assume(len(set(digits)) >= 5)  # a number a detector cannot confuse with runs of zeros in timestamps
    shape = draw(st.sampled_from(["plain", "4-4-4", "3-3-3-3", "any", "paren", "lines", "every-digit"]))
    cuts = {"plain": [], "4-4-4": [4, 8], "3-3-3-3": [3, 6, 9], "paren": [4, 8], "lines": [4, 8], "every-digit": list(range(1, 12))}
    cut = cuts.get(shape) or sorted(draw(st.sets(st.integers(1, 11), max_size=5)))
    same = draw(st.booleans())
    gap0 = draw(st.sampled_from(GAPS))
    scripts = draw(st.lists(st.sampled_from(ZEROS), min_size=1, max_size=3))
    out = []
    for i, d in enumerate(digits):
        if i in cut:
            if shape == "lines":
                out.append(draw(st.sampled_from(["\n", "\r\n", "\n\n", " \n"])))
            elif shape == "paren" and i == 4:
                out.append(")")
            else:
                out.append(gap0 if same else draw(st.sampled_from(GAPS)))
        elif i:
            out.append(draw(st.sampled_from(INVISIBLE)))
        out.append(chr(draw(st.sampled_from(scripts)) + int(d)))
    typed = "".join(out)
    return digits, "(" + typed if shape == "paren" else typed


# ---- the detector of the tests: independent of bot.core.redaction ---------------------------------
_ESCAPE = re.compile(r"\\+(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|[nrt])")


def _unescape(m: re.Match[str]) -> str:
    code = m.group(1)
    return " " if code in ("n", "r", "t") else chr(int(code[1:], 16))


class _Plain(dict[int, str]):
    """code point -> what a reader sees: invisible characters dropped, decimal digits in ASCII."""

    def __missing__(self, cp: int) -> str:
        out = []
        for x in unicodedata.normalize("NFKC", chr(cp)):
            if (unicodedata.category(x) in ("Cf", "Mn", "Me", "Cc") and x not in "\n\t") or x in "⟦⟧":
                continue
            d = unicodedata.decimal(x, None)
            out.append(str(d) if d is not None else x)
        self[cp] = "".join(out)
        return self[cp]


_PLAIN = _Plain()


def _plain(blob: str) -> str:
    """The blob as a person would read it: escapes decoded (repr, JSON, URL-encoding), invisible
    characters dropped, every decimal digit in ASCII."""
    from urllib.parse import unquote

    for _ in range(3):
        blob = _ESCAPE.sub(_unescape, unquote(blob))
    return blob.translate(_PLAIN)


def found(digits: str, blob: str) -> bool:
    """The 12 digits in order, with nothing but short runs of non-digits between them."""
    pattern = r"(?<!\d)" + r"\D{0,6}".join(digits) + r"(?!\d)"
    return re.search(pattern, _plain(blob)) is not None


def test_the_detector_finds_every_layout() -> None:
    assert found("123456789018", "x 1234\r\n5678\r\n9018 y") and found("123456789018", json.dumps("١٢٣٤٥٦٧٨٩٠١٨"))
    assert found("123456789018", repr("1\u200b2\u200b3\u200b4 5678\t9018")) and found("123456789018", "(1234)5678-9018")
    assert not found("123456789018", MASK) and not found("123456789018", "1234567890189")


@settings(max_examples=scaled(1500), deadline=None)
@given(number=layouts(), before=st.sampled_from(["", "番号は", "No.", "x ", "\n", "「", "("]),
       after=st.sampled_from(["", "です", " 以上", "\n", "」", ")", "。"]))  # fmt: skip
@example(number=("123456789018", "1234\n5678\n9018"), before="", after="")
@example(number=("123456789018", "(1234)5678-9018"), before="", after="")
@example(number=("123456789018", "1234⟦5678⟧9018"), before="", after="")
@example(number=("123456789018", "1234\x005678\x009018"), before="", after="")
def test_every_layout_is_masked(number: tuple[str, str], before: str, after: str) -> None:
    digits, typed = number
    out, n = redact(before + typed + after)
    assert n >= 1 and MASK in out, repr(typed)
    assert not found(digits, out), (repr(typed), repr(out))
    cleaned, _ = redact(clean_text(before + typed + after))
    assert not found(digits, cleaned) and "\x00" not in cleaned


# ---- through every flow, in-process ---------------------------------------------------------------
FIELDS = ["summary", "notes", "people", "people_max", "discovered_at", "occurred_at", "item_note", "na_reason", "close_reason",
          "command", "unknown_verb", "button", "button_action", "message", "form_context", "facts",
          "receipt", "submitted_at", "notice_reason", "revisit_on"]  # fmt: skip


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """Every log record at DEBUG and above, with tracebacks, as plain text (no masking formatter)."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield buf
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


async def dump(engine: Any) -> str:
    """Every row of every table (a table added later is searched too)."""
    parts = []
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        for table in tables:
            rows = await conn.execute(text(f'SELECT * FROM "{table}"'))
            parts += [repr(tuple(r)) for r in rows]
    return "\n".join(parts)


async def exercise(h: Harness, field: str, typed: str) -> None:
    values = {"summary": "紛失", "discovered_at": h.clock().isoformat(), "medium": "pc", "data_items": ("mynumber",), "whose": "employees"}
    if field in ("summary", "notes", "people", "people_max", "discovered_at", "occurred_at"):
        values[field] = f"番号は {typed} です" if field in ("summary", "notes") else typed
    out = await h.report(**values)
    inc_id = out.incident_id or (await h.report()).incident_id
    sato, place = UserRef("playground", "sato"), PlaceRef("playground", "dm:sato")
    if field == "item_note":
        await h.send(FormSubmitted(sato, "item_note", {"note": f"メモ {typed}"}, f"{inc_id}|1.1"))
    elif field == "na_reason":
        await h.send(FormSubmitted(sato, "item_na", {"reason": typed}, f"{inc_id}|1.2"))
    elif field == "close_reason":
        await h.send(CommandInvoked(sato, place, f"close {inc_id} 理由 {typed}"))
    elif field == "command":
        await h.send(CommandInvoked(sato, place, f"status {typed}"))
        await h.send(CommandInvoked(sato, place, f"close {typed}"))
    elif field == "unknown_verb":
        await h.send(CommandInvoked(sato, place, typed))
    elif field == "button":
        await h.send(ButtonPressed(sato, "item:done", f"{inc_id}|{typed}"))
    elif field == "button_action":
        await h.send(ButtonPressed(sato, f"item:{typed}", f"{inc_id}|1.1"))
    elif field == "message":
        await h.send(MessagePosted(sato, place, f"これ {typed} です"))
    elif field == "form_context":
        await h.send(FormSubmitted(sato, "item_note", {"note": "x"}, f"{inc_id}|{typed}"))
    elif field == "facts":
        await h.send(FormSubmitted(sato, "facts", {"people": typed, "people_max": f"{typed}人"}, inc_id or ""))
    elif field in ("receipt", "submitted_at"):  # "Record a submission": accepted, then shown back with an error
        good = {"law": "mynumber", "kind": "prelim", "submitted_at": h.clock().isoformat(), "channel": "ppc_web", "receipt": "R-1"}
        for kind in ("prelim", "supplement"):
            await h.send(FormSubmitted(sato, "submission", {**good, "kind": kind, field: f"受付 {typed}"}, inc_id or ""))
    elif field in ("notice_reason", "revisit_on"):  # the notice decision: accepted, then shown back with an error
        good = {"decision": "defer", "reason": "要請", "revisit_on": "2026-12-07T09:00"}
        name = "reason" if field == "notice_reason" else "revisit_on"
        await h.send(FormSubmitted(sato, "notice_decision", {**good, name: f"理由 {typed}"}, inc_id or ""))
        await h.send(FormSubmitted(sato, "notice_decision", {**good, "decision": "substitute", name: f"理由 {typed}"}, inc_id or ""))


def test_no_layout_survives_any_flow(tmp_path: Path) -> None:
    """Each example on a database of its own (a copy of a migrated one), searched whole."""
    with captured_logs() as logs:

        @settings(max_examples=scaled(40), deadline=None, suppress_health_check=list(HealthCheck))
        @given(number=layouts(), field=st.sampled_from(FIELDS))
        @example(number=("123456789018", "1234\r\n5678\r\n9018"), field="summary")
        @example(number=("123456789018", "1234\x005678\x009018"), field="unknown_verb")
        @example(number=("123456789018", "1234⟦5678⟧9018"), field="command")
        @example(number=("123456789018", "1234-5678-9018"), field="receipt")
        @example(number=("123456789018", "１２３４ ５６７８ ９０１８"), field="notice_reason")
        def prop(number: tuple[str, str], field: str) -> None:
            digits, typed = number

            async def go() -> tuple[str, str]:
                db = await migrated_sqlite(tmp_path / f"p{uuid.uuid4().hex}.db")
                h = Harness(db, config(), Clock())
                try:
                    await exercise(h, field, typed)
                    return "\n".join(h.adapter.texts()), await dump(h.store.engine)
                finally:
                    await h.close()

            logs.seek(0)  # this example's log lines only (the handler writes on from here)
            logs.truncate()
            sent, stored = asyncio.run(go())
            assert not found(digits, sent), f"echoed in a message ({field}, {typed!r})"
            assert not found(digits, stored), f"stored in the database ({field}, {typed!r})"
            assert not found(digits, logs.getvalue()), f"logged ({field}, {typed!r})"

        prop()


# ---- through the real Slack HTTP path ---------------------------------------------------------------
def _draw(n: int) -> list[tuple[str, str]]:
    """Hypothesis drives synchronous tests: draw the layouts first, then send them over HTTP."""
    drawn: list[tuple[str, str]] = [
        ("123456789018", "1234\n5678\n9018"),
        ("123456789018", "1\u200b2\u200b3\u200b4\u200b5\u200b6\u200b7\u200b8\u200b9\u200b0\u200b1\u200b8"),
    ]

    @settings(max_examples=n, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(number=layouts())
    def draw(number: tuple[str, str]) -> None:
        drawn.append(number)

    draw()
    return drawn


async def test_no_layout_survives_the_slack_http_path(db_url: str, org: Any, clock: Clock) -> None:
    fake = FakeSlack()
    await fake.start()
    slack = await SlackHarness.start(db_url, org, fake, clock)
    slack.adapter.timeout = 2.0
    numbers = _draw(scaled(12))
    try:
        with captured_logs() as logs:
            for digits, typed in numbers:
                calls = len(fake.calls)
                logs.seek(0)  # this number's log lines only
                logs.truncate()
                # the report modal: the number in the summary
                r = await slack.command("report")
                assert r.status == 200
                await slack.settle()
                view_id = max(fake.views)
                values = {"summary": f"鞄を紛失 番号 {typed} です", "medium": "removable", "people": "30", "whose": "employees"}
                r = await slack.submit(view_id, values)
                assert r.status == 200
                # slash commands that echo what was typed
                for command in (f"status {typed}", typed, f"close {typed}", f"\x00{typed}"):
                    assert (await slack.command(command)).status == 200
                # a message in the incident channel
                assert (await slack.event(f"これ {typed} です", "U0SATO")).status == 200
                # an unsigned request carrying the number (Bolt would log its body)
                refused = await slack.command(f"status {typed}", headers={"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=0"})
                assert refused.status == 401
                await slack.settle()
                received = json.dumps([c.args for c in fake.calls[calls:]], ensure_ascii=False)
                assert not found(digits, received), f"sent to Slack: {typed!r}"
                assert not found(digits, await dump(slack.app.store.engine)), f"stored: {typed!r}"
                assert not found(digits, logs.getvalue()), f"logged: {typed!r}"
            # the reports did arrive (masked) and the commands were answered
            burst = t("flood.burst", "ja", minutes=0, n=0, who="", window=0, limit=0).split("：")[0]  # the flood note, not a card
            cards = [
                c
                for c in fake.called("chat.postMessage", channel="C0INCIDENTS")
                if "thread_ts" not in c.args and burst not in c.args["text"]
            ]
            assert len(cards) == len(numbers) and all(MASK in json.dumps(c.args, ensure_ascii=False) for c in cards)
            assert len(fake.ephemerals) >= 4 * len(numbers)
    finally:
        await slack.close()
        await fake.stop()
