"""Neutral views → Adaptive Card 1.5 (the only place Teams UI exists). Pure functions.

Cards stay under Teams' message size limit (about 28 KB): long texts are shortened first, then the
last sections and fields are dropped, with a note saying so. Mentions (``views.MENTION_RE`` tokens)
become ``<at>name</at>`` with the ``msteams.entities`` Teams needs to notify the person.

Teams has no date-time input: a ``datetime`` input is an ``Input.Date`` plus an ``Input.Time``
(ids ``<name>__date`` / ``<name>__time``), named in the submit data so ``inbound`` can join them.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bot.core.i18n import join, t
from bot.core.views import MENTION_RE, Button, Card, CheckItem, Field, Form, Input, Section

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
VERSION = "1.5"
MAX_BYTES = 27_000  # Teams refuses messages over ~28 KB; keep room for the activity envelope
META = "mynaleak"  # the key in Action.Submit data that describes the form's compound inputs
DATE, TIME, ERROR = "__date", "__time", "__error"
_TONE_STYLE = {"info": "accent", "warning": "warning", "danger": "attention", "success": "good", "muted": "default"}
_TONE_COLOR = {"info": "accent", "warning": "warning", "danger": "attention", "success": "good", "muted": "default"}
_BUTTON_STYLE = {"primary": "positive", "danger": "destructive", "default": "default"}
_STATE_MARK = {"open": "⬜", "done": "✅", "na": "➖"}
_AT_TAG = re.compile(r"</?at>", re.IGNORECASE)


class _Mentions:
    """Collects the mention entities of one card while its texts are rendered."""

    def __init__(self) -> None:
        self.entities: list[dict[str, Any]] = []

    def text(self, raw: str) -> str:
        raw = _AT_TAG.sub(lambda m: m.group(0).replace("<", "‹").replace(">", "›"), raw)

        def one(m: re.Match[str]) -> str:
            platform, key, name = m.group(1), m.group(2), m.group(3) or m.group(2)
            if platform != "teams":
                return name
            tag = f"<at>{name}</at>"
            if not any(e["text"] == tag and e["mentioned"]["id"] == key for e in self.entities):
                self.entities.append({"type": "mention", "text": tag, "mentioned": {"id": key, "name": name}})
            return tag

        return MENTION_RE.sub(one, raw)


def _para(text: str) -> str:
    """Adaptive Card markdown needs a blank line for a line break outside lists."""
    lines = text.split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        out.append(line)
        if i < len(lines) - 1:
            nxt = lines[i + 1]
            out.append("\n" if nxt.lstrip().startswith(("- ", "* ", "・")) and line.lstrip().startswith(("- ", "* ", "・")) else "\n\n")
    return "".join(out)


def _tb(text: str, m: _Mentions, **kw: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": _para(m.text(text)), "wrap": True, **kw}


def _action(b: Button) -> dict[str, Any]:
    if b.url:  # a link (the page's link to the incident thread)
        return {"type": "Action.OpenUrl", "title": b.label[:100], "url": b.url}
    a: dict[str, Any] = {"type": "Action.Submit", "title": b.label[:100], "data": {"action": b.action, "value": b.value}}
    if b.style != "default":
        a["style"] = _BUTTON_STYLE[b.style]
    return a


def _open_url(title: str, url: str) -> dict[str, Any]:
    return {"type": "Action.OpenUrl", "title": title[:100], "url": url}


def _item(item: CheckItem, m: _Mentions) -> dict[str, Any]:
    items: list[dict[str, Any]] = [_tb(f"{_STATE_MARK.get(item.state, '⬜')} {item.text}", m)]
    if item.detail:
        items.append(_tb(item.detail, m, isSubtle=True, size="Small", spacing="None"))
    if item.buttons:
        items.append({"type": "ActionSet", "actions": [_action(b) for b in item.buttons], "spacing": "Small"})
    return {"type": "Container", "items": items, "spacing": "Medium"}


_HEADING: dict[str, dict[str, Any]] = {"# ": {"size": "Large", "weight": "Bolder"}, "## ": {"size": "Medium", "weight": "Bolder", "separator": True},
            "### ": {"weight": "Bolder"}}  # fmt: skip


def _markdown(text: str, m: _Mentions) -> list[dict[str, Any]]:
    """A Markdown document (the draft) as Adaptive Card text styles: headings as sized bold text,
    quotes as an emphasised container, lists and paragraphs as text (one block per paragraph)."""
    out: list[dict[str, Any]] = []
    for block in (b.strip("\n").replace("  \n", "\n") for b in text.replace("\r\n", "\n").split("\n\n")):
        if not block.strip():
            continue
        head = next((h for h in sorted(_HEADING, key=len, reverse=True) if block.startswith(h) and "\n" not in block), None)
        if head is not None:
            out.append(_tb(block[len(head) :], m, spacing="Medium", **_HEADING[head]))
        elif all(line.startswith(">") for line in block.split("\n")):
            quote = "\n".join(line[1:].lstrip() for line in block.split("\n"))
            out.append({"type": "Container", "style": "emphasis", "items": [_tb(quote, m, isSubtle=True, size="Small")]})
        else:
            out.append(_tb(block, m, spacing="Small"))
    return out


def _document(s: Section, m: _Mentions) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [_tb(s.title, m, weight="Bolder", separator=True, spacing="Medium")] if s.title else []
    return out + _markdown(s.text, m)


def _section(s: Section, m: _Mentions) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if s.title:
        out.append(_tb(s.title, m, weight="Bolder", separator=True, spacing="Medium"))
    if s.text:
        out.append(_tb(s.text, m, spacing="Small"))
    out += [_item(i, m) for i in s.items]
    return out


def _facts(fields: tuple[Field, ...], m: _Mentions) -> dict[str, Any]:
    return {"type": "FactSet", "facts": [{"title": m.text(f.label), "value": m.text(f.value) or "-"} for f in fields]}


def _summary(fields: tuple[Field, ...], m: _Mentions) -> dict[str, Any]:
    """The card's header: one column per field, its label small and subtle over its value in bold."""
    columns = [
        {
            "type": "Column",
            "width": "stretch",
            "items": [_tb(f.label, m, isSubtle=True, size="Small"), _tb(f.value or "-", m, weight="Bolder", spacing="None")],
        }
        for f in fields
    ]
    return {"type": "ColumnSet", "columns": columns, "spacing": "Small"}


def _envelope(body: list[dict[str, Any]], actions: list[dict[str, Any]], m: _Mentions, fallback: str) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "AdaptiveCard", "version": VERSION, "body": body}
    card["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json"
    if actions:
        card["actions"] = actions
    if fallback:
        plain = MENTION_RE.sub(lambda x: x.group(3) or x.group(2), fallback)
        card["fallbackText"] = _AT_TAG.sub(lambda x: x.group(0).replace("<", "‹").replace(">", "›"), plain)[:200]
    if m.entities:
        card["msteams"] = {"entities": m.entities}
    return card


def _card(view: Card, documents: int = 0) -> dict[str, Any]:
    """``documents``: the last this many sections are Markdown documents (the draft's text file)."""
    m = _Mentions()
    head: list[dict[str, Any]] = []
    if view.title:
        head.append(_tb(view.title, m, size="Medium", weight="Bolder", color=_TONE_COLOR[view.tone]))
    if view.summary:
        head.append(_summary(view.summary, m))
    if view.text:
        head.append(_tb(view.text, m, spacing="Small"))
    body: list[dict[str, Any]] = []
    if head:
        body.append({"type": "Container", "style": _TONE_STYLE[view.tone], "items": head, "bleed": True})
    if view.fields:
        body.append(_facts(view.fields, m))
    first_document = len(view.sections) - documents
    for n, s in enumerate(view.sections):
        body += _document(s, m) if n >= first_document else _section(s, m)
    if view.footer:
        body.append(_tb(view.footer, m, isSubtle=True, size="Small", separator=True))
    if not body:
        body.append({"type": "TextBlock", "text": " "})
    return _envelope(body, [_action(b) for b in view.buttons], m, view.title or view.text)


def _shorten(view: Card, limit: int) -> Card:
    cut = lambda s: s if len(s) <= limit else s[: max(limit - 1, 0)] + "…"  # noqa: E731
    return replace(
        view,
        text=cut(view.text),
        footer=cut(view.footer),
        summary=tuple(Field(f.label, cut(f.value)) for f in view.summary),
        fields=tuple(Field(f.label, cut(f.value)) for f in view.fields),
        sections=tuple(
            Section(s.title, cut(s.text), tuple(replace(i, text=cut(i.text), detail=cut(i.detail)) for i in s.items)) for s in view.sections
        ),
    )


def size(card: dict[str, Any]) -> int:
    """The card's size in bytes as Teams counts it (compact JSON, UTF-8)."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _inline_attachments(view: Card, lang: str, links: Mapping[str, str]) -> tuple[Card, int]:
    """A bot cannot attach arbitrary files to a Teams channel message without SharePoint, so text
    files (the Markdown draft) are shown in the card (as the last sections; their number is returned)
    and the rest get a download button when ``links`` has a link for them (bot/downloads.py), else a
    note saying why they cannot be had here."""
    if not view.attachments:
        return view, 0
    sections = list(view.sections)
    others = []
    for a in view.attachments:
        if a.mime.startswith("text/"):
            sections.append(Section(title=a.name, text=base64.b64decode(a.data).decode("utf-8", "replace")))
        elif a.name not in links:
            others.append(a.name)
    footer = view.footer
    if others:
        footer = (footer + "\n" if footer else "") + t("teams.files_elsewhere", lang, names=join(others, lang))
    if any(a.name in links for a in view.attachments if not a.mime.startswith("text/")):
        footer = (footer + "\n" if footer else "") + t("teams.download_note", lang)
    documents = len(sections) - len(view.sections)
    return replace(view, sections=tuple(sections), footer=footer, attachments=()), documents


def card(view: Card, lang: str = "ja", links: Mapping[str, str] | None = None) -> dict[str, Any]:
    """An Adaptive Card 1.5 for ``view``, shortened to fit Teams' size limit if needed. ``links``:
    download links of its attached files, by file name (shown as buttons)."""
    links = links or {}
    downloads = [_open_url(t("teams.download", lang, name=a.name), links[a.name]) for a in view.attachments
                 if a.name in links and not a.mime.startswith("text/")]  # fmt: skip
    view, documents = _inline_attachments(view, lang, links)
    first_document = len(view.sections) - documents

    def make(v: Card) -> dict[str, Any]:  # sections dropped to fit are the last: documents first
        out = _card(v, max(0, len(v.sections) - first_document))
        if downloads:
            out["actions"] = downloads + out.get("actions", [])
        return out

    out = make(view)
    if size(out) <= MAX_BYTES:
        return out
    for limit in (2000, 800, 300, 120):
        out = make(_shorten(view, limit))
        if size(out) <= MAX_BYTES:
            return out
    small = _shorten(view, 120)
    note = t("teams.truncated", lang)
    noted = replace(small, footer=(small.footer + "\n" if small.footer else "") + note)
    total = sum(max(len(sec.items), 1) for sec in small.sections)
    k = _most(lambda n: make(_keep(noted, n, len(small.fields))), total)
    if k is not None:
        return make(_keep(noted, k, len(small.fields)))
    f = _most(lambda n: make(_keep(noted, 0, n)), len(small.fields))
    if f is not None:
        return make(_keep(noted, 0, f))
    last = Card(
        title=small.title[:200], tone=small.tone, text=small.text[:1000], footer=note, buttons=small.buttons[:6], summary=small.summary
    )
    return make(last)


def _keep(view: Card, units: int, fields: int) -> Card:
    """``view`` with its first ``units`` checklist lines (a section without items counts as one)
    and its first ``fields`` fields."""
    sections: list[Section] = []
    for sec in view.sections:
        if units <= 0:
            break
        n = max(len(sec.items), 1)
        sections.append(replace(sec, items=sec.items[:units]))
        units -= n
    return replace(view, sections=tuple(sections), fields=view.fields[:fields])


def _most(make: Any, top: int) -> int | None:
    """The largest n in [0, top] whose card fits (binary search), or None if even 0 does not."""
    if size(make(0)) > MAX_BYTES:
        return None
    lo, hi = 0, top
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if size(make(mid)) <= MAX_BYTES:
            lo = mid
        else:
            hi = mid - 1
    return lo


# ---- forms --------------------------------------------------------------------------------------
def _input(i: Input, m: _Mentions, error: str | None, lang: str) -> list[dict[str, Any]]:
    label = m.text(i.label)
    common: dict[str, Any] = {"label": label, "isRequired": i.required}
    if i.required:  # what Teams shows when it is left empty: say what to do, not just the label
        common["errorMessage"] = (error or t("teams.required_choice" if i.options else "teams.required_text", lang, field=label))[:500]
    init = i.initial
    out: list[dict[str, Any]] = []
    if i.kind in ("text", "textarea"):
        el: dict[str, Any] = {"type": "Input.Text", "id": i.name, **common, "maxLength": i.max_length}
        if i.kind == "textarea":
            el["isMultiline"] = True
        if isinstance(init, str) and init:
            el["value"] = init
        if i.hint:
            el["placeholder"] = i.hint[:200]
        out.append(el)
    elif i.kind == "number":
        el = {"type": "Input.Number", "id": i.name, **common, "min": 0}
        num = _number(init)
        if num is not None:
            el["value"] = num
        if i.hint:
            el["placeholder"] = i.hint[:200]
        out.append(el)
    elif i.kind == "datetime":
        date, _, clock = (init if isinstance(init, str) else "").partition("T")
        d: dict[str, Any] = {"type": "Input.Date", "id": i.name + DATE, **common}
        tm: dict[str, Any] = {"type": "Input.Time", "id": i.name + TIME, **common, "label": time_label(label, lang)}
        if i.required and not error:
            tm["errorMessage"] = t("teams.required_text", lang, field=tm["label"])[:500]
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            d["value"] = date
        if re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", clock[:8]):
            tm["value"] = clock[:5]
        out += [d, tm]
    else:
        choices = [{"title": m.text(o.label), "value": o.value} for o in i.options]
        el = {"type": "Input.ChoiceSet", "id": i.name, **common, "choices": choices, "style": "compact"}
        if i.kind == "multiselect":
            el["isMultiSelect"] = True
            el["style"] = "expanded"
        value = ",".join(init) if isinstance(init, tuple) else init
        if value:
            el["value"] = value
        out.append(el)
    if i.hint and i.kind not in ("text", "textarea", "number"):
        out.append(_tb(i.hint, m, isSubtle=True, size="Small", spacing="None"))
    if error:
        out.append(_tb("⚠ " + error, m, id=i.name + ERROR, color="attention", size="Small", spacing="None"))
    return out


def time_label(label: str, lang: str) -> str:
    """The label of a date-time field's time half: 「発生日時（分かれば）」 → 「発生日時（分かれば・時刻）」,
    never two brackets in a row."""
    for close in ("）", ")"):
        if label.endswith(close):
            return t("teams.time_label_inside", lang, head=label[: -len(close)], close=close)
    return t("teams.time_label", lang, field=label)


def _number(init: str | tuple[str, ...]) -> int | float | None:
    if not isinstance(init, str) or not init.strip():
        return None
    try:
        value = float(init.replace(",", ""))
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def meta(form: Form) -> dict[str, Any]:
    """What ``inbound`` needs to read this form's submission back (and its title, to confirm it)."""
    return {
        "title": form.title[:200],
        "dt": [i.name for i in form.inputs if i.kind == "datetime"],
        "multi": [i.name for i in form.inputs if i.kind == "multiselect"],
    }


def form(view: Form, lang: str = "ja") -> dict[str, Any]:
    """A form as an Adaptive Card whose Action.Submit carries ``{"form", "context", META}``."""
    m = _Mentions()
    body: list[dict[str, Any]] = [_tb(view.title, m, size="Medium", weight="Bolder")]
    if view.intro:
        body.append(_tb(view.intro, m, spacing="Small"))
    if view.errors:
        body.append(_tb(t("teams.form_errors", lang), m, color="attention", weight="Bolder"))
    for i in view.inputs:
        body += _input(i, m, view.errors.get(i.name), lang)
    submit = {"type": "Action.Submit", "title": view.submit_label[:100], "style": "positive",
              "data": {"form": view.id, "context": view.context, META: meta(view)}}  # fmt: skip
    return _envelope(body, [submit], m, view.title)


def done(title: str, text: str) -> dict[str, Any]:
    """What a form card becomes once it was submitted (so it cannot be sent twice)."""
    return _card(Card(title=title, tone="success", text=text))


def attachment(content: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CONTENT_TYPE, "content": content}
