"""Neutral views → Slack Block Kit: cards become messages, forms become modals. Pure functions.

Slack's limits are kept here (``LIMITS``): 50 blocks a message, 100 a modal, 3,000 characters a
section text, 2,000 a field, 10 fields a section, 150 a header, 75 a button or option label, 25
elements an actions block, 24 a modal title. A checklist that does not fit is condensed step by step
(buttons folded into an overflow menu, settled items grouped into one line per section) and, as a last
resort, the open items that still do not fit are named in an explicit "…and N more" line: never left
out silently. Text a person typed is escaped (``&``, ``<``, ``>``), so it cannot ping @channel or forge
a link; neutral mention tokens become ``<@U…>``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import views
from bot.core.i18n import t
from bot.core.views import MENTION_RE, Button, Card, CheckItem, Field, Form, Input, Option, Section

Block = dict[str, Any]
LIMITS = {
    "message_blocks": 50,
    "modal_blocks": 100,
    "text": 3000,
    "field": 2000,
    "fields": 10,
    "header": 150,
    "button_text": 75,
    "button_value": 2000,
    "action_id": 255,
    "block_id": 255,
    "actions": 25,
    "context": 10,
    "modal_title": 24,
    "option_text": 75,
    "option_value": 150,
    "options": 100,
    "overflow_min": 2,
    "overflow_max": 5,
    "label": 2000,
    "hint": 2000,
    "private_metadata": 3000,
    "input_max": 3000,
}
TONE = {"danger": "🚨", "warning": "⚠️", "success": "✅", "info": "", "muted": ""}
USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,30}$")
ACTION_SEP = "~"


class RenderError(ValueError):
    """A view that cannot be shown in Slack at all (a programming error in a flow)."""


# ---- text ----------------------------------------------------------------------------------------


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """Escape ``text`` for mrkdwn and turn neutral mention tokens into Slack mentions."""
    out, pos = [], 0
    for m in MENTION_RE.finditer(text):
        platform, key, name = m.groups()
        out.append(escape(text[pos : m.start()]))
        out.append(f"<@{key}>" if platform == "slack" and USER_ID_RE.match(key) else escape(name or key))  # no mention: the name
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def plain(text: str) -> str:
    """Text for plain_text objects (no mentions there): a mention becomes the person's name."""
    return views.plain(text)


def clip(text: str, limit: int) -> str:
    """Shorten with a visible ellipsis (for labels and titles, never for list content)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: str, limit: int = LIMITS["text"]) -> list[str]:
    """Cut long mrkdwn into chunks of at most ``limit`` characters, at a line or word boundary."""
    chunks = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
            amp, lt = text.rfind("&", cut - 8, cut), text.rfind("<", cut - 40, cut)
            for start, end in ((amp, ";"), (lt, ">")):  # never cut an entity or a mention in two
                if start != -1 and text.find(end, start, cut) == -1:
                    cut = min(cut, start)
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text:
        chunks.append(text)
    return chunks


def _pt(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(plain(text), limit) or " ", "emoji": True}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _clipped(text: str, lang: str, limit: int = LIMITS["text"]) -> str:
    if len(text) <= limit:
        return text
    marker = t("slack.text_clipped", lang)
    return split_text(text, limit - len(marker) - 1)[0] + marker


# ---- cards → messages ------------------------------------------------------------------------------


class _Ids:
    """Hands out action_ids unique within one message."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, action: str) -> str:
        self.n += 1
        return f"{action[:200]}{ACTION_SEP}{self.n}"


def action_of(action_id: str) -> str:
    """The neutral action of a rendered button's action_id."""
    return action_id.rsplit(ACTION_SEP, 1)[0]


def _button(b: Button, ids: _Ids) -> Block:
    if len(b.value) > LIMITS["button_value"]:
        raise RenderError(f"button value over {LIMITS['button_value']} characters ({b.action})")
    el: Block = {"type": "button", "text": _pt(b.label, LIMITS["button_text"]), "action_id": ids(b.action)}
    if b.url:
        el["url"] = b.url
    elif b.value:
        el["value"] = b.value
    if b.style != "default":
        el["style"] = b.style
    return el


def _actions(buttons: tuple[Button, ...], ids: _Ids) -> list[Block]:
    step = LIMITS["actions"]
    return [{"type": "actions", "elements": [_button(b, ids) for b in buttons[i : i + step]]} for i in range(0, len(buttons), step)]


def _field_text(f: Field) -> str:
    return clip(f"*{mrkdwn(f.label)}*\n{mrkdwn(f.value)}", LIMITS["field"])


def _summary_text(f: Field) -> str:
    return f"*{mrkdwn(f.label)}*  {mrkdwn(f.value)}"


def _head(card: Card, lang: str) -> list[Block]:
    blocks: list[Block] = []
    tone = TONE.get(card.tone, "")
    text = mrkdwn(card.text)
    if card.title:
        blocks.append({"type": "header", "text": _pt(f"{tone} {card.title}".strip(), LIMITS["header"])})
    elif tone and text:
        text = f"{tone} {text}"
    if card.summary:  # where things stand, right under the header (context: at most 10 elements)
        parts = [{"type": "mrkdwn", "text": clip(_summary_text(f), LIMITS["text"])} for f in card.summary[: LIMITS["context"]]]
        blocks.append({"type": "context", "elements": parts})
    blocks += [_section(chunk) for chunk in split_text(text)]
    for i in range(0, len(card.fields), LIMITS["fields"]):
        chunk = card.fields[i : i + LIMITS["fields"]]
        blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": _field_text(f)} for f in chunk]})
    return blocks


def _tail(card: Card, ids: _Ids) -> list[Block]:
    blocks = _actions(card.buttons, ids)
    if card.footer:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(mrkdwn(card.footer), LIMITS["text"])}]})
    return blocks


def _item_text(ci: CheckItem, lang: str) -> str:
    text = f"{t(f'slack.state.{ci.state}', lang)} {mrkdwn(ci.text)}"
    if ci.detail:
        text += "\n" + mrkdwn(ci.detail)
    return _clipped(text, lang)


def _overflow_ok(ci: CheckItem) -> bool:
    lo, hi = LIMITS["overflow_min"], LIMITS["overflow_max"]
    return lo <= len(ci.buttons) <= hi and all(len(b.action) + len(b.value) + 1 <= LIMITS["option_value"] for b in ci.buttons)


def _item(ci: CheckItem, compact: bool, ids: _Ids, lang: str) -> list[Block]:
    block = _section(_item_text(ci, lang))
    if not ci.buttons:
        return [block]
    if compact and len(ci.buttons) == 1:
        block["accessory"] = _button(ci.buttons[0], ids)
        return [block]
    if compact and _overflow_ok(ci):
        options = [{"text": _pt(b.label, LIMITS["option_text"]), "value": f"{b.action}{ACTION_SEP}{b.value}"} for b in ci.buttons]
        block["accessory"] = {"type": "overflow", "action_id": ids("overflow"), "options": options}
        return [block]
    return [block, *_actions(ci.buttons, ids)]


def _section_head(s: Section) -> list[Block]:
    text = "\n".join(x for x in (f"*{mrkdwn(s.title)}*" if s.title else "", mrkdwn(s.text)) if x)
    return [_section(chunk) for chunk in split_text(text)] if text else []


def _id_list(ids: list[str], lang: str, limit: int = 2800) -> str:
    text, shown = "", 0
    for i in ids:
        piece = (", " if shown else "") + mrkdwn(i)
        if len(text) + len(piece) > limit:
            return text + ", " + t("slack.more_ids", lang, n=len(ids) - shown)
        text += piece
        shown += 1
    return text


def _body(sections: tuple[Section, ...], level: int, ids: _Ids, lang: str, room: int = 0) -> list[Block]:
    """Level 0: every item with its buttons; 1: buttons folded into the item; 2: settled items grouped;
    3: as 2, and the open items past ``room`` blocks named in one "…and N more" line."""
    blocks: list[Block] = []
    left_out: list[str] = []
    budget = room
    for s in sections:
        blocks += _section_head(s)
        settled = [ci for ci in s.items if ci.state != "open"]
        if level >= 2 and settled:
            marks = [f"{t(f'slack.state.{ci.state}', lang)} {ci.id}" for ci in settled]
            blocks.append(_section(t("slack.settled_group", lang, n=len(settled), ids=_id_list(marks, lang))))
        for ci in s.items:
            if level >= 2 and ci.state != "open":
                continue
            got = _item(ci, level >= 1, ids, lang)
            if level == 3 and (left_out or len(got) > budget):
                left_out.append(ci.id)
                continue
            blocks += got
            budget -= len(got)
    if left_out:
        blocks.append(_section(t("slack.more_items", lang, n=len(left_out), ids=_id_list(left_out, lang))))
    return blocks


def message(card: Card, lang: str = "ja") -> tuple[list[Block], str]:
    """A card as message blocks (at most 50) and the notification fallback text."""
    limit = LIMITS["message_blocks"]
    head = _head(card, lang)
    for level in (0, 1, 2):
        ids = _Ids()
        body = _body(card.sections, level, ids, lang)
        tail = _tail(card, ids)
        if len(head) + len(body) + len(tail) <= limit:
            return head + body + tail, fallback(card)
    ids = _Ids()
    tail = _tail(card, ids)
    fixed = len(_body(tuple(Section(s.title, s.text) for s in card.sections), 2, ids, lang))
    fixed += sum(1 for s in card.sections if any(ci.state != "open" for ci in s.items)) + 1
    room = limit - len(head) - len(tail) - fixed
    if room < 0:  # absurdly many sections: one line per section, every item named
        lines = [
            f"*{mrkdwn(s.title)}* " + _id_list([f"{t(f'slack.state.{ci.state}', lang)} {ci.id}" for ci in s.items], lang)
            for s in card.sections
        ]
        body = [_section(c) for c in split_text("\n".join(lines))]
        blocks = (head + body)[: limit - len(tail)] + tail
        return blocks, fallback(card)
    ids = _Ids()
    body = _body(card.sections, 3, ids, lang, room)
    return head + body + _tail(card, ids), fallback(card)


def fallback(card: Card) -> str:
    """The ``text`` of a message: what notifications and screen readers show (escaped like the blocks,
    so a typed ``<!channel>`` cannot notify anyone; mentions of owners do)."""
    shown = (card.summary + card.fields)[:3]  # the header first: a notification says where things stand
    parts = [escape(plain(card.title)), mrkdwn(card.text)] + [f"{mrkdwn(f.label)}: {mrkdwn(f.value)}" for f in shown]
    text = "\n".join(p for p in parts if p) or "mynaleak"
    return split_text(text, LIMITS["text"] - 1)[0] + ("…" if len(text) > LIMITS["text"] else "")


# ---- forms → modals --------------------------------------------------------------------------------


def _option(o: Option) -> Block:
    if len(o.value) > LIMITS["option_value"]:
        raise RenderError(f"option value over {LIMITS['option_value']} characters")
    return {"text": _pt(o.label, LIMITS["option_text"]), "value": o.value}


def _epoch(raw: str, tz: ZoneInfo) -> int | None:
    raw = raw.strip()
    if raw.isdigit() and len(raw) <= 11:
        return int(raw)
    try:
        dt = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return int((dt if dt.tzinfo else dt.replace(tzinfo=tz)).timestamp())


def _element(inp: Input, tz: ZoneInfo) -> Block:
    name, init = inp.name, inp.initial
    one = init if isinstance(init, str) else (init[0] if init else "")
    if inp.kind in ("select", "multiselect"):
        if len(inp.options) > LIMITS["options"]:
            raise RenderError(f"more than {LIMITS['options']} options in {name}")
        options = [_option(o) for o in inp.options]
        if inp.kind == "select":
            el: Block = {"type": "static_select", "action_id": name, "options": options}
            chosen = [o for o, src in zip(options, inp.options, strict=True) if src.value == one]
            if chosen:
                el["initial_option"] = chosen[0]
            return el
        picked = set((init,) if isinstance(init, str) else init)
        el = {"type": "multi_static_select", "action_id": name, "options": options}
        chosen = [o for o, src in zip(options, inp.options, strict=True) if src.value in picked]
        if chosen:
            el["initial_options"] = chosen
        return el
    if inp.kind == "number":
        el = {"type": "number_input", "action_id": name, "is_decimal_allowed": False, "min_value": "0"}
        if one.strip().isdigit():
            el["initial_value"] = one.strip()
        return el
    if inp.kind == "datetime" and (not one.strip() or _epoch(one, tz) is not None):
        el = {"type": "datetimepicker", "action_id": name}
        if one.strip():
            el["initial_date_time"] = _epoch(one, tz)
        return el
    max_len = max(1, min(inp.max_length, LIMITS["input_max"]))
    el = {"type": "plain_text_input", "action_id": name, "max_length": max_len, "multiline": inp.kind == "textarea"}
    if one:
        el["initial_value"] = one[:max_len]
    return el


def modal(form: Form, tz: ZoneInfo, place_key: str = "", lang: str = "ja") -> Block:
    """A form as a modal view. ``callback_id`` is the form id; ``private_metadata`` carries the form
    id, its context and the place it was opened from."""
    meta = json.dumps({"f": form.id, "c": form.context, "p": place_key}, ensure_ascii=False, separators=(",", ":"))
    if len(meta) > LIMITS["private_metadata"]:
        raise RenderError("form context too long for private_metadata")
    intro = mrkdwn(form.intro)
    if len(form.title) > LIMITS["modal_title"]:
        intro = f"*{mrkdwn(form.title)}*" + ("\n" + intro if intro else "")
    blocks: list[Block] = [_section(chunk) for chunk in split_text(intro)] if intro else []
    for inp in form.inputs:
        block: Block = {
            "type": "input",
            "block_id": inp.name[: LIMITS["block_id"]],
            "optional": not inp.required,
            "label": _pt(inp.label, LIMITS["label"]),
            "element": _element(inp, tz),
        }
        if inp.hint:
            block["hint"] = _pt(inp.hint, LIMITS["hint"])
        blocks.append(block)
    if len(blocks) > LIMITS["modal_blocks"]:
        raise RenderError(f"a form of more than {LIMITS['modal_blocks']} blocks")
    return {
        "type": "modal",
        "callback_id": form.id[: LIMITS["block_id"]],
        "title": _pt(form.title, LIMITS["modal_title"]),
        "submit": _pt(form.submit_label, LIMITS["modal_title"]),
        "private_metadata": meta,
        "blocks": blocks,
    }


def form_errors(form: Form) -> dict[str, str]:
    """A rejected form's errors as ``response_action: errors`` wants them (block_id → message)."""
    names = {i.name for i in form.inputs}
    return {k: clip(plain(v), 300) for k, v in form.errors.items() if k in names}
