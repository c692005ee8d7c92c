"""Pure translators: ``bot.core.views`` → HTML fragments for the playground page. The only place the
playground's UI markup exists. Every piece of text is escaped here; the page inserts the fragments
as they are. Mention tokens become ``@name`` chips."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from bot.core.i18n import t
from bot.core.views import MENTION_RE, Button, Card, CheckItem, Form, Input, Section

TONES = ("info", "warning", "danger", "success", "muted")
INCIDENT_RE = re.compile(r"\bML-(?:DRILL-)?\d{4}-\d{4,}\b")
EYE = (
    '<svg class="icon" viewBox="0 0 24 24" width="14" height="14" aria-hidden="true"><path fill="currentColor" '
    'd="M12 5C6.5 5 2.7 9.4 1.5 12c1.2 2.6 5 7 10.5 7s9.3-4.4 10.5-7C21.3 9.4 17.5 5 12 5zm0 11.5A4.5 4.5 0 1 1 12 7.5a4.5 4.5 0 0 1 0 9zm0-7a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z"/></svg>'
)


def _a(value: object) -> str:
    return escape(str(value), quote=True)


def text_html(text: str, names: Callable[[str], str] | None = None) -> str:
    """Escape ``text``; mentions become chips (``names`` maps a playground key to a display name);
    line breaks become ``<br>``."""
    out: list[str] = []
    pos = 0
    for m in MENTION_RE.finditer(text):
        out.append(escape(text[pos : m.start()]))
        platform, key, name = m.group(1), m.group(2), m.group(3)
        shown = name or (names(key) if names else "") or key
        out.append(f'<span class="mention" data-user="{_a(platform)}:{_a(key)}">@{escape(shown)}</span>')
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def button_html(b: Button) -> str:
    style = {"primary": "btn-primary", "danger": "btn-danger"}.get(b.style, "btn-default")
    if b.url:  # a link (the page's link to the incident thread)
        return f'<a class="btn {style}" href="{_a(b.url)}" data-testid="link-{_a(b.action)}">{escape(b.label)}</a>'
    return (
        f'<button type="button" class="btn {style}" data-action="{_a(b.action)}" data-value="{_a(b.value)}"'
        f' data-testid="btn-{_a(b.action)}">{escape(b.label)}</button>'
    )


def _buttons(buttons: tuple[Button, ...]) -> str:
    return f'<div class="btns">{"".join(button_html(b) for b in buttons)}</div>' if buttons else ""


def _item(item: CheckItem, lang: str, names: Callable[[str], str] | None) -> str:
    state_label = {"open": t("playground.item_open", lang), "done": t("button.done", lang), "na": t("button.na", lang)}[item.state]
    detail = f'<div class="check-detail">{text_html(item.detail, names)}</div>' if item.detail else ""
    return (
        f'<li class="check state-{_a(item.state)}" data-testid="item-{_a(item.id)}" data-item="{_a(item.id)}" data-state="{_a(item.state)}">'
        f'<span class="check-mark" role="img" aria-label="{_a(state_label)}"></span>'
        f'<div class="check-body"><div class="check-text">{text_html(item.text, names)}</div>{detail}{_buttons(item.buttons)}</div></li>'
    )


def _section(s: Section, lang: str, names: Callable[[str], str] | None) -> str:
    title = f'<h4 class="section-title">{text_html(s.title, names)}</h4>' if s.title else ""
    text = f'<p class="section-text">{text_html(s.text, names)}</p>' if s.text else ""
    items = f'<ul class="checklist">{"".join(_item(i, lang, names) for i in s.items)}</ul>' if s.items else ""
    return f'<section class="card-section">{title}{text}{items}</section>'


def _label(label: str, names: Callable[[str], str] | None) -> str:
    """A field's label; one naming an incident (the ``list`` answer) is a link to its card and thread."""
    found = INCIDENT_RE.search(label)
    if found is None:
        return text_html(label, names)
    return (
        f'<button type="button" class="incident-link" data-incident="{_a(found.group(0))}" data-testid="incident-link">'
        f"{text_html(label, names)}</button>"
    )


def card_html(card: Card, lang: str = "ja", names: Callable[[str], str] | None = None) -> str:
    """A card: a coloured edge by tone, title, text, a grid of fields, sections (checklists), buttons."""
    tone = card.tone if card.tone in TONES else "info"
    titled = INCIDENT_RE.search(card.title)
    marked = f' data-incident-card="{_a(titled.group(0))}"' if titled else ""
    parts = [f'<div class="card tone-{tone}" data-testid="card"{marked}>']
    if card.title:
        parts.append(f'<div class="card-title">{text_html(card.title, names)}</div>')
    if card.summary:  # the header row: where things stand
        cells = "".join(
            f'<div class="field"><dt>{_label(f.label, names)}</dt><dd>{text_html(f.value, names)}</dd></div>' for f in card.summary
        )
        parts.append(f'<dl class="card-summary" data-testid="card-summary">{cells}</dl>')
    if card.text:
        parts.append(f'<div class="card-text">{text_html(card.text, names)}</div>')
    if card.fields:
        cells = "".join(
            f'<div class="field"><dt>{_label(f.label, names)}</dt><dd>{text_html(f.value, names)}</dd></div>' for f in card.fields
        )
        parts.append(f'<dl class="card-fields">{cells}</dl>')
    parts += [_section(s, lang, names) for s in card.sections]
    if card.attachments:
        links = "".join(
            f'<a class="attachment" data-testid="attachment" download="{_a(a.name)}" href="data:{_a(a.mime)};base64,{_a(a.data)}">📎 {escape(a.name)}</a>'
            for a in card.attachments
        )
        parts.append(f'<div class="attachments">{links}</div>')
    parts.append(_buttons(card.buttons))
    if card.footer:
        parts.append(f'<div class="card-footer">{text_html(card.footer, names)}</div>')
    parts.append("</div>")
    return "".join(parts)


def _initial(inp: Input) -> tuple[str, ...]:
    return inp.initial if isinstance(inp.initial, tuple) else ((inp.initial,) if inp.initial else ())


def _control(inp: Input, fid: str, described: str, lang: str, invalid: bool = False) -> str:
    req = ' aria-required="true"' if inp.required else ""
    bad = ' aria-invalid="true"' if invalid else ""
    common = f'id="{fid}" name="{_a(inp.name)}"{req}{bad}{described}'
    first = _initial(inp)[0] if _initial(inp) else ""
    if inp.kind == "textarea":
        return f'<textarea {common} rows="4" maxlength="{inp.max_length}">{escape(first)}</textarea>'
    if inp.kind == "number":
        return f'<input type="number" min="0" step="1" inputmode="numeric" {common} value="{_a(first)}">'
    if inp.kind == "datetime":
        return f'<input type="datetime-local" {common} value="{_a(first[:16])}">'
    if inp.kind == "select":
        opts = "".join(
            f'<option value="{_a(o.value)}"{" selected" if o.value == first else ""}>{escape(o.label)}</option>' for o in inp.options
        )
        blank = "" if first else '<option value="" selected disabled>—</option>'
        return f"<select {common}>{blank}{opts}</select>"
    if inp.kind == "multiselect":
        chosen = set(_initial(inp))
        boxes = "".join(
            f'<label class="choice"><input type="checkbox" name="{_a(inp.name)}" value="{_a(o.value)}"{" checked" if o.value in chosen else ""}{bad}>'
            f"<span>{escape(o.label)}</span></label>"
            for o in inp.options
        )
        return f'<div class="choices" id="{fid}" role="group" aria-labelledby="{fid}-label"{described}>{boxes}</div>'
    return f'<input type="text" {common} maxlength="{inp.max_length}" value="{_a(first)}">'


def form_html(form: Form, key: str, lang: str = "ja") -> str:
    """A form as the body of the page's dialog; ``key`` is the form's message key. Errors (a form
    shown back after a rejected submission) are shown at their fields and summarised on top."""
    parts = [
        f'<form class="pg-form" method="dialog" novalidate data-key="{_a(key)}" data-form-id="{_a(form.id)}" data-context="{_a(form.context)}"'
        f' data-testid="form-{_a(form.id)}" aria-labelledby="ft-{_a(key)}">',
        f'<h2 class="form-title" id="ft-{_a(key)}">{escape(form.title)}</h2>',
    ]
    if form.intro:
        parts.append(f'<p class="form-intro">{text_html(form.intro)}</p>')
    if form.errors:
        parts.append(f'<div class="form-errors" role="alert" data-testid="form-errors">{escape(t("playground.form_errors", lang))}</div>')
    for inp in form.inputs:
        fid = f"f-{key}-{inp.name}"
        err = form.errors.get(inp.name, "")
        ids = [f"{fid}-hint"] if inp.hint else []
        ids += [f"{fid}-err"] if err else []
        described = f' aria-describedby="{_a(" ".join(ids))}"' if ids else ""
        invalid = " has-error" if err else ""
        req = f'<span class="req" title="{_a(t("playground.required", lang))}">*</span>' if inp.required else ""
        label_for = "" if inp.kind == "multiselect" else f' for="{_a(fid)}"'
        parts.append(f'<div class="form-row{invalid}" data-field="{_a(inp.name)}">')
        parts.append(f'<label class="form-label"{label_for} id="{_a(fid)}-label">{escape(inp.label)}{req}</label>')
        parts.append(_control(inp, _a(fid), described, lang, bool(err)))
        if inp.hint:
            parts.append(f'<small class="hint" id="{_a(fid)}-hint">{escape(inp.hint)}</small>')
        if err:
            parts.append(f'<div class="field-error" id="{_a(fid)}-err" role="alert">{escape(err)}</div>')
        parts.append("</div>")
    parts.append(
        '<div class="form-actions">'
        f'<button type="button" class="btn btn-default" data-dismiss data-testid="form-cancel">{escape(t("playground.cancel", lang))}</button>'
        f'<button type="submit" class="btn btn-primary" data-testid="form-submit">{escape(form.submit_label)}</button></div></form>'
    )
    return "".join(parts)


def message_html(*, author: str, is_bot: bool, time: str, body: str, lang: str, edited: bool, private: bool, role: str = "") -> str:
    """The chrome around a message: avatar, name (an APP badge for the bot), time, edited mark, and
    the "only visible to you" note on private replies."""
    initial = "m" if is_bot else (author[:1] or "?")
    avatar = f'<div class="avatar {"avatar-bot" if is_bot else "avatar-person"}" aria-hidden="true">{escape(initial)}</div>'
    badge = f'<span class="badge-app">{escape(t("playground.app", lang))}</span>' if is_bot else ""
    role_html = f'<span class="msg-role">{escape(role)}</span>' if role else ""
    edited_html = f'<span class="msg-edited" data-testid="edited">{escape(t("playground.edited", lang))}</span>' if edited else ""
    note = f'<div class="msg-private" data-testid="private-note">{EYE} {escape(t("playground.only_you", lang))}</div>' if private else ""
    return (
        f'{avatar}<div class="msg-main"><div class="msg-head"><span class="msg-author">{escape(author)}</span>{badge}{role_html}'
        f'<time class="msg-time">{escape(time)}</time>{edited_html}</div>{note}<div class="msg-body">{body}</div></div>'
    )
