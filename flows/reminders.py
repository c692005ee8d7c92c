"""Reminders of open items in the incident thread, mentioning each owner.

One digest per incident at the configured cadence, only in business hours on Japanese working days
(holidays from the ``holidays`` library via ``flows.calendar``). A snooze postpones the next one. They
stop the moment nothing required is open or the incident is closed: the timer then does nothing and
is not re-armed. Any later change that reopens an item re-arms it (``ensure`` is idempotent: the
timer table allows one pending digest per incident).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.effects import Audit, CancelTimers, Effect, Post, Reply, StartTimer
from bot.core.events import ButtonPressed, TimerFired
from bot.core.i18n import join, t
from bot.core.model import Incident, Item
from bot.core.views import Button, Card
from flows.calendar import is_business_moment, next_business_moment
from flows.card_summary import deadline_field
from flows.cards import private_card
from flows.common import Ctx, fmt_dt, guard, refuse, say, who

KIND, KEY = "remind", "digest"
CARD_ACTION = "remind:card"  # the digest's link to the status card: shows it privately
LAST, SEEN = "remind.last", "remind.open"  # Incident.extra: when the last digest went out, the ids open then
SHOWN = 5  # unowned items of the next step named in a digest; the rest are counted


def _business(at: datetime, ctx: Ctx) -> datetime:
    c = ctx.config
    return next_business_moment(at, c.business_start, c.business_end, c.tz)


def ensure(inc: Incident, ctx: Ctx) -> list[Effect]:
    """Arm the digest timer if anything required is open (a no-op when one is already pending)."""
    if inc.status != "open" or not inc.open_required():
        return []
    start = max(ctx.now, inc.reminders_snoozed_until or ctx.now)
    due = _business(start + timedelta(hours=ctx.config.remind_every_hours), ctx)
    return [StartTimer(KIND, KEY, due)]


def _line(item: Item, lang: str) -> str:
    owner = who(item.owner, lang) if item.owner else t("remind.no_owner", lang)
    return t("remind.line", lang, item=item.id, text=item.text, who=owner)


def _changes(inc: Incident, open_now: tuple[Item, ...], ctx: Ctx) -> list[str]:
    """What changed since the last digest: items settled, items (re)opened — or that nothing did."""
    if SEEN not in inc.extra:
        return []
    lang, seen = inc.lang, set(filter(None, inc.extra[SEEN].split(",")))
    ids_now = {i.id for i in open_now}
    settled = [i.id for i in inc.items if i.id in seen and i.id not in ids_now]
    opened = [i.id for i in open_now if i.id not in seen]
    out = [t("cardux.remind.settled", lang, n=len(settled), ids=join(settled, lang))] if settled else []
    out += [t("cardux.remind.opened", lang, n=len(opened), ids=join(opened, lang))] if opened else []
    if not out:
        since = datetime.fromisoformat(inc.extra[LAST]) if LAST in inc.extra else None
        out.append(t("cardux.remind.unchanged", lang, since=fmt_dt(since, replace(ctx, lang=lang))))
    return out


def digest(inc: Incident, ctx: Ctx) -> Card:
    """What changed since the last digest, the next deadline, the open items whose owners should act
    (mentioned), the next step's unowned items and a count of the rest; a button shows the card."""
    lang, open_now = inc.lang, inc.open_required()
    lines = _changes(inc, open_now, ctx)
    lines.append(t("cardux.remind.deadline", lang, value=deadline_field(inc, ctx).value))
    owned = [i for i in open_now if i.owner]
    if owned:
        lines += [t("cardux.remind.owned", lang), *(_line(i, lang) for i in owned)]
    unowned = [i for i in open_now if not i.owner]
    if unowned:
        first = min(i.step for i in unowned)
        shown = [i for i in unowned if i.step == first][:SHOWN]
        lines += [t("cardux.remind.next_step", lang, step=first), *(_line(i, lang) for i in shown)]
        if rest := len(unowned) - len(shown):
            lines.append(t("cardux.remind.more", lang, n=rest))
    return Card(
        title=t("remind.title", lang, id=inc.id, n=len(open_now)),
        tone="warning",
        text="\n".join(lines),
        buttons=(
            Button(t("cardux.remind.card_button", lang), CARD_ACTION, inc.id),
            Button(t("button.snooze", lang, hours=f"{ctx.config.snooze_hours:g}"), "remind:snooze", inc.id),
        ),
    )


def _sent(inc: Incident, ctx: Ctx) -> Incident:
    """``inc`` remembering this digest: its time and the ids open, for the next one's changes."""
    seen = ",".join(i.id for i in inc.open_required())
    return replace(inc, extra={**inc.extra, LAST: ctx.now.isoformat(), SEEN: seen})


def on_timer(inc: Incident, event: TimerFired, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    if inc.status != "open" or not inc.open_required():
        return inc, []  # stopped: closed, or nothing open
    c = ctx.config
    if inc.reminders_snoozed_until and ctx.now < inc.reminders_snoozed_until:
        return inc, [StartTimer(KIND, KEY, _business(inc.reminders_snoozed_until, ctx))]
    if not is_business_moment(ctx.now, c.business_start, c.business_end, c.tz):
        return inc, [StartTimer(KIND, KEY, _business(ctx.now, ctx))]
    nxt = _business(ctx.now + timedelta(hours=c.remind_every_hours), ctx)
    audit = Audit("reminders.digest", {"open": len(inc.open_required())})
    return _sent(inc, ctx), [Post(digest(inc, ctx), thread_of="card"), StartTimer(KIND, KEY, nxt), audit]


def show_card(inc: Incident, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    """The digest's 「カードを表示」: the current status card, privately, where the person pressed — for
    those who may see it (as `status`: the reporter, the chain, the responders and staff)."""
    actor = ctx.config.display(event.actor)
    if not (inc.is_responder(actor) or ctx.config.is_staff(actor) or inc.reporter.same(actor)):
        return inc, [refuse(event.actor, "perm.view", ctx, event.place, id=inc.id)]
    return inc, [Reply(event.actor, private_card(inc, ctx), event.place)]


def snooze(inc: Incident, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    if (refusal := guard(inc, event, ctx, "perm.snooze")) is not None:
        return inc, list(refusal)
    until = ctx.now + timedelta(hours=ctx.config.snooze_hours)
    new = replace(inc, reminders_snoozed_until=until)
    due = _business(until, ctx)
    return new, [
        CancelTimers((KIND,)),
        StartTimer(KIND, KEY, due),
        say(event.actor, "remind.snoozed", ctx, event.place, until=fmt_dt(due, ctx)),
        Audit("reminders.snoozed", {"until": until.isoformat()}),
    ]
