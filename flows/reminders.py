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

from bot.core.effects import Audit, CancelTimers, Effect, Post, StartTimer
from bot.core.events import ButtonPressed, TimerFired
from bot.core.i18n import t
from bot.core.model import Incident
from bot.core.views import Button, Card, mention
from flows.calendar import is_business_moment, next_business_moment
from flows.common import Ctx, fmt_dt, guard, say

KIND, KEY = "remind", "digest"


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


def digest(inc: Incident, ctx: Ctx) -> Card:
    lang = inc.lang
    lines = []
    for item in inc.open_required():
        who = mention(item.owner) if item.owner else t("remind.no_owner", lang)
        lines.append(t("remind.line", lang, item=item.id, text=item.text, who=who))
    return Card(
        title=t("remind.title", lang, id=inc.id, n=len(lines)),
        tone="warning",
        text="\n".join(lines),
        buttons=(Button(t("button.snooze", lang, hours=f"{ctx.config.snooze_hours:g}"), "remind:snooze", inc.id),),
    )


def on_timer(inc: Incident, event: TimerFired, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    if inc.status != "open" or not inc.open_required():
        return inc, []  # stopped: closed, or nothing open
    c = ctx.config
    if inc.reminders_snoozed_until and ctx.now < inc.reminders_snoozed_until:
        return inc, [StartTimer(KIND, KEY, _business(inc.reminders_snoozed_until, ctx))]
    if not is_business_moment(ctx.now, c.business_start, c.business_end, c.tz):
        return inc, [StartTimer(KIND, KEY, _business(ctx.now, ctx))]
    nxt = _business(ctx.now + timedelta(hours=c.remind_every_hours), ctx)
    return inc, [Post(digest(inc, ctx), thread_of="card"), StartTimer(KIND, KEY, nxt)]


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
