"""What the card shows of the escalation (the step, who is paged since when, when the next step is
due), and the e-mail page. A block of its own: ``flows.cards`` adds it under the status."""

from __future__ import annotations

from dataclasses import replace

from bot.core.i18n import t
from bot.core.model import Incident, UserRef
from bot.core.views import Button, Card, Field, link_button
from flows import away
from flows.common import Ctx, fmt_dt, people


def escalation_fields(inc: Incident, ctx: Ctx) -> tuple[Field, ...]:
    """第N段階, who, since when, and what comes next — while paging; where it ended otherwise."""
    esc, lang = inc.escalation, inc.lang
    if not esc.chain or inc.status != "open" or esc.paged_at is None:
        return ()
    step = esc.chain[min(esc.step, len(esc.chain) - 1)]
    names, since = away.names(step, lang), ctx.hm(esc.paged_at)
    label = t("paging.card_label", lang)
    if esc.off_hours:  # which chain is in use
        label = t("away.card_label_off_hours", lang)
    if esc.status == "acked":
        return (Field(label, t("paging.card_acked", lang, step=esc.step + 1, steps=len(esc.chain))),)
    if esc.status == "exhausted":
        return (Field(label, t("paging.card_exhausted", lang, steps=len(esc.chain), at=since)),)
    now = Field(label, t("paging.card_now", lang, step=esc.step + 1, steps=len(esc.chain), names=names, since=since, n=esc.attempt + 1))
    if esc.next_at is None:
        return (now,)
    at = ctx.hm(esc.next_at)
    if esc.step + 1 < len(esc.chain):
        after = esc.chain[esc.step + 1]
        text = t("paging.card_next", lang, at=at, step=esc.step + 2, names=people(after.people, lang))
    elif esc.attempt < esc.repeat_last:
        text = t("paging.card_next_repeat", lang, at=at, step=esc.step + 1, names=names)
    else:
        text = t("paging.card_next_end", lang, at=at)
    return (now, Field(t("paging.card_next_label", lang), text))


def mail_page_card(inc: Incident, ctx: Ctx, who: UserRef) -> Card:
    """The e-mail page: like the DM (incident id and severity, no personal data), its subject the title.
    Its Acknowledge button names the person it acknowledges as (the e-mail notifier turns it into a
    signed link)."""
    lang = inc.lang
    esc = inc.escalation
    severity = t(f"severity.{inc.severity}", lang)
    return Card(
        title=t("paging.mail_subject", lang, id=inc.id, severity=severity),
        tone="danger",
        text=t("paging.mail_text", lang, severity=severity),
        fields=(
            Field(t("card.severity", lang), severity),
            Field(t("page.step", lang), t("page.step_value", lang, step=esc.step + 1, steps=len(esc.chain), attempt=esc.attempt + 1)),
            Field(t("page.reported_at", lang), fmt_dt(inc.created_at, ctx)),
        ),
        buttons=(
            Button(t("button.ack", lang), "ack", f"{inc.id}|{who.platform}:{who.key}", "primary"),
            link_button(t("links.open_incident", lang), "card"),
        ),
        footer=t("paging.mail_footer", lang),
    )


def service_page_card(inc: Incident, ctx: Ctx, who: UserRef) -> Card:
    """The page for a paging service (PagerDuty, the webhook): read by a machine, so its fields are keys —
    ``incident``, ``severity`` (high, medium, low), ``step``, ``attempt`` — and its title is the summary
    people see there (the incident id and severity, like the DM's). Its Acknowledge button names the person
    it acknowledges as (the notifier turns it into a signed link)."""
    esc = inc.escalation
    fields = (
        Field("incident", inc.id),
        Field("severity", inc.severity),
        Field("step", str(esc.step + 1)),
        Field("attempt", str(esc.attempt + 1)),
    )
    return replace(mail_page_card(inc, ctx, who), fields=fields, footer="")
