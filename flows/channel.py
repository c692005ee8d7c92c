"""The incident channel unreachable (issue 13 item 8), and the page's link once the card exists (item 7).

When a post to the incident channel fails because the bot may not post there (Slack ``not_in_channel``,
``channel_not_found``, ``is_archived``; Teams: the app not in the team, the conversation gone), the
outbox keeps the card, the checklist and every later update and retries them slowly (``bot.delivery``),
and this flow — once per incident, however many messages failed — tells the reporter, the people paged
so far and whoever acknowledged, in a DM: how to let the bot in (the platform's own wording, its
``Platform.invite`` key) and ``/mynaleak repost ML-…``; with the DM come the incident card and the
checklist, with their buttons, so the response goes on from there. Their copies are tagged
``chan:<n>:card`` / ``chan:<n>:step:<k>`` (n: the person's place in ``Incident.channel_dms``) and
follow every later update of the card and the step cards. Anyone paged or acknowledging while the
channel is still unreachable gets the same DM. Once a channel message goes through, the thread says
who worked from a DM, and they are told the channel works again.

``repost``: a responder (or the reporter) sends again at once whatever channel message is still
waiting (``Requeue``): the same rows, so nothing is posted twice; always into the incident's own
channel, never where the command was typed (the thread is the incident's record).
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.effects import Audit, Effect, Notify, Post, Requeue, Update
from bot.core.events import CommandInvoked, DeliveryFailed, MessageDelivered
from bot.core.i18n import t
from bot.core.model import Incident, UserRef
from bot.core.views import Card
from flows import paging, templates
from flows.cards import incident_card, note, page_card, step_card
from flows.common import Ctx, people, refuse, say

PREFIX = "chan:"
CHAT_PAGE_PARTS = 5  # page:<esc>:<step>:<attempt>:<person> — a chat page (other channels add :<via>)


def copy_tag(n: int, tag: str) -> str:
    """The tag of person ``n``'s DM copy of the channel message tagged ``tag``."""
    return f"{PREFIX}{n}:{tag}"


def _chat_page(tag: str) -> bool:
    return tag.startswith("page:") and len(tag.split(":")) == CHAT_PAGE_PARTS


def paged_people(inc: Incident) -> list[UserRef]:
    """Everyone a chat page of this incident went to (every escalation, every step so far)."""
    esc = inc.escalation
    out: list[UserRef] = []
    for tag in esc.pages:
        if not _chat_page(tag):
            continue
        _, _, step, _, person = tag.split(":")
        if not (step.isdigit() and person.isdigit()) or int(step) >= len(esc.chain):
            continue
        route = next((r for r in esc.chain[int(step)].paths() if r.person == int(person) and r.via == "chat"), None)
        if route is not None:
            out.append(route.to)
    return out


def _fix(inc: Incident, ctx: Ctx) -> str:
    return t(ctx.invites.get(inc.channel.platform, "chan.fix_default"), inc.lang)


def _note(inc: Incident, user: UserRef, ctx: Ctx) -> Card:
    """What happened and how to fix it, in the platform's own words."""
    text = t("chan.dm_text", inc.lang, id=inc.id, fix=_fix(inc, ctx), cmd=ctx.command_on(user.platform))
    return note(text, "danger", t("chan.dm_title", inc.lang, id=inc.id))


def _tell(inc: Incident, people: list[UserRef], ctx: Ctx) -> tuple[Incident, list[Effect]]:
    """The DM for each of ``people`` not told yet (only people on the channel's own platform: the DM
    says how to fix it there): what happened and how to fix it, the card, the checklist."""
    told = list(inc.channel_dms)
    effects: list[Effect] = []
    for user in people:
        if user.platform != inc.channel.platform or any(user.same(u) for u in told):
            continue
        n = len(told)
        told.append(user)
        effects.append(Notify(user, _note(inc, user, ctx), copy_tag(n, "note")))
        effects.append(Notify(user, incident_card(inc, ctx), copy_tag(n, "card")))
        effects += [
            Notify(user, step_card(inc, st.step, ctx), copy_tag(n, f"step:{st.step}")) for st in templates.steps_for(inc, ctx.config)
        ]
    if len(told) == len(inc.channel_dms):
        return inc, []
    return replace(inc, channel_dms=tuple(told)), effects


def on_blocked(inc: Incident, event: DeliveryFailed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    """A channel message was refused because the bot may not post there: tell the people concerned,
    once (until the channel works again)."""
    if inc.channel_blocked_at is not None:
        return inc, []
    esc = inc.escalation
    people = [inc.reporter, *paged_people(inc), *([esc.acked_by] if esc.acked_by else [])]
    blocked = replace(inc, channel_blocked_at=ctx.now)
    # refused again after it had worked: those who already have the copies get the note again, not new copies
    again: list[Effect] = [Notify(u, _note(inc, u, ctx), copy_tag(n, "note")) for n, u in enumerate(inc.channel_dms)]
    new, effects = _tell(blocked, people, ctx)
    told = [u.key for u in inc.channel_dms + new.channel_dms[len(inc.channel_dms) :]]
    return new, [*again, *effects, Audit("channel.unreachable", {"tag": event.tag, "error": event.error[:300], "told": told})]


def on_delivered(inc: Incident, event: MessageDelivered, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    """A channel message went through: the card's first post gives the current step's chat pages their
    link to it (updated in place: no second notification); after a refusal, the channel works again."""
    effects: list[Effect] = link_pages(inc, ctx) if event.tag == "card" and event.kind == "post" else []
    if inc.channel_blocked_at is None or event.tag.startswith(("page:", "digest:", PREFIX)):
        return inc, effects  # (an update of a page or of a DM copy says nothing about the channel)
    restored = replace(inc, channel_blocked_at=None)
    lang = inc.lang
    if inc.channel_dms:
        names = people(inc.channel_dms, lang)
        effects.append(Post(note(t("chan.thread_restored", lang, names=names), "info"), thread_of="card"))
        text = t("chan.dm_restored", lang, id=inc.id)
        effects += [Notify(u, note(text, "success"), copy_tag(n, "restored")) for n, u in enumerate(inc.channel_dms)]
    effects.append(Audit("channel.restored", {"tag": event.tag, "told": [u.key for u in inc.channel_dms]}))
    return restored, effects


def link_pages(inc: Incident, ctx: Ctx) -> list[Effect]:
    """The current step's chat pages again, now that the card they link to exists (chat.update / an
    updated activity: the person is not notified twice). Nothing once answered: the ack updated them."""
    esc = inc.escalation
    if inc.status != "open" or esc.status != "paging":
        return []
    prefix = paging.step_prefix(esc)
    card = page_card(inc, ctx, esc.attempt)
    return [Update(tag, card) for tag in esc.pages if tag.startswith(prefix) and _chat_page(tag)]


def follow(inc: Incident | None, effects: list[Effect], ctx: Ctx) -> tuple[Incident | None, list[Effect]]:
    """After any event: the DM copies follow the updates of the card and the step cards, and while the
    channel is unreachable, whoever is newly paged or acknowledged gets the DM too."""
    if inc is None or (inc.channel_blocked_at is None and not inc.channel_dms):
        return inc, effects
    copies = len(inc.channel_dms)
    out = list(effects)
    for e in effects:
        if isinstance(e, Update) and not e.incident_id and (e.tag == "card" or e.tag.startswith("step:")):
            out += [Update(copy_tag(n, e.tag), e.view) for n in range(copies)]
    if inc.channel_blocked_at is not None:
        esc = inc.escalation
        newly = [e.user for e in effects if isinstance(e, Notify) and _chat_page(e.tag)]
        inc, told = _tell(inc, newly + ([esc.acked_by] if esc.acked_by else []), ctx)
        out += told
    return inc, out


def repost(inc: Incident, event: CommandInvoked, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    """``/mynaleak repost ML-…``: send again now the channel messages still waiting (the same rows:
    nothing already in the channel is posted twice)."""
    actor = ctx.config.display(event.actor)
    if not (inc.is_responder(actor) or inc.reporter.same(actor)):
        return inc, [refuse(event.actor, "chan.perm_repost", ctx, event.place, id=inc.id)]
    blocked = inc.channel_blocked_at is not None
    key = "chan.repost_blocked" if blocked else "chan.repost_done"
    return inc, [
        Requeue(),
        say(event.actor, key, ctx, event.place, tone="warning" if blocked else "info", id=inc.id, fix=_fix(inc, ctx)),
        Audit("channel.repost", {"by": actor.key, "channel_unreachable": blocked}),
    ]
