"""The views of an incident: the status card, pages, the checklist step cards, simple notes."""

from __future__ import annotations

from dataclasses import replace

from bot.core.config import OrgConfig
from bot.core.i18n import join, t
from bot.core.model import Incident, Item
from bot.core.views import Button, Card, CheckItem, Field, Section, Tone, link_button, person
from flows import card_summary, lifecycle_view, templates
from flows.common import Ctx, fmt_dt, in_incident, who
from flows.drafting import draft_buttons
from flows.law import assessment_fields
from flows.measure_view import measure_block
from flows.paging_card import escalation_fields


def label(key: str, lang: str, prefix: str) -> str:
    return t(f"{prefix}.{key}", lang)


def _people(inc: Incident, lang: str) -> str:
    f = inc.facts
    if f.people is not None:
        return t("facts.people_n", lang, n=f.people)
    if f.people_max is not None:
        return t("facts.people_unknown_max", lang, n=f.people_max)
    return t("common.unknown", lang)


def status_line(inc: Incident, ctx: Ctx, lang: str) -> str:
    esc = inc.escalation
    if inc.status == "closed":
        at, by = fmt_dt(inc.closed_at, ctx), who(inc.closed_by, lang)
        if still_open := inc.open_required():  # closed with a reason while required items were open
            return t("status.closed_open", lang, at=at, by=by, n=len(still_open))
        return t("status.closed", lang, at=at, by=by)
    if esc.status == "acked" and esc.acked_by:
        return t("status.acked", lang, name=person(esc.acked_by), at=ctx.hm(esc.acked_at or ctx.now))
    if esc.status == "exhausted":
        return t("status.exhausted", lang)
    if not esc.chain:
        return t("status.no_chain", lang)
    return t("status.paging", lang, step=esc.step + 1, steps=len(esc.chain))


def step_progress(inc: Incident, config: OrgConfig, lang: str) -> tuple[Section, ...]:
    sections = []
    for st in templates.steps_for(inc, config):
        items = [i for i in inc.items if i.step == st.step]
        done = sum(1 for i in items if i.state != "open")
        mark = "✅" if items and done == len(items) else "⬜"
        title = f"{mark} ({st.step}) {st.title.get(lang, st.title['ja'])}"
        sections.append(Section(title=title, text=t("card.progress", lang, done=done, total=len(items))))
    return tuple(sections)


def _outsourcing_fields(inc: Incident, lang: str) -> tuple[Field, ...]:
    """The facts of issue 12 the card shows once they are known: everyone affected (when it differs
    from the My Number count), the outsourcing side, the other party, the principal's notice day."""
    f, out = inc.facts, []
    if f.appi_people is not None or f.appi_people_max is not None:
        n, most = f.appi_people, f.appi_people_max
        shown = t("facts.people_n", lang, n=n) if n is not None else t("facts.people_unknown_max", lang, n=most)
        out.append(Field(t("facts.appi_people", lang), shown))
    if f.role != "self":
        out.append(Field(t("facts.role", lang), label(f.role, lang, "role")))
    if f.party_name:
        out.append(Field(t("facts.party_name", lang), f.party_name))
    if f.principal_notified_on is not None:
        out.append(Field(t("facts.principal_notified_on", lang), f.principal_notified_on.isoformat()))
    if f.over_100_on is not None:
        out.append(Field(t("facts.over_100_on", lang), f.over_100_on.isoformat()))
    return tuple(out)


def incident_card(inc: Incident, ctx: Ctx) -> Card:
    """The status card in the incident channel, updated in place after every change: in the incident's
    language, whoever's event changed it (the ``status`` answer too)."""
    ctx = in_incident(ctx, inc)
    lang, f = inc.lang, inc.facts
    closed_open = inc.status == "closed" and bool(inc.open_required())
    tone: Tone = (
        "warning" if closed_open else "success" if inc.status == "closed" else "warning" if inc.escalation.status == "acked" else "danger"
    )
    done = sum(1 for i in inc.items if i.state != "open")
    summary = (  # the header: where things stand (flows.card_summary); the detail follows in ``fields``
        Field(t("card.status", lang), status_line(inc, ctx, lang)),
        *((Field(t("card.close_reason", lang), inc.close_reason),) if inc.status == "closed" and inc.close_reason else ()),
        card_summary.duty_field(inc, ctx),
        card_summary.deadline_field(inc, ctx),
        *card_summary.paged_field(inc, ctx),
    )
    fields: tuple[Field, ...] = (
        *escalation_fields(inc, ctx),  # the step, who is paged since when, the next step (flows.paging_card)
        Field(t("card.severity", lang), t(f"severity.{inc.severity}", lang)),
        Field(t("card.progress_total", lang), t("card.progress", lang, done=done, total=len(inc.items))),
        Field(t("facts.discovered_at", lang), fmt_dt(f.discovered_at, ctx)),
        Field(t("facts.occurred_at", lang), fmt_dt(f.occurred_at, ctx)),
        Field(t("facts.medium", lang), label(f.medium, lang, "medium")),
        Field(t("facts.people", lang), _people(inc, lang)),
        *_outsourcing_fields(inc, lang),
        Field(t("facts.data_items", lang), join((label(d, lang, "data") for d in f.data_items), lang) or "-"),
        Field(t("facts.whose", lang), label(f.whose, lang, "whose")),
        Field(t("facts.encrypted", lang), label(f.encrypted, lang, "tri")),
        Field(t("facts.exposed_online", lang), label(f.exposed_online, lang, "tri")),
        Field(t("facts.wrongful_purpose", lang), label(f.wrongful_purpose, lang, "tri")),
        Field(t("facts.outsourcee", lang), label(f.outsourcee, lang, "tri")),
        Field(t("card.reporter", lang), who(inc.reporter, lang)),
    )
    fields += assessment_fields(inc, ctx)
    fields += lifecycle_view.fields(inc, ctx)  # the report lifecycle: submissions per law, the notice decision
    buttons: tuple[Button, ...] = ()
    if inc.status == "open" and inc.escalation.status in ("paging", "exhausted"):
        buttons = (Button(t("button.ack", lang), "ack", inc.id, "primary"),)
    if inc.status == "open" and inc.escalation.status == "exhausted" and inc.escalation.chain:
        buttons += (Button(t("button.page_again", lang), "page", inc.id),)  # nobody acked: restart the chain
    if inc.status == "open":
        buttons += (Button(t("button.facts", lang), "facts:edit", inc.id),)
        if ctx.config.templates:  # the checklist template by cause (flows.templates)
            buttons += (Button(t("checklist.switch_button", lang), "checklist:switch", inc.id),)
    buttons += lifecycle_view.buttons(inc)  # record a submission, decide on the notice
    buttons += draft_buttons(inc)
    return Card(
        title=f"{t('card.title', lang, id=inc.id)}",
        tone=tone,
        text=f.summary,
        summary=summary,
        fields=fields,
        sections=step_progress(inc, ctx.config, lang),
        buttons=buttons,
        footer=t("card.footer", lang, at=fmt_dt(ctx.now, ctx)) + " · " + t("law.disclaimer", lang),
    )


def private_card(inc: Incident, ctx: Ctx) -> Card:
    """The status card as one person asked for it (``status``, a digest's 「カードを表示」): the card
    itself in the incident's language, like the one in the channel; when the person speaks another,
    a line in theirs saying so."""
    card = incident_card(inc, ctx)
    if ctx.lang == inc.lang:
        return card
    frame = t("names.status_frame", ctx.lang, lang=t(f"names.lang.{inc.lang}", ctx.lang))
    return replace(card, footer=f"{frame}\n{card.footer}" if card.footer else frame)


def page_card(inc: Incident, ctx: Ctx, attempt: int) -> Card:
    """A page says little: id, severity, where to look. Personal data stays in the thread."""
    ctx, lang = in_incident(ctx, inc), inc.lang
    esc = inc.escalation
    return Card(
        title=f"{t('page.title', lang, id=inc.id)}",
        tone="danger",
        text=t("page.text", lang, severity=t(f"severity.{inc.severity}", lang)),
        fields=(
            Field(t("card.severity", lang), t(f"severity.{inc.severity}", lang)),
            Field(t("page.step", lang), t("page.step_value", lang, step=esc.step + 1, steps=len(esc.chain), attempt=attempt + 1)),
            Field(t("page.reported_at", lang), fmt_dt(inc.created_at, ctx)),
        ),
        buttons=(Button(t("button.ack", lang), "ack", inc.id, "primary"), link_button(t("links.open_incident", lang), "card")),
    )


def page_done_card(inc: Incident, ctx: Ctx) -> Card:
    """The page once answered: it no longer asks for action (acknowledged, or the incident closed)."""
    lang, esc = inc.lang, inc.escalation
    if esc.status == "acked" and esc.acked_by:
        title = t("page.title_acked", lang, id=inc.id)
        text = t("page.acked", lang, name=person(esc.acked_by), at=ctx.hm(esc.acked_at or ctx.now))
    else:
        title, text = t("page.title_closed", lang, id=inc.id), t("page.closed", lang)
    return Card(title=title, tone="success", text=text)


def _item_detail(item: Item, ctx: Ctx, lang: str) -> str:
    parts = []
    if item.owner:
        parts.append(t("item.owner", lang, who=who(item.owner, lang)))
    if item.state == "done" and item.by:
        parts.append(t("item.done_by", lang, name=who(item.by, lang), at=fmt_dt(item.at, ctx)))
    if item.state == "na":
        parts.append(t("item.na_because", lang, reason=item.reason, name=who(item.by, lang)))
    if item.note:
        parts.append(t("item.note", lang, note=item.note))
    return " · ".join(parts)


def step_card(inc: Incident, step: int, ctx: Ctx) -> Card:
    """One response step with its items and their buttons; posted in the thread, updated in place."""
    ctx, lang = in_incident(ctx, inc), inc.lang
    tpl = next(s for s in templates.steps_for(inc, ctx.config) if s.step == step)
    rows = []
    for item in (i for i in inc.items if i.step == step):
        value = f"{inc.id}|{item.id}"
        buttons: tuple[Button, ...] = ()
        if inc.status == "open" and item.state == "open":
            owner = (  # at most five buttons an item (Slack folds them into one overflow menu)
                (
                    Button(t("cardux.assign.button", lang), "item:assign", value),
                    Button(t("cardux.assign.unassign_button", lang), "item:unassign", value),
                )
                if item.owner
                else (Button(t("button.take", lang), "item:take", value), Button(t("cardux.assign.button", lang), "item:assign", value))
            )
            buttons = (
                Button(t("button.done", lang), "item:done", value, "primary"),
                Button(t("button.na", lang), "item:na", value),
                *owner,
                Button(t("button.note", lang), "item:note", value),
            )
        elif inc.status == "open":
            buttons = (Button(t("button.reopen", lang), "item:reopen", value), Button(t("button.note", lang), "item:note", value))
        text = f"{item.id} {item.text}" + ("" if item.required else t("item.optional", lang))
        rows.append(CheckItem(item.id, text, item.state, _item_detail(item, ctx, lang), buttons))
    done = sum(1 for r in rows if r.state != "open")
    measures, buttons = measure_block(inc, step, ctx.config)  # the prevention step: its measures and 'Add a measure'
    return Card(
        title=f"({step}) {tpl.title.get(lang, tpl.title['ja'])}",
        tone="success" if done == len(rows) else "info",
        text=measures,
        sections=(Section(title=t("card.progress", lang, done=done, total=len(rows)), items=tuple(rows)),),
        buttons=buttons,
    )


def note(text: str, tone: Tone = "info", title: str = "") -> Card:
    return Card(title=title, tone=tone, text=text)
